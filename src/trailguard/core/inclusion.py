"""Coverage inclusion: does one selector list log everything another one logs?

Remediation must never reduce what a trail logs. This decides it exactly, with the same search
as verdicts: for each selector of the old list, the region it logs (its own conditions, over
every field either list mentions, each field possibly absent from an event) must be held by
the union of the new list's selectors. When it is not, an event that was logged before and
would not be after is returned as proof.
"""

from __future__ import annotations

from trailguard.core.model import AdvancedSelector
from trailguard.core.search import Box, Dimension, find_uncovered

# Fields whose recorded values are only ever these (any other field: any string).
_CHOICES = {"readOnly": ("false", "true"), "sessionCredentialFromConsole": ("false", "true")}


def find_lost(
    before: tuple[AdvancedSelector, ...], after: tuple[AdvancedSelector, ...]
) -> dict[str, str] | None:
    """An event ``before`` logs and ``after`` does not (fields absent from it are left out),
    or None when ``after`` logs everything ``before`` does."""
    fields = sorted({fs.field for s in (*before, *after) for fs in s.field_selectors})
    boxes: list[Box] = [tuple(s.fields(f) for f in fields) for s in after]
    for selector in before:
        dims = [
            Dimension(f, choices=_CHOICES.get(f, ()), region=selector.fields(f), may_be_absent=True)
            for f in fields
        ]
        found = find_uncovered(dims, boxes)
        if found is not None:
            return {f: v for f, v in zip(fields, found[0], strict=True) if v is not None}
    return None
