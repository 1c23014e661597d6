"""Render a Report as a terminal table, JSON, CSV, Markdown or a self-contained HTML file.

JSON and CSV are the machine forms and parse back (``parse_json``, ``parse_csv``) to the same
entries. Markdown and HTML are the auditor's report: what has no result, a summary, then every
non-compliant finding with its evidence and its fix. Every rendering opens with what was not
evaluated (CSV and JSON: its NOT_EVALUATED rows come first), so that none can show a clean
summary for a partial or empty result. Every rendering is deterministic: the same report gives
the same text.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
import textwrap
from collections.abc import Callable, Iterable
from typing import Any

from trailguard.rules.logic import ACCOUNT_RULE, NOT_APPLICABLE, TRAIL_RULE, TRAIL_TYPE

from .model import FIELDS, NOT_EVALUATED, Report, ReportEntry, report_order

FORMATS = ("table", "json", "csv", "html", "md")
COMPLIANT = "COMPLIANT"
NON_COMPLIANT = "NON_COMPLIANT"
VERDICTS = (COMPLIANT, NON_COMPLIANT, NOT_APPLICABLE)
TABLE_WIDTH = 120
_RULE_PREFIX = "cloudtrail-sns-data-events-"
_RESOURCE_MAX = 32
_ANNOTATION_MIN = 20
# Cells of the CSV form that hold JSON (compact); None is an empty cell in any column.
_JSON_COLUMNS = ("causes", "example", "selectors")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# "_" inside a word (NON_COMPLIANT) cannot start or end emphasis, so it is left as it is.
_MD_SPECIAL = re.compile(r"([\\`*\[\]<>|&#]|(?<![^\W_])_|_(?![^\W_]))")
_MD_LEADING = re.compile(r"^(\d{1,9}(?=[.)])|(?=[-+=]))")
_WHITESPACE = re.compile(r"\s+")
_NOT_EVALUATED_TEXT = "NOT EVALUATED"
_ALL_EVALUATED = "None: everything asked for has a result."


def render(report: Report, fmt: str) -> str:
    """The report in ``fmt`` (one of FORMATS), ending with a newline."""
    renderers: dict[str, Callable[[Report], str]] = {
        "table": render_table,
        "json": render_json,
        "csv": render_csv,
        "html": render_html,
        "md": render_markdown,
    }
    if fmt not in renderers:
        raise ValueError(f"unknown report format {fmt!r}: expected one of {', '.join(FORMATS)}")
    return renderers[fmt](report)


# --- ordering and figures shared by the renderings ---------------------------------------


def _sorted(entries: Iterable[ReportEntry]) -> list[ReportEntry]:
    return sorted(entries, key=report_order)


def _short_rule(rule: str) -> str:
    return rule.removeprefix(_RULE_PREFIX)


def _trail_count(report: Report) -> int:
    return len({e.trail_arn for e in report.trails() if e.trail_arn})


def _verdicts(report: Report) -> list[str]:
    """The three verdicts always, then any other compliance value seen (e.g. from Config)."""
    seen = {e.compliance for e in report.evaluated()}
    return list(VERDICTS) + sorted(seen - set(VERDICTS))


def _rules(report: Report) -> list[str]:
    """The two trailguard rules always, then any other rule seen."""
    known = [TRAIL_RULE, ACCOUNT_RULE]
    return known + sorted({e.rule for e in report.evaluated()} - set(known))


def _count_rows(report: Report) -> list[tuple[str, list[int], int]]:
    """Per verdict: the count under each rule of ``_rules`` and the total."""
    rules = _rules(report)
    evaluated = report.evaluated()
    rows = []
    for verdict in _verdicts(report):
        per_rule = [
            sum(1 for e in evaluated if e.compliance == verdict and e.rule == rule)
            for rule in rules
        ]
        rows.append((verdict, per_rule, sum(per_rule)))
    return rows


def _coverage_rows(report: Report) -> list[tuple[str, int, int, int]]:
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


def _summary_line(report: Report) -> str:
    counts = report.counts()
    verdicts = ", ".join(f"{counts.get(v, 0)} {v}" for v in _verdicts(report))
    accounts, regions, trails = len(report.accounts), len(report.regions), _trail_count(report)
    line = (
        f"{accounts} account{'s' * (accounts != 1)}, {regions} region{'s' * (regions != 1)}, "
        f"{trails} trail{'s' * (trails != 1)}: {verdicts}"
    )
    missing = len(report.not_evaluated())
    if missing:
        line += f"; {missing} {NOT_EVALUATED}"
    return line


def _headline(report: Report) -> str | None:
    """The sentence every rendering opens with when anything has no result."""
    missing = len(report.not_evaluated())
    if not missing:
        return None
    if not report.evaluated():
        return f"{_NOT_EVALUATED_TEXT}: nothing has a result, so this report is not a pass."
    items = f"{missing} item has" if missing == 1 else f"{missing} items have"
    return (
        f"{_NOT_EVALUATED_TEXT}: {items} no result, so the verdicts below are not the whole "
        "picture."
    )


def _pretty_json(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


def _compact_json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


# --- table ---------------------------------------------------------------------------------


def _plain(text: str) -> str:
    """One line with no control characters (no terminal escape sequences)."""
    return _WHITESPACE.sub(" ", _CONTROL.sub(" ", text)).strip()


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def render_table(report: Report) -> str:
    """What has no result, then a fixed-width table for a terminal (about TABLE_WIDTH
    columns) of the verdicts, then a summary."""
    header = ("ACCOUNT", "REGION", "RULE", "RESOURCE", "COMPLIANCE")
    rows = [
        (
            _plain(e.account_id),
            _plain(e.region),
            _plain(_short_rule(e.rule)),
            _cut(_plain(e.resource_id), _RESOURCE_MAX),
            _plain(e.compliance),
            _plain(e.annotation),
        )
        for e in _sorted(report.evaluated())
    ]
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(header)]
    used = sum(widths) + 2 * len(widths)
    annotation_width = max(_ANNOTATION_MIN, TABLE_WIDTH - used)

    def line(cells: tuple[str, ...]) -> str:
        fixed = "  ".join(c.ljust(w) for c, w in zip(cells[:-1], widths, strict=True))
        return f"{fixed}  {_cut(cells[-1], annotation_width)}".rstrip()

    lines = []
    headline = _headline(report)
    if headline:
        lines += textwrap.wrap(headline, TABLE_WIDTH)
        for text in report.statements():
            lines += textwrap.wrap(
                _plain(text), TABLE_WIDTH, initial_indent="- ", subsequent_indent="  ",
                break_on_hyphens=False,
            )  # fmt: skip
        lines.append("")
    if rows:
        lines.append(line((*header, "ANNOTATION")))
        lines.append(line((*("-" * w for w in widths), "-" * len("ANNOTATION"))))
        lines.extend(line(r) for r in rows)
        lines.append("")
    lines.append(_summary_line(report))
    return "\n".join(lines) + "\n"


# --- JSON and CSV ----------------------------------------------------------------------------


def render_json(report: Report) -> str:
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n"


def parse_json(text: str) -> Report:
    """The report that ``render(report, "json")`` printed (its summary and its
    ``notEvaluated`` sentences are recomputed from the findings)."""
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError("a JSON report is an object")
    try:
        findings = data["findings"]
        if not isinstance(findings, list) or not all(isinstance(f, dict) for f in findings):
            raise ValueError("findings: expected a list of objects")
        return Report(
            title=str(data["title"]),
            generated_at=str(data["generatedAt"]),
            source=str(data["source"]),
            entries=tuple(ReportEntry.from_dict(f) for f in findings),
        )
    except KeyError as exc:
        raise ValueError(f"a JSON report needs the key {exc}") from exc


def render_csv(report: Report) -> str:
    """One row per entry, in the report's order (NOT_EVALUATED rows first); columns FIELDS."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(FIELDS)
    for entry in report.entries:
        row = entry.to_dict()
        cells = []
        for name in FIELDS:
            value = row[name]
            if value is None:
                cells.append("")
            elif name in _JSON_COLUMNS:
                cells.append(_compact_json(value))
            else:
                cells.append(str(value))
        writer.writerow(cells)
    return buffer.getvalue()


