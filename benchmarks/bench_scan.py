"""Scan benchmark: prints figures, asserts nothing.

1. Rate: 200 trails in 2 accounts x 2 regions (50 each, tag exemption off: 101 CloudTrail calls
   per account-region) on a moto server (``ThreadedMotoServer`` on 127.0.0.1), the limiter at
   CloudTrail's documented 10 calls a second. The bound: 101 calls 1/10 s apart, the last 10.0 s
   after the first, the account-regions in parallel; the figure is trails/s as a share of the
   bound's (goal >= 95%).
2. Throttling: the same scan with 20% of CloudTrail attempts answered ThrottlingException
   (seeded; ``tests/support/throttling.py``): its wall time over the unthrottled one (goal
   <= 1.5x; retrying alone costs 1.25x: 1/0.8 attempts a call).
3. Calls: 1,000 trails in 10 accounts x 4 regions (an organization) on the moto server, with
   the tag exemption off and on: CloudTrail calls per trail (goal <= 2 + 1 listing per
   account-region) and trails/s (here the server answering 400 calls a second is the bound).
4. Memory: peak RSS (VmHWM of /proc/self/status, else ``resource.getrusage`` ``ru_maxrss``;
   each size in a fresh subprocess) of a
   scan, then with its JSON report rendered, for 1,000 and 10,000 trails in 10 accounts x 4
   regions (25 and 250 per account-region; an organization trail listed in all 40 as well),
   against an in-process fake CloudTrail (botocore clients answered on ``before-send``, no
   HTTP: seeding 10,000 trails in moto alone takes minutes), at 1,000 calls a second (the pace
   does not change what is held). One trail in five has selectors of its own; the others
   share three configurations, as an organization's usually do.

    .venv/bin/python benchmarks/bench_scan.py [--port N]     (N: the moto server's port; 0,
                                                              the default, takes a free one)
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "support"))
os.environ.update(
    AWS_ACCESS_KEY_ID="bench",
    AWS_SECRET_ACCESS_KEY="bench",
    AWS_CONFIG_FILE=os.devnull,
    AWS_SHARED_CREDENTIALS_FILE=os.devnull,
)
os.environ.pop("AWS_PROFILE", None)

import boto3  # noqa: E402
from botocore.awsrequest import AWSResponse  # noqa: E402
from throttling import Throttler  # noqa: E402

from trailguard.aws.limiter import DOCUMENTED_TPS  # noqa: E402
from trailguard.aws.scan import Scanner, ScanResult, Target  # noqa: E402
from trailguard.aws.session import session_from_credentials  # noqa: E402
from trailguard.rules.parameters import rule_parameters  # noqa: E402

REGIONS = ("us-east-1", "eu-west-1", "ap-northeast-1", "us-west-2")
SNS = [
    {"Field": "eventCategory", "Equals": ["Data"]},
    {"Field": "resources.type", "Equals": ["AWS::SNS::Topic"]},
]
PUBLISH_ONLY = [*SNS, {"Field": "eventName", "Equals": ["Publish"]}]
MANAGEMENT = [{"Field": "eventCategory", "Equals": ["Management"]}]
NO_TAGS = '{"ExemptionTagKey": "-"}'
WORKERS = 16


def _session(creds: dict[str, Any] | None, region: str = REGIONS[0]) -> Any:
    if creds is None:
        return boto3.Session(region_name=region)
    return session_from_credentials(boto3.Session, creds, region)


def seed_org(accounts: int, regions: tuple[str, ...], per_region: int) -> list[Target]:
    """An organization in the moto server, emptied first: ``accounts`` accounts (the first the
    management account), ``per_region`` logging trails in each of their ``regions``."""
    reset = f"{os.environ['AWS_ENDPOINT_URL']}/moto-api/reset"
    urllib.request.urlopen(urllib.request.Request(reset, method="POST")).close()
    management = _session(None)
    organizations = management.client("organizations")
    organizations.create_organization(FeatureSet="ALL")
    targets = [Target(management.client("sts").get_caller_identity()["Account"], management)]
    for i in range(accounts - 1):
        account = organizations.create_account(Email=f"a{i}@example.com", AccountName=f"a{i}")[
            "CreateAccountStatus"
        ]["AccountId"]
        creds = management.client("sts").assume_role(
            RoleArn=f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole",
            RoleSessionName="bench",
        )["Credentials"]
        targets.append(Target(account, _session(creds)))
    for target in targets:
        bucket = f"bench-trails-{target.account_id}"
        target.session.client("s3").create_bucket(Bucket=bucket)
        for region in regions:
            cloudtrail = target.session.client("cloudtrail", region_name=region)
            for n in range(per_region):
                name = f"trail-{region}-{n:03d}"
                cloudtrail.create_trail(Name=name, S3BucketName=bucket)
                fields = SNS if n % 3 else PUBLISH_ONLY
                cloudtrail.put_event_selectors(
                    TrailName=name,
                    AdvancedEventSelectors=[{"Name": "sns", "FieldSelectors": fields}],
                )
                cloudtrail.start_logging(Name=name)
    return targets


class ThrottledScanner(Scanner):
    """The scanner, each of its CloudTrail clients throttled by ``throttler`` (hooked after the
    limiter, so a throttled attempt takes its slot)."""

    throttler: Throttler | None = None

    def client(self, target: Target, region: str) -> Any:
        client = super().client(target, region)
        with self._lock:
            if self.throttler is not None and not hasattr(client, "throttled_by"):
                client.throttled_by = self.throttler
                self.throttler.attach(client)
        return client


def timed_scan(
    targets: list[Target], regions: tuple[str, ...], raw: str | None, **kwargs: Any
) -> tuple[ScanResult, float]:
    scanner = ThrottledScanner(
        targets, list(regions), rule_parameters(raw), max_workers=WORKERS, **kwargs
    )
    start = time.perf_counter()
    result = scanner.scan()
    return result, time.perf_counter() - start


def rate_and_throttling() -> None:
    regions, per_region = REGIONS[:2], 50
    targets = seed_org(2, regions, per_region)
    calls = 2 * per_region + 1
    bound = (calls - 1) / DOCUMENTED_TPS  # the first call at once, then one every 1/TPS
    plain, seconds = timed_scan(targets, regions, NO_TAGS)
    trails = len(plain.facts)
    print(
        f"scan at the documented {DOCUMENTED_TPS:.0f} TPS: {trails} trails in "
        f"{len(targets)} accounts x {len(regions)} regions in {seconds:.2f} s = "
        f"{trails / seconds:.1f} trails/s; bound {calls} calls 1/{DOCUMENTED_TPS:.0f} s apart = "
        f"{bound:.1f} s = {trails / bound:.1f} trails/s; {100 * bound / seconds:.1f}% of the bound"
    )
    ThrottledScanner.throttler = throttler = Throttler(0.2, seed=11)
    try:
        throttled, slow = timed_scan(targets, regions, NO_TAGS)
    finally:
        ThrottledScanner.throttler = None
    attempts, refused = sum(throttler.attempts.values()), sum(throttler.throttled.values())
    same = [(f.rule_id, f.resource_id, f.compliance, f.annotation) for f in throttled.findings]
    expected = [(f.rule_id, f.resource_id, f.compliance, f.annotation) for f in plain.findings]
    print(
        f"scan with 20% of attempts throttled: {slow:.2f} s = {slow / seconds:.2f}x the "
        f"unthrottled {seconds:.2f} s ({refused} of {attempts} attempts throttled, "
        f"{len(throttled.not_evaluated)} not evaluated, findings identical: {same == expected})"
    )


def calls_per_trail() -> None:
    accounts, per_region = 10, 25
    targets = seed_org(accounts, REGIONS, per_region)
    for label, raw in (("tag exemption off", NO_TAGS), ("rule defaults", None)):
        result, seconds = timed_scan(targets, REGIONS, raw)
        trails = len(result.facts)
        listings = result.calls["DescribeTrails"]
        per_trail = (sum(result.calls.values()) - listings) / trails
        print(
            f"scan ({label}): {trails} trails in {accounts} accounts x {len(REGIONS)} regions "
            f"in {seconds:.1f} s = {trails / seconds:.0f} trails/s; CloudTrail calls: "
            f"{per_trail:.2f} per trail + {listings} listings "
            f"({listings / (accounts * len(REGIONS)):.0f} per account-region); "
            f"calls by API {dict(sorted(result.calls.items()))}; "
            f"not evaluated {len(result.not_evaluated)}"
        )


# --- memory, against an in-process fake ---------------------------------------------------------


class _Body:
    def __init__(self, data: bytes) -> None:
        self.data = data

    def stream(self, **_: Any) -> Any:
        yield self.data


class FakeCloudTrail:
    """Answers one account's CloudTrail calls on ``before-send`` (no HTTP): ``per_region``
    trails homed in each region, plus the organization trail of the first account, listed
    everywhere. Responses are made from the names, so the fake holds nothing per trail."""

    def __init__(self, account: str, org_owner: str, per_region: int) -> None:
        self.account, self.org_owner, self.per_region = account, org_owner, per_region

    def _trail(self, account: str, region: str, name: str, org: bool = False) -> dict[str, Any]:
        arn = f"arn:aws:cloudtrail:{region}:{account}:trail/{name}"
        return {"Name": name, "S3BucketName": "bench", "HomeRegion": region, "TrailARN": arn,
                "IsMultiRegionTrail": org, "IsOrganizationTrail": org,
                "HasCustomEventSelectors": True, "IncludeGlobalServiceEvents": True}  # fmt: skip

    def _selectors(self, arn: str) -> dict[str, Any]:
        n = int(arn.rsplit("-", 1)[-1]) if "trail-" in arn else 0
        region, account = arn.split(":")[3:5]
        fields = [SNS, PUBLISH_ONLY, MANAGEMENT][n % 3]
        if n % 5 == 4:  # a configuration of its own: its topics only
            topics = f"arn:aws:sns:{region}:{account}:team-{n}-"
            fields = [*SNS, {"Field": "resources.ARN", "StartsWith": [topics]}]
        return {
            "TrailARN": arn,
            "AdvancedEventSelectors": [{"Name": "s", "FieldSelectors": fields}],
        }

    def __call__(self, request: Any, event_name: str, **_: Any) -> AWSResponse:
        operation = event_name.rsplit(".", 1)[-1]
        region = request.url.split("//", 1)[1].split(".")[1]
        body = json.loads(request.body or b"{}")
        if operation == "DescribeTrails":
            trails = [
                self._trail(self.account, region, f"trail-{region}-{n:04d}")
                for n in range(self.per_region)
            ]
            out: dict[str, Any] = {
                "trailList": [*trails, self._trail(self.org_owner, REGIONS[0], "org", org=True)]
            }
        elif operation == "GetEventSelectors":
            out = self._selectors(body["TrailName"])
        elif operation == "GetTrailStatus":
            out = {"IsLogging": True}
        elif operation == "ListTags":
            out = {
                "ResourceTagList": [
                    {"ResourceId": a, "TagsList": []} for a in body["ResourceIdList"]
                ]
            }
        else:
            raise AssertionError(f"the fake does not answer {operation}")
        return AWSResponse(request.url, 200, {}, _Body(json.dumps(out).encode()))


def _rss_mb() -> float:
    """This process's peak RSS in MB: VmHWM where Linux has it (``ru_maxrss`` would carry over
    the larger parent's peak through fork and exec), else ``ru_maxrss``."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux


