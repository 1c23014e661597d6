"""Live remediation against moto (and botocore's Stubber for error responses).

Every test makes real boto3 calls: trails are created with ``create_trail`` on an S3 bucket,
selectors are set with ``put_event_selectors`` and read back with ``get_event_selectors``.
Results are compared whole: ``RemediationResult.to_dict()`` and the selectors read back, as
lists written out by hand. A recording proxy around each client says which calls went to which
region, and lets a test act as another actor between our calls. ``sleep`` is a recording fake,
so nothing here waits.

moto (5.2.x) facts relied on: ``get_event_selectors`` returns both keys (the unused one as an
empty list); a put of ``AdvancedEventSelectors`` clears ``EventSelectors`` but a put of
``EventSelectors`` leaves ``AdvancedEventSelectors`` as they were; the account is 123456789012.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws
from selector_data import (
    ACCOUNT,
    BASIC_CONVERTED_PLUS_SNS,
    BASIC_SELECTORS,
    BOTH_TOPIC_EVENTS,
    ENDPOINT,
    ENDPOINT_ADDED,
    LAMBDA_ALL_CONVERTED,
    MANAGEMENT,
    ROOT,
    S3_PREFIX,
    SNS_ADDED,
    SNS_ALL_OWN,
    SNS_PUBLISH_ONLY,
    TOPIC,
    advanced_only,
    make_trail,
    moto_with_bucket,
    read_back,
)

from trailguard.aws.remediate import RemediationError, remediate
from trailguard.cli import main
from trailguard.core import COMPLIANT, build_requirement, evaluate, parse_response

MEMBER_ACCOUNT = "111122223333"
REQUIREMENT = build_requirement()  # SNS topics: Publish and PublishBatch

# --- selectors, written out (the shared ones are in selector_data) ----------------------------

DYNAMODB_OTHER_ACTOR = {
    "Name": "DynamoDB, added by someone else",
    "FieldSelectors": [
        {"Field": "eventCategory", "Equals": ["Data"]},
        {"Field": "resources.type", "Equals": ["AWS::DynamoDB::Table"]},
    ],
}
# 2 + 497 = 499 condition values (CloudTrail allows 500): no room for SNS topics' two
MANY_S3_PREFIXES = {
    "Name": "Many S3 prefixes",
    "FieldSelectors": [
        {"Field": "eventCategory", "Equals": ["Data"]},
        {"Field": "resources.type", "Equals": ["AWS::S3::Object"]},
        {
            "Field": "resources.ARN",
            "StartsWith": [f"arn:aws:s3:::bucket-{n:03d}/" for n in range(497)],
        },
    ],
}


# --- recording proxy --------------------------------------------------------------------------

Hook = Callable[["Call"], None]


@dataclass
class Call:
    region: str
    operation: str
    kwargs: dict[str, Any]


@dataclass
class Recorder:
    """``client_for`` for remediate: real clients wrapped in proxies that log every call."""

    clients: dict[str, Any] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    before: dict[str, Hook] = field(default_factory=dict)  # operation -> run before the call
    after: dict[str, Hook] = field(default_factory=dict)  # operation -> run after the call

    def __call__(self, region: str) -> RecordingClient:
        if region not in self.clients:
            self.clients[region] = boto3.client("cloudtrail", region_name=region)
        return RecordingClient(self.clients[region], self)

    def summary(self) -> list[tuple[str, str]]:
        return [(c.region, c.operation) for c in self.calls]

    def count(self, operation: str) -> int:
        return sum(1 for c in self.calls if c.operation == operation)


class RecordingClient:
    def __init__(self, client: Any, recorder: Recorder) -> None:
        self._client = client
        self._recorder = recorder

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._client, name)
        if name.startswith("_") or name == "meta" or not callable(attr):
            return attr

        def call(**kwargs: Any) -> Any:
            entry = Call(self._client.meta.region_name, name, kwargs)
            self._recorder.calls.append(entry)
            if name in self._recorder.before:
                self._recorder.before[name](entry)
            result = attr(**kwargs)
            if name in self._recorder.after:
                self._recorder.after[name](entry)
            return result

        return call


# --- moto set-up ------------------------------------------------------------------------------


@pytest.fixture
def aws() -> Iterator[None]:
    with moto_with_bucket():
        yield


def other_actor_put(name: str, selectors: list[dict[str, Any]], region: str = "us-east-1") -> None:
    boto3.client("cloudtrail", region_name=region).put_event_selectors(
        TrailName=name, AdvancedEventSelectors=selectors
    )


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def run_remediate(
    client_for: Callable[[str], Any],
    trail: str,
    region: str = "us-east-1",
    requirement: Any = REQUIREMENT,
    **kwargs: Any,
) -> Any:
    """``remediate`` as most tests call it: from ``region``, for SNS topics, as moto's account,
    with a recording fake ``sleep`` unless one is given."""
    kwargs.setdefault("account_id", ACCOUNT)
    kwargs.setdefault("sleep", Sleeps())
    return remediate(client_for, trail, region, requirement, **kwargs)


# --- expected results: RemediationResult.to_dict(), whole, for each outcome --------------------


def updated(
    trail_arn: str,
    before: dict[str, Any],
    after: list[dict[str, Any]],
    gained: list[dict[str, Any]] = BOTH_TOPIC_EVENTS,
    final: dict[str, Any] | None = None,
    is_logging: bool | None = None,
) -> dict[str, Any]:
    """A trail of us-east-1 whose selectors were changed to ``after`` and verified by a read
    (``final``: what the read showed; moto returns the unused key as an empty list).
    ``is_logging``: GetTrailStatus as the CLI read it (the package's ``remediate`` does not)."""
    return {
        "trailARN": trail_arn,
        "homeRegion": "us-east-1",
        "outcome": "updated",
        "changed": True,
        "verified": True,
        "restored": False,
        "dryRun": False,
        "reason": f"{trail_arn}: selectors updated and verified",
        "gained": gained,
        "before": before,
        "after": {"AdvancedEventSelectors": after},
        "final": final
        if final is not None
        else {"EventSelectors": [], "AdvancedEventSelectors": after},
        "writes": 1,
        "otherWriter": False,
        "isLogging": is_logging,
        "complianceBefore": "NON_COMPLIANT",
        "complianceAfter": "COMPLIANT",
    }


def planned(
    trail_arn: str,
    before: dict[str, Any],
    after: list[dict[str, Any]],
    gained: list[dict[str, Any]] = BOTH_TOPIC_EVENTS,
    is_logging: bool | None = None,
) -> dict[str, Any]:
    """A dry run on a trail of us-east-1: ``after`` is only planned; nothing was written
    (complianceAfter is the verdict on the planned ``after`` list)."""
    return {
        **updated(trail_arn, before, after, gained, is_logging=is_logging),
        "outcome": "planned",
        "changed": False,
        "verified": False,
        "dryRun": True,
        "reason": f"{trail_arn}: dry run; nothing written",
        "final": None,
        "writes": 0,
    }


def already_compliant(
    trail_arn: str,
    before: dict[str, Any],
    other_writer: bool = False,
    is_logging: bool | None = None,
) -> dict[str, Any]:
    """A trail of us-east-1 that was compliant as read: nothing written, nothing gained."""
    return {
        "trailARN": trail_arn,
        "homeRegion": "us-east-1",
        "outcome": "compliant",
        "changed": False,
        "verified": True,
        "restored": False,
        "dryRun": False,
        "reason": f"{trail_arn}: already compliant; nothing written",
        "gained": [],
        "before": before,
        "after": None,
        "final": before,
        "writes": 0,
        "otherWriter": other_writer,
        "isLogging": is_logging,
        "complianceBefore": "COMPLIANT",
        "complianceAfter": "COMPLIANT",
    }


# --- happy paths ------------------------------------------------------------------------------


def test_basic_trail_is_converted_and_gains_sns(aws: None) -> None:
    trail_arn = make_trail("basic-trail", basic=BASIC_SELECTORS)
    recorder, sleeps = Recorder(), Sleeps()
    result = run_remediate(recorder, "basic-trail", sleep=sleeps)
    assert result.to_dict() == updated(
        trail_arn,
        before={"EventSelectors": BASIC_SELECTORS, "AdvancedEventSelectors": []},
        after=BASIC_CONVERTED_PLUS_SNS,
    )
    stored = read_back("basic-trail")
    assert stored == advanced_only(trail_arn, BASIC_CONVERTED_PLUS_SNS)
    assert evaluate(parse_response(stored), REQUIREMENT).compliance == COMPLIANT
    assert recorder.summary() == [
        ("us-east-1", "describe_trails"),
        ("us-east-1", "get_event_selectors"),
        ("us-east-1", "get_event_selectors"),
        ("us-east-1", "put_event_selectors"),
        ("us-east-1", "get_event_selectors"),
    ]
    # all visible trails are listed: names in trailNameList match only this region's trails
    assert recorder.calls[0].kwargs == {"includeShadowTrails": True}
    assert recorder.calls[3].kwargs == {
        "TrailName": trail_arn,
        "AdvancedEventSelectors": BASIC_CONVERTED_PLUS_SNS,
    }
    assert sleeps == []


def test_trail_found_by_arn(aws: None) -> None:
    trail_arn = make_trail("arn-trail", advanced=[MANAGEMENT])
    result = run_remediate(Recorder(), trail_arn)
    assert (result.changed, result.trail.name, result.trail.arn) == (True, "arn-trail", trail_arn)
    assert read_back("arn-trail")["AdvancedEventSelectors"] == [MANAGEMENT, SNS_ADDED]


def test_advanced_trail_with_narrowed_sns_selector_is_kept_verbatim(aws: None) -> None:
    trail_arn = make_trail("narrow-trail", advanced=[MANAGEMENT, SNS_PUBLISH_ONLY])
    recorder, sleeps = Recorder(), Sleeps()
    result = run_remediate(recorder, "narrow-trail", sleep=sleeps)
    expected_after = [MANAGEMENT, SNS_PUBLISH_ONLY, SNS_ADDED]
    assert result.to_dict() == updated(
        trail_arn,
        before={"EventSelectors": [], "AdvancedEventSelectors": [MANAGEMENT, SNS_PUBLISH_ONLY]},
        after=expected_after,
        gained=[{"resourceType": TOPIC, "eventNames": ["PublishBatch"]}],
    )
    assert read_back("narrow-trail") == advanced_only(trail_arn, expected_after)
    assert sleeps == []


# What CloudTrail accepted but trailguard does not know: a field (here invented) on the only SNS
# selector, which can only narrow it, and userIdentity.arn on a NetworkActivity selector.
SNS_FUTURE_FIELD = {
    "Name": "SNS with a field trailguard does not know",
    "FieldSelectors": [
        {"Field": "eventCategory", "Equals": ["Data"]},
        {"Field": "resources.type", "Equals": ["AWS::SNS::Topic"]},
        {"Field": "futureField", "Equals": ["x"]},
    ],
}
NETWORK_BY_CALLER = {
    "Name": "KMS network activity of one role",
    "FieldSelectors": [
        {"Field": "eventCategory", "Equals": ["NetworkActivity"]},
        {"Field": "eventSource", "Equals": ["kms.amazonaws.com"]},
        {"Field": "userIdentity.arn", "Equals": ["arn:aws:iam::123456789012:role/App"]},
        {"Field": "errorCode", "Equals": ["VpceAccessDenied"]},
    ],
}


def test_selectors_trailguard_does_not_know_are_kept_verbatim(aws: None) -> None:
    before = [MANAGEMENT, SNS_FUTURE_FIELD, NETWORK_BY_CALLER]
    trail_arn = make_trail("future-trail", advanced=before)
    result = run_remediate(Recorder(), "future-trail")
    expected_after = [*before, SNS_ADDED]
    assert result.to_dict() == updated(
        trail_arn,
        before={"EventSelectors": [], "AdvancedEventSelectors": before},
        after=expected_after,
    )
    assert read_back("future-trail") == advanced_only(trail_arn, expected_after)


def test_selectors_trailguard_does_not_know_on_a_covered_trail_are_left_alone(
    aws: None,
) -> None:
    before = [SNS_ALL_OWN, SNS_FUTURE_FIELD, NETWORK_BY_CALLER]
    trail_arn = make_trail("covered-future-trail", advanced=before)
    result = run_remediate(Recorder(), "covered-future-trail")
    assert result.to_dict() == already_compliant(
        trail_arn, {"EventSelectors": [], "AdvancedEventSelectors": before}
    )


def test_trail_without_selectors_gets_management_plus_sns(aws: None) -> None:
    trail_arn = make_trail("fresh-trail")
    result = run_remediate(Recorder(), "fresh-trail")
    assert result.to_dict() == updated(
        trail_arn,
        before={"EventSelectors": [], "AdvancedEventSelectors": []},
        after=[MANAGEMENT, SNS_ADDED],
    )
    assert read_back("fresh-trail")["AdvancedEventSelectors"] == [MANAGEMENT, SNS_ADDED]


def test_platform_endpoints_too(aws: None) -> None:
    trail_arn = make_trail("push-trail", advanced=[MANAGEMENT])
    requirement = build_requirement([TOPIC, ENDPOINT])
    result = run_remediate(Recorder(), "push-trail", requirement=requirement)
    assert result.to_dict() == updated(
        trail_arn,
        before={"EventSelectors": [], "AdvancedEventSelectors": [MANAGEMENT]},
        after=[MANAGEMENT, SNS_ADDED, ENDPOINT_ADDED],
        gained=[*BOTH_TOPIC_EVENTS, {"resourceType": ENDPOINT, "eventNames": ["Publish"]}],
    )
    stored = read_back("push-trail")
    assert stored["AdvancedEventSelectors"] == [MANAGEMENT, SNS_ADDED, ENDPOINT_ADDED]
    assert evaluate(parse_response(stored), requirement).compliance == COMPLIANT


def test_already_compliant_trail_is_not_written(aws: None) -> None:
    trail_arn = make_trail("good-trail", advanced=[MANAGEMENT, SNS_ALL_OWN])
    recorder, sleeps = Recorder(), Sleeps()
    result = run_remediate(recorder, "good-trail", sleep=sleeps)
    before = {"EventSelectors": [], "AdvancedEventSelectors": [MANAGEMENT, SNS_ALL_OWN]}
    assert result.to_dict() == already_compliant(trail_arn, before)
    assert recorder.count("put_event_selectors") == 0
    assert recorder.summary() == [
        ("us-east-1", "describe_trails"),
        ("us-east-1", "get_event_selectors"),
    ]
    assert read_back("good-trail") == {"TrailARN": trail_arn, **before}
    assert sleeps == []


def test_dry_run_returns_the_plan_and_writes_nothing(aws: None) -> None:
    trail_arn = make_trail("dry-trail", basic=BASIC_SELECTORS)
    recorder, sleeps = Recorder(), Sleeps()
    result = run_remediate(recorder, "dry-trail", dry_run=True, sleep=sleeps)
    assert result.to_dict() == planned(
        trail_arn,
        before={"EventSelectors": BASIC_SELECTORS, "AdvancedEventSelectors": []},
        after=BASIC_CONVERTED_PLUS_SNS,
    )
    assert recorder.count("put_event_selectors") == 0
    assert read_back("dry-trail") == {
        "TrailARN": trail_arn,
        "EventSelectors": BASIC_SELECTORS,
        "AdvancedEventSelectors": [],
    }
    assert sleeps == []


# --- regions and organizations ----------------------------------------------------------------


def test_multi_region_trail_is_changed_in_its_home_region(aws: None) -> None:
    trail_arn = make_trail("global-trail", advanced=[MANAGEMENT], IsMultiRegionTrail=True)
    recorder, sleeps = Recorder(), Sleeps()
    result = run_remediate(recorder, "global-trail", "eu-west-1", sleep=sleeps)
    assert result.to_dict() == updated(
        trail_arn,
        before={"EventSelectors": [], "AdvancedEventSelectors": [MANAGEMENT]},
        after=[MANAGEMENT, SNS_ADDED],
    )
    assert result.trail.is_multi_region is True
    assert recorder.summary() == [
        ("eu-west-1", "describe_trails"),
        ("us-east-1", "get_event_selectors"),
        ("us-east-1", "get_event_selectors"),
        ("us-east-1", "put_event_selectors"),
        ("us-east-1", "get_event_selectors"),
    ]
    assert all(c.kwargs.get("TrailName") in (None, trail_arn) for c in recorder.calls)
    assert read_back("global-trail")["AdvancedEventSelectors"] == [MANAGEMENT, SNS_ADDED]


def test_single_region_trail_of_another_region_is_not_found(aws: None) -> None:
    make_trail("local-trail", advanced=[MANAGEMENT])
    recorder = Recorder()
    with pytest.raises(RemediationError) as caught:
        run_remediate(recorder, "local-trail", "eu-west-1")
    assert caught.value.kind == "failed"
    assert str(caught.value) == "trail local-trail not found from region eu-west-1"
    assert recorder.summary() == [("eu-west-1", "describe_trails")]


def test_organization_trail_from_the_management_account_is_changed(aws: None) -> None:
    make_trail("org-trail", advanced=[MANAGEMENT], IsOrganizationTrail=True)
    result = run_remediate(Recorder(), "org-trail")
    assert (result.changed, result.trail.is_organization_trail) == (True, True)
    assert read_back("org-trail")["AdvancedEventSelectors"] == [MANAGEMENT, SNS_ADDED]


# --- other actors -----------------------------------------------------------------------------


def test_concurrent_change_between_read_and_put_is_replanned(aws: None) -> None:
    trail_arn = make_trail("busy-trail", advanced=[MANAGEMENT])
    recorder, sleeps = Recorder(), Sleeps()

    def other_actor_before_second_read(call: Call) -> None:
        if recorder.count("get_event_selectors") == 2:
            other_actor_put("busy-trail", [MANAGEMENT, DYNAMODB_OTHER_ACTOR])

    recorder.before["get_event_selectors"] = other_actor_before_second_read
    result = run_remediate(recorder, "busy-trail", sleep=sleeps)
    expected_after = [MANAGEMENT, DYNAMODB_OTHER_ACTOR, SNS_ADDED]
    assert result.to_dict() == {
        **updated(
            trail_arn,
            before={"EventSelectors": [], "AdvancedEventSelectors": [MANAGEMENT]},
            after=expected_after,
        ),
        "otherWriter": True,  # the plan was made again from their selectors
    }
    assert read_back("busy-trail") == advanced_only(trail_arn, expected_after)
    assert recorder.summary() == [
        ("us-east-1", "describe_trails"),
        ("us-east-1", "get_event_selectors"),
        ("us-east-1", "get_event_selectors"),  # the other actor put just before this one
        ("us-east-1", "get_event_selectors"),  # re-planned; unchanged since, so put
        ("us-east-1", "put_event_selectors"),
        ("us-east-1", "get_event_selectors"),
    ]
    assert sleeps == []


def test_concurrent_change_that_makes_the_trail_compliant_stops_without_a_put(aws: None) -> None:
    trail_arn = make_trail("fixed-elsewhere", advanced=[MANAGEMENT])
    recorder = Recorder()

    def other_actor_fixes_it(call: Call) -> None:
        if recorder.count("get_event_selectors") == 2:
            other_actor_put("fixed-elsewhere", [MANAGEMENT, SNS_ALL_OWN])

    recorder.before["get_event_selectors"] = other_actor_fixes_it
    result = run_remediate(recorder, "fixed-elsewhere")
    now = {"EventSelectors": [], "AdvancedEventSelectors": [MANAGEMENT, SNS_ALL_OWN]}
    assert result.to_dict() == {
        **already_compliant(trail_arn, now, other_writer=True),
        "reason": f"{trail_arn}: another writer changed the trail while planning; it meets the "
        "requirement now; nothing written",
        "before": {"EventSelectors": [], "AdvancedEventSelectors": [MANAGEMENT]},
        "gained": BOTH_TOPIC_EVENTS,
        "complianceBefore": "NON_COMPLIANT",
    }
    assert recorder.count("put_event_selectors") == 0


def test_selectors_that_keep_changing_fail_without_a_put(aws: None) -> None:
    trail_arn = make_trail("churning-trail", advanced=[MANAGEMENT])
    recorder = Recorder()
    extra = [
        {
            "Name": f"S3 churn {n}",
            "FieldSelectors": [
                {"Field": "eventCategory", "Equals": ["Data"]},
                {"Field": "resources.type", "Equals": ["AWS::S3::Object"]},
                {"Field": "resources.ARN", "StartsWith": [f"arn:aws:s3:::churn-{n}/"]},
            ],
        }
        for n in range(10)
    ]

    def churn(call: Call) -> None:
        n = recorder.count("get_event_selectors")
        if n >= 2:
            other_actor_put("churning-trail", [MANAGEMENT, extra[n]])

    recorder.before["get_event_selectors"] = churn
    result = run_remediate(recorder, "churning-trail")
    assert (result.outcome, result.changed, result.reason) == (
        "failed",
        False,
        f"{trail_arn}: the selectors kept changing while planning; nothing written; try again "
        "later",
    )
    assert recorder.count("put_event_selectors") == 0
    assert recorder.count("get_event_selectors") == 5  # first read + 4 re-reads (max_replans=3)


def test_other_writer_narrowing_after_our_put_is_not_undone_by_a_restore(aws: None) -> None:
    """Issue 11: the old code put back the selectors it first read over the other writer's
    change. Now their selectors are planned from (SNS added again) and nothing is put back;
    the S3 prefix they dropped is reported, not restored."""
    trail_arn = make_trail("racy-trail", advanced=[MANAGEMENT, S3_PREFIX])
    recorder, sleeps = Recorder(), Sleeps()

    def other_actor_narrows(call: Call) -> None:
        if recorder.count("put_event_selectors") == 1:  # right after our put only
            other_actor_put("racy-trail", [MANAGEMENT])

    recorder.after["put_event_selectors"] = other_actor_narrows
    result = run_remediate(recorder, "racy-trail", sleep=sleeps)
    assert (result.outcome, result.changed, result.verified, result.restored) == (
        "left", True, False, False,
    )  # fmt: skip
    assert result.reason == (
        f"{trail_arn}: selectors updated and verified; another writer changed the trail "
        "meanwhile and their selectors are kept; an event the trail logged before is no longer "
        "logged: {'eventCategory': 'Data', 'resources.ARN': "
        "'arn:aws:s3:::example-bucket/logs/~', 'resources.type': 'AWS::S3::Object'}"
    )
    assert read_back("racy-trail") == advanced_only(trail_arn, [MANAGEMENT, SNS_ADDED])
    assert [c.kwargs for c in recorder.calls if c.operation == "put_event_selectors"] == [
        {"TrailName": trail_arn, "AdvancedEventSelectors": [MANAGEMENT, S3_PREFIX, SNS_ADDED]},
        {"TrailName": trail_arn, "AdvancedEventSelectors": [MANAGEMENT, SNS_ADDED]},
    ]


def test_other_writer_dropping_sns_after_our_put_gets_sns_back_keeping_theirs(
    aws: None,
) -> None:
    trail_arn = make_trail("racy-sns-trail", advanced=[MANAGEMENT])
    recorder = Recorder()

    def other_actor_drops_sns(call: Call) -> None:
        if recorder.count("put_event_selectors") == 1:
            other_actor_put("racy-sns-trail", [MANAGEMENT, DYNAMODB_OTHER_ACTOR])

    recorder.after["put_event_selectors"] = other_actor_drops_sns
    result = run_remediate(recorder, "racy-sns-trail")
    assert (result.outcome, result.changed, result.verified, result.writes) == (
        "updated", True, True, 2,
    )  # fmt: skip
    assert read_back("racy-sns-trail") == advanced_only(
        trail_arn, [MANAGEMENT, DYNAMODB_OTHER_ACTOR, SNS_ADDED]
    )


def test_plan_over_the_value_limit_is_refused_and_nothing_written(aws: None) -> None:
    big = [MANY_S3_PREFIXES]
    trail_arn = make_trail("full-trail", advanced=big)
    recorder = Recorder()
    result = run_remediate(recorder, "full-trail")
    assert (result.outcome, result.changed) == ("refused", False)
    assert result.reason == (
        f"{trail_arn}: the trail's selectors use 499 condition values; adding 2 for "
        "AWS::SNS::Topic would exceed CloudTrail's limit of 500; free values (e.g. merge or "
        "drop narrow selectors) and retry"
    )
    assert recorder.count("put_event_selectors") == 0
    assert read_back("full-trail")["AdvancedEventSelectors"] == big


# --- API errors (botocore Stubber: real request shapes, scripted responses) ----------------------

STUB_ARN = "arn:aws:cloudtrail:us-east-1:123456789012:trail/stubbed-trail"
STUB_DESCRIBE = {
    "trailList": [
        {
            "Name": "stubbed-trail",
            "TrailARN": STUB_ARN,
            "HomeRegion": "us-east-1",
            "IsMultiRegionTrail": False,
            "IsOrganizationTrail": False,
        }
    ]
}
STUB_BEFORE = {"TrailARN": STUB_ARN, "AdvancedEventSelectors": [MANAGEMENT]}
STUB_AFTER = {"TrailARN": STUB_ARN, "AdvancedEventSelectors": [MANAGEMENT, SNS_ADDED]}
GET_PARAMS = {"TrailName": STUB_ARN}
PUT_PARAMS = {"TrailName": STUB_ARN, "AdvancedEventSelectors": [MANAGEMENT, SNS_ADDED]}


@pytest.fixture
def stubbed() -> Iterator[tuple[Any, Stubber]]:
    with mock_aws():  # a stub that was not scripted must not reach anything real
        client = boto3.client("cloudtrail", region_name="us-east-1")
        with Stubber(client) as stubber:
            stubber.add_response(
                "describe_trails",
                STUB_DESCRIBE,
                {"includeShadowTrails": True},
            )
            yield client, stubber


def stub_error(stubber: Stubber, operation: str, code: str, message: str) -> None:
    stubber.add_client_error(
        operation, service_error_code=code, service_message=message, http_status_code=400
    )


def run_stubbed(client: Any, sleeps: Sleeps) -> Any:
    return run_remediate(lambda region: client, "stubbed-trail", sleep=sleeps)


STUB_RESULT = updated(
    STUB_ARN,
    before={"AdvancedEventSelectors": [MANAGEMENT]},
    after=[MANAGEMENT, SNS_ADDED],
    final={"AdvancedEventSelectors": [MANAGEMENT, SNS_ADDED]},
)


def test_conflict_then_success(stubbed: tuple[Any, Stubber]) -> None:
    client, stubber = stubbed
    stubber.add_response("get_event_selectors", STUB_BEFORE, GET_PARAMS)
    stubber.add_response("get_event_selectors", STUB_BEFORE, GET_PARAMS)
    stub_error(stubber, "put_event_selectors", "ConflictException", "try again in a few minutes")
    stubber.add_response("put_event_selectors", STUB_AFTER, PUT_PARAMS)
    stubber.add_response("get_event_selectors", STUB_AFTER, GET_PARAMS)
    sleeps = Sleeps()
    assert run_stubbed(client, sleeps).to_dict() == STUB_RESULT
    stubber.assert_no_pending_responses()
    assert sleeps == [60.0]  # ConflictException: "try again in a few minutes"


def test_throttling_is_retried_with_exponential_backoff(stubbed: tuple[Any, Stubber]) -> None:
    client, stubber = stubbed
    stub_error(stubber, "get_event_selectors", "ThrottlingException", "Rate exceeded")
    stubber.add_response("get_event_selectors", STUB_BEFORE, GET_PARAMS)
    stubber.add_response("get_event_selectors", STUB_BEFORE, GET_PARAMS)
    for _ in range(3):
        stub_error(stubber, "put_event_selectors", "ThrottlingException", "Rate exceeded")
    stubber.add_response("put_event_selectors", STUB_AFTER, PUT_PARAMS)
    stubber.add_response("get_event_selectors", STUB_AFTER, GET_PARAMS)
    sleeps = Sleeps()
    assert run_stubbed(client, sleeps).to_dict() == STUB_RESULT
    stubber.assert_no_pending_responses()
    # the read's own backoff, then the put's: each call starts again at 1 s
    assert sleeps == [1.0, 1.0, 2.0, 4.0]


def test_throttling_gives_up_after_six_attempts(stubbed: tuple[Any, Stubber]) -> None:
    client, stubber = stubbed
    stubber.add_response("get_event_selectors", STUB_BEFORE, GET_PARAMS)
    stubber.add_response("get_event_selectors", STUB_BEFORE, GET_PARAMS)
    for _ in range(6):
        stub_error(stubber, "put_event_selectors", "ThrottlingException", "Rate exceeded")
    sleeps = Sleeps()
    result = run_stubbed(client, sleeps)
    stubber.assert_no_pending_responses()
    assert (result.outcome, result.changed, result.reason) == (
        "deferred",
        False,
        f"PutEventSelectors on {STUB_ARN} failed: ThrottlingException: Rate exceeded (6 "
        "attempts; stopped to stay within the deadline; a later run can retry); nothing written",
    )
    assert sleeps == [1.0, 2.0, 4.0, 8.0, 16.0]


def test_access_denied_is_not_retried(stubbed: tuple[Any, Stubber]) -> None:
    client, stubber = stubbed
    stubber.add_response("get_event_selectors", STUB_BEFORE, GET_PARAMS)
    stubber.add_response("get_event_selectors", STUB_BEFORE, GET_PARAMS)
    stub_error(
        stubber, "put_event_selectors", "AccessDeniedException",
        "User is not authorized to perform: cloudtrail:PutEventSelectors",
    )  # fmt: skip
    sleeps = Sleeps()
    result = run_stubbed(client, sleeps)
    stubber.assert_no_pending_responses()
    assert (result.outcome, result.changed, result.reason) == (
        "failed",
        False,
        f"PutEventSelectors on {STUB_ARN} failed: AccessDeniedException: "
        "User is not authorized to perform: cloudtrail:PutEventSelectors; nothing written",
    )
    assert sleeps == []


def test_access_denied_on_read_names_the_read(stubbed: tuple[Any, Stubber]) -> None:
    client, stubber = stubbed
    stub_error(stubber, "get_event_selectors", "AccessDeniedException", "not allowed")
    sleeps = Sleeps()
    result = run_stubbed(client, sleeps)
    stubber.assert_no_pending_responses()
    assert (result.outcome, result.reason) == (
        "failed",
        f"GetEventSelectors on {STUB_ARN} failed: AccessDeniedException: not allowed",
    )
    assert sleeps == []


def test_organization_trail_read_refused_by_aws_with_stubbed_calls() -> None:
    # As a member account really sees it: an organization trail whose ARN names the
    # management account, listed; its read refused by AWS (field reports). Nothing is refused
    # on the account id alone (a delegated administrator may change the trail): AWS's refusal
    # is the outcome, and nothing else is called.
    org_arn = "arn:aws:cloudtrail:us-east-1:999988887777:trail/org-trail"
    message = (
        f"AccountID in ARN is wrong, you can only access resources with AccountID {MEMBER_ACCOUNT}."
    )
    with mock_aws():
        client = boto3.client("cloudtrail", region_name="eu-west-1")
        with Stubber(client) as stubber:
            stubber.add_response(
                "describe_trails",
                {
                    "trailList": [
                        {
                            "Name": "org-trail",
                            "TrailARN": org_arn,
                            "HomeRegion": "us-east-1",
                            "IsMultiRegionTrail": True,
                            "IsOrganizationTrail": True,
                        }
                    ]
                },
                {"includeShadowTrails": True},
            )
            stubber.add_client_error(
                "get_event_selectors", service_error_code="CloudTrailARNInvalidException",
                service_message=message, http_status_code=400,
                expected_params={"TrailName": org_arn},
            )  # fmt: skip
            result = remediate(
                lambda region: client, org_arn, "eu-west-1", REQUIREMENT,
                account_id=MEMBER_ACCOUNT, sleep=Sleeps(),
            )  # fmt: skip
            stubber.assert_no_pending_responses()  # and nothing else was called
    assert (result.outcome, result.changed) == ("refused", False)
    assert result.reason == (
        f"GetEventSelectors on {org_arn} refused by AWS: CloudTrailARNInvalidException: "
        f"{message} (an organization trail of account 999988887777, called from account "
        f"{MEMBER_ACCOUNT}; only its management account or a CloudTrail delegated "
        "administrator may change it)"
    )


# --- the CLI ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CliResult:
    code: int
    out: str
    err: str


def cli(*argv: str) -> CliResult:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdin=io.StringIO(""), stdout=out, stderr=err)
    return CliResult(code, out.getvalue(), err.getvalue())


