"""The demo's aggregator step on the sandbox organization (moto in-process): the aggregator
leaves one of the three accounts out of its sources, so the population is INCOMPLETE and the
report is not a pass, whatever its findings say."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from moto import mock_aws

from trailguard.demo import REGIONS, Sandbox
from trailguard.demo.aggregator import AGGREGATOR, aggregator_step


@pytest.fixture
def sandbox() -> Iterator[tuple[Sandbox, io.StringIO]]:
    out = io.StringIO()
    with mock_aws():
        built = Sandbox(out)
        built.build()
        out.seek(0)
        out.truncate()
        yield built, out


@pytest.mark.slow  # the rules run in every account and region (about 10 s)
def test_an_account_missing_from_the_aggregator_makes_the_report_incomplete(
    sandbox: tuple[Sandbox, io.StringIO],
) -> None:
    built, out = sandbox
    report = aggregator_step(built)
    accounts = list(built.account_ids.values())
    left_out = accounts[-1]
    assert report.population is not None
    missing = (
        f"not in the sources of the aggregator {AGGREGATOR}: it does not collect from this "
        "account and region"
    )
    places = {(p.account, p.region): (p.state, p.why) for p in report.population.places}
    # Every active account of the organization times every region of the aggregator.
    assert sorted(places) == sorted((a, r) for a in accounts for r in REGIONS)
    assert {w: s for w, s in places.items() if w[0] == left_out} == {
        (left_out, r): ("no result", missing) for r in REGIONS
    }
    assert not report.population.complete
    assert not report.complete
    assert not report.all_clear
    # The left-out account's places are NOT_EVALUATED entries too, and only those with
    # concrete places are: entries and population agree.
    not_evaluated = {(e.account_id, e.region) for e in report.not_evaluated()}
    assert not_evaluated == {(p.account, p.region) for p in report.population.missing()}
    text = out.getvalue()
    assert f"The aggregator {AGGREGATOR} collects from every account but {left_out}:" in text
    assert f"  {report.population.statement()}\n" in text
    for region in REGIONS:
        assert f"  {left_out} {region}: {missing}\n" in text
    assert "the report is not a pass (exit 1): an incomplete population never is." in text
