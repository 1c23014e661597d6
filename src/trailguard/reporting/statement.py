"""What every auditor's rendering says first, in words, computed once.

- :func:`opening`: the overall result in one sentence (``PASS``, ``FAIL`` or ``INCOMPLETE``:
  incomplete when anything asked for has no result or the population is incomplete, and then
  never a clean result), the pass rate (PASS / (PASS + FAIL) over the findings, saying what it
  counts), and what was and was not evaluated.
- :func:`scope_rows`: the scope of the run (:class:`.scope.ReportScope`) as named values.
- :func:`population_line`: the population's statement, or that none was stated.
- :func:`topics_line`, :func:`topics_text`: the unrecorded topics, over the report and of one
  finding ("2 of 5 topics unrecorded: orders, payments").
- :func:`config_cut`: whether an annotation is one AWS Config cut (a report from Config holds
  only what Config holds).

Plain text (from the input, unescaped): each format escapes it as it writes it.
"""

from __future__ import annotations

from dataclasses import dataclass

from trailguard.core.verdict import ANNOTATION_LIMIT

from .finding import FAIL, PASS, status_of
from .model import ANY, Report, ReportEntry
from .scope import Place, ReportScope

INCOMPLETE = "INCOMPLETE"
RESULTS = (PASS, FAIL, INCOMPLETE)
NO_POPULATION = (
    "Population: not stated (only the findings below are known; what should have a result "
    "and has none cannot be told)."
)
NO_SCOPE = "Scope: not stated."
CUT_NOTE = (
    f"cut to {ANNOTATION_LIMIT} characters by AWS Config (it holds no more); "
    "trailguard scan gives the whole text"
)
ELLIPSIS = "…"


@dataclass(frozen=True, slots=True)
class Opening:
    """The opening statement: the result, then the sentences that say what it rests on."""

    result: str  # PASS, FAIL or INCOMPLETE
    sentence: str
    pass_rate: str
    evaluated: str
    not_evaluated: str

    def lines(self) -> tuple[str, ...]:
        return (self.sentence, self.pass_rate, self.evaluated, self.not_evaluated)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def unreached(report: Report) -> tuple[Place, ...]:
    """The population's account-regions with no result that no NOT_EVALUATED entry already
    names (so that nothing is listed twice)."""
    report = report.whole()  # what a --status filter hides counts too
    if report.population is None:
        return ()
    named = [(e.account_id, e.region) for e in report.not_evaluated()]
    return tuple(
        p
        for p in report.population.missing()
        if not any(a in (ANY, p.account) and r in (ANY, p.region) for a, r in named)
    )


def place_statement(place: Place) -> str:
    """A place with no result as one sentence, as a NOT_EVALUATED entry's statement reads."""
    return f"account {place.account}, region {place.region}: {place.why or 'no result'}"


def result_of(report: Report) -> str:
    """INCOMPLETE when anything has no result (never a clean result then), FAIL when a finding
    fails that is not exempted, else PASS."""
    report = report.whole()  # what a --status filter hides counts too
    if not report.complete:
        return INCOMPLETE
    return FAIL if report.non_compliant else PASS


def status_counts(report: Report) -> dict[str, int]:
    """Findings per status (PASS, FAIL, NOT_APPLICABLE, NOT_EVALUATED), every status shown."""
    report = report.whole()  # what a --status filter hides counts too
    counts = dict.fromkeys((PASS, FAIL, "NOT_APPLICABLE", "NOT_EVALUATED"), 0)
    for entry in report.entries:
        counts[status_of(entry.compliance)] += 1
    return counts


def pass_rate(report: Report) -> str:
    """PASS / (PASS + FAIL) over the findings, rounded down (never 100% with one failure)."""
    report = report.whole()  # what a --status filter hides counts too
    counts = status_counts(report)
    passed, failed = counts[PASS], counts[FAIL]
    left_out = f"{counts['NOT_APPLICABLE']} NOT_APPLICABLE and {counts['NOT_EVALUATED']} " + (
        "NOT_EVALUATED not counted"
    )
    if not passed + failed:
        return f"Pass rate: none (no finding has a PASS or FAIL verdict; {left_out})."
    tenths = passed * 1000 // (passed + failed)
    exempted = sum(1 for e in report.entries if e.exemption and status_of(e.compliance) == FAIL)
    also = f", {exempted} exempted FAIL counted as FAIL" if exempted else ""
    return (
        f"Pass rate: {tenths // 10}.{tenths % 10}% ({passed} PASS of {passed + failed} findings "
        f"with a PASS or FAIL verdict; {left_out}{also})."
    )