def logging(trail_arn: str) -> str:
    """Starts the trail (moto's trails are stopped until StartLogging): the CLI checks
    GetTrailStatus once the selectors are right."""
    region = trail_arn.split(":")[3]
    boto3.client("cloudtrail", region_name=region).start_logging(Name=trail_arn)
    return trail_arn


def test_cli_remediate_json(aws: None) -> None:
    trail_arn = logging(make_trail("cli-trail", basic=BASIC_SELECTORS))
    run = cli("remediate", "--trail", "cli-trail", "--region", "us-east-1", "--output", "json")
    assert (run.code, run.err) == (0, "")
    assert json.loads(run.out) == updated(
        trail_arn,
        before={"EventSelectors": BASIC_SELECTORS, "AdvancedEventSelectors": []},
        after=BASIC_CONVERTED_PLUS_SNS,
        is_logging=True,
    )
    assert read_back("cli-trail")["AdvancedEventSelectors"] == BASIC_CONVERTED_PLUS_SNS


def test_cli_remediate_dry_run_json(aws: None) -> None:
    trail_arn = logging(make_trail("cli-dry-trail", advanced=[MANAGEMENT, SNS_PUBLISH_ONLY]))
    run = cli(
        "remediate", "--trail", "cli-dry-trail", "--region", "us-east-1", "--dry-run",
        "--output", "json",
    )  # fmt: skip
    # exit 1: the trail is non-compliant (a dry run would change it), as check and scan say
    assert (run.code, run.err) == (
        1, f"trailguard: planned: {trail_arn}: dry run; nothing written\n"
    )  # fmt: skip
    assert json.loads(run.out) == planned(
        trail_arn,
        before={"EventSelectors": [], "AdvancedEventSelectors": [MANAGEMENT, SNS_PUBLISH_ONLY]},
        after=[MANAGEMENT, SNS_PUBLISH_ONLY, SNS_ADDED],
        gained=[{"resourceType": TOPIC, "eventNames": ["PublishBatch"]}],
        is_logging=True,
    )
    assert read_back("cli-dry-trail")["AdvancedEventSelectors"] == [MANAGEMENT, SNS_PUBLISH_ONLY]


