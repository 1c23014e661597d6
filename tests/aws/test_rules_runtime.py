"""The Config rule runtime against real (moto) CloudTrail trails, with Config's side stubbed.

Every test compares the whole list of evaluations returned by ``run_rule``/``handle`` and the
whole ``PutEvaluations`` requests (recorded by a proxy; each request also checked against the
botocore model by the Stubber that answers it). Expected annotations come from the core
(``trailguard.core.evaluate``) on the same selectors, or are written out.

moto (5.2.x) facts relied on: account 123456789012; ``describe_trails`` lists shadow copies of
multi-region and organization trails; ``get_event_selectors``/``get_trail_status`` take the
ARN in the home region; a new trail is not logging until ``start_logging``; moto does not
enforce CloudTrail's 5 trails per region; ``get_compliance_details_by_config_rule`` is not
implemented (NotImplementedError), ``put_evaluations`` only with TestMode=True.
"""

from __future__ import annotations

import importlib.util
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws
from rule_events import (
    CAPTURE_DT,
    MANAGEMENT_ONLY,
    NOTIFICATION_DT,
    OTHER_ACCOUNT,
    SNS_ALL,
    SNS_PUBLISH_ONLY,
    World,
    access_denied_for,
    change_event,
    context,
    evaluation,
    make_bucket,
    make_trail,
    oversized_event,
    scheduled_event,
    selectors_of,
    trail_item,
    verdict,
)
from selector_data import (
    ACCOUNT,
    ACCOUNT_RULE,
    ACCOUNT_TYPE,
    ROOT,
    TRAIL_RULE,
    TRAIL_TYPE,
    fixture_paths,
    load_fixture,
    stopped_annotation,
    trail_arn,
)

import trailguard.aws.clients
from trailguard.aws.runtime import RuleError, handle, run_rule
from trailguard.cli import main
from trailguard.core.exclusions import parse_exclusions
from trailguard.core.parse import parse_response
from trailguard.core.requirement import build_requirement
from trailguard.core.verdict import evaluate

ADV_ALL = {"AdvancedEventSelectors": SNS_ALL}
ADV_PUBLISH = {"AdvancedEventSelectors": SNS_PUBLISH_ONLY}
ADV_MGMT = {"AdvancedEventSelectors": MANAGEMENT_ONLY}
V_ALL = verdict(ADV_ALL)
V_PUBLISH = verdict(ADV_PUBLISH)
V_MGMT = verdict(ADV_MGMT)
V_NONE = verdict({})  # a trail with nothing configured
NA = "NOT_APPLICABLE"


@pytest.fixture
def world() -> Iterator[World]:
    with mock_aws():
        make_bucket()
        w = World()
        yield w
        w.verify()


def put_request(evaluations: list[dict[str, Any]], token: str = "TESTMODE") -> dict[str, Any]:
    return {"Evaluations": evaluations, "ResultToken": token, "TestMode": token == "TESTMODE"}


def test_sanity_of_expected_verdicts() -> None:
    assert (V_ALL.compliance, V_PUBLISH.compliance) == ("COMPLIANT", "NON_COMPLIANT")
    assert (V_MGMT.compliance, V_NONE.compliance) == ("NON_COMPLIANT", "NON_COMPLIANT")


# --- change notifications ---------------------------------------------------------------------


# The core's verdict on every fixture is checked in tests/core; through the Lambda runtime the
# fast lane takes every fourth fixture, and the whole suite takes them all.
@pytest.mark.parametrize(
    "path",
    [
        path if i % 4 == 0 else pytest.param(path, marks=pytest.mark.slow)
        for i, path in enumerate(fixture_paths())
    ],
)
def test_change_notification_gives_the_cores_verdict(world: World, path: str) -> None:
    shape = load_fixture(path)
    selectors = selectors_of(shape)
    name = "trail-" + Path(path).stem[:100]
    make_trail(name, selectors=selectors)
    world.expect_puts(1)
    # a fixture's accepted exclusions are given as the rule parameter AcceptedExclusions
    accepted = shape.get("trailguardAcceptedExclusions")
    params = {"AcceptedExclusions": json.dumps(accepted)} if accepted is not None else None
    evaluations, errors = run_rule(
        TRAIL_RULE, change_event(trail_item(name), parameters=params), context(), world.make_session
    )
    requirement = build_requirement(
        ("AWS::SNS::Topic",), None, "aws", parse_exclusions(accepted or [], "accepted")
    )
    expected_verdict = evaluate(parse_response(selectors), requirement)
    assert expected_verdict.compliance == (
        "COMPLIANT" if path.startswith("compliant/") else "NON_COMPLIANT"
    )
    expected = [
        evaluation(name, expected_verdict.compliance, expected_verdict.annotation, CAPTURE_DT)
    ]
    assert evaluations == expected
    assert errors == []
    assert world.puts() == [put_request(expected)]
    # read in the home region, by ARN
    reads = [(r, op, p) for r, op, p in world.ops("cloudtrail") if op.startswith("get_")]
    arn = trail_arn(name)
    assert reads == [
        ("us-east-1", "get_event_selectors", {"TrailName": arn}),
        ("us-east-1", "get_trail_status", {"Name": arn}),
    ]


# As the Config developer guide's Python example reads an oversized notification's item.
HISTORY_REQUEST = {
    "resourceType": TRAIL_TYPE,
    "resourceId": "big-trail",
    "laterTime": CAPTURE_DT,
    "limit": 1,
}


def test_oversized_notification_reads_the_item_from_the_history(world: World) -> None:
    make_trail("big-trail", selectors=ADV_PUBLISH)
    # recorded before the notification's capture time (the history is read up to it)
    history_time = datetime(2024, 5, 1, 9, 0, 0, tzinfo=UTC)
    item = trail_item("big-trail")
    configuration = item["configuration"]
    world.config().add_response(
        "get_resource_config_history",
        {
            "configurationItems": [
                {
                    "version": "1.3",
                    "accountId": ACCOUNT,
                    "configurationItemCaptureTime": history_time,
                    "configurationItemStatus": "OK",
                    "configurationStateId": "1714561200000",
                    "configurationItemMD5Hash": "",
                    "arn": trail_arn("big-trail"),
                    "resourceType": TRAIL_TYPE,
                    "resourceId": "big-trail",
                    "resourceName": "big-trail",
                    "awsRegion": "us-east-1",
                    "availabilityZone": "Not Applicable",
                    "resourceCreationTime": datetime(2024, 1, 1, tzinfo=UTC),
                    "tags": {},
                    "relatedEvents": [],
                    "relationships": [],
                    "configuration": json.dumps(configuration),
                    "supplementaryConfiguration": {},
                }
            ]
        },
        HISTORY_REQUEST,
    )
    world.expect_puts(1)
    evaluations, errors = run_rule(
        TRAIL_RULE, oversized_event("big-trail"), context(), world.make_session
    )
    expected = [evaluation("big-trail", "NON_COMPLIANT", V_PUBLISH.annotation, history_time)]
    assert (evaluations, errors) == (expected, [])
    assert world.puts() == [put_request(expected)]


