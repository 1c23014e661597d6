"""``html``: the auditor's report as one self-contained HTML5 file (inline style, no scripts,
no external references), laid out from the sections of :mod:`..sections`. Text from the
findings is HTML-escaped, with control characters, bidirectional controls and lone surrogates
shown as escapes (:mod:`..escape`)."""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import Any

from ..escape import json_text, printable
from ..finding import controls_of, controls_text, finding_id
from ..model import Report, ReportEntry
from ..sections import (
    ALL_EVALUATED,
    COMPLIANT,
    COVERAGE_HEADER,
    COVERAGE_TEXT,
    EVIDENCE_HEADING,
    EXAMPLE_HEADING,
    NON_COMPLIANT,
    OTHERS_HEADER,
    failing,
    sections,
    subject,
)
from . import Format


def _pretty_json(value: Any) -> str:
    return json_text(value, ensure_ascii=False)


_CSS = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 70em; padding: 0 1em;
  color: #1a1a1a; line-height: 1.4; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { border-bottom: 1px solid #999; padding-bottom: 0.2em; margin-top: 2em; }
h4 { margin: 1em 0 0.3em; }
table { border-collapse: collapse; margin: 0.5em 0; }
th, td { border: 1px solid #bbb; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
th { background: #f0f0f0; }
td.n { text-align: right; }
pre { background: #f6f6f6; border: 1px solid #ddd; padding: 0.6em; overflow-x: auto;
  font-size: 0.85em; }
.finding { border: 1px solid #bbb; border-left: 0.4em solid #b00020; padding: 0 1em 0.5em;
  margin: 1em 0; }
.verdict { font-weight: bold; }
.non-compliant { color: #b00020; }
.compliant { color: #1b5e20; }
.meta { color: #444; }
.not-evaluated .warning { font-weight: bold; color: #b00020; }
@media print {
  body { margin: 0; max-width: none; color: #000; font-size: 10pt; }
  th, pre { background: none; }
  .non-compliant, .compliant, .meta, .not-evaluated .warning { color: #000; }
  .finding { border-left-width: 1px; page-break-inside: avoid; break-inside: avoid; }
  table, pre, li { page-break-inside: avoid; break-inside: avoid; }
  thead { display: table-header-group; }
  h2, h3, h4 { page-break-after: avoid; break-after: avoid; }
  pre { white-space: pre-wrap; overflow-wrap: anywhere; overflow: visible; }
  td { overflow-wrap: anywhere; }
}
""".strip()
_VERDICT_CLASS = {NON_COMPLIANT: "non-compliant", COMPLIANT: "compliant"}


def _h(text: str) -> str:
    return html.escape(printable(text), quote=True)


def _verdict(compliance: str) -> str:
    css = _VERDICT_CLASS.get(compliance, "other")
    return f'<span class="verdict {css}">{_h(compliance)}</span>'


def _html_table(header: list[str], rows: Iterable[Iterable[str]], numeric: int = 0) -> list[str]:
    """A table; cells are HTML already. The last ``numeric`` columns are right-aligned."""
    lines = ["<table>", "<thead><tr>" + "".join(f"<th>{c}</th>" for c in header) + "</tr></thead>"]
    lines.append("<tbody>")
    for row in rows:
        cells = list(row)
        first = len(cells) - numeric
        tds = "".join(
            f'<td class="n">{c}</td>' if i >= first else f"<td>{c}</td>"
            for i, c in enumerate(cells)
        )
        lines.append(f"<tr>{tds}</tr>")
    lines += ["</tbody>", "</table>"]
    return lines


def _html_fields(rows: list[tuple[str, str]]) -> list[str]:
    """A two-column table of named values (names fixed text, values HTML already)."""
    lines = ["<table>", "<tbody>"]
    lines += [f'<tr><th scope="row">{name}</th><td>{value}</td></tr>' for name, value in rows]
    return [*lines, "</tbody>", "</table>"]


def _html_identity(entry: ReportEntry) -> list[tuple[str, str]]:
    """A failing finding's controls, id and evaluation time."""
    controls = controls_text(controls_of(entry.rule))
    ident = finding_id(
        entry.rule, entry.account_id, entry.region, entry.resource_type, entry.resource_id
    )
    return [
        *([("Controls", _h(controls))] if controls else []),
        ("Finding", f"<code>{_h(ident)}</code>"),
        ("Evaluated", _h(entry.evaluated_at or "")),
    ]


def _html_entry(entry: ReportEntry) -> list[str]:
    lines = [
        '<article class="finding">',
        f"<h3>{_h(entry.account_id)} {_h(entry.region)}: {_h(subject(entry))}</h3>",
        *_html_fields(
            [
                ("Account", _h(entry.account_id)),
                ("Region", _h(entry.region)),
                ("Rule", _h(entry.rule)),
                ("Resource", f"{_h(entry.resource_type)} {_h(entry.resource_id)}"),
                ("Trail", _h(entry.trail_arn) if entry.trail_arn else "none"),
                ("Verdict", _verdict(entry.compliance)),
                *([("Severity", _h(entry.severity or ""))] if failing(entry) else []),
                ("Annotation", _h(entry.annotation)),
                *([("Risk", _h(entry.risk))] if failing(entry) and entry.risk else []),
                *(_html_identity(entry) if failing(entry) else []),
            ]
        ),
    ]
    if entry.causes:
        lines += ["<h4>Causes</h4>", "<ul>", *(f"<li>{_h(c)}</li>" for c in entry.causes)]
        lines.append("</ul>")
    if entry.example:
        lines.append(f"<h4>{EXAMPLE_HEADING}</h4>")
        rows = [[_h(k), _h(str(v))] for k, v in entry.example.items()]
        lines += _html_table(["Field", "Value"], rows)
    if entry.selectors is not None:
        lines.append(f"<h4>{EVIDENCE_HEADING}</h4>")
        lines.append(f"<pre>{_h(_pretty_json(entry.selectors))}</pre>")
    if entry.fix:
        lines += ["<h4>Fix</h4>", f"<pre>{_h(entry.fix)}</pre>"]
    return [*lines, "</article>"]


def render_html(report: Report) -> str:
    """The auditor's report as one HTML5 file: inline style, no scripts, no external references."""
    parts = sections(report)
    lines = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_h(report.title)}</title>",
        f"<style>\n{_CSS}\n</style>",
        "</head>",
        "<body>",
        "<header>",
        f"<h1>{_h(report.title)}</h1>",
        f'<p class="meta">Generated {_h(report.generated_at)} from {_h(report.source)}.</p>',
        "</header>",
        '<section class="not-evaluated">',
        f"<h2>Not evaluated ({parts.not_evaluated_count})</h2>",
    ]
    if parts.headline is None:
        lines.append(f"<p>{_h(ALL_EVALUATED)}</p>")
    else:
        lines += [f'<p class="warning">{_h(parts.headline)}</p>', "<ul>"]
        lines += [f"<li>{_h(text)}</li>" for text in parts.statements]
        lines.append("</ul>")
    lines += [
        "</section>",
        "<section>",
        "<h2>Summary</h2>",
        *_html_fields([(name, str(n)) for name, n in parts.scope]),
        "<h3>Verdicts</h3>",
        *_html_table(
            ["Verdict", *(_h(r) for r in parts.rules), "Total"],
            [[_verdict(v), *map(str, per), str(n)] for v, per, n in parts.counts],
            numeric=len(parts.rules) + 1,
        ),
        "<h3>Coverage by region</h3>",
        f"<p>{COVERAGE_TEXT.format(rule=_h(parts.coverage_rule))}</p>",
        *_html_table(
            list(COVERAGE_HEADER),
            [[_h(r), str(c), str(n), str(u)] for r, c, n, u in parts.coverage],
            numeric=3,
        ),
        "</section>",
        "<section>",
        f"<h2>Non-compliant findings ({len(parts.failing)})</h2>",
    ]
    if not parts.failing:
        lines.append("<p>None.</p>")
    for entry in parts.failing:
        lines += _html_entry(entry)
    lines += ["</section>", "<section>", f"<h2>Other findings ({len(parts.others)})</h2>"]
    if parts.others:
        rows = [
            [_h(e.account_id), _h(e.region), _h(e.rule), _h(e.resource_id),
             _h(e.trail_arn or ""), _verdict(e.compliance), _h(e.annotation)]
            for e in parts.others
        ]  # fmt: skip
        lines += _html_table(list(OTHERS_HEADER), rows)
    else:
        lines.append("<p>None.</p>")
    lines += ["</section>", "</body>", "</html>"]
    return "\n".join(lines) + "\n"


FORMAT = Format(
    name="html",
    summary="the auditor's report as one self-contained HTML file",
    rank=3,
    report=render_html,
)
