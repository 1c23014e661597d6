"""``report --aggregator`` benchmark: prints figures, asserts nothing.

A synthetic organization (``tests/support/aggregator_world.py``: 5,000 accounts x 5 regions,
most evaluated; some accounts left out of the aggregator, some sources FAILED or OUTDATED,
some without the pack), Config's aggregator calls answered by the model of
``trailguard.demo.aggregator`` with a simulated latency per call (default 20 ms, real time),
Organizations' ``ListAccounts`` pages of 20 counted as calls (answered at once).

1. Calls: by operation, for the whole report.
2. Wall time of the 5,000-account report with 8 concurrent calls (the default), the pace set
   high (1,000 calls a second) so that the latency, not the pace, bounds it; then the same
   calls one at a time (the approach before), measured on a sample of the organization and
   scaled to its calls.
3. What the pace means against AWS: AWS documents no rate for these calls; at the default
   5 calls a second, the paced calls alone take calls / 5 seconds, whatever the concurrency.

    .venv/bin/python benchmarks/bench_aggregator.py [ACCOUNTS] [LATENCY_MS] [SAMPLE]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "support"))

from aggregator_world import AGGREGATOR, Recording, world  # noqa: E402

from trailguard.aws.aggregate_reads import DEFAULT_TPS, DEFAULT_WORKERS, Pacer  # noqa: E402
from trailguard.aws.config_results import from_aggregator  # noqa: E402


class Organizations:
    """ListAccounts in pages of 20 (its maximum MaxResults), through botocore's paginator
    interface, counting pages."""

    def __init__(self, accounts: list[tuple[str, str]]) -> None:
        self.accounts = accounts
        self.pages = 0

    def get_paginator(self, name: str) -> Any:
        assert name == "list_accounts"
        return self

    def paginate(self) -> Any:
        for n in range(0, len(self.accounts), 20):
            self.pages += 1
            yield {"Accounts": [{"Id": a, "State": s} for a, s in self.accounts[n : n + 20]]}


def run(accounts: int, latency: float, workers: int) -> tuple[float, dict[str, int], Any]:
    made = world(accounts)
    config = Recording(made.model, latency=latency)
    organizations = Organizations(made.accounts)
    start = time.perf_counter()
    _, population = from_aggregator(
        config, AGGREGATOR, "aws", organizations, workers=workers, pacer=Pacer(1000.0)
    )
    elapsed = time.perf_counter() - start
    calls = {**config.calls, "organizations list_accounts": organizations.pages}
    return elapsed, calls, population


def main() -> None:
    accounts = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    latency = (float(sys.argv[2]) if len(sys.argv) > 2 else 20.0) / 1000
    sample = int(sys.argv[3]) if len(sys.argv) > 3 else 100
    print(f"report --aggregator: {accounts} accounts x 5 regions, {latency * 1000:.0f} ms a call")
    elapsed, calls, population = run(accounts, latency, DEFAULT_WORKERS)
    total = sum(calls.values())
    print(f"  population: {population.statement()}")
    print(f"  calls: {total}")
    for name, count in sorted(calls.items()):
        print(f"    {name}: {count}")
    print(f"  {DEFAULT_WORKERS} concurrent calls: {elapsed:.1f} s ({total / elapsed:.0f} calls/s)")
    one, sample_calls, _ = run(sample, latency, 1)
    scaled = one * total / sum(sample_calls.values())
    print(
        f"  one call at a time (before): {one:.1f} s for {sample} accounts "
        f"({sum(sample_calls.values())} calls), {scaled:.0f} s scaled to {total} calls: "
        f"{scaled / elapsed:.1f}x the concurrent time"
    )
    paced = (
        calls["describe_aggregate_compliance_by_config_rules"]
        + calls["get_aggregate_compliance_details_by_config_rule"]
    )
    print(
        f"  against AWS at the default {DEFAULT_TPS:g} calls a second: {paced} paced calls take "
        f"at least {paced / DEFAULT_TPS:.0f} s ({paced / DEFAULT_TPS / 3600:.1f} h); "
        "raise --tps if Config allows more (throttling slows it down again)"
    )


if __name__ == "__main__":
    main()
