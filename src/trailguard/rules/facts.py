"""What every rule decides from: a trail's facts, a finding, and the per-trail verdict.

Pure (no I/O): the Config rule Lambda, ``trailguard rule run`` and ``trailguard scan`` all
gather the same facts (a trail's description, its selectors, its status, its tags) and hand
them to the rules declared in :mod:`trailguard.rules.registry`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from trailguard.core.errors import SelectorError
from trailguard.core.model import SelectorConfig
from trailguard.core.parse import parse_response
from trailguard.core.verdict import Verdict, evaluate
from trailguard.rules.parameters import RuleParameters

NOT_APPLICABLE = "NOT_APPLICABLE"


@dataclass(frozen=True, slots=True)
class TrailFacts:
    """What is known of one trail, as seen from one account and region.

    ``selectors`` is the ``GetEventSelectors`` response and ``is_logging`` the
    ``GetTrailStatus`` answer; either is None when it was not (or could not be) read, and then
    ``error`` says why. ``tags`` is None when the tags were not read; ``tags_error`` says
    why when reading them failed (see :mod:`trailguard.aws.trails` for the policy).
    """

    name: str
    arn: str
    home_region: str
    is_multi_region: bool = False
    is_organization: bool = False
    selectors: dict[str, Any] | None = None
    is_logging: bool | None = None
    tags: dict[str, str] | None = None
    error: str | None = None
    tags_error: str | None = None
    read_by: str = ""

    @property
    def account_id(self) -> str:
        """The account in the trail's ARN ("" when the ARN is not one)."""
        parts = self.arn.split(":")
        return parts[4] if len(parts) > 5 else ""

    @property
    def partition(self) -> str:
        parts = self.arn.split(":")
        return parts[1] if len(parts) > 5 else "aws"

    def owned_elsewhere(self, account_id: str) -> bool:
        """Is this an organization trail of another account than ``account_id`` (as member
        accounts see their management account's)? Only its owner (or a CloudTrail delegated
        administrator) can be relied on to read its selectors."""
        return self.is_organization and self.account_id not in ("", account_id)

    def applies_to(self, region: str) -> bool:
        """Does the trail log data events of ``region``? Only when it is homed there or is a
        multi-region trail: an organization trail can be single-region (IsOrganizationTrail
        and IsMultiRegionTrail are independent), and then logs its home region only."""
        return self.home_region == region or self.is_multi_region

    @classmethod
    def from_description(cls, trail: dict[str, Any], **facts: Any) -> TrailFacts:
        """From one item of ``DescribeTrails`` (or a configuration item's configuration)."""
        arn = trail.get("TrailARN") or trail.get("trailARN") or ""
        return cls(
            name=trail.get("Name") or trail.get("name") or arn.rsplit("/", 1)[-1],
            arn=arn,
            home_region=trail.get("HomeRegion") or trail.get("homeRegion") or "",
            is_multi_region=bool(trail.get("IsMultiRegionTrail", trail.get("isMultiRegionTrail"))),
            is_organization=bool(
                trail.get("IsOrganizationTrail", trail.get("isOrganizationTrail"))
            ),
            **facts,
        )


@dataclass(frozen=True, slots=True)
class Finding:
    """One evaluation, as a Config rule puts it, with the evidence behind it.

    ``annotation`` is what AWS Config gets (cut to its 256 characters); ``full_annotation`` is
    the whole text a report shows (None: the annotation is whole). ``fix_trail``: for an
    account-region finding, the trail its fix should change (the closest applicable one),
    None when no trail applies or none was named.
    """

    rule_id: str
    resource_type: str
    resource_id: str
    compliance: str
    annotation: str
    account_id: str
    region: str
    trail_arn: str | None = None
    verdict: Verdict | None = field(default=None, compare=False)
    full_annotation: str | None = field(default=None, compare=False)
    fix_trail: TrailFacts | None = field(default=None, compare=False)

    @property
    def text(self) -> str:
        """The whole annotation: what a report shows (Config gets ``annotation``)."""
        return self.full_annotation or self.annotation


def whole(verdict: Verdict) -> str:
    """The verdict's whole annotation (its ``annotation`` is cut to AWS Config's limit)."""
    return verdict.full or verdict.annotation


class NotEvaluated(Exception):
    """A trail's facts could not be read, so no verdict may be given (never COMPLIANT)."""


def trail_config(facts: TrailFacts) -> SelectorConfig:
    """The trail's selectors, parsed; NotEvaluated when they were not read or do not parse."""
    if facts.selectors is None:
        raise NotEvaluated(f"{facts.arn}: {facts.error or 'event selectors not read'}")
    try:
        # Read profile: keep an operator trailguard does not know (it only narrows the
        # selector) rather than leave a trail CloudTrail accepted unevaluated.
        return parse_response({"TrailARN": facts.arn or None, **facts.selectors}, profile="read")
    except SelectorError as exc:
        raise NotEvaluated(f"{facts.arn}: unreadable event selectors: {exc}") from exc


def trail_verdict(facts: TrailFacts, params: RuleParameters) -> Verdict:
    """The core's verdict on the trail's selectors; NotEvaluated when they were not read."""
    return evaluate(trail_config(facts), params.requirement(facts.partition))
