"""Differential test: the core's exact verdict against the brute-force oracle.

The core (``trailguard.core.evaluate``) decides coverage exactly, through witness values; the
oracle (``tests/support/oracle.py``) only knows how to match one record against raw selectors
under a reading of missing fields (``strict`` / ``lenient``), and ``candidate_events``
(``tests/support/strategies.py``) builds a large brute-force set of records from the selectors'
own constants, with and without each optional field and with both event types, as CloudTrail
documents the record. For every generated selector set, with or without accepted exclusions,
and each requirement below:

0. the required events are the documented SNS data events with their documented fixed fields,
   and the generated selectors pass the core's validator (the strategies produce valid input);
a. every (resource type, event name) for which the oracle finds a candidate record outside
   every exclusion and unlogged under the strict reading is a core gap (the candidate set is
   not exhaustive, so the core may find gaps the candidates miss, never the reverse);
b. every gap's example is unlogged under the strict reading, outside every exclusion, and, if
   its certainty is ``certain``, also unlogged under the lenient reading;
c. certainty ``undocumented`` => no candidate of that kind outside the exclusions is unlogged
   under the lenient reading (and the gap names a field the example lacks); ``certain`` <=>
   some candidate or the example is unlogged under the lenient reading;
d. every example is a record CloudTrail can write: all fixed fields, ``resources.ARN`` in the
   type's ARN domain, ``eventType`` one of the two documented values, ``userIdentity.arn``
   either an ARN of the partition or absent (no key, never an empty or invented value),
   ``sessionCredentialFromConsole`` "true" or absent (never "false"), nothing else;
e. COMPLIANT <=> no gaps; the annotation fits AWS Config's 1..256 characters and says so when
   only accepted exclusions make the trail compliant.

Run longer with ``TRAILGUARD_DIFF_EXAMPLES=100000``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import event as note_event
from hypothesis import example, given, settings
from oracle import (
    LENIENT,
    RECORD_FIELDS,
    STRICT,
    field_selector_satisfied,
    is_excluded,
    is_logged,
)
from strategies import (
    PLATFORM_ENDPOINT,
    RECORD_EVENT_TYPES,
    TOPIC,
    advanced_selector_sets,
    candidate_events,
    exclusion_sets,
)

from trailguard.core import (
    COMPLIANT,
    NON_COMPLIANT,
    Requirement,
    Verdict,
    build_requirement,
    check_valid,
    evaluate,
    parse_response,
    validate_selectors,
)
from trailguard.core.exclusions import parse_exclusions

MAX_EXAMPLES = int(os.environ.get("TRAILGUARD_DIFF_EXAMPLES", "2000"))
SETTINGS = settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, derandomize=False)

CERTAIN = "certain"
UNDOCUMENTED = "undocumented"

# The documented SNS data events (SNS developer guide, "Logging Amazon SNS API calls using
# CloudTrail"): Publish and PublishBatch on topics, Publish on platform endpoints; source
# sns.amazonaws.com, readOnly false. Written here, not read from the core's catalog.
REQUIREMENT_KINDS: dict[str, tuple[tuple[str, str], ...]] = {
    "default": ((TOPIC, "Publish"), (TOPIC, "PublishBatch")),
    "topic+endpoint": ((TOPIC, "Publish"), (TOPIC, "PublishBatch"), (PLATFORM_ENDPOINT, "Publish")),
}
REQUIREMENT_TYPES: dict[str, tuple[str, ...] | None] = {
    "default": None,
    "topic+endpoint": (TOPIC, PLATFORM_ENDPOINT),
}
SNS_ARN_PREFIX = "arn:aws:sns:"
CALLER_PREFIX = "arn:aws:"
ORDERS = "arn:aws:sns:us-east-1:111122223333:orders"
ROLE = "arn:aws:iam::111122223333:role/ci"
LOAD_TEST = "arn:aws:sns:us-east-1:111122223333:load-test-"
ABSENT = None  # in an expected example: the record lacks the field


def sns_fixed(resource_type: str, event_name: str) -> dict[str, str]:
    """The fields every record of an SNS data event holds with one value (documented)."""
    return {
        "eventCategory": "Data",
        "resources.type": resource_type,
        "eventName": event_name,
        "eventSource": "sns.amazonaws.com",
        "readOnly": "false",
    }


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


def _exclusion(*field_selectors: dict[str, Any]) -> dict[str, Any]:
    return {"FieldSelectors": list(field_selectors)}


# --- hand-picked cases, each with its gaps and certainties worked out by hand ----------------

_PUB, _BATCH, _EP = (TOPIC, "Publish"), (TOPIC, "PublishBatch"), (PLATFORM_ENDPOINT, "Publish")


def _both(certainty: str) -> dict[tuple[str, str], str]:
    return {_PUB: certainty, _BATCH: certainty}


Expected = dict[tuple[str, str], str]


@dataclass(frozen=True)
class Case:
    id: str
    selectors: list[Any]
    default: Expected  # gaps -> certainty under the "default" requirement (topics)
    exclusions: tuple[dict[str, Any], ...] = ()
    endpoint: str | None = CERTAIN  # the endpoint gap's certainty under "topic+endpoint"
    example: tuple[tuple[str, str | None], ...] = ()  # fields every topic gap's example shows
    # (ABSENT: the example must lack the field)
    example_prefix: tuple[tuple[str, str], ...] = ()  # ... or must start with

    @property
    def topic_endpoint(self) -> Expected:
        return {**self.default, **({_EP: self.endpoint} if self.endpoint else {})}


KNOWN_CASES: tuple[Case, ...] = (
    # eventName Equals [Publish] / [PublishBatch]: together every topic publish.
    Case(
        "publish-split",
        _split("eventName", {"Equals": ["Publish"]}, {"Equals": ["PublishBatch"]}),
        {},
    ),
    # The AWS CLI's own example misses PublishBatch whatever the record holds.
    Case("cli-pitfall", [_sns({"Field": "eventName", "Equals": ["Publish"]})], {_BATCH: CERTAIN}),
    Case("readonly-split", _split("readOnly", {"Equals": ["true"]}, {"Equals": ["false"]}), {}),
    Case("readonly-true-only", [_sns({"Field": "readOnly", "Equals": ["true"]})], _both(CERTAIN)),
    # Console Equals true / NotEquals true: a non-console record lacks the field; strictly it
    # satisfies neither, leniently it satisfies NotEquals (no SELECT operator).
    Case(
        "console-true-nottrue",
        _split("sessionCredentialFromConsole", {"Equals": ["true"]}, {"NotEquals": ["true"]}),
        _both(UNDOCUMENTED),
        example=(("sessionCredentialFromConsole", ABSENT),),
    ),
    # Console Equals true + Equals false: CloudTrail never writes "false"; only reading the
    # missing field as false logs non-console publishes.
    Case(
        "console-true-false",
        _split("sessionCredentialFromConsole", {"Equals": ["true"]}, {"Equals": ["false"]}),
        _both(UNDOCUMENTED),
        example=(("sessionCredentialFromConsole", ABSENT),),
    ),
    # Console Equals false alone: console publishes ("true") are unlogged under every reading.
    Case(
        "console-false-only",
        [_sns({"Field": "sessionCredentialFromConsole", "Equals": ["false"]})],
        _both(CERTAIN),
        example=(("sessionCredentialFromConsole", "true"),),
    ),
    # resources.ARN is always present: complementary ARN halves cover everything.
    Case(
        "arn-prefix-split",
        _split(
            "resources.ARN",
            {"StartsWith": ["arn:aws:sns:us-east-1:"]},
            {"NotStartsWith": ["arn:aws:sns:us-east-1:"]},
        ),
        {},
    ),
    Case(
        "arn-exact-split",
        _split("resources.ARN", {"Equals": [ORDERS]}, {"NotEquals": [ORDERS]}),
        {},
    ),
    Case(
        "arn-suffix-hole",
        [_sns({"Field": "resources.ARN", "NotEndsWith": [":orders"]})],
        _both(CERTAIN),
    ),
    # IAM callers / non-IAM callers not ending in /ci: an STS caller ending in /ci is unlogged
    # under every reading (and so is a record without a caller ARN, strictly).
    Case(
        "caller-hole",
        [
            _sns({"Field": "userIdentity.arn", "StartsWith": ["arn:aws:iam::"]}),
            _sns(
                {
                    "Field": "userIdentity.arn",
                    "NotStartsWith": ["arn:aws:iam::"],
                    "NotEndsWith": ["/ci"],
                }
            ),
        ],
        _both(CERTAIN),
    ),
    # userIdentity.arn StartsWith arn:aws: ("any principal"): a record without a caller ARN (an
    # AWS-service publish) is unlogged under BOTH readings: the condition has a SELECT operator
    # and the field has no default, so the gap is certain (issue 8 called it undocumented; the
    # brief's own lenient rule, and the core, say certain).
    Case(
        "caller-startswith-arn-aws",
        [_sns({"Field": "userIdentity.arn", "StartsWith": ["arn:aws:"]})],
        _both(CERTAIN),
        example=(("userIdentity.arn", ABSENT),),
    ),
    # All but one role, plus a selector for that role: only records without a caller ARN are
    # unlogged, and only strictly (the role-excluding selector is deselect-only).
    Case(
        "caller-exclude-role-plus-role",
        [
            _sns({"Field": "userIdentity.arn", "NotStartsWith": [ROLE]}),
            _sns({"Field": "userIdentity.arn", "StartsWith": [ROLE]}),
        ],
        _both(UNDOCUMENTED),
        example=(("userIdentity.arn", ABSENT),),
    ),
    # eventType AwsApiCall only: AwsServiceEvent records are unlogged under every reading.
    Case(
        "eventtype-awsapicall",
        [_sns({"Field": "eventType", "Equals": ["AwsApiCall"]})],
        _both(CERTAIN),
        example=(("eventType", "AwsServiceEvent"),),
    ),
    Case(
        "eventtype-both",
        [_sns({"Field": "eventType", "Equals": ["AwsApiCall", "AwsServiceEvent"]})],
        {},
    ),
    # A type-only SNS selector covers everything, whatever narrowed selector sits beside it.
    Case(
        "type-only-plus-narrowed",
        [
            _sns(
                {"Field": "userIdentity.arn", "StartsWith": ["arn:aws:"]},
                {"Field": "sessionCredentialFromConsole", "Equals": ["true"]},
                {"Field": "eventType", "Equals": ["AwsApiCall"]},
            ),
            _sns(),
        ],
        {},
    ),
    Case(
        "both-types",
        [MGMT, _sns(), _sns(rtype=PLATFORM_ENDPOINT)],
        {},
        endpoint=None,
    ),
    Case("management-only", [MGMT], _both(CERTAIN)),
    Case(
        "contradiction",
        [
            _sns(
                {
                    "Field": "resources.ARN",
                    "StartsWith": ["arn:aws:sns:"],
                    "NotStartsWith": ["arn:aws"],
                }
            )
        ],
        _both(CERTAIN),
    ),
    # Accepted exclusion: the load-test topics may go unlogged, so a trail leaving out exactly
    # them is compliant (topics); the endpoint, outside the exclusion, is still a gap.
    Case(
        "exclusion-load-test-accepted",
        [_sns({"Field": "resources.ARN", "NotStartsWith": [LOAD_TEST]})],
        {},
        exclusions=(_exclusion({"Field": "resources.ARN", "StartsWith": [LOAD_TEST]}),),
    ),
    # An exclusion narrower than what the trail leaves out: the rest is a certain gap.
    Case(
        "exclusion-narrower",
        [_sns({"Field": "resources.ARN", "NotStartsWith": [LOAD_TEST]})],
        _both(CERTAIN),
        exclusions=(_exclusion({"Field": "resources.ARN", "Equals": [LOAD_TEST + "1"]}),),
        example_prefix=(("resources.ARN", LOAD_TEST),),
    ),
    # AwsServiceEvent records accepted: eventType AwsApiCall alone becomes compliant.
    Case(
        "exclusion-service-events",
        [_sns({"Field": "eventType", "Equals": ["AwsApiCall"]})],
        {},
        exclusions=(_exclusion({"Field": "eventType", "Equals": ["AwsServiceEvent"]}),),
    ),
    # An exclusion on userIdentity.arn (read strictly) does not excuse records without a
    # caller ARN; the role-excluding selector logs them only leniently.
    Case(
        "exclusion-role-no-caller-arn",
        [_sns({"Field": "userIdentity.arn", "NotStartsWith": [ROLE]})],
        _both(UNDOCUMENTED),
        exclusions=(_exclusion({"Field": "userIdentity.arn", "StartsWith": [ROLE]}),),
        example=(("userIdentity.arn", ABSENT),),
    ),
)


def _with_examples(test: Any) -> Any:
    for case in KNOWN_CASES:
        test = example(selectors=case.selectors, exclusions=list(case.exclusions))(test)
    return test


# --- the oracle side -----------------------------------------------------------------------


def _reduce(selectors: list[Any], fixed: dict[str, str]) -> list[Any]:
    """The selectors as they act on records whose ``fixed`` fields hold those values.

    A field selector on a fixed field gives the same answer for every candidate record (under
    either reading: the field is present), so the oracle itself judges it once: a selector with
    one that fails can log no candidate and is dropped, and the ones that hold are left out of
    the rest. For the candidates, ``is_logged(reduced, e, r) == is_logged(selectors, e, r)``;
    only the work per record shrinks.
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


