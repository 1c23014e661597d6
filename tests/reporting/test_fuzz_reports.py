"""Fuzz the report writers: every format over reports whose every text field is hostile.

At least 2,000 generated reports (``TRAILGUARD_FUZZ_REPORTS`` to change) of 1 to 6 entries,
from a seeded ``random.Random`` so that a failure reproduces, with strings drawn from
:data:`hostile_text.NASTY` (line ends, NUL, terminal escapes, bidirectional controls, lone
surrogates, formula starts, markup), random code points and long runs. Each is rendered in
every report format. Checked for every report and format: no exception; the text, md, html
and json forms hold no raw control character, bidirectional control or lone surrogate and
encode as UTF-8; the JSON form is strict JSON and parses back to the report (surrogates made
visible); the CSV form reads back, with any CSV reader, to the entries as the README says
(:func:`hostile_text.csv_expected`); the HTML form opens only the tags trailguard writes (no
``<script`` or any other from the content).
"""

from __future__ import annotations

import csv
import dataclasses
import io
import os
import random
import time
import traceback
from html.parser import HTMLParser

import pytest
from hostile_text import NASTY, RAW, csv_expected, strict_json, surrogates_visible
from selector_data import ACCOUNT_RULE, TRAIL_RULE

from trailguard.reporting.model import FIELDS, NOT_EVALUATED, Report, ReportEntry
from trailguard.reporting.render import parse_csv, parse_json, render

REPORTS = int(os.environ.get("TRAILGUARD_FUZZ_REPORTS", "2000"))
SEED = int(os.environ.get("TRAILGUARD_FUZZ_SEED", "20240901"))
FORMATS = ("text", "md", "html", "json", "csv", "ocsf", "asff")
# The tags the HTML form writes; content must never open another.
HTML_TAGS = {
    "html", "head", "meta", "title", "style", "body", "header", "h1", "h2", "h3", "h4", "p",
    "section", "ul", "li", "table", "thead", "tbody", "tr", "th", "td", "span", "article", "pre",
    "nav", "ol", "a", "wbr", "code", "figure", "figcaption",
    # the inline SVG pictures
    "svg", "defs", "pattern", "rect", "line", "path", "circle", "g", "text",
}  # fmt: skip


def _text(rng: random.Random, empty: bool = True) -> str:
    roll = rng.random()
    if roll < 0.6:
        text = "".join(rng.choice(NASTY) for _ in range(rng.randrange(0, 6)))
    elif roll < 0.85:
        text = "".join(chr(rng.randrange(0, 0x110000)) for _ in range(rng.randrange(0, 10)))
    elif roll < 0.95:
        text = rng.choice(("arn:aws:sns:us-east-1:1:t", "=1+1", "-x", "@x", "111122223333"))
    else:
        text = rng.choice(NASTY) * rng.choice((300, 3000))
    return text or ("" if empty else "x")


def _entry(rng: random.Random) -> ReportEntry:
    def optional() -> str | None:
        return None if rng.random() < 0.3 else _text(rng, empty=False)

    example = {_text(rng): _text(rng) for _ in range(rng.randrange(0, 3))}
    selectors = {"AdvancedEventSelectors": [{"Name": _text(rng), "FieldSelectors": []}]}
    return ReportEntry(
        rule=rng.choice((TRAIL_RULE, ACCOUNT_RULE, _text(rng, empty=False))),
        account_id=_text(rng, empty=False),
        region=_text(rng, empty=False),
        resource_type=_text(rng, empty=False),
        resource_id=_text(rng, empty=False),
        trail_arn=optional(),
        compliance=rng.choice(("COMPLIANT", "NON_COMPLIANT", NOT_EVALUATED, _text(rng, False))),
        annotation=_text(rng),
        causes=tuple(_text(rng) for _ in range(rng.randrange(0, 3))),
        example=example if rng.random() < 0.5 else None,
        selectors=selectors if rng.random() < 0.5 else None,
        fix=optional(),
        unrecorded_topics=(
            tuple(_text(rng) for _ in range(rng.randrange(0, 3))) if rng.random() < 0.3 else None
        ),
        topics_checked=rng.randrange(0, 5) if rng.random() < 0.3 else None,
        exemption=optional() if rng.random() < 0.3 else None,
    )


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)


