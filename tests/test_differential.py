"""Differential test: the core's exact verdict against the brute-force oracle.

The core (``trailguard.core.evaluate``) decides coverage exactly, through witness values; the
oracle (``tests/oracle.py``) only knows how to match one event against raw selectors, and
``candidate_events`` (``tests/strategies.py``) builds a large brute-force set of events from
the selectors' own constants. For every generated selector set and each requirement below:

1. the generated selectors pass the core's validator (the strategies produce valid input);
2. every (resource type, event name) for which the oracle finds an unlogged candidate event is
   among the core's gaps, and (with 3.) every gap the core reports is confirmed by the oracle on
   the gap's own example, so the two sets of uncovered events agree (the candidate set is not
   exhaustive, so the core may find gaps the candidates miss, never the reverse);
3. every gap's example is an event of the required kind: all fixed fields with their values,
   ``resources.ARN`` in the type's ARN domain, ``userIdentity.arn`` an ARN of the partition,
   ``sessionCredentialFromConsole`` a boolean string, and the oracle says it is not logged;
4. the annotation fits AWS Config's 1..256 characters.

Run longer with ``TRAILGUARD_DIFF_EXAMPLES=100000``.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from hypothesis import example, given, settings
from oracle import field_selector_satisfied, is_logged
from strategies import PLATFORM_ENDPOINT, TOPIC, advanced_selector_sets, candidate_events

from trailguard.core import (
    COMPLIANT,
    NON_COMPLIANT,
    RequiredEvent,
    Requirement,
    build_requirement,
    check_valid,
    evaluate,
    parse_response,
    validate_selectors,
)

MAX_EXAMPLES = int(os.environ.get("TRAILGUARD_DIFF_EXAMPLES", "2000"))
SETTINGS = settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, derandomize=False)

REQUIREMENTS: dict[str, Requirement] = {
    "default": build_requirement(None, None, "aws"),
    "topic+endpoint": build_requirement((TOPIC, PLATFORM_ENDPOINT), None, "aws"),
}
SNS_ARN_PREFIX = "arn:aws:sns:"
CALLER_PREFIX = "arn:aws:"
BOOLEAN = ("true", "false")
ORDERS = "arn:aws:sns:us-east-1:111122223333:orders"


def _sns(*extra: dict[str, Any], rtype: str = TOPIC) -> dict[str, Any]:
    return {
        "FieldSelectors": [
            {"Field": "eventCategory", "Equals": ["Data"]},
            {"Field": "resources.type", "Equals": [rtype]},
            *extra,
        ]
    }


MGMT: dict[str, Any] = {"FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}]}


def _split(field: str, half_a: dict[str, list[str]], half_b: dict[str, list[str]]) -> list[Any]:
    return [_sns({"Field": field, **half_a}), _sns({"Field": field, **half_b})]


# Hand-picked selector sets, each with the gaps it must have under each requirement.
PUBLISH_SPLIT = _split("eventName", {"Equals": ["Publish"]}, {"Equals": ["PublishBatch"]})
CLI_PITFALL = [_sns({"Field": "eventName", "Equals": ["Publish"]})]
READONLY_SPLIT = _split("readOnly", {"Equals": ["true"]}, {"Equals": ["false"]})
READONLY_TRUE_ONLY = [_sns({"Field": "readOnly", "Equals": ["true"]})]
CONSOLE_SPLIT = _split(
    "sessionCredentialFromConsole", {"Equals": ["true"]}, {"NotEquals": ["true"]}
)
ARN_PREFIX_SPLIT = _split(
    "resources.ARN",
    {"StartsWith": ["arn:aws:sns:us-east-1:"]},
    {"NotStartsWith": ["arn:aws:sns:us-east-1:"]},
)
ARN_EXACT_SPLIT = _split("resources.ARN", {"Equals": [ORDERS]}, {"NotEquals": [ORDERS]})
ARN_SUFFIX_HOLE = [_sns({"Field": "resources.ARN", "NotEndsWith": [":orders"]})]
CALLER_HOLE = [
    _sns({"Field": "userIdentity.arn", "StartsWith": ["arn:aws:iam::"]}),
    _sns({"Field": "userIdentity.arn", "NotStartsWith": ["arn:aws:iam::"], "NotEndsWith": ["/ci"]}),
]
BOTH_TYPES = [MGMT, _sns(), _sns(rtype=PLATFORM_ENDPOINT)]
CONTRADICTION = [
    _sns({"Field": "resources.ARN", "StartsWith": ["arn:aws:sns:"], "NotStartsWith": ["arn:aws"]})
]

_TOPIC_BOTH = {(TOPIC, "Publish"), (TOPIC, "PublishBatch")}
_ENDPOINT = {(PLATFORM_ENDPOINT, "Publish")}
KNOWN_CASES: list[tuple[str, list[Any], set[tuple[str, str]], set[tuple[str, str]]]] = [
    # (id, selectors, gaps for "default", gaps for "topic+endpoint")
    ("publish-split", PUBLISH_SPLIT, set(), _ENDPOINT),
    ("cli-pitfall", CLI_PITFALL, {(TOPIC, "PublishBatch")}, {(TOPIC, "PublishBatch")} | _ENDPOINT),
    ("readonly-split", READONLY_SPLIT, set(), _ENDPOINT),
    ("readonly-true-only", READONLY_TRUE_ONLY, _TOPIC_BOTH, _TOPIC_BOTH | _ENDPOINT),
    ("console-split", CONSOLE_SPLIT, set(), _ENDPOINT),
    ("arn-prefix-split", ARN_PREFIX_SPLIT, set(), _ENDPOINT),
    ("arn-exact-split", ARN_EXACT_SPLIT, set(), _ENDPOINT),
    ("arn-suffix-hole", ARN_SUFFIX_HOLE, _TOPIC_BOTH, _TOPIC_BOTH | _ENDPOINT),
    ("caller-hole", CALLER_HOLE, _TOPIC_BOTH, _TOPIC_BOTH | _ENDPOINT),
    ("both-types", BOTH_TYPES, set(), set()),
    ("management-only", [MGMT], _TOPIC_BOTH, _TOPIC_BOTH | _ENDPOINT),
    ("contradiction", CONTRADICTION, _TOPIC_BOTH, _TOPIC_BOTH | _ENDPOINT),
]


def _with_examples(test: Any) -> Any:
    for _, selectors, _, _ in KNOWN_CASES:
        test = example(selectors=selectors)(test)
    return test


# --- the oracle side -----------------------------------------------------------------------


def _prefix(required: RequiredEvent, field: str) -> str:
    for free in required.free:
        if free.field == field:
            return free.prefix
    raise AssertionError(f"{required.resource_type} {required.event_name}: no free field {field}")


def _reduce(selectors: list[Any], fixed: dict[str, str]) -> list[Any]:
    """The selectors as they act on events whose ``fixed`` fields hold those values.

    A field selector on a fixed field gives the same answer for every candidate event, so the
    oracle itself judges it once: a selector with one that fails can log no candidate and is
    dropped, and the ones that hold are left out of the rest. For the candidate events,
    ``is_logged(reduced, e) == is_logged(selectors, e)``; only the work per event shrinks.
    """
    reduced: list[Any] = []
    for selector in selectors:
        kept: list[dict[str, Any]] = []
        for field_selector in selector["FieldSelectors"]:
            if field_selector["Field"] not in fixed:
                kept.append(field_selector)
            elif not field_selector_satisfied(field_selector, fixed):
                break
        else:
            reduced.append({"FieldSelectors": kept})
    return reduced


def _oracle_unlogged(selectors: list[Any], required: RequiredEvent) -> dict[str, str] | None:
    """The first brute-force candidate event the oracle says is not logged, or None."""
    fixed = dict(required.fixed)
    events = candidate_events(
        selectors,
        required.resource_type,
        required.event_name,
        fixed,
        _prefix(required, "resources.ARN"),
        _prefix(required, "userIdentity.arn"),
    )
    assert events, "candidate_events produced no events"
    reduced = _reduce(selectors, fixed)
    for i, event in enumerate(events):
        logged = is_logged(reduced, event)
        if i % 64 == 0:  # keep the reduction honest on a sample
            assert logged == is_logged(selectors, event), event
        if not logged:
            assert not is_logged(selectors, event), event
            return event
    return None


# --- properties ----------------------------------------------------------------------------


@SETTINGS
@_with_examples
@given(selectors=advanced_selector_sets())
def test_core_agrees_with_oracle(selectors: list[Any]) -> None:
    config = parse_response({"AdvancedEventSelectors": selectors})
    # 1. the strategies produce valid selectors (checked here rather than in a test of its own:
    # generating the selector sets is most of the cost, so each set serves every property)
    problems = validate_selectors(config)
    assert problems == [], [str(p) for p in problems]
    check_valid(config)
    oracle_cache: dict[RequiredEvent, dict[str, str] | None] = {}
    for label, requirement in REQUIREMENTS.items():
        verdict = evaluate(config, requirement)
        required_by_key = {(e.resource_type, e.event_name): e for e in requirement.events}

        # 4. annotation
        assert 1 <= len(verdict.annotation) <= 256, (label, verdict.annotation)

        gap_keys = [(g.resource_type, g.event_name) for g in verdict.gaps]
        assert len(gap_keys) == len(set(gap_keys)), (label, gap_keys)
        assert set(gap_keys) <= set(required_by_key), (label, gap_keys)
        assert verdict.compliance == (NON_COMPLIANT if verdict.gaps else COMPLIANT), label

        # 3. every gap's example is a well-formed event of its kind that the oracle does not log
        for gap in verdict.gaps:
            required = required_by_key[(gap.resource_type, gap.event_name)]
            ex = gap.example
            where = (label, gap.resource_type, gap.event_name, ex)
            assert gap.cause, where
            for field, value in required.fixed:
                assert ex.get(field) == value, (*where, field)
            arn_prefix = _prefix(required, "resources.ARN")
            assert arn_prefix == SNS_ARN_PREFIX, where
            arn = ex.get("resources.ARN", "")
            assert arn.startswith(arn_prefix) and len(arn) > len(arn_prefix), where
            assert ex.get("userIdentity.arn", "").startswith(CALLER_PREFIX), where
            assert ex.get("sessionCredentialFromConsole") in BOOLEAN, where
            assert not is_logged(selectors, ex), ("oracle logs the core's gap example", *where)

        # 2. every (type, name) with an oracle-unlogged candidate is among the core's gaps
        for key, required in required_by_key.items():
            if required not in oracle_cache:
                oracle_cache[required] = _oracle_unlogged(selectors, required)
            unlogged = oracle_cache[required]
            if unlogged is not None:
                assert key in gap_keys, (
                    f"[{label}] core says {key} is covered ({verdict.compliance}), "
                    f"but the oracle does not log {unlogged}"
                )


@pytest.mark.parametrize(
    ("selectors", "expected_default", "expected_both"),
    [pytest.param(s, d, b, id=i) for i, s, d, b in KNOWN_CASES],
)
def test_known_cases(
    selectors: list[Any],
    expected_default: set[tuple[str, str]],
    expected_both: set[tuple[str, str]],
) -> None:
    """The hand-picked @example sets have the gaps worked out by hand (both sides)."""
    config = parse_response({"AdvancedEventSelectors": selectors})
    check_valid(config)
    for label, expected in (("default", expected_default), ("topic+endpoint", expected_both)):
        requirement = REQUIREMENTS[label]
        verdict = evaluate(config, requirement)
        assert {(g.resource_type, g.event_name) for g in verdict.gaps} == expected, label
        for required in requirement.events:
            key = (required.resource_type, required.event_name)
            found = _oracle_unlogged(selectors, required)
            assert (found is not None) == (key in expected), (label, key, found)
