"""`AWS::CloudWatch::Alarm` for moto's CloudFormation, stored through moto's own CloudWatch backend.

moto 5.2.5 implements PutMetricAlarm / DescribeAlarms but has no CloudFormation model for alarms: a
template's alarms are skipped with a warning, and a dashboard that names their ARNs fails to resolve.
This model puts the alarm with PutMetricAlarm's parameters, which CloudFormation's properties name
one for one (`Metrics` is the metric-math form).

See:
    https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-cloudwatch-alarm.html
    https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html
"""

from typing import Any

from moto.cloudwatch.models import (
    Alarm,
    CloudWatchBackend,
    Dimension,
    Metric,
    MetricDataQuery,
    MetricStat,
    cloudwatch_backends,
)
from moto.core.common_models import CloudFormationModel


def metric_data_queries(metrics: list[dict[str, Any]] | None) -> list[MetricDataQuery] | None:
    """CloudFormation's `Metrics` (MetricDataQuery objects) as moto's, as its PutMetricAlarm parser builds them."""
    if not metrics:
        return None
    queries = []
    for query in metrics:
        stat = query.get("MetricStat")
        metric_stat = None
        if stat:
            metric = stat["Metric"]
            metric_stat = MetricStat(
                metric=Metric(
                    metric_name=metric.get("MetricName"),
                    namespace=metric.get("Namespace"),
                    dimensions=[Dimension(d["Name"], d["Value"]) for d in metric.get("Dimensions", [])],
                ),
                period=stat.get("Period"),
                stat=stat.get("Stat"),
                unit=stat.get("Unit"),
            )
        queries.append(
            MetricDataQuery(
                query_id=query.get("Id"),
                label=query.get("Label"),
                period=query.get("Period"),
                return_data=query.get("ReturnData"),
                expression=query.get("Expression"),
                metric_stat=metric_stat,
            )
        )
    return queries


def put_alarm(backend: CloudWatchBackend, name: str, p: dict[str, Any]) -> Alarm:
    """PutMetricAlarm with a template's properties."""
    return backend.put_metric_alarm(
        name=name,
        namespace=p.get("Namespace"),
        metric_name=p.get("MetricName"),
        metric_data_queries=metric_data_queries(p.get("Metrics")),
        comparison_operator=p["ComparisonOperator"],
        evaluation_periods=int(p["EvaluationPeriods"]),
        datapoints_to_alarm=int(p["DatapointsToAlarm"]) if "DatapointsToAlarm" in p else None,
        period=int(p["Period"]) if "Period" in p else None,
        threshold=float(p["Threshold"]) if "Threshold" in p else None,
        statistic=p.get("Statistic"),
        extended_statistic=p.get("ExtendedStatistic"),
        description=p.get("AlarmDescription"),
        dimensions=p.get("Dimensions", []),
        alarm_actions=p.get("AlarmActions", []),
        ok_actions=p.get("OKActions", []),
        insufficient_data_actions=p.get("InsufficientDataActions", []),
        unit=p.get("Unit"),
        actions_enabled=p.get("ActionsEnabled", True) in (True, "true"),
        treat_missing_data=p.get("TreatMissingData"),
        evaluate_low_sample_count_percentile=p.get("EvaluateLowSampleCountPercentile"),
        threshold_metric_id=p.get("ThresholdMetricId"),
        tags=p.get("Tags"),
    )


class CloudWatchAlarm(CloudFormationModel):
    """One alarm of a stack. `Ref` is the alarm's name, `Fn::GetAtt Arn` its ARN (as CloudFormation).

    Example:
        >>> CloudWatchAlarm.cloudformation_type()
        'AWS::CloudWatch::Alarm'
    """

    def __init__(self, alarm: Alarm, account_id: str, region_name: str):
        self.alarm = alarm
        self.account_id = account_id
        self.region_name = region_name

    @staticmethod
    def cloudformation_name_type() -> str:
        return "AlarmName"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::CloudWatch::Alarm"

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr == "Arn"

    def get_cfn_attribute(self, attribute_name: str) -> str:
        from moto.cloudformation.exceptions import UnformattedGetAttTemplateException

        if attribute_name == "Arn":
            return self.alarm.alarm_arn
        raise UnformattedGetAttTemplateException()

    @property
    def physical_resource_id(self) -> str:
        return self.alarm.name

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> "CloudWatchAlarm":
        properties = cloudformation_json["Properties"]
        name = properties.get("AlarmName") or resource_name
        alarm = put_alarm(cloudwatch_backends[account_id][region_name], name, properties)
        return cls(alarm, account_id, region_name)

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls,
        original_resource: "CloudWatchAlarm",
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> "CloudWatchAlarm":
        # PutMetricAlarm replaces an alarm of the same name; a new AlarmName is a replacement.
        properties = cloudformation_json["Properties"]
        name = properties.get("AlarmName") or original_resource.alarm.name
        if name != original_resource.alarm.name:
            original_resource.delete(account_id, region_name)
        alarm = put_alarm(cloudwatch_backends[account_id][region_name], name, properties)
        return cls(alarm, account_id, region_name)

    @classmethod
    def delete_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> None:
        cloudwatch_backends[account_id][region_name].delete_alarms([resource_name])

    def delete(self, account_id: str, region_name: str) -> None:
        cloudwatch_backends[account_id][region_name].delete_alarms([self.alarm.name])
