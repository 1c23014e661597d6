"""The parts of the auditor's HTML report (``formats/html.py`` lays them out): the escapes,
tables, the opening statement, the scope and population, the index of failing findings and
each finding.

Every text from the input goes through :func:`h` (HTML-escaped, control characters and the
like shown as escapes, :mod:`.escape`), or :func:`token` for an ARN or an id: escaped the same,
with a break opportunity (``<wbr>``) after each ``:`` and ``/`` and none elsewhere, so that
printing never splits one mid-token.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from typing import Any

from .escape import json_text, printable
from .finding import controls_of, controls_text, finding_id
from .model import Report, ReportEntry
from .scope import Population
from .sections import COMPLIANT, EVIDENCE_HEADING, EXAMPLE_HEADING, NON_COMPLIANT, failing, subject
from .statement import (
    CUT_NOTE,
    NO_POPULATION,
    NO_SCOPE,
    config_cut,
    opening,
    scope_rows,
    topics_line,
    topics_text,
)

_VERDICT_CLASS = {NON_COMPLIANT: "non-compliant", COMPLIANT: "compliant"}
_RESULT_CLASS = {"PASS": "pass", "FAIL": "fail", "INCOMPLETE": "incomplete"}
_BREAK_AFTER = re.compile(r"(?<=[:/])")


def h(text: str) -> str:
    return html.escape(printable(text), quote=True)


def token(text: str) -> str:
    """An ARN, an id or a name: escaped, unbreakable but after each ``:`` and ``/``."""
    pieces = [p for p in _BREAK_AFTER.split(printable(text)) if p]
    return "<wbr>".join(f'<span class="tok">{html.escape(p, quote=True)}</span>' for p in pieces)


def verdict(compliance: str) -> str:
    css = _VERDICT_CLASS.get(compliance, "other")
    return f'<span class="verdict {css}">{h(compliance)}</span>'


def table(header: list[str], rows: Iterable[Iterable[str]], numeric: int = 0) -> list[str]:
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


def fields(rows: list[tuple[str, str]]) -> list[str]:
    """A two-column table of named values (names fixed text, values HTML already)."""
    lines = ["<table>", "<tbody>"]
    lines += [f'<tr><th scope="row">{name}</th><td>{value}</td></tr>' for name, value in rows]
    return [*lines, "</tbody>", "</table>"]


# --- the top: statement, scope, population ----------------------------------------------------


def statement_section(report: Report) -> list[str]:
    """The overall result in one sentence, the pass rate, what was and was not evaluated."""
    found = opening(report)
    css = _RESULT_CLASS[found.result]
    lines = [
        f'<section class="statement {css}" id="statement">',
        f'<p class="result"><span class="verdict">{found.result}</span></p>',
        *(f"<p>{h(text)}</p>" for text in found.lines()),
    ]
    topics = topics_line(report)
    if topics is not None:
        lines.append(f"<p>{h(topics)}</p>")
    return [*lines, "</section>"]


def _tokens(values: Iterable[str]) -> str:
    return ", ".join(token(v) for v in values)


def scope_section(report: Report) -> list[str]:
    """The scope of the run, then the population and the places with no result and why."""
    lines = ['<section class="scope" id="scope">', "<h2>Scope</h2>"]
    scope = report.scope
    if scope is None:
        lines.append(f"<p>{h(NO_SCOPE)}</p>")
    else:
        rows = []
        for name, value in scope_rows(scope):
            shown = token(value) if name == "Caller" and scope.caller else h(value)
            rows.append((name, shown))
        lines += fields(rows)
    lines += population_part(report.population)
    return [*lines, "</section>"]


def population_part(population: Population | None) -> list[str]:
    lines = ["<h3>Population</h3>"]
    if population is None:
        return [*lines, f"<p>{h(NO_POPULATION)}</p>"]
    counts = population.counts()
    css = "" if population.complete else ' class="warning"'
    lines.append(f"<p{css}>{h(population.statement())}</p>")
    lines += table(
        ["Evaluated", "No result", "Exempted", "Total"],
        [[str(counts["evaluated"]), str(counts["no result"]), str(counts["exempted"]),
          str(len(population.places))]],
        numeric=4,
    )  # fmt: skip
    others = [p for p in population.places if p.state != "evaluated"]
    if others:
        lines.append("<h4>Account-regions with no result or exempted</h4>")
        rows = [[token(p.account), token(p.region), h(p.state), h(p.why)] for p in others]
        lines += table(["Account", "Region", "State", "Why"], rows)
    return lines


# --- the failing findings: index and each one ------------------------------------------------


def anchors(entries: Iterable[ReportEntry]) -> dict[int, str]:
    """An anchor per entry (by position): ``finding-`` and its id's digest, ``-2``... when two
    entries share an id."""
    found: dict[int, str] = {}
    seen: dict[str, int] = {}
    for index, e in enumerate(entries):
        ident = finding_id(e.rule, e.account_id, e.region, e.resource_type, e.resource_id)
        base = "finding-" + ident.rsplit("/", 1)[-1]
        seen[base] = seen.get(base, 0) + 1
        found[index] = base if seen[base] == 1 else f"{base}-{seen[base]}"
    return found


def index_section(entries: tuple[ReportEntry, ...], ids: dict[int, str]) -> list[str]:
    """A list of the failing findings, each a link to it."""
    lines = ['<nav class="index" aria-label="Failing findings">', "<h2>Failing findings</h2>"]
    if not entries:
        return [*lines, "<p>None.</p>", "</nav>"]
    lines.append("<ol>")
    for index, e in enumerate(entries):
        severity = f" [{h(e.severity)}]" if e.severity else ""
        exempt = " (exempted)" if e.exemption else ""
        lines.append(
            f'<li><a href="#{ids[index]}">{token(e.account_id)} {token(e.region)}: '
            f"{h(subject(e))}</a>{severity}{exempt}</li>"
        )
    return [*lines, "</ol>", "</nav>"]


def _pretty_json(value: Any) -> str:
    return json_text(value, ensure_ascii=False)


def annotation(text: str) -> str:
    """The annotation, with a note when AWS Config cut it."""
    if config_cut(text):
        return f'{h(text)} <span class="note">({h(CUT_NOTE)})</span>'
    return h(text)


def _identity(entry: ReportEntry) -> list[tuple[str, str]]:
    """A failing finding's controls, id and evaluation time."""
    controls = controls_text(controls_of(entry.rule))
    ident = finding_id(
        entry.rule, entry.account_id, entry.region, entry.resource_type, entry.resource_id
    )
    return [
        *([("Controls", h(controls))] if controls else []),
        ("Finding", f'<code class="id">{token(ident)}</code>'),
        ("Evaluated", f'<span class="tok">{h(entry.evaluated_at or "")}</span>'),
    ]


