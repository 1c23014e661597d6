"""``scan --to-securityhub``: a scan's findings imported into AWS Security Hub, each account's
through that account's own session, in the finding's region; and the findings trailguard
imported before that this scan no longer has, archived.

- **Who imports.** With the account's default product ARN (a custom integration, as
  :mod:`trailguard.reporting.formats.asff` writes it), ``BatchImportFindings`` must be called
  by the account the finding's ``AwsAccountId`` names; only an allow-listed partner account may
  send other accounts' findings (API reference, BatchImportFindings,
  https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_BatchImportFindings.html; user
  guide, https://docs.aws.amazon.com/securityhub/latest/userguide/finding-update-batchimportfindings.html).
  So each account's findings go through the session of its own :class:`Target`. A finding of
  an account the scan has no session for (not entered), or of every account (``*``: nothing
  could be listed), cannot be imported anywhere: it is counted as failed, with why.
- **Where.** Security Hub is regional: each finding goes to its own region. A finding whose
  region is ``*`` or empty (what has no result in any region) goes to the scan's home region
  (the region of the CLI's session); its ``Region`` and ``ProductArn`` then name that region.
  The partition of ``ProductArn`` is the region's (botocore's partitions), else the finding's.
- **How much.** At most 100 findings a call (:data:`BATCH_SIZE`), and per account and region
  at most 10 calls a second after a burst of 30, Security Hub's documented rate for
  ``BatchImportFindings`` ("The throttle rate limit is 10 TPS per account per Region, with a
  burst of 30 TPS", partner guide,
  https://docs.aws.amazon.com/securityhub/latest/partnerguide/guidelines-batchimportfindings.html;
  quotas, https://docs.aws.amazon.com/securityhub/latest/userguide/securityhub_limits.html).
  The scan's limiter (:mod:`trailguard.aws.limiter`) spaces calls with no burst and knows
  CloudTrail's quotas, so a :class:`TokenBucket` does this instead. ``GetFindings`` is paced at
  3 a second after a burst of 6 (the quotas page's figure for it, as recalled: not found in
  the sources this was written from; archiving makes few such calls, so a lower real quota
  costs a retry, never a wrong result). Botocore's standard retries retry throttled calls.
- **What failed.** Each id in ``FailedFindings`` is reported with its ``ErrorCode`` and
  ``ErrorMessage``; a call that fails fails every finding of its batch. Any failure makes the
  import fail (the CLI exits 4): a partial import is never reported as a success.
- **Archiving.** In each account-region where every finding was imported, ``GetFindings``
  lists the ACTIVE findings of the account's default product (``ProductArn``) whose
  ``GeneratorId`` starts with ``trailguard/`` (the filters are checked again on each answer);
  any whose id this scan has not imported there is imported again with ``RecordState``
  ARCHIVED and ``UpdatedAt`` now (what Security Hub keeps of it otherwise unchanged). Only
  where the scan evaluated everything: an account-region with anything NOT_EVALUATED (``*``
  matching any), a population place with no result, or a region the scan did not list keeps
  its old findings, since a read that failed does not show that anything is gone.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import botocore.config

from trailguard.aws.limiter import MAX_ATTEMPTS
from trailguard.aws.regions import classify
from trailguard.aws.scan_targets import Target
from trailguard.aws.session import AWS_ERRORS, error_text
from trailguard.reporting.formats.asff import finding as asff_finding
from trailguard.reporting.model import ANY, NOT_EVALUATED, Report, ReportEntry

BATCH_SIZE = 100  # BatchImportFindings: at most 100 findings a call
IMPORT_RATE, IMPORT_BURST = 10.0, 30.0  # BatchImportFindings, per account and region
READ_RATE, READ_BURST = 3.0, 6.0  # GetFindings, per account and region
GENERATOR_PREFIX = "trailguard/"  # asff.py's GeneratorId is trailguard/<rule id>
ACTIVE, ARCHIVED = "ACTIVE", "ARCHIVED"
# AwsSecurityFinding's required members (botocore's securityhub model): what an archiving
# re-import carries of the finding Security Hub holds, besides RecordState.
REQUIRED = (
    "SchemaVersion",
    "Id",
    "ProductArn",
    "GeneratorId",
    "AwsAccountId",
    "CreatedAt",
    "UpdatedAt",
    "Title",
    "Description",
    "Resources",
)
CLIENT_CONFIG = botocore.config.Config(
    retries={"mode": "standard", "total_max_attempts": MAX_ATTEMPTS}
)
Clock = Callable[[], float]
Sleep = Callable[[float], None]


class TokenBucket:
    """``rate`` calls a second after a burst of ``burst`` (pure: the caller passes the time;
    thread-safe). A reservation that finds no token waits for the next one."""

    def __init__(self, rate: float, burst: float) -> None:
        self.rate, self.burst = rate, burst
        self._tokens = burst
        self._at: float | None = None
        self._lock = threading.Lock()

    def reserve(self, now: float) -> float:
        """Take a token; the seconds to wait from ``now`` until it is there."""
        with self._lock:
            if self._at is not None:
                self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
            self._at = now
            self._tokens -= 1
            return 0.0 if self._tokens >= 0 else -self._tokens / self.rate


def product_arn(account: str, region: str, partition: str = "aws") -> str:
    """The account's own default product in ``region``, which takes custom findings."""
    return f"arn:{partition}:securityhub:{region}:{account}:product/{account}/default"


