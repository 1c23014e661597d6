"""``text``: the form for a person at a terminal, every command's default but ``plan``'s.

A report is a fixed-width table (``table`` is its older name); a ``check`` verdict is a few
lines per input, stating each cause once; a remediation is what changed, before and after.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

from trailguard.core.record import RECORD_FIELDS, UNDOCUMENTED
from trailguard.core.verdict import Gap

from ..contradictions import contradictions
from ..escape import json_text, one_line
from ..model import Report
from ..results import CheckResult, RemediationView
from ..sections import plain, sections, short_rule, summary_line
from ..views import filter_note
from . import Format

TABLE_WIDTH = 120
_RESOURCE_MAX = 32
_ANNOTATION_MIN = 20
_HEADER = ("ACCOUNT", "REGION", "RULE", "RESOURCE", "COMPLIANCE")
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


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def render_table(report: Report) -> str:
    """What has no result, then a fixed-width table for a terminal (about TABLE_WIDTH
    columns) of the verdicts, then a summary."""
    parts = sections(report)
    rows = [
        (
            plain(e.account_id),
            plain(e.region),
            plain(short_rule(e.rule)),
            _cut(plain(e.resource_id), _RESOURCE_MAX),
            plain(e.compliance),
            plain(e.annotation),
        )
        for e in (*parts.failing, *parts.others)
    ]
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(_HEADER)]
    used = sum(widths) + 2 * len(widths)
    annotation_width = max(_ANNOTATION_MIN, TABLE_WIDTH - used)

    def line(cells: tuple[str, ...]) -> str:
        fixed = "  ".join(c.ljust(w) for c, w in zip(cells[:-1], widths, strict=True))
        return f"{fixed}  {_cut(cells[-1], annotation_width)}".rstrip()

    lines = []
    if parts.headline:
        lines += textwrap.wrap(parts.headline, TABLE_WIDTH)
        for text in parts.statements:
            lines += textwrap.wrap(
                plain(text),
                TABLE_WIDTH,
                initial_indent="- ",
                subsequent_indent="  ",
                break_on_hyphens=False,
            )
        lines.append("")
    if rows:
        lines.append(line((*_HEADER, "ANNOTATION")))
        lines.append(line((*("-" * w for w in widths), "-" * len("ANNOTATION"))))
        lines.extend(line(r) for r in rows)
        lines.append("")
    lines.append(one_line(summary_line(report)))  # it names any compliance value seen
    if report.scope is not None and report.scope.status_filter:  # --status
        note = filter_note(report.scope.status_filter)
        lines.append(note[0].upper() + note[1:])
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
    summary="for a person at a terminal (a report: a table of the verdicts)",
    rank=0,
    report=render_table,
    check=render_check,
    remediation=render_remediation,
    aliases=("table",),
)
