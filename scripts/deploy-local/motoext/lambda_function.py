"""`AWS::Lambda::Function` that carries every CreateFunction property the template sets.

moto 5.2.5's CloudFormation model forwards only Code, Handler, Role, Runtime, Description, MemorySize,
Publish, Timeout, VpcConfig, Environment and ReservedConcurrentExecutions to CreateFunction: an
`arm64` function comes back as `x86_64`, and the rest is dropped silently. Its Lambda backend also has
no `LoggingConfig` at all. This model forwards the rest, and `add_logging_config` teaches the backend
to keep and return `LoggingConfig` (defaults as Lambda documents them: Text format, /aws/lambda/<name>).

See:
    https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-lambda-function.html
    https://docs.aws.amazon.com/lambda/latest/api/API_LoggingConfig.html
"""

import functools
from typing import Any

from moto.awslambda.models import LambdaFunction, get_backend

# CloudFormation property -> CreateFunction parameter, for those moto's model leaves out.
FORWARDED = {
    "Architectures": "Architectures",
    "EphemeralStorage": "EphemeralStorage",
    "ImageConfig": "ImageConfig",
    "KmsKeyArn": "KMSKeyArn",
    "Layers": "Layers",
    "LoggingConfig": "LoggingConfig",
    "PackageType": "PackageType",
    "TracingConfig": "TracingConfig",
}


class LambdaFunctionResource(LambdaFunction):
    """moto's function model, created with the properties listed in FORWARDED as well.

    Example:
        >>> LambdaFunctionResource.cloudformation_type()
        'AWS::Lambda::Function'
    """

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> LambdaFunction:
        properties = cloudformation_json["Properties"]
        extra = {api: properties[cfn] for cfn, api in FORWARDED.items() if cfn in properties}
        if "Tags" in properties:
            # CloudFormation's tags are a list of Key/Value pairs; CreateFunction's a map.
            extra["Tags"] = {t["Key"]: t["Value"] for t in properties["Tags"]}
        if not extra:
            return LambdaFunction.create_from_cloudformation_json(
                resource_name, cloudformation_json, account_id, region_name, **kwargs
            )
        # moto's own builder, then the remaining properties on the same spec.
        backend = get_backend(account_id, region_name)
        create_function = backend.create_function

        def create_with_extra(spec: dict[str, Any]) -> LambdaFunction:
            return create_function({**spec, **extra})

        backend.create_function = create_with_extra  # type: ignore[method-assign]
        try:
            return LambdaFunction.create_from_cloudformation_json(
                resource_name, cloudformation_json, account_id, region_name, **kwargs
            )
        finally:
            del backend.create_function


def add_logging_config() -> None:
    """Makes moto's functions keep `LoggingConfig` from CreateFunction and return it in their configuration."""
    builtin_init = LambdaFunction.__init__
    builtin_configuration = LambdaFunction.get_configuration

    @functools.wraps(builtin_init)
    def init(self: LambdaFunction, account_id: str, spec: dict[str, Any], *args: Any, **kwargs: Any) -> None:
        builtin_init(self, account_id, spec, *args, **kwargs)
        self.logging_config = {
            "LogFormat": "Text",
            "LogGroup": f"/aws/lambda/{self.function_name}",
            **(spec.get("LoggingConfig") or {}),
        }

    @functools.wraps(builtin_configuration)
    def get_configuration(self: LambdaFunction, *args: Any, **kwargs: Any) -> dict[str, Any]:
        return {**builtin_configuration(self, *args, **kwargs), "LoggingConfig": self.logging_config}

    LambdaFunction.__init__ = init  # type: ignore[method-assign]
    LambdaFunction.get_configuration = get_configuration  # type: ignore[method-assign]
