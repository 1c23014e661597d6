"""SARIF 2.1.0 for GitHub code scanning (OASIS SARIF 2.1.0; GitHub docs, "SARIF support for code
scanning").

One run, tool ``trailguard``, with a descriptor for every rule of the block (so ``ruleIndex`` is
stable): id, name, short and full description, help (text and Markdown, with the fix), help URI,
default level and tags; the rules whose findings mean the per-trail Config rule's
NON_COMPLIANT (ETG1001, WTG1003) carry its control mappings as ``properties.controls`` and as
``relationships`` to the run's ``taxonomies`` (one per framework, each control a taxon). A
result carries its level, its message (the core's cause and an example
event for a coverage gap), one location (the template property's line; for a plan, the
resource's ``.tf`` line, else its address in the plan) with the resource address as a logical
location, and ``partialFingerprints`` from the rule, the file, the resource and what the finding
is about, never from line numbers or wording, so an alert survives edits around it.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from typing import Any

from trailguard import __version__
from trailguard.rules.metadata import ControlMapping, load
from trailguard.rules.sns_data_events_enabled import RULE_ID as TRAIL_RULE_ID

from .judge import FileResult, finding_text
from .model import COVERAGE, NOT_LOGGING, RULES, Finding, Location

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT = "trailguard/v1"
_PROBLEM_SEVERITY = {"error": "error", "warning": "warning", "note": "recommendation"}


def _uri(file: str) -> str:
    """A repository-relative path when the file is under the working directory; otherwise an
    absolute ``file://`` URI."""
    path = os.path.abspath(file)
    relative = os.path.relpath(path)
    if not relative.startswith(".."):
        return relative.replace(os.sep, "/")
    return "file://" + path.replace(os.sep, "/")


# The IaC rules whose findings mean the trail rule's NON_COMPLIANT: they carry its controls.
CONTROLLED = (COVERAGE, NOT_LOGGING)


def _controls() -> tuple[ControlMapping, ...]:
    return load(TRAIL_RULE_ID).controls


def _taxonomies() -> list[dict[str, Any]]:
    """One SARIF taxonomy per framework the controls name, each control a taxon (SARIF 2.1.0
    §3.19.3, taxonomies; §3.49.15, a descriptor's relationships to taxa)."""
    frameworks: dict[str, list[ControlMapping]] = {}
    for control in _controls():
        frameworks.setdefault(control.framework, []).append(control)
    return [
        {
            "name": framework,
            "taxa": [{"id": c.control, "shortDescription": {"text": c.title}} for c in controls],
        }
        for framework, controls in frameworks.items()
    ]


def _relationships() -> list[dict[str, Any]]:
    return [
        {
            "target": {"id": c.control, "toolComponent": {"name": c.framework}},
            "kinds": ["relevant"],
            "properties": {"mapping": c.mapping},
        }
        for c in _controls()
    ]


def _descriptor(rule_id: str) -> dict[str, Any]:
    info = RULES[rule_id]
    properties: dict[str, Any] = {
        "tags": ["security", "cloudtrail", "audit-logging", "iac"],
        "precision": "very-high",
        "problem.severity": _PROBLEM_SEVERITY[info.level],
    }
    if rule_id == COVERAGE:
        properties["security-severity"] = "5.0"  # the Config rule's MEDIUM
    relationships = []
    if rule_id in CONTROLLED:
        properties["controls"] = [
            {"framework": c.framework, "control": c.control, "mapping": c.mapping}
            for c in _controls()
        ]
        relationships = _relationships()
    return {
        "id": info.id,
        "name": info.name,
        "shortDescription": {"text": info.short},
        "fullDescription": {"text": info.description},
        "help": {
            "text": f"{info.description}\n\nFix: {info.fix}",
            "markdown": f"{info.description}\n\n**Fix:** {info.fix}",
        },
        "helpUri": info.help_uri,
        "defaultConfiguration": {"level": info.level},
        "properties": properties,
        **({"relationships": relationships} if relationships else {}),
    }


def fingerprint(finding: Finding, location: Location) -> str:
    parts = (
        finding.rule,
        _uri(location.file),
        finding.resource.address,
        finding.key,
        ",".join(finding.scenarios),
    )
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]


def _result(finding: Finding, location: Location, index: int) -> dict[str, Any]:
    region: dict[str, Any] = {"startLine": location.line, "startColumn": location.column}
    if location.end_line is not None:
        region["endLine"] = location.end_line
        if location.end_column is not None:
            region["endColumn"] = location.end_column
    return {
        "ruleId": finding.rule,
        "ruleIndex": index,
        "level": finding.level,
        "message": {"text": f"{finding.resource.address}: {finding_text(finding)}"},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": _uri(location.file)},
                    "region": region,
                },
                "logicalLocations": [
                    {"fullyQualifiedName": finding.resource.address, "kind": "resource"}
                ],
            }
        ],
        "partialFingerprints": {FINGERPRINT: fingerprint(finding, location)},
        "properties": {
            "resourceType": finding.resource.resource_type,
            "scenarios": list(finding.scenarios),
        },
    }


def render_sarif(results: Sequence[FileResult]) -> str:
    """The findings of every file as one SARIF log."""
    ids = list(RULES)
    findings = [
        _result(finding, location, ids.index(finding.rule))
        for result in results
        for finding, location in result.findings
    ]
    log = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "trailguard",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "rules": [_descriptor(rule_id) for rule_id in ids],
                    }
                },
                "results": findings,
                "taxonomies": _taxonomies(),
            }
        ],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"
