"""The report built from AWS Config's own results, for organizations already running the pack.

From the current account (``GetComplianceDetailsByConfigRule``) or a configuration
aggregator (``DescribeAggregateComplianceByConfigRules`` then
``GetAggregateComplianceDetailsByConfigRule``, NON_COMPLIANT first and concurrent:
:mod:`trailguard.aws.aggregate_reads`): every result of the pack's rules with its
annotation. Rules deployed by a conformance pack carry a suffix after the rule id; they are
matched by the id they start with.

Every account and region that should have results (the current one; for an aggregator, the
population of :mod:`trailguard.aws.population`: the organization's active accounts times the
aggregator's regions) must hold every rule of the registry with results: what has none is a
NOT_EVALUATED entry saying which rule and why (not in the aggregator's sources, its source
failing or outdated, no Config results, not deployed, or no evaluation results yet).

A per-trail rule may rightly have no result: where no trail applies at all (the account rule
says so), and, in an aggregator, where no trail of the account has its home region (the rule
judges each trail in its home region only, as the scheduled run lists them; whether AWS Config
also sends a region its other regions' shadow trails is not documented, and either way works).
So in an aggregator, a per-trail rule that is not listed at all (the aggregator lists no rule
without any result) is expected wherever an account-region rule has its result: that rule has
judged every trail that applies there, other regions' multi-region and organization trails
included, so nothing about the place goes unjudged. A per-trail rule listed there with no
usable result (only INSUFFICIENT_DATA) is still reported. In one account, where the rule is
deployed but its results cannot be told apart from INSUFFICIENT_DATA ones (they are not read),
it is reported unless no trail applies.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from trailguard.aws.aggregate_reads import DEFAULT_WORKERS, Pacer, fetch_details, list_rules
from trailguard.aws.detect import pack_rule_id
from trailguard.aws.population import (
    Source,
    SourceStatus,
    Statuses,
    Where,
    aggregator_sources,
    exemption_of,
    expected_regions,
    organization_accounts,
    place,
    source_accounts,
    source_statuses,
    unverified_entry_text,
    unverified_reason,
    why_no_result,
)
from trailguard.reporting.finding import time_text
from trailguard.reporting.model import ANY, Report, ReportEntry, fix_for, not_evaluated_entry
from trailguard.reporting.scope import Exemption, Place, Population
from trailguard.reporting.titles import CONFIG_TITLE
from trailguard.rules.facts import Finding
from trailguard.rules.registry import rule, rule_ids, rules, rules_for
from trailguard.rules.sns_data_events_account_coverage import NO_TRAIL_APPLIES

RESULT_TYPES = ["COMPLIANT", "NON_COMPLIANT", "NOT_APPLICABLE"]
NO_PACK = "no trailguard Config rule here: is the pack deployed in this account and region?"
NO_CONFIG_RESULTS = (
    "no Config rule results from this account and region at all: is AWS Config recording "
    "here, and the pack deployed?"
)

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


def _place_judged(entries: list[ReportEntry]) -> bool:
    """An account-region rule has its result here (so a per-trail rule the aggregator does
    not list may rightly have none: see the module docstring)."""
    accounts = {r.id for r in rules_for("account-region")}
    return any(e.rule in accounts for e in entries)


def _no_trail_applies(entries: list[ReportEntry]) -> bool:
    """An account rule's results say that no trail applies (so per-trail rules have none)."""
    accounts = {r.id for r in rules_for("account-region")}
    return any(
        e.rule in accounts
        and e.compliance == "NON_COMPLIANT"
        and e.annotation.startswith(NO_TRAIL_APPLIES)
        for e in entries
    )


def missing_results(
    places: Places, entries: list[ReportEntry], listed: bool = False
) -> list[ReportEntry]:
    """NOT_EVALUATED entries for each place and rule with no result, saying why. ``listed``:
    ``places`` holds the rules listed with results (an aggregator lists no rule without
    any), so a per-trail rule missing where the place is judged is expected, not undeployed."""
    missing: list[ReportEntry] = []
    by_place: dict[tuple[str, str], list[ReportEntry]] = {}
    for entry in entries:
        by_place.setdefault((entry.account_id, entry.region), []).append(entry)
    for (account, region), deployed in sorted(places.items()):
        if not deployed:
            missing.append(not_evaluated_entry(NO_PACK, account=account, region=region))
            continue
        here = by_place.get((account, region), [])
        for each in rules():
            rule_id = each.id
            names = deployed.get(rule_id)
            no_trail = each.scope == "trail" and _no_trail_applies(here)
            if names is None and listed and each.scope == "trail" and _place_judged(here):
                continue
            if names is None:
                why = (
                    f"no Config rule {rule_id} here (nor a conformance pack's copy of it): "
                    "is the whole pack deployed in this account and region?"
                )
            elif any(e.rule == rule_id for e in here) or no_trail:
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


