"""Kafka event source mappings (Amazon MSK and self-managed Apache Kafka) for moto's Lambda backend.

moto 5.2.5 accepts event source mappings only from SQS, DynamoDB streams and Kinesis: its
`EventSourceMapping` rejects a `kafka` ARN, requires `EventSourceArn` (a self-managed cluster has none)
and has no Kafka batch-size limits. It also stores `StartingPositionTimestamp` but never returns it.
This model keeps every property moto's already stores and returns, returns the timestamp too, and adds
the Kafka rules, with CloudFormation's property shapes translated to the Lambda API's.

Control plane only: nothing polls Kafka or invokes the function.

See:
    https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html
    https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-lambda-eventsourcemapping.html
"""

import copy
from typing import Any

from moto.awslambda.models import EventSourceMapping, LambdaBackend, get_backend
from moto.core.common_models import CloudFormationModel
from moto.core.exceptions import JsonRESTError

# "Amazon MSK, self-managed Apache Kafka: default 100, maximum 10,000" (CreateEventSourceMapping, BatchSize).
KAFKA_BATCH_SIZE_DEFAULT = 100
KAFKA_BATCH_SIZE_MAX = 10_000
KAFKA_STARTING_POSITIONS = ("LATEST", "TRIM_HORIZON", "AT_TIMESTAMP")


def invalid(message: str) -> JsonRESTError:
    return JsonRESTError("InvalidParameterValueException", message)


def is_kafka_spec(spec: dict[str, Any]) -> bool:
    """True for an MSK cluster ARN or a self-managed cluster (CreateEventSourceMapping's request)."""
    arn = spec.get("EventSourceArn") or ""
    return ":kafka:" in arn or "SelfManagedEventSource" in spec


class KafkaEventSourceMapping(EventSourceMapping):
    """moto's mapping with Kafka sources allowed: an MSK ARN, or no ARN and `SelfManagedEventSource`.

    Example:
        >>> KafkaEventSourceMapping({"RegionName": "us-east-1", "AccountId": "123456789012",
        ...     "FunctionName": "f", "FunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:f",
        ...     "SelfManagedEventSource": {"Endpoints": {"KAFKA_BOOTSTRAP_SERVERS": ["b:9092"]}},
        ...     "Topics": ["in"], "StartingPosition": "LATEST"}).batch_size
        100
    """

    def __init__(self, spec: dict[str, Any]):
        spec = {"EventSourceArn": None, **spec}
        self._validate(spec)
        super().__init__(spec)

    @staticmethod
    def _validate(spec: dict[str, Any]) -> None:
        topics = spec.get("Topics")
        if not isinstance(topics, list) or len(topics) != 1:
            raise invalid("Topics must name exactly one topic for a Kafka event source")
        if spec.get("StartingPosition") not in KAFKA_STARTING_POSITIONS:
            raise invalid(f"StartingPosition must be one of {', '.join(KAFKA_STARTING_POSITIONS)} for Kafka")
        if (spec.get("StartingPosition") == "AT_TIMESTAMP") != (spec.get("StartingPositionTimestamp") is not None):
            raise invalid("StartingPositionTimestamp goes with StartingPosition AT_TIMESTAMP, and only with it")
        if spec.get("EventSourceArn") is None:
            servers = (spec.get("SelfManagedEventSource") or {}).get("Endpoints", {}).get("KAFKA_BOOTSTRAP_SERVERS")
            if not servers:
                raise invalid("SelfManagedEventSource.Endpoints.KAFKA_BOOTSTRAP_SERVERS is required")
        elif "SelfManagedEventSource" in spec:
            raise invalid("EventSourceArn and SelfManagedEventSource are mutually exclusive")

    # moto's setter accepts only SQS, DynamoDB and Kinesis ARNs; a self-managed cluster has no ARN.
    @property
    def event_source_arn(self) -> str | None:
        return self._event_source_arn

    @event_source_arn.setter
    def event_source_arn(self, event_source_arn: str | None) -> None:
        if event_source_arn is not None and ":kafka:" not in event_source_arn:
            raise invalid("EventSourceArn of a Kafka event source must be an Amazon MSK cluster ARN")
        self._event_source_arn = event_source_arn

    def _get_service_source_from_arn(self, event_source_arn: str | None = None) -> str:
        return "kafka"

    def get_configuration(self) -> dict[str, Any]:
        # Epoch seconds, as the Lambda API's JSON carries a Timestamp.
        configuration = super().get_configuration()
        if self.starting_position_timestamp is not None:
            configuration["StartingPositionTimestamp"] = self.starting_position_timestamp
        return configuration

    @property
    def batch_size(self) -> int:
        return self._batch_size

    @batch_size.setter
    def batch_size(self, new_batch_size: int | None) -> None:
        if new_batch_size is None:
            self._batch_size = KAFKA_BATCH_SIZE_DEFAULT
        elif not 1 <= int(new_batch_size) <= KAFKA_BATCH_SIZE_MAX:
            raise invalid(f"BatchSize {new_batch_size} is outside 1..{KAFKA_BATCH_SIZE_MAX} for Kafka")
        else:
            self._batch_size = int(new_batch_size)