def test_oversized_notification_tags_from_the_history_exempt(world: World) -> None:
    make_trail("big-trail", selectors=ADV_PUBLISH)
    item = trail_item("big-trail")
    world.config().add_response(
        "get_resource_config_history",
        {
            "configurationItems": [
                {
                    "version": "1.3",
                    "accountId": ACCOUNT,
                    "configurationItemCaptureTime": CAPTURE_DT,
                    "configurationItemStatus": "OK",
                    "arn": trail_arn("big-trail"),
                    "resourceType": TRAIL_TYPE,
                    "resourceId": "big-trail",
                    "awsRegion": "us-east-1",
                    "tags": {"trailguard:exempt": "true"},
                    "configuration": json.dumps(item["configuration"]),
                }
            ]
        },
        HISTORY_REQUEST,
    )
    world.expect_puts(1)
    evaluations, errors = run_rule(
        TRAIL_RULE, oversized_event("big-trail"), context(), world.make_session
    )
    expected = [
        evaluation(
            "big-trail", NA, "Exempted by the tag trailguard:exempt=true on the trail", CAPTURE_DT
        )
    ]
    assert (evaluations, errors) == (expected, [])


@pytest.mark.parametrize(
    ("status", "left_scope", "annotation"),
    [
        ("ResourceDeleted", False, "The trail has been deleted"),
        ("ResourceDeletedNotRecorded", False, "The trail has been deleted"),
        ("ResourceNotRecorded", False, "The trail is no longer recorded by AWS Config"),
        ("OK", True, "The trail is no longer in the scope of this rule"),
    ],
)
def test_deleted_or_out_of_scope_is_not_applicable(
    world: World, status: str, left_scope: bool, annotation: str
) -> None:
    world.expect_puts(1)
    event = change_event(trail_item("old-trail", status=status), left_scope=left_scope)
    evaluations, errors = run_rule(TRAIL_RULE, event, context(), world.make_session)
    expected = [evaluation("old-trail", NA, annotation, CAPTURE_DT)]
    assert (evaluations, errors) == (expected, [])
    assert world.puts() == [put_request(expected)]
    assert world.ops("cloudtrail") == []


def test_change_about_a_trail_homed_elsewhere_is_not_applicable(world: World) -> None:
    make_trail("west-multi", "eu-west-1", multi_region=True, selectors=ADV_PUBLISH)
    world.expect_puts(1)
    item = trail_item("west-multi", "us-east-1", home_region="eu-west-1", multi_region=True)
    evaluations, errors = run_rule(TRAIL_RULE, change_event(item), context(), world.make_session)
    expected = [
        evaluation("west-multi", NA, "Evaluated in the trail's home region eu-west-1", CAPTURE_DT)
    ]
    assert (evaluations, errors) == (expected, [])
    assert world.puts() == [put_request(expected)]
    assert world.ops("cloudtrail") == []


def test_change_about_another_accounts_organization_trail_is_not_applicable(world: World) -> None:
    world.expect_puts(1)
    item = trail_item("org-trail", account=OTHER_ACCOUNT, multi_region=True, organization=True)
    evaluations = handle(TRAIL_RULE, change_event(item), context(), world.make_session)
    expected = [
        evaluation(
            "org-trail", NA,
            f"Organization trail of account {OTHER_ACCOUNT}: evaluated in that account", CAPTURE_DT,
        )
    ]  # fmt: skip
    assert evaluations == expected
    assert world.puts() == [put_request(expected)]


def test_change_exempt_by_configuration_item_tag(world: World) -> None:
    make_trail("tagged-trail", selectors=ADV_PUBLISH, tags={"trailguard:exempt": "true"})
    world.expect_puts(1)
    item = trail_item("tagged-trail", tags={"trailguard:exempt": "True"})
    evaluations, _ = run_rule(TRAIL_RULE, change_event(item), context(), world.make_session)
    assert evaluations == [
        evaluation(
            "tagged-trail",
            NA,
            "Exempted by the tag trailguard:exempt=true on the trail",
            CAPTURE_DT,
        )
    ]


def test_change_about_an_unreadable_trail_puts_nothing_and_fails(world: World) -> None:
    arn = make_trail("locked-trail", selectors=ADV_ALL)
    world.cloudtrail_overrides["get_event_selectors"] = access_denied_for(arn)
    with pytest.raises(RuleError) as caught:
        handle(TRAIL_RULE, change_event(trail_item("locked-trail")), context(), world.make_session)
    assert str(caught.value) == (
        f"{TRAIL_RULE}: not evaluated, never reported COMPLIANT: {arn}: GetEventSelectors "
        "failed: AccessDeniedException: User is not authorized to perform get_event_selectors"
    )
    assert world.puts() == []


# --- logging status ---------------------------------------------------------------------------


def test_stopped_trail_is_non_compliant(world: World) -> None:
    make_trail("stopped-trail", selectors=ADV_ALL)
    boto3.client("cloudtrail", region_name="us-east-1").stop_logging(Name="stopped-trail")
    world.expect_puts(1)
    evaluations, errors = run_rule(
        TRAIL_RULE, change_event(trail_item("stopped-trail")), context(), world.make_session
    )
    expected = [
        evaluation(
            "stopped-trail", "NON_COMPLIANT", stopped_annotation(V_ALL.annotation), CAPTURE_DT
        )
    ]
    assert expected[0]["Annotation"].startswith("The trail is not logging")
    assert (evaluations, errors) == (expected, [])
    assert world.puts() == [put_request(expected)]


def test_stopped_trail_with_narrow_selectors_annotation_is_cut_to_256(world: World) -> None:
    make_trail("stopped-narrow", selectors=ADV_PUBLISH, logging=False)
    world.expect_puts(1)
    evaluations, _ = run_rule(
        TRAIL_RULE, change_event(trail_item("stopped-narrow")), context(), world.make_session
    )
    annotation = stopped_annotation(V_PUBLISH.annotation)
    assert evaluations == [evaluation("stopped-narrow", "NON_COMPLIANT", annotation, CAPTURE_DT)]
    assert len(evaluations[0]["Annotation"]) <= 256


@pytest.mark.parametrize(
    ("selectors", "expected"), [(ADV_ALL, V_ALL), (ADV_PUBLISH, V_PUBLISH), ({}, V_NONE)]
)
def test_require_logging_false_judges_selectors_only(
    world: World, selectors: dict[str, Any], expected: Any
) -> None:
    make_trail("stopped-trail", selectors=selectors, logging=False)
    world.expect_puts(1)
    event = change_event(trail_item("stopped-trail"), parameters={"RequireLogging": "false"})
    evaluations, errors = run_rule(TRAIL_RULE, event, context(), world.make_session)
    assert (evaluations, errors) == (
        [evaluation("stopped-trail", expected.compliance, expected.annotation, CAPTURE_DT)],
        [],
    )


# --- scheduled runs ---------------------------------------------------------------------------


