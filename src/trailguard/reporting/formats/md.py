"""``md``: the auditor's report in Markdown (the sections of :mod:`..sections`)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from ..escape import json_text, printable
from ..finding import controls_of, controls_text, finding_id
from ..model import Report, ReportEntry
from ..sections import (
    ALL_EVALUATED,
    COVERAGE_HEADER,
    COVERAGE_TEXT,
    EVIDENCE_HEADING,
    EXAMPLE_HEADING,
    OTHERS_HEADER,
    failing,
    plain,
    sections,
    subject,
)
from ..statement import (
    CUT_NOTE,
    config_cut,
    opening,
    population_line,
    scope_line,
    topics_line,
    topics_text,
)
from . import Format

# "_" inside a word (NON_COMPLIANT) cannot start or end emphasis, so it is left as it is.
_MD_SPECIAL = re.compile(r"([\\`*\[\]<>|&#]|(?<![^\W_])_|_(?![^\W_]))")
_MD_LEADING = re.compile(r"^(\d{1,9}(?=[.)])|(?=[-+=]))")


def _pretty_json(value: Any) -> str:
    return json_text(value, ensure_ascii=False)


def _md(text: str) -> str:
    """Inline Markdown text: one line, every character that could format or inject escaped.

    A leading list or ordered-list marker is escaped too, so that the text may follow "- ".
    """
    escaped = _MD_SPECIAL.sub(r"\\\1", plain(text))
    return _MD_LEADING.sub(r"\1\\", escaped, count=1)


def _md_row(cells: Iterable[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _md_table(header: list[str], rows: Iterable[Iterable[str]]) -> list[str]:
    """A pipe table; cells must already be escaped with ``_md``."""
    lines = [_md_row(header), _md_row("---" for _ in header)]
    lines.extend(_md_row(r) for r in rows)
    return lines


def _md_code(text: str, info: str = "") -> list[str]:
    """A fenced code block longer than any run of backticks in ``text``."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return [fence + info, *text.splitlines(), fence]


def _md_entry(entry: ReportEntry) -> list[str]:
    lines = [
        f"### {_md(entry.account_id)} {_md(entry.region)}: {_md(subject(entry))}",
        "",
        *_md_table(
            ["Field", "Value"],
            [
                ["Account", _md(entry.account_id)],
                ["Region", _md(entry.region)],
                ["Rule", _md(entry.rule)],
                ["Resource", f"{_md(entry.resource_type)} {_md(entry.resource_id)}"],
                ["Trail", _md(entry.trail_arn) if entry.trail_arn else "none"],
                ["Verdict", f"**{_md(entry.compliance)}**"],
                *([["Severity", _md(entry.severity or "")]] if failing(entry) else []),
                *([["Exemption", _md(entry.exemption)]] if entry.exemption else []),
            ],
        ),
        "",
        f"Annotation: {_md(entry.annotation)}",
        "",
    ]
    if config_cut(entry.annotation):
        lines += [f"(Annotation {_md(CUT_NOTE)}.)", ""]
    topics = topics_text(entry)
    if topics is not None:
        lines += [f"Unrecorded topics: {_md(topics)}", ""]
    if failing(entry) and entry.risk:
        lines += [f"Risk: {_md(entry.risk)}", ""]
    if failing(entry):
        controls = controls_text(controls_of(entry.rule))
        if controls:
            lines += [f"Controls: {_md(controls)}", ""]
        ident = finding_id(
            entry.rule, entry.account_id, entry.region, entry.resource_type, entry.resource_id
        )
        lines += [f"Finding {_md(ident)}, evaluated {_md(entry.evaluated_at or '')}.", ""]
    if entry.causes:
        lines += ["**Causes**", "", *(f"- {_md(c)}" for c in entry.causes), ""]
    if entry.example:
        lines += [f"**{EXAMPLE_HEADING}**", ""]
        rows = [[_md(k), _md(str(v))] for k, v in entry.example.items()]
        lines += [*_md_table(["Field", "Value"], rows), ""]
    if entry.selectors is not None:
        lines += [f"**{EVIDENCE_HEADING}**", ""]
        lines += [*_md_code(_pretty_json(entry.selectors), "json"), ""]
    if entry.fix:
        lines += ["**Fix**", "", *_md_code(printable(entry.fix)), ""]
    return lines


def _md_annotation(text: str) -> str:
    """An annotation in a table cell, with a note when AWS Config cut it."""
    return _md(f"{text} ({CUT_NOTE})" if config_cut(text) else text)


def _md_opening(report: Report) -> list[str]:
    """The opening statement (the result in bold), the population and the scope."""
    found = opening(report)
    lines = [f"**{_md(found.sentence)}**", ""]
    lines += [line for text in found.lines()[1:] for line in (_md(text), "")]
    topics = topics_line(report)
    if topics is not None:
        lines += [_md(topics), ""]
    lines += [_md(population_line(report)), ""]
    if report.scope is not None:
        lines += [_md(scope_line(report.scope)), ""]
        exemptions = [f"- Exemption: {_md(e.describe())}" for e in report.scope.exemptions]
        lines += [*exemptions, ""] if exemptions else []
    return lines


def render_markdown(report: Report) -> str:
    """The auditor's report in Markdown."""
    parts = sections(report)
    lines = [
        f"# {_md(report.title)}",
        "",
        f"Generated {_md(report.generated_at)} from {_md(report.source)}.",
        "",
        *_md_opening(report),
        f"## Not evaluated ({parts.not_evaluated_count})",
        "",
    ]
    if parts.headline is None:
        lines += [_md(ALL_EVALUATED), ""]
    else:
        lines += [f"**{_md(parts.headline)}**", ""]
        lines += [*(f"- {_md(text)}" for text in parts.statements), ""]
    lines += [
        "## Summary",
        "",
        *_md_table(["Scope", "Count"], [[name, str(n)] for name, n in parts.scope]),
        "",
        "### Verdicts",
        "",
        *_md_table(
            ["Verdict", *(_md(r) for r in parts.rules), "Total"],
            [[_md(v), *map(str, per_rule), str(total)] for v, per_rule, total in parts.counts],
        ),
        "",
        "### Coverage by region",
        "",
        COVERAGE_TEXT.format(rule=_md(parts.coverage_rule)),
        "",
        *_md_table(
            list(COVERAGE_HEADER),
            [[_md(r), str(c), str(n), str(u)] for r, c, n, u in parts.coverage],
        ),
        "",
        f"## Non-compliant findings ({len(parts.failing)})",
        "",
    ]
    if not parts.failing:
        lines += ["None.", ""]
    for entry in parts.failing:
        lines += _md_entry(entry)
    lines += [f"## Other findings ({len(parts.others)})", ""]
    if parts.others:
        rows = [
            [_md(e.account_id), _md(e.region), _md(e.rule), _md(e.resource_id),
             _md(e.trail_arn or ""), _md(e.compliance), _md_annotation(e.annotation)]
            for e in parts.others
        ]  # fmt: skip
        lines += [*_md_table(list(OTHERS_HEADER), rows), ""]
    else:
        lines += ["None.", ""]
    return "\n".join(lines).rstrip("\n") + "\n"


FORMAT = Format(
    name="md", summary="the auditor's report in Markdown", rank=4, report=render_markdown
)
