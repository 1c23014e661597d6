"""``text``: the form for a person at a terminal, every command's default but ``plan``'s.

A report is a fixed-width table (``table`` is its older name); a ``check`` verdict is a few
lines per input, stating each cause once; a remediation is what changed, before and after.
"""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Sequence

from trailguard.core.record import RECORD_FIELDS, UNDOCUMENTED
from trailguard.core.verdict import Gap

from ..contradictions import contradictions
from ..escape import json_text, one_line
from ..model import Report, ReportEntry
from ..results import CheckResult, RemediationView
from ..sections import plain, sections, short_rule, summary_line
from ..statement import (
    CUT_NOTE,
    config_cut,
    opening,
    population_line,
    scope_line,
    topics_line,
    topics_text,
)
from ..views import filter_note
from . import Format

FALLBACK_WIDTH = 100  # when the terminal's width is not known (a pipe, a file)
_RESOURCE_MAX = 32
_DETAIL_MIN = 24  # narrower than this, the detail goes under the row
_HEADER = ("ACCOUNT", "REGION", "RULE", "RESOURCE", "COMPLIANCE")
_DETAIL = "ANNOTATION AND FIX"
_EXAMPLE_KEYS = (
    "eventName",
    "resources.ARN",
    "userIdentity.arn",
    "sessionCredentialFromConsole",
    "eventType",
    "readOnly",
)
_UNDOCUMENTED_NOTE = (
    "  undocumented: AWS does not document how a selector condition treats a field the "
    "record lacks, so these events cannot be shown to be logged."
)


# --- report --------------------------------------------------------------------------------


def terminal_width() -> int:
    """The terminal's width (``COLUMNS`` first), FALLBACK_WIDTH when it is not known."""
    return shutil.get_terminal_size((FALLBACK_WIDTH, 24)).columns


def _wrap(text: str, width: int, first: str = "", rest: str = "") -> list[str]:
    """``text`` wrapped to ``width`` (never cut: a word longer than a line is split)."""
    return textwrap.wrap(
        text,
        max(width, len(first) + 8, len(rest) + 8),
        initial_indent=first,
        subsequent_indent=rest,
        break_on_hyphens=False,
    ) or [first.rstrip()]


def _detail(entry: ReportEntry) -> list[tuple[str, str]]:
    """What a row says beyond its columns: the annotation (the cause), then the exemption, the
    unrecorded topics and the fix, each with its label."""
    found = [("", plain(entry.annotation))]
    if config_cut(entry.annotation):
        found.append(("note: ", f"the annotation was {CUT_NOTE}"))
    if entry.exemption:
        found.append(("exempted: ", plain(entry.exemption)))
    topics = topics_text(entry)
    if topics is not None:
        found.append(("topics: ", plain(topics)))
    if entry.fix:
        found.append(("fix: ", plain(entry.fix)))
    return found


def _detail_lines(entry: ReportEntry, width: int) -> list[str]:
    lines = []
    for label, text in _detail(entry):
        lines += _wrap(text, width, label, " " * len(label))
    return lines


def _opening_lines(report: Report, width: int) -> list[str]:
    found = opening(report)
    texts = [*found.lines(), population_line(report)]
    topics = topics_line(report)
    if topics is not None:
        texts.append(topics)
    lines = [line for text in texts for line in _wrap(plain(text), width)]
    if report.scope is not None:
        lines += _wrap(plain(scope_line(report.scope)), width)
    return [*lines, ""]


def render_table(report: Report, width: int | None = None) -> str:
    """The opening statement, what has no result, then a table of the verdicts fitted to
    ``width`` columns (the terminal's when None): each row's annotation (the cause) and fix
    wrapped in the last column, or under the row when the terminal is too narrow; then a
    summary. Nothing is cut."""
    width = width or terminal_width()
    parts = sections(report)
    entries = (*parts.failing, *parts.others)
    rows = [
        (
            [plain(e.account_id)],
            [plain(e.region)],
            [plain(short_rule(e.rule))],
            _wrap(plain(e.resource_id), _RESOURCE_MAX),
            [plain(e.compliance)],
        )
        for e in entries
    ]
    header = [[h] for h in _HEADER]
    widths = [max(len(x) for cell in col for x in cell) for col in zip(header, *rows, strict=True)]
    used = sum(widths) + 2 * len(widths)
    beside = width - used >= _DETAIL_MIN

    def line(cells: list[str]) -> str:
        """The five columns, then the detail (when beside)."""
        fixed = "  ".join(c.ljust(w) for c, w in zip(cells[:5], widths, strict=True))
        return f"{fixed}  {''.join(cells[5:])}".rstrip()

    lines = _opening_lines(report, width)
    if parts.headline:
        lines += _wrap(parts.headline, width)
        for text in parts.statements:
            lines += _wrap(plain(text), width, "- ", "  ")
        lines.append("")
    if rows:
        if beside:
            lines.append(line([*_HEADER, _DETAIL]))
            lines.append(line([*("-" * w for w in widths), "-" * len(_DETAIL)]))
        else:
            lines.append(line(list(_HEADER)))
            lines.append(line(["-" * w for w in widths]))
        for entry, row in zip(entries, rows, strict=True):
            detail = _detail_lines(entry, width - used if beside else width - 4)
            if not beside:
                height = max(len(cell) for cell in row)
                block = [line([c[i] if i < len(c) else "" for c in row]) for i in range(height)]
                lines += [*block, *("    " + d for d in detail)]
            else:
                height = max(len(detail), *(len(cell) for cell in row))
                cells = [*row, detail]
                for i in range(height):
                    lines.append(line([c[i] if i < len(c) else "" for c in cells]))
            if len(detail) > 1 or not beside:
                lines.append("")
        if lines[-1] != "":
            lines.append("")
    lines += _wrap(plain(summary_line(report)), width)  # it names any compliance value seen
    if report.scope is not None and report.scope.status_filter:  # --status
        note = filter_note(report.scope.status_filter)
        lines += _wrap(note[0].upper() + note[1:], width)
    return "\n".join(lines) + "\n"