def _regional_trails() -> None:
    make_trail("east-single", "us-east-1", selectors=ADV_ALL)
    make_trail("east-multi", "us-east-1", multi_region=True, selectors=ADV_PUBLISH)
    make_trail("east-stopped", "us-east-1", selectors=ADV_ALL, logging=False)
    make_trail("west-single", "eu-west-1", selectors=ADV_MGMT)
    make_trail("west-multi", "eu-west-1", multi_region=True, selectors=ADV_ALL)
    make_trail("tokyo-single", "ap-northeast-1", selectors=ADV_ALL)


def test_scheduled_evaluates_each_home_trail_once_and_retires_gone_ones(world: World) -> None:
    _regional_trails()
    world.expect_puts(1)
    world.expect_previous([["east-single", "gone-trail"], ["another-gone", "east-multi"]])
    world.expect_puts(1)
    evaluations, errors = run_rule(TRAIL_RULE, scheduled_event(), context(), world.make_session)
    expected = [
        evaluation("east-single", "COMPLIANT", V_ALL.annotation, NOTIFICATION_DT),
        evaluation("east-multi", "NON_COMPLIANT", V_PUBLISH.annotation, NOTIFICATION_DT),
        evaluation(
            "east-stopped", "NON_COMPLIANT", stopped_annotation(V_ALL.annotation), NOTIFICATION_DT
        ),
        evaluation("gone-trail", NA, "The trail no longer exists", NOTIFICATION_DT),
        evaluation("another-gone", NA, "The trail no longer exists", NOTIFICATION_DT),
    ]  # fmt: skip
    assert (evaluations, errors) == (expected, [])
    # the evaluations first, then (best effort) the retired results
    assert world.puts() == [put_request(expected[:3]), put_request(expected[3:])]
    read = sorted(
        {
            p.get("TrailName") or p.get("Name")
            for r, op, p in world.ops("cloudtrail")
            if op.startswith("get_")
        }
    )
    assert read == sorted(trail_arn(n) for n in ("east-single", "east-multi", "east-stopped"))


def test_scheduled_in_another_region_sees_only_its_home_trails(world: World) -> None:
    _regional_trails()
    world.region = "eu-west-1"
    world.expect_puts(1)
    world.expect_previous([[]])
    evaluations, errors = run_rule(
        TRAIL_RULE, scheduled_event(), context(region="eu-west-1"), world.make_session
    )
    expected = [
        evaluation("west-single", "NON_COMPLIANT", V_MGMT.annotation, NOTIFICATION_DT),
        evaluation("west-multi", "COMPLIANT", V_ALL.annotation, NOTIFICATION_DT),
    ]
    assert (evaluations, errors) == (expected, [])
    assert world.puts() == [put_request(expected)]
    assert {r for r, _, _ in world.ops("cloudtrail")} == {"eu-west-1"}


def test_scheduled_skips_another_accounts_organization_trail(world: World) -> None:
    make_trail("own-trail", selectors=ADV_ALL)
    foreign = {
        "Name": "org-trail",
        "S3BucketName": "org-bucket",
        "IncludeGlobalServiceEvents": True,
        "IsMultiRegionTrail": True,
        "HomeRegion": "us-east-1",
        "TrailARN": trail_arn("org-trail", account=OTHER_ACCOUNT),
        "LogFileValidationEnabled": False,
        "HasCustomEventSelectors": True,
        "HasInsightSelectors": False,
        "IsOrganizationTrail": True,
    }

    def describe(region: str, params: dict[str, Any]) -> Any:
        real = boto3.client("cloudtrail", region_name=region).describe_trails(**params)
        return {"trailList": [*real["trailList"], foreign]}

    world.cloudtrail_overrides["describe_trails"] = describe
    world.expect_puts(1)
    world.expect_previous([[]])
    evaluations, errors = run_rule(TRAIL_RULE, scheduled_event(), context(), world.make_session)
    assert (evaluations, errors) == (
        [evaluation("own-trail", "COMPLIANT", V_ALL.annotation, NOTIFICATION_DT)],
        [],
    )
    assert all(
        foreign["TrailARN"] not in json.dumps(p)
        for _, op, p in world.ops("cloudtrail")
        if op != "describe_trails"
    )


def test_scheduled_with_a_failing_compliance_query_still_evaluates(world: World) -> None:
    make_trail("own-trail", selectors=ADV_ALL)
    world.expect_puts(1)
    world.config().add_client_error(
        "get_compliance_details_by_config_rule",
        service_error_code="NoSuchConfigRuleException",
        service_message="The ConfigRule 'x' provided in the request is invalid.",
    )
    evaluations, errors = run_rule(TRAIL_RULE, scheduled_event(), context(), world.make_session)
    assert (evaluations, errors) == (
        [evaluation("own-trail", "COMPLIANT", V_ALL.annotation, NOTIFICATION_DT)],
        [],
    )


# --- exemptions -------------------------------------------------------------------------------


@pytest.mark.parametrize("by", ["name", "arn"])
def test_exempt_trails_parameter(world: World, by: str) -> None:
    arn = make_trail("exempt-trail", selectors=ADV_PUBLISH)
    make_trail("judged-trail", selectors=ADV_PUBLISH)
    value = "exempt-trail" if by == "name" else arn
    world.expect_puts(1)
    world.expect_previous([[]])
    event = scheduled_event(parameters={"ExemptTrails": f"some-other,{value}"})
    evaluations, errors = run_rule(TRAIL_RULE, event, context(), world.make_session)
    expected = [
        evaluation(
            "exempt-trail", NA, "Exempted by the rule parameter ExemptTrails", NOTIFICATION_DT
        ),
        evaluation("judged-trail", "NON_COMPLIANT", V_PUBLISH.annotation, NOTIFICATION_DT),
    ]
    assert (evaluations, errors) == (expected, [])
    assert world.puts() == [put_request(expected)]


@pytest.mark.parametrize(
    ("key", "tags", "exempt"),
    [
        ("trailguard:exempt", {"trailguard:exempt": "true"}, True),
        ("trailguard:exempt", {"trailguard:exempt": "TRUE"}, True),
        ("trailguard:exempt", {"trailguard:exempt": "false"}, False),
        ("trailguard:exempt", {"other": "true"}, False),
        ("Security:Exempt", {"Security:Exempt": "true"}, True),
        ("-", {"trailguard:exempt": "true"}, False),
    ],
)
def test_exemption_tag(world: World, key: str, tags: dict[str, str], exempt: bool) -> None:
    make_trail("tagged-trail", selectors=ADV_PUBLISH, tags=tags)
    world.expect_puts(1)
    world.expect_previous([[]])
    event = scheduled_event(parameters={"ExemptionTagKey": key})
    evaluations, errors = run_rule(TRAIL_RULE, event, context(), world.make_session)
    if exempt:
        expected = evaluation(
            "tagged-trail", NA, f"Exempted by the tag {key}=true on the trail", NOTIFICATION_DT
        )
    else:
        expected = evaluation(
            "tagged-trail", "NON_COMPLIANT", V_PUBLISH.annotation, NOTIFICATION_DT
        )
    assert (evaluations, errors) == ([expected], [])
    list_tags = [p for _, op, p in world.ops("cloudtrail") if op == "list_tags"]
    assert list_tags == ([] if key == "-" else [{"ResourceIdList": [trail_arn("tagged-trail")]}])


