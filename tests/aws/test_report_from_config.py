"""``trailguard report``: the report built from AWS Config's own results.

AWS Config is answered by botocore Stubbers (moto implements none of these calls); each
request is checked against the API model and each response is shaped as the real API returns
it (the Stubber validates responses too). Rules deployed by a conformance pack carry a suffix
("-conformance-pack-<id>"); an unrelated rule, and names that only look alike, are ignored
(no request for their results is made: the Stubber would reject it).
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, ClassVar

import boto3
import pytest
from botocore.stub import Stubber
from findings import (
    TIME_PATTERN,
    assert_valid_findings,
    expected_controls,
    expected_id,
    with_identity,
)
from report_text import after_opening, from_heading
from scan_helpers import without_banner
from selector_data import RULE_RISK, RULE_SEVERITY

import trailguard.aws.clients
from trailguard import __version__
from trailguard.aws.aggregate_reads import Pacer
from trailguard.aws.config_results import (
    build_report,
    from_account,
    from_aggregator,
    rule_id_of,
)
from trailguard.cli import main
from trailguard.reporting.model import FIELDS, ReportEntry, not_evaluated_entry
from trailguard.reporting.render import parse_csv, parse_json
from trailguard.reporting.scope import Place, Population
from trailguard.rules.parameters import rule_parameters
from trailguard.rules.sns_data_events_account_coverage import evaluate_account


def controls_line(rule: str) -> str:
    """The CSV cell of the rule's controls."""
    return "; ".join(
        f"{c['framework']} {c['control']} ({c['mapping']})" for c in expected_controls(rule)
    )


def expected_entry(*args: Any, **kwargs: Any) -> ReportEntry:
    """A report entry as written out, with the severity and risk of its rule's definition
    and, for a result from Config, its ResultRecordedTime."""
    entry = ReportEntry(*args, **kwargs)
    recorded = entry.evaluated_at or (None if entry.compliance == "NOT_EVALUATED" else WHEN_TEXT)
    return dataclasses.replace(
        entry,
        severity=RULE_SEVERITY.get(entry.rule),
        risk=RULE_RISK.get(entry.rule),
        evaluated_at=recorded,
    )


ACCOUNT = "111122223333"
MEMBER = "444455556666"
REGION = "eu-west-1"
AGGREGATOR = "org-aggregator"
TRAIL_RULE = "cloudtrail-sns-data-events-enabled"
ACCOUNT_RULE = "cloudtrail-sns-data-events-account-coverage"
TRAIL_TYPE = "AWS::CloudTrail::Trail"
ACCOUNT_TYPE = "AWS::::Account"
PACK = "-conformance-pack-abcd1234"
TRAIL_PACK_RULE = TRAIL_RULE + PACK
ACCOUNT_PACK_RULE = ACCOUNT_RULE + PACK
UNRELATED = "cloudtrail-enabled"
LOOKALIKES = ("cloudtrail-sns-data-events-enabledx", "my-cloudtrail-sns-data-events-enabled")
RESULT_TYPES = ["COMPLIANT", "NON_COMPLIANT", "NOT_APPLICABLE"]
DOCUMENT = "TrailGuard-EnableSnsDataEvents"
WHEN = datetime(2024, 5, 2, 3, 4, 5, tzinfo=UTC)
INVOKED = datetime(2024, 5, 2, 3, 4, 0, tzinfo=UTC)
WHEN_TEXT = "2024-05-02T03:04:05Z"
TITLE = "trailguard: CloudTrail recording of Amazon SNS data events"

ANN_PUBLISH = (
    "PublishBatch on AWS::SNS::Topic is not logged: eventName Equals [Publish] only; "
    "add PublishBatch (trailguard plan)"
)
ANN_STOPPED = (
    "The trail is not logging (stopped), so it records nothing; start it with StartLogging."
)
ANN_OK = "Every Publish and PublishBatch on AWS::SNS::Topic is logged"
ANN_SHADOW = "Evaluated in the trail's home region us-east-1"
ANN_NO_TRAIL = "No CloudTrail trail applies to eu-west-1, so SNS data events are not recorded here"
ANN_COVERED = "Trail org-trail (us-east-1) logs it: " + ANN_OK


def config_rule(name: str, owner: str = "CUSTOM_LAMBDA") -> dict[str, Any]:
    """A ConfigRule as DescribeConfigRules returns it."""
    rule: dict[str, Any] = {
        "ConfigRuleName": name,
        "ConfigRuleArn": f"arn:aws:config:{REGION}:{ACCOUNT}:config-rule/config-rule-{len(name)}",
        "ConfigRuleId": f"config-rule-{len(name):06d}",
        "ConfigRuleState": "ACTIVE",
        "EvaluationModes": [{"Mode": "DETECTIVE"}],
    }
    if owner == "AWS":
        rule["Source"] = {"Owner": "AWS", "SourceIdentifier": "CLOUD_TRAIL_ENABLED"}
        rule["MaximumExecutionFrequency"] = "TwentyFour_Hours"
    else:
        rule["Source"] = {
            "Owner": "CUSTOM_LAMBDA",
            "SourceIdentifier": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:trailguard-rule",
            "SourceDetails": [
                {"EventSource": "aws.config", "MessageType": "ScheduledNotification",
                 "MaximumExecutionFrequency": "TwentyFour_Hours"},
            ],
        }  # fmt: skip
        rule["Scope"] = {"ComplianceResourceTypes": [TRAIL_TYPE]}
        rule["InputParameters"] = "{}"
        rule["CreatedBy"] = "config-conforms.amazonaws.com"
    return rule


def result(
    rule_name: str,
    resource_type: str,
    resource_id: str,
    compliance: str,
    annotation: str | None,
    account: str | None = None,
    region: str | None = None,
) -> dict[str, Any]:
    """An EvaluationResult (or, with account and region, an AggregateEvaluationResult)."""
    item: dict[str, Any] = {
        "EvaluationResultIdentifier": {
            "EvaluationResultQualifier": {
                "ConfigRuleName": rule_name,
                "ResourceType": resource_type,
                "ResourceId": resource_id,
                "EvaluationMode": "DETECTIVE",
            },
            "OrderingTimestamp": WHEN,
        },
        "ComplianceType": compliance,
        "ResultRecordedTime": WHEN,
        "ConfigRuleInvokedTime": INVOKED,
    }
    if annotation is not None:
        item["Annotation"] = annotation
    if account is not None:
        item["AccountId"] = account
        item["AwsRegion"] = region
    return item


def trail_arn(
    name: str, region: str = REGION, account: str = ACCOUNT, partition: str = "aws"
) -> str:
    return f"arn:{partition}:cloudtrail:{region}:{account}:trail/{name}"


