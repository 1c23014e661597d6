"""``trailguard scan``: the Config rules' verdicts, now, for live accounts and regions.

Per account and region, one ``DescribeTrails`` (shadow trails included) lists what applies
there; each distinct trail is then read once, in its home region, through the account that
owns it when that account is scanned (``GetEventSelectors`` and ``GetTrailStatus``); the
verdicts come from the same functions the Config rules call. An organization trail (which
members list, but whose selectors only its owner, the management account, or a CloudTrail
delegated administrator can be relied on to read) is read once, by its owner when scanned,
else by the caller, and that one reading serves every member's coverage: a member never reads
it through its own role. Tags are read only for trails judged per trail (their owner is
scanned), by that owner, so another account's trail never shares a ``ListTags`` call with the
member's own (one refused call would leave them all unread). Calls run in a bounded thread
pool, each account-region held under CloudTrail's per-region rate limits by a client-side
limiter, with botocore's adaptive retries behind it. Whatever was asked for and has no
result (an account that cannot be entered, a region whose trails cannot be listed, a trail
that cannot be read, no account or region at all) is a NOT_EVALUATED entry saying why, never
skipped silently. Every rule of the registry is evaluated, by its scope: per trail, or per
account and region.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

import botocore.config
from botocore.exceptions import BotoCoreError, ClientError

from trailguard.aws.session import RETRY_CONFIG, assume_role_session, error_text
from trailguard.aws.trails import TAGS_BATCH, read_tags, read_trail_facts
from trailguard.reporting.model import ANY, ReportEntry, not_evaluated_entry
from trailguard.rules.facts import Finding, NotEvaluated, TrailFacts
from trailguard.rules.parameters import RuleParameters
from trailguard.rules.registry import Rule, Scope, rules

# The one retry configuration, with a connection pool for the scan's threads.
CLIENT_CONFIG = RETRY_CONFIG.merge(botocore.config.Config(max_pool_connections=20))
DEFAULT_TPS = 8.0  # per account-region; CloudTrail allows 10 a second for Describe/Get calls
Progress = Callable[[str, int, int], None]


class RateLimiter:
    """At most ``rate`` calls a second, spread evenly (thread-safe)."""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next)
            self._next = start + self.interval
        if start > now:
            time.sleep(start - now)


@dataclass(slots=True)
class Target:
    account_id: str
    session: Any | None
    error: str | None = None


@dataclass(slots=True)
class ScanResult:
    findings: list[Finding] = field(default_factory=list)
    facts: dict[str, TrailFacts] = field(default_factory=dict)
    # What has no result, and why (compliance NOT_EVALUATED).
    not_evaluated: list[ReportEntry] = field(default_factory=list)
    calls: Counter[str] = field(default_factory=Counter)
    regions: list[str] = field(default_factory=list)
    accounts: list[str] = field(default_factory=list)


class Scanner:
    def __init__(
        self,
        targets: list[Target],
        regions: list[str],
        params: RuleParameters,
        max_workers: int = 8,
        tps: float = DEFAULT_TPS,
        progress: Progress | None = None,
        no_accounts: str = "no account to scan",
        caller: Target | None = None,
    ) -> None:
        """``no_accounts``: why there is no target, said when ``targets`` is empty. ``caller``:
        the account and session the scan runs with, which reads an organization trail whose
        owner is not scanned (it is the owner, or maybe a CloudTrail delegated administrator)."""
        self.targets = targets
        self.caller = caller
        self.no_accounts = no_accounts
        self.regions = regions
        self.params = params
        self.max_workers = max_workers
        self.tps = tps
        self.progress = progress
        self.result = ScanResult(regions=list(regions), accounts=[t.account_id for t in targets])
        self._clients: dict[tuple[str, str], Any] = {}
        # Organization trails: ARN -> the account that read them (their owner, or the caller).
        self._read_by: dict[str, str] = {}
        self._limiters: dict[tuple[str, str], RateLimiter] = {}
        self._lock = threading.Lock()

    def client(self, target: Target, region: str) -> Any:
        key = (target.account_id, region)
        with self._lock:
            if key not in self._clients:
                assert target.session is not None, "an unreachable account has no clients"
                client = target.session.client(
                    "cloudtrail", region_name=region, config=CLIENT_CONFIG
                )
                limiter = self._limiters.setdefault(key, RateLimiter(self.tps))
                counter = self.result.calls

                def before_call(model: Any, **_: Any) -> None:
                    limiter.wait()
                    with self._lock:
                        counter[model.name] += 1

                client.meta.events.register("before-call.cloudtrail.*", before_call)
                self._clients[key] = client
            return self._clients[key]

    def _run(self, phase: str, jobs: list[Callable[[], None]]) -> None:
        done = 0
        if self.progress:
            self.progress(phase, 0, len(jobs))
        with ThreadPoolExecutor(max_workers=self.max_workers) as pool:
            for future in [pool.submit(job) for job in jobs]:
                future.result()
                done += 1
                if self.progress:
                    self.progress(phase, done, len(jobs))

    def _missing(
        self,
        annotation: str,
        account: str = ANY,
        region: str = ANY,
        rule: str = ANY,
        trail: str | None = None,
        trail_arn: str | None = None,
    ) -> None:
        """Record what has no result (``ANY``: every one asked for) and why."""
        entry = not_evaluated_entry(
            annotation, account=account, region=region, rule=rule, trail=trail, trail_arn=trail_arn
        )
        with self._lock:
            self.result.not_evaluated.append(entry)

    def scan(self) -> ScanResult:
        reachable = [t for t in self.targets if t.session is not None]
        if not self.targets:
            self._missing(self.no_accounts)
        if not self.regions:
            self._missing("no region to scan")
        for target in self.targets:
            if target.session is None:
                self._missing(target.error or "not entered", account=target.account_id)
        listed: dict[tuple[str, str], list[dict[str, Any]]] = {}

        def lister(target: Target, region: str) -> Callable[[], None]:
            def job() -> None:
                try:
                    response = self.client(target, region).describe_trails(includeShadowTrails=True)
                    listed[(target.account_id, region)] = list(response.get("trailList", []))
                except (ClientError, BotoCoreError) as exc:
                    self._missing(
                        f"DescribeTrails failed: {error_text(exc)}",
                        account=target.account_id,
                        region=region,
                    )

            return job

        self._run("listing trails", [lister(t, r) for t in reachable for r in self.regions])
        by_account = {t.account_id: t for t in reachable}
        readers = self._readers(listed, by_account)

        # Tags only when a tag exemption is set, and only of the trails judged per trail (their
        # owner is scanned and reads them): one ListTags per 20 trails (its limit) of the same
        # account and home region. Then each trail is read on its own (two calls).
        tags: dict[str, dict[str, str]] = {}
        tag_errors: dict[str, str] = {}
        if self.params.exemption_tag_key:
            groups: dict[tuple[str, str], list[tuple[Target, str]]] = {}
            for arn, (target, trail) in sorted(readers.items()):
                if by_account.get(arn.split(":")[4]) is target:
                    key = (target.account_id, trail["HomeRegion"])
                    groups.setdefault(key, []).append((target, arn))

            def tagger(region: str, chunk: list[tuple[Target, str]]) -> Callable[[], None]:
                def job() -> None:
                    client = self.client(chunk[0][0], region)
                    found, failed = read_tags(client, [arn for _, arn in chunk])
                    with self._lock:
                        tags.update(found)
                        tag_errors.update(failed)

                return job

            self._run(
                "reading tags",
                [
                    tagger(region, members[i : i + TAGS_BATCH])
                    for (_, region), members in sorted(groups.items())
                    for i in range(0, len(members), TAGS_BATCH)
                ],
            )

        def reader(arn: str, target: Target, trail: dict[str, Any]) -> Callable[[], None]:
            def job() -> None:
                client = self.client(target, trail["HomeRegion"])
                facts = read_trail_facts(client, trail, tags.get(arn), tag_errors.get(arn))
                if facts.is_organization:  # its reading serves every member's coverage
                    facts = replace(facts, read_by=f"account {target.account_id}")
                    self._read_by[arn] = target.account_id
                self.result.facts[arn] = facts

            return job

        # Interleave account-regions so that the workers spread over many rate limiters
        # instead of queueing behind one.
        queues: dict[tuple[str, str], list[Callable[[], None]]] = {}
        for arn, (target, trail) in sorted(readers.items()):
            key = (target.account_id, trail["HomeRegion"])
            queues.setdefault(key, []).append(reader(arn, target, trail))
        self._run("reading trails", list(_round_robin(list(queues.values()))))
        for found in rules():
            evaluate = self.BY_SCOPE.get(found.scope)
            if evaluate is None:
                self._missing(f"scope {found.scope!r} is not supported by scan", rule=found.id)
                continue
            evaluate(self, found, listed, by_account)
        return self.result

    def _readers(
        self,
        listed: dict[tuple[str, str], list[dict[str, Any]]],
        by_account: dict[str, Target],
    ) -> dict[str, tuple[Target, dict[str, Any]]]:
        """Who reads each trail listed: its owner when scanned; another account's organization
        trail whose owner is not scanned, the caller (never a member's role: AWS refuses a
        member's reads, by field reports); anything else, an account that lists it. An
        organization trail nobody can read gets facts saying why (no selectors)."""
        readers: dict[str, tuple[Target, dict[str, Any]]] = {}
        unread: dict[str, dict[str, Any]] = {}
        for (account, _region), trails in sorted(listed.items()):
            for trail in trails:
                arn = trail["TrailARN"]
                owner_id = arn.split(":")[4]
                owner = by_account.get(owner_id)
                if owner is not None:
                    readers[arn] = (owner, trail)
                elif arn in readers or arn in unread:
                    continue
                elif not trail.get("IsOrganizationTrail") or owner_id == account:
                    readers[arn] = (by_account[account], trail)
                elif self.caller is not None and self.caller.session is not None:
                    readers[arn] = (self.caller, trail)
                else:
                    unread[arn] = trail
        for arn, trail in unread.items():
            if arn not in readers:
                self.result.facts[arn] = TrailFacts.from_description(
                    trail,
                    error="the scan includes neither its owner nor the caller",
                    read_by="this scan",
                )
        return readers

    def _per_trail(
        self,
        found: Rule,
        listed: dict[tuple[str, str], list[dict[str, Any]]],
        by_account: dict[str, Target],
    ) -> None:
        """Each trail read, once, in its home region by the account that owns it."""
        facts = self.result.facts
        for arn in sorted(facts):
            known = facts[arn]
            if known.account_id not in by_account:
                continue
            try:
                self.result.findings.append(
                    found.evaluate(known, self.params, known.home_region, known.account_id)
                )
            except NotEvaluated as exc:
                self._missing(
                    str(exc).removeprefix(f"{known.arn}: "),
                    account=known.account_id,
                    region=known.home_region,
                    rule=found.id,
                    trail=known.name,
                    trail_arn=known.arn,
                )

    def _per_account_region(
        self,
        found: Rule,
        listed: dict[tuple[str, str], list[dict[str, Any]]],
        by_account: dict[str, Target],
    ) -> None:
        """Each account and region whose trails were listed, from the trails seen there."""
        facts = self.result.facts
        for (account, region), trails in sorted(listed.items()):
            seen = [
                # an organization trail in the account that read it: read "from this account"
                replace(facts[arn], read_by="") if self._read_by.get(arn) == account else facts[arn]
                for arn in (t["TrailARN"] for t in trails)
                if arn in facts
            ]
            try:
                self.result.findings.append(found.evaluate(account, region, seen, self.params))
            except NotEvaluated as exc:
                self._missing(str(exc), account=account, region=region, rule=found.id)

    # How each scope is evaluated.
    BY_SCOPE: ClassVar[dict[Scope, Callable[..., None]]] = {
        "trail": _per_trail,
        "account-region": _per_account_region,
    }


def _round_robin(queues: list[list[Callable[[], None]]]) -> Iterable[Callable[[], None]]:
    for i in range(max((len(q) for q in queues), default=0)):
        for queue in queues:
            if i < len(queue):
                yield queue[i]


def enabled_regions(session: Any, region: str) -> list[str]:
    """The regions enabled for the account, as EC2 reports them."""
    ec2 = session.client("ec2", region_name=region)
    regions = ec2.describe_regions(AllRegions=False)["Regions"]
    return sorted(r["RegionName"] for r in regions)


def organization_targets(
    session: Any,
    role_name: str,
    only: Iterable[str] | None,
    make_session: Callable[..., Any],
) -> list[Target]:
    """Every ACTIVE account of the organization (or ``only`` those), entered through
    ``role_name`` (the caller's own account with the caller's credentials)."""
    me = session.client("sts").get_caller_identity()
    own, partition = me["Account"], me["Arn"].split(":")[1]
    accounts: list[str] = []
    paginator = session.client("organizations").get_paginator("list_accounts")
    for page in paginator.paginate():
        accounts += [a["Id"] for a in page["Accounts"] if a.get("Status") == "ACTIVE"]
    wanted = set(only) if only else None
    targets: list[Target] = []
    for account in sorted(accounts):
        if wanted is not None and account not in wanted:
            continue
        if account == own:
            targets.append(Target(account, session))
            continue
        role = f"arn:{partition}:iam::{account}:role/{role_name}"
        try:
            entered = assume_role_session(session, make_session, role, "trailguard-scan")
        except (ClientError, BotoCoreError) as exc:
            targets.append(Target(account, None, f"cannot assume {role}: {error_text(exc)}"))
            continue
        targets.append(Target(account, entered))
    for account in sorted((wanted or set()) - set(accounts)):
        targets.append(Target(account, None, "not an active account of the organization"))
    return targets


# The scopes scan evaluates (the build refuses a rule of any other).
SCOPES: tuple[Scope, ...] = tuple(Scanner.BY_SCOPE)