# --- batches and test mode --------------------------------------------------------------------


@pytest.mark.slow
def test_more_than_100_trails_are_put_in_batches_of_100(world: World) -> None:
    # moto does not enforce CloudTrail's 5 trails per region, so one region holds them all;
    # trails elsewhere (shadow copies included) must not add evaluations.
    names = [f"trail-{i:03d}" for i in range(123)]
    for i, name in enumerate(names):
        make_trail(name, selectors=ADV_ALL if i % 2 else ADV_PUBLISH)
    make_trail("west-multi", "eu-west-1", multi_region=True, selectors=ADV_ALL)
    world.expect_puts(2)
    world.expect_previous([[]])
    evaluations, errors = run_rule(
        TRAIL_RULE, scheduled_event(token="token-123"), context(), world.make_session
    )
    expected = [
        evaluation(name, "COMPLIANT", V_ALL.annotation, NOTIFICATION_DT)
        if i % 2
        else evaluation(name, "NON_COMPLIANT", V_PUBLISH.annotation, NOTIFICATION_DT)
        for i, name in enumerate(names)
    ]  # fmt: skip
    assert (evaluations, errors) == (expected, [])
    assert world.puts() == [
        put_request(expected[:100], "token-123"),
        put_request(expected[100:], "token-123"),
    ]
    assert [len(p["Evaluations"]) for p in world.puts()] == [100, 23]
    # ListTags takes at most 20 ARNs
    list_tags = [p["ResourceIdList"] for _, op, p in world.ops("cloudtrail") if op == "list_tags"]
    assert [len(ids) for ids in list_tags] == [20] * 6 + [3]
    assert [a for ids in list_tags for a in ids] == [trail_arn(n) for n in names]


def test_batches_with_five_trails_and_many_retired_results(world: World) -> None:
    """Within CloudTrail's real limit of 5 trails a region: 5 evaluations put, then the 118
    retired results in batches of their own (100 + 18)."""
    names = [f"live-{i}" for i in range(5)]
    for name in names:
        make_trail(name, selectors=ADV_ALL)
    gone = [f"gone-{i:03d}" for i in range(118)]
    world.expect_puts(1)
    world.expect_previous([gone[:100], gone[100:] + names])
    world.expect_puts(2)
    evaluations, errors = run_rule(TRAIL_RULE, scheduled_event(), context(), world.make_session)
    expected = [evaluation(n, "COMPLIANT", V_ALL.annotation, NOTIFICATION_DT) for n in names] + [
        evaluation(g, NA, "The trail no longer exists", NOTIFICATION_DT) for g in gone
    ]
    assert (evaluations, errors) == (expected, [])
    assert world.puts() == [
        put_request(expected[:5]),
        put_request(expected[5:105]),
        put_request(expected[105:]),
    ]


def test_exactly_100_evaluations_are_one_batch(world: World) -> None:
    world.expect_previous([[f"gone-{i:03d}" for i in range(100)]])
    world.expect_puts(1)
    evaluations, _ = run_rule(TRAIL_RULE, scheduled_event(), context(), world.make_session)
    assert len(evaluations) == 100
    assert world.puts() == [put_request(evaluations)]


@pytest.mark.parametrize(
    ("token", "test_mode"),
    [("TESTMODE", True), ("a-real-result-token", False), ("testmode", False)],
)
def test_result_token_sets_test_mode(world: World, token: str, test_mode: bool) -> None:
    make_trail("home-trail", selectors=ADV_ALL)
    world.expect_puts(1)
    evaluations, _ = run_rule(
        TRAIL_RULE,
        change_event(trail_item("home-trail"), token=token),
        context(),
        world.make_session,
    )
    assert world.puts() == [
        {"Evaluations": evaluations, "ResultToken": token, "TestMode": test_mode}
    ]


def test_put_false_puts_nothing(world: World) -> None:
    make_trail("home-trail", selectors=ADV_ALL)
    evaluations, _ = run_rule(
        TRAIL_RULE, change_event(trail_item("home-trail")), context(), world.make_session, put=False
    )
    assert evaluations == [evaluation("home-trail", "COMPLIANT", V_ALL.annotation, CAPTURE_DT)]
    assert world.puts() == []


# --- parameters -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "raw", "names"),
    [
        (TRAIL_RULE, json.dumps({"Unknown": "x"}), "'Unknown'"),
        (TRAIL_RULE, json.dumps({"RequireLogging": "yes"}), "RequireLogging"),
        (TRAIL_RULE, json.dumps({"RequireLogging": True}), "RequireLogging"),
        (TRAIL_RULE, json.dumps({"ResourceTypes": "AWS::S3::Object"}), "ResourceTypes"),
        (TRAIL_RULE, json.dumps({"ExemptTrails": "ab"}), "ExemptTrails"),
        (TRAIL_RULE, json.dumps({"ExemptTrails": ",".join(["a" * 100] * 8)}), "ExemptTrails"),
        (TRAIL_RULE, json.dumps({"ExemptionTagKey": " leading-space"}), "ExemptionTagKey"),
        (TRAIL_RULE, json.dumps({"ExemptTrails": "x" * 1100}), "1024"),
        (TRAIL_RULE, "{not json", "not valid JSON"),
        (ACCOUNT_RULE, json.dumps({"ExemptTrails": "-"}), "'ExemptTrails'"),
        (ACCOUNT_RULE, json.dumps({"ResourceTypes": "AWS::SNS::PhoneNumber"}), "ResourceTypes"),
        (TRAIL_RULE, json.dumps({"AcceptedExclusions": "{}"}), "parameter AcceptedExclusions:"),
        (
            TRAIL_RULE,
            json.dumps({"AcceptedExclusions": "[not json]"}),
            "parameter AcceptedExclusions: not valid JSON",
        ),
        (
            ACCOUNT_RULE,
            json.dumps({"AcceptedExclusions": '[{"Field": "resources.ARN"}]'}),
            "parameter AcceptedExclusions[0] (resources.ARN): field selector has no operator",
        ),
        (
            TRAIL_RULE,
            json.dumps({"AcceptedExclusions": '[{"Field": "errorCode", "Equals": ["x"]}]'}),
            "parameter AcceptedExclusions[0]: field 'errorCode' is not a field of a Data",
        ),
        (
            TRAIL_RULE,
            json.dumps({"AcceptedExclusions": '[{"Field": "eventName", "Like": ["x"]}]'}),
            "parameter AcceptedExclusions[0]: unknown key 'Like'",
        ),
    ],
)
def test_invalid_parameters_fail_naming_the_parameter(
    world: World, rule: str, raw: str, names: str
) -> None:
    event = scheduled_event(rule, parameters=raw)
    with pytest.raises(RuleError, match="invalid rule parameters") as caught:
        run_rule(rule, event, context(), world.make_session)
    assert names in str(caught.value)
    with pytest.raises(RuleError):
        handle(rule, event, context(), world.make_session)
    assert world.calls == []