def trail_fix(
    name: str, region: str = REGION, account: str = ACCOUNT, partition: str = "aws"
) -> str:
    arn = trail_arn(name, region, account, partition)
    return (
        f"trailguard remediate --trail {arn} --region {region} "
        f"(or run the SSM document {DOCUMENT} with TrailName={name})"
    )


def coverage_fix(region: str) -> str:
    """The fix of a region no trail applies to (Config's annotation says so): create one."""
    return (
        f"no trail applies to {region}: create a multi-region trail (aws cloudtrail create-trail "
        f"--name NAME --s3-bucket-name BUCKET --is-multi-region-trail --region {region}; aws "
        f"cloudtrail start-logging --name NAME --region {region}), then make it record SNS data "
        f"events: trailguard remediate --trail NAME --region {region}"
    )


def config_client() -> tuple[Any, Stubber]:
    client = boto3.client("config", region_name=REGION)
    return client, Stubber(client)


# --- one account -------------------------------------------------------------------------------


def stub_account(stubber: Stubber, trail_results: list[dict[str, Any]] | None = None) -> None:
    """The account's rules (two pages) and the results of the pack's two rules."""
    trail_results = trail_results if trail_results is not None else [
        result(TRAIL_PACK_RULE, TRAIL_TYPE, "legacy", "NON_COMPLIANT", ANN_PUBLISH),
        result(TRAIL_PACK_RULE, TRAIL_TYPE, "main", "COMPLIANT", ANN_OK),
    ]  # fmt: skip
    stubber.add_response(
        "describe_config_rules",
        {"ConfigRules": [config_rule(UNRELATED, "AWS"), config_rule(TRAIL_PACK_RULE),
                         config_rule(LOOKALIKES[0])], "NextToken": "rules-2"},
        {},
    )  # fmt: skip
    stubber.add_response(
        "get_compliance_details_by_config_rule",
        {"EvaluationResults": trail_results, "NextToken": "results-2"},
        {"ConfigRuleName": TRAIL_PACK_RULE, "ComplianceTypes": RESULT_TYPES},
    )
    stubber.add_response(
        "get_compliance_details_by_config_rule",
        {"EvaluationResults": [
            result(TRAIL_PACK_RULE, TRAIL_TYPE, "stopped", "NON_COMPLIANT", ANN_STOPPED),
            result(TRAIL_PACK_RULE, TRAIL_TYPE, "quiet", "COMPLIANT", None),
        ]},
        {"ConfigRuleName": TRAIL_PACK_RULE, "ComplianceTypes": RESULT_TYPES,
         "NextToken": "results-2"},
    )  # fmt: skip
    stubber.add_response(
        "describe_config_rules",
        {"ConfigRules": [config_rule(ACCOUNT_PACK_RULE), config_rule(LOOKALIKES[1])]},
        {"NextToken": "rules-2"},
    )
    stubber.add_response(
        "get_compliance_details_by_config_rule",
        {"EvaluationResults": [
            result(ACCOUNT_PACK_RULE, ACCOUNT_TYPE, ACCOUNT, "NON_COMPLIANT", ANN_NO_TRAIL),
        ]},
        {"ConfigRuleName": ACCOUNT_PACK_RULE, "ComplianceTypes": RESULT_TYPES},
    )  # fmt: skip


def account_entries(partition: str = "aws") -> list[ReportEntry]:
    """What from_account gives for stub_account, in the order the results came."""

    def trail(name: str, compliance: str, annotation: str) -> ReportEntry:
        return expected_entry(
            rule=TRAIL_RULE, account_id=ACCOUNT, region=REGION, resource_type=TRAIL_TYPE,
            resource_id=name, trail_arn=trail_arn(name, partition=partition),
            compliance=compliance, annotation=annotation,
            fix=trail_fix(name, partition=partition) if compliance == "NON_COMPLIANT" else None,
        )  # fmt: skip

    return [
        trail("legacy", "NON_COMPLIANT", ANN_PUBLISH),
        trail("main", "COMPLIANT", ANN_OK),
        trail("stopped", "NON_COMPLIANT", ANN_STOPPED),
        trail("quiet", "COMPLIANT", ""),
        expected_entry(
            rule=ACCOUNT_RULE, account_id=ACCOUNT, region=REGION, resource_type=ACCOUNT_TYPE,
            resource_id=ACCOUNT, trail_arn=None, compliance="NON_COMPLIANT",
            annotation=ANN_NO_TRAIL, fix=coverage_fix(REGION),
        ),
    ]  # fmt: skip


def test_rule_id_of_pack_suffixed_and_unrelated_names() -> None:
    assert rule_id_of(TRAIL_RULE) == TRAIL_RULE
    assert rule_id_of(TRAIL_PACK_RULE) == TRAIL_RULE
    assert rule_id_of(ACCOUNT_RULE) == ACCOUNT_RULE
    assert rule_id_of(ACCOUNT_PACK_RULE) == ACCOUNT_RULE
    assert rule_id_of(UNRELATED) is None
    for name in LOOKALIKES:
        assert rule_id_of(name) is None


def test_from_account_whole_entry_list() -> None:
    client, stubber = config_client()
    stub_account(stubber)
    with stubber:
        entries = from_account(client, ACCOUNT, REGION, "aws")
        stubber.assert_no_pending_responses()
    assert entries == account_entries()


def test_from_account_other_partition() -> None:
    client, stubber = config_client()
    stub_account(stubber)
    with stubber:
        entries = from_account(client, ACCOUNT, REGION, "aws-us-gov")
    assert entries == account_entries("aws-us-gov")


NO_PACK = "no trailguard Config rule here: is the pack deployed in this account and region?"
NO_CONFIG_RESULTS = (
    "no Config rule results from this account and region at all: is AWS Config recording "
    "here, and the pack deployed?"
)


def no_rule(rule: str) -> str:
    return (
        f"no Config rule {rule} here (nor a conformance pack's copy of it): is the whole pack "
        "deployed in this account and region?"
    )


def no_results(name: str) -> str:
    return (
        f"Config rule {name} has no evaluation results: has it run? (AWS Config shows its "
        "evaluation status)"
    )


def test_from_account_no_pack_rules() -> None:
    client, stubber = config_client()
    stubber.add_response(
        "describe_config_rules", {"ConfigRules": [config_rule(UNRELATED, "AWS")]}, {}
    )
    with stubber:
        assert from_account(client, ACCOUNT, REGION, "aws") == [
            expected_entry(
                "*", ACCOUNT, REGION, ACCOUNT_TYPE, ACCOUNT, None, "NOT_EVALUATED", NO_PACK
            )
        ]
        stubber.assert_no_pending_responses()