def test_cli_remediate_multi_region_from_another_region(aws: None) -> None:
    trail_arn = logging(make_trail("cli-global", advanced=[MANAGEMENT], IsMultiRegionTrail=True))
    run = cli("remediate", "--trail", "cli-global", "--region", "eu-west-1", "--output", "json")
    assert (run.code, run.err) == (0, "")
    payload = json.loads(run.out)
    assert (payload["trailARN"], payload["homeRegion"]) == (trail_arn, "us-east-1")
    assert read_back("cli-global")["AdvancedEventSelectors"] == [MANAGEMENT, SNS_ADDED]


def test_cli_remediate_unknown_trail_fails(aws: None) -> None:
    run = cli("remediate", "--trail", "no-such-trail", "--region", "us-east-1")
    assert run == CliResult(
        4, "", "trailguard: failed: trail no-such-trail not found from region us-east-1\n"
    )


def test_cli_remediate_text(aws: None) -> None:
    trail_arn = logging(make_trail("cli-text-trail", advanced=[MANAGEMENT]))
    run = cli("remediate", "--trail", "cli-text-trail", "--region", "us-east-1")
    before = json.dumps({"EventSelectors": [], "AdvancedEventSelectors": [MANAGEMENT]}, indent=2)
    after = json.dumps({"AdvancedEventSelectors": [MANAGEMENT, SNS_ADDED]}, indent=2)
    expected = (
        [
            "updated (changed=true verified=true restored=false): "
            f"{trail_arn}: selectors updated and verified",
            f"  trail: {trail_arn} (home region us-east-1)",
            "  gains: Publish, PublishBatch on AWS::SNS::Topic",
            "  before:",
        ]
        + ["    " + line for line in before.splitlines()]
        + ["  put:"]
        + ["    " + line for line in after.splitlines()]
    )
    assert run == CliResult(0, "\n".join(expected) + "\n", "")