@dataclass(frozen=True)
class Found:
    """What the oracle finds among the candidate records of one (type, name)."""

    strict: dict[str, str] | None  # unlogged under strict, outside every exclusion
    lenient: dict[str, str] | None  # unlogged under lenient, outside every exclusion
    excused: dict[str, str] | None  # unlogged under strict, inside an exclusion


def _oracle(selectors: list[Any], exclusions: list[Any], rtype: str, name: str) -> Found:
    fixed = sns_fixed(rtype, name)
    events = candidate_events(
        selectors + exclusions, rtype, name, fixed, SNS_ARN_PREFIX, CALLER_PREFIX
    )
    assert events, "candidate_events produced no events"
    reduced = _reduce(selectors, fixed)
    strict = lenient = excused = None
    for i, event in enumerate(events):
        logged = is_logged(reduced, event, STRICT)
        if i % 64 == 0:  # keep the reduction honest on a sample
            assert logged == is_logged(selectors, event, STRICT), event
            assert is_logged(reduced, event, LENIENT) == is_logged(selectors, event, LENIENT)
        if logged:
            continue
        if is_excluded(exclusions, event):
            excused = excused or event
            continue
        strict = strict or event
        if not is_logged(reduced, event, LENIENT):
            assert not is_logged(selectors, event, LENIENT), event
            lenient = event
            break
    return Found(strict, lenient, excused)


