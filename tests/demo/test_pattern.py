"""The demo's EventBridge pattern matcher (the sandbox has no TestEventPattern): the detection
rule's pattern against the recorded CloudTrail events, and the matching rules of the
EventBridge user guide ("Creating event patterns", "Content filtering in event patterns"),
each case also judged by moto's own matcher (the one its PutEvents routes with) as a second,
independent reading."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from moto.events.models import EventPattern

from trailguard.aws.detect import EVENT_PATTERN
from trailguard.demo.pattern import PatternError, matches

EVENTS = Path(__file__).resolve().parents[1] / "fixtures" / "cloudtrail_events"
RECORDED = sorted(EVENTS.glob("*/*.json"))


def load(path: Path) -> dict[str, Any]:
    loaded = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def moto_says(pattern: dict[str, Any], event: dict[str, Any]) -> bool:
    return bool(EventPattern(json.dumps(pattern), pattern).matches_event(event))


@pytest.mark.parametrize("path", RECORDED, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_the_detection_pattern_matches_the_trail_changes_only(path: Path) -> None:
    event = load(path)
    expected = path.parent.name in ("starts", "ignored")  # "ignored": matched, call failed
    assert matches(EVENT_PATTERN, event) is expected
    assert moto_says(EVENT_PATTERN, event) is expected


def put_event_selectors() -> dict[str, Any]:
    return load(EVENTS / "starts" / "put-event-selectors.json")


def changed(**detail: Any) -> dict[str, Any]:
    event = copy.deepcopy(put_event_selectors())
    for key, value in detail.items():
        if value is None:
            event["detail"].pop(key, None)
        else:
            event["detail"][key] = value
    return event


CASES = [
    # (pattern, event, expected): exact, case-sensitive, every named field
    (EVENT_PATTERN, changed(eventName="putEventSelectors"), False),
    (EVENT_PATTERN, changed(eventSource="CloudTrail.amazonaws.com"), False),
    (EVENT_PATTERN, changed(eventName=None), False),
    (EVENT_PATTERN, {**put_event_selectors(), "detail-type": "AWS Service Event via CloudTrail"},
     False),
    (EVENT_PATTERN, {**put_event_selectors(), "detail": "PutEventSelectors"}, False),
    # an array in the event matches when any element does
    ({"detail": {"eventName": ["StopLogging"]}}, changed(eventName=["Get", "StopLogging"]), True),
    ({"detail": {"readOnly": [False]}}, put_event_selectors(), True),
    ({"detail": {"readOnly": ["false"]}}, put_event_selectors(), False),  # type counts
    # content filters
    ({"detail": {"eventName": [{"prefix": "Put"}]}}, put_event_selectors(), True),
    ({"detail": {"eventName": [{"prefix": "Stop"}]}}, put_event_selectors(), False),
    ({"detail": {"eventName": [{"suffix": "Selectors"}]}}, put_event_selectors(), True),
    ({"detail": {"eventName": [{"anything-but": ["StopLogging"]}]}}, put_event_selectors(), True),
    ({"detail": {"eventName": [{"anything-but": "PutEventSelectors"}]}}, put_event_selectors(),
     False),
    ({"detail": {"errorCode": [{"exists": False}]}}, put_event_selectors(), True),
    ({"detail": {"errorCode": [{"exists": True}]}}, put_event_selectors(), False),
    ({"detail": {"eventName": [{"exists": True}]}}, put_event_selectors(), True),
    ({"detail": {"eventName": [{"equals-ignore-case": "puteventselectors"}]}},
     put_event_selectors(), True),
]  # fmt: skip


@pytest.mark.parametrize(("pattern", "event", "expected"), CASES)
def test_matching_rules(pattern: dict[str, Any], event: dict[str, Any], expected: bool) -> None:
    assert matches(pattern, event) is expected
    assert moto_says(pattern, event) is expected


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ({"detail": {"eventName": [{"numeric": [">", 0]}]}},
         "detail.eventName: content filter {'numeric': ['>', 0]} is not supported by this "
         "matcher"),
        ({"$or": [{"source": ["aws.cloudtrail"]}]}, "$or: not supported by this matcher"),
        ({"source": []}, "source: must be an object or a non-empty array"),
        ({"source": "aws.cloudtrail"}, "source: must be an object or a non-empty array"),
        ({}, "pattern: must be a non-empty object"),
    ],
)  # fmt: skip
def test_what_it_cannot_judge_is_refused_not_guessed(pattern: dict[str, Any], message: str) -> None:
    with pytest.raises(PatternError) as refused:
        matches(pattern, put_event_selectors())
    assert str(refused.value) == message