def parse_csv(text: str) -> list[ReportEntry]:
    """The entries that ``render(report, "csv")`` printed.

    An empty cell is None (so an empty trail ARN or fix reads back as None) and, for
    ``causes``, no causes.
    """
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None or tuple(header) != FIELDS:
        raise ValueError(f"CSV report: the header must be {','.join(FIELDS)}")
    entries = []
    for number, cells in enumerate(reader, start=2):
        if not cells:
            continue
        if len(cells) != len(FIELDS):
            raise ValueError(f"CSV report, row {number}: {len(cells)} cells, not {len(FIELDS)}")
        data: dict[str, Any] = {}
        for name, cell in zip(FIELDS, cells, strict=True):
            if cell == "":
                data[name] = None
            elif name in _JSON_COLUMNS:
                try:
                    data[name] = json.loads(cell)
                except json.JSONDecodeError as exc:
                    raise ValueError(f"CSV report, row {number}, {name}: {exc}") from exc
            else:
                data[name] = cell
        for name in ("rule", "accountId", "region", "resourceType", "resourceId", "compliance"):
            if data[name] is None:
                raise ValueError(f"CSV report, row {number}: {name} is empty")
        data["annotation"] = data["annotation"] or ""
        entries.append(ReportEntry.from_dict(data))
    return entries


