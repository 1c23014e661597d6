"""Reading trails, once for every entry point (the rule Lambdas, ``rule run``, ``scan``).

Error policy, the same everywhere: a read that fails is kept in the trail's facts, never
turned into a verdict. ``GetEventSelectors`` or ``GetTrailStatus`` failing leaves
``selectors`` / ``is_logging`` None with ``error`` saying why; ``ListTags`` failing leaves
``tags`` None with ``tags_error`` saying why, and a per-trail rule that has a tag exemption to
check then gives that trail no result (NotEvaluated: the run fails naming it, scan reports it
NOT_EVALUATED) rather than judging it "not exempt". A trail exempted by name (ExemptTrails)
stays exempted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from trailguard.aws.session import RETRY_CONFIG, error_text
from trailguard.rules.facts import TrailFacts

if TYPE_CHECKING:
    from mypy_boto3_cloudtrail import CloudTrailClient

TAGS_BATCH = 20  # ListTags takes at most 20 trail ARNs a call


def list_trails(client: CloudTrailClient) -> list[dict[str, Any]]:
    """Every trail visible from the client's region, shadow trails included."""
    return [dict(t) for t in client.describe_trails(includeShadowTrails=True).get("trailList", [])]


def read_trail_facts(
    client: CloudTrailClient,
    trail: dict[str, Any],
    tags: dict[str, str] | None = None,
    tags_error: str | None = None,
) -> TrailFacts:
    """Selectors and status of one trail, read by ARN with ``client`` (a CloudTrail client in
    the trail's home region: that works for shadow trails whether or not CloudTrail answers
    for them elsewhere), with its ``tags`` (or why they could not be read)."""
    arn = trail.get("TrailARN") or trail.get("trailARN") or ""
    selectors: dict[str, Any] | None = None
    logging: bool | None = None
    errors: list[str] = []
    try:
        response = client.get_event_selectors(TrailName=arn)
        selectors = {
            k: v for k, v in response.items() if k in ("EventSelectors", "AdvancedEventSelectors")
        }
    except (ClientError, BotoCoreError) as exc:
        errors.append(f"GetEventSelectors failed: {error_text(exc)}")
    try:
        logging = bool(client.get_trail_status(Name=arn)["IsLogging"])
    except (ClientError, BotoCoreError) as exc:
        errors.append(f"GetTrailStatus failed: {error_text(exc)}")
    return TrailFacts.from_description(
        trail,
        selectors=selectors,
        is_logging=logging,
        tags=tags,
        error="; ".join(errors) or None,
        tags_error=tags_error,
    )


@dataclass
class CentralReader:
    """Reads other accounts' organization trails for a central rule function, with its own
    credentials (``make_session()``: those of the management account or a CloudTrail delegated
    administrator), never through a member's role: AWS refuses a member's reads of them (field
    reports). The session is made at the first read; the facts say who read them."""

    account_id: str
    make_session: Callable[[], Any]
    _clients: dict[str, Any] = field(default_factory=dict)
    _session: Any = None

    def read(self, trail: dict[str, Any], region: str) -> TrailFacts:
        home = str(trail.get("HomeRegion") or region)
        if home not in self._clients:
            if self._session is None:
                self._session = self.make_session()
            self._clients[home] = self._session.client(
                "cloudtrail", region_name=home, config=RETRY_CONFIG
            )
        facts = read_trail_facts(self._clients[home], trail)
        return replace(facts, read_by=f"the central function in account {self.account_id}")


def read_tags(
    client: CloudTrailClient, arns: list[str]
) -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    """The tags of trails ``arns`` (of the client's account and home region), by ARN, in calls
    of at most :data:`TAGS_BATCH`; and, by ARN, why a trail's tags could not be read.

    Trails of different accounts never share a call: AWS refuses a member's ListTags on its
    organization trail (field reports), and one refused ARN fails the whole call, which would
    leave the account's own trails unread too."""
    found: dict[str, dict[str, str]] = {}
    failed: dict[str, str] = {}
    by_account: dict[str, list[str]] = {}
    for arn in arns:
        by_account.setdefault(arn.split(":")[4] if arn.count(":") >= 5 else "", []).append(arn)
    for same in by_account.values():
        for start in range(0, len(same), TAGS_BATCH):
            chunk = same[start : start + TAGS_BATCH]
            try:
                response = client.list_tags(ResourceIdList=chunk)
            except (ClientError, BotoCoreError) as exc:
                failed.update(dict.fromkeys(chunk, f"ListTags failed: {error_text(exc)}"))
                continue
            for item in response.get("ResourceTagList", []):
                found[item["ResourceId"]] = {
                    t["Key"]: t.get("Value", "") for t in item.get("TagsList", [])
                }
    # A trail ListTags answered without is untagged.
    return {arn: found.get(arn, {}) for arn in arns if arn not in failed}, failed
