"""What a report holds: one entry per finding, with the evidence and the fix.

Built from a live scan (``trailguard scan``: causes, example events and selectors included)
or from AWS Config's own results (``trailguard report``: the annotation is the evidence).

What was asked for but has no result is an entry too, with compliance NOT_EVALUATED: its
account, region and rule say what has no result (``*`` for every one asked) and its annotation
says why. A report is never empty: with no entry at all it holds one NOT_EVALUATED entry, so
that no rendering can show an all-clear for nothing.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any

from trailguard.rules.facts import Finding, TrailFacts
from trailguard.rules.registry import SCOPE_RESOURCE_TYPES, Rule, Scope, rules

from .finding import SEVERITIES, identity
from .scope import Population, ReportScope
from .topics import TopicsByPlace, with_topics

TRAIL_TYPE = SCOPE_RESOURCE_TYPES["trail"]
ACCOUNT_TYPE = SCOPE_RESOURCE_TYPES["account-region"]

NOT_EVALUATED = "NOT_EVALUATED"
# In a NOT_EVALUATED entry's account, region or rule: every one asked for.
ANY = "*"
NOTHING_EVALUATED = "nothing was evaluated: the report holds no result"

# Columns of the flat (CSV) form, in order; JSON carries the same fields (a finding of
# schema/finding.schema.json). Fields that came later are last.
FIELDS = (
    "rule",
    "accountId",
    "region",
    "resourceType",
    "resourceId",
    "trailARN",
    "compliance",
    "severity",
    "annotation",
    "causes",
    "example",
    "selectors",
    "risk",
    "fix",
    "id",
    "status",
    "evaluatedAt",
    "controls",
    "unrecordedTopics",
    "topicsChecked",
    "exemption",
)


def known_rule(rule_id: str) -> Rule | None:
    """The registry's rule ``rule_id``; None for another (a report from Config) and ``ANY``."""
    return next((r for r in rules() if r.id == rule_id), None)


def scope_of(rule_id: str) -> Scope | None:
    """The scope of ``rule_id`` in the registry, None when it is not one of trailguard's."""
    return found.scope if (found := known_rule(rule_id)) is not None else None


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
    # From the rule's metadata: the severity of a NON_COMPLIANT verdict, and why it matters.
    severity: str | None = None
    risk: str | None = None
    # When the verdict was reached (see :mod:`.finding`); the report's time when not given.
    evaluated_at: str | None = None
    # scan, account-region rules: the topics (and platform endpoints) of this account and
    # region whose publishes go unrecorded, and how many were checked (None: not listed).
    unrecorded_topics: tuple[str, ...] | None = None
    topics_checked: int | None = None
    # Why this finding is exempted (an account-region exemption), None when it is not.
    exemption: str | None = None

    def to_dict(self) -> dict[str, Any]:
        found = identity(
            self.rule,
            self.account_id,
            self.region,
            self.resource_type,
            self.resource_id,
            self.compliance,
        )
        return {
            "rule": self.rule,
            "accountId": self.account_id,
            "region": self.region,
            "resourceType": self.resource_type,
            "resourceId": self.resource_id,
            "trailARN": self.trail_arn,
            "compliance": self.compliance,
            "severity": self.severity,
            "annotation": self.annotation,
            "causes": list(self.causes),
            "example": self.example,
            "selectors": self.selectors,
            "risk": self.risk,
            "fix": self.fix,
            "id": found["id"],
            "status": found["status"],
            "evaluatedAt": self.evaluated_at,
            "controls": found["controls"],
            "unrecordedTopics": (
                None if self.unrecorded_topics is None else list(self.unrecorded_topics)
            ),
            "topicsChecked": self.topics_checked,
            "exemption": self.exemption,
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
            severity=data.get("severity"),
            risk=data.get("risk"),
            evaluated_at=data.get("evaluatedAt"),
            unrecorded_topics=_topics(data.get("unrecordedTopics")),
            topics_checked=_count(data.get("topicsChecked")),
            exemption=data.get("exemption"),
        )


def _topics(value: Any) -> tuple[str, ...] | None:
    return None if value is None else tuple(str(v) for v in value)


def _count(value: Any) -> int | None:
    return None if value is None else int(value)


