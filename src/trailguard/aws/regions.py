"""AWS regions and partitions as the installed botocore knows them (its ``partitions.json``:
each partition's id, its ``regionRegex`` and its regions), for checking a region name before
any call is made with it.

A name botocore lists is a region of its partition. A name that only matches a partition's
``regionRegex`` may be a region newer than the installed botocore: it is accepted, with a
warning, rather than refused (:func:`classify` says which); anything else is no region.
Only the CLI uses this module (and, run from it, the Security Hub import, for the partition
of a region).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import botocore.loaders

LISTED = "listed"  # botocore lists it
PATTERN_ONLY = "pattern"  # it matches the partition's regionRegex only (a newer region?)


@dataclass(frozen=True, slots=True)
class Partition:
    id: str
    pattern: re.Pattern[str]
    regions: tuple[str, ...]


@cache
def partitions() -> tuple[Partition, ...]:
    """The partitions, with their regions (the ``*-global`` endpoint names left out: they are
    not regions one runs trailguard in)."""
    data = botocore.loaders.create_loader().load_data("partitions")
    return tuple(
        Partition(
            id=str(item["id"]),
            pattern=re.compile(str(item["regionRegex"])),
            regions=tuple(sorted(r for r in item.get("regions", {}) if not r.endswith("-global"))),
        )
        for item in data["partitions"]
    )


def all_regions() -> tuple[str, ...]:
    return tuple(region for partition in partitions() for region in partition.regions)


def classify(region: str) -> tuple[str, str] | None:
    """``(partition id, LISTED or PATTERN_ONLY)`` for a region name; None when it is neither a
    listed region nor matches any partition's pattern."""
    for partition in partitions():
        if region in partition.regions:
            return partition.id, LISTED
    for partition in partitions():
        if partition.pattern.fullmatch(region):
            return partition.id, PATTERN_ONLY
    return None
