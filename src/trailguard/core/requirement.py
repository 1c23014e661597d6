"""A requirement: which data events a trail must log, described as data.

Each required event is one (resource type, event name) with the event fields that are fixed for
it (``eventCategory``, ``resources.type``, ``eventName``, ``eventSource``, and ``readOnly``
where known) and the fields that range over a domain (``resources.ARN``, ``userIdentity.arn``,
``sessionCredentialFromConsole``, ``eventType``, ...), each as :mod:`trailguard.core.record`
documents it, absent values included. Covered means: every event with the fixed values, for
every combination of values of the free fields, is logged, or is matched by one of the
requirement's accepted exclusions.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from trailguard.core.catalog import DATA_EVENT_TYPES
from trailguard.core.errors import SelectorError
from trailguard.core.model import AdvancedSelector
from trailguard.core.record import (
    CALLER_ARN,
    CONSOLE_SESSION,
    EVENT_SOURCE,
    EVENT_TYPE,
    READ_ONLY,
    RESOURCE_ARN,
    RecordField,
)
from trailguard.core.search import Dimension

DEFAULT_RESOURCE_TYPES: tuple[str, ...] = ("AWS::SNS::Topic",)


def _dimension(record: RecordField, prefix: str = "") -> Dimension:
    return Dimension(
        record.field, prefix=prefix, choices=record.choices, may_be_absent=record.may_be_absent
    )


@dataclass(frozen=True, slots=True)
class RequiredEvent:
    resource_type: str
    event_name: str
    fixed: tuple[tuple[str, str], ...]
    free: tuple[Dimension, ...]
    example_arn: str | None = None
    # Hashed once: verdicts look events up in caches for every trail evaluated.
    _hash: int = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        key = (self.resource_type, self.event_name, self.fixed, self.free, self.example_arn)
        object.__setattr__(self, "_hash", hash(key))

    def __hash__(self) -> int:
        return self._hash


@dataclass(frozen=True, slots=True)
class Requirement:
    """The events to log. ``exclusions`` are accepted exclusions: events matching any of them
    (each read like a selector, a missing field satisfying none of its conditions) may go
    unlogged."""

    events: tuple[RequiredEvent, ...]
    partition: str = "aws"
    exclusions: tuple[AdvancedSelector, ...] = ()
    _hash: int = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_hash", hash((self.events, self.partition, self.exclusions)))

    def __hash__(self) -> int:
        return self._hash

    @property
    def resource_types(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(e.resource_type for e in self.events))

    def event_names(self, resource_type: str) -> tuple[str, ...]:
        return tuple(e.event_name for e in self.events if e.resource_type == resource_type)


def _required_event(resource_type: str, event_name: str, partition: str) -> RequiredEvent:
    info = DATA_EVENT_TYPES.get(resource_type)
    fixed: dict[str, str] = {
        "eventCategory": "Data",
        "resources.type": resource_type,
        "eventName": event_name,
    }
    free: list[Dimension] = []
    if info is None:
        arn_prefix = f"arn:{partition}:"
        free.append(_dimension(EVENT_SOURCE))
        read_only = None
        example = None
    else:
        arn_prefix = f"arn:{partition}:{info.arn_service}:"
        fixed["eventSource"] = info.event_source
        read_only = info.read_only(event_name)
        example = info.example_arn_for(event_name, partition)
    if read_only is None:
        free.append(_dimension(READ_ONLY))
    else:
        fixed["readOnly"] = read_only
    free[:0] = [
        _dimension(RESOURCE_ARN, arn_prefix),
        _dimension(CALLER_ARN, f"arn:{partition}:"),
        _dimension(CONSOLE_SESSION),
        _dimension(EVENT_TYPE),
    ]
    return RequiredEvent(resource_type, event_name, tuple(fixed.items()), tuple(free), example)


def build_requirement(
    resource_types: tuple[str, ...] | list[str] | None = None,
    event_names: tuple[str, ...] | list[str] | None = None,
    partition: str = "aws",
    exclusions: tuple[AdvancedSelector, ...] = (),
) -> Requirement:
    """The requirement for ``resource_types`` (default: SNS topics).

    ``event_names`` narrows every type to those names; by default each type requires every
    data event the catalog knows for it. ``exclusions`` (see
    :func:`trailguard.core.exclusions.parse_exclusions`) may go unlogged. A type the catalog
    does not know needs explicit ``event_names``; a name the catalog does not list for a known
    type is an error.
    """
    types = tuple(dict.fromkeys(resource_types or DEFAULT_RESOURCE_TYPES))
    events: list[RequiredEvent] = []
    for resource_type in types:
        info = DATA_EVENT_TYPES.get(resource_type)
        if event_names:
            names = tuple(dict.fromkeys(event_names))
            if info is not None:
                unknown = [n for n in names if n not in info.event_names()]
                if unknown:
                    verb = "is not a data event" if len(unknown) == 1 else "are not data events"
                    raise SelectorError(
                        "--event-names",
                        f"{', '.join(unknown)} {verb} of {resource_type} "
                        f"(known: {', '.join(info.event_names())})",
                    )
        elif info is None:
            known = ", ".join(DATA_EVENT_TYPES)
            raise SelectorError(
                "--resource-types",
                f"unknown resource type {resource_type} (known: {known}); "
                "name its event names with --event-names to check it anyway",
            )
        else:
            names = info.event_names()
        events.extend(_required_event(resource_type, name, partition) for name in names)
    return Requirement(tuple(events), partition, tuple(exclusions))
