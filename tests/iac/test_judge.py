"""The judge on resources written out by hand: unknown values bounded from both sides (decided
where every value gives the same verdict, UNDECIDED otherwise, never COMPLIANT by accident), and
event data stores held to their own validation profile."""

from __future__ import annotations

from typing import Any

import pytest

from trailguard.core import build_requirement
from trailguard.core.datastore import validate_data_store
from trailguard.core.parse import parse_response
from trailguard.core.validate import Problem
from trailguard.iac.judge import judge
from trailguard.iac.model import DATA_STORE, TRAIL, Resource, Unknown

REF = Unknown("Ref Prefix")
DATA = {"Field": "eventCategory", "Equals": ["Data"]}
SNS = {"Field": "resources.type", "Equals": ["AWS::SNS::Topic"]}


def _status(*selectors: Any, kind: str = TRAIL) -> tuple[str, list[str]]:
    resource = Resource(
        "t.yaml", "T", kind, "AWS::CloudTrail::Trail", {"AdvancedEventSelectors": list(selectors)}
    )
    judged = judge(resource, build_requirement())
    return judged.status, [f.rule for f in judged.findings]


@pytest.mark.parametrize(
    ("selectors", "expected"),
    [
        # an unknown prefix on the only SNS selector: depends on it
        (
            [{"FieldSelectors": [DATA, SNS, {"Field": "resources.ARN", "StartsWith": [REF]}]}],
            ("UNDECIDED", ["ITG1004"]),
        ),
        # an unknown value in another selector: the SNS one decides
        (
            [
                {"FieldSelectors": [DATA, SNS]},
                {"FieldSelectors": [DATA, {"Field": "resources.type", "Equals": [REF]}]},
            ],
            ("COMPLIANT", []),
        ),
        # an unknown exclusion may exclude every topic: depends on it
        (
            [{"FieldSelectors": [DATA, SNS, {"Field": "resources.ARN", "NotStartsWith": [REF]}]}],
            ("UNDECIDED", ["ITG1004"]),
        ),
        # whatever the unknown, PublishBatch is never logged
        (
            [
                {
                    "FieldSelectors": [
                        DATA,
                        SNS,
                        {"Field": "eventName", "Equals": ["Publish"]},
                        {"Field": "resources.ARN", "StartsWith": [REF]},
                    ]
                }
            ],
            ("NON_COMPLIANT", ["ETG1001"]),
        ),
        # an unknown resources.type with an unknown field: nothing known selects SNS
        ([{"FieldSelectors": [DATA, {"Field": REF, "Equals": ["x"]}]}], ("UNDECIDED", ["ITG1004"])),
        # a whole selector unknown
        ([REF], ("UNDECIDED", ["ITG1004"])),
    ],
)
def test_unknowns_are_bounded(selectors: list[Any], expected: tuple[str, list[str]]) -> None:
    assert _status(*selectors) == expected


def test_unknown_category_does_not_raise_a_required_field_error() -> None:
    selector = {"FieldSelectors": [{"Field": "eventCategory", "Equals": [REF]}, SNS]}
    assert _status(selector) == ("UNDECIDED", ["ITG1004"])


def test_data_store_profile() -> None:
    console = {
        "FieldSelectors": [
            {"Field": "eventCategory", "Equals": ["Management"]},
            {"Field": "sessionCredentialFromConsole", "Equals": ["true"]},
        ]
    }
    config = parse_response({"AdvancedEventSelectors": [console]}, profile="read")
    assert validate_data_store(config) == []
    # the same selector on a trail is refused
    assert _status(console)[1] == ["ETG1002", "ETG1001"]
    assert _status(console, kind=DATA_STORE)[1] == ["ETG1001"]
    six = parse_response(
        {"AdvancedEventSelectors": [{"FieldSelectors": [DATA, SNS]}] * 6}, profile="read"
    )
    assert validate_data_store(six) == [
        Problem(
            "AdvancedEventSelectors",
            "an event data store allows at most 5 advanced selectors, got 6",
        )
    ]
    items = parse_response(
        {
            "AdvancedEventSelectors": [
                {
                    "FieldSelectors": [
                        {"Field": "eventCategory", "Equals": ["ConfigurationItem"]},
                        {"Field": "eventName", "Equals": ["x"]},
                    ]
                }
            ]
        },
        profile="read",
    )
    assert validate_data_store(items) == [
        Problem(
            "AdvancedEventSelectors[0].FieldSelectors[1] (eventName)",
            "field 'eventName' is not allowed in a ConfigurationItem selector of an event data "
            "store (allowed: eventCategory)",
        )
    ]