def test_cli_plan_basic_example() -> None:
    run = cli("plan", str(ROOT / "examples" / "basic-selectors.json"))
    assert (run.code, run.err) == (0, "")
    assert json.loads(run.out) == {
        "changed": True,
        "AdvancedEventSelectors": [
            MANAGEMENT,
            {
                # the example's S3 value "arn:aws:s3" is every object: no resources.ARN field
                "Name": "AWS::S3::Object data events",
                "FieldSelectors": [
                    {"Field": "eventCategory", "Equals": ["Data"]},
                    {"Field": "resources.type", "Equals": ["AWS::S3::Object"]},
                ],
            },
            LAMBDA_ALL_CONVERTED,
            SNS_ADDED,
        ],
    }


def test_cli_plan_compliant_is_no_change() -> None:
    run = cli("plan", str(ROOT / "examples" / "compliant-management-s3-sns.json"))
    assert run == CliResult(0, '{\n  "changed": false\n}\n', "")


def test_cli_plan_over_the_limit_is_refused(tmp_path: Path) -> None:
    selectors = {"AdvancedEventSelectors": [MANY_S3_PREFIXES]}
    path = tmp_path / "full.json"
    path.write_text(json.dumps(selectors), encoding="utf-8")
    run = cli("plan", str(path))
    assert run == CliResult(
        3,
        "",
        "trailguard: refused: the trail's selectors use 499 condition values; adding 2 for "
        "AWS::SNS::Topic would exceed CloudTrail's limit of 500; free values (e.g. merge or "
        "drop narrow selectors) and retry\n",
    )


