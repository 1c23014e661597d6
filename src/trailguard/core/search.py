"""The exact search for an event that a union of selectors does not log.

Events are points in a space of fields (dimensions); a selector is a box: for each field, the
conditions it puts on that field's value. The question "does the union of these boxes hold
every point of a region?" is decided field by field over finite witness sets.

A string field is decided through witness values that meet every class of strings the
conditions can tell apart. With the condition constants split into exact values E, prefixes P
and suffixes S, a string x of the domain (``prefix`` + at least one character) that is not in
E satisfies exactly the same conditions as ``prefix + p + z + s``, where p is the longest
prefix constant x starts with (after the domain prefix), s the longest suffix constant x ends
with, and z a character no constant contains: x and that witness start with the same prefix
constants (those that are prefixes of ``prefix + p``), end with the same suffix constants
(the suffixes of s) and, holding z, the witness equals no constant. So E plus every
``prefix + p + z + s`` are enough. The search keeps, field by
field, the boxes that accept the witness chosen so far, and remembers the (field, boxes) pairs
it has already proved covered.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from trailguard.core.model import FieldSelector

_FRESH = "~#%^|!`"
_NONE = object()  # "no value at all", as opposed to None, "the field is absent"

# A selector seen as a box: its conditions on each dimension, in dimension order.
Box = tuple[tuple[FieldSelector, ...], ...]


@dataclass(frozen=True, slots=True)
class Dimension:
    """One event field and the values it ranges over.

    With ``choices`` the domain is exactly those values; otherwise every string that starts
    with ``prefix`` and is longer than it. ``region`` narrows it further (the values must
    satisfy every one of those conditions), and ``may_be_absent`` adds "the event has no such
    field", which no condition accepts.
    """

    field: str
    prefix: str = ""
    choices: tuple[str, ...] = ()
    region: tuple[FieldSelector, ...] = ()
    may_be_absent: bool = False


def _fresh_char(constants: Iterable[str]) -> str:
    used = set("".join(constants))
    for char in _FRESH:
        if char not in used:
            return char
    code = 0xE000
    while chr(code) in used:
        code += 1
    return chr(code)


def witnesses(
    dim: Dimension, conditions: Sequence[FieldSelector]
) -> tuple[Iterator[str | None], str]:
    """Values of ``dim`` meeting every class that ``conditions`` (and the region) can tell
    apart, lazily (the search usually stops at the first unlogged one), and the filler
    character the generic ones use ("" when there is none)."""
    if dim.choices:
        return _in_region(dim, iter(dim.choices)), ""
    exact: list[str] = []
    prefixes: list[str] = []
    suffixes: list[str] = []
    for fs in (*conditions, *dim.region):
        exact += fs.equals + fs.not_equals
        prefixes += fs.starts_with + fs.not_starts_with
        suffixes += fs.ends_with + fs.not_ends_with
    fill = _fresh_char((*exact, *prefixes, *suffixes))
    return _in_region(dim, _string_witnesses(dim.prefix, exact, prefixes, suffixes, fill)), fill


def _string_witnesses(
    base: str, exact: list[str], prefixes: list[str], suffixes: list[str], fill: str
) -> Iterator[str]:
    seen: set[str] = set()
    heads = dict.fromkeys(
        [""] + [p[len(base) :] for p in prefixes if p.startswith(base) and len(p) > len(base)]
    )
    tails = dict.fromkeys(["", *suffixes])
    generic = (base + h + fill + t for h in heads for t in tails)
    special = (c for c in exact if c.startswith(base) and len(c) > len(base))
    for value in itertools.chain(generic, special):
        if value not in seen:
            seen.add(value)
            yield value


def _in_region(dim: Dimension, values: Iterator[str]) -> Iterator[str | None]:
    if dim.may_be_absent and not dim.region:
        yield None
    if not dim.region:
        yield from values
        return
    for value in values:
        if all(r.accepts(value) for r in dim.region):
            yield value


def find_uncovered(
    dims: Sequence[Dimension], boxes: Sequence[Box]
) -> tuple[list[str | None], list[str]] | None:
    """A point of the region that no box holds, or None when the boxes hold all of it.

    Returns the point's value per dimension (None: field absent) and the filler character
    of each dimension's generic witnesses.
    """
    depth = len(dims)
    fills = [""] * depth
    settled: set[tuple[int, tuple[int, ...]]] = set()

    def search(level: int, active: tuple[int, ...]) -> list[str | None] | None:
        if not active:  # no box holds it, whatever the remaining fields are: pick any value
            anything: list[str | None] = []
            for lv in range(level, depth):
                values, fills[lv] = witnesses(dims[lv], ())
                first = next(values, _NONE)
                if first is _NONE:  # the region is empty along this field
                    return None
                anything.append(first)  # type: ignore[arg-type]
            return anything
        if level == depth or any(
            not any(boxes[b][lv] for lv in range(level, depth)) for b in active
        ):
            return None
        key = (level, active)
        if key in settled:
            return None
        conditions = [fs for b in active for fs in boxes[b][level]]
        values, fills[level] = witnesses(dims[level], conditions)
        for value in values:
            remaining = tuple(b for b in active if all(fs.accepts(value) for fs in boxes[b][level]))
            rest = search(level + 1, remaining)
            if rest is not None:
                return [value, *rest]
        settled.add(key)
        return None

    found = search(0, tuple(range(len(boxes))))
    return None if found is None else (found, fills)