# --- Markdown ----------------------------------------------------------------------------------


def _md(text: str) -> str:
    """Inline Markdown text: one line, every character that could format or inject escaped.

    A leading list or ordered-list marker is escaped too, so that the text may follow "- ".
    """
    escaped = _MD_SPECIAL.sub(r"\\\1", _plain(text))
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


def _subject(entry: ReportEntry) -> str:
    """What a finding is about, for its heading."""
    if entry.rule == ACCOUNT_RULE:
        return "account coverage"
    if entry.resource_type == TRAIL_TYPE:
        return f"trail {entry.resource_id}"
    return f"{entry.resource_type} {entry.resource_id}"


def _md_entry(entry: ReportEntry) -> list[str]:
    lines = [
        f"### {_md(entry.account_id)} {_md(entry.region)}: {_md(_subject(entry))}",
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
            ],
        ),
        "",
        f"Annotation: {_md(entry.annotation)}",
        "",
    ]
    if entry.causes:
        lines += ["**Causes**", "", *(f"- {_md(c)}" for c in entry.causes), ""]
    if entry.example:
        lines += ["**Example event that would not be recorded**", ""]
        rows = [[_md(k), _md(str(v))] for k, v in entry.example.items()]
        lines += [*_md_table(["Field", "Value"], rows), ""]
    if entry.selectors is not None:
        lines += ["**Event selectors (evidence)**", ""]
        lines += [*_md_code(_pretty_json(entry.selectors), "json"), ""]
    if entry.fix:
        lines += ["**Fix**", "", *_md_code(entry.fix), ""]
    return lines


def _md_not_evaluated(report: Report) -> list[str]:
    lines = [f"## Not evaluated ({len(report.not_evaluated())})", ""]
    headline = _headline(report)
    if headline is None:
        return [*lines, _md(_ALL_EVALUATED), ""]
    lines += [f"**{_md(headline)}**", ""]
    return [*lines, *(f"- {_md(text)}" for text in report.statements()), ""]


def render_markdown(report: Report) -> str:
    """The auditor's report in Markdown."""
    entries = _sorted(report.evaluated())
    failing = [e for e in entries if e.compliance == NON_COMPLIANT]
    others = [e for e in entries if e.compliance != NON_COMPLIANT]
    rules = _rules(report)
    lines = [
        f"# {_md(report.title)}",
        "",
        f"Generated {_md(report.generated_at)} from {_md(report.source)}.",
        "",
        *_md_not_evaluated(report),
        "## Summary",
        "",
        *_md_table(
            ["Scope", "Count"],
            [
                ["Accounts", str(len(report.accounts))],
                ["Regions", str(len(report.regions))],
                ["Trails", str(_trail_count(report))],
            ],
        ),
        "",
        "### Verdicts",
        "",
        *_md_table(
            ["Verdict", *(_md(r) for r in rules), "Total"],
            [
                [_md(v), *map(str, per_rule), str(total)]
                for v, per_rule, total in _count_rows(report)
            ],
        ),
        "",
        "### Coverage by region",
        "",
        f"Accounts with a logging trail that records SNS data events in the region "
        f"(rule {_md(ACCOUNT_RULE)}).",
        "",
        *_md_table(
            ["Region", "Covered", "Not covered", "No result"],
            [[_md(r), str(c), str(n), str(u)] for r, c, n, u in _coverage_rows(report)],
        ),
        "",
        f"## Non-compliant findings ({len(failing)})",
        "",
    ]
    if not failing:
        lines += ["None.", ""]
    for entry in failing:
        lines += _md_entry(entry)
    lines += [f"## Other findings ({len(others)})", ""]
    if others:
        rows = [
            [_md(e.account_id), _md(e.region), _md(e.rule), _md(e.resource_id),
             _md(e.trail_arn or ""), _md(e.compliance), _md(e.annotation)]
            for e in others
        ]  # fmt: skip
        header = ["Account", "Region", "Rule", "Resource", "Trail", "Verdict", "Annotation"]
        lines += [*_md_table(header, rows), ""]
    else:
        lines += ["None.", ""]
    return "\n".join(lines).rstrip("\n") + "\n"