def stub_rules(stubber: Stubber, results: dict[str, list[dict[str, Any]]]) -> None:
    """DescribeConfigRules lists the rules named in ``results``, then each one's results."""
    rules = [config_rule(UNRELATED, "AWS"), *(config_rule(name) for name in results)]
    stubber.add_response("describe_config_rules", {"ConfigRules": rules}, {})
    for name, found in results.items():
        stubber.add_response(
            "get_compliance_details_by_config_rule",
            {"EvaluationResults": found},
            {"ConfigRuleName": name, "ComplianceTypes": RESULT_TYPES},
        )


def test_from_account_rules_without_results() -> None:
    client, stubber = config_client()
    stub_rules(stubber, {TRAIL_PACK_RULE: [], ACCOUNT_PACK_RULE: []})
    with stubber:
        entries = from_account(client, ACCOUNT, REGION, "aws")
        stubber.assert_no_pending_responses()
    assert entries == [
        expected_entry(TRAIL_RULE, ACCOUNT, REGION, TRAIL_TYPE, "*", None, "NOT_EVALUATED",
                    no_results(TRAIL_PACK_RULE)),
        expected_entry(ACCOUNT_RULE, ACCOUNT, REGION, ACCOUNT_TYPE, ACCOUNT, None, "NOT_EVALUATED",
                    no_results(ACCOUNT_PACK_RULE)),
    ]  # fmt: skip


def test_from_account_one_rule_missing_one_without_results() -> None:
    client, stubber = config_client()
    stub_rules(stubber, {TRAIL_PACK_RULE: []})
    with stubber:
        entries = from_account(client, ACCOUNT, REGION, "aws")
    assert entries == [
        not_evaluated_entry(no_results(TRAIL_PACK_RULE), account=ACCOUNT, region=REGION,
                            rule=TRAIL_RULE),
        not_evaluated_entry(no_rule(ACCOUNT_RULE), account=ACCOUNT, region=REGION,
                            rule=ACCOUNT_RULE),
    ]  # fmt: skip


def test_from_account_some_rules_with_results_others_none() -> None:
    client, stubber = config_client()
    covered = result(ACCOUNT_PACK_RULE, ACCOUNT_TYPE, ACCOUNT, "COMPLIANT", ANN_COVERED)
    stub_rules(stubber, {TRAIL_PACK_RULE: [], ACCOUNT_PACK_RULE: [covered]})
    with stubber:
        entries = from_account(client, ACCOUNT, REGION, "aws")
    assert entries == [
        expected_entry(ACCOUNT_RULE, ACCOUNT, REGION, ACCOUNT_TYPE, ACCOUNT, None, "COMPLIANT",
                    ANN_COVERED),
        not_evaluated_entry(no_results(TRAIL_PACK_RULE), account=ACCOUNT, region=REGION,
                            rule=TRAIL_RULE),
    ]  # fmt: skip


def test_no_trail_rule_result_is_expected_where_no_trail_applies() -> None:
    # The account rule's own annotation when no trail applies (so it cannot drift).
    none_here = evaluate_account(ACCOUNT, REGION, [], rule_parameters())
    assert none_here.annotation == ANN_NO_TRAIL
    client, stubber = config_client()
    no_trail = result(ACCOUNT_PACK_RULE, ACCOUNT_TYPE, ACCOUNT, "NON_COMPLIANT", ANN_NO_TRAIL)
    stub_rules(stubber, {TRAIL_PACK_RULE: [], ACCOUNT_PACK_RULE: [no_trail]})
    with stubber:
        entries = from_account(client, ACCOUNT, REGION, "aws")
    assert [e.compliance for e in entries] == ["NON_COMPLIANT"]


def test_build_report_orders_and_summarises() -> None:
    entries = account_entries()
    report = build_report(list(entries), "AWS Config in account X", "2024-05-02T03:04:05Z")
    by = {e.resource_id: e for e in entries}
    assert report.entries == (
        by[ACCOUNT],  # NON_COMPLIANT first; then account, region, rule, resource id
        by["legacy"],
        by["stopped"],
        by["main"],  # then COMPLIANT
        by["quiet"],
    )
    assert (report.title, report.source, report.generated_at, report.not_evaluated()) == (
        TITLE, "AWS Config in account X", "2024-05-02T03:04:05Z", (),
    )  # fmt: skip
    assert report.non_compliant
    assert report.counts() == {"NON_COMPLIANT": 3, "COMPLIANT": 2}
    assert report.to_dict()["summary"] == {
        "accounts": 1, "regions": 1, "trails": 4,
        "compliance": {"NON_COMPLIANT": 3, "COMPLIANT": 2},
        "topics": None,
    }  # fmt: skip


# --- an aggregator -------------------------------------------------------------------------------


def summary_item(rule: str, account: str, region: str, compliance: str) -> dict[str, Any]:
    return {
        "ConfigRuleName": rule,
        "Compliance": {
            "ComplianceType": compliance,
            "ComplianceContributorCount": {"CappedCount": 1, "CapExceeded": False},
        },
        "AccountId": account,
        "AwsRegion": region,
    }


MEMBER_TRAIL_RULE = TRAIL_RULE + "-conformance-pack-ffff9999"  # another account's pack id
# The aggregator's sources: each account in one region (so each misses the other's region).
SOURCES = [
    {"AccountIds": [ACCOUNT], "AwsRegions": ["us-east-1"]},
    {"AccountIds": [MEMBER], "AwsRegions": ["ap-northeast-1"]},
]


def stub_sources(
    stubber: Stubber,
    sources: list[dict[str, Any]] | None = None,
    statuses: list[dict[str, Any]] | None = None,
) -> None:
    """DescribeConfigurationAggregators, then its sources' status (all SUCCEEDED)."""
    sources = SOURCES if sources is None else sources
    stubber.add_response(
        "describe_configuration_aggregators",
        {"ConfigurationAggregators": [{
            "ConfigurationAggregatorName": AGGREGATOR,
            "ConfigurationAggregatorArn":
                f"arn:aws:config:{REGION}:{ACCOUNT}:config-aggregator/config-aggregator-1",
            "AccountAggregationSources": sources,
        }]},
        {"ConfigurationAggregatorNames": [AGGREGATOR]},
    )  # fmt: skip
    if statuses is None:
        statuses = [
            {"SourceId": account, "SourceType": "ACCOUNT", "AwsRegion": region,
             "LastUpdateStatus": "SUCCEEDED"}
            for source in sources for account in source["AccountIds"]
            for region in source.get("AwsRegions", [])
        ]  # fmt: skip
    stubber.add_response(
        "describe_configuration_aggregator_sources_status",
        {"AggregatedSourceStatusList": statuses},
        {"ConfigurationAggregatorName": AGGREGATOR},
    )