def entry_article(entry: ReportEntry, anchor: str) -> list[str]:
    topics = topics_text(entry)
    shown = failing(entry)
    lines = [
        f'<article class="finding" id="{anchor}">',
        f"<h3>{token(entry.account_id)} {token(entry.region)}: {h(subject(entry))}</h3>",
        *fields(
            [
                ("Account", token(entry.account_id)),
                ("Region", token(entry.region)),
                ("Rule", token(entry.rule)),
                ("Resource", f"{h(entry.resource_type)} {token(entry.resource_id)}"),
                ("Trail", token(entry.trail_arn) if entry.trail_arn else "none"),
                ("Verdict", verdict(entry.compliance)),
                *([("Severity", h(entry.severity or ""))] if shown else []),
                *([("Exemption", h(entry.exemption))] if entry.exemption else []),
                ("Annotation", annotation(entry.annotation)),
                *([("Unrecorded topics", h(topics))] if topics is not None else []),
                *([("Risk", h(entry.risk))] if shown and entry.risk else []),
                *(_identity(entry) if shown else []),
            ]
        ),
    ]
    if entry.causes:
        lines += ["<h4>Causes</h4>", "<ul>", *(f"<li>{h(c)}</li>" for c in entry.causes)]
        lines.append("</ul>")
    if entry.example:
        lines.append(f"<h4>{EXAMPLE_HEADING}</h4>")
        rows = [[h(k), h(str(v))] for k, v in entry.example.items()]
        lines += table(["Field", "Value"], rows)
    if entry.selectors is not None:
        lines.append(f"<h4>{EVIDENCE_HEADING}</h4>")
        lines.append(f'<pre class="evidence">{h(_pretty_json(entry.selectors))}</pre>')
    if entry.fix:
        lines += ["<h4>Fix</h4>", f'<pre class="fix">{h(entry.fix)}</pre>']
    return [*lines, "</article>"]