def memory_child(trails: int) -> None:
    """In a fresh process: scan ``trails`` trails of the fake, render the JSON report; print
    peak RSS (MB) before the scan, after it, and after the report, as JSON."""
    from trailguard.reporting import formats
    from trailguard.reporting.model import scan_report

    accounts = [f"{100000000000 + i}" for i in range(10)]
    per_region = trails // (len(accounts) * len(REGIONS))
    targets = []
    for account in accounts:
        session = boto3.Session(region_name=REGIONS[0])  # one per account, as scan --org makes
        session.events.register(
            "before-send.cloudtrail", FakeCloudTrail(account, accounts[0], per_region)
        )
        targets.append(Target(account, session))
    before = _rss_mb()
    result = Scanner(targets, list(REGIONS), rule_parameters(None), WORKERS, tps=1000.0).scan()
    scanned = _rss_mb()
    report = scan_report(
        result.findings, result.facts, result.not_evaluated, title="bench", source="bench",
        generated_at="2026-01-01T00:00:00Z",
    )  # fmt: skip
    text = formats.render("report", report, "json")
    figures = {
        "trails": len(result.facts),
        "not_evaluated": len(result.not_evaluated),
        "before": before,
        "scan": scanned,
        "report": _rss_mb(),
        "json_mb": len(text) / 1e6,
    }
    print(json.dumps(figures))


