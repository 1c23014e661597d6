"""Tests of the two validation profiles (``trailguard.core.validate``) and of how the read
profile's input is parsed and evaluated.

Write: the strictest documented rules (API reference, AdvancedFieldSelector). Read: what a
trail returned, which CloudTrail accepted: unknown fields, operators and categories (and
rules CloudTrail evidently did not apply) are warnings, and their evaluation can only narrow.
Expected problem lists are written out by hand.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from selector_data import TOPIC
from strategies import advanced_selector_sets

from trailguard.core import (
    FieldSelector,
    Problem,
    SelectorConfig,
    SelectorError,
    build_requirement,
    check_valid,
    evaluate,
    parse_response,
    plan,
    read_warnings,
    selectors_to_api,
    validate_selectors,
)
from trailguard.core.validate import ALLOWED_FIELDS, MAX_ADVANCED_VALUES

NARROWS = "evaluated as narrowing the selector"
REQUIREMENT = build_requirement([TOPIC], None, "aws")


def doc(*selectors: dict[str, Any]) -> dict[str, Any]:
    return {"AdvancedEventSelectors": list(selectors)}


def sns(*extra: dict[str, Any], name: str = "sns") -> dict[str, Any]:
    return {
        "Name": name,
        "FieldSelectors": [
            {"Field": "eventCategory", "Equals": ["Data"]},
            {"Field": "resources.type", "Equals": [TOPIC]},
            *extra,
        ],
    }


def network(*extra: dict[str, Any]) -> dict[str, Any]:
    return {
        "Name": "net",
        "FieldSelectors": [
            {"Field": "eventCategory", "Equals": ["NetworkActivity"]},
            {"Field": "eventSource", "Equals": ["kms.amazonaws.com"]},
            *extra,
        ],
    }


def read(document: dict[str, Any]) -> SelectorConfig:
    return parse_response(document, profile="read")


def both(document: dict[str, Any]) -> tuple[list[Problem], list[Problem], list[Problem]]:
    """(write errors, read errors, read warnings) of ``document``, parsed leniently."""
    config = read(document)
    return (
        validate_selectors(config),
        validate_selectors(config, profile="read"),
        read_warnings(config),
    )


SNS = "AdvancedEventSelectors[0] 'sns'"
NET = "AdvancedEventSelectors[0] 'net'"


# --- write profile: NetworkActivity --------------------------------------------------------


def test_network_activity_fields_are_the_documented_ones() -> None:
    assert {f: sorted(ops) for f, ops in ALLOWED_FIELDS["NetworkActivity"].items()} == {
        "eventCategory": ["Equals"],
        "eventSource": ["Equals"],
        "eventName": sorted(
            ["Equals", "StartsWith", "EndsWith", "NotEquals", "NotStartsWith", "NotEndsWith"]
        ),
        "errorCode": ["Equals"],
        "vpcEndpointId": sorted(
            ["Equals", "StartsWith", "EndsWith", "NotEquals", "NotStartsWith", "NotEndsWith"]
        ),
        "userIdentity.arn": sorted(
            ["Equals", "StartsWith", "EndsWith", "NotEquals", "NotStartsWith", "NotEndsWith"]
        ),
    }


def test_error_code_equals_vpce_access_denied_is_accepted() -> None:
    assert both(doc(network({"Field": "errorCode", "Equals": ["VpceAccessDenied"]}))) == (
        [],
        [],
        [],
    )


def test_error_code_rules_when_writing() -> None:
    document = doc(
        network(
            {"Field": "errorCode", "Equals": ["VpceAccessDenied", "AccessDenied"]},
            {"Field": "errorCode", "NotEquals": ["VpceAccessDenied"]},
            {"Field": "errorCode", "StartsWith": ["Vpce"]},
        )
    )
    problems = [
        Problem(
            f"{NET}.FieldSelectors[2] (errorCode).Equals[1]",
            "'AccessDenied' is not one of VpceAccessDenied",
        ),
        Problem(
            f"{NET}.FieldSelectors[3] (errorCode).NotEquals",
            "operator NotEquals is not allowed for errorCode; use Equals",
        ),
        Problem(
            f"{NET}.FieldSelectors[4] (errorCode).StartsWith",
            "operator StartsWith is not allowed for errorCode; use Equals",
        ),
    ]
    # Reading, the same rules are warnings: CloudTrail accepted the selector.
    assert both(document) == (problems, [], problems)


@pytest.mark.parametrize(
    "condition",
    [
        {"Field": "userIdentity.arn", "Equals": ["arn:aws:iam::111122223333:role/Admin"]},
        {"Field": "userIdentity.arn", "NotStartsWith": ["arn:aws:sts::111122223333:"]},
    ],
)
def test_network_activity_user_identity_arn_is_accepted_in_both_profiles(
    condition: dict[str, Any],
) -> None:
    document = doc(network(condition, {"Field": "vpcEndpointId", "Equals": ["vpce-0abc"]}))
    assert both(document) == ([], [], [])
    assert check_valid(parse_response(document)) == []
    assert check_valid(parse_response(document), profile="read") == []


# --- write profile refuses, read profile warns ----------------------------------------------


def test_unknown_field_operator_and_category() -> None:
    document = doc(
        sns({"Field": "futureField", "Equals": ["x"]}),
        sns({"Field": "eventName", "Equals": ["Publish"], "Like": ["P%"]}, name="op"),
        {"FieldSelectors": [{"Field": "eventCategory", "Equals": ["Insight"]}]},
    )
    data_fields = ", ".join(ALLOWED_FIELDS["Data"])
    unknown_field = f"{SNS}.FieldSelectors[2] (futureField)"
    unknown_operator = "AdvancedEventSelectors[1] 'op'.FieldSelectors[2] (eventName).Like"
    category = "AdvancedEventSelectors[2].FieldSelectors[0] (eventCategory)"
    write, read_errors, warnings = both(document)
    assert write == [
        Problem(
            unknown_field,
            f"field 'futureField' is not allowed in a Data selector on a trail "
            f"(allowed: {data_fields})",
        ),
        Problem(
            unknown_operator,
            "unknown operator 'Like' (expected one of Equals, StartsWith, EndsWith, NotEquals, "
            "NotStartsWith, NotEndsWith)",
        ),
        Problem(
            category,
            "eventCategory must be Equals exactly one of Management, Data, NetworkActivity, "
            "got Insight",
        ),
    ]
    assert read_errors == []
    assert warnings == [
        Problem(
            unknown_field,
            f"field 'futureField' is not known to trailguard for Data selectors; {NARROWS}",
        ),
        Problem(unknown_operator, f"operator 'Like' is not known to trailguard; {NARROWS}"),
        Problem(
            category,
            "eventCategory 'Insight' is not known to trailguard; evaluated as logging no data "
            "events",
        ),
    ]


def test_more_than_500_values_is_a_warning_when_reading() -> None:
    names = [f"Name{i:03}" for i in range(MAX_ADVANCED_VALUES - 1)]
    document = doc(sns({"Field": "eventName", "Equals": names}))  # 2 + 499 = 501 values
    problem = Problem(
        "AdvancedEventSelectors", "501 condition values in total; a trail allows at most 500"
    )
    assert both(document) == ([problem], [], [problem])


def test_malformed_or_unjudgeable_selectors_are_errors_in_both_profiles() -> None:
    document = doc(
        {"Name": "a", "FieldSelectors": [{"Field": "resources.type", "Equals": [TOPIC]}]},
        {"Name": "b", "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Data"]}]},
        {"Name": "c", "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Data", "X"]}]},
        {"Name": "d", "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}]},
        {
            "Name": "e",
            "FieldSelectors": [{"Field": "eventCategory", "Equals": ["NetworkActivity"]}],
        },
    )
    errors = [
        Problem(
            "AdvancedEventSelectors[0] 'a'",
            "eventCategory is required (Equals Management, Data or NetworkActivity)",
        ),
        Problem("AdvancedEventSelectors[1] 'b'", "resources.type is required in a Data selector"),
        Problem(
            "AdvancedEventSelectors[2] 'c'.FieldSelectors[0] (eventCategory)",
            "eventCategory must be Equals exactly one of Management, Data, NetworkActivity, "
            "got Data, X",
        ),
        Problem(
            "AdvancedEventSelectors[4] 'e'",
            "eventSource is required in a NetworkActivity selector",
        ),
    ]
    assert both(document) == (errors, errors, [])
    with pytest.raises(SelectorError) as raised:
        check_valid(read(document), profile="read")
    assert str(raised.value) == (
        "AdvancedEventSelectors[0] 'a': eventCategory is required (Equals Management, Data or "
        "NetworkActivity) (and 3 more problems)"
    )


def test_check_valid_returns_the_read_warnings() -> None:
    config = read(doc(sns({"Field": "futureField", "Equals": ["x"]})))
    assert check_valid(config, profile="read") == [
        Problem(
            f"{SNS}.FieldSelectors[2] (futureField)",
            f"field 'futureField' is not known to trailguard for Data selectors; {NARROWS}",
        )
    ]
    with pytest.raises(SelectorError) as raised:
        check_valid(config)
    assert str(raised.value).startswith(
        f"{SNS}.FieldSelectors[2] (futureField): field 'futureField' is not allowed"
    )


def test_carried_selectors_are_held_to_the_read_profile_only() -> None:
    config = read(
        doc(
            sns({"Field": "futureField", "Equals": ["x"]}),
            sns({"Field": "otherField", "Equals": ["y"]}, name="written"),
        )
    )
    assert validate_selectors(config, carried=1) == [
        Problem(
            "AdvancedEventSelectors[1] 'written'.FieldSelectors[2] (otherField)",
            "field 'otherField' is not allowed in a Data selector on a trail "
            f"(allowed: {', '.join(ALLOWED_FIELDS['Data'])})",
        )
    ]
    assert validate_selectors(config, carried=2) == []


def test_basic_selectors_only_their_counts_are_warnings_when_reading() -> None:
    selector = {"DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3"]}]}
    too_many = {"EventSelectors": [selector] * 6}
    problem = Problem("EventSelectors", "at most 5 basic selectors, got 6")
    assert both(too_many) == ([problem], [], [problem])
    bad_type = {"EventSelectors": [{"DataResources": [{"Type": TOPIC, "Values": ["arn:aws:sns"]}]}]}
    error = Problem(
        "EventSelectors[0].DataResources[0].Type",
        f"{TOPIC} cannot be logged with basic selectors (only AWS::S3::Object, "
        "AWS::Lambda::Function, AWS::DynamoDB::Table); use advanced event selectors",
    )
    assert both(bad_type) == ([error], [error], [])


# --- parsing an unknown operator ------------------------------------------------------------


def test_unknown_operator_is_refused_by_the_write_parse() -> None:
    with pytest.raises(SelectorError) as raised:
        parse_response(doc(sns({"Field": "eventName", "Like": ["P%"]})))
    assert str(raised.value) == (
        f"{SNS}.FieldSelectors[2]: unknown key 'Like' (expected one of Field, Equals, "
        "StartsWith, EndsWith, NotEquals, NotStartsWith, NotEndsWith)"
    )


def test_unknown_operator_is_kept_by_the_read_parse_and_round_trips() -> None:
    condition = {"Field": "eventName", "NotEquals": ["Publish"], "Like": ["P%"], "Near": ["x"]}
    config = read(doc(sns(condition)))
    assert config.advanced[0].field_selectors[2] == FieldSelector(
        "eventName", not_equals=("Publish",), unknown=(("Like", ("P%",)), ("Near", ("x",)))
    )
    assert config.advanced[0].value_count() == 5
    assert selectors_to_api(config.advanced) == [sns(condition)]


@pytest.mark.parametrize(
    ("condition", "where", "message"),
    [
        (
            {"Field": "eventName", "Like": "P%"},
            " (eventName).Like",
            "expected a list, got a string",
        ),
        ({"Field": "eventName", "Like": []}, " (eventName).Like", "operator has no values"),
        (
            {"Field": "eventName", "Like": [1]},
            " (eventName).Like[0]",
            "expected a string, got a number",
        ),
        ({"Like": ["P%"]}, "", "'Field' is required and must be a string"),
    ],
)
def test_unknown_operator_must_still_be_well_formed(
    condition: dict[str, Any], where: str, message: str
) -> None:
    with pytest.raises(SelectorError) as raised:
        read(doc(sns(condition)))
    assert str(raised.value) == f"{SNS}.FieldSelectors[2]{where}: {message}"


def test_a_condition_with_an_unknown_operator_never_holds() -> None:
    fs = FieldSelector("eventName", equals=("Publish",), unknown=(("Like", ("%",)),))
    assert [fs.accepts(v) for v in ("Publish", "PublishBatch", None)] == [False, False, False]
    assert fs._replace(unknown=()).accepts("Publish")


# --- sound evaluation of what the read profile lets through ---------------------------------


@pytest.mark.parametrize(
    "narrowing",
    [
        {"Field": "futureField", "Equals": ["x"]},
        {"Field": "futureField", "NotEquals": ["x"]},
        {"Field": "eventName", "NotLike": ["Nothing%"]},
        {"Field": "resources.ARN", "StartsWith": ["arn:"], "Matches": [".*"]},
        {"Field": "userIdentity.arn", "NotExists": ["true"]},
    ],
)
def test_unknown_condition_on_the_only_sns_selector_is_non_compliant(
    narrowing: dict[str, Any],
) -> None:
    only = evaluate(read(doc(sns(narrowing))), REQUIREMENT)
    assert [(g.event_name, g.resource_type) for g in only.gaps] == [
        ("Publish", TOPIC),
        ("PublishBatch", TOPIC),
    ]
    beside_plain = evaluate(read(doc(sns(narrowing), sns(name="plain"))), REQUIREMENT)
    assert (beside_plain.compliance, beside_plain.gaps) == ("COMPLIANT", ())


def test_unknown_category_never_logs_data_events() -> None:
    config = read(
        doc(
            {
                "Name": "new",
                "FieldSelectors": [
                    {"Field": "eventCategory", "Equals": ["DataV2"]},
                    {"Field": "resources.type", "Equals": [TOPIC]},
                ],
            }
        )
    )
    verdict = evaluate(config, REQUIREMENT)
    assert [g.event_name for g in verdict.gaps] == ["Publish", "PublishBatch"]


UNKNOWN_CONDITIONS = st.sampled_from(
    [
        {"Field": "futureField", "Equals": ["x"]},
        {"Field": "errorCode", "Equals": ["VpceAccessDenied"]},
        {"Field": "eventName", "Like": ["Publish"]},
        {"Field": "resources.ARN", "StartsWith": ["arn:"], "Within": ["arn:"]},
        {"Field": "readOnly", "Equals": ["false"], "Or": ["true"]},
    ]
)


@settings(max_examples=200, deadline=None)
@given(advanced_selector_sets(), st.data())
def test_an_unknown_condition_counts_as_removing_its_selector(
    selectors: list[dict[str, Any]], data: st.DataObject
) -> None:
    """Exact, not just sound: a Data selector with an unknown field or operator logs nothing
    trailguard can show, so the verdict is the one without that selector."""
    index = data.draw(st.integers(min_value=0, max_value=len(selectors) - 1))
    condition = data.draw(UNKNOWN_CONDITIONS)
    narrowed = [dict(s) for s in selectors]
    narrowed[index] = {**selectors[index]}
    narrowed[index]["FieldSelectors"] = [*selectors[index]["FieldSelectors"], condition]
    without = selectors[:index] + selectors[index + 1 :]
    got = evaluate(read(doc(*narrowed)), REQUIREMENT)
    expected = evaluate(read(doc(*without)) if without else SelectorConfig("advanced"), REQUIREMENT)
    assert got.compliance == expected.compliance
    assert [(g.resource_type, g.event_name) for g in got.gaps] == [
        (g.resource_type, g.event_name) for g in expected.gaps
    ]


# --- the planner: write profile for what it adds, verbatim for what it keeps ------------------


def test_plan_keeps_an_unknown_selector_verbatim_and_adds_a_valid_one() -> None:
    narrow = sns(
        {"Field": "futureField", "Equals": ["x"]},
        {"Field": "eventName", "Equals": ["Publish"], "Like": ["P%"]},
        name="narrow",
    )
    proposal = plan(read(doc(narrow)), REQUIREMENT)
    assert proposal.changed
    assert selectors_to_api(proposal.selectors) == [
        narrow,
        {
            "Name": f"trailguard: log all {TOPIC} data events",
            "FieldSelectors": [
                {"Field": "eventCategory", "Equals": ["Data"]},
                {"Field": "resources.type", "Equals": [TOPIC]},
            ],
        },
    ]


# --- the Config rules read with the read profile too ------------------------------------------


def test_rule_judges_a_trail_with_an_unknown_operator_instead_of_leaving_it_unevaluated() -> None:
    from trailguard.rules.facts import TrailFacts, trail_verdict
    from trailguard.rules.parameters import RuleParameters

    def verdict(*selectors: dict[str, Any]) -> tuple[str, list[str]]:
        facts = TrailFacts(
            name="t",
            arn="arn:aws:cloudtrail:us-east-1:111122223333:trail/t",
            home_region="us-east-1",
            selectors=doc(*selectors),
        )
        got = trail_verdict(facts, RuleParameters())
        return got.compliance, [g.event_name for g in got.gaps]

    unknown = sns({"Field": "eventName", "Equals": ["Publish", "PublishBatch"], "Like": ["%"]})
    assert verdict(unknown) == ("NON_COMPLIANT", ["Publish", "PublishBatch"])
    assert verdict(unknown, sns(name="plain")) == ("COMPLIANT", [])
