"""``trailguard scan`` lists each account-region's SNS topics and names those at stake
(trailguard.aws.topics), against moto (in-process ``mock_aws``; it implements ListTopics with
pages of 100, platform applications and their endpoints). The account is 123456789012.

A listing that fails is injected as AWS would answer it: a ``before-call`` hook on the
session returns an AccessDenied error response for ListTopics."""

from __future__ import annotations

import io
import json
import time
from collections import Counter
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from moto.sns.models import sns_backends
from scan_helpers import without_banner
from selector_data import make_trail, moto_with_bucket
from throttling import FakeClock

import trailguard.aws.limiter
import trailguard.aws.topics
from trailguard.aws.limiter import Limiter, quota_group
from trailguard.aws.scan import CLIENT_CONFIG, Scanner, ScanResult, Target
from trailguard.aws.topics import Listing, list_resources
from trailguard.cli import main
from trailguard.reporting.model import scan_report
from trailguard.reporting.topics import NOT_LISTED, TopicsAtStake
from trailguard.rules.parameters import rule_parameters

ACCOUNT = "123456789012"
HOME, OTHER = "us-east-1", "eu-west-1"
ACCOUNT_RULE = "cloudtrail-sns-data-events-account-coverage"
TOPIC = "AWS::SNS::Topic"
ENDPOINT = "AWS::SNS::PlatformEndpoint"
DATA = [
    {"Field": "eventCategory", "Equals": ["Data"]},
    {"Field": "resources.type", "Equals": [TOPIC]},
]
DENIED = "User: arn:aws:sts::123456789012:assumed-role/Audit/x is not authorized"


def topic(name: str, region: str = HOME) -> str:
    return f"arn:aws:sns:{region}:{ACCOUNT}:{name}"


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(time, "sleep", lambda seconds: None)  # botocore's backoff
    with moto_with_bucket():
        yield


def create_topics(region: str, *names: str) -> list[str]:
    sns = boto3.client("sns", region_name=region)
    return [sns.create_topic(Name=n)["TopicArn"] for n in names]


def many_topics(count: int) -> list[str]:
    """``count`` topics in us-east-1, put in moto's backend directly (faster than the API)."""
    backend = sns_backends[ACCOUNT][HOME]
    return [backend.create_topic(f"topic-{i:03}").arn for i in range(count)]


def payments_only_world() -> None:
    """us-east-1: a logging trail that records only ``payments``'s publishes, topics
    ``orders`` and ``payments``; eu-west-1 (no trail applies there): topic ``alerts``."""
    selectors = [
        {"Name": "payments", "FieldSelectors": [
            *DATA, {"Field": "resources.ARN", "Equals": [topic("payments")]}]},
    ]  # fmt: skip
    make_trail("payments-only", advanced=selectors)
    boto3.client("cloudtrail", region_name=HOME).start_logging(Name="payments-only")
    create_topics(HOME, "orders", "payments")
    create_topics(OTHER, "alerts")


def scanner(session: Any = None, **kwargs: Any) -> Scanner:
    target = Target(ACCOUNT, session or boto3.Session(region_name=HOME))
    return Scanner([target], [HOME, OTHER], rule_parameters(), tps=1000.0, **kwargs)


def report_of(result: ScanResult) -> dict[str, Any]:
    report = scan_report(
        result.findings,
        result.facts,
        result.not_evaluated,
        title="t",
        source="s",
        generated_at="2026-12-03T00:00:00Z",
        topics=result.topics,
    )
    return report.to_dict()


