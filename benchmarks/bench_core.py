"""Core benchmark: prints figures, asserts nothing (speed is never a test that can flake).

- typical: a trail with management, S3 and SNS selectors, from the JSON response to the
  verdict (parse + validate + evaluate), on one core.
- limit: trails at CloudTrail's 500-condition-value limit, one verdict each, worst of several
  shapes: one that only the union of three selectors makes compliant (the search must visit
  every class), and non-compliant ones with prefixes, suffixes and exact values on both free
  string fields across several selectors.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from trailguard.core import build_requirement, check_valid, evaluate, parse_response

REQUIREMENT = build_requirement()
TOPIC = "arn:aws:sns:us-east-1:111122223333:"

TYPICAL: dict[str, Any] = {
    "TrailARN": "arn:aws:cloudtrail:us-east-1:111122223333:trail/org-trail",
    "AdvancedEventSelectors": [
        {
            "Name": "Management events",
            "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}],
        },
        {
            "Name": "S3 objects in audited buckets",
            "FieldSelectors": [
                {"Field": "eventCategory", "Equals": ["Data"]},
                {"Field": "resources.type", "Equals": ["AWS::S3::Object"]},
                {"Field": "resources.ARN", "StartsWith": ["arn:aws:s3:::audit-bucket/"]},
            ],
        },
        {
            "Name": "SNS publishes",
            "FieldSelectors": [
                {"Field": "eventCategory", "Equals": ["Data"]},
                {"Field": "resources.type", "Equals": ["AWS::SNS::Topic"]},
            ],
        },
    ],
}


def _data(name: str, *fields: dict[str, Any]) -> dict[str, Any]:
    base = [
        {"Field": "eventCategory", "Equals": ["Data"]},
        {"Field": "resources.type", "Equals": ["AWS::SNS::Topic"]},
    ]
    return {"Name": name, "FieldSelectors": base + list(fields)}


def _limit_shapes() -> dict[str, dict[str, Any]]:
    excluded = [f"{TOPIC}excluded-{i:03d}" for i in range(496)]
    prefixes = [f"{TOPIC}team-{i:03d}-" for i in range(496)]
    mixed: list[dict[str, Any]] = []
    for k in range(4):  # 4 selectors x (2 + 121) values = 492
        mixed.append(
            _data(
                f"mixed-{k}",
                {"Field": "resources.ARN", "StartsWith": [f"{TOPIC}p{k}-{i}" for i in range(30)]},
                {"Field": "resources.ARN", "NotEndsWith": [f"-s{k}-{i}" for i in range(30)]},
                {
                    "Field": "userIdentity.arn",
                    "NotStartsWith": [f"arn:aws:iam::{k}{i}" for i in range(30)],
                },
                {"Field": "userIdentity.arn", "EndsWith": [f"/role-{k}-{i}" for i in range(30)]},
                {"Field": "sessionCredentialFromConsole", "Equals": ["false"]},
            )
        )
    listed = [f"{TOPIC}p{i}-" for i in range(120)]
    suffixes = [f"/session-{i}" for i in range(60)]
    split = [
        _data(
            "listed topics, callers ending so",
            {"Field": "resources.ARN", "StartsWith": listed},
            {"Field": "userIdentity.arn", "EndsWith": suffixes},
        ),
        _data(
            "listed topics, other callers",
            {"Field": "resources.ARN", "StartsWith": listed},
            {"Field": "userIdentity.arn", "NotEndsWith": suffixes},
        ),
        _data("all other topics", {"Field": "resources.ARN", "NotStartsWith": listed}),
    ]
    return {
        "3 selectors that together log everything but callerless records (undocumented gap)": {
            "AdvancedEventSelectors": split
        },
        "496 excluded topics (NotEquals)": {
            "AdvancedEventSelectors": [
                _data("all but excluded", {"Field": "resources.ARN", "NotEquals": excluded})
            ]
        },
        "496 topic prefixes (StartsWith)": {
            "AdvancedEventSelectors": [
                _data("team prefixes", {"Field": "resources.ARN", "StartsWith": prefixes})
            ]
        },
        "4 selectors mixing every operator on ARN and caller": {"AdvancedEventSelectors": mixed},
    }


def _verdict(response: dict[str, Any]) -> str:
    config = parse_response(response)
    check_valid(config)
    return evaluate(config, REQUIREMENT).compliance


def _rate(fn: Callable[[], object], seconds: float = 1.0, windows: int = 5) -> tuple[float, int]:
    """The best rate over several windows (the least disturbed by anything else running)."""
    best, total = 0.0, 0
    for _ in range(windows):
        count, start = 0, time.perf_counter()
        while (elapsed := time.perf_counter() - start) < seconds:
            for _ in range(200):
                fn()
            count += 200
        best, total = max(best, count / elapsed), total + count
    return best, total


def _best_time(fn: Callable[[], object], repeats: int = 7) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    raw = json.dumps(TYPICAL)
    assert _verdict(TYPICAL) == "COMPLIANT"
    rate, _ = _rate(lambda: _verdict(json.loads(raw)))
    print(
        f"typical trail (management + S3 + SNS), JSON to verdict: {rate:,.0f} verdicts/s "
        f"on one core (best of 5 one-second windows; target >= 20,000/s)"
    )
    config = parse_response(TYPICAL)
    rate, _ = _rate(lambda: evaluate(config, REQUIREMENT))
    print(f"typical trail, evaluate only: {rate:,.0f} verdicts/s")
    worst = 0.0
    for name, response in _limit_shapes().items():
        config = parse_response(response)
        check_valid(config)
        values = sum(
            len(v)
            for s in response["AdvancedEventSelectors"]
            for f in s["FieldSelectors"]
            for k, v in f.items()
            if k != "Field"
        )
        seconds = _best_time(lambda r=response: _verdict(r))  # type: ignore[misc]
        worst = max(worst, seconds)
        verdict = _verdict(response)
        print(f"500-value limit, {name} ({values} values, {verdict}): {seconds * 1000:.2f} ms")
    print(f"500-value limit, worst shape: {worst * 1000:.2f} ms per verdict (target <= 10 ms)")


if __name__ == "__main__":
    main()
