"""The report built from AWS Config's own results, for organizations already running the pack.

From the current account (``GetComplianceDetailsByConfigRule``) or a configuration
aggregator (``DescribeAggregateComplianceByConfigRules`` then
``GetAggregateComplianceDetailsByConfigRule``): every result of the pack's rules with its
annotation. Rules deployed by a conformance pack carry a suffix after the rule id; they are
matched by the id they start with.

Every account and region seen (the current one; in an aggregator, each one with any Config
rule) must hold every rule of the registry with results: what has none is a NOT_EVALUATED
entry saying which rule and why (not deployed, or no evaluation results yet). A per-trail rule
has no result where no trail applies at all; that is not reported when an account rule says
so.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from trailguard.aws.detect import pack_rule_id
from trailguard.reporting.finding import time_text
from trailguard.reporting.model import Report, ReportEntry, fix_for, not_evaluated_entry
from trailguard.reporting.titles import CONFIG_TITLE
from trailguard.rules.facts import Finding
from trailguard.rules.registry import rule, rule_ids, rules, rules_for
from trailguard.rules.sns_data_events_account_coverage import NO_TRAIL_APPLIES

RESULT_TYPES = ["COMPLIANT", "NON_COMPLIANT", "NOT_APPLICABLE"]
NO_PACK = "no trailguard Config rule here: is the pack deployed in this account and region?"

# (account, region) -> trailguard rule id -> the Config rule names deployed for it there
Places = dict[tuple[str, str], dict[str, list[str]]]


def rule_id_of(name: str) -> str | None:
    """The trailguard rule id a Config rule name stands for (pack-deployed names included;
    the one recognition the detection function also uses)."""
    return pack_rule_id(name, rule_ids())


def evaluated_at(result: dict[str, Any]) -> str | None:
    """When Config recorded the result (``ResultRecordedTime``), else when it invoked the rule
    (``ConfigRuleInvokedTime``); None (the report's time is shown) when it gives neither."""
    for key in ("ResultRecordedTime", "ConfigRuleInvokedTime"):
        value = result.get(key)
        if isinstance(value, datetime):
            return time_text(value)
    return None


def _entry(
    rule_id: str, account: str, region: str, partition: str, result: dict[str, Any]
) -> ReportEntry:
    qualifier = result["EvaluationResultIdentifier"]["EvaluationResultQualifier"]
    resource_id = qualifier.get("ResourceId", "")
    compliance = result.get("ComplianceType", "")
    found = rule(rule_id)
    trail_arn = None
    # A trail has a verdict only in its home region and owner account, so the ARN can be
    # built for those; NOT_APPLICABLE results may name shadow or other accounts' trails.
    if found.scope == "trail" and compliance in ("COMPLIANT", "NON_COMPLIANT"):
        trail_arn = f"arn:{partition}:cloudtrail:{region}:{account}:trail/{resource_id}"
    annotation = result.get("Annotation", "")
    finding = Finding(
        rule_id=rule_id,
        resource_type=qualifier.get("ResourceType", ""),
        resource_id=resource_id,
        compliance=compliance,
        annotation=annotation,
        account_id=account,
        region=region,
        trail_arn=trail_arn,
    )
    return ReportEntry(
        rule=rule_id,
        account_id=account,
        region=region,
        resource_type=finding.resource_type,
        resource_id=resource_id,
        trail_arn=trail_arn,
        compliance=compliance,
        annotation=annotation,
        fix=fix_for(finding, None),
        severity=found.metadata.severity,
        risk=found.metadata.risk,
        evaluated_at=evaluated_at(result),
    )


def _no_trail_applies(entries: list[ReportEntry]) -> bool:
    """An account rule's results say that no trail applies (so per-trail rules have none)."""
    accounts = {r.id for r in rules_for("account-region")}
    return any(
        e.rule in accounts
        and e.compliance == "NON_COMPLIANT"
        and e.annotation.startswith(NO_TRAIL_APPLIES)
        for e in entries
    )


def missing_results(places: Places, entries: list[ReportEntry]) -> list[ReportEntry]:
    """NOT_EVALUATED entries for each place and rule with no result, saying why."""
    missing: list[ReportEntry] = []
    for (account, region), deployed in sorted(places.items()):
        if not deployed:
            missing.append(not_evaluated_entry(NO_PACK, account=account, region=region))
            continue
        here = [e for e in entries if (e.account_id, e.region) == (account, region)]
        for each in rules():
            rule_id = each.id
            names = deployed.get(rule_id)
            if names is None:
                why = (
                    f"no Config rule {rule_id} here (nor a conformance pack's copy of it): "
                    "is the whole pack deployed in this account and region?"
                )
            elif any(e.rule == rule_id for e in here) or (
                each.scope == "trail" and _no_trail_applies(here)
            ):
                continue
            else:
                why = (
                    f"Config rule {', '.join(sorted(set(names)))} has no evaluation results: "
                    "has it run? (AWS Config shows its evaluation status)"
                )
            missing.append(not_evaluated_entry(why, account=account, region=region, rule=rule_id))
    return missing


def from_account(config: Any, account: str, region: str, partition: str) -> list[ReportEntry]:
    """The results of the pack's rules in this account and region, and what has none."""
    entries: list[ReportEntry] = []
    deployed: dict[str, list[str]] = {}
    for page in config.get_paginator("describe_config_rules").paginate():
        for config_rule in page.get("ConfigRules", []):
            rule_id = rule_id_of(config_rule["ConfigRuleName"])
            if rule_id is None:
                continue
            deployed.setdefault(rule_id, []).append(config_rule["ConfigRuleName"])
            details = config.get_paginator("get_compliance_details_by_config_rule")
            for detail in details.paginate(
                ConfigRuleName=config_rule["ConfigRuleName"], ComplianceTypes=RESULT_TYPES
            ):
                for result in detail.get("EvaluationResults", []):
                    entries.append(_entry(rule_id, account, region, partition, result))
    return entries + missing_results({(account, region): deployed}, entries)


def from_aggregator(config: Any, aggregator: str, partition: str) -> list[ReportEntry]:
    """The results of the pack's rules in every account and region the aggregator holds
    rules for, and what has none."""
    entries: list[ReportEntry] = []
    places: Places = {}
    summary = config.get_paginator("describe_aggregate_compliance_by_config_rules")
    for page in summary.paginate(ConfigurationAggregatorName=aggregator):
        for item in page.get("AggregateComplianceByConfigRules", []):
            place = places.setdefault((item["AccountId"], item["AwsRegion"]), {})
            rule_id = rule_id_of(item["ConfigRuleName"])
            if rule_id is None:
                continue
            place.setdefault(rule_id, []).append(item["ConfigRuleName"])
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
    if not places:
        why = (
            f"the aggregator {aggregator} holds no Config rule results: is the pack deployed, "
            "and does the aggregator collect from its accounts and regions?"
        )
        return [not_evaluated_entry(why)]
    return entries + missing_results(places, entries)


def build_report(entries: list[ReportEntry], source: str, generated_at: str) -> Report:
    return Report(
        title=CONFIG_TITLE,
        generated_at=generated_at,
        source=source,
        entries=tuple(entries),
    )
