"""The remediation planner: the selectors to put so a trail meets a requirement, losing nothing.

A put replaces a trail's whole selector list, and basic and advanced selectors cannot be mixed,
so the plan is always a complete ``AdvancedEventSelectors`` list built as:

1. what the trail logs today, as advanced selectors: kept verbatim when it already has
   advanced selectors (names, NetworkActivity selectors and all), converted exactly when it
   has basic selectors, and ``eventCategory = Management`` when it has none;
2. plus, for each required resource type that is not fully logged, one selector
   ``eventCategory = Data, resources.type = <type>`` (2 condition values, no narrowing).

Keeping every existing selector makes coverage after a superset of coverage before; the added
selectors log every event of their type, so the requirement is met. The result is checked with
the validator (write profile, except for the selectors kept verbatim) and against the 500-value
limit: a plan that does not fit is refused, never trimmed.
"""

from __future__ import annotations

from dataclasses import dataclass

from trailguard.core.convert import effective_selectors
from trailguard.core.model import AdvancedSelector, FieldSelector, SelectorConfig
from trailguard.core.requirement import Requirement
from trailguard.core.validate import MAX_ADVANCED_VALUES, validate_selectors
from trailguard.core.verdict import Verdict, evaluate

ADDED_NAME_PREFIX = "trailguard: log all "


class PlanRefused(Exception):
    """No plan both keeps everything the trail logs and meets the requirement."""


@dataclass(frozen=True, slots=True)
class Plan:
    """``selectors`` is the full list to put; it is empty when ``changed`` is False."""

    changed: bool
    before: Verdict
    selectors: tuple[AdvancedSelector, ...] = ()
    added: tuple[AdvancedSelector, ...] = ()
    converted_from: str | None = None  # "basic" or "default" when the list was rewritten


def selector_for_type(resource_type: str) -> AdvancedSelector:
    """The selector that logs every data event of ``resource_type``."""
    return AdvancedSelector(
        (
            FieldSelector("eventCategory", equals=("Data",)),
            FieldSelector("resources.type", equals=(resource_type,)),
        ),
        f"{ADDED_NAME_PREFIX}{resource_type} data events",
    )


def plan(config: SelectorConfig, requirement: Requirement) -> Plan:
    """The selectors to put on a trail configured as ``config``, or "no change"."""
    before = evaluate(config, requirement)
    if before.compliant:
        return Plan(False, before)
    kept = effective_selectors(config)
    missing = tuple(dict.fromkeys(gap.resource_type for gap in before.gaps))
    added = tuple(selector_for_type(resource_type) for resource_type in missing)
    selectors = kept + added
    total = sum(selector.value_count() for selector in selectors)
    if total > MAX_ADVANCED_VALUES:
        kept_values = sum(selector.value_count() for selector in kept)
        raise PlanRefused(
            f"the trail's selectors use {kept_values} condition values; adding "
            f"{total - kept_values} for {', '.join(missing)} would exceed CloudTrail's limit of "
            f"{MAX_ADVANCED_VALUES}; free values (e.g. merge or drop narrow selectors) and retry"
        )
    result = SelectorConfig("advanced", advanced=selectors, trail_arn=config.trail_arn)
    # What trailguard adds or converts is held to the write profile; selectors kept verbatim
    # from the trail were accepted by CloudTrail already, so only the read profile applies.
    carried = len(kept) if config.kind == "advanced" else 0
    problems = validate_selectors(result, carried=carried)
    if problems:
        raise PlanRefused(f"the planned selectors would be rejected: {problems[0]}")
    after = evaluate(result, requirement)
    if not after.compliant:  # cannot happen: each added selector logs its whole type
        raise PlanRefused(f"the planned selectors would still not comply: {after.annotation}")
    converted = None if config.kind == "advanced" else config.kind
    return Plan(True, before, selectors, added, converted)