# --- HTML ----------------------------------------------------------------------------------

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
    return html.escape(text, quote=True)


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


def _html_entry(entry: ReportEntry) -> list[str]:
    lines = [
        '<article class="finding">',
        f"<h3>{_h(entry.account_id)} {_h(entry.region)}: {_h(_subject(entry))}</h3>",
        *_html_fields(
            [
                ("Account", _h(entry.account_id)),
                ("Region", _h(entry.region)),
                ("Rule", _h(entry.rule)),
                ("Resource", f"{_h(entry.resource_type)} {_h(entry.resource_id)}"),
                ("Trail", _h(entry.trail_arn) if entry.trail_arn else "none"),
                ("Verdict", _verdict(entry.compliance)),
                ("Annotation", _h(entry.annotation)),
            ]
        ),
    ]
    if entry.causes:
        lines += ["<h4>Causes</h4>", "<ul>", *(f"<li>{_h(c)}</li>" for c in entry.causes)]
        lines.append("</ul>")
    if entry.example:
        lines.append("<h4>Example event that would not be recorded</h4>")
        rows = [[_h(k), _h(str(v))] for k, v in entry.example.items()]
        lines += _html_table(["Field", "Value"], rows)
    if entry.selectors is not None:
        lines.append("<h4>Event selectors (evidence)</h4>")
        lines.append(f"<pre>{_h(_pretty_json(entry.selectors))}</pre>")
    if entry.fix:
        lines += ["<h4>Fix</h4>", f"<pre>{_h(entry.fix)}</pre>"]
    return [*lines, "</article>"]


def _html_not_evaluated(report: Report) -> list[str]:
    lines = [
        '<section class="not-evaluated">',
        f"<h2>Not evaluated ({len(report.not_evaluated())})</h2>",
    ]
    headline = _headline(report)
    if headline is None:
        return [*lines, f"<p>{_h(_ALL_EVALUATED)}</p>", "</section>"]
    lines += [f'<p class="warning">{_h(headline)}</p>', "<ul>"]
    lines += [f"<li>{_h(text)}</li>" for text in report.statements()]
    return [*lines, "</ul>", "</section>"]


def render_html(report: Report) -> str:
    """The auditor's report as one HTML5 file: inline style, no scripts, no external references."""
    entries = _sorted(report.evaluated())
    failing = [e for e in entries if e.compliance == NON_COMPLIANT]
    others = [e for e in entries if e.compliance != NON_COMPLIANT]
    rules = _rules(report)
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
        *_html_not_evaluated(report),
        "<section>",
        "<h2>Summary</h2>",
        *_html_fields(
            [
                ("Accounts", str(len(report.accounts))),
                ("Regions", str(len(report.regions))),
                ("Trails", str(_trail_count(report))),
            ]
        ),
        "<h3>Verdicts</h3>",
        *_html_table(
            ["Verdict", *(_h(r) for r in rules), "Total"],
            [[_verdict(v), *map(str, per), str(n)] for v, per, n in _count_rows(report)],
            numeric=len(rules) + 1,
        ),
        "<h3>Coverage by region</h3>",
        "<p>Accounts with a logging trail that records SNS data events in the region "
        f"(rule {_h(ACCOUNT_RULE)}).</p>",
        *_html_table(
            ["Region", "Covered", "Not covered", "No result"],
            [[_h(r), str(c), str(n), str(u)] for r, c, n, u in _coverage_rows(report)],
            numeric=3,
        ),
        "</section>",
        "<section>",
        f"<h2>Non-compliant findings ({len(failing)})</h2>",
    ]
    if not failing:
        lines.append("<p>None.</p>")
    for entry in failing:
        lines += _html_entry(entry)
    lines += ["</section>", "<section>", f"<h2>Other findings ({len(others)})</h2>"]
    if others:
        rows = [
            [_h(e.account_id), _h(e.region), _h(e.rule), _h(e.resource_id),
             _h(e.trail_arn or ""), _verdict(e.compliance), _h(e.annotation)]
            for e in others
        ]  # fmt: skip
        header = ["Account", "Region", "Rule", "Resource", "Trail", "Verdict", "Annotation"]
        lines += _html_table(header, rows)
    else:
        lines.append("<p>None.</p>")
    lines += ["</section>", "</body>", "</html>"]
    return "\n".join(lines) + "\n"
