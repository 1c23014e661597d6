"""Malformed Config rule events: each ends in one RuleError naming the field and what is wrong,
or in the NOT_APPLICABLE the Config developer guide prescribes, with nothing assumed, read or
put before the event is known to be whole. Best-effort steps come after the put and never stop
it. Events and sessions as in test_rules_runtime.py (moto CloudTrail, Config stubbed)."""

from __future__ import annotations

import copy
import json
import logging
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from moto import mock_aws
from rule_events import (
    CAPTURE_DT,
    NOTIFICATION_DT,
    SNS_PUBLISH_ONLY,
    World,
    change_event,
    context,
    evaluation,
    make_bucket,
    make_trail,
    oversized_event,
    scheduled_event,
    trail_item,
    verdict,
)
from selector_data import ACCOUNT, ACCOUNT_RULE, TRAIL_RULE, TRAIL_TYPE, trail_arn

from trailguard.aws.runtime import RuleError, _evaluation, handle, run_rule
from trailguard.rules.facts import Finding

ADV_PUBLISH = {"AdvancedEventSelectors": SNS_PUBLISH_ONLY}
V_PUBLISH = verdict(ADV_PUBLISH)
NA = "NOT_APPLICABLE"
STATUSES = (
    "OK, ResourceDiscovered, ResourceDeleted, ResourceDeletedNotRecorded, ResourceNotRecorded"
)
MESSAGES = (
    "ConfigurationItemChangeNotification, OversizedConfigurationItemChangeNotification, "
    "ScheduledNotification"
)
ITEM = "invokingEvent.configurationItem"
SNAPSHOT = "ConfigurationSnapshotDeliveryCompleted"


@pytest.fixture
def world() -> Iterator[World]:
    with mock_aws():
        make_bucket()
        make_trail("home-trail", selectors=ADV_PUBLISH)
        w = World()
        yield w
        w.verify()


def put_request(evaluations: list[dict[str, Any]]) -> dict[str, Any]:
    return {"Evaluations": evaluations, "ResultToken": "TESTMODE", "TestMode": True}


# --- one mutation of a valid event each ---------------------------------------------------

Mutation = Callable[[dict[str, Any]], Any]


def _invoking(change: Callable[[dict[str, Any]], None]) -> Mutation:
    def mutate(event: dict[str, Any]) -> dict[str, Any]:
        invoking = json.loads(event["invokingEvent"])
        change(invoking)
        return {**event, "invokingEvent": json.dumps(invoking)}

    return mutate


def _item(change: Callable[[dict[str, Any]], None]) -> Mutation:
    return _invoking(lambda invoking: change(invoking["configurationItem"]))


def _configuration(change: Callable[[dict[str, Any]], None]) -> Mutation:
    return _item(lambda item: change(item["configuration"]))