# --- checking one verdict ------------------------------------------------------------------


def _check_example(where: tuple[Any, ...], ex: dict[str, str], fixed: dict[str, str]) -> None:
    """(d): the example is a record CloudTrail can write."""
    assert set(ex) <= set(RECORD_FIELDS), (*where, "unknown keys", set(ex) - set(RECORD_FIELDS))
    assert all(type(v) is str for v in ex.values()), where
    for field, value in fixed.items():
        assert ex.get(field) == value, (*where, field)
    arn = ex.get("resources.ARN", "")
    assert arn.startswith(SNS_ARN_PREFIX) and len(arn) > len(SNS_ARN_PREFIX), where
    assert ex.get("eventType") in RECORD_EVENT_TYPES, where
    assert ex.get("sessionCredentialFromConsole", "true") == "true", (*where, "console false")
    if "userIdentity.arn" in ex:
        caller = ex["userIdentity.arn"]
        assert caller.startswith(CALLER_PREFIX) and len(caller) > len(CALLER_PREFIX), where


def check_verdict(
    label: str,
    selectors: list[Any],
    exclusions: list[Any],
    requirement: Requirement,
    verdict: Verdict,
    oracle_cache: dict[tuple[str, str], Found],
) -> None:
    # 0. the requirement is the documented one
    kinds = REQUIREMENT_KINDS[label]
    assert [(e.resource_type, e.event_name) for e in requirement.events] == list(kinds), label
    for required in requirement.events:
        assert dict(required.fixed) == sns_fixed(required.resource_type, required.event_name)

    # e. compliance and annotation
    assert 1 <= len(verdict.annotation) <= 256, (label, verdict.annotation)
    assert verdict.compliance == (NON_COMPLIANT if verdict.gaps else COMPLIANT), label
    gaps = {(g.resource_type, g.event_name): g for g in verdict.gaps}
    assert len(gaps) == len(verdict.gaps), (label, list(gaps))
    assert set(gaps) <= set(kinds), (label, list(gaps))

    for key in kinds:
        if key not in oracle_cache:
            oracle_cache[key] = _oracle(selectors, exclusions, *key)
        found = oracle_cache[key]
        gap = gaps.get(key)
        # a. an unlogged candidate outside the exclusions is a gap
        if found.strict is not None:
            assert gap is not None, (
                f"[{label}] core says {key} is covered ({verdict.compliance}), but the oracle "
                f"does not log {found.strict} under the strict reading"
            )
        if found.lenient is not None:  # (c) <=: unlogged under every reading, so certain
            assert gap is not None and gap.certainty == CERTAIN, (
                f"[{label}] {key}: the oracle does not log {found.lenient} even under the "
                f"lenient reading, but the core says {gap.certainty if gap else 'covered'}"
            )
        if gap is None:
            continue
        ex = gap.example
        where = (label, key, gap.certainty, ex)
        assert gap.cause, where
        assert gap.certainty in (CERTAIN, UNDOCUMENTED), where
        as_dict = gap.to_dict()
        assert as_dict["certainty"] == gap.certainty and as_dict["example"] == ex, where
        _check_example(where, ex, sns_fixed(*key))
        # b. the example is unlogged (strictly) and outside every exclusion
        assert not is_logged(selectors, ex, STRICT), ("oracle logs the gap's example", *where)
        assert not is_excluded(exclusions, ex), ("the gap's example is excluded", *where)
        if gap.certainty == CERTAIN:
            assert not is_logged(selectors, ex, LENIENT), (
                "certain, but the oracle logs the example under the lenient reading",
                *where,
            )
        else:
            # c. undocumented: nothing of this kind is unlogged under the lenient reading, and
            # the example itself is logged there; the gap names a field the example lacks
            assert found.lenient is None, (*where, "lenient-unlogged", found.lenient)
            assert is_logged(selectors, ex, LENIENT), (*where, "example lenient-unlogged")
            assert gap.missing_fields, where
        assert not set(gap.missing_fields) & set(ex), where

    # e. a compliant verdict that rests on an exclusion says so
    if verdict.compliance == COMPLIANT and any(f.excused for f in oracle_cache.values()):
        relevant = [oracle_cache[k].excused for k in kinds if oracle_cache[k].excused]
        if relevant:
            assert "accepted exclusions" in verdict.annotation, (label, verdict.annotation)


