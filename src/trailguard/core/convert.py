"""Basic event selectors and the default configuration, as advanced selectors.

One coverage algorithm (over advanced selectors) serves every kind of configuration, and
remediation rewrites a basic trail as advanced selectors without losing anything it logged.
The documented rules (docs/domain.md section 2):

- management events with ``ReadWriteType`` All/ReadOnly/WriteOnly become
  ``eventCategory = Management`` (plus ``readOnly Equals true/false``), and excluded
  management event sources become ``eventSource NotEquals``;
- a data resource whose value names the whole type (``arn:aws:s3``, ``arn:aws:s3:::``,
  ``arn:aws:lambda``, ``arn:aws:dynamodb``) becomes a selector on the type alone;
- S3 bucket/prefix values become ``resources.ARN StartsWith`` the value; Lambda function and
  DynamoDB table ARNs become ``resources.ARN Equals`` the value;
- ``ReadWriteType`` applies to the data resources as well.

One thing is not documented: whether a basic S3 value ``arn:aws:s3:::bucket/`` or
``arn:aws:s3:::bucket/prefix`` logs the bucket-level S3 data events (``ListObjects``,
``ListObjectsV2``, ``ListObjectVersions``, ``HeadBucket``), which CloudTrail records with the
bucket's ARN ``arn:aws:s3:::bucket``, a string the value is not a prefix of. So there are two
conversions, one per use:

- :func:`effective_selectors` (verdicts) reads it narrowly: ``StartsWith`` the value and nothing
  more. Every reading logs at least that, so a verdict built on it never calls a trail compliant
  on an undocumented reading.
- :func:`kept_selectors` (rewrites: the planner) reads it generously. For each basic selector
  with S3 values that are not type-wide, it adds one selector for the bucket-level event names
  the selector's ``ReadWriteType`` admits (by the catalog's ``readOnly``; none for WriteOnly),
  with ``resources.ARN Equals`` each distinct bucket ARN (the value up to its first ``/``). A
  value without ``/`` needs none: ``StartsWith`` it already holds every bucket ARN it could
  name. The rewrite then logs everything the basic selectors logged under either reading, and
  at most these bucket-level events more. Cost: per such basic selector, 2 (category, type) +
  1 (readOnly, unless All) + the event names + one value per distinct bucket.
"""

from __future__ import annotations

import re

from trailguard.core.catalog import DATA_EVENT_TYPES
from trailguard.core.model import (
    AdvancedSelector,
    BasicSelector,
    DataResource,
    FieldSelector,
    SelectorConfig,
)

_TYPE_WIDE = re.compile(r"^arn:[a-z0-9-]+:(s3|lambda|dynamodb)(:::)?$")
BASIC_SERVICES = {
    "AWS::S3::Object": "s3",
    "AWS::Lambda::Function": "lambda",
    "AWS::DynamoDB::Table": "dynamodb",
}
_READ_ONLY = {"ReadOnly": "true", "WriteOnly": "false"}
_S3 = "AWS::S3::Object"

MANAGEMENT_ONLY = AdvancedSelector(
    (FieldSelector("eventCategory", equals=("Management",)),), "Management events"
)


def _type_wide(resource: DataResource) -> bool:
    service = BASIC_SERVICES.get(resource.type)
    return any(
        (m := _TYPE_WIDE.match(value)) and m.group(1) == service for value in resource.values
    )


def _data_selector(
    resource: DataResource, read_only: tuple[FieldSelector, ...], label: str
) -> AdvancedSelector:
    base = (
        FieldSelector("eventCategory", equals=("Data",)),
        FieldSelector("resources.type", equals=(resource.type,)),
    )
    if _type_wide(resource):
        return AdvancedSelector((*base, *read_only), label)
    values = tuple(dict.fromkeys(resource.values))
    arn = (
        FieldSelector("resources.ARN", starts_with=values)
        if resource.type == _S3
        else FieldSelector("resources.ARN", equals=values)
    )
    return AdvancedSelector((*base, *read_only, arn), label)


def _bucket_level(
    selector: BasicSelector, read_only: tuple[FieldSelector, ...], suffix: str
) -> list[AdvancedSelector]:
    """The selector for the bucket-level S3 events on the buckets of ``selector``'s narrowed S3
    values (none when it has no such value, or admits none of those events)."""
    info = DATA_EVENT_TYPES[_S3]
    buckets = [
        value.split("/")[0]
        for r in selector.data_resources
        if r.type == _S3 and not _type_wide(r)
        for value in r.values
        if "/" in value
    ]
    rw = _READ_ONLY.get(selector.read_write_type)
    events = info.bucket_level_events()
    names = tuple(e.name for e in events if rw is None or e.read_only in (None, rw))
    if not buckets or not names:
        return []
    fields = (
        FieldSelector("eventCategory", equals=("Data",)),
        FieldSelector("resources.type", equals=(_S3,)),
        *read_only,
        FieldSelector("eventName", equals=names),
        FieldSelector("resources.ARN", equals=tuple(dict.fromkeys(buckets))),
    )
    return [AdvancedSelector(fields, f"{_S3} bucket-level data events{suffix}")]


def basic_to_advanced(
    selectors: tuple[BasicSelector, ...], *, keep_bucket_level: bool = False
) -> tuple[AdvancedSelector, ...]:
    """Advanced selectors that log what ``selectors`` log: under the narrow reading of
    bucket-level S3 events, or (``keep_bucket_level``) under either reading (see the module
    docstring)."""
    out: list[AdvancedSelector] = []
    for index, selector in enumerate(selectors):
        suffix = f" (from basic selector {index})" if len(selectors) > 1 else ""
        rw = _READ_ONLY.get(selector.read_write_type)
        read_only = (FieldSelector("readOnly", equals=(rw,)),) if rw else ()
        if selector.include_management_events:
            fields = [FieldSelector("eventCategory", equals=("Management",)), *read_only]
            if selector.exclude_management_event_sources:
                sources = tuple(dict.fromkeys(selector.exclude_management_event_sources))
                fields.append(FieldSelector("eventSource", not_equals=sources))
            out.append(AdvancedSelector(tuple(fields), f"Management events{suffix}"))
        for resource in selector.data_resources:
            label = f"{resource.type} data events{suffix}"
            out.append(_data_selector(resource, read_only, label))
        if keep_bucket_level:
            out += _bucket_level(selector, read_only, suffix)
    return tuple(out)


def effective_selectors(config: SelectorConfig) -> tuple[AdvancedSelector, ...]:
    """The advanced selectors that log what ``config`` logs for certain (bucket-level S3
    events of basic values: the narrow reading), for verdicts.

    A trail with nothing configured logs all management events. An empty list is read the
    same way (CloudTrail does not document it; reading it as "management events" is the
    choice under which a rewrite can never drop management events).
    """
    if config.kind == "advanced":
        return config.advanced
    if config.kind == "basic":
        return basic_to_advanced(config.basic)
    return (MANAGEMENT_ONLY,)


def kept_selectors(config: SelectorConfig) -> tuple[AdvancedSelector, ...]:
    """The advanced selectors a rewrite of ``config`` keeps: they log everything ``config``
    logs under any reading (bucket-level S3 events of basic values: the generous one)."""
    if config.kind == "basic":
        return basic_to_advanced(config.basic, keep_bucket_level=True)
    return effective_selectors(config)