def memory() -> None:
    rows = []
    for trails in (1_000, 10_000):
        out = subprocess.run(
            [sys.executable, __file__, "--memory-child", str(trails)],
            check=True, capture_output=True, text=True,
        ).stdout  # fmt: skip
        rows.append(json.loads(out.splitlines()[-1]))
    for row in rows:
        print(
            f"peak RSS, {row['trails']:,} trails (one an organization trail listed in all 40 "
            f"account-regions), 10 accounts x 4 regions: {row['scan']:.0f} MB after the scan "
            f"({row['before']:.0f} MB before it), "
            f"{row['report']:.0f} MB with the JSON report ({row['json_mb']:.1f} MB of JSON); "
            f"not evaluated {row['not_evaluated']}"
        )
    small, large = rows
    extra = large["trails"] - small["trails"]
    print(
        f"memory per extra trail: {1024 * (large['scan'] - small['scan']) / extra:.1f} KB in the "
        f"scan, {1024 * (large['report'] - small['report']) / extra:.1f} KB with the report"
    )


def usable(port: int) -> int:
    """``port``, when it can be bound on 127.0.0.1 (moto's server would wait forever for a port
    it cannot bind); else one line and exit."""
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as exc:
            raise SystemExit(f"bench_scan: port {port} cannot be used: {exc.strerror}") from exc
    return port


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="the moto server's port (0: any)")
    parser.add_argument("--memory-child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        memory_child(args.memory_child)
        return
    from moto.server import ThreadedMotoServer

    logging.disable(logging.CRITICAL)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=usable(args.port), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    os.environ["AWS_ENDPOINT_URL"] = f"http://{host}:{port}"
    try:
        rate_and_throttling()
        calls_per_trail()
    finally:
        server.stop()
    os.environ.pop("AWS_ENDPOINT_URL")
    memory()


if __name__ == "__main__":
    main()