def routed(entry: ReportEntry, home_region: str) -> tuple[str, dict[str, Any]]:
    """The region ``entry`` is imported in and its ASFF finding as imported there."""
    found = asff_finding(entry)
    region = entry.region if entry.region not in (ANY, "") else home_region
    partition = found["ProductArn"].split(":")[1]
    known = classify(region)
    if known is not None:
        partition = known[0]
    found["Region"] = region
    found["ProductArn"] = product_arn(entry.account_id, region, partition)
    return region, found


def archived(found: dict[str, Any], now: str) -> dict[str, Any]:
    """A finding Security Hub holds, to import again as ARCHIVED."""
    kept = {key: found[key] for key in REQUIRED if key in found}
    return {**kept, "UpdatedAt": now, "RecordState": ARCHIVED}


def _covers(where: tuple[str, str], account: str, region: str) -> bool:
    return where[0] in (ANY, account) and where[1] in (ANY, region)


def unevaluated_places(report: Report) -> list[tuple[str, str]]:
    """The account-regions (``*`` for any) where the scan has something without a result."""
    places = [(e.account_id, e.region) for e in report.entries if e.compliance == NOT_EVALUATED]
    if report.population is not None:
        places += [(p.account, p.region) for p in report.population.missing()]
    return places


@dataclass(slots=True)
class PlaceResult:
    """What the import did in one account and region."""

    account: str
    region: str
    imported: list[str] = field(default_factory=list)
    archived: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # finding id, why
    errors: list[str] = field(default_factory=list)  # calls that failed with no finding id
    not_archived: str | None = None  # why nothing was archived here, when it was not tried

    @property
    def ok(self) -> bool:
        return not self.failed and not self.errors

    def summary(self) -> str:
        text = (
            f"Security Hub, account {self.account}, region {self.region}: imported "
            f"{len(self.imported)}, archived {len(self.archived)}, failed {len(self.failed)}"
        )
        if self.not_archived:
            text += f" (not archived: {self.not_archived})"
        return text + "".join(f"; {error}" for error in self.errors)


@dataclass(slots=True)
class ImportResult:
    places: list[PlaceResult]

    @property
    def ok(self) -> bool:
        """Every finding imported and every archiving done: nothing failed."""
        return all(p.ok for p in self.places)

    def lines(self) -> list[str]:
        """One summary line per account-region, then one line per finding not imported."""
        lines = [p.summary() for p in self.places]
        for place in self.places:
            lines += [
                f"Security Hub: not imported (account {place.account}, region "
                f"{place.region}): {ident}: {why}"
                for ident, why in place.failed
            ]
        return lines


@dataclass(slots=True)
class _Place:
    account: str
    region: str
    session: Any | None
    why_no_session: str
    findings: list[dict[str, Any]]
    archive: bool
    not_archived: str | None


