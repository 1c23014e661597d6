"""Topics benchmark: how fast ``trailguard scan`` judges each listed SNS topic (prints figures,
asserts nothing).

The judgement is pure (trailguard.rules.topics); the listing is one ListTopics call per 100
topics, paced at SNS's 30 calls a second, so 10,000 topics take at least 3.3 s of listing per
account-region whatever the judging costs. Shapes, each over 10,000 topics of one
account-region (names ``team-NNN-topic-M``):

- covered: a trail that records every topic (the usual case: no search at all);
- narrowed: a trail whose SNS selector names 40 team prefixes and excludes 60 exact topics;
  the answer is remembered per class of ARNs (which prefixes and exact values it meets);
- uncached: the same, one search per topic (what the classes save), on 300 topics;
- many regions: 100 account-regions of 1,000 topics each, one multi-region trail whose SNS
  selector names topics by suffix (``-topic-0`` ... ``-topic-4``): one set of answers serves
  every region.
"""

from __future__ import annotations

import time
from typing import Any

from trailguard.rules.facts import TrailFacts
from trailguard.rules.parameters import rule_parameters
from trailguard.rules.topics import TOPIC_TYPE, TopicJudge, joint_config

ACCOUNT = "111122223333"
REGION = "us-east-1"
BASE = f"arn:aws:sns:{REGION}:{ACCOUNT}:"
DATA = [
    {"Field": "eventCategory", "Equals": ["Data"]},
    {"Field": "resources.type", "Equals": ["AWS::SNS::Topic"]},
]


def trail(selectors: list[dict[str, Any]], region: str = REGION) -> TrailFacts:
    return TrailFacts(
        name="bench",
        arn=f"arn:aws:cloudtrail:{region}:{ACCOUNT}:trail/bench",
        home_region=region,
        is_multi_region=True,
        selectors={"AdvancedEventSelectors": selectors},
        is_logging=True,
    )


COVERED = [{"Name": "all topics", "FieldSelectors": DATA}]


def narrowed(base: str = BASE) -> list[dict[str, Any]]:
    return [
        {
            "Name": "some teams",
            "FieldSelectors": [
                *DATA,
                {
                    "Field": "resources.ARN",
                    "StartsWith": [f"{base}team-{i:03}-" for i in range(40)],
                    "NotEquals": [f"{base}team-{i:03}-topic-0" for i in range(60)],
                },
            ],
        }
    ]


SUFFIXES = [
    {
        "Name": "by suffix",
        "FieldSelectors": [
            *DATA,
            {"Field": "resources.ARN", "EndsWith": [f"-topic-{i}" for i in range(5)]},
        ],
    }
]


def topics(count: int, base: str = BASE) -> list[tuple[str, str]]:
    return [(TOPIC_TYPE, f"{base}team-{i % 100:03}-topic-{i // 100}") for i in range(count)]


def timed(label: str, count: int, run: Any) -> None:
    start = time.perf_counter()
    detail = run()
    seconds = time.perf_counter() - start
    print(
        f"{label}: {count:,} topics in {seconds * 1000:.0f} ms = "
        f"{seconds / count * 1e6:.1f} µs/topic; {detail}"
    )


def main() -> None:
    params = rule_parameters()
    many = topics(10_000)

    def covered() -> str:
        judged = TopicJudge(params).judge(ACCOUNT, REGION, [trail(COVERED)], many)
        return f"{len(judged.unrecorded):,} unrecorded"

    def cached() -> str:
        judge = TopicJudge(params)
        judged = judge.judge(ACCOUNT, REGION, [trail(narrowed())], many)
        searches = judge.coverage(joint_config([trail(narrowed())]), judge.requirement("aws"))
        return f"{len(judged.unrecorded):,} unrecorded; {searches.searches} searches (classes)"

    def uncached() -> str:
        sample = many[:300]
        unrecorded = 0
        for resource in sample:  # a new judge each time: nothing remembered
            unrecorded += len(TopicJudge(params).judge(ACCOUNT, REGION, [trail(narrowed())],
                                                       [resource]).unrecorded)  # fmt: skip
        return f"{unrecorded} unrecorded; one search per topic"

    def regions() -> str:
        judge = TopicJudge(params)
        unrecorded = 0
        for i in range(100):
            region = f"region-{i:03}"
            base = f"arn:aws:sns:{region}:{ACCOUNT}:"
            judged = judge.judge(ACCOUNT, region, [trail(SUFFIXES)], topics(1_000, base))
            unrecorded += len(judged.unrecorded)
        searches = judge.coverage(joint_config([trail(SUFFIXES)]), judge.requirement("aws"))
        return f"{unrecorded:,} unrecorded; {searches.searches} searches in all"

    timed("covered (no search)", len(many), covered)
    timed("narrowed, remembered per class", len(many), cached)
    timed("narrowed, uncached", 300, uncached)
    timed("by suffix, 100 account-regions x 1,000", 100_000, regions)


if __name__ == "__main__":
    main()
