"""Hand-worked cases for the reference matcher (tests/support/oracle.py), from the CloudTrail user
guide ("Filtering data events by using advanced event selectors", "CloudTrail record contents",
"CloudTrail userIdentity element"), including both readings of a field the record lacks, plus
smoke tests of tests/support/strategies.py. Nothing here imports the core."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from oracle import (
    LENIENT,
    STRICT,
    field_selector_satisfied,
    is_excluded,
    is_logged,
    is_logged_basic,
)
from strategies import (
    ALL_OPERATORS,
    advanced_selector_sets,
    basic_selector_lists,
    candidate_events,
    covering_selector_sets,
    exclusion_sets,
)

TOPIC_ARN = "arn:aws:sns:us-east-1:111122223333:orders"
DLQ_ARN = "arn:aws:sns:us-east-1:111122223333:orders-dlq"


def ev(**overrides: str | None) -> dict[str, str]:
    """An SNS Publish data event record (not from a console session, so without
    sessionCredentialFromConsole); keyword names use _ for '.' (resources_ARN -> resources.ARN);
    None removes the field."""
    event = {
        "eventCategory": "Data",
        "resources.type": "AWS::SNS::Topic",
        "eventName": "Publish",
        "readOnly": "false",
        "eventSource": "sns.amazonaws.com",
        "eventType": "AwsApiCall",
        "resources.ARN": TOPIC_ARN,
        "userIdentity.arn": "arn:aws:iam::111122223333:role/ci",
    }
    for key, value in overrides.items():
        if value is None:
            event.pop(key.replace("_", "."), None)
        else:
            event[key.replace("_", ".")] = value
    return event


def sns(*extra: dict[str, Any]) -> dict[str, Any]:
    return {
        "FieldSelectors": [
            {"Field": "eventCategory", "Equals": ["Data"]},
            {"Field": "resources.type", "Equals": ["AWS::SNS::Topic"]},
            *extra,
        ]
    }


MGMT = {"FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}]}


# --- basics -----------------------------------------------------------------------------


def test_empty_selector_list_logs_nothing() -> None:
    assert is_logged([], ev()) is False


def test_type_only_selector_logs_publish_and_publish_batch() -> None:
    assert is_logged([sns()], ev()) is True
    assert is_logged([sns()], ev(eventName="PublishBatch")) is True


def test_wrong_resource_type_or_category_not_logged() -> None:
    assert is_logged([sns()], ev(resources_type="AWS::SNS::PlatformEndpoint")) is False
    assert is_logged([sns()], ev(eventCategory="Management")) is False
    assert is_logged([MGMT], ev()) is False  # management selector does not log data events


def test_case_sensitive() -> None:
    sel = sns({"Field": "eventName", "Equals": ["publish"]})
    assert is_logged([sel], ev()) is False
    sel = sns({"Field": "eventName", "StartsWith": ["PUB"]})
    assert is_logged([sel], ev()) is False


# --- OR across selectors ------------------------------------------------------------------


def test_or_across_selectors() -> None:
    only_publish = sns({"Field": "eventName", "Equals": ["Publish"]})
    only_batch = sns({"Field": "eventName", "Equals": ["PublishBatch"]})
    # AWS CLI pitfall: Equals [Publish] alone misses PublishBatch.
    assert is_logged([only_publish], ev(eventName="PublishBatch")) is False
    assert is_logged([only_batch], ev(eventName="Publish")) is False
    # Together they cover both.
    assert is_logged([only_publish, only_batch], ev(eventName="Publish")) is True
    assert is_logged([only_publish, only_batch], ev(eventName="PublishBatch")) is True
    assert is_logged([MGMT, only_batch], ev(eventName="PublishBatch")) is True
    assert is_logged([MGMT, only_batch], ev(eventName="Publish")) is False


# --- AND across fields ---------------------------------------------------------------------


def test_and_across_fields() -> None:
    sel = sns(
        {"Field": "eventName", "Equals": ["Publish"]},
        {"Field": "resources.ARN", "Equals": [TOPIC_ARN]},
    )
    assert is_logged([sel], ev()) is True
    assert is_logged([sel], ev(eventName="PublishBatch")) is False  # name fails
    assert is_logged([sel], ev(resources_ARN=DLQ_ARN)) is False  # ARN fails
    assert is_logged([sel], ev(eventName="PublishBatch", resources_ARN=DLQ_ARN)) is False


# --- SELECT operators OR'd -----------------------------------------------------------------


def test_select_operators_ored_within_field() -> None:
    sel = sns({"Field": "resources.ARN", "Equals": [DLQ_ARN], "EndsWith": ["-audit"]})
    assert is_logged([sel], ev(resources_ARN=DLQ_ARN)) is True  # Equals hit
    assert (
        is_logged([sel], ev(resources_ARN="arn:aws:sns:us-east-1:1:x-audit")) is True
    )  # EndsWith hit
    assert is_logged([sel], ev(resources_ARN=TOPIC_ARN)) is False  # neither


def test_select_values_ored_within_operator() -> None:
    sel = sns({"Field": "eventName", "Equals": ["Publish", "PublishBatch"]})
    assert is_logged([sel], ev()) is True
    assert is_logged([sel], ev(eventName="PublishBatch")) is True
    assert is_logged([sel], ev(eventName="Pub")) is False


def test_startswith_and_endswith_are_not_substring() -> None:
    sel = sns({"Field": "eventName", "StartsWith": ["lish"]})
    assert is_logged([sel], ev()) is False  # "Publish" contains but does not start with "lish"
    sel = sns({"Field": "eventName", "EndsWith": ["lish"]})
    assert is_logged([sel], ev()) is True
    assert is_logged([sel], ev(eventName="PublishBatch")) is False


# --- DESELECT excludes ---------------------------------------------------------------------


def test_deselect_only_field_selector() -> None:
    sel = sns({"Field": "resources.ARN", "NotEndsWith": ["-dlq"]})
    assert is_logged([sel], ev()) is True  # no SELECT operator: everything not deselected
    assert is_logged([sel], ev(resources_ARN=DLQ_ARN)) is False


def test_any_deselect_value_excludes() -> None:
    sel = sns({"Field": "eventName", "NotEquals": ["Pub", "PublishBatch"]})
    assert is_logged([sel], ev()) is True
    assert is_logged([sel], ev(eventName="PublishBatch")) is False
    sel = sns({"Field": "resources.ARN", "NotStartsWith": ["arn:aws:s3", "arn:aws:sns:us-east-1:"]})
    assert is_logged([sel], ev()) is False
    assert is_logged([sel], ev(resources_ARN="arn:aws:sns:eu-west-1:1:orders")) is True


# --- both groups AND'd ---------------------------------------------------------------------


def test_select_and_deselect_anded() -> None:
    sel = sns({"Field": "resources.ARN", "StartsWith": [TOPIC_ARN], "NotEndsWith": ["-dlq"]})
    assert is_logged([sel], ev()) is True  # select hit, no deselect hit
    assert is_logged([sel], ev(resources_ARN=DLQ_ARN)) is False  # select hit, deselect hit
    assert is_logged([sel], ev(resources_ARN="arn:aws:sns:us-east-1:111122223333:other")) is False


def test_deselect_wins_over_select_on_same_value() -> None:
    sel = sns({"Field": "eventName", "Equals": ["Publish"], "NotEquals": ["Publish"]})
    assert is_logged([sel], ev()) is False


# --- self-contradicting selector logs nothing ----------------------------------------------


def test_self_contradicting_selector_logs_nothing() -> None:
    contradiction = sns(
        {"Field": "resources.ARN", "StartsWith": ["arn:aws:sns:"], "NotStartsWith": ["arn:aws"]}
    )
    for arn in (TOPIC_ARN, DLQ_ARN, "arn:aws:sns:x", "arn:aws-cn:sns:x", "zzz"):
        assert is_logged([contradiction], ev(resources_ARN=arn)) is False
    # ...but a second, sane selector still logs.
    assert is_logged([contradiction, sns()], ev()) is True


def test_contradicting_readonly_across_fields_impossible() -> None:
    sel = sns({"Field": "readOnly", "Equals": ["true"]}, {"Field": "readOnly", "Equals": ["false"]})
    assert is_logged([sel], ev(readOnly="true")) is False
    assert is_logged([sel], ev(readOnly="false")) is False


# --- readOnly ------------------------------------------------------------------------------


def test_absent_readonly_means_both() -> None:
    assert is_logged([sns()], ev(readOnly="true")) is True
    assert is_logged([sns()], ev(readOnly="false")) is True


def test_readonly_true_misses_publish_but_split_pair_covers() -> None:
    ro_true = sns({"Field": "readOnly", "Equals": ["true"]})
    ro_false = sns({"Field": "readOnly", "Equals": ["false"]})
    assert is_logged([ro_true], ev(readOnly="false")) is False
    assert is_logged([ro_false], ev(readOnly="false")) is True
    assert is_logged([ro_true, ro_false], ev(readOnly="true")) is True
    assert is_logged([ro_true, ro_false], ev(readOnly="false")) is True


def test_management_selector_readonly_and_kms_exclusion() -> None:
    sel = {
        "FieldSelectors": [
            {"Field": "eventCategory", "Equals": ["Management"]},
            {"Field": "readOnly", "Equals": ["false"]},
            {"Field": "eventSource", "NotEquals": ["kms.amazonaws.com"]},
        ]
    }
    mgmt = {"eventCategory": "Management", "readOnly": "false", "eventSource": "sns.amazonaws.com"}
    assert is_logged([sel], mgmt) is True
    assert is_logged([sel], {**mgmt, "readOnly": "true"}) is False
    assert is_logged([sel], {**mgmt, "eventSource": "kms.amazonaws.com"}) is False


# --- console / missing fields --------------------------------------------------------------


def test_console_split_pair_covers() -> None:
    # With the field present (as the matcher sees any value), the halves are complementary.
    yes = sns({"Field": "sessionCredentialFromConsole", "Equals": ["true"]})
    not_yes = sns({"Field": "sessionCredentialFromConsole", "NotEquals": ["true"]})
    assert is_logged([yes], ev(sessionCredentialFromConsole="false")) is False
    assert is_logged([not_yes], ev(sessionCredentialFromConsole="true")) is False
    for value in ("true", "false"):
        assert is_logged([yes, not_yes], ev(sessionCredentialFromConsole=value)) is True
    # A real non-console record lacks the field: strictly neither half logs it.
    assert is_logged([yes, not_yes], ev()) is False
    assert is_logged([yes, not_yes], ev(), LENIENT) is True


def test_missing_field_not_satisfied_even_for_deselect() -> None:
    event = ev()
    del event["userIdentity.arn"]
    assert (
        is_logged(
            [sns({"Field": "userIdentity.arn", "NotEquals": ["arn:aws:iam::1:role/x"]})], event
        )
        is False
    )
    assert is_logged([sns()], event) is True  # a selector not naming the field is unaffected


# --- the two readings of a field the record lacks -----------------------------------------
# No caller ARN: a publish by an AWS service (CloudWatch alarm, S3 notification, ...).
SERVICE = ev(userIdentity_arn=None)
CONSOLE = ev(sessionCredentialFromConsole="true")
ROLE = "arn:aws:iam::111122223333:role/ci"


def caller(**operators: list[str]) -> dict[str, Any]:
    return {"Field": "userIdentity.arn", **operators}


def console(**operators: list[str]) -> dict[str, Any]:
    return {"Field": "sessionCredentialFromConsole", **operators}


def both(fs: dict[str, Any], event: dict[str, str]) -> tuple[bool, bool]:
    """(strict, lenient) answers of one field selector for the event."""
    return (
        field_selector_satisfied(fs, event, STRICT),
        field_selector_satisfied(fs, event, LENIENT),
    )


def test_readings_agree_when_the_field_is_present() -> None:
    for fs in (
        caller(StartsWith=["arn:aws:"]),
        caller(NotStartsWith=[ROLE]),
        console(Equals=["false"]),
        console(NotEquals=["true"]),
        {"Field": "eventType", "Equals": ["AwsApiCall"]},
    ):
        for event in (
            CONSOLE,
            ev(sessionCredentialFromConsole="true", eventType="AwsServiceEvent"),
            ev(sessionCredentialFromConsole="true", userIdentity_arn="arn:aws:sts::1:x/y"),
        ):
            strict, lenient = both(fs, event)
            assert strict == lenient, (fs, event)
    assert both(caller(StartsWith=["arn:aws:"]), ev()) == (True, True)
    assert both(caller(NotStartsWith=[ROLE]), ev()) == (False, False)
    assert both(console(Equals=["false"]), CONSOLE) == (False, False)
    assert both(console(NotEquals=["true"]), CONSOLE) == (False, False)


def test_missing_caller_arn_select_condition_fails_under_both_readings() -> None:
    # userIdentity.arn has no default value: a SELECT condition is never satisfied by a record
    # without the field, whatever the reading.
    for fs in (
        caller(StartsWith=["arn:aws:"]),
        caller(Equals=[ROLE]),
        caller(EndsWith=["/ci"]),
        caller(StartsWith=["arn:aws:"], NotEndsWith=["/ci"]),
    ):
        assert both(fs, SERVICE) == (False, False), fs
    assert is_logged([sns(caller(StartsWith=["arn:aws:"]))], SERVICE, LENIENT) is False


def test_missing_caller_arn_deselect_only_condition_holds_only_leniently() -> None:
    for fs in (caller(NotStartsWith=[ROLE]), caller(NotEquals=[ROLE], NotEndsWith=["/x"])):
        assert both(fs, SERVICE) == (False, True), fs
    # The role-excluding selector plus a selector for the role: every record with a caller
    # ARN is logged under both readings; the service publish only under the lenient one.
    pair = [sns(caller(NotStartsWith=[ROLE])), sns(caller(StartsWith=[ROLE]))]
    for arn in (ROLE, ROLE + "-2", "arn:aws:sts::111122223333:assumed-role/x/y"):
        assert is_logged(pair, ev(userIdentity_arn=arn), STRICT) is True
    assert is_logged(pair, SERVICE, STRICT) is False
    assert is_logged(pair, SERVICE, LENIENT) is True


def test_missing_console_flag_reads_as_false_leniently() -> None:
    non_console = ev()
    assert "sessionCredentialFromConsole" not in non_console
    assert both(console(Equals=["false"]), non_console) == (False, True)
    assert both(console(NotEquals=["true"]), non_console) == (False, True)  # no SELECT operator
    assert both(console(NotEquals=["false"]), non_console) == (False, True)  # no SELECT operator
    assert both(console(Equals=["true"]), non_console) == (False, False)
    assert both(console(Equals=["true", "false"]), non_console) == (False, True)
    assert both(console(Equals=["false"], NotEquals=["false"]), non_console) == (False, False)
    # Equals true + Equals false: console records are logged under both readings, the others
    # only when the missing flag is read as false.
    split = [sns(console(Equals=["true"])), sns(console(Equals=["false"]))]
    assert is_logged(split, CONSOLE, STRICT) is True
    assert is_logged(split, non_console, STRICT) is False
    assert is_logged(split, non_console, LENIENT) is True


def test_default_false_is_only_for_the_console_flag() -> None:
    # The "missing reads as false" rule belongs to sessionCredentialFromConsole alone.
    assert both(caller(Equals=["false"]), SERVICE) == (False, False)
    no_read_only = ev(readOnly=None)
    assert both({"Field": "readOnly", "Equals": ["false"]}, no_read_only) == (False, False)


def test_field_no_record_has_fails_strictly_and_holds_leniently() -> None:
    unknown = {"Field": "userIdentity.principalId", "Equals": ["AIDAEXAMPLE"]}
    for event in (ev(), SERVICE, CONSOLE):
        assert both(unknown, event) == (False, True)
    assert is_logged([sns(unknown)], ev(), STRICT) is False
    assert is_logged([sns(unknown)], ev(), LENIENT) is True


def test_event_type_is_always_present_so_readings_agree() -> None:
    api_only = [sns({"Field": "eventType", "Equals": ["AwsApiCall"]})]
    service_event = ev(eventType="AwsServiceEvent")
    for reading in (STRICT, LENIENT):
        assert is_logged(api_only, ev(), reading) is True
        assert is_logged(api_only, service_event, reading) is False
    both_types = [sns({"Field": "eventType", "Equals": ["AwsApiCall", "AwsServiceEvent"]})]
    assert is_logged(both_types, service_event) is True


def test_type_only_selector_logs_every_record_under_both_readings() -> None:
    for event in (ev(), SERVICE, CONSOLE, ev(userIdentity_arn=None, eventType="AwsServiceEvent")):
        for reading in (STRICT, LENIENT):
            assert is_logged([sns()], event, reading) is True


def test_unknown_reading_is_refused() -> None:
    with pytest.raises(ValueError, match="reading"):
        is_logged([sns()], ev(), "loose")


def test_exclusions_match_strictly() -> None:
    by_role = [{"FieldSelectors": [caller(StartsWith=[ROLE])]}]
    assert is_excluded(by_role, ev()) is True
    assert is_excluded(by_role, SERVICE) is False  # no caller ARN: not excluded
    not_role = [{"FieldSelectors": [caller(NotStartsWith=[ROLE])]}]
    assert is_excluded(not_role, SERVICE) is False  # even a deselect-only exclusion
    two = [
        {"FieldSelectors": [{"Field": "eventType", "Equals": ["AwsServiceEvent"]}]},
        {"FieldSelectors": [{"Field": "resources.ARN", "EndsWith": ["-dlq"]}, console()]},
    ]
    assert is_excluded(two, ev(eventType="AwsServiceEvent")) is True
    assert is_excluded(two, ev(resources_ARN=DLQ_ARN)) is False  # AND: console flag missing
    assert is_excluded(two, ev(resources_ARN=DLQ_ARN, sessionCredentialFromConsole="true"))
    assert is_excluded([], ev()) is False


@settings(max_examples=300, deadline=None)
@given(advanced_selector_sets(), exclusion_sets())
def test_strict_logs_a_subset_of_lenient(
    selectors: list[dict[str, Any]], exclusions: list[dict[str, Any]]
) -> None:
    fixed = {"eventCategory": "Data", "readOnly": "false", "eventSource": "sns.amazonaws.com"}
    events = candidate_events(
        selectors + exclusions, "AWS::SNS::Topic", "Publish", fixed, "arn:aws:sns:", "arn:aws:"
    )
    for event in events[:500]:
        if is_logged(selectors, event, STRICT):
            assert is_logged(selectors, event, LENIENT), event
    for exclusion in exclusions:
        assert exclusion["FieldSelectors"], exclusion


# --- strategies smoke tests ----------------------------------------------------------------


def _check_shape(selectors: list[dict[str, Any]]) -> None:
    assert 1 <= len(selectors) <= 5
    total_values = 0
    for selector in selectors:
        fields = [fs["Field"] for fs in selector["FieldSelectors"]]
        assert len(fields) == len(set(fields)), fields
        assert fields.count("eventCategory") == 1
        category = selector["FieldSelectors"][fields.index("eventCategory")]["Equals"]
        assert category in (["Data"], ["Management"])
        if category == ["Data"]:
            assert fields.count("resources.type") == 1
        for fs in selector["FieldSelectors"]:
            ops = [k for k in fs if k != "Field"]
            assert ops and all(op in ALL_OPERATORS for op in ops)
            for op in ops:
                assert fs[op] and len(fs[op]) == len(set(fs[op]))
                assert all(1 <= len(v) <= 2048 for v in fs[op])
                total_values += len(fs[op])
    assert total_values <= 500


@settings(max_examples=200, deadline=None)
@given(advanced_selector_sets())
def test_strategy_shapes(selectors: list[dict[str, Any]]) -> None:
    _check_shape(selectors)


@settings(max_examples=100, deadline=None)
@given(covering_selector_sets())
def test_covering_sets_shape_and_candidates(selectors: list[dict[str, Any]]) -> None:
    _check_shape(selectors)
    fixed = {
        "eventCategory": "Data",
        "resources.type": "AWS::SNS::Topic",
        "eventName": "Publish",
        "readOnly": "false",
        "eventSource": "sns.amazonaws.com",
    }
    events = candidate_events(
        selectors, "AWS::SNS::Topic", "Publish", fixed, "arn:aws:sns:", "arn:aws:"
    )
    assert 1 <= len(events) <= 4000
    for event in events:
        assert (
            event["resources.ARN"].startswith("arn:aws:sns:") and len(event["resources.ARN"]) > 12
        )
        assert event.get("userIdentity.arn", "arn:aws:x").startswith("arn:aws:")
        assert event.get("sessionCredentialFromConsole", "true") == "true"  # never "false"
        assert event["eventType"] in ("AwsApiCall", "AwsServiceEvent")
        assert {k: event[k] for k in fixed} == fixed
    # The record model's variety is all there: with and without each optional field, both types.
    assert {"userIdentity.arn" in e for e in events} == {True, False}
    assert {"sessionCredentialFromConsole" in e for e in events} == {True, False}
    assert {e["eventType"] for e in events} == {"AwsApiCall", "AwsServiceEvent"}
    keys = [tuple(sorted(e.items())) for e in events]
    assert len(keys) == len(set(keys))
    # Each ARN constant (prefixed) appears among the candidates.
    for selector in selectors:
        for fs in selector["FieldSelectors"]:
            if fs["Field"] == "resources.ARN":
                for op in ALL_OPERATORS:
                    for c in fs.get(op, []):
                        expect = c if c.startswith("arn:aws:sns:") else "arn:aws:sns:" + c
                        if expect == "arn:aws:sns:":
                            continue  # the bare prefix is not in the domain (must be longer)
                        assert any(e["resources.ARN"] == expect for e in events), expect


def test_candidate_events_cap_and_determinism() -> None:
    arns = [
        "arn:aws:sns:us-east-1:111122223333:orders",
        "-dlq",
        "orders",
        ":orders",
        "s",
        "1:",
        "arn:aws:sns:",
        "arn:aws:sns:us-east-1:",
        "arn:aws",
        "arn:aws:s3:::bucket/",
    ]
    callers = ["arn:aws:iam::111122223333:role/ci", "/ci", "ci", "role/ci", "arn:aws:"]
    selectors = [
        sns(
            {"Field": "resources.ARN", "StartsWith": arns},
            {"Field": "userIdentity.arn", "EndsWith": callers},
        )
    ]
    fixed = {
        "eventCategory": "Data",
        "readOnly": "false",
        "eventSource": "sns.amazonaws.com",
    }
    a = candidate_events(selectors, "AWS::SNS::Topic", "Publish", fixed, "arn:aws:sns:", "arn:aws:")
    b = candidate_events(selectors, "AWS::SNS::Topic", "Publish", fixed, "arn:aws:sns:", "arn:aws:")
    assert a == b
    assert len(a) == 4000
    assert any(e["resources.ARN"] == "arn:aws:sns:zzz-other" for e in a)
    assert any(e["resources.ARN"] == "arn:aws:sns:-dlq" for e in a)


# --- basic selectors (is_logged_basic), worked by hand from docs/domain.md section 2 -------------

S3_KEY = "arn:aws:s3:::audit-logs/app/2024/01/x.json"
FN = "arn:aws:lambda:us-east-1:111122223333:function:f1"
TABLE = "arn:aws:dynamodb:us-east-1:111122223333:table/orders"


def mgmt_ev(read_only: str = "false", source: str = "ec2.amazonaws.com") -> dict[str, str]:
    return {
        "eventCategory": "Management",
        "readOnly": read_only,
        "eventSource": source,
        "eventName": "DoSomething",
    }


def data_ev(rtype: str, arn: str, read_only: str = "false") -> dict[str, str]:
    return {
        "eventCategory": "Data",
        "resources.type": rtype,
        "resources.ARN": arn,
        "readOnly": read_only,
    }


def basic(
    rw: str = "All",
    mgmt: bool = True,
    resources: list[tuple[str, list[str]]] | None = None,
    exclude: list[str] | None = None,
) -> dict[str, Any]:
    return {
        "ReadWriteType": rw,
        "IncludeManagementEvents": mgmt,
        "DataResources": [{"Type": t, "Values": v} for t, v in resources or []],
        "ExcludeManagementEventSources": exclude or [],
    }


def test_basic_management_read_write_type() -> None:
    for rw, logs_read, logs_write in (
        ("All", True, True),
        ("ReadOnly", True, False),
        ("WriteOnly", False, True),
    ):
        sel = [basic(rw)]
        assert is_logged_basic(sel, mgmt_ev("true")) is logs_read, rw
        assert is_logged_basic(sel, mgmt_ev("false")) is logs_write, rw
    assert is_logged_basic([basic(mgmt=False)], mgmt_ev()) is False
    assert is_logged_basic([], mgmt_ev()) is False
    # defaults when the keys are absent: All, management included
    assert is_logged_basic([{}], mgmt_ev("true")) is True


def test_basic_management_excluded_sources() -> None:
    sel = [basic(exclude=["kms.amazonaws.com"])]
    assert is_logged_basic(sel, mgmt_ev(source="kms.amazonaws.com")) is False
    assert is_logged_basic(sel, mgmt_ev(source="rdsdata.amazonaws.com")) is True
    # OR across selectors: a second selector without the exclusion logs kms again
    assert is_logged_basic([*sel, basic(rw="ReadOnly")], mgmt_ev("true", "kms.amazonaws.com"))
    assert not is_logged_basic([*sel, basic(rw="ReadOnly")], mgmt_ev("false", "kms.amazonaws.com"))


def test_basic_management_selector_logs_no_data_and_data_selector_no_management() -> None:
    assert is_logged_basic([basic()], data_ev("AWS::S3::Object", S3_KEY)) is False
    data_only = basic(mgmt=False, resources=[("AWS::S3::Object", ["arn:aws:s3"])])
    assert is_logged_basic([data_only], mgmt_ev()) is False
    assert is_logged_basic([data_only], data_ev("AWS::S3::Object", S3_KEY)) is True


def test_basic_s3_whole_type_and_prefixes() -> None:
    for whole in ("arn:aws:s3", "arn:aws:s3:::"):
        sel = [basic(mgmt=False, resources=[("AWS::S3::Object", [whole])])]
        assert is_logged_basic(sel, data_ev("AWS::S3::Object", S3_KEY)), whole
        assert is_logged_basic(sel, data_ev("AWS::S3::Object", "arn:aws:s3:::other/k")), whole
        # the type must match: an S3 value never logs Lambda or SNS events
        assert not is_logged_basic(sel, data_ev("AWS::Lambda::Function", FN)), whole
    sel = [basic(mgmt=False, resources=[("AWS::S3::Object", ["arn:aws:s3:::audit-logs/app/"])])]
    assert is_logged_basic(sel, data_ev("AWS::S3::Object", S3_KEY)) is True
    assert is_logged_basic(sel, data_ev("AWS::S3::Object", "arn:aws:s3:::audit-logs/app/")) is True
    assert is_logged_basic(sel, data_ev("AWS::S3::Object", "arn:aws:s3:::audit-logs/ap")) is False
    assert (
        is_logged_basic(sel, data_ev("AWS::S3::Object", "arn:aws:s3:::audit-logs/web/k")) is False
    )
    # a bucket value without "/" is a plain prefix too: it also catches "logs-archive"
    sel = [basic(mgmt=False, resources=[("AWS::S3::Object", ["arn:aws:s3:::logs"])])]
    assert is_logged_basic(sel, data_ev("AWS::S3::Object", "arn:aws:s3:::logs-archive/k")) is True


def test_basic_lambda_and_dynamodb_exact_or_whole_type() -> None:
    sel = [basic(mgmt=False, resources=[("AWS::Lambda::Function", [FN])])]
    assert is_logged_basic(sel, data_ev("AWS::Lambda::Function", FN)) is True
    assert is_logged_basic(sel, data_ev("AWS::Lambda::Function", FN + "0")) is False  # not prefix
    assert is_logged_basic(sel, data_ev("AWS::Lambda::Function", FN[:-1])) is False
    sel = [basic(mgmt=False, resources=[("AWS::Lambda::Function", ["arn:aws:lambda"])])]
    assert is_logged_basic(sel, data_ev("AWS::Lambda::Function", FN + "0")) is True
    sel = [basic(mgmt=False, resources=[("AWS::DynamoDB::Table", [TABLE])])]
    assert is_logged_basic(sel, data_ev("AWS::DynamoDB::Table", TABLE)) is True
    assert is_logged_basic(sel, data_ev("AWS::DynamoDB::Table", TABLE + "-2")) is False
    sel = [basic(mgmt=False, resources=[("AWS::DynamoDB::Table", ["arn:aws:dynamodb"])])]
    assert is_logged_basic(sel, data_ev("AWS::DynamoDB::Table", TABLE + "-2")) is True
    # "arn:aws:lambda" under the S3 type does not name "all S3 objects"
    sel = [basic(mgmt=False, resources=[("AWS::S3::Object", ["arn:aws:lambda"])])]
    assert is_logged_basic(sel, data_ev("AWS::S3::Object", S3_KEY)) is False


def test_basic_read_write_type_applies_to_data() -> None:
    sel = [basic(rw="ReadOnly", mgmt=False, resources=[("AWS::S3::Object", ["arn:aws:s3"])])]
    assert is_logged_basic(sel, data_ev("AWS::S3::Object", S3_KEY, "true")) is True
    assert is_logged_basic(sel, data_ev("AWS::S3::Object", S3_KEY, "false")) is False
    sel = [basic(rw="WriteOnly", mgmt=False, resources=[("AWS::Lambda::Function", [FN])])]
    assert is_logged_basic(sel, data_ev("AWS::Lambda::Function", FN, "false")) is True
    assert is_logged_basic(sel, data_ev("AWS::Lambda::Function", FN, "true")) is False


def test_basic_sns_never_logged() -> None:
    sel = [basic(resources=[("AWS::S3::Object", ["arn:aws:s3"])])]
    assert is_logged_basic(sel, ev()) is False


@settings(max_examples=200, deadline=None)
@given(basic_selector_lists())
def test_basic_strategy_shapes(selectors: list[dict[str, Any]]) -> None:
    assert 1 <= len(selectors) <= 5
    for selector in selectors:
        assert set(selector) == {
            "ReadWriteType",
            "IncludeManagementEvents",
            "DataResources",
            "ExcludeManagementEventSources",
        }
        assert selector["ReadWriteType"] in ("All", "ReadOnly", "WriteOnly")
        assert set(selector["ExcludeManagementEventSources"]) <= {
            "kms.amazonaws.com",
            "rdsdata.amazonaws.com",
        }
        for resource in selector["DataResources"]:
            assert resource["Values"]
            assert len(resource["Values"]) == len(set(resource["Values"]))
            assert all(v.startswith("arn:aws:") and not v.endswith("*") for v in resource["Values"])