def problems_of(report: Report, fmt: str, text: str) -> list[str]:
    problems: list[str] = []
    if fmt != "csv":
        raw = RAW.search(text)
        if raw:
            around = text[max(raw.start() - 30, 0) : raw.end() + 10]
            problems.append(f"raw {raw.group()!r}: {around!r}")
        text.encode("utf-8")  # raises on a lone surrogate
    if fmt in ("ocsf", "asff"):
        strict_json(text)
    if fmt == "json":
        strict_json(text)
        expected = dataclasses.replace(
            report,
            title=surrogates_visible(report.title),
            generated_at=surrogates_visible(report.generated_at),
            source=surrogates_visible(report.source),
            entries=tuple(
                ReportEntry.from_dict(surrogates_visible(e.to_dict())) for e in report.entries
            ),
        )
        if parse_json(text) != expected:
            problems.append("JSON does not parse back to the report")
    if fmt == "csv":
        if parse_csv(text) != [csv_expected(e) for e in report.entries]:
            problems.append("CSV does not read back to the entries")
        rows = list(csv.reader(io.StringIO(text, newline="")))
        if len(rows) != len(report.entries) + 1 or any(len(r) != len(FIELDS) for r in rows):
            problems.append("a CSV reader sees other rows")
    if fmt == "html":
        parser = _Tags()
        parser.feed(text)
        parser.close()
        if parser.tags - HTML_TAGS or "<script" in text.lower():
            problems.append(f"HTML opens a tag from the content: {parser.tags - HTML_TAGS}")
    return problems


@pytest.mark.slow
def test_fuzz_report_writers() -> None:
    rng = random.Random(SEED)
    start = time.monotonic()
    failures: list[str] = []
    exceptions = 0
    entries = 0
    for index in range(REPORTS):
        report = Report(
            _text(rng),
            _text(rng),
            _text(rng),
            tuple(_entry(rng) for _ in range(rng.randrange(1, 7))),
        )
        entries += len(report.entries)
        for fmt in FORMATS:
            try:
                found = problems_of(report, fmt, render(report, fmt))
            except Exception:
                exceptions += 1
                found = [traceback.format_exc()]
            if found and len(failures) < 10:
                failures.append(f"report #{index}, {fmt}: {'; '.join(found)}")
    elapsed = time.monotonic() - start
    summary = (
        f"fuzzed the report writers with {REPORTS} reports ({entries} entries) in every "
        f"format ({', '.join(FORMATS)}) in {elapsed:.1f}s: {exceptions} exceptions, "
        f"{len(failures)} reports with problems"
    )
    print(summary)
    assert REPORTS >= 2000 or "TRAILGUARD_FUZZ_REPORTS" in os.environ, summary
    assert not failures, summary + "\n" + "\n".join(failures)


def test_problems_of_reports_what_it_checks() -> None:
    """The fuzzer's judge can fail: each broken rendering is reported."""
    entry = ReportEntry("r", "1", "us-east-1", "T", "t", None, "X", "=a")
    report = Report("t", "g", "s", (entry,))
    assert problems_of(report, "text", "a\x1b[2Jb\n")
    assert problems_of(report, "md", "a\u202eb\n")
    assert problems_of(report, "html", "<p><script>x</script></p>")
    assert problems_of(report, "html", "<p><img src=x></p>")
    assert problems_of(report, "csv", render(report, "csv").replace("'=a", "=a"))
    assert problems_of(report, "json", render(report, "json").replace('"X"', '"Y"'))
    with pytest.raises(AssertionError):
        problems_of(report, "json", '{"title": "\\ud800"}')
    for fmt in FORMATS:
        assert problems_of(report, fmt, render(report, fmt)) == [], fmt