LOAD_TEST = f"arn:aws:sns:us-east-1:{ACCOUNT}:load-test-"
SNS_BUT_LOAD_TESTS = {
    "Name": "trailguard: log all AWS::SNS::Topic data events except accepted exclusions",
    "FieldSelectors": [
        *SNS_ADDED["FieldSelectors"],
        {"Field": "resources.ARN", "NotStartsWith": [LOAD_TEST]},
    ],
}


@pytest.mark.parametrize(
    ("fill", "added"), [((), SNS_BUT_LOAD_TESTS), (("--fill-exclusions",), SNS_ADDED)]
)
def test_cli_remediate_accept_exclusions(
    aws: None, fill: tuple[str, ...], added: dict[str, Any]
) -> None:
    """Accepted exclusions stay unlogged by the added selector unless --fill-exclusions."""
    trail_arn = logging(make_trail("cli-excl-trail", advanced=[MANAGEMENT]))
    accepted = json.dumps([{"Field": "resources.ARN", "StartsWith": [LOAD_TEST]}])
    run = cli(
        "remediate", "--trail", "cli-excl-trail", "--region", "us-east-1", "--output", "json",
        "--accept-exclusions", accepted, *fill,
    )  # fmt: skip
    assert (run.code, run.err) == (0, "")
    before = {"EventSelectors": [], "AdvancedEventSelectors": [MANAGEMENT]}
    assert json.loads(run.out) == updated(trail_arn, before, [MANAGEMENT, added], is_logging=True)
    assert read_back("cli-excl-trail") == advanced_only(trail_arn, [MANAGEMENT, added])
    # the trail left as written is compliant only with the exclusions accepted, unless filled
    stored = parse_response(read_back("cli-excl-trail"))
    assert evaluate(stored, REQUIREMENT).compliant == bool(fill)


def test_cli_remediate_bad_accept_exclusions_writes_nothing(aws: None) -> None:
    make_trail("cli-excl-bad", advanced=[MANAGEMENT])
    run = cli(
        "remediate", "--trail", "cli-excl-bad", "--region", "us-east-1",
        "--accept-exclusions", '[{"Field": "resources.ARN", "Like": ["x"]}]',
    )  # fmt: skip
    assert (run.code, run.out) == (2, "")
    assert run.err.startswith("trailguard: error: --accept-exclusions[0]: unknown key 'Like'")
    assert read_back("cli-excl-bad")["AdvancedEventSelectors"] == [MANAGEMENT]