@pytest.mark.parametrize("raw", ["[]", '"RequireLogging"', "5", "true"])
def test_parameters_that_are_json_but_not_an_object_fail_as_rule_errors(
    world: World, raw: str
) -> None:
    """BUG (src/trailguard/rules/metadata.py ``parameters``): ``dict(raw or {})`` runs before
    the object check, so "[]" passes as no parameters and '"x"' / "5" escape as a bare
    ValueError/TypeError instead of a RuleError naming the parameters."""
    with pytest.raises(RuleError, match="JSON object"):
        run_rule(
            TRAIL_RULE, scheduled_event(parameters=raw), context(), world.make_session, put=False
        )


def test_valid_parameters_are_accepted(world: World) -> None:
    make_trail("home-trail", selectors=ADV_ALL)
    world.expect_puts(1)
    params = {
        "ResourceTypes": "AWS::SNS::Topic,AWS::SNS::PlatformEndpoint",
        "ExemptTrails": "-",
        "ExemptionTagKey": "-",
        "RequireLogging": "true",
    }
    evaluations, _ = run_rule(
        TRAIL_RULE,
        change_event(trail_item("home-trail"), parameters=params),
        context(),
        world.make_session,
    )
    both = verdict(ADV_ALL, ("AWS::SNS::Topic", "AWS::SNS::PlatformEndpoint"))
    assert both.compliance == "NON_COMPLIANT"
    assert evaluations == [evaluation("home-trail", "NON_COMPLIANT", both.annotation, CAPTURE_DT)]


# --- accepted exclusions ----------------------------------------------------------------------

LOAD_TEST = f"arn:aws:sns:us-east-1:{ACCOUNT}:load-test-"
ACCEPTED = [{"Field": "resources.ARN", "StartsWith": [LOAD_TEST]}]
ADV_BUT_LOAD_TESTS = {
    "AdvancedEventSelectors": [
        {
            "Name": "SNS except load tests",
            "FieldSelectors": [
                {"Field": "eventCategory", "Equals": ["Data"]},
                {"Field": "resources.type", "Equals": ["AWS::SNS::Topic"]},
                {"Field": "resources.ARN", "NotStartsWith": [LOAD_TEST]},
            ],
        }
    ]
}


def _excused_annotation() -> str:
    requirement = build_requirement(
        ("AWS::SNS::Topic",), None, "aws", parse_exclusions(ACCEPTED, "accepted")
    )
    annotation = evaluate(parse_response(ADV_BUT_LOAD_TESTS), requirement).annotation
    assert annotation.startswith("Compliant except accepted exclusions: ")
    return annotation


def test_accepted_exclusions_make_a_narrowed_trail_compliant(world: World) -> None:
    make_trail("narrowed", selectors=ADV_BUT_LOAD_TESTS)
    world.expect_puts(2)
    item = trail_item("narrowed")
    without = run_rule(TRAIL_RULE, change_event(item), context(), world.make_session)
    narrowed = verdict(ADV_BUT_LOAD_TESTS)
    assert narrowed.compliance == "NON_COMPLIANT"
    assert without == (
        [evaluation("narrowed", "NON_COMPLIANT", narrowed.annotation, CAPTURE_DT)],
        [],
    )
    params = {"AcceptedExclusions": json.dumps(ACCEPTED)}
    found = run_rule(
        TRAIL_RULE, change_event(item, parameters=params), context(), world.make_session
    )
    expected = [evaluation("narrowed", "COMPLIANT", _excused_annotation(), CAPTURE_DT)]
    assert found == (expected, [])
    assert world.puts()[-1] == put_request(expected)


def test_accepted_exclusions_in_the_account_rule(world: World) -> None:
    make_trail("narrowed", multi_region=True, selectors=ADV_BUT_LOAD_TESTS)
    world.expect_puts(1)
    params = {"AcceptedExclusions": json.dumps(ACCEPTED)}
    event = scheduled_event(ACCOUNT_RULE, parameters=params)
    evaluations, errors = run_rule(ACCOUNT_RULE, event, context(), world.make_session)
    annotation = f"Trail narrowed (us-east-1) logs it: {_excused_annotation()}"
    assert len(annotation) <= 256  # not cut
    expected = [evaluation(ACCOUNT, "COMPLIANT", annotation, NOTIFICATION_DT, ACCOUNT_TYPE)]
    assert (evaluations, errors) == (expected, [])


def test_accepted_exclusions_bad_value_is_one_clear_rule_error(world: World) -> None:
    params = {"AcceptedExclusions": '[{"Field": "resources.ARN", "Equals": "arn:aws:sns:x"}]'}
    with pytest.raises(RuleError) as caught:
        run_rule(TRAIL_RULE, scheduled_event(parameters=params), context(), world.make_session)
    assert str(caught.value) == (
        "invalid rule parameters: parameter AcceptedExclusions[0] (resources.ARN).Equals: "
        "expected a list, got a string"
    )
    assert world.calls == []


def test_accepted_exclusions_over_the_input_parameters_limit(world: World) -> None:
    prefixes = [f"{LOAD_TEST}{i:02d}-" for i in range(20)]
    value = json.dumps([{"Field": "resources.ARN", "StartsWith": prefixes}])
    raw = json.dumps({"AcceptedExclusions": value})
    assert len(raw) > 1024
    with pytest.raises(RuleError) as caught:
        run_rule(TRAIL_RULE, scheduled_event(parameters=raw), context(), world.make_session)
    size = len(json.dumps(value))
    assert str(caught.value) == (
        f"invalid rule parameters: rule parameters are {len(raw)} characters as JSON "
        f"(AcceptedExclusions takes {size}); AWS Config allows 1024 for a rule's InputParameters"
    )
    assert world.calls == []


# --- unreadable trails ------------------------------------------------------------------------


def test_unreadable_trail_others_are_put_then_the_run_fails(world: World) -> None:
    make_trail("good-trail", selectors=ADV_ALL)
    locked = make_trail("locked-trail", selectors=ADV_ALL)
    make_trail("bad-trail", selectors=ADV_PUBLISH)
    world.cloudtrail_overrides["get_event_selectors"] = access_denied_for(locked)
    world.expect_puts(1)
    world.expect_previous([["good-trail"]])
    with pytest.raises(RuleError) as caught:
        handle(TRAIL_RULE, scheduled_event(), context(), world.make_session)
    error = (
        f"{locked}: GetEventSelectors failed: AccessDeniedException: "
        "User is not authorized to perform get_event_selectors"
    )
    assert str(caught.value) == f"{TRAIL_RULE}: not evaluated, never reported COMPLIANT: {error}"
    expected = [
        evaluation("good-trail", "COMPLIANT", V_ALL.annotation, NOTIFICATION_DT),
        evaluation("bad-trail", "NON_COMPLIANT", V_PUBLISH.annotation, NOTIFICATION_DT),
    ]
    assert world.puts() == [put_request(expected)]


