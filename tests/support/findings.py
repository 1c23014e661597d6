"""What every finding adds (``schema/finding.schema.json``), written out independently of the
code under test: the id from its documented recipe, the status table, the controls as the
definitions list them. And the schema, to validate every JSON output against."""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_PATH = ROOT / "schema" / "finding.schema.json"
DEFINITIONS = ROOT / "src" / "trailguard" / "rules" / "definitions"
STATUS = {"COMPLIANT": "PASS", "NON_COMPLIANT": "FAIL", "NOT_APPLICABLE": "NOT_APPLICABLE"}
TIME_PATTERN = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"


def expected_id(
    rule: str, account: str | None, region: str | None, resource_type: str, resource_id: str
) -> str:
    text = "\x1f".join((rule, account or "", region or "", resource_type, resource_id))
    return f"{rule}/{hashlib.sha256(text.encode()).hexdigest()[:32]}"


# The rules in the registry's order, for what has no result under every rule ("*").
RULES = ("cloudtrail-sns-data-events-enabled", "cloudtrail-sns-data-events-account-coverage")


def expected_controls(rule: str) -> list[dict[str, str]]:
    """The rule's controls as its definition lists them; for "*", every rule's, each once."""
    if rule == "*":
        found: list[dict[str, str]] = []
        for each in RULES:
            found += [c for c in expected_controls(each) if c not in found]
        return found
    path = DEFINITIONS / f"{rule}.json"
    if not path.is_file():
        return []
    controls = json.loads(path.read_text(encoding="utf-8"))["controls"]
    return [{k: c[k] for k in ("framework", "control", "mapping")} for c in controls]


def controls_line(rule: str) -> str:
    """The rule's controls as the CSV, HTML and Markdown forms write them, on one line."""
    return "; ".join(f"{c['framework']} {c['control']} ({c['mapping']})"
                     for c in expected_controls(rule))  # fmt: skip


def with_identity(finding: dict[str, Any], evaluated_at: str) -> dict[str, Any]:
    """``finding`` (the fields before identity came) with id, status, evaluatedAt, controls."""
    return {
        **finding,
        "id": expected_id(
            finding["rule"], finding["accountId"], finding["region"],
            finding["resourceType"], finding["resourceId"],
        ),
        "status": STATUS.get(finding["compliance"], "NOT_EVALUATED"),
        "evaluatedAt": evaluated_at,
        "controls": expected_controls(finding["rule"]),
        # Topics are listed by scan only; an exemption comes from the run's exemptions.
        "unrecordedTopics": finding.get("unrecordedTopics"),
        "topicsChecked": finding.get("topicsChecked"),
        "exemption": finding.get("exemption"),
    }  # fmt: skip


@cache
def _validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def assert_valid_finding(finding: Any) -> None:
    """``finding`` fits the published schema (jsonschema's message when not)."""
    _validator().validate(finding)


def assert_valid_findings(findings: Any) -> None:
    assert isinstance(findings, list) and findings
    for finding in findings:
        assert_valid_finding(finding)


TRAIL_RULE = "cloudtrail-sns-data-events-enabled"
TRAIL_TYPE = "AWS::CloudTrail::Trail"


def _definition(rule: str) -> dict[str, Any]:
    return dict(json.loads((DEFINITIONS / f"{rule}.json").read_text(encoding="utf-8")))


def expected_verdict_finding(verdict: dict[str, Any], evaluated_at: str) -> dict[str, Any]:
    """What ``check`` shows as the finding of a verdict object (its JSON without ``finding``):
    the per-trail rule's, account and region from the trail ARN (null without one). The fix
    is the rule's text, taken as shown: present exactly when NON_COMPLIANT."""
    arn = verdict["trailARN"]
    account = region = None
    resource_id = verdict.get("source", "-")
    if arn and arn.count(":") >= 5:
        _, _, _, region, account, rest = arn.split(":", 5)
        resource_id = rest.removeprefix("trail/") or resource_id
    failing = verdict["compliance"] == "NON_COMPLIANT"
    gaps = verdict["gaps"] if failing else []
    definition = _definition(TRAIL_RULE)
    return with_identity(
        {
            "rule": TRAIL_RULE,
            "accountId": account or None,
            "region": region or None,
            "resourceType": TRAIL_TYPE,
            "resourceId": resource_id,
            "trailARN": arn,
            "compliance": verdict["compliance"],
            "severity": definition["severity"],
            "annotation": verdict["annotation"],
            "causes": [f"{g['eventName']} on {g['resourceType']}: {g['cause']}" for g in gaps],
            "example": gaps[0]["example"] if gaps else None,
            "selectors": None,
            "risk": definition["risk"],
            "fix": None,
        },
        evaluated_at,
    )


def without_finding(data: Any) -> Any:
    """``check``'s JSON (one verdict object, or a list of them) with each ``finding`` taken
    out after checking it: valid against the schema, and what the verdict says."""
    import re

    for verdict in data if isinstance(data, list) else [data]:
        finding = verdict.pop("finding")
        assert_valid_finding(finding)
        assert re.fullmatch(TIME_PATTERN, finding["evaluatedAt"])
        expected = expected_verdict_finding(verdict, finding["evaluatedAt"])
        fix = finding["fix"]
        assert (fix is not None) == (verdict["compliance"] == "NON_COMPLIANT")
        assert finding == {**expected, "fix": fix}
    return data
