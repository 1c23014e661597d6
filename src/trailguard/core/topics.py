"""Which resources (SNS topics, platform endpoints) a set of selectors records, one at a time.

A requirement names its events for every resource of a type. Narrowed to one resource, it
also accepts ``resources.ARN NotEquals [arn]`` as an exclusion (every other resource's events
may go unlogged) and is judged by :func:`trailguard.core.verdict.evaluate` like any other
requirement: the same strict reading of missing fields, the same accepted exclusions. A
resource is recorded when that verdict is COMPLIANT; a gap, certain or undocumented, leaves
it unrecorded, as it leaves a trail NON_COMPLIANT.

Fast for thousands of resources: a condition on ``resources.ARN`` (Equals, StartsWith,
EndsWith and their negations) holds for an ARN according to which of its constants the ARN
equals, starts with and ends with, and no other field of a record depends on the ARN. So two
ARNs that equal, start with and end with the same constants (of the selectors and of the
accepted exclusions) get the same answer: :class:`Coverage` judges one ARN of each such class
and remembers the answer. When the selectors cover the whole requirement (the usual case),
every resource is recorded without any search.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from trailguard.core.convert import effective_selectors
from trailguard.core.model import AdvancedSelector, FieldSelector, SelectorConfig
from trailguard.core.requirement import Requirement
from trailguard.core.verdict import Verdict, evaluate

ARN_FIELD = "resources.ARN"


def narrowed_requirement(requirement: Requirement, resource_type: str, arn: str) -> Requirement:
    """``requirement``'s events on ``resource_type``, for the resource ``arn`` only."""
    events = tuple(e for e in requirement.events if e.resource_type == resource_type)
    others = AdvancedSelector((FieldSelector(ARN_FIELD, not_equals=(arn,)),), f"other than {arn}")
    return Requirement(events, requirement.partition, (*requirement.exclusions, others))


@dataclass(frozen=True, slots=True)
class _Constants:
    """The constants of every condition on ``resources.ARN`` that can matter."""

    equals: frozenset[str]
    prefixes: tuple[str, ...]
    suffixes: tuple[str, ...]

    def signature(self, arn: str) -> tuple[bool, tuple[str, ...], tuple[str, ...]]:
        """What every condition on ``resources.ARN`` can tell of ``arn``."""
        return (
            arn in self.equals,
            tuple(p for p in self.prefixes if arn.startswith(p)),
            tuple(s for s in self.suffixes if arn.endswith(s)),
        )


def _constants(selectors: tuple[AdvancedSelector, ...]) -> _Constants:
    conditions = [fs for s in selectors for fs in s.field_selectors if fs.field == ARN_FIELD]
    return _Constants(
        frozenset(v for fs in conditions for v in (*fs.equals, *fs.not_equals)),
        tuple(sorted({v for fs in conditions for v in (*fs.starts_with, *fs.not_starts_with)})),
        tuple(sorted({v for fs in conditions for v in (*fs.ends_with, *fs.not_ends_with)})),
    )


class Coverage:
    """Which resources ``config`` records all of ``requirement``'s events for (thread-safe
    enough: a race only judges one class twice, with the same answer)."""

    def __init__(self, config: SelectorConfig, requirement: Requirement) -> None:
        self.config = config
        self.requirement = requirement
        self.whole = evaluate(config, requirement).compliant
        self._constants = _constants(effective_selectors(config) + requirement.exclusions)
        self._answers: dict[tuple[str, tuple[bool, tuple[str, ...], tuple[str, ...]]], bool] = {}
        self.searches = 0  # classes judged (for benchmarks)

    def records(self, resource_type: str, arn: str) -> bool:
        """Is every event of ``requirement`` on ``arn`` (a ``resource_type``) logged or excused?"""
        if self.whole:
            return True
        key = (resource_type, self._constants.signature(arn))
        answer = self._answers.get(key)
        if answer is None:
            self.searches += 1
            answer = evaluate(self.config, self.narrowed(resource_type, arn)).compliant
            self._answers[key] = answer
        return answer

    def narrowed(self, resource_type: str, arn: str) -> Requirement:
        return narrowed_requirement(self.requirement, resource_type, arn)

    def verdict(self, resource_type: str, arn: str, place: tuple[str, str] | None) -> Verdict:
        """The verdict on ``arn`` alone, its example event placed in ``place`` (region,
        account): an unlogged publish on that very resource when it is not recorded."""
        config = replace(self.config, place=place or self.config.place)
        return evaluate(config, self.narrowed(resource_type, arn))
