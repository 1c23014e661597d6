"""Per-resource coverage (trailguard.core.topics): the answer remembered per class of ARNs is
the answer a search on that very ARN gives, and covering the whole requirement covers every
resource."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import RESOURCE_ARNS, advanced_selector_sets, exclusion_sets

from trailguard.core.exclusions import parse_exclusions
from trailguard.core.parse import parse_response
from trailguard.core.requirement import build_requirement
from trailguard.core.topics import Coverage, narrowed_requirement
from trailguard.core.verdict import evaluate

TOPIC = "AWS::SNS::Topic"
BASE = "arn:aws:sns:us-east-1:111122223333:"
# Topic ARNs that meet the strategies' constants in every way: equal, longer, shorter, other.
ARNS = sorted(
    {a for a in RESOURCE_ARNS if a.startswith(BASE) and len(a) > len(BASE)}
    | {BASE + n for n in ("orders", "orders-dlq", "ordersx", "x-orders", "payments", "s", "1:")}
    | {"arn:aws:sns:eu-west-1:111122223333:orders", "arn:aws:sns:us-east-1:444455556666:orders"}
)


def payments_only() -> Coverage:
    selectors = [
        {
            "Name": "payments",
            "FieldSelectors": [
                {"Field": "eventCategory", "Equals": ["Data"]},
                {"Field": "resources.type", "Equals": [TOPIC]},
                {"Field": "resources.ARN", "StartsWith": [BASE + "payments"]},
            ],
        }
    ]
    return Coverage(parse_response({"AdvancedEventSelectors": selectors}), build_requirement())


def test_a_prefix_selector_records_the_topics_it_names() -> None:
    coverage = payments_only()
    names = ("orders", "payments", "payments-dlq", "pay")
    assert {n: coverage.records(TOPIC, BASE + n) for n in names} == {
        "orders": False,
        "payments": True,
        "payments-dlq": True,
        "pay": False,
    }
    # Two classes (starts with the prefix or not): two searches for four topics.
    assert (coverage.whole, coverage.searches) == (False, 2)


def test_the_narrowed_requirement_excuses_every_other_resource() -> None:
    requirement = build_requirement()
    narrowed = narrowed_requirement(requirement, TOPIC, BASE + "orders")
    assert narrowed.events == requirement.events
    assert [e.name for e in narrowed.exclusions] == [f"other than {BASE}orders"]
    assert narrowed.exclusions[0].matches({"resources.ARN": BASE + "payments"})
    assert not narrowed.exclusions[0].matches({"resources.ARN": BASE + "orders"})


@settings(deadline=None, max_examples=200)
@given(
    selectors=advanced_selector_sets(max_size=4),
    exclusions=exclusion_sets(),
    arns=st.lists(st.sampled_from(ARNS), min_size=1, max_size=6),
)
def test_remembered_answers_are_the_searched_ones(
    selectors: list[dict[str, Any]], exclusions: list[dict[str, Any]], arns: list[str]
) -> None:
    config = parse_response({"AdvancedEventSelectors": selectors}, profile="read")
    requirement = build_requirement(exclusions=parse_exclusions(exclusions))
    coverage = Coverage(config, requirement)
    remembered = [coverage.records(TOPIC, arn) for arn in arns]
    searched = [
        evaluate(config, narrowed_requirement(requirement, TOPIC, arn)).compliant for arn in arns
    ]
    assert remembered == searched
    if evaluate(config, requirement).compliant:
        assert all(remembered)
