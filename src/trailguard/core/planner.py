"""The remediation planner: the selectors to put so a trail meets a requirement, losing nothing.

A put replaces a trail's whole selector list, and basic and advanced selectors cannot be mixed,
so the plan is always a complete ``AdvancedEventSelectors`` list built as:

1. what the trail logs today, as advanced selectors: kept verbatim when it already has
   advanced selectors (names, NetworkActivity selectors and all), converted when it has basic
   selectors (everything they log under either reading of the undocumented bucket-level S3
   events, see ``convert``), and ``eventCategory = Management`` when it has none;
2. plus, for each required resource type that is not fully logged, one selector
   ``eventCategory = Data, resources.type = <type>`` (2 condition values, no narrowing other
   than what keeps accepted exclusions unlogged, below).

Accepted exclusions are not filled in unless asked (``fill_exclusions``): the added selector
carries the negation of each exclusion that is one condition, with SELECT operators only, on a
field every record has (``resources.ARN``, ``eventName``, ``eventType``, ``readOnly``,
``eventSource``), e.g. ``resources.ARN StartsWith X`` becomes ``NotStartsWith X``. Any other
exclusion is filled in: a negated condition on a field a record may lack (``userIdentity.arn``)
cannot be shown to match the records without it, and the negation of an AND needs more than one
selector. If the narrowed selector would not meet the requirement or would be rejected, the
plan falls back to the unnarrowed one.

Keeping every existing selector makes coverage after a superset of coverage before; the added
selectors log every event of their type, so the requirement is met. The result is checked with
the validator (write profile, except for the selectors kept verbatim) and against the 500-value
limit: a plan that does not fit is refused, never trimmed.
"""

from __future__ import annotations

from dataclasses import dataclass

from trailguard.core.convert import kept_selectors
from trailguard.core.model import AdvancedSelector, FieldSelector, SelectorConfig
from trailguard.core.record import RECORD_FIELDS
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


def selector_for_type(
    resource_type: str, narrowing: tuple[FieldSelector, ...] = ()
) -> AdvancedSelector:
    """The selector that logs every data event of ``resource_type`` (but ``narrowing``)."""
    return AdvancedSelector(
        (
            FieldSelector("eventCategory", equals=("Data",)),
            FieldSelector("resources.type", equals=(resource_type,)),
            *narrowing,
        ),
        f"{ADDED_NAME_PREFIX}{resource_type} data events"
        + (" except accepted exclusions" if narrowing else ""),
    )


def _negation(exclusion: AdvancedSelector) -> FieldSelector | None:
    """One condition that holds exactly for the records ``exclusion`` does not match, when
    there is one a trail accepts; see the module docstring."""
    if len(exclusion.field_selectors) != 1:
        return None
    fs = exclusion.field_selectors[0]
    record = RECORD_FIELDS.get(fs.field)
    if fs.not_equals or fs.not_starts_with or fs.not_ends_with:
        return None
    if fs.field == "readOnly":  # Equals only: the complement among the two values
        rest = tuple(v for v in ("true", "false") if v not in fs.equals)
        return FieldSelector("readOnly", equals=rest) if rest and not fs.starts_with else None
    if fs.field not in ("eventName",) and (record is None or record.may_be_absent):
        return None
    return FieldSelector(
        fs.field, not_equals=fs.equals, not_starts_with=fs.starts_with, not_ends_with=fs.ends_with
    )


def _added(
    requirement: Requirement, missing: tuple[str, ...], fill: bool
) -> tuple[AdvancedSelector, ...]:
    negations = () if fill else tuple(filter(None, map(_negation, requirement.exclusions)))
    return tuple(selector_for_type(resource_type, negations) for resource_type in missing)


def plan(config: SelectorConfig, requirement: Requirement, fill_exclusions: bool = False) -> Plan:
    """The selectors to put on a trail configured as ``config``, or "no change".

    ``fill_exclusions``: the added selectors log the requirement's accepted exclusions too.
    """
    before = evaluate(config, requirement)
    if before.compliant:
        return Plan(False, before)
    kept = kept_selectors(config)
    missing = tuple(dict.fromkeys(gap.resource_type for gap in before.gaps))
    added = _added(requirement, missing, fill_exclusions)
    if not fill_exclusions and added != _added(requirement, missing, True):
        trial = SelectorConfig("advanced", advanced=kept + added, trail_arn=config.trail_arn)
        if validate_selectors(trial) or not evaluate(trial, requirement).compliant:
            added = _added(requirement, missing, True)
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
