"""Remediation under injected faults: the figures for issue 11.

Runs ``trailguard.aws.remediate`` over N generated configurations (seeded) against moto with
the fault double of ``tests/support/aws_model.py``: stale reads after every put, PutEventSelectors
throttled at 1 call/s, ConflictException, unparsable read-backs, and another writer changing
the trail at a random point of the run. Prints the fixes undone, other writers' selectors lost
and outcomes reported untruthfully (goal 0 each), and the outcomes.

    .venv/bin/python benchmarks/bench_remediate.py [N] [SEED]
"""

from __future__ import annotations

import os
import random
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "support"))
for name, value in (
    ("AWS_ACCESS_KEY_ID", "testing"),
    ("AWS_SECRET_ACCESS_KEY", "testing"),
    ("AWS_DEFAULT_REGION", "us-east-1"),
):
    os.environ[name] = value
os.environ.pop("AWS_PROFILE", None)


def figures(n: int, seed: int) -> dict[str, object]:
    from aws_model import case_pool, random_case, run_case
    from selector_data import ACCOUNT, moto_with_bucket

    from trailguard.aws.remediate import remediate
    from trailguard.core import build_requirement

    rng, pool, requirement = random.Random(seed), case_pool(), build_requirement()
    outcomes: Counter[str] = Counter()
    undone = lost = race = untruthful = hidden = 0
    examples: list[str] = []
    with moto_with_bucket():
        for i in range(n):
            case = random_case(rng, pool)
            report = run_case(case, pool, requirement, f"trail-{i:05d}", remediate, ACCOUNT)
            outcomes[report.outcome] += 1
            undone += report.fixes_undone
            lost += report.other_lost
            race += report.other_lost_in_race
            untruthful += bool(report.untruthful)
            hidden += report.hidden
            if (report.untruthful or report.other_lost or report.fixes_undone) and len(
                examples
            ) < 5:
                examples.append(f"{case} -> {report}")
    return {
        "cases": n,
        "fixes undone": undone,
        "other writers' selectors lost": lost,
        "lost in the read-put race (no read could show them)": race,
        "outcomes reported untruthfully": untruthful,
        "claims contradicted only because stale reads hid another writer's put": hidden,
        "outcomes": dict(sorted(outcomes.items())),
        "examples": examples,
    }


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 11
    started = time.perf_counter()
    result = figures(n, seed)
    for key, value in result.items():
        print(f"{key}: {value}")
    print(f"({time.perf_counter() - started:.1f} s)")


if __name__ == "__main__":
    main()