class SecurityHubImport:
    """Import ``report``'s findings through ``targets``' sessions (see the module docstring).
    ``regions``: the regions the scan listed; ``home_region``: where a finding of no region
    goes. ``now``: the archiving time (ISO 8601). ``monotonic``/``sleep``: the clock."""

    def __init__(
        self,
        report: Report,
        targets: Iterable[Target],
        regions: Iterable[str],
        home_region: str,
        *,
        max_workers: int = 8,
        now: str | None = None,
        monotonic: Clock = time.monotonic,
        sleep: Sleep = time.sleep,
    ) -> None:
        self.report = report
        self.targets = {t.account_id: t for t in targets}
        self.regions = set(regions)
        self.home_region = home_region
        self.max_workers = max_workers
        self.now = now or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        self.monotonic, self.sleep = monotonic, sleep
        self.buckets: dict[tuple[str, str, str], TokenBucket] = {}
        self._lock = threading.Lock()

    def _wait(self, account: str, region: str, operation: str) -> None:
        rate, burst = (
            (READ_RATE, READ_BURST)
            if operation == "GetFindings"
            else (
                IMPORT_RATE,
                IMPORT_BURST,
            )
        )
        with self._lock:
            bucket = self.buckets.setdefault((account, region, operation), TokenBucket(rate, burst))
        delay = bucket.reserve(self.monotonic())
        if delay > 0:
            self.sleep(delay)

    def places(self) -> list[_Place]:
        """The findings grouped by account and region, in order, and whether each place may
        archive (and why not)."""
        grouped: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for entry in self.report.entries:
            region, found = routed(entry, self.home_region)
            grouped.setdefault((entry.account_id, region), []).append(found)
        unevaluated = unevaluated_places(self.report)
        places = []
        for (account, region), findings in sorted(grouped.items()):
            target = self.targets.get(account)
            session = target.session if target is not None else None
            if account == ANY:
                why = "a finding for every account asked (*) has no account to import it"
            elif target is None:
                why = f"account {account} is not one the scan entered"
            else:
                why = f"account {account} was not entered: {target.error or 'no session'}"
            not_archived = None
            if region not in self.regions:
                not_archived = "the scan did not list this region"
            elif any(_covers(place, account, region) for place in unevaluated):
                not_archived = "the scan did not evaluate everything here"
            places.append(
                _Place(account, region, session, why, findings, not_archived is None, not_archived)
            )
        return places

    def run(self) -> ImportResult:
        places = self.places()
        with ThreadPoolExecutor(max_workers=self.max_workers) as pool:
            return ImportResult(list(pool.map(self._import_place, places)))

    def _import_place(self, place: _Place) -> PlaceResult:
        result = PlaceResult(place.account, place.region, not_archived=place.not_archived)
        if place.session is None:
            result.failed = [(f["Id"], place.why_no_session) for f in place.findings]
            result.not_archived = None
            return result
        with self._lock:  # a boto3 session is not thread-safe (its clients are)
            client = place.session.client(
                "securityhub", region_name=place.region, config=CLIENT_CONFIG
            )
        result.imported = self._send(client, place, place.findings, result)
        if not place.archive:
            return result
        if not result.ok:
            result.not_archived = "the import failed here"
            return result
        product = place.findings[0]["ProductArn"]
        try:
            active = self._active(client, place, product)
        except AWS_ERRORS as exc:
            result.errors.append(f"GetFindings failed: {error_text(exc)}")
            return result
        current = {f["Id"] for f in place.findings}
        gone = [archived(f, self.now) for f in active if f["Id"] not in current]
        result.archived = self._send(client, place, gone, result)
        return result

    def _send(
        self, client: Any, place: _Place, findings: list[dict[str, Any]], result: PlaceResult
    ) -> list[str]:
        """Import ``findings`` in batches; the ids imported (failures go to ``result``)."""
        done: list[str] = []
        for start in range(0, len(findings), BATCH_SIZE):
            batch = findings[start : start + BATCH_SIZE]
            ids = [f["Id"] for f in batch]
            self._wait(place.account, place.region, "BatchImportFindings")
            try:
                response = client.batch_import_findings(Findings=batch)
            except AWS_ERRORS as exc:
                why = f"BatchImportFindings failed: {error_text(exc)}"
                result.failed += [(ident, why) for ident in ids]
                continue
            failed = {
                str(f.get("Id")): f"{f.get('ErrorCode')}: {f.get('ErrorMessage')}"
                for f in response.get("FailedFindings") or []
            }
            result.failed += sorted(failed.items())
            done += [ident for ident in ids if ident not in failed]
        return done

    def _active(self, client: Any, place: _Place, product: str) -> list[dict[str, Any]]:
        """The ACTIVE trailguard findings of ``product`` Security Hub holds, in id order."""
        filters = {
            "ProductArn": [{"Value": product, "Comparison": "EQUALS"}],
            "GeneratorId": [{"Value": GENERATOR_PREFIX, "Comparison": "PREFIX"}],
            "RecordState": [{"Value": ACTIVE, "Comparison": "EQUALS"}],
        }
        found: dict[str, dict[str, Any]] = {}
        token: str | None = None
        while True:
            self._wait(place.account, place.region, "GetFindings")
            extra = {"NextToken": token} if token else {}
            page = client.get_findings(Filters=filters, MaxResults=100, **extra)
            for item in page.get("Findings", []):
                if (
                    item.get("ProductArn") == product
                    and str(item.get("GeneratorId", "")).startswith(GENERATOR_PREFIX)
                    and item.get("RecordState", ACTIVE) == ACTIVE
                ):
                    found[item["Id"]] = item
            token = page.get("NextToken")
            if not token:
                return [found[k] for k in sorted(found)]


def import_report(
    report: Report,
    targets: Iterable[Target],
    regions: Iterable[str],
    home_region: str,
    **options: Any,
) -> ImportResult:
    """Import ``report`` (see :class:`SecurityHubImport`)."""
    return SecurityHubImport(report, targets, regions, home_region, **options).run()
