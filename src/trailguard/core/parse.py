"""Turn a ``GetEventSelectors`` response (parsed JSON) into typed values, and back.

This checks shapes only (JSON types, known keys); CloudTrail's rules on fields, operators and
limits are checked by :mod:`trailguard.core.validate`. Unknown keys at the top level (such as
``TrailARN`` or ``ResponseMetadata``) are ignored; unknown keys inside a selector are errors,
because a misspelt operator would otherwise silently change what the selector means.
"""

from __future__ import annotations

from typing import Any, cast

from trailguard.core.errors import SelectorError
from trailguard.core.model import (
    OPERATORS,
    AdvancedSelector,
    BasicSelector,
    DataResource,
    FieldSelector,
    ReadWriteType,
    SelectorConfig,
)

_ATTRS = {
    "Equals": "equals",
    "StartsWith": "starts_with",
    "EndsWith": "ends_with",
    "NotEquals": "not_equals",
    "NotStartsWith": "not_starts_with",
    "NotEndsWith": "not_ends_with",
}
_READ_WRITE_TYPES = ("ReadOnly", "WriteOnly", "All")


def _type_name(value: object) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}
    if value is None:
        return "null"
    return names.get(type(value), "a number" if isinstance(value, int | float) else "a value")


def _expect_object(value: object, path: str, keys: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise SelectorError(path, f"expected an object, got {_type_name(value)}")
    for key in value:
        if key not in keys:
            raise SelectorError(path, f"unknown key {key!r} (expected one of {', '.join(keys)})")
    return cast(dict[str, Any], value)


def _expect_list(value: object, path: str) -> list[Any]:
    if not isinstance(value, list):
        raise SelectorError(path, f"expected a list, got {_type_name(value)}")
    return value


def _strings(value: object, path: str) -> tuple[str, ...]:
    items = _expect_list(value, path)
    for i, item in enumerate(items):
        if not isinstance(item, str):
            raise SelectorError(f"{path}[{i}]", f"expected a string, got {_type_name(item)}")
    return tuple(items)


def selector_label(index: int, name: str | None) -> str:
    """How errors and annotations refer to an advanced selector."""
    return f"AdvancedEventSelectors[{index}]" + (f" {name!r}" if name else "")


def _field_selector(raw: object, path: str) -> FieldSelector:
    obj = _expect_object(raw, path, ("Field", *OPERATORS))
    field = obj.get("Field")
    if not isinstance(field, str):
        raise SelectorError(path, "'Field' is required and must be a string")
    path = f"{path} ({field})"
    values: dict[str, tuple[str, ...]] = {}
    for operator in OPERATORS:
        if operator in obj and obj[operator] is not None:
            items = _strings(obj[operator], f"{path}.{operator}")
            if not items:
                raise SelectorError(f"{path}.{operator}", "operator has no values")
            values[_ATTRS[operator]] = items
    if not values:
        raise SelectorError(path, "field selector has no operator")
    return FieldSelector(field=field, **values)


def _advanced(raw: object, index: int) -> AdvancedSelector:
    path = f"AdvancedEventSelectors[{index}]"
    obj = _expect_object(raw, path, ("Name", "FieldSelectors"))
    name = obj.get("Name")
    if name is not None and not isinstance(name, str):
        raise SelectorError(f"{path}.Name", f"expected a string, got {_type_name(name)}")
    path = selector_label(index, name)
    raw_fields = _expect_list(obj.get("FieldSelectors"), f"{path}.FieldSelectors")
    if not raw_fields:
        raise SelectorError(f"{path}.FieldSelectors", "a selector needs at least one field")
    fields = tuple(
        _field_selector(item, f"{path}.FieldSelectors[{i}]") for i, item in enumerate(raw_fields)
    )
    return AdvancedSelector(fields, name or None)


def _basic(raw: object, index: int) -> BasicSelector:
    path = f"EventSelectors[{index}]"
    keys = (
        "ReadWriteType",
        "IncludeManagementEvents",
        "DataResources",
        "ExcludeManagementEventSources",
    )
    obj = _expect_object(raw, path, keys)
    rw = obj.get("ReadWriteType", "All")
    if rw not in _READ_WRITE_TYPES:
        raise SelectorError(
            f"{path}.ReadWriteType", f"{rw!r} is not one of {', '.join(_READ_WRITE_TYPES)}"
        )
    include = obj.get("IncludeManagementEvents", True)
    if not isinstance(include, bool):
        raise SelectorError(
            f"{path}.IncludeManagementEvents", f"expected a boolean, got {_type_name(include)}"
        )
    resources: list[DataResource] = []
    for i, item in enumerate(_expect_list(obj.get("DataResources") or [], f"{path}.DataResources")):
        rpath = f"{path}.DataResources[{i}]"
        res = _expect_object(item, rpath, ("Type", "Values"))
        rtype = res.get("Type")
        if not isinstance(rtype, str):
            raise SelectorError(f"{rpath}.Type", "'Type' is required and must be a string")
        resources.append(DataResource(rtype, _strings(res.get("Values") or [], f"{rpath}.Values")))
    excluded = _strings(
        obj.get("ExcludeManagementEventSources") or [], f"{path}.ExcludeManagementEventSources"
    )
    return BasicSelector(cast(ReadWriteType, rw), include, tuple(resources), excluded)


def parse_response(response: object) -> SelectorConfig:
    """Parse what ``aws cloudtrail get-event-selectors`` prints (or boto3 returns)."""
    if not isinstance(response, dict):
        raise SelectorError(
            "",
            f"expected a JSON object as printed by 'aws cloudtrail get-event-selectors', "
            f"got {_type_name(response)}",
        )
    trail_arn = response.get("TrailARN")
    if trail_arn is not None and not isinstance(trail_arn, str):
        raise SelectorError("TrailARN", f"expected a string, got {_type_name(trail_arn)}")
    raw_basic = response.get("EventSelectors")
    raw_advanced = response.get("AdvancedEventSelectors")
    basic_items = [] if raw_basic is None else _expect_list(raw_basic, "EventSelectors")
    adv_items = [] if raw_advanced is None else _expect_list(raw_advanced, "AdvancedEventSelectors")
    if basic_items and adv_items:
        raise SelectorError(
            "", "both EventSelectors and AdvancedEventSelectors are set; a trail holds one or the other"
        )
    if adv_items:
        advanced = tuple(_advanced(item, i) for i, item in enumerate(adv_items))
        return SelectorConfig("advanced", advanced=advanced, trail_arn=trail_arn)
    if basic_items:
        basic = tuple(_basic(item, i) for i, item in enumerate(basic_items))
        return SelectorConfig("basic", basic=basic, trail_arn=trail_arn)
    return SelectorConfig("default", trail_arn=trail_arn)


def selectors_to_api(selectors: tuple[AdvancedSelector, ...]) -> list[dict[str, Any]]:
    """The ``AdvancedEventSelectors`` request/response shape of ``selectors``."""
    out: list[dict[str, Any]] = []
    for selector in selectors:
        fields: list[dict[str, Any]] = []
        for fs in selector.field_selectors:
            item: dict[str, Any] = {"Field": fs.field}
            item.update({op: list(values) for op, values in fs.operators()})
            fields.append(item)
        entry: dict[str, Any] = {"Name": selector.name} if selector.name else {}
        entry["FieldSelectors"] = fields
        out.append(entry)
    return out