def from_aggregator(
    config: Any,
    aggregator: str,
    partition: str,
    organizations: Any | None = None,
    *,
    exemptions: Sequence[Exemption] = (),
    workers: int = DEFAULT_WORKERS,
    pacer: Pacer | None = None,
) -> tuple[list[ReportEntry], Population]:
    """The results of the pack's rules in every account and region the aggregator holds,
    what has none, and the population: each expected account and region (the organization's
    active accounts, read with ``organizations``, times the aggregator's regions; see
    :mod:`trailguard.aws.population`) evaluated, without a result (why) or exempted. Every
    place without a result has NOT_EVALUATED entries saying why, and only those places have.
    Detail calls: NON_COMPLIANT first, ``workers`` at a time, paced by ``pacer``."""
    sources = aggregator_sources(config, aggregator)
    statuses = source_statuses(config, aggregator)
    org, unverified = organization_accounts(organizations)
    pacer = pacer or Pacer()
    places: Places = {}
    ours = []
    for item in list_rules(config, aggregator, pacer):
        place_rules = places.setdefault((item.account, item.region), {})
        rule_id = rule_id_of(item.rule_name)
        if rule_id is not None:
            place_rules.setdefault(rule_id, []).append(item.rule_name)
            ours.append(item)
    entries: list[ReportEntry] = []
    unread: dict[Where, list[ReportEntry]] = {}
    for found in fetch_details(config, aggregator, ours, pacer, workers):
        item, rule_id = found.listed, rule_id_of(found.listed.rule_name) or ""
        if found.error is not None:
            why = f"the results of Config rule {item.rule_name} could not be read: {found.error}"
            unread.setdefault((item.account, item.region), []).append(
                not_evaluated_entry(why, account=item.account, region=item.region, rule=rule_id)
            )
        for result in found.results:
            if result.get("ComplianceType") in RESULT_TYPES:
                account = result.get("AccountId", item.account)
                region = result.get("AwsRegion", item.region)
                entries.append(_entry(rule_id, account, region, partition, result))
    accounts = org if org is not None else source_accounts(sources, places)
    regions = expected_regions(sources, statuses, places)
    expected = [(account, region) for account in accounts for region in regions]
    not_evaluated, population = _population(
        expected, places, entries, unread, sources, statuses, aggregator, exemptions
    )
    if org is None:
        not_evaluated.insert(0, not_evaluated_entry(unverified_entry_text(unverified)))
        source = f"the sources of the aggregator {aggregator}; {unverified_reason(unverified)}"
    else:
        source = f"AWS Organizations: {len(org)} active account(s), aggregator {aggregator}"
    if not expected:
        why = (
            f"the aggregator {aggregator} names no account and region to collect from, and "
            "holds no Config rule results: does it collect from the organization's accounts?"
        )
        not_evaluated.insert(0, not_evaluated_entry(why))
    source += f", {len(regions)} region(s)"
    return entries + not_evaluated, Population(source=source, places=tuple(population))


def _population(
    expected: list[Where],
    places: Places,
    entries: list[ReportEntry],
    unread: dict[Where, list[ReportEntry]],
    sources: Sequence[Source],
    statuses: Sequence[SourceStatus],
    aggregator: str,
    exemptions: Sequence[Exemption],
) -> tuple[list[ReportEntry], list[Place]]:
    """The NOT_EVALUATED entries of the expected places, and each place's state."""
    found = Statuses(statuses)
    listed = {where: places[where] for where in expected if where in places}
    missing: dict[Where, list[ReportEntry]] = {}
    for entry in missing_results(listed, entries, listed=True):
        missing.setdefault((entry.account_id, entry.region), []).append(entry)
    not_evaluated: list[ReportEntry] = []
    population: list[Place] = []
    for where in expected:
        account, region = where
        reason = why_no_result(where, sources, found, aggregator)
        if reason is None and where not in places:
            reason = NO_CONFIG_RESULTS
        if reason is not None:
            here = [not_evaluated_entry(reason, account=account, region=region)]
        else:
            unreadable = {e.rule for e in unread.get(where, [])}
            here = [e for e in missing.get(where, []) if e.rule not in unreadable]
            here += unread.get(where, [])
        # What has no result is exempted only by an exemption that names its region.
        exempted = exemption_of(exemptions, account, region, missing=bool(here))
        not_evaluated += here
        whys = [e.annotation if e.rule == ANY else f"rule {e.rule}: {e.annotation}" for e in here]
        population.append(place(where, whys, exempted))
    return not_evaluated, population


def build_report(
    entries: list[ReportEntry],
    source: str,
    generated_at: str,
    population: Population | None = None,
) -> Report:
    return Report(
        title=CONFIG_TITLE,
        generated_at=generated_at,
        source=source,
        entries=tuple(entries),
        population=population,
    )