def test_unreadable_trail_status_is_never_compliant(world: World) -> None:
    locked = make_trail("locked-trail", selectors=ADV_ALL)
    world.cloudtrail_overrides["get_trail_status"] = access_denied_for(locked, "get_trail_status")
    world.expect_previous([[]])
    evaluations, errors = run_rule(TRAIL_RULE, scheduled_event(), context(), world.make_session)
    assert evaluations == []
    assert errors == [
        f"{locked}: GetTrailStatus failed: AccessDeniedException: "
        "User is not authorized to perform get_trail_status"
    ]
    # RequireLogging false: the status is not needed, the selectors decide
    world.expect_puts(1)
    world.expect_previous([[]])
    evaluations, errors = run_rule(
        TRAIL_RULE,
        scheduled_event(parameters={"RequireLogging": "false"}),
        context(),
        world.make_session,
    )
    assert (evaluations, errors) == (
        [evaluation("locked-trail", "COMPLIANT", V_ALL.annotation, NOTIFICATION_DT)],
        [],
    )


def test_unreadable_trail_previously_evaluated_is_not_retired(world: World) -> None:
    """BUG (src/trailguard/rules/runtime.py ``_trail_scheduled``): a trail that exists but
    could not be read is missing from ``current``, so its earlier COMPLIANT/NON_COMPLIANT
    result is overwritten with NOT_APPLICABLE "The trail no longer exists" -- which hides a
    NON_COMPLIANT finding. Expected: no evaluation for it at all (the run fails instead)."""
    make_trail("good-trail", selectors=ADV_ALL)
    locked = make_trail("locked-trail", selectors=ADV_PUBLISH)
    world.cloudtrail_overrides["get_event_selectors"] = access_denied_for(locked)
    world.expect_puts(1)
    world.expect_previous([["good-trail", "locked-trail"]])
    evaluations, errors = run_rule(TRAIL_RULE, scheduled_event(), context(), world.make_session)
    assert len(errors) == 1
    assert evaluations == [evaluation("good-trail", "COMPLIANT", V_ALL.annotation, NOTIFICATION_DT)]


# --- the account rule -------------------------------------------------------------------------


def _account_run(world: World, **kwargs: Any) -> tuple[list[dict[str, Any]], list[str]]:
    world.region = "eu-west-1"
    return run_rule(
        ACCOUNT_RULE,
        scheduled_event(ACCOUNT_RULE, **kwargs),
        context(region="eu-west-1"),
        world.make_session,
    )


def account_evaluation(compliance: str, annotation: str) -> dict[str, Any]:
    return evaluation(ACCOUNT, compliance, annotation, NOTIFICATION_DT, ACCOUNT_TYPE)


def test_account_covered_by_a_multi_region_trail_homed_elsewhere(world: World) -> None:
    make_trail("local-mgmt", "eu-west-1", selectors=ADV_MGMT)
    make_trail("org-wide", "us-east-1", multi_region=True, selectors=ADV_ALL)
    world.expect_puts(1, "eu-west-1")
    evaluations, errors = _account_run(world)
    expected = [
        account_evaluation("COMPLIANT", f"Trail org-wide (us-east-1) logs it: {V_ALL.annotation}")
    ]
    assert (evaluations, errors) == (expected, [])
    assert world.puts() == [put_request(expected)]
    # the shadow trail is read in its home region
    assert ("us-east-1", "get_event_selectors", {"TrailName": trail_arn("org-wide")}) in world.ops(
        "cloudtrail"
    )


def test_account_with_only_another_regions_single_region_trail(world: World) -> None:
    make_trail("east-single", "us-east-1", selectors=ADV_ALL)
    make_trail("west-mgmt", "eu-west-1", selectors=ADV_MGMT)
    world.expect_puts(1, "eu-west-1")
    evaluations, errors = _account_run(world)
    assert (evaluations, errors) == (
        [
            account_evaluation(
                "NON_COMPLIANT",
                "No logging trail that applies to eu-west-1 records SNS data events. "
                f"west-mgmt: {V_MGMT.annotation}",
            )
        ],
        [],
    )


def test_account_single_region_organization_trail_covers_its_home_region_only(
    world: World,
) -> None:
    """IsOrganizationTrail and IsMultiRegionTrail are independent: a single-region
    organization trail logs its home region's data events, no other region's. moto lists it
    in its home region only; whether CloudTrail lists it elsewhere is not documented, so
    eu-west-1's DescribeTrails lists it here too (it must not count there either way)."""
    make_trail("org-east", "us-east-1", organization=True, selectors=ADV_ALL)
    east = boto3.client("cloudtrail", region_name="us-east-1").describe_trails()["trailList"]
    assert [(t["Name"], t["IsOrganizationTrail"], t["IsMultiRegionTrail"]) for t in east] == [
        ("org-east", True, False)
    ]

    def describe(region: str, params: dict[str, Any]) -> Any:
        real = boto3.client("cloudtrail", region_name=region).describe_trails(**params)
        return {"trailList": real["trailList"] or east}

    world.cloudtrail_overrides["describe_trails"] = describe
    world.expect_puts(1, "eu-west-1")
    assert _account_run(world) == (
        [
            account_evaluation(
                "NON_COMPLIANT",
                "No CloudTrail trail applies to eu-west-1, so SNS data events are not recorded "
                "here",
            )
        ],
        [],
    )
    world.region = "us-east-1"
    world.expect_puts(1)
    assert run_rule(ACCOUNT_RULE, scheduled_event(ACCOUNT_RULE), context(), world.make_session) == (
        [
            account_evaluation(
                "COMPLIANT", f"Trail org-east (us-east-1) logs it: {V_ALL.annotation}"
            )
        ],
        [],
    )


def test_account_stopped_covering_trail_does_not_count(world: World) -> None:
    make_trail("org-wide", "us-east-1", multi_region=True, selectors=ADV_ALL, logging=False)
    world.expect_puts(1, "eu-west-1")
    evaluations, errors = _account_run(world)
    assert (evaluations, errors) == (
        [
            account_evaluation(
                "NON_COMPLIANT",
                "No logging trail that applies to eu-west-1 records SNS data events. "
                "org-wide: not logging",
            )
        ],
        [],
    )


def test_account_without_trails(world: World) -> None:
    make_trail("east-single", "us-east-1", selectors=ADV_ALL)
    world.expect_puts(1, "eu-west-1")
    evaluations, errors = _account_run(world)
    expected = [
        account_evaluation(
            "NON_COMPLIANT",
            "No CloudTrail trail applies to eu-west-1, so SNS data events are not recorded here",
        )
    ]
    assert (evaluations, errors) == (expected, [])
    assert world.puts() == [put_request(expected)]


def test_account_unreadable_candidate_and_nothing_else_covers_fails(world: World) -> None:
    locked = make_trail("org-wide", "us-east-1", multi_region=True, selectors=ADV_ALL)
    make_trail("west-mgmt", "eu-west-1", selectors=ADV_MGMT)
    world.cloudtrail_overrides["get_event_selectors"] = access_denied_for(locked)
    world.region = "eu-west-1"
    event = scheduled_event(ACCOUNT_RULE)
    with pytest.raises(RuleError) as caught:
        handle(ACCOUNT_RULE, event, context(region="eu-west-1"), world.make_session)
    assert str(caught.value) == (
        f"{ACCOUNT_RULE}: not evaluated, never reported COMPLIANT: {locked}: GetEventSelectors "
        "failed: AccessDeniedException: User is not authorized to perform get_event_selectors"
    )
    assert world.puts() == []


