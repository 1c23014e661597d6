"""What a report holds: one entry per finding, with the evidence and the fix.

Built from a live scan (``trailguard scan``: causes, example events and selectors included)
or from AWS Config's own results (``trailguard report``: the annotation is the evidence).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from trailguard import DOCUMENT_NAME
from trailguard.rules.logic import ACCOUNT_RULE, TRAIL_RULE, Finding, TrailFacts

# Columns of the flat (CSV) form, in order; JSON carries the same fields.
FIELDS = (
    "rule",
    "accountId",
    "region",
    "resourceType",
    "resourceId",
    "trailARN",
    "compliance",
    "annotation",
    "causes",
    "example",
    "selectors",
    "fix",
)


@dataclass(frozen=True, slots=True)
class ReportEntry:
    rule: str
    account_id: str
    region: str
    resource_type: str
    resource_id: str
    trail_arn: str | None
    compliance: str
    annotation: str
    causes: tuple[str, ...] = ()
    example: dict[str, str] | None = field(default=None, hash=False)
    selectors: dict[str, Any] | None = field(default=None, hash=False)
    fix: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "accountId": self.account_id,
            "region": self.region,
            "resourceType": self.resource_type,
            "resourceId": self.resource_id,
            "trailARN": self.trail_arn,
            "compliance": self.compliance,
            "annotation": self.annotation,
            "causes": list(self.causes),
            "example": self.example,
            "selectors": self.selectors,
            "fix": self.fix,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ReportEntry:
        return cls(
            rule=data["rule"],
            account_id=data["accountId"],
            region=data["region"],
            resource_type=data["resourceType"],
            resource_id=data["resourceId"],
            trail_arn=data.get("trailARN"),
            compliance=data["compliance"],
            annotation=data["annotation"],
            causes=tuple(data.get("causes") or ()),
            example=data.get("example"),
            selectors=data.get("selectors"),
            fix=data.get("fix"),
        )


def trail_fix(arn: str, region: str, name: str) -> str:
    """The fix for a trail that does not record the events: a command, or the document."""
    command = f"trailguard remediate --trail {arn} --region {region}"
    return f"{command} (or run the SSM document {DOCUMENT_NAME} with TrailName={name})"


def coverage_fix(region: str) -> str:
    """The fix for a region no trail covers."""
    return (
        "make one multi-region trail record SNS data events: "
        f"trailguard remediate --trail NAME --region {region} (or the SSM document {DOCUMENT_NAME})"
    )


def fix_for(finding: Finding, facts: TrailFacts | None) -> str | None:
    """The exact fix for a non-compliant finding, as a command and the Automation document."""
    if finding.compliance != "NON_COMPLIANT":
        return None
    if finding.rule_id == TRAIL_RULE and facts is not None:
        if facts.is_logging is False:
            return f"aws cloudtrail start-logging --name {facts.arn} --region {facts.home_region}"
        fix = trail_fix(facts.arn, facts.home_region, facts.name)
        if facts.is_organization:
            fix += (
                "; an organization trail: run it from the management account or a "
                "delegated administrator"
            )
        return fix
    if finding.rule_id == ACCOUNT_RULE:
        return coverage_fix(finding.region)
    return None


def entry_from_finding(finding: Finding, facts: TrailFacts | None) -> ReportEntry:
    verdict = finding.verdict
    causes: tuple[str, ...] = ()
    example = None
    if verdict is not None and verdict.gaps and finding.compliance == "NON_COMPLIANT":
        causes = tuple(f"{g.event_name} on {g.resource_type}: {g.cause}" for g in verdict.gaps)
        example = dict(verdict.gaps[0].example)
    return ReportEntry(
        rule=finding.rule_id,
        account_id=finding.account_id,
        region=finding.region,
        resource_type=finding.resource_type,
        resource_id=finding.resource_id,
        trail_arn=finding.trail_arn,
        compliance=finding.compliance,
        annotation=finding.annotation,
        causes=causes,
        example=example,
        selectors=facts.selectors if facts is not None and finding.trail_arn else None,
        fix=fix_for(finding, facts),
    )


def scan_report(
    findings: list[Finding],
    facts: dict[str, TrailFacts],
    errors: list[str],
    title: str,
    source: str,
    generated_at: str,
) -> Report:
    """The report of a live scan: each finding with its trail's evidence, in report order."""
    entries = [entry_from_finding(f, facts.get(f.trail_arn or "")) for f in findings]
    return Report(
        title=title,
        generated_at=generated_at,
        source=source,
        entries=tuple(sorted(entries, key=report_order)),
        errors=tuple(errors),
    )


def report_order(entry: ReportEntry) -> tuple[int, str, str, str, str]:
    """Non-compliant first, not-applicable last; then account, region, rule, resource."""
    rank = {"NON_COMPLIANT": 0, "NOT_APPLICABLE": 2}.get(entry.compliance, 1)
    return (rank, entry.account_id, entry.region, entry.rule, entry.resource_id)


@dataclass(frozen=True, slots=True)
class Report:
    title: str
    generated_at: str
    source: str
    entries: tuple[ReportEntry, ...]
    errors: tuple[str, ...] = ()

    @property
    def accounts(self) -> tuple[str, ...]:
        return tuple(sorted({e.account_id for e in self.entries}))

    @property
    def regions(self) -> tuple[str, ...]:
        return tuple(sorted({e.region for e in self.entries}))

    def trails(self) -> tuple[ReportEntry, ...]:
        return tuple(e for e in self.entries if e.rule == TRAIL_RULE)

    def coverage(self) -> tuple[ReportEntry, ...]:
        return tuple(e for e in self.entries if e.rule == ACCOUNT_RULE)

    def counts(self) -> dict[str, int]:
        return dict(Counter(e.compliance for e in self.entries))

    @property
    def non_compliant(self) -> bool:
        return any(e.compliance == "NON_COMPLIANT" for e in self.entries)

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "generatedAt": self.generated_at,
            "source": self.source,
            "summary": {
                "accounts": len(self.accounts),
                "regions": len(self.regions),
                "trails": len({e.trail_arn for e in self.trails() if e.trail_arn}),
                "compliance": self.counts(),
            },
            "findings": [e.to_dict() for e in self.entries],
            "errors": list(self.errors),
        }
