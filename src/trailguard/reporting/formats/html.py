"""``html``: the auditor's report as one self-contained HTML5 file (inline style, no scripts,
no external references), laid out from the sections of :mod:`..sections` and the parts of
:mod:`..html_parts`, in this order: the title; the opening statement (result, pass rate, what
was and was not evaluated); the scope and the population; what has no result; the summary with
the verdict chart and the account × region coverage grid (inline SVG, :mod:`..svg`); the index
of failing findings; each failing finding in full; the other findings. Text from the findings
is HTML-escaped, with control characters, bidirectional controls and lone surrogates shown as
escapes (:mod:`..escape`).

Print: findings are kept whole on a page where they fit, never one per page; verdicts, ids and
ARNs never break mid-token (an ARN may break after a ``:`` or ``/``).
"""

from __future__ import annotations

from ..html_parts import (
    anchors,
    annotation,
    entry_article,
    fields,
    h,
    index_section,
    scope_section,
    statement_section,
    table,
    token,
    verdict,
)
from ..model import Report
from ..sections import ALL_EVALUATED, COVERAGE_HEADER, COVERAGE_TEXT, OTHERS_HEADER, sections
from ..svg import chart_svg, grid_svg
from . import Format

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
.verdict { font-weight: bold; white-space: nowrap; }
.tok { white-space: nowrap; }
.non-compliant { color: #b00020; }
.compliant { color: #1b5e20; }
.meta, .note { color: #444; }
.not-evaluated .warning, .scope .warning { font-weight: bold; color: #b00020; }
.statement { border: 2px solid #333; padding: 0.2em 1em; margin: 1em 0; }
.statement p { margin: 0.4em 0; }
.statement .result { font-size: 1.3em; }
.statement.fail, .statement.incomplete { border-style: double; border-width: 4px; }
svg { max-width: 100%; height: auto; display: block; margin: 0.5em 0; }
@media print {
  body { margin: 0; max-width: none; color: #000; font-size: 9pt; }
  th, pre { background: none; }
  .non-compliant, .compliant, .meta, .note, .not-evaluated .warning, .scope .warning {
    color: #000; }
  .finding { border-left-width: 1px; page-break-inside: auto; break-inside: auto; }
  table, pre, li, svg, tr, .statement { page-break-inside: avoid; break-inside: avoid; }
  thead { display: table-header-group; }
  h2, h3, h4 { page-break-after: avoid; break-after: avoid; }
  pre { white-space: pre-wrap; overflow: visible; overflow-wrap: break-word; }
  pre.evidence { overflow-wrap: anywhere; }
  td { overflow-wrap: break-word; }
  .verdict, .tok, code.id { white-space: nowrap; }
  a { color: #000; text-decoration: none; }
}
""".strip()


def render_html(report: Report) -> str:
    """The auditor's report as one HTML5 file: inline style, no scripts, no external references."""
    parts = sections(report)
    lines = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{h(report.title)}</title>",
        f"<style>\n{_CSS}\n</style>",
        "</head>",
        "<body>",
        "<header>",
        f"<h1>{h(report.title)}</h1>",
        f'<p class="meta">Generated {h(report.generated_at)} from {h(report.source)}.</p>',
        "</header>",
        *statement_section(report),
        *scope_section(report),
        '<section class="not-evaluated" id="not-evaluated">',
        f"<h2>Not evaluated ({parts.not_evaluated_count})</h2>",
    ]
    if parts.headline is None:
        lines.append(f"<p>{h(ALL_EVALUATED)}</p>")
    else:
        lines += [f'<p class="warning">{h(parts.headline)}</p>', "<ul>"]
        lines += [f"<li>{h(text)}</li>" for text in parts.statements]
        lines.append("</ul>")
    lines += [
        "</section>",
        '<section class="summary">',
        "<h2>Summary</h2>",
        *fields([(name, str(n)) for name, n in parts.scope]),
        "<h3>Verdicts</h3>",
        *table(
            ["Verdict", *(h(r) for r in parts.rules), "Total"],
            [[verdict(v), *map(str, per), str(n)] for v, per, n in parts.counts],
            numeric=len(parts.rules) + 1,
        ),
        "<figure>",
        chart_svg(report),
        "<figcaption>Findings per verdict (every rule; N/A is NOT_APPLICABLE).</figcaption>",
        "</figure>",
        "<h3>Coverage by account and region</h3>",
        f"<p>{COVERAGE_TEXT.format(rule=h(parts.coverage_rule))}</p>",
        "<figure>",
        grid_svg(report),
        "<figcaption>Each cell: the verdict of the account-region rule there, written out "
        "(NO RESULT: none was reached; exempted: an accepted exemption).</figcaption>",
        "</figure>",
        "<h3>Coverage by region</h3>",
        *table(
            list(COVERAGE_HEADER),
            [[h(r), str(c), str(n), str(u)] for r, c, n, u in parts.coverage],
            numeric=3,
        ),
        "</section>",
    ]
    ids = anchors(parts.failing)
    lines += index_section(parts.failing, ids)
    lines += ["<section>", f"<h2>Non-compliant findings ({len(parts.failing)})</h2>"]
    if not parts.failing:
        lines.append("<p>None.</p>")
    for index, entry in enumerate(parts.failing):
        lines += entry_article(entry, ids[index])
    lines += ["</section>", "<section>", f"<h2>Other findings ({len(parts.others)})</h2>"]
    if parts.others:
        rows = [
            [token(e.account_id), token(e.region), token(e.rule), token(e.resource_id),
             token(e.trail_arn or ""), verdict(e.compliance), annotation(e.annotation)]
            for e in parts.others
        ]  # fmt: skip
        lines += table(list(OTHERS_HEADER), rows)
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
