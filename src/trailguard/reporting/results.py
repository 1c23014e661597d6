"""What ``check``, ``plan`` and ``remediate`` show, as values the formats render.

Pure data: built by the CLI from the core's results (and, for ``remediate``, from the AWS
adapter's result, seen here only through :class:`RemediationView`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from trailguard.core import (
    AdvancedSelector,
    Requirement,
    SelectorConfig,
    Verdict,
    selectors_to_api,
)
from trailguard.core.exclusions import exclusions_to_api
from trailguard.rules.facts import Finding
from trailguard.rules.sns_data_events_enabled import RULE_ID as TRAIL_RULE_ID

from .finding import now_text
from .model import TRAIL_TYPE, entry_from_finding

STDIN = "-"


def verdict_finding(
    *,
    resource_id: str,
    trail_arn: str | None,
    compliance: str,
    annotation: str,
    evaluated_at: str,
    verdict: Verdict | None = None,
    resource_type: str = TRAIL_TYPE,
) -> dict[str, Any]:
    """A verdict reached offline (``check``, ``iac``) as a finding of the per-trail rule, in
    the shape of ``schema/finding.schema.json``: account and region from the trail ARN, null
    when there is none; the resource is the trail's name (else ``resource_id``)."""
    account = region = None
    if trail_arn and trail_arn.count(":") >= 5:
        _, _, _, region, account, rest = trail_arn.split(":", 5)
        resource_id = rest.removeprefix("trail/") or resource_id
    finding = Finding(
        rule_id=TRAIL_RULE_ID,
        resource_type=resource_type,
        resource_id=resource_id,
        compliance=compliance,
        annotation=annotation,
        account_id=account or "",
        region=region or "",
        trail_arn=trail_arn,
        verdict=verdict,
    )
    entry = entry_from_finding(finding, None)
    return {
        **entry.to_dict(),
        "accountId": account or None,
        "region": region or None,
        "evaluatedAt": evaluated_at,
    }


@dataclass(frozen=True)
class CheckResult:
    """The verdict on one input of ``check``.

    ``source`` is the file named (``-``: standard input); ``piped`` is True when that input was
    read from a pipe, so that the fix cannot say "run this again on the same file".
    """

    source: str
    config: SelectorConfig
    requirement: Requirement
    verdict: Verdict
    warnings: tuple[str, ...] = ()
    piped: bool = False
    evaluated_at: str = field(default_factory=now_text)  # the run's time

    @property
    def name(self) -> str:
        """The input, as messages name it."""
        return "standard input" if self.source == STDIN else self.source

    def to_dict(self) -> dict[str, Any]:
        payload: dict[str, Any] = {"trailARN": self.config.trail_arn, **self.verdict.to_dict()}
        payload["requirement"] = [
            {"resourceType": t, "eventNames": list(self.requirement.event_names(t))}
            for t in self.requirement.resource_types
        ]
        payload["acceptedExclusions"] = exclusions_to_api(self.requirement.exclusions)
        payload["warnings"] = list(self.warnings)
        return payload

    def finding(self) -> dict[str, Any]:
        """The verdict as a finding of the per-trail rule (``schema/finding.schema.json``)."""
        return verdict_finding(
            resource_id=self.source,
            trail_arn=self.config.trail_arn,
            compliance=self.verdict.compliance,
            annotation=self.verdict.annotation,
            evaluated_at=self.evaluated_at,
            verdict=self.verdict,
        )


@dataclass(frozen=True)
class PlanResult:
    """The selectors ``plan`` proposes: the full list to put when ``changed``."""

    changed: bool
    selectors: Sequence[AdvancedSelector] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        payload: dict[str, Any] = {"changed": self.changed}
        if self.changed:
            payload["AdvancedEventSelectors"] = selectors_to_api(tuple(self.selectors))
        return payload


class TrailView(Protocol):
    @property
    def arn(self) -> str: ...
    @property
    def home_region(self) -> str: ...


class RemediationView(Protocol):
    """What ``remediate`` did (``trailguard.aws.remediate.RemediationResult``)."""

    @property
    def trail(self) -> TrailView: ...
    @property
    def outcome(self) -> str: ...
    @property
    def reason(self) -> str: ...
    @property
    def message(self) -> str: ...
    @property
    def changed(self) -> bool: ...
    @property
    def verified(self) -> bool: ...
    @property
    def restored(self) -> bool: ...
    @property
    def gained(self) -> Sequence[dict[str, Any]]: ...
    @property
    def before(self) -> Any: ...
    @property
    def after(self) -> Any: ...
    def to_dict(self) -> dict[str, Any]: ...
