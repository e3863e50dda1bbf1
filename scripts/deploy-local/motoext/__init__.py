"""moto extensions for `npm run deploy:local`: what moto's CloudFormation lacks for msk-inference's stack.

`register()` must run in the moto server's process before the first stack is created (moto builds its
CloudFormation resource map once, on first use). `scripts/deploy-local/moto_server.py` does that.
"""

from .cloudwatch_alarm import CloudWatchAlarm
from .kafka_event_source_mapping import KafkaEventSourceMapping, KafkaEventSourceMappingResource
from .lambda_function import LambdaFunctionResource
from .registry import register

__all__ = [
    "CloudWatchAlarm",
    "KafkaEventSourceMapping",
    "KafkaEventSourceMappingResource",
    "LambdaFunctionResource",
    "register",
]
