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


def expected_controls(rule: str) -> list[dict[str, str]]:
    path = DEFINITIONS / f"{rule}.json"
    if not path.is_file():
        return []
    controls = json.loads(path.read_text(encoding="utf-8"))["controls"]
    return [{k: c[k] for k in ("framework", "control", "mapping")} for c in controls]


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
