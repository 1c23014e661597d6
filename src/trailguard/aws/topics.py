"""``trailguard scan``: the real SNS topics at stake in each account and region.

Per account-region whose trails were listed, one paginated ``ListTopics`` (100 topics a page)
through the account's own session; and, only when the rule parameters require
``AWS::SNS::PlatformEndpoint``, ``ListPlatformApplications`` and, per application,
``ListEndpointsByPlatformApplication``, at most :data:`MAX_ENDPOINTS` endpoints in all (a
mobile app can have millions; the finding then says the listing stopped there). Every call is
paced by the scanner's limiter at SNS's documented quota per account and region (ListTopics 30
a second; see :data:`trailguard.aws.limiter.SNS_TPS` for the source).

Each listed resource is then judged exactly (:mod:`trailguard.rules.topics`) from the same
trails as the account rule, and the account-region finding gets, in the report, the ARNs whose
publishes go unrecorded and how many were checked (:class:`TopicsAtStake`); a NON_COMPLIANT
finding's example event names the first unrecorded topic, in that account and region (any
topic there, when none is named). A listing that fails (AccessDenied, ...) is never a pass: the
finding says the topics were not listed and why, names none, and keeps its verdict.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from trailguard.aws.session import error_text
from trailguard.reporting.topics import TopicsAtStake
from trailguard.rules.facts import TrailFacts
from trailguard.rules.registry import rules
from trailguard.rules.topics import ENDPOINT_TYPE, TOPIC_TYPE, Resource, TopicJudge

if TYPE_CHECKING:
    from trailguard.aws.scan import Listed, Scanner, Target

MAX_ENDPOINTS = 10_000  # platform endpoints listed per account and region, at most
NON_COMPLIANT = "NON_COMPLIANT"


@dataclasses.dataclass(frozen=True, slots=True)
class Listing:
    """What one account-region's listing found: the resources, or why it failed (``error``);
    ``note`` says when it stopped early."""

    resources: tuple[Resource, ...] = ()
    error: str | None = None
    note: str | None = None


def _pages(client: Any, operation: str, key: str, **params: Any) -> Any:
    for page in client.get_paginator(operation).paginate(**params):
        yield from page.get(key, [])


def list_resources(client: Any, endpoints: bool) -> Listing:
    """The topics (and, with ``endpoints``, platform endpoints) ``client``'s account and region
    holds; ``error`` (nothing listed) when a call fails."""
    step = "ListTopics"
    try:
        found = [(TOPIC_TYPE, t["TopicArn"]) for t in _pages(client, "list_topics", "Topics")]
        note = None
        if endpoints:
            step = "ListPlatformApplications"
            apps = [
                a["PlatformApplicationArn"]
                for a in _pages(client, "list_platform_applications", "PlatformApplications")
            ]
            step = "ListEndpointsByPlatformApplication"
            listed = 0
            for app in apps:
                pages = _pages(
                    client,
                    "list_endpoints_by_platform_application",
                    "Endpoints",
                    PlatformApplicationArn=app,
                )
                for endpoint in pages:
                    if listed == MAX_ENDPOINTS:
                        note = f"platform endpoints listed up to {MAX_ENDPOINTS} only"
                        break
                    found.append((ENDPOINT_TYPE, endpoint["EndpointArn"]))
                    listed += 1
                if note:
                    break
    except (ClientError, BotoCoreError) as exc:
        return Listing(error=f"{step} failed: {error_text(exc)}")
    return Listing(tuple(found), note=note)


def list_topics(
    scanner: Scanner, listed: Listed, by_account: dict[str, Target]
) -> dict[tuple[str, str], Listing]:
    """One listing per account-region whose trails were listed, in the scanner's pool."""
    endpoints = ENDPOINT_TYPE in scanner.params.resource_types
    listings: dict[tuple[str, str], Listing] = {}

    def lister(account: str, region: str) -> Any:
        def job() -> None:
            client = scanner.sns_client(by_account[account], region)
            found = list_resources(client, endpoints)
            with scanner._lock:
                listings[(account, region)] = found

        return job

    places = sorted(listed)
    scanner._run("listing topics", (lister(*p) for p in places), len(places))
    return listings


def judge_topics(
    scanner: Scanner, listed: Listed, listings: dict[tuple[str, str], Listing]
) -> None:
    """Each account-region finding: its example placed there (on an unrecorded topic when there
    is one), and, where topics were listed, the topics at stake (``scanner.result.topics``)."""
    result = scanner.result
    scopes = {r.id: r.scope for r in rules()}
    judge = TopicJudge(scanner.params)
    for i, finding in enumerate(result.findings):
        where = (finding.account_id, finding.region)
        if scopes.get(finding.rule_id) != "account-region" or where not in listed:
            continue
        seen = [result.facts[arn] for arn in listed[where] if arn in result.facts]
        listing = listings.get(where)
        resources = listing.resources if listing else ()
        partition = _partition(resources, seen)
        judged = judge.judge(*where, seen, resources, partition)
        if finding.compliance == NON_COMPLIANT:
            result.findings[i] = dataclasses.replace(finding, verdict=judged.verdict)
        if listing is not None and listing.error:
            result.topics[where] = TopicsAtStake(None, None, error=listing.error)
        elif listing is not None:
            result.topics[where] = TopicsAtStake(
                judged.unrecorded, judged.checked, note=listing.note
            )


def _partition(resources: tuple[Resource, ...], seen: list[TrailFacts]) -> str:
    arns = [arn for _, arn in resources] + [t.arn for t in seen]
    return next((a.split(":")[1] for a in arns if a.count(":") >= 5), "aws")
