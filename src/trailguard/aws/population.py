"""The population of ``report --aggregator``: which accounts and regions should have results.

Expected: the organization's ACTIVE accounts (Organizations ``ListAccounts``, which only the
management account or a delegated administrator may call) times the regions the aggregator
collects from (``DescribeConfigurationAggregators``: each source's ``AwsRegions``; where a
source has ``AllAwsRegions``, the regions its sources' status or its results name, since the
aggregator says no more). When Organizations cannot be read, the population is the
aggregator's own sources (their ``AccountIds``; for an organization source, the accounts its
results name), marked "not verified against AWS Organizations" with the reason: an account
the aggregator does not collect from would then be missing unseen, so such a report is never
clean (:func:`unverified_entry`).

Each place is then one of (:func:`why_no_result`, in this order of precedence):

- not in the aggregator's sources (an account source without this account, or a source
  without this region);
- the source status (``DescribeConfigurationAggregatorSourcesStatus``) is FAILED (with its
  ``LastErrorCode``/``LastErrorMessage``) or OUTDATED ("the data is not the most recent");
  an organization source has one status per region, for all its accounts;
- no Config rule results at all (Config off, or no rule evaluated);
- Config rules with results, but none of trailguard's (the pack is missing);
- some rule of the pack without results, or its results unreadable;

or evaluated; or exempted, when it has its results and the given exemptions cover every rule
there, or when it has none and one exemption of every rule names its region (a region an SCP
closes: the exemption is the auditor's record of why; a blanket one never covers a place
without results, as :mod:`trailguard.reporting.views` decides for the findings).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from trailguard.aws.session import AWS_ERRORS, error_text
from trailguard.reporting.scope import Exemption, Place
from trailguard.rules.registry import rules

Where = tuple[str, str]  # account, region


@dataclass(frozen=True, slots=True)
class Source:
    """One source of an aggregator: accounts (None: the whole organization) and regions
    (None: all regions)."""

    accounts: frozenset[str] | None
    regions: frozenset[str] | None

    def covers(self, account: str, region: str) -> bool:
        in_accounts = self.accounts is None or account in self.accounts
        return in_accounts and (self.regions is None or region in self.regions)


@dataclass(frozen=True, slots=True)
class SourceStatus:
    source_id: str
    source_type: str  # ACCOUNT or ORGANIZATION
    region: str
    status: str  # SUCCEEDED, FAILED, OUTDATED
    error: str


def aggregator_sources(config: Any, aggregator: str) -> list[Source]:
    """The aggregator's sources (raises NoSuchConfigurationAggregatorException if none)."""
    found = config.describe_configuration_aggregators(ConfigurationAggregatorNames=[aggregator])
    sources: list[Source] = []
    for each in found.get("ConfigurationAggregators", []):
        for item in each.get("AccountAggregationSources", []):
            sources.append(Source(frozenset(item.get("AccountIds", [])), _regions(item)))
        organization = each.get("OrganizationAggregationSource")
        if organization:
            sources.append(Source(None, _regions(organization)))
    return sources


def _regions(source: dict[str, Any]) -> frozenset[str] | None:
    return None if source.get("AllAwsRegions") else frozenset(source.get("AwsRegions", []))


def source_statuses(config: Any, aggregator: str) -> list[SourceStatus]:
    """Each source's last update status, every page (a ``NextToken`` loop: the client may be
    a model of the API without botocore's paginators)."""
    statuses = []
    token: str | None = None
    while True:
        more = {"NextToken": token} if token else {}
        page = config.describe_configuration_aggregator_sources_status(
            ConfigurationAggregatorName=aggregator, **more
        )
        for item in page.get("AggregatedSourceStatusList", []):
            code, message = item.get("LastErrorCode", ""), item.get("LastErrorMessage", "")
            statuses.append(
                SourceStatus(
                    source_id=item.get("SourceId", ""),
                    source_type=item.get("SourceType", ""),
                    region=item.get("AwsRegion", ""),
                    status=item.get("LastUpdateStatus", ""),
                    error=": ".join(part for part in (code, message) if part),
                )
            )
        token = page.get("NextToken")
        if not token:
            return statuses