def coverage_entries(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The account-region findings by region: the fields topics touch."""
    keys = ("compliance", "unrecordedTopics", "topicsChecked", "causes")
    return {
        f["region"]: {k: f[k] for k in keys} | {"exampleARN": (f["example"] or {}).get(
            "resources.ARN")}
        for f in report["findings"] if f["rule"] == ACCOUNT_RULE
    }  # fmt: skip


NO_TRAIL = f"no logging trail with readable selectors applies to {OTHER}"
PAYMENTS = f"selector 'payments' limits resources.ARN to [{topic('payments')}]"


def test_scan_names_the_unrecorded_topics_of_each_account_region(aws: None) -> None:
    payments_only_world()
    scan = scanner(topics=True)
    result = scan.scan()
    assert result.topics == {
        (ACCOUNT, HOME): TopicsAtStake((topic("orders"),), 2),
        (ACCOUNT, OTHER): TopicsAtStake((topic("alerts", OTHER),), 1),
    }
    assert result.topic_calls == Counter({"ListTopics": 2})
    report = report_of(result)
    assert coverage_entries(report) == {
        HOME: {
            "compliance": "NON_COMPLIANT",
            "unrecordedTopics": [topic("orders")],
            "topicsChecked": 2,
            "causes": [
                f"Publish on AWS::SNS::Topic: {PAYMENTS}",
                f"PublishBatch on AWS::SNS::Topic: {PAYMENTS}",
            ],
            "exampleARN": topic("orders"),
        },
        OTHER: {
            "compliance": "NON_COMPLIANT",
            "unrecordedTopics": [topic("alerts", OTHER)],
            "topicsChecked": 1,
            "causes": [
                f"Publish on AWS::SNS::Topic: {NO_TRAIL}",
                f"PublishBatch on AWS::SNS::Topic: {NO_TRAIL}",
            ],
            "exampleARN": topic("alerts", OTHER),
        },
    }
    assert report["summary"]["topics"] == {"unrecorded": 2, "checked": 3}
    # The example of the account finding: this account and region, a real topic.
    example = next(f["example"] for f in report["findings"] if f["region"] == OTHER)
    assert example["userIdentity.arn"] == (
        f"arn:aws:sts::{ACCOUNT}:assumed-role/ExampleRole/example-session"
    )


def test_without_topics_nothing_is_listed_but_the_example_is_placed_here(aws: None) -> None:
    payments_only_world()
    result = scanner().scan()
    assert (result.topics, result.topic_calls) == ({}, Counter())
    assert coverage_entries(report_of(result)) == {
        HOME: {
            "compliance": "NON_COMPLIANT",
            "unrecordedTopics": None,
            "topicsChecked": None,
            "causes": [
                f"Publish on AWS::SNS::Topic: {PAYMENTS}",
                f"PublishBatch on AWS::SNS::Topic: {PAYMENTS}",
            ],
            "exampleARN": topic("example-topic"),
        },
        OTHER: {
            "compliance": "NON_COMPLIANT",
            "unrecordedTopics": None,
            "topicsChecked": None,
            "causes": [
                f"Publish on AWS::SNS::Topic: {NO_TRAIL}",
                f"PublishBatch on AWS::SNS::Topic: {NO_TRAIL}",
            ],
            "exampleARN": topic("example-topic", OTHER),
        },
    }


def deny_list_topics(session: Any) -> None:
    def deny(**_: Any) -> Any:
        body = {"Error": {"Code": "AccessDenied", "Message": DENIED},
                "ResponseMetadata": {"HTTPStatusCode": 403}}  # fmt: skip
        return SimpleNamespace(status_code=403, headers={}), body

    session.events.register("before-call.sns.ListTopics", deny)


def test_a_listing_that_fails_names_no_topic_and_keeps_the_verdict(aws: None) -> None:
    payments_only_world()
    session = boto3.Session(region_name=HOME)
    deny_list_topics(session)
    result = scanner(session, topics=True).scan()
    why = f"ListTopics failed: AccessDenied: {DENIED}"
    assert result.topics == {
        (ACCOUNT, HOME): TopicsAtStake(None, None, error=why),
        (ACCOUNT, OTHER): TopicsAtStake(None, None, error=why),
    }
    entries = coverage_entries(report_of(result))
    assert entries[HOME] == {
        "compliance": "NON_COMPLIANT",
        "unrecordedTopics": None,
        "topicsChecked": None,
        "causes": [
            f"Publish on AWS::SNS::Topic: {PAYMENTS}",
            f"PublishBatch on AWS::SNS::Topic: {PAYMENTS}",
            NOT_LISTED + why,
        ],
        "exampleARN": topic("example-topic"),
    }
    # The verdicts are those of a scan that lists nothing.
    unlisted = scanner().scan()
    assert [(f.rule_id, f.region, f.compliance, f.annotation) for f in result.findings] == [
        (f.rule_id, f.region, f.compliance, f.annotation) for f in unlisted.findings
    ]


def test_a_compliant_account_region_has_no_unrecorded_topic(aws: None) -> None:
    make_trail("all", advanced=[{"Name": "all", "FieldSelectors": DATA}], IsMultiRegionTrail=True)
    boto3.client("cloudtrail", region_name=HOME).start_logging(Name="all")
    create_topics(HOME, "orders")
    result = scanner(topics=True).scan()
    assert result.topics == {
        (ACCOUNT, HOME): TopicsAtStake((), 1),
        (ACCOUNT, OTHER): TopicsAtStake((), 0),
    }
    assert {(f.region, f.compliance) for f in result.findings if f.rule_id == ACCOUNT_RULE} == {
        (HOME, "COMPLIANT"), (OTHER, "COMPLIANT")
    }  # fmt: skip


def test_the_listing_pages_through_more_than_100_topics(aws: None) -> None:
    created = many_topics(205)
    client = boto3.client("sns", region_name=HOME)
    calls: list[str] = []
    client.meta.events.register("before-call.sns.*", lambda model, **_: calls.append(model.name))
    listing = list_resources(client, endpoints=False)
    assert sorted(listing.resources) == sorted((TOPIC, arn) for arn in created)
    assert (listing.error, listing.note, calls) == (None, None, ["ListTopics"] * 3)


def test_platform_endpoints_are_listed_when_required_and_bounded(
    aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    sns = boto3.client("sns", region_name=HOME)
    (orders,) = create_topics(HOME, "orders")
    app = sns.create_platform_application(
        Name="app", Platform="GCM", Attributes={"PlatformCredential": "key"}
    )["PlatformApplicationArn"]
    endpoints = [
        sns.create_platform_endpoint(PlatformApplicationArn=app, Token=f"token-{i}")["EndpointArn"]
        for i in range(3)
    ]
    listing = list_resources(sns, endpoints=True)
    assert listing == Listing(((TOPIC, orders), *((ENDPOINT, e) for e in endpoints)))
    monkeypatch.setattr(trailguard.aws.topics, "MAX_ENDPOINTS", 2)
    assert list_resources(sns, endpoints=True) == Listing(
        ((TOPIC, orders), *((ENDPOINT, e) for e in endpoints[:2])),
        note="platform endpoints listed up to 2 only",
    )
    assert list_resources(sns, endpoints=False) == Listing(((TOPIC, orders),))


def test_sns_calls_are_paced_at_their_own_documented_quota(
    aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ListTopics: 30 a second per account and region (SNS API reference), a budget of its
    own, whatever the CloudTrail quota (--tps) is."""
    assert [quota_group(op, 2.5) for op in ("ListTopics", "ListPlatformApplications",
            "ListEndpointsByPlatformApplication", "DescribeTrails")] == [
        ("ListTopics", 30.0), ("ListPlatformApplications", 15.0),
        ("ListEndpointsByPlatformApplication", 30.0), ("read", 2.5),
    ]  # fmt: skip
    many_topics(250)
    clock = FakeClock()
    monkeypatch.setattr(
        trailguard.aws.limiter,
        "time",
        SimpleNamespace(monotonic=clock.monotonic, sleep=clock.sleep),
    )
    client = boto3.Session(region_name=HOME).client("sns", config=CLIENT_CONFIG)
    Limiter(2.5).attach(client, ACCOUNT, HOME)
    assert len(list_resources(client, endpoints=False).resources) == 250
    assert clock.sleeps == pytest.approx([1 / 30, 1 / 30])


def run_cli(*argv: str) -> tuple[int, dict[str, Any], str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdin=io.StringIO(""), stdout=out, stderr=err)
    return code, json.loads(out.getvalue()), without_banner(err.getvalue())


def test_cli_lists_topics_unless_told_not_to(aws: None) -> None:
    payments_only_world()
    args = ("scan", "--regions", f"{HOME},{OTHER}", "--output", "json")
    code, listed, err = run_cli(*args)
    assert (code, err, listed["summary"]["topics"]) == (1, "", {"unrecorded": 2, "checked": 3})
    code, unlisted, err = run_cli(*args, "--no-topics")
    assert (code, err, unlisted["summary"]["topics"]) == (1, "", None)
    assert {f["region"]: (f["unrecordedTopics"], f["topicsChecked"])
            for f in unlisted["findings"] if f["rule"] == ACCOUNT_RULE} == {
        HOME: (None, None), OTHER: (None, None)}  # fmt: skip


def test_the_throttling_summary_names_sns_when_it_throttled() -> None:
    limiter = Limiter()
    limiter.throttles[(ACCOUNT, HOME, "ListTopics")] += 2
    assert limiter.summary() == (
        "SNS throttled 2 call attempt(s) in 1 account-region(s); the scan slowed down and "
        "retried them"
    )
    limiter.throttles[(ACCOUNT, OTHER, "read")] += 1
    assert limiter.summary() == (
        "CloudTrail and SNS throttled 3 call attempt(s) in 2 account-region(s); the scan slowed "
        "down and retried them"
    )
