"""Basic event selectors and the default configuration, as equivalent advanced selectors.

The conversion preserves coverage exactly, so that one coverage algorithm (over advanced
selectors) serves every kind of configuration, and so that remediation can rewrite a basic
trail without losing anything it logged:

- management events with ``ReadWriteType`` All/ReadOnly/WriteOnly become
  ``eventCategory = Management`` (plus ``readOnly Equals true/false``), and excluded
  management event sources become ``eventSource NotEquals``;
- a data resource whose value names the whole type (``arn:aws:s3``, ``arn:aws:s3:::``,
  ``arn:aws:lambda``, ``arn:aws:dynamodb``) becomes a selector on the type alone;
- S3 bucket/prefix values become ``resources.ARN StartsWith`` the value; Lambda function and
  DynamoDB table ARNs become ``resources.ARN Equals`` the value;
- ``ReadWriteType`` applies to the data resources as well.
"""

from __future__ import annotations

import re

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

MANAGEMENT_ONLY = AdvancedSelector(
    (FieldSelector("eventCategory", equals=("Management",)),), "Management events"
)


def _data_selectors(
    resource: DataResource, read_only: tuple[FieldSelector, ...], label: str
) -> list[AdvancedSelector]:
    base = (
        FieldSelector("eventCategory", equals=("Data",)),
        FieldSelector("resources.type", equals=(resource.type,)),
    )
    service = BASIC_SERVICES.get(resource.type)
    if any((m := _TYPE_WIDE.match(value)) and m.group(1) == service for value in resource.values):
        return [AdvancedSelector((*base, *read_only), label)]
    values = tuple(dict.fromkeys(resource.values))
    arn = (
        FieldSelector("resources.ARN", starts_with=values)
        if resource.type == "AWS::S3::Object"
        else FieldSelector("resources.ARN", equals=values)
    )
    return [AdvancedSelector((*base, *read_only, arn), label)]


def basic_to_advanced(selectors: tuple[BasicSelector, ...]) -> tuple[AdvancedSelector, ...]:
    """Advanced selectors that log exactly what ``selectors`` log."""
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
            out.extend(_data_selectors(resource, read_only, label))
    return tuple(out)


def effective_selectors(config: SelectorConfig) -> tuple[AdvancedSelector, ...]:
    """The advanced selectors that log exactly what ``config`` logs.

    A trail with nothing configured logs all management events. An empty list is read the
    same way (CloudTrail does not document it; reading it as "management events" is the
    choice under which a rewrite can never drop management events).
    """
    if config.kind == "advanced":
        return config.advanced
    if config.kind == "basic":
        return basic_to_advanced(config.basic)
    return (MANAGEMENT_ONLY,)
