"""Every selector fixture against its folder's expected verdict and a whole-verdict snapshot.

The folder (compliant / non_compliant) is the hand-judged expectation, written before the core
(see fixtures/selectors/README.md); the snapshot pins the whole verdict, annotation, causes,
certainties and example events included. Every example must be unlogged according to the
independent oracle, and outside the accepted exclusions a fixture names under the top-level key
``trailguardAcceptedExclusions`` (ignored by the response parser, as any unknown top-level key).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from oracle import LENIENT, STRICT, is_logged
from snapshots import assert_snapshot

from trailguard.core import (
    build_requirement,
    check_valid,
    effective_selectors,
    evaluate,
    parse_response,
    selectors_to_api,
)
from trailguard.core.exclusions import parse_exclusions

HERE = Path(__file__).resolve().parents[1]
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
    document = json.loads(path.read_text(encoding="utf-8"))
    config = parse_response(document)
    check_valid(config)
    exclusions = parse_exclusions(document.get("trailguardAcceptedExclusions", []))
    verdict = evaluate(config, build_requirement(exclusions=exclusions))
    assert verdict.compliance == path.parent.name.upper()
    assert 1 <= len(verdict.annotation) <= 256
    selectors = selectors_to_api(effective_selectors(config))
    excused = selectors_to_api(exclusions)
    for gap in verdict.gaps:
        assert not is_logged(selectors, gap.example, STRICT), gap
        assert not is_logged(excused, gap.example, STRICT), gap
        # A certain gap's example is unlogged however CloudTrail reads a missing field.
        assert is_logged(selectors, gap.example, LENIENT) == (gap.certainty == "undocumented"), gap
        assert gap.example.get("sessionCredentialFromConsole") in (None, "true"), gap
    assert_snapshot(
        SNAPSHOTS / path.parent.name / f"{path.stem}.json", verdict.to_dict(), update_snapshots
    )