def organizations_client(accounts: tuple[str, ...] = (ACCOUNT, MEMBER)) -> tuple[Any, Stubber]:
    """Organizations answering ListAccounts with ``accounts``, all ACTIVE."""
    client = boto3.client("organizations", region_name="us-east-1")
    stubber = Stubber(client)
    stub_accounts(stubber, accounts)
    return client, stubber


def stub_accounts(stubber: Stubber, accounts: tuple[str, ...] = (ACCOUNT, MEMBER)) -> None:
    stubber.add_response(
        "list_accounts",
        {"Accounts": [
            {"Id": a, "Arn": f"arn:aws:organizations::{ACCOUNT}:account/o-abc/{a}",
             "Email": f"{a}@example.com", "Name": a, "Status": "ACTIVE", "State": "ACTIVE"}
            for a in accounts
        ]},
        {},
    )  # fmt: skip


def stub_aggregator(stubber: Stubber) -> None:
    stub_sources(stubber)
    stubber.add_response(
        "describe_aggregate_compliance_by_config_rules",
        {"AggregateComplianceByConfigRules": [
            summary_item(TRAIL_PACK_RULE, ACCOUNT, "us-east-1", "NON_COMPLIANT"),
            summary_item(UNRELATED, ACCOUNT, "us-east-1", "NON_COMPLIANT"),
        ], "NextToken": "agg-2"},
        {"ConfigurationAggregatorName": AGGREGATOR},
    )  # fmt: skip
    stubber.add_response(
        "describe_aggregate_compliance_by_config_rules",
        {"AggregateComplianceByConfigRules": [
            summary_item(ACCOUNT_PACK_RULE, MEMBER, "ap-northeast-1", "NON_COMPLIANT"),
            summary_item(MEMBER_TRAIL_RULE, MEMBER, "ap-northeast-1", "COMPLIANT"),
            summary_item(LOOKALIKES[1], MEMBER, "ap-northeast-1", "COMPLIANT"),
        ]},
        {"ConfigurationAggregatorName": AGGREGATOR, "NextToken": "agg-2"},
    )  # fmt: skip
    stubber.add_response(
        "get_aggregate_compliance_details_by_config_rule",
        {"AggregateEvaluationResults": [
            result(TRAIL_PACK_RULE, TRAIL_TYPE, "org-trail", "COMPLIANT", ANN_OK,
                   ACCOUNT, "us-east-1"),
            result(TRAIL_PACK_RULE, TRAIL_TYPE, "legacy", "NON_COMPLIANT", ANN_PUBLISH,
                   ACCOUNT, "us-east-1"),
            result(TRAIL_PACK_RULE, TRAIL_TYPE, "unread", "INSUFFICIENT_DATA", None,
                   ACCOUNT, "us-east-1"),
        ], "NextToken": "details-2"},
        {"ConfigurationAggregatorName": AGGREGATOR, "ConfigRuleName": TRAIL_PACK_RULE,
         "AccountId": ACCOUNT, "AwsRegion": "us-east-1", "Limit": 100},
    )  # fmt: skip
    stubber.add_response(
        "get_aggregate_compliance_details_by_config_rule",
        {"AggregateEvaluationResults": [
            result(TRAIL_PACK_RULE, TRAIL_TYPE, "org-trail-shadow", "NOT_APPLICABLE",
                   ANN_SHADOW, ACCOUNT, "us-east-1"),
        ]},
        {"ConfigurationAggregatorName": AGGREGATOR, "ConfigRuleName": TRAIL_PACK_RULE,
         "AccountId": ACCOUNT, "AwsRegion": "us-east-1", "Limit": 100, "NextToken": "details-2"},
    )  # fmt: skip
    stubber.add_response(
        "get_aggregate_compliance_details_by_config_rule",
        {"AggregateEvaluationResults": [
            result(ACCOUNT_PACK_RULE, ACCOUNT_TYPE, MEMBER, "NON_COMPLIANT",
                   ANN_NO_TRAIL.replace("eu-west-1", "ap-northeast-1"), MEMBER,
                   "ap-northeast-1"),
        ]},
        {"ConfigurationAggregatorName": AGGREGATOR, "ConfigRuleName": ACCOUNT_PACK_RULE,
         "AccountId": MEMBER, "AwsRegion": "ap-northeast-1", "Limit": 100},
    )  # fmt: skip
    stubber.add_response(
        "get_aggregate_compliance_details_by_config_rule",
        {"AggregateEvaluationResults": [
            result(MEMBER_TRAIL_RULE, TRAIL_TYPE, "tokyo", "COMPLIANT", ANN_OK, MEMBER,
                   "ap-northeast-1"),
        ]},
        {"ConfigurationAggregatorName": AGGREGATOR, "ConfigRuleName": MEMBER_TRAIL_RULE,
         "AccountId": MEMBER, "AwsRegion": "ap-northeast-1", "Limit": 100},
    )  # fmt: skip


def aggregator_entries() -> list[ReportEntry]:
    east = "us-east-1"
    tokyo = "ap-northeast-1"
    return [
        expected_entry(TRAIL_RULE, ACCOUNT, east, TRAIL_TYPE, "org-trail",
                    trail_arn("org-trail", east), "COMPLIANT", ANN_OK),
        expected_entry(TRAIL_RULE, ACCOUNT, east, TRAIL_TYPE, "legacy", trail_arn("legacy", east),
                    "NON_COMPLIANT", ANN_PUBLISH, fix=trail_fix("legacy", east)),
        # NOT_APPLICABLE may be about a shadow or another account's trail: no ARN is made up
        expected_entry(TRAIL_RULE, ACCOUNT, east, TRAIL_TYPE, "org-trail-shadow",
                    None, "NOT_APPLICABLE", ANN_SHADOW),
        expected_entry(ACCOUNT_RULE, MEMBER, tokyo, ACCOUNT_TYPE, MEMBER, None, "NON_COMPLIANT",
                    ANN_NO_TRAIL.replace("eu-west-1", tokyo), fix=coverage_fix(tokyo)),
        expected_entry(TRAIL_RULE, MEMBER, tokyo, TRAIL_TYPE, "tokyo",
                    trail_arn("tokyo", tokyo, MEMBER), "COMPLIANT", ANN_OK),
        # Each account is a source in one region only: the organization's population has
        # the other's region too.
        expected_entry("*", ACCOUNT, tokyo, ACCOUNT_TYPE, ACCOUNT, None, "NOT_EVALUATED",
                       NOT_A_SOURCE),
        # The account has the trail rule in us-east-1, not the account rule.
        expected_entry(ACCOUNT_RULE, ACCOUNT, east, ACCOUNT_TYPE, ACCOUNT, None, "NOT_EVALUATED",
                    no_rule(ACCOUNT_RULE)),
        expected_entry("*", MEMBER, east, ACCOUNT_TYPE, MEMBER, None, "NOT_EVALUATED",
                       NOT_A_SOURCE),
    ]  # fmt: skip


