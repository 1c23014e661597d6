"""What a remediation run ends in: the outcomes, the result object and the trail it names.

Shared by :mod:`trailguard.aws.remediate` (which produces them), the CLI and the SSM step
scripts (which report them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from trailguard.core.verdict import Verdict

# Outcomes, and what each says about the trail (exit codes: trailguard.cli, README).
OUTCOME_COMPLIANT = "compliant"  # already met the requirement; nothing written
OUTCOME_PLANNED = "planned"  # dry run; nothing written
OUTCOME_UPDATED = "updated"  # put, read back: requirement met and nothing logged before is lost
# nothing written: cannot be done safely (no plan, unreadable selectors), or AWS refused this
# account an organization trail (remediate_calls.ORG_TRAIL_REFUSALS)
OUTCOME_REFUSED = "refused"
OUTCOME_FAILED = "failed"  # nothing written: an API call failed
OUTCOME_DEFERRED = "deferred"  # nothing written: ConflictException/throttling until the deadline
OUTCOME_UNCONFIRMED = "unconfirmed"  # put accepted; no read showed it by the deadline; left as put
OUTCOME_RESTORED = "restored"  # put, judged wrong when read back, put back by compare-and-swap
OUTCOME_LEFT = "left"  # another writer changed the trail; left as they made it, reported
# The CLI only (trailguard.cli.remediate reads GetTrailStatus; the SSM steps do not): the
# selectors met the requirement, but the trail is not logging; nothing written.
OUTCOME_STOPPED = "stopped"
OUTCOMES = (
    OUTCOME_COMPLIANT,
    OUTCOME_PLANNED,
    OUTCOME_UPDATED,
    OUTCOME_REFUSED,
    OUTCOME_FAILED,
    OUTCOME_DEFERRED,
    OUTCOME_UNCONFIRMED,
    OUTCOME_RESTORED,
    OUTCOME_LEFT,
    OUTCOME_STOPPED,
)


class RemediationError(Exception):
    """The trail could not be identified (DescribeTrails failed, or no such trail): there is
    no result to report. ``kind`` is ``failed``; nothing was written."""

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
    """How a run ended. ``changed``: a put of this run succeeded. ``verified``: a read showed
    the trail meeting the requirement with nothing it logged before lost. ``restored``: a put
    of this run was undone by a compare-and-swap restore. ``reason`` says why, naming the
    trail and any failed operation."""

    trail: TrailRef
    outcome: str
    changed: bool
    verified: bool
    restored: bool
    reason: str
    dry_run: bool = False
    before: dict[str, Any] = field(default_factory=dict)  # as first read (GetEventSelectors)
    after: list[dict[str, Any]] = field(default_factory=list)  # last put (or planned)
    final: dict[str, Any] | None = None  # the selectors the last judged read showed
    verdict_before: Verdict | None = None
    verdict_after: Verdict | None = None
    gained: list[dict[str, Any]] = field(default_factory=list)
    writes: int = 0
    other_writer: bool = False
    is_logging: bool | None = None  # GetTrailStatus, when the CLI read it (None: not read)

    @property
    def message(self) -> str:
        return self.reason

    def to_dict(self) -> dict[str, Any]:
        def compliance(verdict: Verdict | None) -> str | None:
            return verdict.compliance if verdict is not None else None

        return {
            "trailARN": self.trail.arn,
            "homeRegion": self.trail.home_region,
            "outcome": self.outcome,
            "changed": self.changed,
            "verified": self.verified,
            "restored": self.restored,
            "dryRun": self.dry_run,
            "reason": self.reason,
            "gained": self.gained,
            "before": self.before,
            "after": {"AdvancedEventSelectors": self.after} if self.after else None,
            "final": self.final,
            "writes": self.writes,
            "otherWriter": self.other_writer,
            "isLogging": self.is_logging,
            "complianceBefore": compliance(self.verdict_before),
            "complianceAfter": compliance(self.verdict_after),
        }
