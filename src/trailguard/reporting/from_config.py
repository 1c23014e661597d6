"""The report built from AWS Config's own results, for organizations already running the pack.

From the current account (``GetComplianceDetailsByConfigRule``) or a configuration
aggregator (``DescribeAggregateComplianceByConfigRules`` then
``GetAggregateComplianceDetailsByConfigRule``): every result of the pack's rules with its
annotation. Rules deployed by a conformance pack carry a suffix after the rule id; they are
matched by the id they start with.
"""

from __future__ import annotations

from typing import Any

from trailguard.reporting.model import (
    Report,
    ReportEntry,
    coverage_fix,
    report_order,
    trail_fix,
)
from trailguard.rules.logic import TRAIL_RULE
from trailguard.rules.metadata import RULE_IDS

RESULT_TYPES = ["COMPLIANT", "NON_COMPLIANT", "NOT_APPLICABLE"]


def rule_id_of(name: str) -> str | None:
    """The trailguard rule id a Config rule name stands for (pack-deployed names included)."""
    for rule_id in sorted(RULE_IDS, key=len, reverse=True):
        if name == rule_id or name.startswith(rule_id + "-"):
            return rule_id
    return None


def _entry(
    rule_id: str, account: str, region: str, partition: str, result: dict[str, Any]
) -> ReportEntry:
    qualifier = result["EvaluationResultIdentifier"]["EvaluationResultQualifier"]
    resource_id = qualifier.get("ResourceId", "")
    compliance = result.get("ComplianceType", "")
    trail_arn = None
    fix = None
    # A trail has a verdict only in its home region and owner account, so the ARN can be
    # built for those; NOT_APPLICABLE results may name shadow or other accounts' trails.
    if rule_id == TRAIL_RULE and compliance in ("COMPLIANT", "NON_COMPLIANT"):
        trail_arn = f"arn:{partition}:cloudtrail:{region}:{account}:trail/{resource_id}"
        if compliance == "NON_COMPLIANT":
            fix = trail_fix(trail_arn, region, resource_id)
    elif compliance == "NON_COMPLIANT":
        fix = coverage_fix(region)
    return ReportEntry(
        rule=rule_id,
        account_id=account,
        region=region,
        resource_type=qualifier.get("ResourceType", ""),
        resource_id=resource_id,
        trail_arn=trail_arn,
        compliance=compliance,
        annotation=result.get("Annotation", ""),
        fix=fix,
    )


def from_account(config: Any, account: str, region: str, partition: str) -> list[ReportEntry]:
    entries: list[ReportEntry] = []
    for page in config.get_paginator("describe_config_rules").paginate():
        for rule in page.get("ConfigRules", []):
            rule_id = rule_id_of(rule["ConfigRuleName"])
            if rule_id is None:
                continue
            details = config.get_paginator("get_compliance_details_by_config_rule")
            for detail in details.paginate(
                ConfigRuleName=rule["ConfigRuleName"], ComplianceTypes=RESULT_TYPES
            ):
                for result in detail.get("EvaluationResults", []):
                    entries.append(_entry(rule_id, account, region, partition, result))
    return entries


def from_aggregator(config: Any, aggregator: str, partition: str) -> list[ReportEntry]:
    entries: list[ReportEntry] = []
    summary = config.get_paginator("describe_aggregate_compliance_by_config_rules")
    for page in summary.paginate(ConfigurationAggregatorName=aggregator):
        for item in page.get("AggregateComplianceByConfigRules", []):
            rule_id = rule_id_of(item["ConfigRuleName"])
            if rule_id is None:
                continue
            details = config.get_paginator("get_aggregate_compliance_details_by_config_rule")
            for detail in details.paginate(
                ConfigurationAggregatorName=aggregator,
                ConfigRuleName=item["ConfigRuleName"],
                AccountId=item["AccountId"],
                AwsRegion=item["AwsRegion"],
            ):
                for result in detail.get("AggregateEvaluationResults", []):
                    if result.get("ComplianceType") not in RESULT_TYPES:
                        continue
                    entries.append(
                        _entry(rule_id, result.get("AccountId", item["AccountId"]),
                               result.get("AwsRegion", item["AwsRegion"]), partition, result)
                    )  # fmt: skip
    return entries


def build_report(entries: list[ReportEntry], source: str, generated_at: str) -> Report:
    return Report(
        title="trailguard: CloudTrail recording of Amazon SNS data events",
        generated_at=generated_at,
        source=source,
        entries=tuple(sorted(entries, key=report_order)),
    )