NOT_A_SOURCE = (
    f"not in the sources of the aggregator {AGGREGATOR}: it does not collect from this account "
    "and region"
)
AGGREGATOR_POPULATION = Population(
    source=f"AWS Organizations: 2 active account(s), aggregator {AGGREGATOR}, 2 region(s)",
    places=(
        Place(ACCOUNT, "ap-northeast-1", "no result", NOT_A_SOURCE),
        Place(ACCOUNT, "us-east-1", "no result", f"rule {ACCOUNT_RULE}: {no_rule(ACCOUNT_RULE)}"),
        Place(MEMBER, "ap-northeast-1", "evaluated"),
        Place(MEMBER, "us-east-1", "no result", NOT_A_SOURCE),
    ),
)


def test_from_aggregator_whole_entry_list_and_population() -> None:
    client, stubber = config_client()
    organizations, accounts = organizations_client()
    stub_aggregator(stubber)
    with stubber, accounts:
        entries, population = from_aggregator(
            client, AGGREGATOR, "aws", organizations, workers=1, pacer=Pacer(1000.0)
        )
        stubber.assert_no_pending_responses()
        accounts.assert_no_pending_responses()
    assert entries == aggregator_entries()
    assert population == AGGREGATOR_POPULATION


def test_build_report_from_aggregator_entries() -> None:
    report = build_report(aggregator_entries(), "AWS Config aggregator X", "2024-05-02T03:04:05Z")
    ids = [(e.compliance, e.account_id, e.resource_id) for e in report.entries]
    assert ids == [
        ("NOT_EVALUATED", ACCOUNT, ACCOUNT),
        ("NOT_EVALUATED", ACCOUNT, ACCOUNT),
        ("NOT_EVALUATED", MEMBER, MEMBER),
        ("NON_COMPLIANT", ACCOUNT, "legacy"),
        ("NON_COMPLIANT", MEMBER, MEMBER),
        ("COMPLIANT", ACCOUNT, "org-trail"),
        ("COMPLIANT", MEMBER, "tokyo"),
        ("NOT_APPLICABLE", ACCOUNT, "org-trail-shadow"),
    ]
    assert report.accounts == (ACCOUNT, MEMBER)
    assert report.regions == ("ap-northeast-1", "us-east-1")


# --- the command line ----------------------------------------------------------------------------


class FakeClients:
    """Stands in for trailguard.aws.clients.Clients: hands out the stubbed clients."""

    created: ClassVar[list[tuple[str | None, str | None]]] = []

    def __init__(self, clients: dict[str, Any], region: str = REGION) -> None:
        self.clients = clients
        self.region = region

    def client(self, service: str, region: str | None = None) -> Any:
        assert region in (None, self.region)
        return self.clients[service]


@pytest.fixture
def stubbed(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Stubber]]:
    """Stubbed ``config`` and ``sts`` clients behind trailguard.aws.clients.Clients.from_profile."""
    config, config_stub = config_client()
    sts = boto3.client("sts", region_name=REGION)
    sts_stub = Stubber(sts)
    organizations = boto3.client("organizations", region_name=REGION)
    organizations_stub = Stubber(organizations)
    FakeClients.created = []

    def from_profile(profile: str | None, region: str | None, notify: Any = None) -> FakeClients:
        FakeClients.created.append((profile, region))
        return FakeClients({"config": config, "sts": sts, "organizations": organizations})

    monkeypatch.setattr(trailguard.aws.clients.Clients, "from_profile", staticmethod(from_profile))
    stubs = {"config": config_stub, "sts": sts_stub, "organizations": organizations_stub}
    for stub in stubs.values():
        stub.activate()
    yield stubs
    for stub in stubs.values():
        stub.deactivate()


def aggregator_cli(*args: str) -> tuple[int, str, str]:
    """``report --aggregator`` one call at a time (a Stubber answers in order, one thread),
    paced fast (a Stubber is no AWS)."""
    return report_cli("--aggregator", AGGREGATOR, "--max-workers", "1", "--tps", "1000", *args)


def identity(stub: Stubber, partition: str = "aws") -> None:
    stub.add_response(
        "get_caller_identity",
        {"UserId": "AIDAEXAMPLEUSERID", "Account": ACCOUNT,
         "Arn": f"arn:{partition}:iam::{ACCOUNT}:user/auditor"},
        {},
    )  # fmt: skip


def report_cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["report", *args], stdin=io.StringIO(""), stdout=out, stderr=err)
    return code, out.getvalue(), without_banner(err.getvalue())


def test_cli_report_account_json(stubbed: dict[str, Stubber]) -> None:
    identity(stubbed["sts"])
    stub_account(stubbed["config"])
    code, out, err = report_cli("--output", "json", "--profile", "audit", "--region", REGION)
    assert (code, err) == (1, "")
    for stub in stubbed.values():
        stub.assert_no_pending_responses()
    assert FakeClients.created == [("audit", REGION)]
    report = parse_json(out)
    expected = build_report(account_entries(), "", "")
    assert report.entries == expected.entries
    assert report.source == f"AWS Config in account {ACCOUNT}, {REGION}"
    assert report.title == TITLE
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", report.generated_at)
    data = json.loads(out)
    assert data["summary"] == {
        "accounts": 1, "regions": 1, "trails": 4,
        "compliance": {"NON_COMPLIANT": 3, "COMPLIANT": 2},
        "topics": None,
    }  # fmt: skip
    assert data["notEvaluated"] == []
    assert_valid_findings(data["findings"])
    assert data["findings"][0] == with_identity({
        "rule": ACCOUNT_RULE, "accountId": ACCOUNT, "region": REGION,
        "resourceType": ACCOUNT_TYPE, "resourceId": ACCOUNT, "trailARN": None,
        "compliance": "NON_COMPLIANT", "severity": "HIGH", "annotation": ANN_NO_TRAIL,
        "causes": [], "example": None, "selectors": None, "risk": RULE_RISK[ACCOUNT_RULE],
        "fix": coverage_fix(REGION),
    }, WHEN_TEXT)  # fmt: skip


def test_cli_report_partition_from_the_caller(stubbed: dict[str, Stubber]) -> None:
    identity(stubbed["sts"], "aws-us-gov")
    stub_account(stubbed["config"])
    code, out, _ = report_cli("--output", "json")
    assert code == 1
    assert parse_json(out).entries == build_report(account_entries("aws-us-gov"), "", "").entries


