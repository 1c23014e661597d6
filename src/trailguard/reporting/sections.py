"""The sections every report rendering shows, computed once.

A rendering (``formats/``) only lays these out: what has no result, the summary counts, the
verdicts per rule, the coverage per region, the non-compliant findings with their fields,
then the other findings. Every figure and every order is decided here, so that the
renderings cannot disagree.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from trailguard.rules.facts import NOT_APPLICABLE
from trailguard.rules.registry import rules as registered_rules
from trailguard.rules.registry import rules_for

from .escape import one_line
from .model import NOT_EVALUATED, TRAIL_TYPE, Report, ReportEntry, report_order, scope_of
from .statement import place_statement, unreached

COMPLIANT = "COMPLIANT"
NON_COMPLIANT = "NON_COMPLIANT"
VERDICTS = (COMPLIANT, NON_COMPLIANT, NOT_APPLICABLE)
RULE_PREFIX = "cloudtrail-sns-data-events-"
NOT_EVALUATED_TEXT = "NOT EVALUATED"
ALL_EVALUATED = "None: everything asked for has a result."
COVERAGE_TEXT = (
    "Accounts with a logging trail that records SNS data events in the region (rule {rule})."
)
COVERAGE_HEADER = ("Region", "Covered", "Not covered", "No result")
OTHERS_HEADER = ("Account", "Region", "Rule", "Resource", "Trail", "Verdict", "Annotation")
EXAMPLE_HEADING = "Example event that would not be recorded"
EVIDENCE_HEADING = "Event selectors (evidence)"
_WHITESPACE = re.compile(r"\s+")


def plain(text: str) -> str:
    """One line: whitespace runs (newlines too) as one space, other control characters (a
    terminal escape sequence) and lone surrogates shown as escapes (``\\x1b``)."""
    return one_line(_WHITESPACE.sub(" ", text).strip())


def sorted_entries(entries: Iterable[ReportEntry]) -> list[ReportEntry]:
    return sorted(entries, key=report_order)


def short_rule(rule: str) -> str:
    return rule.removeprefix(RULE_PREFIX)


def trail_count(report: Report) -> int:
    return len({e.trail_arn for e in report.trails() if e.trail_arn})


def verdicts(report: Report) -> list[str]:
    """The three verdicts always, then any other compliance value seen (e.g. from Config)."""
    seen = {e.compliance for e in report.evaluated()}
    return list(VERDICTS) + sorted(seen - set(VERDICTS))


def rules(report: Report) -> list[str]:
    """trailguard's rules always (in registry order), then any other rule seen."""
    known = [r.id for r in registered_rules()]
    return known + sorted({e.rule for e in report.evaluated()} - set(known))


def count_rows(report: Report) -> list[tuple[str, list[int], int]]:
    """Per verdict: the count under each rule of ``rules`` and the total."""
    evaluated = report.evaluated()
    rows = []
    for verdict in verdicts(report):
        per_rule = [
            sum(1 for e in evaluated if e.compliance == verdict and e.rule == rule)
            for rule in rules(report)
        ]
        rows.append((verdict, per_rule, sum(per_rule)))
    return rows


def coverage_rows(report: Report) -> list[tuple[str, int, int, int]]:
    """Per region: accounts covered, not covered, and with no coverage result."""
    rows = []
    accounts = len(report.accounts)
    coverage = report.coverage()
    for region in report.regions:
        here = [e for e in coverage if e.region == region]
        covered = len({e.account_id for e in here if e.compliance == COMPLIANT})
        not_covered = len({e.account_id for e in here if e.compliance == NON_COMPLIANT})
        rows.append((region, covered, not_covered, accounts - covered - not_covered))
    return rows


def summary_line(report: Report) -> str:
    counts = report.counts()
    shown = ", ".join(f"{counts.get(v, 0)} {v}" for v in verdicts(report))
    accounts, regions, trails = len(report.accounts), len(report.regions), trail_count(report)
    line = (
        f"{accounts} account{'s' * (accounts != 1)}, {regions} region{'s' * (regions != 1)}, "
        f"{trails} trail{'s' * (trails != 1)}: {shown}"
    )
    missing = len(report.not_evaluated())
    if missing:
        line += f"; {missing} {NOT_EVALUATED}"
    return line


def not_evaluated_statements(report: Report) -> tuple[str, ...]:
    """What has no result, one sentence each: the NOT_EVALUATED entries, then the population's
    account-regions with no result that no entry names."""
    return (*report.statements(), *(place_statement(p) for p in unreached(report)))


def headline(report: Report) -> str | None:
    """The sentence every rendering opens with when anything has no result."""
    missing = len(not_evaluated_statements(report))
    if not missing:
        return None
    if not report.evaluated():
        return f"{NOT_EVALUATED_TEXT}: nothing has a result, so this report is not a pass."
    items = f"{missing} item has" if missing == 1 else f"{missing} items have"
    return (
        f"{NOT_EVALUATED_TEXT}: {items} no result, so the verdicts below are not the whole picture."
    )


def failing(entry: ReportEntry) -> bool:
    """A NON_COMPLIANT entry of a rule with a severity (every trailguard rule has one):
    its severity and risk are shown."""
    return entry.compliance == NON_COMPLIANT and entry.severity is not None


def subject(entry: ReportEntry) -> str:
    """What a finding is about, for its heading."""
    if scope_of(entry.rule) == "account-region":
        return "account coverage"
    if entry.resource_type == TRAIL_TYPE:
        return f"trail {entry.resource_id}"
    return f"{entry.resource_type} {entry.resource_id}"


@dataclass(frozen=True, slots=True)
class Sections:
    """A report's sections in the order the auditor's renderings show them."""

    report: Report
    not_evaluated_count: int
    headline: str | None
    statements: tuple[str, ...]
    scope: tuple[tuple[str, int], ...]
    rules: tuple[str, ...]
    counts: tuple[tuple[str, list[int], int], ...]
    coverage_rule: str
    coverage: tuple[tuple[str, int, int, int], ...]
    failing: tuple[ReportEntry, ...]
    others: tuple[ReportEntry, ...]


def sections(report: Report) -> Sections:
    entries = sorted_entries(report.evaluated())
    return Sections(
        report=report,
        not_evaluated_count=len(not_evaluated_statements(report)),
        headline=headline(report),
        statements=not_evaluated_statements(report),
        scope=(
            ("Accounts", len(report.accounts)),
            ("Regions", len(report.regions)),
            ("Trails", trail_count(report)),
        ),
        rules=tuple(rules(report)),
        counts=tuple(count_rows(report)),
        coverage_rule=", ".join(r.id for r in rules_for("account-region")),
        coverage=tuple(coverage_rows(report)),
        failing=tuple(e for e in entries if e.compliance == NON_COMPLIANT),
        others=tuple(e for e in entries if e.compliance != NON_COMPLIANT),
    )
