"""Coverage inclusion: does one configuration log everything another one logs?

Remediation must never reduce what a trail logs. This decides it exactly, with the same search
as verdicts: each region the old configuration may log (a set of conditions, over every field
either side mentions, each field possibly absent from an event) must be held by the union of
the new selectors. When it is not, an event that was logged before and would not be after is
returned as proof.

The old configuration is judged by what it MAY log, the new one by what it logs for certain.
For basic selectors the regions below are built from the documented rules directly (not from
``convert``), under the generous reading of the one undocumented case: a basic S3 bucket or
prefix value is taken to log the bucket-level S3 data events (``ListObjects``, ``HeadBucket``,
...) on its bucket's ARN, ``arn:aws:s3:::bucket``, besides every event whose ARN starts with
the value. A rewrite that keeps these keeps what the trail logged under either reading.
"""

from __future__ import annotations

import re

from trailguard.core.catalog import DATA_EVENT_TYPES
from trailguard.core.convert import effective_selectors
from trailguard.core.model import AdvancedSelector, BasicSelector, FieldSelector, SelectorConfig
from trailguard.core.search import Box, Dimension, find_uncovered

# Fields whose recorded values are only ever these (any other field: any string).
_CHOICES = {"readOnly": ("false", "true"), "sessionCredentialFromConsole": ("false", "true")}
_RW = {"ReadOnly": "true", "WriteOnly": "false"}
# Basic DataResource values that name a whole type: arn:<partition>:<service>, and for S3 also
# arn:<partition>:s3::: (CloudTrail API reference, DataResource).
_WHOLE_TYPE = {
    "AWS::S3::Object": re.compile(r"^arn:[a-z0-9-]+:s3(:::)?$"),
    "AWS::Lambda::Function": re.compile(r"^arn:[a-z0-9-]+:lambda$"),
    "AWS::DynamoDB::Table": re.compile(r"^arn:[a-z0-9-]+:dynamodb$"),
}

_S3_OBJECT = "AWS::S3::Object"
Selectors = SelectorConfig | tuple[AdvancedSelector, ...]


def _basic_regions(selector: BasicSelector) -> list[AdvancedSelector]:
    """What one basic selector may log, as regions (each a conjunction of conditions)."""
    rw = _RW.get(selector.read_write_type)
    read_only = (FieldSelector("readOnly", equals=(rw,)),) if rw else ()
    regions: list[tuple[FieldSelector, ...]] = []
    if selector.include_management_events:
        excluded = selector.exclude_management_event_sources
        not_excluded = (FieldSelector("eventSource", not_equals=excluded),) if excluded else ()
        regions.append(
            (FieldSelector("eventCategory", equals=("Management",)), *read_only, *not_excluded)
        )
    for resource in selector.data_resources:
        values = resource.values
        of_type = (
            FieldSelector("eventCategory", equals=("Data",)),
            FieldSelector("resources.type", equals=(resource.type,)),
        )
        whole = _WHOLE_TYPE.get(resource.type)
        if whole and any(whole.match(value) for value in values):
            regions.append((*of_type, *read_only))
        elif resource.type != _S3_OBJECT:
            regions.append((*of_type, *read_only, FieldSelector("resources.ARN", equals=values)))
        else:
            regions.append(
                (*of_type, *read_only, FieldSelector("resources.ARN", starts_with=values))
            )
            # The generous reading: bucket-level events on the bucket each value names, each
            # recorded with its own readOnly (catalog), which ReadWriteType must admit.
            buckets = FieldSelector("resources.ARN", equals=tuple(v.split("/")[0] for v in values))
            for event in DATA_EVENT_TYPES[_S3_OBJECT].bucket_level_events():
                recorded = event.read_only or rw
                if rw is None or recorded == rw:
                    name = FieldSelector("eventName", equals=(event.name,))
                    pinned = (FieldSelector("readOnly", equals=(recorded,)),) if recorded else ()
                    regions.append((*of_type, name, *pinned, buckets))
    return [AdvancedSelector(region) for region in regions]


def may_log(config: Selectors) -> tuple[AdvancedSelector, ...]:
    """Regions holding every event ``config`` may log, under any reading of what is not
    documented (a tuple of advanced selectors is taken as it is)."""
    if isinstance(config, tuple):
        return config
    if config.kind == "basic":
        return tuple(region for s in config.basic for region in _basic_regions(s))
    return effective_selectors(config)


def find_lost(before: Selectors, after: Selectors) -> dict[str, str] | None:
    """An event ``before`` may log and ``after`` does not (fields absent from it are left out),
    or None when ``after`` logs everything ``before`` does.

    Either side is a :class:`SelectorConfig` (basic, default or advanced) or a tuple of
    advanced selectors. ``before`` is read generously (:func:`may_log`); ``after`` by what it
    logs for certain (``effective_selectors``)."""
    regions = may_log(before)
    logged = after if isinstance(after, tuple) else effective_selectors(after)
    fields = sorted({fs.field for s in (*regions, *logged) for fs in s.field_selectors})
    boxes: list[Box] = [tuple(s.fields(f) for f in fields) for s in logged]
    for region in regions:
        dims = [
            Dimension(f, choices=_CHOICES.get(f, ()), region=region.fields(f), may_be_absent=True)
            for f in fields
        ]
        found = find_uncovered(dims, boxes)
        if found is not None:
            return {f: v for f, v in zip(fields, found[0], strict=True) if v is not None}
    return None