def not_evaluated_entry(
    annotation: str,
    *,
    account: str = ANY,
    region: str = ANY,
    rule: str = ANY,
    trail: str | None = None,
    trail_arn: str | None = None,
) -> ReportEntry:
    """What has no result (``ANY`` for every account, region or rule asked) and why.

    The resource is the trail when one is named, else the account (``ANY`` when unknown).
    """
    if trail is not None:
        resource_type, resource_id = TRAIL_TYPE, trail
    elif scope_of(rule) == "trail":
        resource_type, resource_id = TRAIL_TYPE, ANY
    else:
        resource_type, resource_id = ACCOUNT_TYPE, account
    return ReportEntry(
        rule=rule,
        account_id=account,
        region=region,
        resource_type=resource_type,
        resource_id=resource_id,
        trail_arn=trail_arn,
        compliance=NOT_EVALUATED,
        annotation=annotation,
        severity=severity_of(rule),
        risk=risk_of(rule),
    )


def severity_of(rule_id: str) -> str | None:
    """The severity the rule's definition gives a NON_COMPLIANT verdict; for ``ANY``, the
    highest of every rule's; None for a rule trailguard does not ship."""
    if rule_id == ANY:
        return max((r.metadata.severity for r in rules()), key=SEVERITIES.index, default=None)
    found = known_rule(rule_id)
    return found.metadata.severity if found is not None else None


def risk_of(rule_id: str) -> str | None:
    """Why the rule matters, from its definition (None for a rule trailguard does not ship)."""
    found = known_rule(rule_id)
    return found.metadata.risk if found is not None else None


def fix_for(finding: Finding, facts: TrailFacts | None) -> str | None:
    """The fix of a NON_COMPLIANT finding: the rule's exact one (a command for this trail or
    region) when it can say one, else the general fix from the rule's definition."""
    if finding.compliance != "NON_COMPLIANT":
        return None
    found = known_rule(finding.rule_id)
    if found is None:
        return None
    return found.fix_text(finding, facts) or found.metadata.fix


def statement(entry: ReportEntry) -> str:
    """A NOT_EVALUATED entry as one sentence: what has no result, then why.

    E.g. "account 111122223333, region eu-west-1: DescribeTrails failed: AccessDenied: ...".
    """
    scope = []
    if entry.account_id != ANY:
        scope.append(f"account {entry.account_id}")
    if entry.region != ANY:
        scope.append(f"region {entry.region}")
    if entry.rule != ANY:
        scope.append(f"rule {entry.rule}")
    if entry.resource_type == TRAIL_TYPE and entry.resource_id != ANY:
        scope.append(f"trail {entry.resource_id}")
    return f"{', '.join(scope)}: {entry.annotation}" if scope else entry.annotation


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
        annotation=finding.text,  # the whole text: only Config has a limit
        causes=causes,
        example=example,
        selectors=facts.selectors if facts is not None and finding.trail_arn else None,
        fix=fix_for(finding, facts),
        severity=severity_of(finding.rule_id),
        risk=risk_of(finding.rule_id),
    )


def scan_report(
    findings: list[Finding],
    facts: dict[str, TrailFacts],
    not_evaluated: list[ReportEntry],
    title: str,
    source: str,
    generated_at: str,
    topics: TopicsByPlace | None = None,
) -> Report:
    """The report of a live scan: each finding with its trail's evidence (and, per account and
    region, the ``topics`` at stake), and what has no result, in report order."""
    entries = [entry_from_finding(f, facts.get(f.trail_arn or "")) for f in findings]
    entries = with_topics(entries, topics or {})
    return Report(
        title=title,
        generated_at=generated_at,
        source=source,
        entries=(*entries, *not_evaluated),
    )


def report_order(entry: ReportEntry) -> tuple[int, str, str, str, str, str]:
    """Not evaluated first, then non-compliant, not-applicable last; then account, region,
    rule, resource, annotation."""
    rank = {NOT_EVALUATED: -1, "NON_COMPLIANT": 0, "NOT_APPLICABLE": 2}.get(entry.compliance, 1)
    return (rank, entry.account_id, entry.region, entry.rule, entry.resource_id, entry.annotation)


