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

STDIN = "-"


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
