"""Live remediation of one trail: the same code runs in the CLI and in the SSM Automation step.

Needs only the standard library, botocore's ``ClientError`` and CloudTrail clients passed in
(never created here), so it can be embedded in an ``aws:executeScript`` step.

The sequence: find the trail and its home region; refuse an organization trail seen from a
member account; read the selectors and plan; re-read just before writing and re-plan if they
changed; put (retrying conflicts and throttling, at most one put a second); read back and verify
with the core that the requirement is met and nothing logged before is lost; on a failed
verification, put back the selectors that were read.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from trailguard.core.convert import effective_selectors
from trailguard.core.errors import SelectorError
from trailguard.core.inclusion import find_lost
from trailguard.core.model import SelectorConfig
from trailguard.core.parse import parse_response, selectors_to_api
from trailguard.core.planner import PlanRefused, plan
from trailguard.core.requirement import Requirement
from trailguard.core.validate import check_valid
from trailguard.core.verdict import Verdict, evaluate

# A boto3 CloudTrail client (typed loosely so that this module needs no type stubs at run time).
CloudTrailClient = Any
ClientFor = Callable[[str], CloudTrailClient]

RETRYABLE = ("ConflictException", "ThrottlingException", "TooManyRequestsException")
PUT_INTERVAL_SECONDS = 1.0  # PutEventSelectors is limited to 1 call a second per region


class RemediationError(Exception):
    """Remediation could not be done; ``kind`` says how it ended.

    - ``refused``: nothing was written (organization trail from a member account, or no plan
      keeps the trail's coverage within CloudTrail's limits);
    - ``failed``: an API call failed, nothing or only a restored state was written;
    - ``restored``: the put was made, verification failed, the previous selectors were put back.
    """

    def __init__(self, kind: str, message: str) -> None:
        self.kind = kind
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class TrailRef:
    name: str
    arn: str
    home_region: str
    is_organization_trail: bool
    is_multi_region: bool

    @property
    def account_id(self) -> str:
        return self.arn.split(":")[4]


@dataclass(frozen=True, slots=True)
class RemediationResult:
    trail: TrailRef
    changed: bool
    dry_run: bool
    before: dict[str, Any]  # the selectors as read, in GetEventSelectors shape
    after: list[dict[str, Any]]  # AdvancedEventSelectors put (or to put, on a dry run)
    verdict_before: Verdict
    verdict_after: Verdict | None
    gained: list[dict[str, Any]] = field(default_factory=list)
    message: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "trailARN": self.trail.arn,
            "homeRegion": self.trail.home_region,
            "changed": self.changed,
            "dryRun": self.dry_run,
            "message": self.message,
            "gained": self.gained,
            "before": self.before,
            "after": {"AdvancedEventSelectors": self.after} if self.changed else self.before,
            "complianceBefore": self.verdict_before.compliance,
            "complianceAfter": (self.verdict_after or self.verdict_before).compliance,
        }


def _error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _call(
    what: str,
    fn: Callable[..., Any],
    sleep: Callable[[float], None],
    attempts: int,
    **kwargs: Any,
) -> Any:
    """Call ``fn``, retrying conflicts and throttling with exponential backoff."""
    delay = PUT_INTERVAL_SECONDS
    for attempt in range(1, attempts + 1):
        try:
            return fn(**kwargs)
        except ClientError as exc:
            code = _error_code(exc)
            if code not in RETRYABLE or attempt == attempts:
                message = exc.response.get("Error", {}).get("Message", str(exc))
                raise RemediationError("failed", f"{what} failed: {code}: {message}") from exc
            sleep(delay)
            delay *= 2
    raise AssertionError("unreachable")  # pragma: no cover


def find_trail(client: CloudTrailClient, trail: str) -> TrailRef:
    """The trail named ``trail`` (a name or an ARN), as seen from ``client``'s region.

    All visible trails are listed and matched here: DescribeTrails matches names in
    ``trailNameList`` only against trails of the current region, so a multi-region or
    organization trail homed elsewhere is found by name only this way.
    """
    try:
        found = client.describe_trails(includeShadowTrails=True)
    except ClientError as exc:
        raise RemediationError("failed", f"DescribeTrails failed: {_error_code(exc)}") from exc
    for item in found.get("trailList", []):
        if trail in (item.get("Name"), item.get("TrailARN")):
            return TrailRef(
                name=item["Name"],
                arn=item["TrailARN"],
                home_region=item["HomeRegion"],
                is_organization_trail=bool(item.get("IsOrganizationTrail")),
                is_multi_region=bool(item.get("IsMultiRegionTrail")),
            )
    region = client.meta.region_name
    raise RemediationError("failed", f"trail {trail} not found from region {region}")


def _read(client: CloudTrailClient, arn: str, sleep: Callable[[float], None]) -> dict[str, Any]:
    response = _call(
        f"GetEventSelectors on {arn}", client.get_event_selectors, sleep, 5, TrailName=arn
    )
    return {k: v for k, v in response.items() if k in ("EventSelectors", "AdvancedEventSelectors")}


def _parse(raw: dict[str, Any], arn: str) -> SelectorConfig:
    # Read profile: what CloudTrail returned is refused only when it cannot be judged soundly;
    # the plan built from it is checked with the write profile by the planner.
    try:
        config = parse_response(raw, profile="read")
        check_valid(config, profile="read")
    except SelectorError as exc:
        raise RemediationError("refused", f"cannot read the selectors of {arn}: {exc}") from exc
    return config


def _restore_request(config: SelectorConfig, raw: dict[str, Any]) -> dict[str, Any]:
    if config.kind == "basic":
        return {"EventSelectors": raw["EventSelectors"]}
    return {"AdvancedEventSelectors": selectors_to_api(effective_selectors(config))}


def _gained(before: Verdict) -> list[dict[str, Any]]:
    types: dict[str, list[str]] = {}
    for gap in before.gaps:
        types.setdefault(gap.resource_type, []).append(gap.event_name)
    return [{"resourceType": t, "eventNames": names} for t, names in types.items()]


def remediate(
    client_for: ClientFor,
    trail: str,
    region: str,
    requirement: Requirement,
    *,
    account_id: str | None = None,
    dry_run: bool = False,
    fill_exclusions: bool = False,
    sleep: Callable[[float], None] = time.sleep,
    max_replans: int = 3,
) -> RemediationResult:
    """Make ``trail`` log every event of ``requirement`` without losing anything it logs.

    ``client_for(region)`` returns a CloudTrail client for a region; ``region`` is where to
    look the trail up (its home region is found from there). ``account_id`` is the caller's
    account, used to refuse organization trails seen from member accounts. The requirement's
    accepted exclusions stay unlogged where the planner can say so, unless ``fill_exclusions``.
    """
    ref = find_trail(client_for(region), trail)
    if ref.is_organization_trail and account_id and account_id != ref.account_id:
        raise RemediationError(
            "refused",
            f"{ref.arn} is an organization trail of account {ref.account_id}; it can only be "
            "changed from the organization's management account or a CloudTrail delegated "
            "administrator",
        )
    client = client_for(ref.home_region)
    raw = _read(client, ref.arn, sleep)
    config = _parse(raw, ref.arn)
    for _ in range(max_replans + 1):
        try:
            proposal = plan(config, requirement, fill_exclusions)
        except PlanRefused as exc:
            raise RemediationError("refused", f"{ref.arn}: {exc}") from exc
        if not proposal.changed:
            return RemediationResult(
                ref, False, dry_run, raw, [], proposal.before, proposal.before,
                message="already compliant; nothing written",
            )  # fmt: skip
        planned = selectors_to_api(proposal.selectors)
        if dry_run:
            planned_config = SelectorConfig("advanced", advanced=proposal.selectors)
            verdict = evaluate(planned_config, requirement)
            return RemediationResult(
                ref, True, True, raw, planned, proposal.before, verdict, _gained(proposal.before),
                "dry run; nothing written",
            )  # fmt: skip
        current_raw = _read(client, ref.arn, sleep)
        current = _parse(current_raw, ref.arn)
        if current == config:
            break
        raw, config = current_raw, current  # changed since we read it: plan again
    else:
        raise RemediationError(
            "failed", f"{ref.arn}: the selectors kept changing while planning; try again later"
        )
    _call(
        f"PutEventSelectors on {ref.arn}",
        client.put_event_selectors,
        sleep,
        5,
        TrailName=ref.arn,
        AdvancedEventSelectors=planned,
    )
    after_raw = _read(client, ref.arn, sleep)
    after = _parse(after_raw, ref.arn)
    verdict_after = evaluate(after, requirement)
    lost = find_lost(config, after)  # the original configuration, not a conversion of it
    if not verdict_after.compliant or lost is not None:
        why = (
            f"an event logged before is no longer logged: {lost}"
            if lost is not None
            else f"still not compliant: {verdict_after.annotation}"
        )
        sleep(PUT_INTERVAL_SECONDS)
        _call(
            f"restoring the selectors of {ref.arn}",
            client.put_event_selectors,
            sleep,
            5,
            TrailName=ref.arn,
            **_restore_request(config, raw),
        )
        raise RemediationError(
            "restored",
            f"{ref.arn}: verification failed ({why}); the previous selectors were put back",
        )
    return RemediationResult(
        ref, True, False, raw, planned, proposal.before, verdict_after, _gained(proposal.before),
        "selectors updated and verified",
    )  # fmt: skip