# --- properties ----------------------------------------------------------------------------


def _verdicts(
    selectors: list[Any], exclusions: list[Any]
) -> list[tuple[str, Requirement, Verdict]]:
    config = parse_response({"AdvancedEventSelectors": selectors})
    problems = validate_selectors(config)
    assert problems == [], [str(p) for p in problems]
    check_valid(config)
    parsed = parse_exclusions(exclusions)
    out = []
    for label, types in REQUIREMENT_TYPES.items():
        requirement = build_requirement(types, None, "aws", exclusions=parsed)
        out.append((label, requirement, evaluate(config, requirement)))
    return out


@pytest.mark.slow
@SETTINGS
@_with_examples
@given(selectors=advanced_selector_sets(), exclusions=exclusion_sets())
def test_core_agrees_with_oracle(selectors: list[Any], exclusions: list[Any]) -> None:
    oracle_cache: dict[tuple[str, str], Found] = {}
    for label, requirement, verdict in _verdicts(selectors, exclusions):
        check_verdict(label, selectors, exclusions, requirement, verdict, oracle_cache)
        if label == "default":  # how often each outcome occurs (--hypothesis-show-statistics)
            certainties = sorted({g.certainty for g in verdict.gaps}) or ["compliant"]
            note_event(f"topics: {'+'.join(certainties)}{' (exclusions)' if exclusions else ''}")


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in KNOWN_CASES])
def test_known_cases(case: Case) -> None:
    """The hand-picked @example sets, with gaps and certainties worked out by hand, judged on
    both sides: the core's verdict and the oracle's candidates."""
    exclusions = list(case.exclusions)
    oracle_cache: dict[tuple[str, str], Found] = {}
    for label, requirement, verdict in _verdicts(case.selectors, exclusions):
        expected = case.default if label == "default" else case.topic_endpoint
        got = {(g.resource_type, g.event_name): g.certainty for g in verdict.gaps}
        assert got == expected, label
        check_verdict(label, case.selectors, exclusions, requirement, verdict, oracle_cache)
        for key in REQUIREMENT_KINDS[label]:
            found = oracle_cache[key]
            assert (found.strict is not None) == (key in expected), (label, key, found)
            assert (found.lenient is not None) == (expected.get(key) == CERTAIN), (label, key)
        for gap in verdict.gaps:
            if (gap.resource_type, gap.event_name) not in case.default:
                continue  # the example fields are worked out for the topic gaps
            for field, value in case.example:
                assert gap.example.get(field) == value, (label, field, gap.example)
            for field, prefix in case.example_prefix:
                assert gap.example.get(field, "").startswith(prefix), (label, gap.example)
        if case.exclusions and not expected:
            assert "accepted exclusions" in verdict.annotation, verdict.annotation


def test_unknown_field_is_an_undocumented_gap() -> None:
    """A condition on a field no record has (here userIdentity.principalId, which trailguard's
    record model does not hold) satisfies nothing strictly and everything leniently: the
    selector covers the topic only under the lenient reading. (Evaluated without the
    validator, which may refuse or warn about the field.)"""
    selectors = [_sns({"Field": "userIdentity.principalId", "Equals": ["AIDAEXAMPLE"]})]
    config = parse_response({"AdvancedEventSelectors": selectors})
    requirement = build_requirement(None, None, "aws")
    verdict = evaluate(config, requirement)
    assert {(g.resource_type, g.event_name): g.certainty for g in verdict.gaps} == _both(
        UNDOCUMENTED
    )
    cache: dict[tuple[str, str], Found] = {}
    check_verdict("default", selectors, [], requirement, verdict, cache)
    assert all(f.strict is not None and f.lenient is None for f in cache.values()), cache
