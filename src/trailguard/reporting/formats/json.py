"""``json``: the machine form of every command; a report parses back (:func:`parse_json`).

Written with :func:`..escape.json_text`: valid JSON for any strict reader, nothing a terminal
acts on, and a lone surrogate from the input as the visible text ``\\udXXX``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from ..escape import json_text
from ..model import Report, ReportEntry
from ..results import CheckResult, PlanResult, RemediationView
from ..scope import Population, ReportScope
from . import Format


def render_report(report: Report) -> str:
    return json_text(report.to_dict(), ensure_ascii=False) + "\n"


def parse_json(text: str) -> Report:
    """The report that ``render_report`` printed, its scope and population too (its summary
    and its ``notEvaluated`` sentences are recomputed from the findings)."""
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError("a JSON report is an object")
    try:
        findings = data["findings"]
        if not isinstance(findings, list) or not all(isinstance(f, dict) for f in findings):
            raise ValueError("findings: expected a list of objects")
        scope, population = data.get("scope"), data.get("population")
        return Report(
            title=str(data["title"]),
            generated_at=str(data["generatedAt"]),
            source=str(data["source"]),
            entries=tuple(ReportEntry.from_dict(f) for f in findings),
            scope=None if scope is None else ReportScope.from_dict(scope),
            population=None if population is None else Population.from_dict(population),
        )
    except KeyError as exc:
        raise ValueError(f"a JSON report needs the key {exc}") from exc


def _dumps(value: Any) -> str:
    return json_text(value) + "\n"


def render_check(results: Sequence[CheckResult]) -> str:
    """One input: its verdict object. Several: a list of them, each with its ``source``.
    Each verdict object ends with ``finding``: the verdict in the shape every command's
    findings share (``schema/finding.schema.json``)."""
    if len(results) == 1:
        return _dumps({**results[0].to_dict(), "finding": results[0].finding()})
    return _dumps([{"source": r.source, **r.to_dict(), "finding": r.finding()} for r in results])


def render_plan(result: PlanResult) -> str:
    return _dumps(result.to_dict())


def render_remediation(result: RemediationView) -> str:
    return _dumps(result.to_dict())


FORMAT = Format(
    name="json",
    summary="for tools (a report parses back to the same findings)",
    rank=1,
    report=render_report,
    check=render_check,
    plan=render_plan,
    remediation=render_remediation,
)
