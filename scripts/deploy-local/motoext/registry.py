"""Puts our CloudFormation resource models in front of moto's, and routes Kafka mappings to ours."""

import functools

from moto.awslambda.models import LambdaBackend
from moto.cloudformation import parsing
from moto.core.common_models import CloudFormationModel

from .cloudwatch_alarm import CloudWatchAlarm
from .kafka_event_source_mapping import KafkaEventSourceMappingResource, create_kafka_event_source_mapping
from .lambda_function import LambdaFunctionResource, add_logging_config

# Each replaces (or, for the alarm, adds) the model of its CloudFormation type.
MODELS: tuple[type[CloudFormationModel], ...] = (
    KafkaEventSourceMappingResource,
    LambdaFunctionResource,
    CloudWatchAlarm,
)


def register() -> None:
    """Installs the models, the Lambda API route for Kafka sources and LoggingConfig. Idempotent.

    Example:
        >>> from motoext import register
        >>> register()
    """
    if getattr(parsing, "_msk_inference_registered", False):
        return
    # moto looks resource types up through these two cached functions at run time, by module global.
    builtin_models = parsing.get_model_map
    builtin_names = parsing.get_name_type_map

    @functools.lru_cache
    def get_model_map() -> dict[str, type[CloudFormationModel]]:
        return {**builtin_models(), **{m.cloudformation_type(): m for m in MODELS}}

    @functools.lru_cache
    def get_name_type_map() -> dict[str, str]:
        return {**builtin_names(), **{m.cloudformation_type(): m.cloudformation_name_type() for m in MODELS}}

    parsing.get_model_map = get_model_map
    parsing.get_name_type_map = get_name_type_map

    # CreateEventSourceMapping (the Lambda API and CloudFormation alike) goes through the backend.
    builtin_create = LambdaBackend.create_event_source_mapping

    @functools.wraps(builtin_create)
    def create_event_source_mapping(self: LambdaBackend, spec: dict):  # type: ignore[no-untyped-def]
        created = create_kafka_event_source_mapping(self, spec)
        return created if created is not None else builtin_create(self, spec)

    LambdaBackend.create_event_source_mapping = create_event_source_mapping  # type: ignore[method-assign]
    add_logging_config()
    parsing._msk_inference_registered = True  # type: ignore[attr-defined]