def opening(report: Report) -> Opening:
    report = report.whole()  # what a --status filter hides counts too
    result = result_of(report)
    failing = sum(1 for e in report.entries if status_of(e.compliance) == FAIL and not e.exemption)
    # What has no result and no exemption accepting that (an exemption may accept a region
    # that cannot be read): only that makes a report incomplete.
    missing = sum(1 for e in report.not_evaluated() if not e.exemption)
    accepted = len(report.not_evaluated()) - missing
    population = report.population
    if result == INCOMPLETE:
        why = []
        if missing:
            why.append(f"{_plural(missing, 'item')} with no result")
        if population is not None and not population.complete:
            why.append("an incomplete population")
        if not why:  # what has no result is all accepted by exemptions, yet not complete
            why.append(f"{_plural(accepted, 'item')} with no result (exempted)")
        sentence = f"Result: {INCOMPLETE}: {' and '.join(why)}, so this is not a clean result"
        if report.evaluated():
            sentence += f" ({_plural(failing, 'failing finding')} among what was evaluated)"
        sentence += "."
    elif result == FAIL:
        sentence = f"Result: {FAIL}: {_plural(failing, 'finding')} failed (not exempted)."
    else:
        sentence = f"Result: {PASS}: everything asked for has a result and no finding failed"
        exempted = sum(1 for e in report.entries if e.exemption and e.compliance != "COMPLIANT")
        sentence += f" but {_plural(exempted, 'exempted one')}." if exempted else "."
    accounts, regions = len(report.accounts), len(report.regions)
    rules = len({e.rule for e in report.evaluated()})
    evaluated = (
        f"Evaluated: {_plural(len(report.evaluated()), 'finding')} over "
        f"{_plural(accounts, 'account')}, {_plural(regions, 'region')} and "
        f"{_plural(rules, 'rule')}"
    )
    if population is not None:
        counts = population.counts()
        evaluated += (
            f"; {counts['evaluated']} of {len(population.places)} account-region(s) of the "
            "population"
        )
    evaluated += "."
    not_evaluated = "Not evaluated: nothing."
    places = unreached(report)
    if missing or places or accepted:
        parts = [_plural(missing, "item")] if missing else []
        if places:
            parts.append(f"{len(places)} account-region(s) of the population with no result")
        if accepted:
            parts.append(f"{_plural(accepted, 'item')} with no result that an exemption accepts")
        not_evaluated = f"Not evaluated: {' and '.join(parts)} (listed under Not evaluated)."
    return Opening(result, sentence, pass_rate(report), evaluated, not_evaluated)


def population_line(report: Report) -> str:
    if report.population is None:
        return NO_POPULATION
    return f"Population: {report.population.statement()}."


def _listed(values: tuple[str, ...], empty: str) -> str:
    return ", ".join(values) if values else empty


def scope_rows(scope: ReportScope) -> tuple[tuple[str, str], ...]:
    """The scope as (name, value) rows, every field shown (an empty one says so)."""
    parameters = "; ".join(f"{k}={v}" for k, v in sorted(scope.parameters.items()))
    reached_accounts = scope.accounts_reached
    return (
        ("Accounts asked", _listed(scope.accounts_asked, "the caller's (none named)")),
        ("Accounts reached", f"{len(reached_accounts)}: {_listed(reached_accounts, 'none')}"),
        ("Regions asked", _listed(scope.regions_asked, "the enabled regions (none named)")),
        (
            "Regions reached",
            f"{len(scope.regions_reached)}: {_listed(scope.regions_reached, 'none')}",
        ),
        ("Rules", _listed(scope.rules, "none named")),
        ("Parameters", parameters or "defaults"),
        ("Accepted exclusions", _listed(scope.accepted_exclusions, "none")),
        (
            "Exemptions",
            "; ".join(e.describe() for e in scope.exemptions) if scope.exemptions else "none",
        ),
        ("Tool version", scope.tool_version or "not stated"),
        ("Caller", scope.caller or "not known"),
        ("Time", scope.generated_at or "not stated"),
    )


def _reached(reached: int, asked: int, what: str, default: str) -> str:
    if not asked:
        return f"{reached} {what}(s) reached ({default})"
    return f"{reached} of {asked} {what}(s) asked reached"


def scope_line(scope: ReportScope) -> str:
    """The scope in one sentence (Markdown, text): counts and the figures an auditor checks."""
    accounts = _reached(
        len(scope.accounts_reached), len(scope.accounts_asked), "account", "the caller's"
    )
    regions = _reached(
        len(scope.regions_reached), len(scope.regions_asked), "region", "the enabled ones"
    )
    return (
        f"Scope: {accounts}, {regions}; rules {_listed(scope.rules, 'none named')}; "
        f"{_plural(len(scope.exemptions), 'exemption')}; "
        f"trailguard {scope.tool_version or '(version not stated)'}, "
        f"caller {scope.caller or 'not known'}, at {scope.generated_at or 'a time not stated'}."
    )


def topics_line(report: Report) -> str | None:
    """ "N of M topics have publishes that go unrecorded", None when no finding listed topics."""
    report = report.whole()  # what a --status filter hides counts too
    found = report.topics_summary()
    if found is None:
        return None
    unrecorded, checked = found
    return f"Topics: {unrecorded} of {checked} topics have publishes that go unrecorded."


def topics_text(entry: ReportEntry) -> str | None:
    """ "2 of 5 topics unrecorded: orders, payments", None when the finding listed none."""
    if entry.topics_checked is None:
        return None
    names = entry.unrecorded_topics or ()
    text = f"{len(names)} of {entry.topics_checked} topics unrecorded"
    return f"{text}: {', '.join(names)}" if names else text


def config_cut(annotation: str) -> bool:
    """Is ``annotation`` one that AWS Config cut (its limit reached, ending with "…")?"""
    return len(annotation) == ANNOTATION_LIMIT and annotation.endswith(ELLIPSIS)