# --- check ---------------------------------------------------------------------------------


def _format_example(gap: Gap) -> str:
    example = gap.example
    shown = [f"{key}={example[key]}" for key in _EXAMPLE_KEYS if key in example]
    lacking = dict.fromkeys(("userIdentity.arn", *gap.missing_fields))
    return one_line(" ".join(shown + [f"(no {key})" for key in lacking if key not in example]))


def _cause(cause: str, never: dict[str, str]) -> str:
    """The core's cause, with a selector that can never match named as such."""
    parts = cause.split("; ")
    for index, part in enumerate(parts):
        for label, text in never.items():
            if part.startswith(label + " "):
                parts[index] = text
    return "; ".join(dict.fromkeys(parts))


def _fix(result: CheckResult) -> str:
    if result.piped:
        return "  fix: pipe the same input to trailguard plan   (prints the selectors to put)"
    return f"  fix: trailguard plan {one_line(result.source)}   (prints the selectors to put)"


def render_verdict(result: CheckResult) -> str:
    """One input's verdict: the compliant annotation, or each gap's cause stated once (gaps
    with one cause are one item) with an example event, then the fix. What came from the
    input (ARNs, names, values) is escaped, so that each line stays one line."""
    verdict = result.verdict
    lines = [
        f"{verdict.compliance}  {one_line(result.config.trail_arn or result.source)}  "
        f"({verdict.selector_kind} selectors)"
    ]
    if not verdict.gaps:
        lines.append(f"  {one_line(verdict.annotation)}")
    never = contradictions(result.config.advanced)
    groups: dict[tuple[str, str, str], list[Gap]] = {}
    for gap in verdict.gaps:
        key = (gap.resource_type, _cause(gap.cause, never), gap.certainty)
        groups.setdefault(key, []).append(gap)
    notes: dict[str, str] = {}
    for (resource_type, cause, certainty), gaps in groups.items():
        names = one_line(" and ".join(gap.event_name for gap in gaps))
        lines.append(f"  - {names} on {one_line(resource_type)} [{certainty}]: {one_line(cause)}")
        shown = "not shown to be logged" if certainty == UNDOCUMENTED else "not logged"
        lines.append(f"    {shown}, e.g. {_format_example(gaps[0])}")
        for gap in gaps:
            for name in gap.missing_fields:
                known = RECORD_FIELDS.get(name)
                notes.setdefault(
                    name, known.note if known else f"no record is known to have {name}"
                )
    lines += [f"  about {one_line(name)}: {one_line(note)}." for name, note in notes.items()]
    if any(gap.certainty == UNDOCUMENTED for gap in verdict.gaps):
        lines.append(_UNDOCUMENTED_NOTE)
    if verdict.gaps:
        lines.append(_fix(result))
    return "\n".join(lines) + "\n"


def render_check(results: Sequence[CheckResult]) -> str:
    """Every input's verdict; with more than one input, each under ``== NAME``."""
    if len(results) == 1:
        return render_verdict(results[0])
    return "".join(f"== {one_line(r.name)}\n{render_verdict(r)}" for r in results)


# --- remediation -----------------------------------------------------------------------------


def render_remediation(result: RemediationView) -> str:
    """The outcome and its flags first (``updated (changed=true verified=true
    restored=false): REASON``), then the trail, what it gains and the selectors."""

    def flag(value: bool) -> str:
        return "true" if value else "false"

    lines = [
        f"{result.outcome} (changed={flag(result.changed)} verified={flag(result.verified)} "
        f"restored={flag(result.restored)}): {one_line(result.reason)}",
        f"  trail: {one_line(result.trail.arn)} (home region {one_line(result.trail.home_region)})",
    ]
    for item in result.gained if result.outcome in ("planned", "updated") else []:
        names = one_line(", ".join(item["eventNames"]))
        lines.append(f"  gains: {names} on {one_line(item['resourceType'])}")
    if result.after:
        lines.append("  before:")
        lines += ["    " + line for line in json_text(result.before).splitlines()]
        lines.append("  put:" if result.changed else "  to put:")
        after = {"AdvancedEventSelectors": result.after}
        lines += ["    " + line for line in json_text(after).splitlines()]
    return "\n".join(lines) + "\n"


FORMAT = Format(
    name="text",
    extension="txt",
    summary="for a person at a terminal (a report: a table of the verdicts)",
    rank=0,
    report=render_table,
    check=render_check,
    remediation=render_remediation,
    aliases=("table",),
)
