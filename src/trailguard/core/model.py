"""Typed, frozen values for CloudTrail event selectors, as ``GetEventSelectors`` returns them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, NamedTuple

# The six operators of an AdvancedFieldSelector, in the order the API documents them.
SELECT_OPERATORS: tuple[str, ...] = ("Equals", "StartsWith", "EndsWith")
DESELECT_OPERATORS: tuple[str, ...] = ("NotEquals", "NotStartsWith", "NotEndsWith")
OPERATORS: tuple[str, ...] = SELECT_OPERATORS + DESELECT_OPERATORS

# Validation profiles (see trailguard.core.validate): "write" holds what trailguard puts on a
# trail to the strictest documented rules; "read" judges what CloudTrail returned (and so
# accepted), reporting what trailguard does not know as warnings instead of refusing it.
Profile = Literal["write", "read"]


class FieldSelector(NamedTuple):
    """One condition on one event field. Each operator holds its values (empty = absent).

    Selectors are immutable value objects; they are named tuples rather than frozen
    dataclasses because every trail evaluated builds a dozen of them, and a frozen
    dataclass is three times slower to construct.

    ``unknown`` holds the operators trailguard does not know, as (key, values) in input order;
    only the read profile of :func:`trailguard.core.parse.parse_response` fills it. They are
    kept so that a rewrite carries the condition over verbatim, and a condition holding any is
    never shown to hold (:meth:`accepts` is False): whether the operator selects or deselects,
    the selector can only lose coverage by it, never gain any.
    """

    field: str
    equals: tuple[str, ...] = ()
    starts_with: tuple[str, ...] = ()
    ends_with: tuple[str, ...] = ()
    not_equals: tuple[str, ...] = ()
    not_starts_with: tuple[str, ...] = ()
    not_ends_with: tuple[str, ...] = ()
    unknown: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def operators(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """(API operator name, values) for every operator present, in API order, then the
        unknown ones in input order."""
        # Written out, not looped: validation calls this for every field of every trail.
        out: list[tuple[str, tuple[str, ...]]] = []
        if self.equals:
            out.append(("Equals", self.equals))
        if self.starts_with:
            out.append(("StartsWith", self.starts_with))
        if self.ends_with:
            out.append(("EndsWith", self.ends_with))
        if self.not_equals:
            out.append(("NotEquals", self.not_equals))
        if self.not_starts_with:
            out.append(("NotStartsWith", self.not_starts_with))
        if self.not_ends_with:
            out.append(("NotEndsWith", self.not_ends_with))
        return (*out, *self.unknown) if self.unknown else tuple(out)

    def value_count(self) -> int:
        return (
            len(self.equals)
            + len(self.starts_with)
            + len(self.ends_with)
            + len(self.not_equals)
            + len(self.not_starts_with)
            + len(self.not_ends_with)
            + sum(len(values) for _, values in self.unknown)
        )

    def accepts(self, value: str | None) -> bool:
        """Whether an event whose field holds ``value`` satisfies this condition.

        SELECT operators are OR'd (none present means no restriction); any matching
        DESELECT value excludes. An event without the field satisfies no condition on it, and
        no event is shown to satisfy a condition with an unknown operator.
        """
        if value is None or self.unknown:
            return False
        # str.startswith/endswith take a tuple (an empty one matches nothing).
        if (self.equals or self.starts_with or self.ends_with) and not (
            value in self.equals
            or value.startswith(self.starts_with)
            or value.endswith(self.ends_with)
        ):
            return False
        return not (
            value in self.not_equals
            or value.startswith(self.not_starts_with)
            or value.endswith(self.not_ends_with)
        )


class AdvancedSelector(NamedTuple):
    """An advanced event selector: an event matches when every field selector accepts it."""

    field_selectors: tuple[FieldSelector, ...]
    name: str | None = None

    def fields(self, name: str) -> tuple[FieldSelector, ...]:
        return tuple(fs for fs in self.field_selectors if fs.field == name)

    def equals_values(self, name: str) -> tuple[str, ...]:
        """The Equals values of field ``name`` (all field selectors on it), in order."""
        return tuple(v for fs in self.fields(name) for v in fs.equals)

    @property
    def category(self) -> str | None:
        """The eventCategory this selector is for (its first Equals value), if any."""
        values = self.equals_values("eventCategory")
        return values[0] if values else None

    def value_count(self) -> int:
        return sum(fs.value_count() for fs in self.field_selectors)

    def matches(self, event: dict[str, str]) -> bool:
        return all(fs.accepts(event.get(fs.field)) for fs in self.field_selectors)


ReadWriteType = Literal["ReadOnly", "WriteOnly", "All"]


@dataclass(frozen=True, slots=True)
class DataResource:
    type: str
    values: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class BasicSelector:
    """A basic (legacy) event selector."""

    read_write_type: ReadWriteType = "All"
    include_management_events: bool = True
    data_resources: tuple[DataResource, ...] = ()
    exclude_management_event_sources: tuple[str, ...] = ()


SelectorKind = Literal["advanced", "basic", "default"]


@dataclass(frozen=True, slots=True)
class SelectorConfig:
    """What a trail is configured with, as read from ``GetEventSelectors``.

    ``kind`` is ``advanced`` or ``basic`` for the list the trail holds, and ``default`` when the
    response holds neither (or an empty list): a trail with nothing configured logs all
    management events and no data events.
    """

    kind: SelectorKind
    advanced: tuple[AdvancedSelector, ...] = ()
    basic: tuple[BasicSelector, ...] = ()
    trail_arn: str | None = None
    # Where an unlogged example event happens, (region, account): by default the trail's own,
    # from its ARN; a caller judging a region seen from another account sets its own.
    place: tuple[str, str] | None = None
