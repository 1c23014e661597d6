"""``scan --to-securityhub`` (trailguard.aws.securityhub): findings imported into Security Hub
through each account's own session, in their region, 100 a call, paced; FailedFindings and
failed calls reported; trailguard's findings that a fully evaluated account-region no longer
has archived, and nothing archived where the scan has no result.

moto (5.2.x) stores BatchImportFindings per account and region (an existing id is updated in
place: RecordState ARCHIVED included) and answers GetFindings with every finding it holds,
ignoring Filters (its docstring: "Filters and SortCriteria is not yet implemented"); the
importer checks the filters again on each answer, which the archiving tests rely on. moto
never fails a finding nor throttles: those answers come from botocore Stubbers, which also
check each request against Security Hub's API model.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from asff_shape import asff_problems
from botocore.stub import Stubber
from moto import mock_aws
from moto_org import MotoOrg, build_org
from scan_helpers import without_banner
from throttling import FakeClock

import trailguard.aws.securityhub
from trailguard.aws.scan_targets import Target
from trailguard.aws.securityhub import (
    CLIENT_CONFIG,
    ImportResult,
    PlaceResult,
    SecurityHubImport,
    TokenBucket,
    archived,
    product_arn,
    routed,
)
from trailguard.cli import main
from trailguard.reporting.formats.asff import finding as asff_finding
from trailguard.reporting.model import ANY, Report, ReportEntry, not_evaluated_entry

TRAIL_RULE = "cloudtrail-sns-data-events-enabled"
ACCOUNT_RULE = "cloudtrail-sns-data-events-account-coverage"
SCANNED = "2026-12-01T10:00:00Z"
BEFORE = "2026-11-01T10:00:00Z"  # an earlier scan's findings
NOW = "2026-12-01T10:05:00Z"
HOME = "us-east-1"
REGIONS = ["eu-west-1", "us-east-1"]


def trail(
    account: str, region: str, name: str, compliance: str = "COMPLIANT", at: str | None = None
) -> ReportEntry:
    """A trail finding (``at``: when it was evaluated; the report's time when None)."""
    partition = "aws-us-gov" if region.startswith("us-gov-") else "aws"
    arn = f"arn:{partition}:cloudtrail:{region}:{account}:trail/{name}"
    return ReportEntry(
        TRAIL_RULE, account, region, "AWS::CloudTrail::Trail", name, arn, compliance,
        f"{name}: annotation", severity="MEDIUM", evaluated_at=at,
    )  # fmt: skip


def earlier(account: str, region: str, name: str) -> dict[str, Any]:
    """An earlier scan's ASFF finding of a trail."""
    return asff_finding(trail(account, region, name, at=BEFORE))


def coverage(account: str, region: str) -> ReportEntry:
    return ReportEntry(
        ACCOUNT_RULE, account, region, "AWS::::Account", account, None, "COMPLIANT",
        "Trail main logs it", severity="HIGH",
    )  # fmt: skip


def report(*entries: ReportEntry) -> Report:
    return Report("scan", SCANNED, "a scan", entries)


def ident(entry: ReportEntry) -> str:
    return str(entry.to_dict()["id"])


def ids(entries: list[ReportEntry]) -> list[str]:
    return [ident(e) for e in entries]


class RecordingSession:
    """A real boto3 session whose Security Hub clients log each call as (the account STS
    says the session acts in, client region, operation, finding ids sent)."""

    def __init__(self, session: Any, log: list[tuple[str, str, str, list[str]]]) -> None:
        self.session = session
        self.log = log
        self.account = session.client("sts").get_caller_identity()["Account"]

    def client(self, service: str, *, region_name: str, config: Any) -> Any:
        assert (service, config) == ("securityhub", CLIENT_CONFIG)
        client = self.session.client(service, region_name=region_name, config=config)

        def record(params: dict[str, Any], model: Any, **_: Any) -> None:
            sent = [f["Id"] for f in params.get("Findings", [])]
            self.log.append((self.account, region_name, model.name, sent))

        client.meta.events.register("before-parameter-build.securityhub.*", record)
        return client


class StubbedSession:
    """A session that hands out one stubbed Security Hub client per region, prepared by the
    test; any other client is refused."""

    def __init__(self) -> None:
        self.stubbers: dict[str, Stubber] = {}
        self.clients: dict[str, Any] = {}

    def stub(self, region: str) -> Stubber:
        client = boto3.Session(region_name=region).client(
            "securityhub", region_name=region, config=CLIENT_CONFIG
        )
        self.clients[region] = client
        self.stubbers[region] = Stubber(client)
        self.stubbers[region].activate()
        return self.stubbers[region]

    def client(self, service: str, *, region_name: str, config: Any) -> Any:
        assert (service, config) == ("securityhub", CLIENT_CONFIG)
        return self.clients[region_name]


def held(session: Any, region: str) -> dict[str, tuple[str, str]]:
    """What Security Hub holds in ``session``'s account and ``region``: id -> (RecordState,
    UpdatedAt)."""
    pages = session.client("securityhub", region_name=region).get_paginator("get_findings")
    found = [f for page in pages.paginate() for f in page["Findings"]]
    return {f["Id"]: (f["RecordState"], f["UpdatedAt"]) for f in found}


def run_import(rep: Report, targets: list[Target], **options: Any) -> ImportResult:
    options.setdefault("now", NOW)
    return SecurityHubImport(rep, targets, REGIONS, HOME, **options).run()


@pytest.fixture
def org() -> Iterator[MotoOrg]:
    with mock_aws():
        yield build_org(members=1)


def test_250_findings_go_100_100_50_and_are_held(org: MotoOrg) -> None:
    a = org.management
    entries = [trail(a, HOME, f"trail-{n:03d}") for n in range(250)]
    log: list[tuple[str, str, str, list[str]]] = []
    session = RecordingSession(org.session(a), log)
    result = run_import(report(*entries), [Target(a, session)])
    expected = ids(entries)  # in report order: the same rule, account and region; by trail
    assert log == [
        (a, HOME, "BatchImportFindings", expected[:100]),
        (a, HOME, "BatchImportFindings", expected[100:200]),
        (a, HOME, "BatchImportFindings", expected[200:]),
        # what it holds now, 100 a page: the 250 just imported, none gone
        *[(a, HOME, "GetFindings", [])] * 3,
    ]
    assert result.places == [PlaceResult(a, HOME, imported=expected)]
    assert held(org.session(a), HOME) == {i: ("ACTIVE", SCANNED) for i in expected}
    assert result.ok
    assert result.lines() == [
        f"Security Hub, account {a}, region {HOME}: imported 250, archived 0, failed 0"
    ]


def test_each_account_through_its_own_session_in_its_region(org: MotoOrg) -> None:
    a, b = org.management, org.members[0]
    a_east, a_west = coverage(a, HOME), coverage(a, "eu-west-1")
    b_east, b_trail = coverage(b, HOME), trail(b, HOME, "member-trail", "NON_COMPLIANT")
    log: list[tuple[str, str, str, list[str]]] = []
    targets = [
        Target(a, RecordingSession(org.session(a), log)),
        Target(b, RecordingSession(org.session(b), log)),
    ]
    result = run_import(report(a_east, a_west, b_east, b_trail), targets, max_workers=1)
    calls = {
        a: [
            (a, "eu-west-1", "BatchImportFindings", [ident(a_west)]),
            (a, "eu-west-1", "GetFindings", []),
            (a, HOME, "BatchImportFindings", [ident(a_east)]),
            (a, HOME, "GetFindings", []),
        ],
        b: [
            (b, HOME, "BatchImportFindings", [ident(b_trail), ident(b_east)]),  # report order
            (b, HOME, "GetFindings", []),
        ],
    }
    assert log == [call for account in sorted(calls) for call in calls[account]]
    assert held(org.session(a), HOME) == {ident(a_east): ("ACTIVE", SCANNED)}
    assert held(org.session(a), "eu-west-1") == {ident(a_west): ("ACTIVE", SCANNED)}
    assert held(org.session(b), HOME) == {
        ident(b_trail): ("ACTIVE", SCANNED),
        ident(b_east): ("ACTIVE", SCANNED),
    }
    assert held(org.session(b), "eu-west-1") == {}
    lines = {
        a: [
            f"Security Hub, account {a}, region eu-west-1: imported 1, archived 0, failed 0",
            f"Security Hub, account {a}, region {HOME}: imported 1, archived 0, failed 0",
        ],
        b: [f"Security Hub, account {b}, region {HOME}: imported 2, archived 0, failed 0"],
    }
    assert result.lines() == [line for account in sorted(lines) for line in lines[account]]


def _seed(session: Any, region: str, findings: list[dict[str, Any]]) -> None:
    client = session.client("securityhub", region_name=region)
    assert client.batch_import_findings(Findings=findings)["FailedCount"] == 0


def test_archives_what_is_gone_only_where_everything_was_evaluated(org: MotoOrg) -> None:
    a = org.management
    session = org.session(a)
    gone_east = earlier(a, HOME, "deleted-trail")
    gone_west = earlier(a, "eu-west-1", "deleted-trail")
    other_tool = {**earlier(a, HOME, "other"), "Id": "other/1", "GeneratorId": "x"}
    already = {**earlier(a, HOME, "old"), "RecordState": "ARCHIVED"}
    _seed(session, HOME, [gone_east, other_tool, already])
    _seed(session, "eu-west-1", [gone_west])
    kept = trail(a, HOME, "main-trail")
    failed_read = not_evaluated_entry(
        "DescribeTrails failed: AccessDenied", account=a, region="eu-west-1"
    )
    result = run_import(report(kept, failed_read), [Target(a, session)])
    assert held(session, HOME) == {
        gone_east["Id"]: ("ARCHIVED", NOW),
        "other/1": ("ACTIVE", other_tool["UpdatedAt"]),
        already["Id"]: ("ARCHIVED", already["UpdatedAt"]),
        ident(kept): ("ACTIVE", SCANNED),
    }
    # eu-west-1 has no result: a failed read does not show the trail is gone
    assert held(session, "eu-west-1") == {
        gone_west["Id"]: ("ACTIVE", gone_west["UpdatedAt"]),
        ident(failed_read): ("ACTIVE", SCANNED),
    }
    assert result.places == [
        PlaceResult(
            a,
            "eu-west-1",
            imported=[ident(failed_read)],
            not_archived="the scan did not evaluate everything here",
        ),
        PlaceResult(a, HOME, imported=[ident(kept)], archived=[gone_east["Id"]]),
    ]
    assert result.lines() == [
        f"Security Hub, account {a}, region eu-west-1: imported 1, archived 0, failed 0 "
        "(not archived: the scan did not evaluate everything here)",
        f"Security Hub, account {a}, region {HOME}: imported 1, archived 1, failed 0",
    ]


def test_no_result_for_any_region_archives_nowhere_and_goes_home(org: MotoOrg) -> None:
    a = org.management
    session = org.session(a)
    gone = earlier(a, HOME, "deleted-trail")
    _seed(session, HOME, [gone])
    everywhere = not_evaluated_entry("rule x failed", account=a, rule=ACCOUNT_RULE)
    result = run_import(report(coverage(a, HOME), everywhere), [Target(a, session)])
    found = session.client("securityhub", region_name=HOME).get_findings()["Findings"]
    home = next(f for f in found if f["Id"] == ident(everywhere))
    assert (home["Region"], home["ProductArn"]) == (HOME, product_arn(a, HOME))
    assert held(session, HOME)[gone["Id"]] == ("ACTIVE", gone["UpdatedAt"])
    assert result.lines() == [
        f"Security Hub, account {a}, region {HOME}: imported 2, archived 0, failed 0 "
        "(not archived: the scan did not evaluate everything here)"
    ]


def test_a_region_the_scan_did_not_list_archives_nothing(org: MotoOrg) -> None:
    a = org.management
    session = org.session(a)
    gone = earlier(a, "ap-south-1", "deleted-trail")
    _seed(session, "ap-south-1", [gone])
    home_elsewhere = trail(a, "ap-south-1", "homed-there")  # a trail read in its home region
    result = run_import(report(home_elsewhere), [Target(a, session)])
    assert held(session, "ap-south-1")[gone["Id"]] == ("ACTIVE", gone["UpdatedAt"])
    assert result.places == [
        PlaceResult(
            a,
            "ap-south-1",
            imported=[ident(home_elsewhere)],
            not_archived="the scan did not list this region",
        )
    ]


def test_accounts_without_a_session_fail_and_say_why() -> None:
    not_entered = not_evaluated_entry("cannot assume role/x: AccessDenied", account="222233334444")
    nobody = not_evaluated_entry("no region to scan")
    rep = report(not_entered, nobody)
    targets = [Target("222233334444", None, "cannot assume role/x: AccessDenied")]
    result = SecurityHubImport(rep, targets, REGIONS, HOME, now=NOW).run()
    assert not result.ok
    assert result.lines() == [
        f"Security Hub, account *, region {HOME}: imported 0, archived 0, failed 1",
        f"Security Hub, account 222233334444, region {HOME}: imported 0, archived 0, failed 1",
        f"Security Hub: not imported (account *, region {HOME}): {ident(nobody)}: a finding "
        "for every account asked (*) has no account to import it",
        f"Security Hub: not imported (account 222233334444, region {HOME}): "
        f"{ident(not_entered)}: account 222233334444 was not entered: cannot assume role/x: "
        "AccessDenied",
    ]


def _findings(rep: Report) -> list[dict[str, Any]]:
    return [routed(e, HOME)[1] for e in rep.entries]


def test_failed_findings_are_reported_and_nothing_is_archived() -> None:
    a = "111122223333"
    entries = [trail(a, HOME, f"trail-{n}") for n in range(3)]
    rep = report(*entries)
    session = StubbedSession()
    stubber = session.stub(HOME)
    first, second, third = ids(entries)
    stubber.add_response(
        "batch_import_findings",
        {
            "FailedCount": 2,
            "SuccessCount": 1,
            "FailedFindings": [
                {"Id": third, "ErrorCode": "InvalidInput", "ErrorMessage": "Title too long"},
                {"Id": first, "ErrorCode": "AccessDenied", "ErrorMessage": "not yours"},
            ],
        },
        {"Findings": _findings(rep)},
    )
    result = run_import(rep, [Target(a, session)])
    stubber.assert_no_pending_responses()  # and no GetFindings: nothing is archived
    assert result.places == [
        PlaceResult(
            a,
            HOME,
            imported=[second],
            failed=sorted(
                [(first, "AccessDenied: not yours"), (third, "InvalidInput: Title too long")]
            ),
            not_archived="the import failed here",
        )
    ]
    assert not result.ok
    assert result.lines()[1:] == sorted(
        [
            f"Security Hub: not imported (account {a}, region {HOME}): {first}: AccessDenied: "
            "not yours",
            f"Security Hub: not imported (account {a}, region {HOME}): {third}: InvalidInput: "
            "Title too long",
        ]
    )


def test_a_call_throttled_to_the_end_fails_its_whole_batch() -> None:
    a = "111122223333"
    entries = [trail(a, HOME, f"trail-{n:03d}") for n in range(150)]
    rep = report(*entries)
    findings = _findings(rep)
    session = StubbedSession()
    stubber = session.stub(HOME)
    stubber.add_client_error(
        "batch_import_findings",
        "LimitExceededException",
        "Rate exceeded",
        400,
        expected_params={"Findings": findings[:100]},
    )
    stubber.add_response(
        "batch_import_findings",
        {"FailedCount": 0, "SuccessCount": 50, "FailedFindings": []},
        {"Findings": findings[100:]},
    )
    result = run_import(rep, [Target(a, session)])
    stubber.assert_no_pending_responses()
    why = "BatchImportFindings failed: LimitExceededException: Rate exceeded"
    assert result.places == [
        PlaceResult(
            a,
            HOME,
            imported=[f["Id"] for f in findings[100:]],
            failed=[(f["Id"], why) for f in findings[:100]],
            not_archived="the import failed here",
        )
    ]


def test_a_failed_listing_fails_the_import() -> None:
    a = "111122223333"
    rep = report(coverage(a, HOME))
    session = StubbedSession()
    stubber = session.stub(HOME)
    stubber.add_response(
        "batch_import_findings",
        {"FailedCount": 0, "SuccessCount": 1, "FailedFindings": []},
        {"Findings": _findings(rep)},
    )
    stubber.add_client_error("get_findings", "InvalidAccessException", "not subscribed", 401)
    result = run_import(rep, [Target(a, session)])
    assert result.lines() == [
        f"Security Hub, account {a}, region {HOME}: imported 1, archived 0, failed 0; "
        "GetFindings failed: InvalidAccessException: not subscribed"
    ]
    assert not result.ok


def test_archiving_asks_for_trailguard_findings_and_sends_valid_asff() -> None:
    a = "111122223333"
    rep = report(coverage(a, HOME))
    product = product_arn(a, HOME)
    gone = [earlier(a, HOME, f"gone-{n}") for n in range(2)]
    held_there = [
        {**f, "Workflow": {"Status": "NEW"}, "ProductName": "trailguard", "Region": HOME}
        for f in gone
    ]
    session = StubbedSession()
    stubber = session.stub(HOME)
    stubber.add_response(
        "batch_import_findings",
        {"FailedCount": 0, "SuccessCount": 1, "FailedFindings": []},
        {"Findings": _findings(rep)},
    )
    filters = {
        "ProductArn": [{"Value": product, "Comparison": "EQUALS"}],
        "GeneratorId": [{"Value": "trailguard/", "Comparison": "PREFIX"}],
        "RecordState": [{"Value": "ACTIVE", "Comparison": "EQUALS"}],
    }
    stubber.add_response(
        "get_findings",
        {"Findings": held_there[:1], "NextToken": "page-2"},
        {"Filters": filters, "MaxResults": 100},
    )
    stubber.add_response(
        "get_findings",
        {"Findings": held_there[1:]},
        {"Filters": filters, "MaxResults": 100, "NextToken": "page-2"},
    )
    sent = sorted((archived(f, NOW) for f in held_there), key=lambda f: str(f["Id"]))
    stubber.add_response(
        "batch_import_findings",
        {"FailedCount": 0, "SuccessCount": 2, "FailedFindings": []},
        {"Findings": sent},
    )
    result = run_import(rep, [Target(a, session)])
    stubber.assert_no_pending_responses()
    assert result.places == [
        PlaceResult(a, HOME, imported=[ident(rep.entries[0])], archived=[f["Id"] for f in sent])
    ]
    assert asff_problems(sent) == []
    assert sent[0] == {
        key: gone[0][key] if gone[0]["Id"] == sent[0]["Id"] else gone[1][key]
        for key in (
            "SchemaVersion", "Id", "ProductArn", "GeneratorId", "AwsAccountId", "CreatedAt",
            "Title", "Description", "Resources",
        )
    } | {"UpdatedAt": NOW, "RecordState": "ARCHIVED"}  # fmt: skip


def test_token_bucket_bursts_30_then_10_a_second() -> None:
    bucket, clock, times = TokenBucket(10.0, 30.0), FakeClock(), []
    for _ in range(45):
        clock.sleep(bucket.reserve(clock.monotonic()))
        times.append(clock.monotonic())
    assert times == pytest.approx([0.0] * 30 + [0.1 * n for n in range(1, 16)])
    clock.sleep(10.0)  # idle: the burst is back, never more than 30
    bucket.reserve(clock.monotonic())
    assert [bucket.reserve(clock.monotonic()) for _ in range(30)] == pytest.approx(
        [0.0] * 29 + [0.1]
    )


def test_import_calls_are_paced_per_account_region(monkeypatch: pytest.MonkeyPatch) -> None:
    # 45 calls: one finding each (the pace is per call, whatever a call holds)
    monkeypatch.setattr(trailguard.aws.securityhub, "BATCH_SIZE", 1)
    a = "111122223333"
    entries = [trail(a, HOME, f"trail-{n:02d}") for n in range(45)]
    rep = report(*entries)
    findings = _findings(rep)
    session = StubbedSession()
    stubber = session.stub(HOME)
    for found in findings:
        stubber.add_response(
            "batch_import_findings",
            {"FailedCount": 0, "SuccessCount": 1, "FailedFindings": []},
            {"Findings": [found]},
        )
    stubber.add_response("get_findings", {"Findings": []})
    clock = FakeClock()
    sent: list[tuple[str, float]] = []

    def record(model: Any, **_: Any) -> None:
        sent.append((model.name, clock.monotonic()))

    session.clients[HOME].meta.events.register("before-parameter-build.securityhub.*", record)
    run_import(rep, [Target(a, session)], monotonic=clock.monotonic, sleep=clock.sleep)
    stubber.assert_no_pending_responses()
    assert [name for name, _ in sent] == ["BatchImportFindings"] * 45 + ["GetFindings"]
    assert [at for _, at in sent] == pytest.approx(
        [0.0] * 30 + [0.1 * n for n in range(1, 16)] + [1.5]  # GetFindings: its own budget
    )


def test_scan_to_securityhub_through_the_cli() -> None:
    with mock_aws():
        boto3.client("s3", region_name=HOME).create_bucket(Bucket="trail-bucket")
        boto3.client("cloudtrail", region_name=HOME).create_trail(
            Name="main-trail", S3BucketName="trail-bucket"
        )
        out, err = io.StringIO(), io.StringIO()
        argv = ["scan", "--regions", ",".join(REGIONS), "--to-securityhub", "--output", "json"]
        code = main(argv, stdin=io.StringIO(), stdout=out, stderr=err)
        a = boto3.client("sts").get_caller_identity()["Account"]
        assert (code, without_banner(err.getvalue())) == (
            1,  # no trail records SNS data events: the report's own exit
            f"trailguard: Security Hub, account {a}, region eu-west-1: imported 1, archived 0, "
            "failed 0\n"
            f"trailguard: Security Hub, account {a}, region {HOME}: imported 2, archived 0, "
            "failed 0\n",
        )
        states = {f["RecordState"] for r in REGIONS for f in held_all(r)}
        assert states == {"ACTIVE"}


def held_all(region: str) -> list[dict[str, Any]]:
    return list(boto3.client("securityhub", region_name=region).get_findings()["Findings"])


def test_routing_keeps_the_asff_finding_but_where_it_goes() -> None:
    entry = report(not_evaluated_entry("no listing", account="111122223333")).entries[0]
    assert entry.region == ANY
    region, found = routed(entry, "eu-west-1")
    expected = asff_finding(entry)
    expected["Region"] = "eu-west-1"
    expected["ProductArn"] = product_arn("111122223333", "eu-west-1")
    assert (region, found) == ("eu-west-1", expected)
    gov = trail("111122223333", "us-gov-west-1", "gov-trail", at=SCANNED)
    assert routed(gov, HOME) == ("us-gov-west-1", asff_finding(gov))
    assert asff_finding(gov)["ProductArn"].startswith("arn:aws-us-gov:securityhub:us-gov-west-1:")


def test_an_account_not_entered_makes_the_scan_exit_4_after_the_report() -> None:
    outsider = "999999999999"
    with mock_aws():
        org = build_org(members=0)
        out, err = io.StringIO(), io.StringIO()
        argv = [
            "scan", "--org", "--role-name", "OrganizationAccountAccessRole",
            "--accounts", f"{org.management},{outsider}", "--regions", HOME,
            "--to-securityhub", "--output", "json",
        ]  # fmt: skip
        code = main(argv, stdin=io.StringIO(), stdout=out, stderr=err)
        findings = json.loads(out.getvalue())["findings"]  # the report is written first
        not_entered = [f["id"] for f in findings if f["accountId"] == outsider]
        imported = sorted(f["id"] for f in findings if f["accountId"] == org.management)
        assert (code, len(not_entered), len(imported)) == (4, 1, 1)
        assert without_banner(err.getvalue()) == (
            f"trailguard: Security Hub, account {org.management}, region {HOME}: imported 1, "
            "archived 0, failed 0\n"
            f"trailguard: Security Hub, account {outsider}, region {HOME}: imported 0, "
            "archived 0, failed 1\n"
            f"trailguard: Security Hub: not imported (account {outsider}, region {HOME}): "
            f"{not_entered[0]}: account {outsider} was not entered: not an active account of "
            "the organization\n"
        )
        assert sorted(held(boto3.Session(), HOME)) == imported