def create_kafka_event_source_mapping(backend: LambdaBackend, spec: dict[str, Any]) -> EventSourceMapping | None:
    """Creates and stores a Kafka mapping; None when `spec` is not a Kafka source (moto handles it)."""
    if not is_kafka_spec(spec):
        return None
    if not spec.get("FunctionName"):
        raise invalid("Missing FunctionName")
    function = backend._lambdas.get_function_by_name_or_arn_with_qualifier(spec["FunctionName"])
    esm = KafkaEventSourceMapping(
        {**spec, "RegionName": backend.region_name, "AccountId": backend.account_id, "FunctionArn": function.function_arn}
    )
    backend._event_source_mappings[esm.uuid] = esm
    return esm


def api_properties(cfn_properties: dict[str, Any]) -> dict[str, Any]:
    """CloudFormation's property shapes as the Lambda API's, where they differ.

    `Endpoints.KafkaBootstrapServers` (CloudFormation) is `Endpoints.KAFKA_BOOTSTRAP_SERVERS` (API);
    every other property of a Kafka mapping has the same name and shape in both.

    Example:
        >>> api_properties({"SelfManagedEventSource": {"Endpoints": {"KafkaBootstrapServers": ["b:9092"]}}})
        {'SelfManagedEventSource': {'Endpoints': {'KAFKA_BOOTSTRAP_SERVERS': ['b:9092']}}}
    """
    properties = copy.deepcopy(cfn_properties)
    endpoints = (properties.get("SelfManagedEventSource") or {}).get("Endpoints")
    if isinstance(endpoints, dict) and "KafkaBootstrapServers" in endpoints:
        endpoints["KAFKA_BOOTSTRAP_SERVERS"] = endpoints.pop("KafkaBootstrapServers")
    return properties


class KafkaEventSourceMappingResource(CloudFormationModel):
    """`AWS::Lambda::EventSourceMapping` for every source: Kafka through ours, the rest through moto's."""

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Lambda::EventSourceMapping"

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in ("EventSourceMappingArn", "Id")

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> EventSourceMapping:
        properties = api_properties(cloudformation_json["Properties"])
        return get_backend(account_id, region_name).create_event_source_mapping(properties)

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls,
        original_resource: EventSourceMapping,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> EventSourceMapping:
        properties = api_properties(cloudformation_json["Properties"])
        backend = get_backend(account_id, region_name)
        return backend.update_event_source_mapping(original_resource.uuid, properties)  # type: ignore[return-value]

    @classmethod
    def delete_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> None:
        # The physical id is the UUID; moto's own version looks the mapping up by EventSourceArn.
        get_backend(account_id, region_name).delete_event_source_mapping(resource_name)
