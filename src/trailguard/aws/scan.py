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
pool, each account-region held to CloudTrail's documented quota (or ``tps``) by an adaptive
limiter (:mod:`trailguard.aws.limiter`) that slows down on throttling and retries throttled
calls itself; botocore's standard retries handle the rest. Whatever was asked for and has no
result (an account that cannot be entered, a region whose trails cannot be listed, a trail
that cannot be read, no account or region at all) is a NOT_EVALUATED entry saying why, never
skipped silently. Every rule of the registry is evaluated, by its scope: per trail, or per
account and region. With ``topics``, each account-region's SNS topics are listed too and those
at stake named (:mod:`trailguard.aws.topics`).

Memory: the report needs every finding with its trail's selectors, so those are kept, compact:
a listing keeps only the ARNs it saw (one description per distinct trail, dropped once the
trail is read), equal selectors are held once, and jobs are handed to the pool a few at a
time rather than all at once.
"""

from __future__ import annotations

import dataclasses
import json
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

import botocore.config
from botocore.exceptions import BotoCoreError, ClientError

from trailguard.aws.limiter import DOCUMENTED_TPS, MAX_ATTEMPTS, Limiter
from trailguard.aws.scan_targets import Target as Target  # re-exported: scans are built with it
from trailguard.aws.session import error_text
from trailguard.aws.topics import judge_topics, list_topics
from trailguard.aws.trails import TAGS_BATCH, read_tags, read_trail_facts
from trailguard.reporting.model import ANY, ReportEntry, not_evaluated_entry
from trailguard.reporting.topics import TopicsAtStake
from trailguard.rules.facts import Finding, NotEvaluated, TrailFacts
from trailguard.rules.parameters import RuleParameters
from trailguard.rules.registry import Rule, Scope, rules

# Botocore's standard retry mode, not the adaptive mode of RETRY_CONFIG: the scanner's own
# limiter paces every attempt and retries throttled ones (see trailguard.aws.limiter), and
# adaptive mode would add a second rate limiter and its backoff. A connection pool for the
# scan's threads.
CLIENT_CONFIG = botocore.config.Config(
    retries={"mode": "standard", "total_max_attempts": MAX_ATTEMPTS}, max_pool_connections=20
)
DEFAULT_TPS = DOCUMENTED_TPS  # per account-region, for the Describe/Get/List calls scan makes
Progress = Callable[[str, int, int], None]
Job = Callable[[], None]
T = TypeVar("T")
Listed = dict[tuple[str, str], tuple[str, ...]]  # (account, region) -> the trail ARNs listed


@dataclass(slots=True)
class ScanResult:
    findings: list[Finding] = field(default_factory=list)
    facts: dict[str, TrailFacts] = field(default_factory=dict)
    # What has no result, and why (compliance NOT_EVALUATED).
    not_evaluated: list[ReportEntry] = field(default_factory=list)
    calls: Counter[str] = field(default_factory=Counter)  # CloudTrail calls, by API
    regions: list[str] = field(default_factory=list)
    accounts: list[str] = field(default_factory=list)
    # With topics listed: the topics at stake per (account, region), and the SNS calls.
    topics: dict[tuple[str, str], TopicsAtStake] = field(default_factory=dict)
    topic_calls: Counter[str] = field(default_factory=Counter)


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
        topics: bool = False,
    ) -> None:
        """``tps``: the quota of the Describe/Get/List calls, per account-region (the
        limiter never exceeds it). ``no_accounts``: why there is no target, said when
        ``targets`` is empty. ``caller``: the account and session the scan runs with, which
        reads an organization trail whose owner is not scanned (it is the owner, or maybe a
        CloudTrail delegated administrator). ``topics``: list each account-region's SNS
        topics and name those at stake (:mod:`trailguard.aws.topics`)."""
        self.targets = targets
        self.topics = topics
        self.caller = caller
        self.no_accounts = no_accounts
        self.regions = regions
        self.params = params
        self.max_workers = max_workers
        self.tps = tps
        self.limiter = Limiter(tps)
        self.progress = progress
        self.result = ScanResult(regions=list(regions), accounts=[t.account_id for t in targets])
        self._clients: dict[tuple[str, str, str], Any] = {}
        self._selectors: dict[str, dict[str, Any]] = {}
        # Organization trails: ARN -> the account that read them (their owner, or the caller).
        self._read_by: dict[str, str] = {}
        self._lock = threading.Lock()

    def client(self, target: Target, region: str) -> Any:
        return self._client(target, region, "cloudtrail")

    def sns_client(self, target: Target, region: str) -> Any:
        return self._client(target, region, "sns")

    def _client(self, target: Target, region: str, service: str) -> Any:
        key = (target.account_id, region, service)
        with self._lock:
            if key not in self._clients:
                assert target.session is not None, "an unreachable account has no clients"
                client = target.session.client(service, region_name=region, config=CLIENT_CONFIG)
                self.limiter.attach(client, target.account_id, region)
                counter = self.result.calls if service == "cloudtrail" else self.result.topic_calls

                def before_call(model: Any, **_: Any) -> None:
                    with self._lock:
                        counter[model.name] += 1

                client.meta.events.register(f"before-call.{service}.*", before_call)
                self._clients[key] = client
            return self._clients[key]

    def _run(self, phase: str, jobs: Iterable[Job], total: int) -> None:
        """Run ``total`` jobs in the pool, handing it a few at a time (so that the jobs and
        their futures never all exist at once)."""
        done = 0
        if self.progress:
            self.progress(phase, 0, total)

        def settle(futures: Iterable[Future[None]]) -> None:
            nonlocal done
            for future in futures:
                future.result()
                done += 1
                if self.progress:
                    self.progress(phase, done, total)

        window = 4 * self.max_workers
        with ThreadPoolExecutor(max_workers=self.max_workers) as pool:
            pending: set[Future[None]] = set()
            for job in jobs:
                if len(pending) >= window:
                    finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                    settle(finished)
                pending.add(pool.submit(job))
            settle(wait(pending).done)

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

    def _shared(self, selectors: dict[str, Any] | None) -> dict[str, Any] | None:
        """``selectors``, or an equal dict already held (one copy of each distinct answer;
        nothing mutates them)."""
        if selectors is None:
            return None
        key = json.dumps(selectors, default=str)
        with self._lock:
            return self._selectors.setdefault(key, selectors)

    def scan(self) -> ScanResult:
        reachable = [t for t in self.targets if t.session is not None]
        if not self.targets:
            self._missing(self.no_accounts)
        if not self.regions:
            self._missing("no region to scan")
        for target in self.targets:
            if target.session is None:
                self._missing(target.error or "not entered", account=target.account_id)
        listed: Listed = {}
        # Each distinct trail's description, from the first listing (in account, region
        # order) that holds it: the same choice whatever order the listings finish in.
        first: dict[str, tuple[tuple[str, str], dict[str, Any]]] = {}

        def lister(target: Target, region: str) -> Job:
            def job() -> None:
                where = (target.account_id, region)
                try:
                    response = self.client(target, region).describe_trails(includeShadowTrails=True)
                except (ClientError, BotoCoreError) as exc:
                    self._missing(
                        f"DescribeTrails failed: {error_text(exc)}",
                        account=target.account_id,
                        region=region,
                    )
                    return
                # One string per ARN, however many listings hold it.
                arns = [sys.intern(t["TrailARN"]) for t in response.get("trailList", [])]
                with self._lock:
                    for arn, trail in zip(arns, response.get("trailList", []), strict=True):
                        if arn not in first or where < first[arn][0]:
                            first[arn] = (where, trail)
                    listed[where] = tuple(arns)

            return job

        self._run(
            "listing trails",
            (lister(t, r) for t in reachable for r in self.regions),
            len(reachable) * len(self.regions),
        )
        by_account = {t.account_id: t for t in reachable}
        readers = self._readers(first, by_account)
        first.clear()
        topics = list_topics(self, listed, by_account) if self.topics else {}

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

            def tagger(region: str, chunk: list[tuple[Target, str]]) -> Job:
                def job() -> None:
                    client = self.client(chunk[0][0], region)
                    found, failed = read_tags(client, [arn for _, arn in chunk])
                    with self._lock:
                        tags.update(found)
                        tag_errors.update(failed)

                return job

            chunks = [
                (region, members[i : i + TAGS_BATCH])
                for (_, region), members in sorted(groups.items())
                for i in range(0, len(members), TAGS_BATCH)
            ]
            self._run("reading tags", (tagger(*chunk) for chunk in chunks), len(chunks))

        def reader(arn: str) -> Job:
            def job() -> None:
                with self._lock:  # the description and tags are not needed after
                    target, trail = readers.pop(arn)
                    trail_tags, tags_error = tags.pop(arn, None), tag_errors.pop(arn, None)
                client = self.client(target, trail["HomeRegion"])
                facts = read_trail_facts(client, trail, trail_tags, tags_error)
                facts = dataclasses.replace(facts, selectors=self._shared(facts.selectors))
                if facts.is_organization:  # its reading serves every member's coverage
                    facts = dataclasses.replace(facts, read_by=f"account {target.account_id}")
                with self._lock:
                    if facts.is_organization:
                        self._read_by[arn] = target.account_id
                    self.result.facts[arn] = facts

            return job

        # Interleave account-regions so that the workers spread over many rate limiters
        # instead of queueing behind one.
        queues: dict[tuple[str, str], list[str]] = {}
        for arn, (target, trail) in readers.items():
            queues.setdefault((target.account_id, trail["HomeRegion"]), []).append(arn)
        self._run(
            "reading trails",
            (reader(arn) for arn in _round_robin(list(queues.values()))),
            len(readers),
        )
        for found in rules():
            evaluate = self.BY_SCOPE.get(found.scope)
            if evaluate is None:
                self._missing(f"scope {found.scope!r} is not supported by scan", rule=found.id)
                continue
            evaluate(self, found, listed, by_account)
        judge_topics(self, listed, topics)
        return self.result

    def _readers(
        self,
        first: dict[str, tuple[tuple[str, str], dict[str, Any]]],
        by_account: dict[str, Target],
    ) -> dict[str, tuple[Target, dict[str, Any]]]:
        """Who reads each trail listed (``first``: its first listing, account and region, and
        its description): its owner when scanned; another account's organization trail whose
        owner is not scanned, the caller (never a member's role: AWS refuses a member's reads,
        by field reports); anything else, the account that first listed it. An organization
        trail nobody can read gets facts saying why (no selectors)."""
        readers: dict[str, tuple[Target, dict[str, Any]]] = {}
        for arn, ((account, _region), trail) in sorted(first.items()):
            owner_id = arn.split(":")[4]
            owner = by_account.get(owner_id)
            if owner is not None:
                readers[arn] = (owner, trail)
            elif not trail.get("IsOrganizationTrail") or owner_id == account:
                readers[arn] = (by_account[account], trail)
            elif self.caller is not None and self.caller.session is not None:
                readers[arn] = (self.caller, trail)
            else:
                self.result.facts[arn] = TrailFacts.from_description(
                    trail,
                    error="the scan includes neither its owner nor the caller",
                    read_by="this scan",
                )
        return readers

    def _per_trail(
        self,
        found: Rule,
        listed: Listed,
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
        listed: Listed,
        by_account: dict[str, Target],
    ) -> None:
        """Each account and region whose trails were listed, from the trails seen there."""
        facts = self.result.facts
        for (account, region), arns in sorted(listed.items()):
            seen = [
                # an organization trail in the account that read it: read "from this account"
                dataclasses.replace(facts[arn], read_by="")
                if self._read_by.get(arn) == account
                else facts[arn]
                for arn in arns
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


def _round_robin(queues: list[list[T]]) -> Iterator[T]:
    for i in range(max((len(q) for q in queues), default=0)):
        for queue in queues:
            if i < len(queue):
                yield queue[i]


# The scopes scan evaluates (the build refuses a rule of any other).
SCOPES: tuple[Scope, ...] = tuple(Scanner.BY_SCOPE)
