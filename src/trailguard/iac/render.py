"""``trailguard iac`` output for a person (``text``) and for tools (``json``); SARIF is in
:mod:`trailguard.iac.sarif`. A verdict is shown with ``check``'s own text and JSON."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from trailguard.core import Requirement
from trailguard.reporting.finding import now_text
from trailguard.reporting.formats.text import render_verdict
from trailguard.reporting.results import verdict_finding

from .judge import INVALID_SELECTORS, UNDECIDABLE, FileResult, Judgement, finding_text
from .model import COVERAGE, Finding, Location


def _where(location: Location | None) -> str:
    return f"{location.file}:{location.line}" if location else ""


def _locations(result: FileResult) -> dict[tuple[str, str, str | None], Location]:
    found: dict[tuple[str, str, str | None], Location] = {}
    for finding, location in result.findings:
        key = (finding.resource.address, finding.rule, finding.key)
        found.setdefault(key, location)
    return found


def _declared(judgement: Judgement, result: FileResult) -> Location | None:
    if judgement.resource.declared is not None:
        return judgement.resource.declared
    for finding, location in result.findings:
        if finding.resource.address == judgement.resource.address:
            return location
    return None


def _shown(finding: Finding, judgement: Judgement) -> bool:
    """Whether ``finding`` (merged across scenarios) applies to ``judgement``'s scenario."""
    if finding.resource.address != judgement.resource.address:
        return False
    scenario = judgement.resource.scenario
    return not finding.scenarios or scenario in finding.scenarios


def _verdict_lines(judgement: Judgement, requirement: Requirement) -> list[str]:
    result = judgement.check_result(requirement)
    if result is None or judgement.status == "UNDECIDED":
        return []
    lines = render_verdict(result).splitlines()[1:]
    return [line for line in lines if not line.strip().startswith("fix:")]


def _fix(judgement: Judgement, requirement: Requirement) -> list[str]:
    verdict = judgement.verdict
    if verdict is None or verdict.compliant:
        return []
    types = dict.fromkeys(gap.resource_type for gap in verdict.gaps)
    return [
        f"  fix: a selector with eventCategory Equals [Data] and resources.type Equals [{t}], "
        "and no other condition, logs them all"
        for t in types
    ]


def render_text(results: Sequence[FileResult], requirement: Requirement) -> str:
    """Per file, per resource (per condition scenario): the status, ``check``'s lines for the
    verdict, and every other finding with its rule id."""
    out: list[str] = []
    for result in results:
        out.append(f"== {result.source}")
        if not result.judgements:
            out.append("  no trail or event data store")
        for judgement in result.judgements:
            resource = judgement.resource
            when = f" when {resource.scenario}" if resource.scenario else ""
            where = _where(_declared(judgement, result))
            out.append(
                f"{judgement.status}  {resource.address}{when}  ({resource.resource_type}"
                + (f", {where})" if where else ")")
            )
            out += _verdict_lines(judgement, requirement)
            for finding, location in result.findings:
                if finding.rule != COVERAGE and _shown(finding, judgement):
                    out.append(f"  {finding.rule} {_where(location)}: {finding.message}")
            if judgement.verdict is not None and judgement.status != "UNDECIDED":
                out += _fix(judgement, requirement)
    return "\n".join(out) + "\n"


def _finding_json(finding: Finding, location: Location) -> dict[str, Any]:
    return {
        "ruleId": finding.rule,
        "level": finding.level,
        "message": finding_text(finding),
        "path": list(finding.resource.source_path(finding.path)),
        "scenarios": list(finding.scenarios),
        "location": {"file": location.file, "line": location.line, "column": location.column},
    }


# A judgement's status as a Config compliance value: what cannot be decided before deploy is
# never a pass; selectors CloudTrail would reject fail.
_COMPLIANCE = {UNDECIDABLE: "NOT_EVALUATED", INVALID_SELECTORS: "NON_COMPLIANT"}


def judgement_finding(judgement: Judgement, result: FileResult, when: str) -> dict[str, Any]:
    """The resource's verdict as a finding of the per-trail rule, in the shape every command's
    findings share (``schema/finding.schema.json``; no account or region: a template has
    none). The resource id is the address (with its condition scenario, if any)."""
    resource = judgement.resource
    compliance = _COMPLIANCE.get(judgement.status, judgement.status)
    if judgement.status in _COMPLIANCE or judgement.verdict is None:
        texts = [finding_text(f) for f, _ in result.findings if _shown(f, judgement)]
        annotation = texts[0] if texts else judgement.status
    else:
        annotation = judgement.verdict.annotation
    scenario = f" when {resource.scenario}" if resource.scenario else ""
    return verdict_finding(
        resource_id=resource.address + scenario,
        trail_arn=resource.trail_arn,
        compliance=compliance,
        annotation=annotation,
        evaluated_at=when,
        verdict=judgement.verdict if judgement.status not in _COMPLIANCE else None,
        resource_type=resource.resource_type,
    )


def render_json(results: Sequence[FileResult], requirement: Requirement) -> str:
    """A list of files, each with its resources (``verdict``: ``check``'s JSON; ``finding``:
    the verdict in the shape every command's findings share) and its findings (the IaC rules',
    as SARIF shows them)."""
    when = now_text()
    files = []
    for result in results:
        resources = []
        for judgement in result.judgements:
            check = judgement.check_result(requirement)
            resource = judgement.resource
            resources.append(
                {
                    "address": resource.address,
                    "resourceType": resource.resource_type,
                    "kind": resource.kind,
                    "scenario": resource.scenario,
                    "status": judgement.status,
                    "verdict": check.to_dict() if check is not None else None,
                    "finding": judgement_finding(judgement, result, when),
                }
            )
        files.append(
            {
                "source": result.source,
                "resources": resources,
                "findings": [_finding_json(f, loc) for f, loc in result.findings],
            }
        )
    return json.dumps(files, indent=2, ensure_ascii=False) + "\n"
