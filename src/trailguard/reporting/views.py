"""What ``scan`` and ``report`` do to a report before writing it: exemptions applied, the scope
attached, the findings shown filtered by status.

- :func:`exempted`: each finding of an account, region and rule that an
  :class:`~.scope.Exemption` matches is marked with its reason, so a NON_COMPLIANT one no
  longer makes the run fail. What has no result in a named account and region is exempted
  only by an exemption that names that region (a region an SCP closes answers AccessDenied;
  the exemption is the auditor's record of why): it stays NOT_EVALUATED, shown with the
  reason, never a pass, and no longer makes the run fail. An exemption of every region
  (``*``) accepts verdicts only, and what has no result in every account or region is never
  exempted.
- :func:`filtered`: the findings shown, cut to some statuses (``PASS``, ``FAIL``,
  ``NOT_APPLICABLE``, ``NOT_EVALUATED``). What has no result is kept whatever the filter (every
  rendering opens with it), the scope and population are kept, the scope records the filter
  and the report's source says it. The run's verdict is always taken from the report before
  filtering: a filter never changes an exit code.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from .finding import STATUSES, status_of
from .model import ANY, NOT_EVALUATED, Report, ReportEntry, statement
from .scope import EVALUATED, EXEMPTED, NO_RESULT, Exemption, Place, Population


def exemption_for(entry: ReportEntry, exemptions: Iterable[Exemption]) -> str | None:
    """The reason of the first exemption matching ``entry``'s account, region and rule."""
    missing = status_of(entry.compliance) == NOT_EVALUATED
    if missing and ANY in (entry.account_id, entry.region):
        return None
    found = next(
        (
            e
            for e in exemptions
            if e.matches(entry.account_id, entry.region, entry.rule)
            and not (missing and e.region == ANY)
        ),
        None,
    )
    return None if found is None else found.reason


def exempted(report: Report, exemptions: tuple[Exemption, ...]) -> Report:
    """``report`` with each verdict an exemption matches marked with the exemption's reason."""
    if not exemptions:
        return report
    entries = tuple(
        replace(e, exemption=reason) if (reason := exemption_for(e, exemptions)) else e
        for e in report.entries
    )
    return replace(report, entries=entries)


def filter_note(statuses: Iterable[str]) -> str:
    """What the report says about a filter: "findings shown: FAIL only (what has no result
    is always shown)"."""
    return f"findings shown: {', '.join(statuses)} only (what has no result is always shown)"


def filtered(report: Report, statuses: tuple[str, ...]) -> Report:
    """The report showing only findings with one of ``statuses`` (see the module docstring);
    ``report`` itself when ``statuses`` is empty or names every status."""
    if not statuses or set(STATUSES) <= set(statuses):
        return report
    kept = tuple(e for e in report.entries if status_of(e.compliance) in (NOT_EVALUATED, *statuses))
    scope = report.scope
    if scope is not None:
        scope = replace(scope, status_filter=statuses)
    view = replace(
        report,
        source=f"{report.source}; {filter_note(statuses)}",
        scope=scope,
        entries=kept,
        hidden=tuple(
            e for e in report.entries if status_of(e.compliance) not in (NOT_EVALUATED, *statuses)
        ),
    )
    if not kept:
        # Report fills an empty list with a "nothing was evaluated" entry, so that no report
        # shows an all-clear for nothing. Here every finding was evaluated and the filter hid
        # them all (the source says so): show none, rather than a failure that is not there.
        object.__setattr__(view, "entries", ())
    return view


def scan_population(
    report: Report, accounts: Iterable[str], regions: Iterable[str], source: str
) -> Population:
    """The population of a scan: each account asked times each region asked, ``no result``
    where a NOT_EVALUATED finding covers it (its own, or one of every account or region: an
    account not entered, a region not listed, a rule with no result there), with that
    finding's sentence, unless an exemption of the place was applied to it (``exempted``);
    else ``evaluated``. A trail that could not be read leaves its home place without a full
    result too: every NOT_EVALUATED finding counts."""
    places = []
    missing = report.not_evaluated()
    for account in sorted(set(accounts)):
        for region in sorted(set(regions)):
            here = [
                e for e in missing if e.account_id in (ANY, account) and e.region in (ANY, region)
            ]
            if not here:
                places.append(Place(account, region, EVALUATED))
            elif all(e.exemption for e in here):
                places.append(Place(account, region, EXEMPTED, here[0].exemption or ""))
            else:
                why = "; ".join(statement(e) for e in here if not e.exemption)
                places.append(Place(account, region, NO_RESULT, why))
    return Population(source, tuple(places))