def _set(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    return lambda mapping: mapping.__setitem__(key, value)


def _without(key: str) -> Mutation:
    return lambda event: {k: v for k, v in event.items() if k != key}


def _drop(key: str) -> Callable[[dict[str, Any]], None]:
    return lambda mapping: mapping.pop(key)


MALFORMED: list[tuple[str, Mutation, str]] = [
    ("not an object", lambda e: [e], "event: expected an object, got list"),
    ("no invokingEvent", _without("invokingEvent"), "invokingEvent: missing"),
    ("invokingEvent not JSON", lambda e: {**e, "invokingEvent": "{nope"},
     "invokingEvent: not JSON (Expecting property name enclosed in double quotes: line 1 "
     "column 2 (char 1))"),
    ("invokingEvent a list", lambda e: {**e, "invokingEvent": "[]"},
     "invokingEvent: expected a JSON object, got list"),
    ("invokingEvent an object", lambda e: {**e, "invokingEvent": {}},
     "invokingEvent: expected a JSON string, got dict"),
    ("invokingEvent nested too deep", lambda e: {**e, "invokingEvent": "[" * 100_000},
     "invokingEvent: not JSON (maximum recursion depth exceeded while decoding a JSON array "
     "from a unicode string)"),
    ("no messageType", _invoking(_drop("messageType")), "invokingEvent.messageType: missing"),
    ("unknown messageType", _invoking(_set("messageType", SNAPSHOT)),
     f"invokingEvent.messageType: {SNAPSHOT!r} is not one of {MESSAGES}"),
    ("messageType a number", _invoking(_set("messageType", 3)),
     "invokingEvent.messageType: expected a string, got int"),
    ("bad notification time", _invoking(_set("notificationCreationTime", "yesterday")),
     "invokingEvent.notificationCreationTime: 'yesterday' is not an ISO 8601 time"),
    ("time before 1970", _invoking(_set("notificationCreationTime", "0001-01-01T00:00+05:00")),
     "invokingEvent.notificationCreationTime: '0001-01-01T00:00+05:00' is out of range"),
    ("no configurationItem", _invoking(_drop("configurationItem")), f"{ITEM}: missing"),
    ("configurationItem a list", _invoking(_set("configurationItem", [])),
     f"{ITEM}: expected an object, got list"),
    ("no resourceId", _item(_drop("resourceId")), f"{ITEM}.resourceId: missing"),
    ("empty resourceId", _item(_set("resourceId", "")), f"{ITEM}.resourceId: '' is not valid"),
    ("blank resourceId", _item(_set("resourceId", "  ")), f"{ITEM}.resourceId: '  ' is not valid"),
    ("resourceId a number", _item(_set("resourceId", 7)),
     f"{ITEM}.resourceId: expected a string, got int"),
    ("resourceId too long", _item(_set("resourceId", "x" * 769)),
     f"{ITEM}.resourceId: longer than 768 characters"),
    ("no resourceType", _item(_drop("resourceType")), f"{ITEM}.resourceType: missing"),
    ("bad resourceType", _item(_set("resourceType", "Trail")),
     f"{ITEM}.resourceType: 'Trail' is not valid"),
    ("no status", _item(_drop("configurationItemStatus")),
     f"{ITEM}.configurationItemStatus: missing"),
    ("unknown status", _item(_set("configurationItemStatus", "Gone")),
     f"{ITEM}.configurationItemStatus: 'Gone' is not one of {STATUSES}"),
    ("bad capture time", _item(_set("configurationItemCaptureTime", 1714558830)),
     f"{ITEM}.configurationItemCaptureTime: expected an ISO 8601 time, got int"),
    ("no configuration", _item(_set("configuration", None)),
     f"{ITEM}.configuration: expected the trail's configuration object, missing"),
    ("configuration as text", _item(_set("configuration", "{}")),
     f"{ITEM}.configuration: expected the trail's configuration object, got str"),
    ("no trail ARN anywhere", lambda e: _item(_drop("ARN"))(_configuration(_drop("trailARN"))(e)),
     f"{ITEM}.ARN: missing"),
    ("trailARN not a trail's", _configuration(_set("trailARN", "arn:aws:s3:::bucket")),
     f"{ITEM}.configuration.trailARN: 'arn:aws:s3:::bucket' is not valid"),
    ("homeRegion a number", _configuration(_set("homeRegion", 1)),
     f"{ITEM}.configuration.homeRegion: expected a string, got int"),
    ("homeRegion not a region", _configuration(_set("homeRegion", "mars")),
     f"{ITEM}.configuration.homeRegion: 'mars' is not valid"),
    ("isMultiRegionTrail a string", _configuration(_set("isMultiRegionTrail", "false")),
     f"{ITEM}.configuration.isMultiRegionTrail: expected true or false, got 'false'"),
    ("resourceId not the trail's name", _item(_set("resourceId", "other-trail")),
     f"{ITEM}.resourceId: 'other-trail' is not the trail named in {trail_arn('home-trail')}"),
    ("homeRegion not the ARN's", _configuration(_set("homeRegion", "eu-west-1")),
     f"{ITEM}.configuration.homeRegion: eu-west-1 is not the region of {trail_arn('home-trail')}"),
    ("isOrganizationTrail null", _configuration(_set("isOrganizationTrail", None)),
     f"{ITEM}.configuration.isOrganizationTrail: expected true or false, got None"),
    ("tags a list", _item(_set("tags", [])), f"{ITEM}.tags: expected an object of strings"),
    ("tag value a number", _item(_set("tags", {"k": 1})),
     f"{ITEM}.tags: expected an object of strings"),
    ("no accountId", _without("accountId"), "accountId: missing"),
    ("accountId a number", lambda e: {**e, "accountId": int(ACCOUNT)},
     "accountId: expected a string, got int"),
    ("accountId short", lambda e: {**e, "accountId": "12345"}, "accountId: '12345' is not valid"),
    ("accountId in other digits", lambda e: {**e, "accountId": "١٢٣٤٥٦٧٨٩٠١٢"},
     "accountId: '١٢٣٤٥٦٧٨٩٠١٢' is not valid"),
    ("no resultToken", _without("resultToken"), "resultToken: missing"),
    ("empty resultToken", lambda e: {**e, "resultToken": ""}, "resultToken: '' is not valid"),
    ("eventLeftScope a string", lambda e: {**e, "eventLeftScope": "false"},
     "eventLeftScope: expected true or false, got 'false'"),
    ("configRuleName a list", lambda e: {**e, "configRuleName": ["x"]},
     "configRuleName: expected a string, got list"),
    ("configRuleName too long", lambda e: {**e, "configRuleName": "r" * 129},
     "configRuleName: longer than 128 characters"),
    ("executionRoleArn a number", lambda e: {**e, "executionRoleArn": 5},
     "executionRoleArn: expected a string, got int"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("mutate", "error"), [(m, e) for _, m, e in MALFORMED], ids=[n for n, _, _ in MALFORMED]
)
def test_malformed_event_is_one_rule_error(world: World, mutate: Mutation, error: str) -> None:
    event = mutate(change_event(trail_item("home-trail")))
    with pytest.raises(RuleError) as caught:
        handle(TRAIL_RULE, event, context(), world.make_session)
    assert str(caught.value) == f"malformed Config event: {error}"
    assert (world.calls, world.session_kwargs) == ([], [])


@pytest.mark.parametrize(
    ("rule", "raw", "error"),
    [
        (ACCOUNT_RULE, 5, "rule parameters must be a JSON object of parameter names to values"),
        (
            ACCOUNT_RULE,
            "[" * 1000,
            "rule parameters are not valid JSON: maximum recursion depth exceeded while "
            "decoding a JSON array from a unicode string",
        ),
        (
            TRAIL_RULE,
            json.dumps({"ExemptTrails": ["a"]}),
            "parameter ExemptTrails: expected a string, got list",
        ),
        (
            TRAIL_RULE,
            json.dumps({"RequireLogging": None}),
            "parameter RequireLogging: expected a string, got NoneType",
        ),
    ],
)
def test_malformed_rule_parameters_are_one_rule_error(
    world: World, rule: str, raw: Any, error: str
) -> None:
    event = {**scheduled_event(rule), "ruleParameters": raw}
    with pytest.raises(RuleError) as caught:
        handle(rule, event, context(), world.make_session)
    assert str(caught.value) == f"invalid rule parameters: {error}"
    assert world.calls == []


def test_the_item_without_home_region_is_homed_by_its_trail_arn(world: World) -> None:
    """A NON_COMPLIANT trail stays NON_COMPLIANT without configuration.homeRegion."""
    world.expect_puts(1)
    event = _configuration(_drop("homeRegion"))(change_event(trail_item("home-trail")))
    evaluations = handle(TRAIL_RULE, event, context(), world.make_session)
    expected = [evaluation("home-trail", "NON_COMPLIANT", V_PUBLISH.annotation, CAPTURE_DT)]
    assert evaluations == expected
    assert world.puts() == [put_request(expected)]


def test_the_item_without_trail_arn_uses_the_items_arn(world: World) -> None:
    world.expect_puts(1)
    mutate = _configuration(lambda c: [c.pop("trailARN"), c.pop("homeRegion")])
    evaluations = handle(
        TRAIL_RULE, mutate(change_event(trail_item("home-trail"))), context(), world.make_session
    )
    assert evaluations == [
        evaluation("home-trail", "NON_COMPLIANT", V_PUBLISH.annotation, CAPTURE_DT)
    ]


def test_the_item_homed_elsewhere_by_its_arn_alone_is_not_read_here(world: World) -> None:
    world.expect_puts(1)
    item = trail_item("west-trail", home_region="eu-west-1")
    del item["configuration"]["homeRegion"]
    evaluations = handle(TRAIL_RULE, change_event(item), context(), world.make_session)
    why = "Evaluated in the trail's home region eu-west-1"
    assert evaluations == [evaluation("west-trail", NA, why, CAPTURE_DT)]
    assert world.ops("cloudtrail") == []


def test_an_item_without_tags_has_them_read_for_the_exemption(world: World) -> None:
    make_trail("tagged", selectors=ADV_PUBLISH, tags={"trailguard:exempt": "true"})
    world.expect_puts(1)
    item = trail_item("tagged")
    del item["tags"]
    evaluations = handle(TRAIL_RULE, change_event(item), context(), world.make_session)
    why = "Exempted by the tag trailguard:exempt=true on the trail"
    assert evaluations == [evaluation("tagged", NA, why, CAPTURE_DT)]
    tag_reads = [p for _, op, p in world.ops("cloudtrail") if op == "list_tags"]
    assert tag_reads == [{"ResourceIdList": [trail_arn("tagged")]}]


def test_an_item_of_another_type_is_not_applicable(world: World) -> None:
    world.expect_puts(1)
    event = _item(_set("resourceType", "AWS::S3::Bucket"))(change_event(trail_item("home-trail")))
    evaluations = handle(TRAIL_RULE, event, context(), world.make_session)
    why = "AWS::S3::Bucket is not evaluated by this rule"
    assert evaluations == [evaluation("home-trail", NA, why, CAPTURE_DT, "AWS::S3::Bucket")]


def test_a_deleted_item_needs_no_configuration(world: World) -> None:
    world.expect_puts(1)
    item = trail_item("old-trail", status="ResourceDeletedNotRecorded")
    for key in ("configuration", "ARN", "tags"):
        item.pop(key)
    evaluations = handle(TRAIL_RULE, change_event(item), context(), world.make_session)
    assert evaluations == [evaluation("old-trail", NA, "The trail has been deleted", CAPTURE_DT)]
    assert world.ops("cloudtrail") == []


# --- oversized notifications --------------------------------------------------------------

HISTORY_REQUEST = {
    "resourceType": TRAIL_TYPE,
    "resourceId": "home-trail",
    "laterTime": CAPTURE_DT,
    "limit": 1,
}


def _history_item(name: str = "home-trail", **changes: Any) -> dict[str, Any]:
    configuration = trail_item(name)["configuration"]
    item = {
        "version": "1.3",
        "accountId": ACCOUNT,
        "configurationItemCaptureTime": CAPTURE_DT,
        "configurationItemStatus": "OK",
        "arn": trail_arn(name),
        "resourceType": TRAIL_TYPE,
        "resourceId": name,
        "awsRegion": "us-east-1",
        "tags": {},
        "configuration": json.dumps(configuration),
    }
    return {**item, **changes}


@pytest.mark.parametrize(
    ("items", "error"),
    [
        ([], "GetResourceConfigHistory returned no configuration item for AWS::CloudTrail::Trail "
             "'home-trail' (oversized change notification)"),
        ([_history_item("other-trail")],
         "GetResourceConfigHistory returned AWS::CloudTrail::Trail 'other-trail' for "
         "AWS::CloudTrail::Trail 'home-trail'"),
        ([_history_item(configuration="{not json")],
         "malformed Config event: GetResourceConfigHistory.configuration: not JSON ("
         "Expecting property name enclosed in double quotes: line 1 column 2 (char 1))"),
        ([_history_item(configurationItemStatus="ResourceNotRecorded", configuration="null")],
         None),
    ],
)  # fmt: skip
def test_oversized_history_answers(
    world: World, items: list[dict[str, Any]], error: str | None
) -> None:
    world.config().add_response(
        "get_resource_config_history", {"configurationItems": items}, HISTORY_REQUEST
    )
    if error is None:
        world.expect_puts(1)
        evaluations = handle(
            TRAIL_RULE, oversized_event("home-trail"), context(), world.make_session
        )
        why = "The trail is no longer recorded by AWS Config"
        assert evaluations == [evaluation("home-trail", NA, why, CAPTURE_DT)]
        return
    with pytest.raises(RuleError) as caught:
        handle(TRAIL_RULE, oversized_event("home-trail"), context(), world.make_session)
    assert str(caught.value) == error
    assert world.puts() == []


def test_oversized_history_error_is_a_rule_error(world: World) -> None:
    world.config().add_client_error(
        "get_resource_config_history",
        service_error_code="ResourceNotDiscoveredException",
        service_message="Resource home-trail of resourceType:AWS::CloudTrail::Trail is unknown",
        expected_params=HISTORY_REQUEST,
    )
    with pytest.raises(RuleError) as caught:
        handle(TRAIL_RULE, oversized_event("home-trail"), context(), world.make_session)
    assert str(caught.value) == (
        f"{TRAIL_RULE}: ResourceNotDiscoveredException: Resource home-trail of "
        "resourceType:AWS::CloudTrail::Trail is unknown"
    )


def test_oversized_deleted_summary_is_not_applicable_without_the_history(world: World) -> None:
    world.expect_puts(1)
    event = oversized_event("home-trail")
    invoking = json.loads(event["invokingEvent"])
    invoking["configurationItemSummary"]["configurationItemStatus"] = "ResourceDeleted"
    event["invokingEvent"] = json.dumps(invoking)
    evaluations = handle(TRAIL_RULE, event, context(), world.make_session)
    assert evaluations == [evaluation("home-trail", NA, "The trail has been deleted", CAPTURE_DT)]
    assert [op for _, op, _ in world.ops("config")] == ["put_evaluations"]


def test_oversized_without_summary(world: World) -> None:
    event = oversized_event("home-trail")
    invoking = json.loads(event["invokingEvent"])
    del invoking["configurationItemSummary"]
    event["invokingEvent"] = json.dumps(invoking)
    with pytest.raises(RuleError) as caught:
        handle(TRAIL_RULE, event, context(), world.make_session)
    assert str(caught.value) == (
        "malformed Config event: invokingEvent.configurationItemSummary: missing"
    )


# --- the put, and what comes after it -----------------------------------------------------


def test_retiring_that_fails_in_any_way_never_stops_the_put(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    """A previous result without a ResourceId (valid in the API model) breaks the listing."""
    world.expect_puts(1)
    result: dict[str, Any] = {
        "EvaluationResultIdentifier": {"EvaluationResultQualifier": {"ResourceType": TRAIL_TYPE}},
        "ComplianceType": "COMPLIANT",
    }
    world.config().add_response(
        "get_compliance_details_by_config_rule", {"EvaluationResults": [result]}
    )
    with caplog.at_level(logging.WARNING, "trailguard.rules"):
        evaluations = handle(TRAIL_RULE, scheduled_event(), context(), world.make_session)
    expected = [evaluation("home-trail", "NON_COMPLIANT", V_PUBLISH.annotation, NOTIFICATION_DT)]
    assert evaluations == expected
    assert world.puts() == [put_request(expected)]
    assert caplog.messages == [
        "stale results of deleted trails not retired: KeyError('ResourceId')"
    ]


def test_a_retirement_put_that_fails_is_logged_not_raised(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    world.expect_puts(1)
    world.expect_previous([["gone-trail"]])
    world.config().add_client_error(
        "put_evaluations", service_error_code="ThrottlingException", service_message="Slow down"
    )
    with caplog.at_level(logging.WARNING, "trailguard.rules"):
        evaluations = handle(TRAIL_RULE, scheduled_event(), context(), world.make_session)
    expected = [evaluation("home-trail", "NON_COMPLIANT", V_PUBLISH.annotation, NOTIFICATION_DT)]
    assert evaluations == expected
    gone = evaluation("gone-trail", NA, "The trail no longer exists", NOTIFICATION_DT)
    assert world.puts() == [put_request(expected), put_request([gone])]
    assert caplog.messages == [
        "stale results of deleted trails not retired: "
        f"{TRAIL_RULE}: PutEvaluations: ThrottlingException: Slow down"
    ]


def test_a_put_that_fails_is_a_rule_error(world: World) -> None:
    world.config().add_client_error(
        "put_evaluations", service_error_code="InvalidResultTokenException", service_message="no"
    )
    with pytest.raises(RuleError) as caught:
        handle(TRAIL_RULE, change_event(trail_item("home-trail")), context(), world.make_session)
    assert str(caught.value) == f"{TRAIL_RULE}: PutEvaluations: InvalidResultTokenException: no"


def test_evaluations_config_refuses_are_a_rule_error(world: World) -> None:
    refused = evaluation("home-trail", "NON_COMPLIANT", V_PUBLISH.annotation, CAPTURE_DT)
    world.config().add_response("put_evaluations", {"FailedEvaluations": [refused]})
    with pytest.raises(RuleError) as caught:
        handle(TRAIL_RULE, change_event(trail_item("home-trail")), context(), world.make_session)
    assert str(caught.value) == (
        f"{TRAIL_RULE}: PutEvaluations refused the evaluations of home-trail"
    )


@pytest.mark.parametrize(
    "finding",
    [
        Finding(TRAIL_RULE, TRAIL_TYPE, "", "COMPLIANT", "fine", ACCOUNT, "us-east-1"),
        Finding(TRAIL_RULE, "", "t", "COMPLIANT", "fine", ACCOUNT, "us-east-1"),
        Finding(TRAIL_RULE, TRAIL_TYPE, "t", "INSUFFICIENT_DATA", "x", ACCOUNT, "us-east-1"),
        Finding(TRAIL_RULE, TRAIL_TYPE, "t", "COMPLIANT", "", ACCOUNT, "us-east-1"),
    ],
)
def test_an_incomplete_evaluation_is_never_put(finding: Finding) -> None:
    with pytest.raises(RuleError, match="refusing to put an incomplete evaluation"):
        _evaluation(finding, datetime(2024, 1, 1, tzinfo=UTC))


def test_the_event_is_not_changed(world: World) -> None:
    world.expect_puts(1)
    event = change_event(trail_item("home-trail"))
    before = copy.deepcopy(event)
    run_rule(TRAIL_RULE, event, context(), world.make_session)
    assert event == before