@dataclass(frozen=True, slots=True)
class Report:
    """The entries, always in report order (what has no result first), never none."""

    title: str
    generated_at: str
    source: str
    entries: tuple[ReportEntry, ...]
    scope: ReportScope | None = None
    population: Population | None = None
    # What a --status filter hides: not shown, still the subject of the opening statement.
    hidden: tuple[ReportEntry, ...] = ()

    def whole(self) -> Report:
        """The report with what a filter hides (the opening statement speaks of it all)."""
        return (
            replace(self, entries=(*self.entries, *self.hidden), hidden=()) if self.hidden else self
        )

    def __post_init__(self) -> None:
        entries = self.entries or (not_evaluated_entry(NOTHING_EVALUATED),)
        entries = tuple(
            e if e.evaluated_at else replace(e, evaluated_at=self.generated_at) for e in entries
        )
        object.__setattr__(self, "entries", tuple(sorted(entries, key=report_order)))

    def evaluated(self) -> tuple[ReportEntry, ...]:
        """The entries with a verdict."""
        return tuple(e for e in self.entries if e.compliance != NOT_EVALUATED)

    def not_evaluated(self) -> tuple[ReportEntry, ...]:
        """What has no result, and why."""
        return tuple(e for e in self.entries if e.compliance == NOT_EVALUATED)

    def statements(self) -> tuple[str, ...]:
        """What has no result, one sentence each (see ``statement``)."""
        return tuple(statement(e) for e in self.not_evaluated())

    @property
    def accounts(self) -> tuple[str, ...]:
        """The accounts with at least one verdict."""
        return tuple(sorted({e.account_id for e in self.evaluated()}))

    @property
    def regions(self) -> tuple[str, ...]:
        """The regions with at least one verdict."""
        return tuple(sorted({e.region for e in self.evaluated()}))

    def trails(self) -> tuple[ReportEntry, ...]:
        """The verdicts of per-trail rules."""
        return tuple(e for e in self.evaluated() if scope_of(e.rule) == "trail")

    def coverage(self) -> tuple[ReportEntry, ...]:
        """The verdicts of account-region rules."""
        return tuple(e for e in self.evaluated() if scope_of(e.rule) == "account-region")

    def counts(self) -> dict[str, int]:
        return dict(Counter(e.compliance for e in self.entries))

    @property
    def non_compliant(self) -> bool:
        """Any NON_COMPLIANT finding that is not exempted."""
        return any(e.compliance == "NON_COMPLIANT" and not e.exemption for e in self.entries)

    @property
    def complete(self) -> bool:
        """Nothing asked for lacks a result but what an exemption accepts: no NOT_EVALUATED
        entry without an exemption, and the population (when known) has no account-region
        without a result."""
        population_ok = self.population is None or self.population.complete
        return population_ok and not any(not e.exemption for e in self.not_evaluated())

    @property
    def all_clear(self) -> bool:
        """Everything asked for has a verdict, the population is complete, and no finding is
        NON_COMPLIANT but for exempted ones (exit 0)."""
        return not self.non_compliant and self.complete

    def topics_summary(self) -> tuple[int, int] | None:
        """(topics with unrecorded publishes, topics checked) over the account-region
        findings that listed topics; None when none did."""
        listed = [e for e in self.coverage() if e.topics_checked is not None]
        if not listed:
            return None
        unrecorded = sum(len(e.unrecorded_topics or ()) for e in listed)
        return unrecorded, sum(e.topics_checked or 0 for e in listed)

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "generatedAt": self.generated_at,
            "source": self.source,
            # First, so that no reader takes the summary for an all-clear without it.
            "notEvaluated": list(self.statements()),
            "population": None if self.population is None else self.population.to_dict(),
            "scope": None if self.scope is None else self.scope.to_dict(),
            "summary": {
                "accounts": len(self.accounts),
                "regions": len(self.regions),
                "trails": len({e.trail_arn for e in self.trails() if e.trail_arn}),
                "compliance": self.counts(),
                "topics": _topics_summary(self.topics_summary()),
            },
            "findings": [e.to_dict() for e in self.entries],
        }


def _topics_summary(found: tuple[int, int] | None) -> dict[str, int] | None:
    return None if found is None else {"unrecorded": found[0], "checked": found[1]}