def test_account_unreadable_candidate_but_another_covers(world: World) -> None:
    locked = make_trail("locked", "us-east-1", multi_region=True, selectors=ADV_ALL)
    make_trail("west-all", "eu-west-1", selectors=ADV_ALL)
    world.cloudtrail_overrides["get_event_selectors"] = access_denied_for(locked)
    world.expect_puts(1, "eu-west-1")
    evaluations, errors = _account_run(world)
    assert (evaluations, errors) == (
        [
            account_evaluation(
                "COMPLIANT", f"Trail west-all (eu-west-1) logs it: {V_ALL.annotation}"
            )
        ],
        [],
    )


def test_account_rule_platform_endpoints_parameter(world: World) -> None:
    make_trail("org-wide", "us-east-1", multi_region=True, selectors=ADV_ALL)
    world.expect_puts(1, "eu-west-1")
    types = ("AWS::SNS::Topic", "AWS::SNS::PlatformEndpoint")
    evaluations, _ = _account_run(world, parameters={"ResourceTypes": ",".join(types)})
    assert evaluations == [
        account_evaluation(
            "NON_COMPLIANT",
            "No logging trail that applies to eu-west-1 records SNS data events. "
            f"org-wide: {verdict(ADV_ALL, types).annotation}",
        )
    ]


# --- cross-account ----------------------------------------------------------------------------


def test_cross_account_invocation_assumes_the_execution_role(world: World) -> None:
    role = f"arn:aws:iam::{OTHER_ACCOUNT}:role/ConfigRuleExecution"
    credentials = boto3.client("sts", region_name="us-east-1").assume_role(
        RoleArn=role, RoleSessionName="setup"
    )["Credentials"]
    member = boto3.session.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name="us-east-1",
    )
    make_trail("member-trail", selectors=ADV_PUBLISH, session=member)
    make_trail("central-trail", selectors=ADV_ALL)
    world.expect_puts(1)
    world.expect_previous([[]])
    event = scheduled_event(account=OTHER_ACCOUNT, execution_role=role)
    evaluations, errors = run_rule(TRAIL_RULE, event, context(ACCOUNT), world.make_session)
    assert (evaluations, errors) == (
        [evaluation("member-trail", "NON_COMPLIANT", V_PUBLISH.annotation, NOTIFICATION_DT)],
        [],
    )
    assert world.ops("sts") == [
        ("us-east-1", "assume_role", {"RoleArn": role, "RoleSessionName": "trailguard-config-rule"})
    ]
    assert len(world.session_kwargs) == 2
    assumed = world.session_kwargs[1]
    assert set(assumed) == {
        "aws_access_key_id",
        "aws_secret_access_key",
        "aws_session_token",
        "region_name",
    }
    assert assumed["region_name"] == "us-east-1"
    assert assumed["aws_access_key_id"] != credentials["AccessKeyId"]  # fresh credentials
    assert world.ops("cloudtrail")[-2:] == [
        (
            "us-east-1",
            "get_event_selectors",
            {"TrailName": trail_arn("member-trail", account=OTHER_ACCOUNT)},
        ),
        (
            "us-east-1",
            "get_trail_status",
            {"Name": trail_arn("member-trail", account=OTHER_ACCOUNT)},
        ),
    ]


@pytest.mark.parametrize("role", [f"arn:aws:iam::{ACCOUNT}:role/ConfigRuleExecution", None])
def test_no_role_assumed_for_the_functions_own_account(world: World, role: str | None) -> None:
    make_trail("home-trail", selectors=ADV_ALL)
    world.expect_puts(1)
    event = change_event(trail_item("home-trail"), execution_role=role)
    run_rule(TRAIL_RULE, event, context(ACCOUNT), world.make_session)
    assert world.ops("sts") == []
    assert world.session_kwargs == [{}]


@pytest.mark.parametrize(
    ("account", "role", "error"),
    [
        # another account, no role to act there: it would judge the function's own trails
        (
            OTHER_ACCOUNT,
            None,
            f"executionRoleArn: missing, and the function runs in account {ACCOUNT}, not in "
            f"the event's account {OTHER_ACCOUNT}: no role to act there",
        ),
        # a role in a third account
        (
            OTHER_ACCOUNT,
            "arn:aws:iam::444455556666:role/ConfigRuleExecution",
            f"executionRoleArn: role in account 444455556666, not in the event's accountId "
            f"{OTHER_ACCOUNT}: nothing assumed",
        ),
        # a role in the function's own account, for an event of another account
        (
            OTHER_ACCOUNT,
            f"arn:aws:iam::{ACCOUNT}:role/ConfigRuleExecution",
            f"executionRoleArn: role in account {ACCOUNT}, not in the event's accountId "
            f"{OTHER_ACCOUNT}: nothing assumed",
        ),
        # another partition than the function's
        (
            OTHER_ACCOUNT,
            f"arn:aws-cn:iam::{OTHER_ACCOUNT}:role/ConfigRuleExecution",
            "executionRoleArn: partition aws-cn, but the function runs in aws: nothing assumed",
        ),
        (
            OTHER_ACCOUNT,
            f"arn:aws:iam::{OTHER_ACCOUNT}:user/someone",
            f"executionRoleArn: 'arn:aws:iam::{OTHER_ACCOUNT}:user/someone' is not an IAM role ARN",
        ),
        (
            ACCOUNT,
            f"arn:aws:iam::{OTHER_ACCOUNT}:role/ConfigRuleExecution",
            f"executionRoleArn: role in account {OTHER_ACCOUNT}, not in the event's accountId "
            f"{ACCOUNT}: nothing assumed",
        ),
    ],
)
def test_a_role_outside_the_events_account_is_refused(
    world: World, account: str, role: str | None, error: str
) -> None:
    """Nothing assumed, read or put: one RuleError naming the field and why."""
    make_trail("home-trail", selectors=ADV_ALL)
    event = scheduled_event(account=account, execution_role=role)
    with pytest.raises(RuleError) as caught:
        handle(TRAIL_RULE, event, context(ACCOUNT), world.make_session)
    assert str(caught.value) == f"malformed Config event: {error}"
    assert (world.calls, world.session_kwargs) == ([], [])


def test_a_role_in_another_partition_needs_that_partitions_function(world: World) -> None:
    """The same role ARN is accepted from a function in aws-cn (then assumed with moto)."""
    role = f"arn:aws-cn:iam::{OTHER_ACCOUNT}:role/ConfigRuleExecution"
    china = context(ACCOUNT, "cn-north-1")
    china.invoked_function_arn = china.invoked_function_arn.replace("arn:aws:", "arn:aws-cn:")
    world.region = "cn-north-1"
    event = scheduled_event(account=OTHER_ACCOUNT, execution_role=role)
    world.expect_previous([[]], region="cn-north-1")
    evaluations, errors = run_rule(TRAIL_RULE, event, china, world.make_session)
    assert (evaluations, errors) == ([], [])
    assert world.ops("sts") == [
        (
            "cn-north-1",
            "assume_role",
            {"RoleArn": role, "RoleSessionName": "trailguard-config-rule"},
        )
    ]


