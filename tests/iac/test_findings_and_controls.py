"""``iac``: each resource's verdict as a finding of the shared schema, and the controls in the
SARIF rule descriptors."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from findings import (
    TIME_PATTERN,
    TRAIL_RULE,
    assert_valid_finding,
    expected_controls,
    with_identity,
)
from sarif_checks import problems

from trailguard.cli import main

ROOT = Path(__file__).resolve().parents[2]
MORE = "tests/fixtures/iac/cloudformation/more.yaml"
DEFINITION = json.loads(
    (ROOT / "src/trailguard/rules/definitions" / f"{TRAIL_RULE}.json").read_text(encoding="utf-8")
)


def run(*argv: str) -> tuple[int, Any]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdin=io.StringIO(), stdout=out, stderr=err)
    assert err.getvalue() == ""
    return code, json.loads(out.getvalue())


@pytest.fixture(autouse=True)
def _at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def test_each_resource_carries_its_finding() -> None:
    code, [result] = run("iac", MORE, "--output", "json")
    assert code == 1
    findings = [r["finding"] for r in result["resources"]]
    for finding in findings:
        assert_valid_finding(finding)
    when = findings[0]["evaluatedAt"]
    assert re.fullmatch(TIME_PATTERN, when)
    # Undecidable before deploy is never a pass; selectors CloudTrail rejects fail.
    shown = [(f["resourceId"], f["resourceType"], f["compliance"], f["status"]) for f in findings]
    assert shown == [
        ("PrefixTrail", "AWS::CloudTrail::Trail", "NOT_EVALUATED", "NOT_EVALUATED"),
        ("DecidedTrail", "AWS::CloudTrail::Trail", "COMPLIANT", "PASS"),
        ("RejectedTrail", "AWS::CloudTrail::Trail", "NON_COMPLIANT", "FAIL"),
        ("StoppedTrail", "AWS::CloudTrail::Trail", "COMPLIANT", "PASS"),
        ("ManagementLake", "AWS::CloudTrail::EventDataStore", "NON_COMPLIANT", "FAIL"),
        ("SnsLake", "AWS::CloudTrail::EventDataStore", "COMPLIANT", "PASS"),
        ("AcceptedTrail", "AWS::CloudTrail::Trail", "NON_COMPLIANT", "FAIL"),
    ]  # fmt: skip
    decided = result["resources"][1]
    assert decided["finding"] == with_identity(
        {
            "rule": TRAIL_RULE,
            "accountId": None,
            "region": None,
            "resourceType": "AWS::CloudTrail::Trail",
            "resourceId": "DecidedTrail",
            "trailARN": None,
            "compliance": "COMPLIANT",
            "severity": DEFINITION["severity"],
            "annotation": decided["verdict"]["annotation"],
            "causes": [],
            "example": None,
            "selectors": None,
            "risk": DEFINITION["risk"],
            "fix": None,
        },
        when,
    )


def test_sarif_descriptors_carry_the_controls() -> None:
    _, log = run("iac", MORE, "--output", "sarif")
    assert problems(log) == []
    descriptors = {d["id"]: d for d in log["runs"][0]["tool"]["driver"]["rules"]}
    controls = expected_controls(TRAIL_RULE)
    for rule_id in ("ETG1001", "WTG1003"):
        assert descriptors[rule_id]["properties"]["controls"] == controls
        assert descriptors[rule_id]["relationships"] == [
            {
                "target": {"id": c["control"], "toolComponent": {"name": c["framework"]}},
                "kinds": ["relevant"],
                "properties": {"mapping": c["mapping"]},
            }
            for c in controls
        ]
    for rule_id in ("ETG1002", "ITG1004"):
        assert "controls" not in descriptors[rule_id]["properties"]
        assert "relationships" not in descriptors[rule_id]
    taxonomies = log["runs"][0]["taxonomies"]
    assert [t["name"] for t in taxonomies] == list(dict.fromkeys(c["framework"] for c in controls))
    assert [(t["name"], x["id"]) for t in taxonomies for x in t["taxa"]] == [
        (c["framework"], c["control"]) for c in controls
    ]