def organization_accounts(organizations: Any | None) -> tuple[list[str] | None, str]:
    """The organization's ACTIVE accounts, or None and why they cannot be read. An account's
    ``State`` is read, else its older ``Status`` (both are in the API; ``Status`` is being
    retired)."""
    if organizations is None:
        return None, "no AWS Organizations client"
    accounts: list[str] = []
    try:
        for page in organizations.get_paginator("list_accounts").paginate():
            for account in page.get("Accounts", []):
                if account.get("State", account.get("Status")) == "ACTIVE":
                    accounts.append(account["Id"])
    except AWS_ERRORS as exc:
        return None, error_text(exc)
    return sorted(set(accounts)), ""


def expected_regions(
    sources: Sequence[Source], statuses: Sequence[SourceStatus], seen: Iterable[Where]
) -> list[str]:
    """The regions the aggregator collects from: its sources' regions; for a source with all
    regions, also those its status or its results name."""
    regions: set[str] = set()
    for source in sources:
        if source.regions is None:
            regions |= {s.region for s in statuses} | {region for _, region in seen}
        else:
            regions |= source.regions
    return sorted(r for r in regions if r)


def source_accounts(sources: Sequence[Source], seen: Iterable[Where]) -> list[str]:
    """The accounts the aggregator's sources name (for an organization source, those its
    results name): the population when Organizations cannot be read."""
    accounts: set[str] = set()
    for source in sources:
        accounts |= {a for a, _ in seen} if source.accounts is None else set(source.accounts)
    return sorted(accounts)


class Statuses:
    """The sources' statuses, found by account and region: the account's own, else the
    organization source's in that region (the first listed of each)."""

    def __init__(self, statuses: Iterable[SourceStatus]) -> None:
        self.own: dict[Where, SourceStatus] = {}
        self.organization: dict[str, SourceStatus] = {}
        for status in statuses:
            if status.source_type == "ACCOUNT":
                self.own.setdefault((status.source_id, status.region), status)
            elif status.source_type == "ORGANIZATION":
                self.organization.setdefault(status.region, status)

    def of(self, account: str, region: str) -> SourceStatus | None:
        return self.own.get((account, region)) or self.organization.get(region)


def why_no_result(
    where: Where,
    sources: Sequence[Source],
    statuses: Statuses,
    aggregator: str,
) -> str | None:
    """Why a place has no result for a reason of the aggregator's own (sources, status);
    None when the aggregator collects from it as it should."""
    account, region = where
    if not any(source.covers(account, region) for source in sources):
        return (
            f"not in the sources of the aggregator {aggregator}: it does not collect from "
            "this account and region"
        )
    status = statuses.of(account, region)
    if status is not None and status.status == "FAILED":
        return f"the aggregator's source status is FAILED: {status.error or 'no error given'}"
    if status is not None and status.status == "OUTDATED":
        return "the aggregator's source status is OUTDATED: its data from here is not the latest"
    return None


def exemption_of(
    exemptions: Sequence[Exemption], account: str, region: str, missing: bool = False
) -> str | None:
    """Why the place is exempted, when the exemptions cover every rule there (``missing``:
    it has no result, and only an exemption of every rule that names the region covers it)."""
    if missing:
        named = (e for e in exemptions if e.region != "*" and e.matches(account, region, "*"))
        found = next(named, None)
        return None if found is None else found.describe()
    used: list[Exemption] = []
    for each in rules():
        match = next((e for e in exemptions if e.matches(account, region, each.id)), None)
        if match is None:
            return None
        if match not in used:
            used.append(match)
    return "; ".join(e.describe() for e in used) if used else None


def place(where: Where, reasons: Sequence[str], exempted: str | None) -> Place:
    account, region = where
    if exempted is not None:
        return Place(account, region, "exempted", exempted)
    if reasons:
        return Place(account, region, "no result", "; ".join(reasons))
    return Place(account, region, "evaluated")


def unverified_reason(why: str) -> str:
    return f"not verified against AWS Organizations: {why}"


def unverified_entry_text(why: str) -> str:
    """The NOT_EVALUATED annotation that keeps an unverified population from a clean pass."""
    return (
        f"the population is {unverified_reason(why)}; an account the aggregator does not "
        "collect from cannot be seen, so this report cannot be a pass (read it as the "
        "management account or a delegated administrator: organizations:ListAccounts)"
    )