# --- the Lambda handler files -----------------------------------------------------------------


def _load_handler(rule_id: str) -> Any:
    path = ROOT / "rules" / rule_id / "handler.py"
    spec = importlib.util.spec_from_file_location(f"handler_{rule_id.replace('-', '_')}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("rule_id", "make_event"),
    [
        (TRAIL_RULE, lambda: change_event(trail_item("home-trail"))),
        (ACCOUNT_RULE, lambda: scheduled_event(ACCOUNT_RULE)),
    ],
)
def test_handler_files(rule_id: str, make_event: Any) -> None:
    module = _load_handler(rule_id)
    assert rule_id == module.RULE_ID
    with mock_aws():  # real moto put_evaluations in test mode, boto3's default session
        make_bucket()
        make_trail("home-trail", selectors=ADV_ALL)
        result = module.lambda_handler(make_event(), context())
    assert result == {"rule": rule_id, "evaluations": 1}


def test_handler_file_fails_the_invocation_on_bad_parameters() -> None:
    module = _load_handler(TRAIL_RULE)
    with mock_aws(), pytest.raises(RuleError, match="RequireLogging"):
        module.lambda_handler(
            change_event(trail_item("home-trail"), parameters={"RequireLogging": "maybe"}),
            context(),
        )


# --- trailguard rule run ----------------------------------------------------------------------


@pytest.fixture
def cli_world(world: World, monkeypatch: pytest.MonkeyPatch) -> World:
    """The CLI's session is the recording session (so Config calls meet the Stubber)."""

    def from_profile(cls: Any, profile: str | None, region: str | None, notify: Any = None) -> Any:
        world.region = region or "us-east-1"
        return cls(world.make_session())

    monkeypatch.setattr(trailguard.aws.clients.Clients, "from_profile", classmethod(from_profile))
    return world


def _cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["rule", "run", *argv], stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def shown(*items: tuple[str, str, str, str]) -> list[dict[str, str]]:
    keys = ("ComplianceResourceType", "ComplianceResourceId", "ComplianceType", "Annotation")
    return [dict(zip(keys, item, strict=True)) for item in items]


def test_cli_account_rule_scheduled_plain_moto() -> None:
    with mock_aws():
        make_bucket()
        make_trail("org-wide", "us-east-1", multi_region=True, selectors=ADV_ALL)
        code, out, err = _cli(ACCOUNT_RULE, "--scheduled", "--region", "eu-west-1")
    assert (code, err) == (0, "")
    assert json.loads(out) == shown(
        (
            ACCOUNT_TYPE,
            ACCOUNT,
            "COMPLIANT",
            f"Trail org-wide (us-east-1) logs it: {V_ALL.annotation}",
        )
    )


def test_cli_trail_rule_scheduled(cli_world: World) -> None:
    make_trail("good-trail", selectors=ADV_ALL)
    make_trail("bad-trail", selectors=ADV_PUBLISH)
    cli_world.expect_previous([["gone-trail"]])
    code, out, err = _cli(TRAIL_RULE, "--scheduled", "--region", "us-east-1")
    assert (code, err) == (1, "")  # non-compliant, as check and scan
    assert json.loads(out) == shown(
        (TRAIL_TYPE, "good-trail", "COMPLIANT", V_ALL.annotation),
        (TRAIL_TYPE, "bad-trail", "NON_COMPLIANT", V_PUBLISH.annotation),
        (TRAIL_TYPE, "gone-trail", NA, "The trail no longer exists"),
    )
    assert cli_world.puts() == []


def test_cli_parameters(cli_world: World) -> None:
    make_trail("stopped-trail", selectors=ADV_ALL, logging=False)
    cli_world.expect_previous([[]])
    code, out, _ = _cli(
        TRAIL_RULE, "--parameters", '{"RequireLogging": "false"}', "--region", "us-east-1"
    )
    assert code == 0
    assert json.loads(out) == shown((TRAIL_TYPE, "stopped-trail", "COMPLIANT", V_ALL.annotation))
    code, out, err = _cli(
        TRAIL_RULE, "--parameters", '{"RequireLogging": "no"}', "--region", "us-east-1"
    )
    assert (code, out) == (2, "")
    assert err.startswith("trailguard: error: invalid rule parameters: parameter RequireLogging")


@pytest.mark.parametrize("whole_event", [False, True])
def test_cli_event_file(cli_world: World, tmp_path: Path, whole_event: bool) -> None:
    make_trail("home-trail", selectors=ADV_PUBLISH)
    event = change_event(trail_item("home-trail"))
    path = tmp_path / "event.json"
    path.write_text(event["invokingEvent"] if not whole_event else json.dumps(event))
    code, out, err = _cli(TRAIL_RULE, "--event", str(path), "--region", "us-east-1")
    assert (code, err) == (1, "")
    assert json.loads(out) == shown(
        (TRAIL_TYPE, "home-trail", "NON_COMPLIANT", V_PUBLISH.annotation)
    )
    assert cli_world.puts() == []


def test_cli_unreadable_trail_exit_4(cli_world: World) -> None:
    make_trail("good-trail", selectors=ADV_ALL)
    locked = make_trail("locked-trail", selectors=ADV_ALL)
    cli_world.cloudtrail_overrides["get_event_selectors"] = access_denied_for(locked)
    cli_world.expect_previous([[]])
    code, out, err = _cli(TRAIL_RULE, "--region", "us-east-1")
    assert code == 4
    assert json.loads(out) == shown((TRAIL_TYPE, "good-trail", "COMPLIANT", V_ALL.annotation))
    assert err == (
        f"trailguard: failed: not evaluated: {locked}: GetEventSelectors failed: "
        "AccessDeniedException: User is not authorized to perform get_event_selectors\n"
    )


def test_cli_unknown_rule_exit_2() -> None:
    with mock_aws():
        code, out, err = _cli("no-such-rule", "--scheduled", "--region", "us-east-1")
    assert (code, out) == (2, "")
    assert err.startswith("trailguard: error: unknown rule 'no-such-rule'")


def test_cli_prints_only_json_on_stdout_when_the_rule_is_not_deployed(
    cli_world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    """BUG (src/trailguard/rules/runtime.py ``_previously_evaluated``): the warning is
    ``print``-ed to the process's stdout, so ``trailguard rule run RULE > out.json`` in an
    account without the deployed rule writes "warning: ..." ahead of the JSON."""
    make_trail("good-trail", selectors=ADV_ALL)
    cli_world.config().add_client_error(
        "get_compliance_details_by_config_rule",
        service_error_code="NoSuchConfigRuleException",
        service_message="The ConfigRule provided in the request is invalid.",
    )
    code, out, _ = _cli(TRAIL_RULE, "--region", "us-east-1")
    assert code == 0
    assert json.loads(out) == shown((TRAIL_TYPE, "good-trail", "COMPLIANT", V_ALL.annotation))
    assert capsys.readouterr().out == ""
