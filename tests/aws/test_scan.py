"""``trailguard scan`` against an organization in a moto server (``ThreadedMotoServer`` on
127.0.0.1, fake credentials only, reached through AWS_ENDPOINT_URL).

The organization (see ``scan_helpers.build_org``): the management account and three members,
one trail per selector fixture over three regions (single- and multi-region, some stopped,
some tag-exempted) and an organization trail. The scan is run through ``trailguard.cli.main``
and its report compared with the core (``trailguard check`` on each trail's selectors) and
with the Config rules run as AWS Config would (``run_rule`` with a ScheduledNotification per
account and region; Config's side answered by botocore Stubbers).
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import logging
import os
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any, ClassVar

import pytest
from aws_behaviours import installed
from findings import TIME_PATTERN, controls_line, expected_id, with_identity
from moto.server import ThreadedMotoServer
from report_text import after_opening, from_heading
from scan_helpers import (
    EXEMPT_TAG,
    MANAGEMENT,
    REGIONS,
    ROLE,
    SOLO,
    ConfigStubbedSession,
    Org,
    build_org,
    check,
    scheduled_event,
    without_banner,
)
from selector_data import (
    ACCOUNT_RULE,
    ACCOUNT_TYPE,
    RULE_RISK,
    RULE_SEVERITY,
    TRAIL_RULE,
    TRAIL_TYPE,
    cut,
    stopped_annotation,
)
from throttling import FakeClock, Throttler

import trailguard.aws.clients
import trailguard.aws.limiter
import trailguard.aws.scan
from trailguard.aws.runtime import run_rule
from trailguard.aws.scan import Scanner, Target
from trailguard.cli import _progress_bar, main
from trailguard.reporting.model import FIELDS, ReportEntry
from trailguard.reporting.render import parse_csv, parse_json
from trailguard.rules.facts import TrailFacts, trail_verdict, whole
from trailguard.rules.parameters import rule_parameters

NOT_IN_ORG = "999999999999"
NOTHING = "NOT EVALUATED: nothing has a result, so this report is not a pass."
FAST_TPS = 1000.0  # for the runs that do not test the rate limiter


class RecordingScanner(Scanner):
    """The real Scanner, also logging every CloudTrail call it makes as
    (account, client region, operation, TrailName/Name) through a botocore event hook."""

    instances: ClassVar[list[RecordingScanner]] = []
    tps_override: float | None = None
    # Throttles a share of the CloudTrail attempts when set (after the limiter's own hook).
    throttler: Throttler | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if RecordingScanner.tps_override is not None:
            kwargs["tps"] = RecordingScanner.tps_override
        super().__init__(*args, **kwargs)
        self.log: list[tuple[str, str, str, str | None]] = []
        self._hooked: set[int] = set()
        self._log_lock = threading.Lock()
        RecordingScanner.instances.append(self)

    def client(self, target: Target, region: str) -> Any:
        client = super().client(target, region)
        with self._log_lock:
            if id(client) not in self._hooked:
                self._hooked.add(id(client))
                account = target.account_id

                def record(params: dict[str, Any], model: Any, **_: Any) -> None:
                    with self._log_lock:
                        name = params.get("TrailName") or params.get("Name")
                        self.log.append((account, region, model.name, name))

                client.meta.events.register("before-parameter-build.cloudtrail.*", record)
                if RecordingScanner.throttler is not None:
                    RecordingScanner.throttler.attach(client)
        return client


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str
    scanner: RecordingScanner | None


def scan(*args: str, tps: float | None = FAST_TPS) -> Run:
    """``trailguard scan ARGS`` through ``main``, with the Scanner recorded."""
    RecordingScanner.instances.clear()
    RecordingScanner.tps_override = tps
    out, err = io.StringIO(), io.StringIO()
    code = main(["scan", *args], stdin=io.StringIO(""), stdout=out, stderr=err)
    scanner = RecordingScanner.instances[-1] if RecordingScanner.instances else None
    return Run(code, out.getvalue(), without_banner(err.getvalue()), scanner)


ORG_ARGS = ("--org", "--role-name", ROLE, "--regions", ",".join(REGIONS))


@pytest.fixture(scope="module")
def org(request: pytest.FixtureRequest) -> Iterator[Org]:
    with pytest.MonkeyPatch.context() as mp:
        werkzeug = logging.getLogger("werkzeug")  # one line per request: too much to keep
        mp.setattr(werkzeug, "level", logging.WARNING)
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        try:
            host, port = server.get_host_and_port()
            endpoint = f"http://{host}:{port}"
            mp.setenv("AWS_ENDPOINT_URL", endpoint)
            mp.setattr(trailguard.aws.scan, "Scanner", RecordingScanner)
            off = request.config.getoption("--no-aws-behaviours")
            for _ in installed(enabled=not off):  # AWS's behaviours, for the whole module
                yield build_org(endpoint)
        finally:
            server.stop()


@pytest.fixture(scope="module")
def org_scan(org: Org) -> Run:
    """The organization scanned once, as a user would (JSON), with the real rate limiter."""
    return scan(*ORG_ARGS, "--output", "json", tps=None)


def trail_entries(report_entries: tuple[ReportEntry, ...]) -> dict[str, ReportEntry]:
    return {e.trail_arn or "": e for e in report_entries if e.rule == TRAIL_RULE}


# --- the organization scan -------------------------------------------------------------------


@pytest.mark.slow  # among the slowest; the whole suite runs it
def test_org_scan_is_non_compliant_and_complete(org: Org, org_scan: Run) -> None:
    assert org_scan.stderr == ""
    assert org_scan.code == 1  # some trails do not record SNS data events
    report = parse_json(org_scan.stdout)
    assert report.not_evaluated() == ()
    assert report.source == f"live scan of {len(org.accounts)} account(s), 3 region(s)"
    assert org_scan.scanner is not None
    assert [t.account_id for t in org_scan.scanner.targets] == org.accounts
    assert report.accounts == tuple(org.accounts)
    assert report.regions == tuple(sorted(REGIONS))
    coverage = sorted((e.account_id, e.region) for e in report.coverage())
    assert coverage == sorted((a, r) for a in org.accounts for r in REGIONS)
    assert {e.resource_type for e in report.coverage()} == {ACCOUNT_TYPE}


def test_one_finding_per_trail_arn_shadows_not_double_counted(org: Org, org_scan: Run) -> None:
    report = parse_json(org_scan.stdout)
    arns = Counter(e.trail_arn for e in report.trails())
    assert set(arns) == {t.arn for t in org.trails}
    assert set(arns.values()) == {1}
    for trail in org.trails:
        entry = trail_entries(report.entries)[trail.arn]
        assert (entry.account_id, entry.region, entry.resource_type, entry.resource_id) == (
            trail.account, trail.region, TRAIL_TYPE, trail.name,
        )  # fmt: skip
    # The shadow copies really were there to be double-counted.
    multi = [t for t in org.trails if t.multi_region]
    assert len(multi) >= 10
    for trail in multi:
        for region in REGIONS:
            listed = org.client(trail.account, "cloudtrail", region)
            arns_here = [t["TrailARN"] for t in listed.describe_trails()["trailList"]]
            assert trail.arn in arns_here


@pytest.mark.slow  # over a second: the whole suite runs it
def test_trail_verdicts_equal_check_on_their_selectors(org: Org, org_scan: Run) -> None:
    entries = trail_entries(parse_json(org_scan.stdout).entries)
    kinds: Counter[str] = Counter()
    for trail in org.trails:
        entry = entries[trail.arn]
        code, checked = check({**trail.selectors, "TrailARN": trail.arn})
        # The fixture's folder is the hand-judged verdict; check agrees with it.
        assert checked["compliance"] == ("COMPLIANT" if trail.expected_compliant else
                                         "NON_COMPLIANT"), trail.fixture  # fmt: skip
        assert code == (0 if trail.expected_compliant else 1)
        # The scan read what was put (moto answers both keys; [] for the kind not put) ...
        read = {
            "EventSelectors": trail.put.get("EventSelectors", []),
            "AdvancedEventSelectors": trail.put.get("AdvancedEventSelectors", []),
        }
        assert entry.selectors == read, trail.fixture
        # ... which check judges as it judges the fixture.
        assert check(read)[1]["compliance"] == checked["compliance"]
        assert check(read)[1]["annotation"] == checked["annotation"]
        # The report holds the whole annotation; AWS Config gets it cut, as check shows it.
        facts = TrailFacts(trail.name, trail.arn, trail.region, selectors=read)
        full_text = whole(trail_verdict(facts, rule_parameters(None)))
        assert cut(full_text) == checked["annotation"]
        gaps = checked["gaps"]
        if trail.exempt:
            kinds["exempt"] += 1
            assert (entry.compliance, entry.annotation) == (
                "NOT_APPLICABLE", f"Exempted by the tag {EXEMPT_TAG}=true on the trail",
            )  # fmt: skip
            assert (entry.causes, entry.example, entry.fix) == ((), None, None)
            continue
        if not trail.logging:
            kinds["stopped"] += 1
            assert entry.compliance == "NON_COMPLIANT", trail.fixture
            assert cut(entry.annotation) == stopped_annotation(checked["annotation"])
            assert entry.annotation == stopped_annotation(full_text, whole=True)
            assert entry.fix == (
                f"aws cloudtrail start-logging --name {trail.arn} --region {trail.region}"
            )
        else:
            kinds[checked["compliance"]] += 1
            assert (entry.compliance, entry.annotation) == (
                checked["compliance"], full_text,
            ), trail.fixture  # fmt: skip
            if entry.compliance == "COMPLIANT":
                assert entry.fix is None
            else:
                assert entry.fix == (
                    f"trailguard remediate --trail {trail.arn} --region {trail.region} (or run "
                    f"the SSM document TrailGuard-EnableSnsDataEvents with TrailName={trail.name})"
                )
        if entry.compliance == "NON_COMPLIANT" and gaps:
            causes = tuple(f"{g['eventName']} on {g['resourceType']}: {g['cause']}" for g in gaps)
            assert entry.causes == causes
            assert entry.example == gaps[0]["example"]
        else:
            assert (entry.causes, entry.example) == ((), None)
    assert kinds["exempt"] >= 3 and kinds["stopped"] >= 8
    assert kinds["COMPLIANT"] >= 20 and kinds["NON_COMPLIANT"] >= 20


def _returning(session: Any) -> Any:
    return lambda **_: session


def _rule_evaluations(org: Org) -> list[tuple[str, ...]]:
    """Both Config rules, as AWS Config runs them periodically in every account and region."""
    found: list[tuple[str, ...]] = []
    for account in org.accounts:
        for region in REGIONS:
            for rule in (TRAIL_RULE, ACCOUNT_RULE):
                session = ConfigStubbedSession(
                    org.session(account, region), rule, previous=rule == TRAIL_RULE
                )
                evaluations, errors = run_rule(
                    rule, scheduled_event(rule, account), None, _returning(session), put=False
                )
                assert errors == []
                for stubber in session.stubbers:
                    stubber.assert_no_pending_responses()
                found += [
                    (rule, account, region, e["ComplianceResourceType"],
                     e["ComplianceResourceId"], e["ComplianceType"], e["Annotation"])
                    for e in evaluations
                ]  # fmt: skip
    return sorted(found)


@pytest.mark.slow
def test_findings_equal_the_config_rules_evaluations(org: Org, org_scan: Run) -> None:
    report = parse_json(org_scan.stdout)
    # The scan's annotation is the whole text; AWS Config holds it cut to its 256 characters.
    scanned = sorted(
        (e.rule, e.account_id, e.region, e.resource_type, e.resource_id, e.compliance,
         cut(e.annotation))
        for e in report.entries
    )  # fmt: skip
    expected = _rule_evaluations(org)
    assert len(expected) == len(org.trails) + len(org.accounts) * len(REGIONS)
    assert scanned == expected


def test_each_trail_read_once_and_one_describe_per_account_region(org: Org, org_scan: Run) -> None:
    scanner = org_scan.scanner
    assert scanner is not None
    log = scanner.log
    describes = Counter((a, r) for a, r, op, _ in log if op == "DescribeTrails")
    assert describes == Counter({(a, r): 1 for a in org.accounts for r in REGIONS})
    for op in ("GetEventSelectors", "GetTrailStatus"):
        reads = Counter(name for _, _, o, name in log if o == op)
        assert reads == Counter({t.arn: 1 for t in org.trails}), op
        # read in the trail's home region, through the account that owns it
        homes = {(a, r, name) for a, r, o, name in log if o == op}
        assert homes == {(t.account, t.region, t.arn) for t in org.trails}
    # Tags are listed (the default parameters exempt by tag) at most 20 trails a call, one call
    # per account and home region here.
    tags = [(a, r) for a, r, op, _ in log if op == "ListTags"]
    assert sorted(tags) == sorted({(t.account, t.region) for t in org.trails})
    assert set(Counter(op for _, _, op, _ in log)) == {
        "DescribeTrails", "GetEventSelectors", "GetTrailStatus", "ListTags",
    }  # fmt: skip
    # The scanner's own count agrees.
    assert scanner.result.calls == Counter(op for _, _, op, _ in log)


def untimed(entries: Iterable[ReportEntry]) -> list[ReportEntry]:
    """The entries without their evaluation time (the run's, which differs between runs)."""
    return [dataclasses.replace(e, evaluated_at=None) for e in entries]


# --- accounts that cannot be entered -------------------------------------------------------------


def test_account_not_in_the_organization_is_an_error(org: Org) -> None:
    run = scan(*ORG_ARGS, "--accounts", NOT_IN_ORG, "--output", "json")
    report = parse_json(run.stdout)
    why = "not an active account of the organization"
    assert report.statements() == (f"account {NOT_IN_ORG}: {why}",)
    assert untimed(report.entries) == [
        ReportEntry(
            "*",
            NOT_IN_ORG,
            "*",
            ACCOUNT_TYPE,
            NOT_IN_ORG,
            None,
            "NOT_EVALUATED",
            why,
            severity="HIGH",
        ),  # every rule's: the highest of their severities
    ]
    assert not report.non_compliant
    assert run.code == 1  # what has no result alone fails the scan
    # Every account asked for was filtered out: CSV carries the row, the table says so first.
    run = scan(*ORG_ARGS, "--accounts", NOT_IN_ORG, "--output", "csv")
    assert run.code == 1
    rows = list(csv.reader(io.StringIO(run.stdout)))
    when = rows[1][FIELDS.index("evaluatedAt")]
    assert re.fullmatch(TIME_PATTERN, when)  # the run's time
    assert rows[1:] == [
        ["*", NOT_IN_ORG, "*", ACCOUNT_TYPE, NOT_IN_ORG, "", "NOT_EVALUATED", "HIGH", why, "[]", "",
         "", "", "", expected_id("*", NOT_IN_ORG, "*", ACCOUNT_TYPE, NOT_IN_ORG), "NOT_EVALUATED",
         when, controls_line("*"), "", "", ""],
    ]  # fmt: skip
    run = scan(*ORG_ARGS, "--accounts", NOT_IN_ORG)
    assert run.code == 1
    assert after_opening(run.stdout.splitlines()) == [
        NOTHING,
        f"- account {NOT_IN_ORG}: {why}",
        "",
        "0 accounts, 0 regions, 0 trails: 0 COMPLIANT, 0 NON_COMPLIANT, 0 NOT_APPLICABLE; "
        "1 NOT_EVALUATED",
    ]


def test_unreachable_account_reported_next_to_the_others(org: Org, org_scan: Run) -> None:
    member = org.members[0]
    run = scan(*ORG_ARGS, "--accounts", f"{member},{NOT_IN_ORG}", "--output", "json")
    report = parse_json(run.stdout)
    assert run.code == 1
    assert report.statements() == (
        f"account {NOT_IN_ORG}: not an active account of the organization",
    )
    full = parse_json(org_scan.stdout)
    assert untimed(report.evaluated()) == untimed(e for e in full.entries if e.account_id == member)


def test_role_that_cannot_be_assumed_is_an_error(
    org: Org, org_scan: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    denied, reachable = org.members[1], org.members[2]
    role = f"arn:aws:iam::{denied}:role/{ROLE}"
    original = trailguard.aws.clients.Clients.from_profile.__func__  # type: ignore[attr-defined]

    def deny(params: dict[str, Any], **_: Any) -> Any:
        if params["body"].get("RoleArn") == role:
            error = {"Code": "AccessDenied", "Message": f"not authorized to assume {role}"}
            return SimpleNamespace(status_code=403, headers={}), {
                "Error": error, "ResponseMetadata": {"HTTPStatusCode": 403},
            }  # fmt: skip
        return None

    def from_profile(cls: Any, profile: Any, region: Any, notify: Any = None) -> Any:
        clients = original(cls, profile, region, notify)
        clients.session.events.register("before-call.sts.AssumeRole", deny)
        return clients

    monkeypatch.setattr(trailguard.aws.clients.Clients, "from_profile", classmethod(from_profile))
    run = scan(*ORG_ARGS, "--accounts", f"{denied},{reachable}", "--output", "json")
    report = parse_json(run.stdout)
    assert run.code == 1
    why = f"cannot assume {role}: AccessDenied: not authorized to assume {role}"
    assert report.statements() == (f"account {denied}: {why}",)
    full = parse_json(org_scan.stdout)
    assert untimed(report.evaluated()) == untimed(
        e for e in full.entries if e.account_id == reachable
    )
    assert denied not in report.accounts

    # Only the denied account, on its own: no verdict, exit 1 all the same.
    run = scan(*ORG_ARGS, "--accounts", denied, "--output", "json")
    assert run.code == 1
    data = json.loads(run.stdout)
    assert data["findings"] == [with_identity(
        {"rule": "*", "accountId": denied, "region": "*", "resourceType": ACCOUNT_TYPE,
         "resourceId": denied, "trailARN": None, "compliance": "NOT_EVALUATED",
         "severity": "HIGH", "annotation": why, "causes": [], "example": None,
         "selectors": None, "risk": None, "fix": None}, data["generatedAt"]),
    ]  # fmt: skip


# --- what has no result: accounts, regions, trails -----------------------------------------------


def answer_with(
    monkeypatch: pytest.MonkeyPatch, event: str, answer: Any
) -> list[tuple[str, dict[str, Any]]]:
    """Hook ``answer(region, params)`` on ``event`` (e.g. "before-call.cloudtrail.DescribeTrails")
    of the session the command makes; it returns None to let the call through, or
    ``(status, body)``. Returns the (region, params) of every call seen."""
    original = trailguard.aws.clients.Clients.from_profile.__func__  # type: ignore[attr-defined]
    seen: list[tuple[str, dict[str, Any]]] = []

    def hook(params: dict[str, Any], request_signer: Any, **_: Any) -> Any:
        region = request_signer.region_name
        body = params["body"]  # a dict (query protocol) or JSON bytes
        request = json.loads(body or b"{}") if isinstance(body, bytes) else dict(body)
        seen.append((region, request))
        answered = answer(region, request)
        if answered is None:
            return None
        status, body = answered
        body = {**body, "ResponseMetadata": {"HTTPStatusCode": status}}
        return SimpleNamespace(status_code=status, headers={}), body

    def from_profile(cls: Any, profile: Any, region: Any, notify: Any = None) -> Any:
        clients = original(cls, profile, region, notify)
        clients.session.events.register(event, hook)
        return clients

    monkeypatch.setattr(trailguard.aws.clients.Clients, "from_profile", classmethod(from_profile))
    return seen


def denied(operation: str) -> tuple[int, dict[str, Any]]:
    return 400, {"Error": {"Code": "AccessDeniedException", "Message": f"no {operation} here"}}


def test_org_without_active_accounts(org: Org, monkeypatch: pytest.MonkeyPatch) -> None:
    def suspended(region: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        return 200, {"Accounts": [
            {"Id": a, "Arn": f"arn:aws:organizations::{MANAGEMENT}:account/o-x/{a}",
             "Email": f"{a}@example.com", "Name": a, "Status": "SUSPENDED"}
            for a in org.accounts
        ]}  # fmt: skip

    seen = answer_with(monkeypatch, "before-call.organizations.ListAccounts", suspended)
    why = "no active account found in the organization"
    run = scan(*ORG_ARGS, "--output", "json")
    assert len(seen) == 1
    assert (run.code, run.stderr) == (1, "")
    data = json.loads(run.stdout)
    assert data["source"] == "live scan of 0 account(s), 3 region(s)"
    assert data["notEvaluated"] == [why]
    assert data["summary"] == {
        "accounts": 0, "regions": 0, "trails": 0, "compliance": {"NOT_EVALUATED": 1},
        "topics": None,
    }  # fmt: skip
    assert data["findings"] == [with_identity(
        {"rule": "*", "accountId": "*", "region": "*", "resourceType": ACCOUNT_TYPE,
         "resourceId": "*", "trailARN": None, "compliance": "NOT_EVALUATED", "severity": "HIGH",
         "annotation": why, "causes": [], "example": None, "selectors": None, "risk": None,
         "fix": None}, data["generatedAt"]),
    ]  # fmt: skip
    for fmt, opening in [
        ("table", [NOTHING, f"- {why}", ""]),
        ("md", ["## Not evaluated (1)", "", f"**{NOTHING}**", "", f"- {why}", "", "## Summary"]),
        ("csv", [",".join(f'"{f}"' for f in FIELDS),  # every cell quoted
                 f'"*","*","*","{ACCOUNT_TYPE}","*","","NOT_EVALUATED","HIGH","{why}","[]","",'
                 f'"","","","{expected_id("*", "*", "*", ACCOUNT_TYPE, "*")}","NOT_EVALUATED",'
                 f'"WHEN","{controls_line("*")}","","",""']),
    ]:  # fmt: skip
        run = scan(*ORG_ARGS, "--output", fmt)
        assert run.code == 1
        lines = run.stdout.splitlines()
        if fmt == "csv":  # this run's own time
            when = next(csv.reader([lines[1]]))[FIELDS.index("evaluatedAt")]
            assert re.fullmatch(TIME_PATTERN, when)
            opening[1] = opening[1].replace("WHEN", when)
        if fmt == "md":
            lines = from_heading(lines, "## Not evaluated")
        elif fmt == "table":
            lines = after_opening(lines)
        assert lines[: len(opening)] == opening, fmt


def test_no_enabled_region(org: Org, monkeypatch: pytest.MonkeyPatch) -> None:
    answer_with(monkeypatch, "before-call.ec2.DescribeRegions", lambda r, p: (200, {"Regions": []}))
    run = scan("--output", "json")
    assert run.code == 1
    data = json.loads(run.stdout)
    assert data["notEvaluated"] == ["no region to scan"]
    assert [f["compliance"] for f in data["findings"]] == ["NOT_EVALUATED"]


def test_a_region_whose_trails_cannot_be_listed(org: Org, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without --org (the management account): DescribeTrails fails in eu-west-1 only."""
    monkeypatch.setenv("COLUMNS", "100")  # the text form fits the terminal's width
    failing = "eu-west-1"
    answer_with(
        monkeypatch, "before-call.cloudtrail.DescribeTrails",
        lambda region, _: denied("DescribeTrails") if region == failing else None,
    )  # fmt: skip
    why = "DescribeTrails failed: AccessDeniedException: no DescribeTrails here"
    run = scan("--regions", ",".join(REGIONS), "--output", "csv")
    assert (run.code, run.stderr) == (1, "")
    rows = list(csv.reader(io.StringIO(run.stdout)))
    when = rows[1][FIELDS.index("evaluatedAt")]
    assert re.fullmatch(TIME_PATTERN, when)  # the run's time
    assert rows[1] == [
        "*", MANAGEMENT, failing, ACCOUNT_TYPE, MANAGEMENT, "", "NOT_EVALUATED", "HIGH", why,
        "[]", "", "", "", "", expected_id("*", MANAGEMENT, failing, ACCOUNT_TYPE, MANAGEMENT),
        "NOT_EVALUATED", when, controls_line("*"), "", "", "",
    ]  # fmt: skip
    entries = parse_csv(run.stdout)
    assert [e.compliance for e in entries].count("NOT_EVALUATED") == 1
    assert sorted(e.region for e in entries if e.rule == ACCOUNT_RULE) == sorted(
        set(REGIONS) - {failing}
    )
    table = after_opening(scan("--regions", ",".join(REGIONS)).stdout.splitlines())
    assert table[:4] == [
        "NOT EVALUATED: 1 item has no result, so the verdicts below are not the whole picture.",
        f"- account {MANAGEMENT}, region {failing}: DescribeTrails failed: "
        "AccessDeniedException: no",
        "  DescribeTrails here",
        "",
    ]


def test_every_account_region_failed(org: Org, monkeypatch: pytest.MonkeyPatch) -> None:
    answer_with(
        monkeypatch, "before-call.cloudtrail.DescribeTrails", lambda *_: denied("DescribeTrails")
    )
    why = "DescribeTrails failed: AccessDeniedException: no DescribeTrails here"
    run = scan("--regions", ",".join(REGIONS), "--output", "json")
    assert run.code == 1
    data = json.loads(run.stdout)
    assert data["notEvaluated"] == [
        f"account {MANAGEMENT}, region {region}: {why}" for region in sorted(REGIONS)
    ]
    assert data["summary"]["compliance"] == {"NOT_EVALUATED": 3}
    md = scan("--regions", ",".join(REGIONS), "--output", "md").stdout.splitlines()
    assert from_heading(md, "## Not evaluated")[:4] == [
        "## Not evaluated (3)", "", f"**{NOTHING}**", "",
    ]  # fmt: skip
    html = scan("--regions", ",".join(REGIONS), "--output", "html").stdout
    assert '<section class="not-evaluated" id="not-evaluated">\n<h2>Not evaluated (3)</h2>\n' \
        f'<p class="warning">{NOTHING}</p>' in html  # fmt: skip


def test_a_trail_whose_selectors_cannot_be_read(org: Org, monkeypatch: pytest.MonkeyPatch) -> None:
    locked = next(t for t in org.trails if t.account == MANAGEMENT and not t.exempt)
    answer_with(
        monkeypatch, "before-call.cloudtrail.GetEventSelectors",
        lambda _, params: denied("GetEventSelectors") if params["TrailName"] == locked.arn
        else None,
    )  # fmt: skip
    run = scan("--regions", ",".join(REGIONS), "--output", "json")
    assert run.code == 1
    report = parse_json(run.stdout)
    why = "GetEventSelectors failed: AccessDeniedException: no GetEventSelectors here"
    trail_rows = [e for e in report.not_evaluated() if e.rule == TRAIL_RULE]
    assert untimed(trail_rows) == [
        ReportEntry(TRAIL_RULE, MANAGEMENT, locked.region, TRAIL_TYPE, locked.name, locked.arn,
                    "NOT_EVALUATED", why, severity=RULE_SEVERITY[TRAIL_RULE],
                    risk=RULE_RISK[TRAIL_RULE]),
    ]  # fmt: skip
    assert (
        f"account {MANAGEMENT}, region {locked.region}, rule {TRAIL_RULE}, trail {locked.name}: "
        f"{why}"
    ) in report.statements()
    assert locked.arn not in {e.trail_arn for e in report.evaluated()}


# --- output formats and exit codes ---------------------------------------------------------------


@pytest.mark.slow  # among the slowest; the whole suite runs it
def test_csv_parses_back_to_the_json_entries(org: Org, org_scan: Run) -> None:
    run = scan(*ORG_ARGS, "--output", "csv")
    assert run.code == 1
    assert untimed(parse_csv(run.stdout)) == untimed(parse_json(org_scan.stdout).entries)


@pytest.mark.slow  # among the slowest; the whole suite runs it
def test_html_is_self_contained(org: Org) -> None:
    run = scan(*ORG_ARGS, "--output", "html")
    assert run.code == 1
    assert run.stdout.lstrip().lower().startswith("<!doctype html")
    assert "http" not in run.stdout.lower()


@pytest.mark.slow  # among the slowest; the whole suite runs it
def test_out_writes_the_file_and_prints_its_path(org: Org, org_scan: Run, tmp_path: Path) -> None:
    path = tmp_path / "scan.json"
    run = scan(*ORG_ARGS, "--output", "json", "--out", str(path))
    assert run.code == 1
    assert run.stdout == f"report written to {path}\n"
    written = parse_json(path.read_text(encoding="utf-8"))
    assert untimed(written.entries) == untimed(parse_json(org_scan.stdout).entries)


def test_all_compliant_single_account_exits_0(org: Org, monkeypatch: pytest.MonkeyPatch) -> None:
    creds = org.credentials[SOLO]
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", creds["AccessKeyId"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", creds["SecretAccessKey"])
    monkeypatch.setenv("AWS_SESSION_TOKEN", creds["SessionToken"])
    run = scan("--regions", REGIONS[0], "--output", "json")
    report = parse_json(run.stdout)
    trail = org.solo_trail
    assert trail is not None
    assert [
        (e.rule, e.account_id, e.region, e.resource_id, e.compliance) for e in report.entries
    ] == [
        (ACCOUNT_RULE, SOLO, REGIONS[0], SOLO, "COMPLIANT"),
        (TRAIL_RULE, SOLO, REGIONS[0], trail.name, "COMPLIANT"),
    ]
    assert report.not_evaluated() == ()
    assert json.loads(run.stdout)["notEvaluated"] == []
    assert run.code == 0


def test_parameters_accepted_exclusions(org: Org, monkeypatch: pytest.MonkeyPatch) -> None:
    """A trail that leaves load-test topics unlogged, in a region no other test scans: NON_COMPLIANT
    by default, COMPLIANT with those topics accepted through --parameters, as the rules say."""
    region = "us-west-2"
    prefix = f"arn:aws:sns:{region}:{SOLO}:load-test-"
    selectors = {
        "AdvancedEventSelectors": [
            {
                "Name": "SNS except load tests",
                "FieldSelectors": [
                    {"Field": "eventCategory", "Equals": ["Data"]},
                    {"Field": "resources.type", "Equals": ["AWS::SNS::Topic"]},
                    {"Field": "resources.ARN", "NotStartsWith": [prefix]},
                ],
            }
        ]
    }
    client = org.client(SOLO, "cloudtrail", region)
    client.create_trail(Name="narrowed", S3BucketName=f"trailguard-scan-{SOLO}")
    client.put_event_selectors(TrailName="narrowed", **selectors)
    client.start_logging(Name="narrowed")
    creds = org.credentials[SOLO]
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", creds["AccessKeyId"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", creds["SecretAccessKey"])
    monkeypatch.setenv("AWS_SESSION_TOKEN", creds["SessionToken"])
    arn = f"arn:aws:cloudtrail:{region}:{SOLO}:trail/narrowed"
    accepted = json.dumps([{"Field": "resources.ARN", "StartsWith": [prefix]}])

    def entries(*extra: str) -> tuple[int, list[tuple[str, str, str]]]:
        run = scan("--regions", region, "--output", "json", *extra)
        report = parse_json(run.stdout)
        assert report.not_evaluated() == ()
        return run.code, [(e.rule, e.compliance, e.annotation) for e in report.entries]

    facts = TrailFacts(
        "narrowed", arn, region, selectors=selectors, is_logging=True, tags={}
    )  # what the scan reads, to take the annotations from the rule logic
    plain = trail_verdict(facts, rule_parameters(None)).annotation
    excused = trail_verdict(facts, rule_parameters({"AcceptedExclusions": accepted})).annotation
    assert excused.startswith("Compliant except accepted exclusions: ")
    assert entries() == (
        1,
        [
            (ACCOUNT_RULE, "NON_COMPLIANT", f"No logging trail that applies to {region} "
             f"records SNS data events. narrowed: {plain}"),
            (TRAIL_RULE, "NON_COMPLIANT", plain),
        ],
    )  # fmt: skip
    params = json.dumps({"AcceptedExclusions": accepted})
    assert entries("--parameters", params) == (
        0,
        [
            (ACCOUNT_RULE, "COMPLIANT", f"Trail narrowed ({region}) logs it: {excused}"),
            (TRAIL_RULE, "COMPLIANT", excused),
        ],
    )


def test_parameters_bad_accepted_exclusions_exit_2() -> None:
    run = scan("--parameters", json.dumps({"AcceptedExclusions": '[{"Field": "nope"}]'}))
    assert (run.code, run.stdout, run.scanner) == (2, "", None)
    assert run.stderr == (
        "trailguard: error: --parameters: parameter AcceptedExclusions[0] (nope): "
        "field selector has no operator (see trailguard scan --help)\n"
    )


def test_management_account_alone_without_org(org: Org) -> None:
    """Without --org the caller's own account is scanned (the management account here)."""
    run = scan("--regions", ",".join(REGIONS), "--output", "json")
    report = parse_json(run.stdout)
    assert report.accounts == (MANAGEMENT,)
    assert {e.trail_arn for e in report.trails()} == {
        t.arn for t in org.trails if t.account == MANAGEMENT
    }
    assert run.code == 1


# --- throttling and the rate limit ---------------------------------------------------------------


@pytest.mark.slow  # among the slowest; the whole suite runs it
def test_throttled_scan_gives_the_whole_result(
    org: Org, org_scan: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    """20% of CloudTrail attempts throttled (seeded): the same report, entry for entry, as the
    unthrottled scan; each throttled attempt retried once more, no call given up."""
    throttler = Throttler(0.2, seed=11)
    monkeypatch.setattr(RecordingScanner, "throttler", throttler)
    run = scan(*ORG_ARGS, "--output", "json")
    refused = sum(throttler.throttled.values())
    where = {(a, r) for a, r, _ in run.scanner.limiter.throttles} if run.scanner else set()
    # No line per throttled call: one at the end.
    assert (run.code, run.stderr) == (
        1,
        f"trailguard: CloudTrail throttled {refused} call attempt(s) in {len(where)} "
        "account-region(s); the scan slowed down and retried them\n",
    )
    assert untimed(parse_json(run.stdout).entries) == untimed(parse_json(org_scan.stdout).entries)
    assert parse_json(run.stdout).not_evaluated() == ()
    assert run.scanner is not None and org_scan.scanner is not None
    calls = run.scanner.result.calls
    assert calls == org_scan.scanner.result.calls  # a call counts once, however many attempts
    assert sum(throttler.throttled.values()) >= 0.15 * sum(throttler.attempts.values())
    assert throttler.attempts == calls + throttler.throttled
    # The limiter saw every throttle, each in the account-region of its call.
    assert sum(run.scanner.limiter.throttles.values()) == sum(throttler.throttled.values())
    assert {(a, r) for a, r, _ in run.scanner.limiter.throttles} <= {
        (a, r) for a in org.accounts for r in REGIONS
    }


def test_tps_spaces_every_cloudtrail_call(org: Org, monkeypatch: pytest.MonkeyPatch) -> None:
    """--tps 2.5 in one account-region: every CloudTrail call 0.4 s after the one before (on a
    fake clock), whatever phase it belongs to."""
    clock = FakeClock()
    monkeypatch.setattr(
        trailguard.aws.limiter,
        "time",
        SimpleNamespace(monotonic=clock.monotonic, sleep=clock.sleep),
    )
    creds = org.credentials[SOLO]
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", creds["AccessKeyId"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", creds["SecretAccessKey"])
    monkeypatch.setenv("AWS_SESSION_TOKEN", creds["SessionToken"])
    run = scan("--regions", REGIONS[0], "--tps", "2.5", "--output", "json", tps=None)
    assert run.code == 0
    assert run.scanner is not None and run.scanner.limiter.read_tps == 2.5
    calls = run.scanner.result.calls
    assert calls == Counter(
        {"DescribeTrails": 1, "ListTags": 1, "GetEventSelectors": 1, "GetTrailStatus": 1}
    )
    assert clock.sleeps == pytest.approx([0.4, 0.4, 0.4])


def test_default_tps_is_the_documented_quota(org: Org, org_scan: Run) -> None:
    assert org_scan.scanner is not None
    assert org_scan.scanner.limiter.read_tps == trailguard.aws.limiter.DOCUMENTED_TPS == 10.0


# --- progress ----------------------------------------------------------------------


def test_jobs_are_handed_to_the_pool_a_few_at_a_time() -> None:
    """The scan never holds every job (and its future) at once: at most 4 per worker in the
    pool, and one more taken from the generator waiting for room; and every one runs."""
    workers, total = 2, 200
    lock = threading.Lock()
    taken, finished, ahead = 0, 0, []

    def job() -> None:
        nonlocal finished
        with lock:
            ahead.append(taken - finished)
            finished += 1

    def jobs() -> Iterator[Callable[[], None]]:
        nonlocal taken
        for _ in range(total):
            with lock:
                taken += 1
            yield job

    seen: list[tuple[str, int, int]] = []
    scanner = Scanner([], [], rule_parameters(), max_workers=workers)
    scanner.progress = lambda phase, done, of: seen.append((phase, done, of))
    scanner._run("phase", jobs(), total)
    assert (taken, finished) == (total, total)
    assert max(ahead) <= 4 * workers + 1
    assert seen == [("phase", done, total) for done in range(total + 1)]


@pytest.mark.slow  # among the slowest; the whole suite runs it
def test_progress_callback_counts_up_to_the_total(org: Org) -> None:
    seen: list[tuple[str, int, int]] = []
    lock = threading.Lock()

    def progress(phase: str, done: int, total: int) -> None:
        with lock:
            seen.append((phase, done, total))

    targets = [Target(a, org.session(a)) for a in org.accounts]
    result = Scanner(
        targets, list(REGIONS), rule_parameters(), tps=FAST_TPS, progress=progress
    ).scan()
    assert result.not_evaluated == []
    # Phases one after the other, listing first and reading last (any in between, e.g. tags);
    # within each, the count goes 0, 1, ... total.
    phases = [p for p, _, _ in seen]
    order = list(dict.fromkeys(phases))
    assert phases == sorted(phases, key=order.index)
    assert order[0] == "listing trails" and order[-1] == "reading trails"
    for phase in order:
        counts = [(d, t) for p, d, t in seen if p == phase]
        total = counts[0][1]
        assert total >= 1
        assert counts == [(d, total) for d in range(total + 1)], phase
    listing = next(t for p, _, t in seen if p == "listing trails")
    assert listing == len(org.accounts) * len(REGIONS)


def test_progress_bar_none_for_a_non_tty_stream() -> None:
    assert _progress_bar(io.StringIO()) is None


def test_progress_bar_on_a_terminal() -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = Tty()
    show = _progress_bar(stream)
    assert show is not None
    show("listing trails", 0, 4)
    show("listing trails", 2, 4)
    show("listing trails", 4, 4)
    text = stream.getvalue()
    assert text.endswith("] 4/4\n")
    assert "[" + "#" * 15 + "." * 15 + "] 2/4" in text
    assert text.count("\r") == 3


def test_endpoint_is_local(org: Org) -> None:
    assert os.environ["AWS_ENDPOINT_URL"] == org.endpoint
    assert org.endpoint.startswith("http://127.0.0.1:")
