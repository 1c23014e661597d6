"""Every selector fixture against its folder's expected verdict and a whole-verdict snapshot.

The folder (compliant / non_compliant) is the hand-judged expectation, written before the core
(see fixtures/selectors/README.md); the snapshot pins the whole verdict, annotation, causes and
example events included. Every example must be unlogged according to the independent oracle.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from oracle import is_logged
from snapshots import assert_snapshot

from trailguard.core import (
    build_requirement,
    check_valid,
    effective_selectors,
    evaluate,
    parse_response,
    selectors_to_api,
)

HERE = Path(__file__).parent
FIXTURES = sorted((HERE / "fixtures" / "selectors").glob("*/*.json"))
SNAPSHOTS = HERE / "snapshots" / "selectors"


def _id(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


def test_enough_fixtures() -> None:
    folders = {p.parent.name for p in FIXTURES}
    assert folders == {"compliant", "non_compliant"}
    assert len(FIXTURES) >= 40


@pytest.mark.parametrize("path", FIXTURES, ids=_id)
def test_fixture_verdict(path: Path, update_snapshots: bool) -> None:
    config = parse_response(json.loads(path.read_text(encoding="utf-8")))
    check_valid(config)
    verdict = evaluate(config, build_requirement())
    assert verdict.compliance == path.parent.name.upper()
    assert 1 <= len(verdict.annotation) <= 256
    selectors = selectors_to_api(effective_selectors(config))
    for gap in verdict.gaps:
        assert not is_logged(selectors, gap.example), gap
    assert_snapshot(
        SNAPSHOTS / path.parent.name / f"{path.stem}.json", verdict.to_dict(), update_snapshots
    )
