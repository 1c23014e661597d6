"""Report renderings: JSON and CSV round-trip, HTML is self-contained and escaped, snapshots."""

from __future__ import annotations

import dataclasses
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from snapshots import assert_text_snapshot

from trailguard.reporting.model import FIELDS, Report, ReportEntry
from trailguard.reporting.render import FORMATS, parse_csv, parse_json, render
from trailguard.rules.logic import ACCOUNT_RULE, ACCOUNT_TYPE, TRAIL_RULE, TRAIL_TYPE

SNAPSHOTS = Path(__file__).parent / "snapshots" / "report"
A, B = "111122223333", "444455556666"
BAD_ARN = f"arn:aws:cloudtrail:us-east-1:{A}:trail/sns-publish-only"
BAD_SELECTORS = {
    "TrailARN": BAD_ARN,
    "AdvancedEventSelectors": [
        {
            "Name": "Log SNS Publish | prod",
            "FieldSelectors": [
                {"Field": "eventCategory", "Equals": ["Data"]},
                {"Field": "resources.type", "Equals": ["AWS::SNS::Topic"]},
                {"Field": "eventName", "Equals": ["Publish"]},
            ],
        }
    ],
}
EXAMPLE = {
    "eventCategory": "Data",
    "resources.type": "AWS::SNS::Topic",
    "eventName": "PublishBatch",
    "eventType": "AwsApiCall",
    "eventSource": "sns.amazonaws.com",
    "readOnly": "false",
    "resources.ARN": f"arn:aws:sns:us-east-1:{A}:example-topic",
    "userIdentity.arn": f"arn:aws:sts::{A}:assumed-role/ExampleRole/example-session",
    "sessionCredentialFromConsole": "false",
}
CAUSE = "selector 'Log SNS Publish | prod' limits eventName to [Publish]"
ALL_SNS = {
    "AdvancedEventSelectors": [
        {
            "Name": "All SNS data events",
            "FieldSelectors": [
                {"Field": "eventCategory", "Equals": ["Data"]},
                {"Field": "resources.type", "Equals": ["AWS::SNS::Topic"]},
            ],
        }
    ]
}


def trail(
    account: str, region: str, name: str, compliance: str, annotation: str, **kw: Any
) -> ReportEntry:
    home = kw.pop("home", region)
    return ReportEntry(
        rule=TRAIL_RULE,
        account_id=account,
        region=region,
        resource_type=TRAIL_TYPE,
        resource_id=name,
        trail_arn=f"arn:aws:cloudtrail:{home}:{account}:trail/{name}",
        compliance=compliance,
        annotation=annotation,
        **kw,
    )


def coverage(
    account: str, region: str, compliance: str, annotation: str, fix: str | None = None
) -> ReportEntry:
    return ReportEntry(
        ACCOUNT_RULE, account, region, ACCOUNT_TYPE, account, None, compliance, annotation, fix=fix
    )


ENTRIES = (
    # Account A, us-east-1: a trail narrowed to Publish, an exempted one, so not covered.
    trail(
        A, "us-east-1", "sns-publish-only", "NON_COMPLIANT",
        f"PublishBatch on AWS::SNS::Topic is not logged: {CAUSE}",
        causes=(f"PublishBatch on AWS::SNS::Topic: {CAUSE}",),
        example=EXAMPLE,
        selectors=BAD_SELECTORS,
        fix=f"trailguard remediate --trail {BAD_ARN} --region us-east-1 "
        "(or run the SSM document TrailGuard-EnableSnsDataEvents with TrailName=sns-publish-only)",
    ),
    trail(
        A, "us-east-1", "legacy-audit", "NOT_APPLICABLE",
        "Exempted by the tag trailguard:exempt=true on the trail",
    ),
    coverage(
        A, "us-east-1", "NON_COMPLIANT",
        "No logging trail that applies to us-east-1 records SNS data events. "
        f"sns-publish-only: PublishBatch on AWS::SNS::Topic is not logged: {CAUSE}",
        fix="make one multi-region trail record SNS data events: trailguard remediate "
        "--trail NAME --region us-east-1 (or the SSM document TrailGuard-EnableSnsDataEvents)",
    ),
    # Account A, eu-west-1: a compliant single-region trail.
    trail(
        A, "eu-west-1", "eu-sns", "COMPLIANT",
        "Every required event is logged", selectors=ALL_SNS,
    ),
    coverage(A, "eu-west-1", "COMPLIANT", "Trail eu-sns (eu-west-1) logs it"),
    # Account B: a multi-region trail from us-east-1 covers both regions.
    trail(
        B, "us-east-1", "org-wide", "COMPLIANT",
        "Every required event is logged", selectors=ALL_SNS,
    ),
    trail(
        B, "eu-west-1", "org-wide", "NOT_APPLICABLE",
        "Evaluated in the trail's home region us-east-1", home="us-east-1",
    ),
    coverage(B, "us-east-1", "COMPLIANT", "Trail org-wide (us-east-1) logs it"),
    coverage(B, "eu-west-1", "COMPLIANT", "Trail org-wide (us-east-1) logs it"),
)  # fmt: skip
REPORT = Report(
    title="trailguard scan: CloudTrail recording of Amazon SNS data events",
    generated_at="2024-05-01T12:00:00Z",
    source="live scan of 3 account(s), 2 region(s)",
    entries=ENTRIES,
    errors=(
        "777788889999: cannot assume role TrailGuardScanRole: AccessDenied when calling "
        "the AssumeRole operation",
    ),
)
VOID = {
    "area", "base", "br", "col", "embed", "hr", "img", "input",
    "link", "meta", "source", "track", "wbr",
}  # fmt: skip


