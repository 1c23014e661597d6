"""Hand-worked cases for the reference matcher (tests/oracle.py), from domain.md section 2,
plus smoke tests of tests/strategies.py."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from hypothesis import given, settings
from oracle import is_logged, is_logged_basic
from strategies import (
    ALL_OPERATORS,
    advanced_selector_sets,
    basic_selector_lists,
    candidate_events,
    covering_selector_sets,
)

TOPIC_ARN = "arn:aws:sns:us-east-1:111122223333:orders"
DLQ_ARN = "arn:aws:sns:us-east-1:111122223333:orders-dlq"


def ev(**overrides: str) -> dict[str, str]:
    """An SNS Publish data event; keyword names use _ for '.' (resources_ARN -> resources.ARN)."""
    event = {
        "eventCategory": "Data",
        "resources.type": "AWS::SNS::Topic",
        "eventName": "Publish",
        "readOnly": "false",
        "eventSource": "sns.amazonaws.com",
        "eventType": "AwsApiCall",
        "resources.ARN": TOPIC_ARN,
        "userIdentity.arn": "arn:aws:iam::111122223333:role/ci",
        "sessionCredentialFromConsole": "false",
    }
    for key, value in overrides.items():
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
    yes = sns({"Field": "sessionCredentialFromConsole", "Equals": ["true"]})
    not_yes = sns({"Field": "sessionCredentialFromConsole", "NotEquals": ["true"]})
    assert is_logged([yes], ev(sessionCredentialFromConsole="false")) is False
    assert is_logged([not_yes], ev(sessionCredentialFromConsole="true")) is False
    for value in ("true", "false"):
        assert is_logged([yes, not_yes], ev(sessionCredentialFromConsole=value)) is True


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
        "eventType": "AwsApiCall",
    }
    events = candidate_events(
        selectors, "AWS::SNS::Topic", "Publish", fixed, "arn:aws:sns:", "arn:aws:"
    )
    assert 1 <= len(events) <= 3000
    for event in events:
        assert (
            event["resources.ARN"].startswith("arn:aws:sns:") and len(event["resources.ARN"]) > 12
        )
        assert event["userIdentity.arn"].startswith("arn:aws:")
        assert event["sessionCredentialFromConsole"] in ("true", "false")
        assert {k: event[k] for k in fixed} == fixed
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
        "eventType": "AwsApiCall",
    }
    a = candidate_events(selectors, "AWS::SNS::Topic", "Publish", fixed, "arn:aws:sns:", "arn:aws:")
    b = candidate_events(selectors, "AWS::SNS::Topic", "Publish", fixed, "arn:aws:sns:", "arn:aws:")
    assert a == b
    assert len(a) == 3000
    assert any(e["resources.ARN"] == "arn:aws:sns:zzz-other" for e in a)
    assert any(e["resources.ARN"] == "arn:aws:sns:-dlq" for e in a)


# --- basic selectors (is_logged_basic), worked by hand from domain.md section 2 -------------

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