def test_cli_report_all_compliant_exits_0(stubbed: dict[str, Stubber]) -> None:
    identity(stubbed["sts"])
    stub_rules(stubbed["config"], {
        TRAIL_PACK_RULE: [result(TRAIL_PACK_RULE, TRAIL_TYPE, "main", "COMPLIANT", ANN_OK)],
        ACCOUNT_PACK_RULE: [
            result(ACCOUNT_PACK_RULE, ACCOUNT_TYPE, ACCOUNT, "COMPLIANT", ANN_COVERED)],
    })  # fmt: skip
    code, out, err = report_cli("--output", "csv")
    assert (code, err) == (0, "")
    assert parse_csv(out) == [
        expected_entry(ACCOUNT_RULE, ACCOUNT, REGION, ACCOUNT_TYPE, ACCOUNT, None, "COMPLIANT",
                    ANN_COVERED),
        expected_entry(TRAIL_RULE, ACCOUNT, REGION, TRAIL_TYPE, "main", trail_arn("main"),
                    "COMPLIANT", ANN_OK),
    ]  # fmt: skip


def test_cli_report_pack_not_deployed_is_not_a_pass(
    stubbed: dict[str, Stubber], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The new user's case: no rule deployed; every format says so first, exit 1."""
    monkeypatch.setenv("COLUMNS", "100")  # the text form fits the terminal's width
    statement = f"account {ACCOUNT}, region {REGION}: {NO_PACK}"
    for fmt in ("table", "md", "json", "csv", "html"):
        identity(stubbed["sts"])
        stubbed["config"].add_response(
            "describe_config_rules", {"ConfigRules": [config_rule(UNRELATED, "AWS")]}, {}
        )
        code, out, err = report_cli("--output", fmt)
        assert (code, err) == (1, ""), fmt
        for stub in stubbed.values():
            stub.assert_no_pending_responses()
        lines = out.splitlines()
        if fmt == "table":
            assert after_opening(lines) == [
                "NOT EVALUATED: nothing has a result, so this report is not a pass.",
                f"- account {ACCOUNT}, region {REGION}: no trailguard Config rule here: is the "
                "pack deployed in",
                "  this account and region?",
                "",
                "0 accounts, 0 regions, 0 trails: 0 COMPLIANT, 0 NON_COMPLIANT, 0 NOT_APPLICABLE; "
                "1 NOT_EVALUATED",
            ]
        elif fmt == "md":
            assert from_heading(lines, "## Not evaluated")[:6] == [
                "## Not evaluated (1)", "",
                "**NOT EVALUATED: nothing has a result, so this report is not a pass.**", "",
                f"- {statement}", "",
            ]  # fmt: skip
            assert "## Non-compliant findings (0)" in lines
            assert lines.index("## Not evaluated (1)") < lines.index("## Summary")
        elif fmt == "json":
            data = json.loads(out)
            when = data.pop("generatedAt")
            assert re.fullmatch(TIME_PATTERN, when)
            assert_valid_findings(data["findings"])
            assert data == {
                "title": TITLE,
                "source": f"AWS Config in account {ACCOUNT}, {REGION}",
                "notEvaluated": [statement],
                "population": {
                    "source": "the accounts and regions asked for", "complete": False,
                    "statement": "INCOMPLETE: 0 of 1 account-region(s) evaluated, 1 with no "
                    "result (the accounts and regions asked for)",
                    "counts": {"evaluated": 0, "no result": 1, "exempted": 0},
                    "places": [{"account": ACCOUNT, "region": REGION, "state": "no result",
                                "why": statement}],
                },
                "scope": {
                    "accountsAsked": [ACCOUNT], "accountsReached": [],
                    "regionsAsked": [REGION], "regionsReached": [],
                    "rules": [TRAIL_RULE, ACCOUNT_RULE], "parameters": {},
                    "acceptedExclusions": [], "exemptions": [], "toolVersion": __version__,
                    "caller": f"arn:aws:iam::{ACCOUNT}:user/auditor", "generatedAt": when,
                    "statusFilter": [],
                },
                "summary": {"accounts": 0, "regions": 0, "trails": 0,
                            "compliance": {"NOT_EVALUATED": 1}, "topics": None},
                "findings": [with_identity(
                    {"rule": "*", "accountId": ACCOUNT, "region": REGION,
                     "resourceType": ACCOUNT_TYPE, "resourceId": ACCOUNT, "trailARN": None,
                     "compliance": "NOT_EVALUATED", "severity": "HIGH", "annotation": NO_PACK,
                     "causes": [], "example": None, "selectors": None, "risk": None,
                     "fix": None}, when)],
            }  # fmt: skip
        elif fmt == "csv":
            when = next(csv.reader([lines[1]]))[FIELDS.index("evaluatedAt")]
            assert re.fullmatch(TIME_PATTERN, when)
            assert lines[1:] == [  # every cell quoted
                f'"*","{ACCOUNT}","{REGION}","{ACCOUNT_TYPE}","{ACCOUNT}","","NOT_EVALUATED",'
                f'"HIGH","{NO_PACK}","[]","","","","",'
                f'"{expected_id("*", ACCOUNT, REGION, ACCOUNT_TYPE, ACCOUNT)}","NOT_EVALUATED",'
                f'"{when}","{controls_line("*")}","","",""'
            ]
        else:
            assert (
                '<section class="not-evaluated" id="not-evaluated">\n<h2>Not evaluated (1)</h2>\n'
                '<p class="warning">NOT EVALUATED: nothing has a result, so this report is not '
                f"a pass.</p>\n<ul>\n<li>{statement}</li>\n</ul>\n</section>\n"
            ) in out


def test_cli_report_rules_without_results(stubbed: dict[str, Stubber]) -> None:
    identity(stubbed["sts"])
    stub_rules(stubbed["config"], {TRAIL_PACK_RULE: [], ACCOUNT_PACK_RULE: []})
    code, out, err = report_cli("--output", "csv")
    assert (code, err) == (1, "")
    rows = list(csv.reader(io.StringIO(out)))
    when = rows[1][FIELDS.index("evaluatedAt")]
    assert re.fullmatch(TIME_PATTERN, when)
    assert rows[1:] == [
        [ACCOUNT_RULE, ACCOUNT, REGION, ACCOUNT_TYPE, ACCOUNT, "", "NOT_EVALUATED", "HIGH",
         no_results(ACCOUNT_PACK_RULE), "[]", "", "", RULE_RISK[ACCOUNT_RULE], "",
         expected_id(ACCOUNT_RULE, ACCOUNT, REGION, ACCOUNT_TYPE, ACCOUNT), "NOT_EVALUATED",
         when, controls_line(ACCOUNT_RULE), "", "", ""],
        [TRAIL_RULE, ACCOUNT, REGION, TRAIL_TYPE, "*", "", "NOT_EVALUATED", "MEDIUM",
         no_results(TRAIL_PACK_RULE), "[]", "", "", RULE_RISK[TRAIL_RULE], "",
         expected_id(TRAIL_RULE, ACCOUNT, REGION, TRAIL_TYPE, "*"), "NOT_EVALUATED",
         when, controls_line(TRAIL_RULE), "", "", ""],
    ]  # fmt: skip


def test_cli_report_partial_results_exit_1(
    stubbed: dict[str, Stubber], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The trail rule has results, all compliant; the account rule has none: exit 1."""
    monkeypatch.setenv("COLUMNS", "100")  # the text form fits the terminal's width
    identity(stubbed["sts"])
    stub_rules(stubbed["config"], {
        TRAIL_PACK_RULE: [result(TRAIL_PACK_RULE, TRAIL_TYPE, "main", "COMPLIANT", ANN_OK)],
        ACCOUNT_PACK_RULE: [],
    })  # fmt: skip
    code, out, err = report_cli("--output", "table")
    assert (code, err) == (1, "")
    lines = after_opening(out.splitlines())
    assert lines[:5] == [
        "NOT EVALUATED: 1 item has no result, so the verdicts below are not the whole picture.",
        f"- account {ACCOUNT}, region {REGION}, rule {ACCOUNT_RULE}: Config",
        f"  rule {ACCOUNT_PACK_RULE} has no evaluation",
        "  results: has it run? (AWS Config shows its evaluation status)",
        "",
    ]
    assert lines[-1] == (
        "1 account, 1 region, 1 trail: 1 COMPLIANT, 0 NON_COMPLIANT, 0 NOT_APPLICABLE; "
        "1 NOT_EVALUATED"
    )


def stub_summary(stubber: Stubber, items: list[dict[str, Any]]) -> None:
    stubber.add_response(
        "describe_aggregate_compliance_by_config_rules",
        {"AggregateComplianceByConfigRules": items},
        {"ConfigurationAggregatorName": AGGREGATOR},
    )


def test_cli_report_empty_aggregator(stubbed: dict[str, Stubber]) -> None:
    """All regions, no source status, no results: no region to expect results from."""
    identity(stubbed["sts"])
    stub_sources(stubbed["config"], [{"AccountIds": [ACCOUNT, MEMBER], "AllAwsRegions": True}])
    stub_accounts(stubbed["organizations"])
    stub_summary(stubbed["config"], [])
    code, out, err = aggregator_cli("--output", "json")
    assert (code, err) == (1, "")
    why = (
        f"the aggregator {AGGREGATOR} names no account and region to collect from, and holds "
        "no Config rule results: does it collect from the organization's accounts?"
    )
    data = json.loads(out)
    assert data["notEvaluated"] == [why]
    assert data["population"] == {
        "source": f"AWS Organizations: 2 active account(s), aggregator {AGGREGATOR}, 0 region(s)",
        "complete": False,
        "statement": f"INCOMPLETE: no account-region found (AWS Organizations: 2 active "
        f"account(s), aggregator {AGGREGATOR}, 0 region(s))",
        "counts": {"evaluated": 0, "no result": 0, "exempted": 0},
        "places": [],
    }
    assert_valid_findings(data["findings"])
    assert data["findings"] == [with_identity(
        {"rule": "*", "accountId": "*", "region": "*", "resourceType": ACCOUNT_TYPE,
         "resourceId": "*", "trailARN": None, "compliance": "NOT_EVALUATED", "severity": "HIGH",
         "annotation": why, "causes": [], "example": None, "selectors": None, "risk": None,
         "fix": None}, data["generatedAt"]),
    ]  # fmt: skip


def test_cli_report_aggregator_places_without_the_pack(stubbed: dict[str, Stubber]) -> None:
    """Where the aggregator holds other rules but not the pack's, that place has no result;
    a rule whose only results are INSUFFICIENT_DATA has none either."""
    identity(stubbed["sts"])
    regions = ["eu-central-1", "us-east-1"]
    stub_sources(stubbed["config"], [{"AccountIds": [ACCOUNT, MEMBER], "AwsRegions": regions}])
    stub_accounts(stubbed["organizations"])
    stub_summary(stubbed["config"], [
        summary_item(UNRELATED, MEMBER, "eu-central-1", "COMPLIANT"),
        summary_item(TRAIL_PACK_RULE, ACCOUNT, "us-east-1", "INSUFFICIENT_DATA"),
        summary_item(ACCOUNT_PACK_RULE, ACCOUNT, "us-east-1", "COMPLIANT"),
    ])  # fmt: skip
    stubbed["config"].add_response(
        "get_aggregate_compliance_details_by_config_rule",
        {"AggregateEvaluationResults": [
            result(TRAIL_PACK_RULE, TRAIL_TYPE, "unread", "INSUFFICIENT_DATA", None,
                   ACCOUNT, "us-east-1")]},
        {"ConfigurationAggregatorName": AGGREGATOR, "ConfigRuleName": TRAIL_PACK_RULE,
         "AccountId": ACCOUNT, "AwsRegion": "us-east-1", "Limit": 100},
    )  # fmt: skip
    covered = result(ACCOUNT_PACK_RULE, ACCOUNT_TYPE, ACCOUNT, "COMPLIANT", ANN_COVERED,
                     ACCOUNT, "us-east-1")  # fmt: skip
    stubbed["config"].add_response(
        "get_aggregate_compliance_details_by_config_rule",
        {"AggregateEvaluationResults": [covered]},
        {"ConfigurationAggregatorName": AGGREGATOR, "ConfigRuleName": ACCOUNT_PACK_RULE,
         "AccountId": ACCOUNT, "AwsRegion": "us-east-1", "Limit": 100},
    )  # fmt: skip
    code, out, err = aggregator_cli("--output", "json")
    assert (code, err) == (1, "")
    for stub in stubbed.values():
        stub.assert_no_pending_responses()
    data = json.loads(out)
    assert data["notEvaluated"] == [
        f"account {ACCOUNT}, region eu-central-1: {NO_CONFIG_RESULTS}",
        f"account {ACCOUNT}, region us-east-1, rule {TRAIL_RULE}: {no_results(TRAIL_PACK_RULE)}",
        f"account {MEMBER}, region eu-central-1: {NO_PACK}",
        f"account {MEMBER}, region us-east-1: {NO_CONFIG_RESULTS}",
    ]
    assert [(f["compliance"], f["accountId"], f["region"]) for f in data["findings"]] == [
        ("NOT_EVALUATED", ACCOUNT, "eu-central-1"),
        ("NOT_EVALUATED", ACCOUNT, "us-east-1"),
        ("NOT_EVALUATED", MEMBER, "eu-central-1"),
        ("NOT_EVALUATED", MEMBER, "us-east-1"),
        ("COMPLIANT", ACCOUNT, "us-east-1"),
    ]
    assert [(p["account"], p["region"], p["state"]) for p in data["population"]["places"]] == [
        (ACCOUNT, "eu-central-1", "no result"),
        (ACCOUNT, "us-east-1", "no result"),
        (MEMBER, "eu-central-1", "no result"),
        (MEMBER, "us-east-1", "no result"),
    ]


def test_cli_report_aggregator_markdown(stubbed: dict[str, Stubber]) -> None:
    identity(stubbed["sts"])
    stub_aggregator(stubbed["config"])
    stub_accounts(stubbed["organizations"])
    code, out, err = aggregator_cli("--output", "md")
    assert (code, err) == (1, "")
    for stub in stubbed.values():
        stub.assert_no_pending_responses()
    lines = out.splitlines()
    assert lines[0] == f"# {TITLE}"
    assert from_heading(lines, "## Not evaluated")[:9] == [
        "## Not evaluated (3)", "",
        "**NOT EVALUATED: 3 items have no result, so the verdicts below are not the whole "
        "picture.**", "",
        f"- account {ACCOUNT}, region ap-northeast-1: {NOT_A_SOURCE}",
        f"- account {ACCOUNT}, region us-east-1, rule {ACCOUNT_RULE}: no Config rule "
        f"{ACCOUNT_RULE} here (nor a conformance pack's copy of it): is the whole pack "
        "deployed in this account and region?",
        f"- account {MEMBER}, region us-east-1: {NOT_A_SOURCE}", "", "## Summary",
    ]  # fmt: skip
    assert re.fullmatch(
        rf"Generated \d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\dZ from AWS Config aggregator {AGGREGATOR}\.",
        lines[2],
    )
    assert "| Accounts | 2 |" in lines
    assert "| Regions | 2 |" in lines
    assert "| Trails | 3 |" in lines  # the shadow trail's NOT_APPLICABLE result has no ARN
    assert "## Non-compliant findings (2)" in lines
    assert f"### {ACCOUNT} us-east-1: trail legacy" in lines
    assert f"### {MEMBER} ap-northeast-1: account coverage" in lines
    assert f"| Trail | {trail_arn('legacy', 'us-east-1')} |" in lines
    assert "| Verdict | **NON_COMPLIANT** |" in lines
    escaped = ANN_PUBLISH.replace("[", "\\[").replace("]", "\\]")
    assert f"Annotation: {escaped}" in lines
    assert trail_fix("legacy", "us-east-1") in lines
    assert coverage_fix("ap-northeast-1") in lines
    assert "## Other findings (3)" in lines
    # unrelated and look-alike rules never show up
    assert UNRELATED not in out
    assert "enabledx" not in out and "my-cloudtrail" not in out
    assert "unread" not in out  # INSUFFICIENT_DATA is not a result


def test_cli_report_aggregator_json(stubbed: dict[str, Stubber]) -> None:
    identity(stubbed["sts"])
    stub_aggregator(stubbed["config"])
    stub_accounts(stubbed["organizations"])
    code, out, _ = aggregator_cli("--output", "json")
    assert code == 1
    report = parse_json(out)
    assert report.source == f"AWS Config aggregator {AGGREGATOR}"
    assert_valid_findings(json.loads(out)["findings"])
    assert json.loads(out)["population"] == AGGREGATOR_POPULATION.to_dict()
    # What has no result is shown at the report's time.
    assert report.entries == build_report(aggregator_entries(), "", report.generated_at).entries


def test_cli_report_config_error_is_one_line_exit_4(stubbed: dict[str, Stubber]) -> None:
    identity(stubbed["sts"])
    stubbed["config"].add_client_error(
        "describe_configuration_aggregators",
        service_error_code="NoSuchConfigurationAggregatorException",
        service_message="The configuration aggregator does not exist.",
        http_status_code=400,
        expected_params={"ConfigurationAggregatorNames": ["missing"]},
    )
    code, out, err = report_cli("--aggregator", "missing")
    assert (code, out) == (4, "")
    assert err.startswith("trailguard: failed: cannot read AWS Config results: ")
    assert "NoSuchConfigurationAggregatorException" in err
    assert err.count("\n") == 1


@pytest.mark.parametrize("command", ["report", "scan"])
def test_help_states_the_exit_codes(command: str) -> None:
    out, err = io.StringIO(), io.StringIO()
    assert main([command, "--help"], stdin=io.StringIO(""), stdout=out, stderr=err) == 0
    text = " ".join(out.getvalue().split())
    assert (
        "Exit codes: 0 ok: everything asked for was evaluated and is compliant 1 non-compliant: "
        "anything is non-compliant or not evaluated (an account, region or rule with no result, "
        "or nothing evaluated at all"
    ) in text


def test_the_evaluation_time_is_configs_own() -> None:
    """ResultRecordedTime, else ConfigRuleInvokedTime (in UTC), else none: the report's time."""
    from datetime import timedelta, timezone

    from trailguard.aws.config_results import evaluated_at

    later = datetime(2024, 5, 2, 5, 4, 5, tzinfo=timezone(timedelta(hours=2)))
    assert evaluated_at({"ResultRecordedTime": later, "ConfigRuleInvokedTime": INVOKED}) == (
        WHEN_TEXT
    )
    assert evaluated_at({"ConfigRuleInvokedTime": INVOKED}) == "2024-05-02T03:04:00Z"
    assert evaluated_at({}) is None


def test_cli_report_ocsf_and_asff_carry_configs_times_and_the_same_ids(
    stubbed: dict[str, Stubber],
) -> None:
    from asff_shape import asff_problems
    from py_ocsf_models.events.findings.compliance_finding import ComplianceFinding

    shown = {}
    for fmt in ("json", "ocsf", "asff"):
        identity(stubbed["sts"])
        stub_account(stubbed["config"])
        code, out, err = report_cli("--output", fmt)
        assert (code, err) == (1, ""), fmt
        shown[fmt] = json.loads(out)
    ids = [f["id"] for f in shown["json"]["findings"]]
    assert [e["finding_info"]["uid"] for e in shown["ocsf"]] == ids
    assert [f["Id"] for f in shown["asff"]] == ids
    for item in shown["ocsf"]:
        ComplianceFinding.model_validate(item)
    assert {e["time"] for e in shown["ocsf"]} == {1714619045000}  # WHEN, Config's time
    assert asff_problems(shown["asff"]) == []
    assert {f["UpdatedAt"] for f in shown["asff"]} == {WHEN_TEXT}
    assert [f["Compliance"]["Status"] for f in shown["asff"]] == [
        "FAILED", "FAILED", "FAILED", "PASSED", "PASSED",
    ]  # fmt: skip