class BalancedChecker(HTMLParser):
    """Every non-void start tag closed, in order; records every tag and attribute seen."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []
        self.errors: list[str] = []
        self.doctype = ""

    def handle_decl(self, decl: str) -> None:
        self.doctype = decl

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs += attrs
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.errors.append(f"self-closing <{tag}/> at {self.getpos()}")

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            self.errors.append(f"end tag for void element </{tag}> at {self.getpos()}")
        elif not self.stack or self.stack[-1] != tag:
            top = self.stack[-1] if self.stack else None
            self.errors.append(f"</{tag}> at {self.getpos()} while <{top}> is open")
        else:
            self.stack.pop()


def check_html(text: str) -> BalancedChecker:
    checker = BalancedChecker()
    checker.feed(text)
    checker.close()
    assert checker.errors == []
    assert checker.stack == [], f"unclosed: {checker.stack}"
    return checker


def test_json_round_trip() -> None:
    assert parse_json(render(REPORT, "json")) == REPORT


def test_csv_round_trip() -> None:
    text = render(REPORT, "csv")
    assert parse_csv(text) == list(REPORT.entries)
    header, first = text.splitlines()[:2]
    assert header == ",".join(FIELDS)
    # Lists and dicts are compact JSON; None is an empty cell.
    assert '[""PublishBatch on AWS::SNS::Topic: selector' in first
    assert '{""eventCategory"":""Data"",""resources.type""' in first
    assert parse_csv(render(REPORT, "csv"))[2].trail_arn is None


def test_csv_round_trip_awkward_text() -> None:
    odd = dataclasses.replace(
        ENTRIES[0],
        annotation='line one\nline "two", with, commas\r\nand ü',
        causes=(),
        example={"k": 'a,b\n"c"'},
        fix=None,
    )
    report = dataclasses.replace(REPORT, entries=(odd,))
    assert parse_csv(render(report, "csv")) == [odd]
    assert parse_json(render(report, "json")) == report


def test_parse_csv_rejects_a_foreign_header() -> None:
    with pytest.raises(ValueError, match="header"):
        parse_csv("a,b,c\n1,2,3\n")


def test_unknown_format() -> None:
    with pytest.raises(ValueError, match="unknown report format"):
        render(REPORT, "xml")


def test_html_is_valid_and_self_contained() -> None:
    text = render(REPORT, "html")
    checker = check_html(text)
    assert checker.doctype.lower() == "doctype html"
    assert text.startswith('<!DOCTYPE html>\n<html lang="en">')
    assert checker.tags[:4] == ["html", "head", "meta", "meta"]
    assert ("charset", "utf-8") in checker.attrs
    assert "title" in checker.tags and "style" in checker.tags
    lowered = text.lower()
    for banned in ("http", "<script", "src=", "href=", "url(", "@import", "<link", "<img"):
        assert banned not in lowered, banned
    assert "@media print" in text and "page-break-inside: avoid" in text
    # Every non-compliant finding is there with its evidence and its fix.
    assert text.count('<article class="finding">') == 2
    assert "PublishBatch" in text and "remediate --trail" in text
    assert "Log SNS Publish | prod" in text


def test_html_escapes_injected_markup() -> None:
    hostile = dataclasses.replace(
        ENTRIES[0],
        annotation='<b>bold</b> & <script>alert("x")</script>',
        resource_id='"><b>name',
        causes=("<b>cause</b>",),
        example={"<b>k": "<b>v"},
        selectors={"Name": "</pre><b>"},
        fix="<b>fix</b>",
    )
    report = dataclasses.replace(REPORT, title="<b>title</b>", entries=(hostile,))
    text = render(report, "html")
    checker = check_html(text)
    assert "b" not in checker.tags and "script" not in checker.tags
    assert "<b>" not in text and "<script" not in text
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; &lt;script&gt;" in text
    assert "&quot;&gt;&lt;b&gt;name" in text


def test_markdown_escapes_pipes_and_markup() -> None:
    hostile = dataclasses.replace(ENTRIES[3], annotation="a | b <b>x</b> [l](y) `c`")
    text = render(dataclasses.replace(REPORT, entries=(hostile,)), "md")
    assert r"a \| b \<b\>x\</b\> \[l\](y) \`c\`" in text
    # Every unescaped pipe is a cell border: each row has as many as its table's header.
    borders: list[int] = []
    for line in [*text.splitlines(), ""]:
        if line.startswith("| "):
            borders.append(line.replace("\\|", "").count("|"))
        elif borders:
            assert borders == [borders[0]] * len(borders)
            borders = []


def test_markdown_snapshot(update_snapshots: bool) -> None:
    text = render(REPORT, "md")
    assert render(REPORT, "md") == text
    assert_text_snapshot(SNAPSHOTS / "report.md", text, update_snapshots)


def test_table_snapshot(update_snapshots: bool) -> None:
    text = render(REPORT, "table")
    assert max(len(line) for line in text.splitlines()) <= 120
    assert_text_snapshot(SNAPSHOTS / "report.txt", text, update_snapshots)


def test_html_snapshot(update_snapshots: bool) -> None:
    assert_text_snapshot(SNAPSHOTS / "report.html", render(REPORT, "html"), update_snapshots)


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_renders_an_empty_report(fmt: str) -> None:
    empty = Report("empty", "2024-05-01T12:00:00Z", "nothing", ())
    text = render(empty, fmt)
    assert text.endswith("\n")
    if fmt == "html":
        check_html(text)
    if fmt == "json":
        assert parse_json(text) == empty
    if fmt == "csv":
        assert parse_csv(text) == []
