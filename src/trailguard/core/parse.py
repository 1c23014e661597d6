"""Turn a ``GetEventSelectors`` response (parsed JSON) into typed values, and back.

This checks shapes only (JSON types, known keys); CloudTrail's rules on fields, operators and
limits are checked by :mod:`trailguard.core.validate`. Unknown keys at the top level (such as
``TrailARN`` or ``ResponseMetadata``) are ignored; unknown keys inside a selector are errors,
because a misspelt operator would otherwise silently change what the selector means. With the
``read`` profile (what a trail returned, so what CloudTrail accepted) an unknown key inside a
field selector is an operator trailguard does not know: its values must still be a non-empty
list of strings, and it is kept in ``FieldSelector.unknown``, which makes the condition
never hold (it can only narrow its selector) and lets the validator warn about it.

A list that is absent is empty; ``null`` or any other type where a list is expected is an
error, never an empty list (a deselecting operator read as absent would widen what is logged).
``Name`` and ``TrailARN`` may be ``null``: they only label.
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
    Profile,
    ReadWriteType,
    SelectorConfig,
)

_READ_WRITE_TYPES = ("ReadOnly", "WriteOnly", "All")


def type_name(value: object) -> str:
    """How a JSON value's type is named in error messages."""
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}
    if value is None:
        return "null"
    return names.get(type(value), "a number" if isinstance(value, int | float) else "a value")


def _expect_object(value: object, path: str, keys: tuple[str, ...] | None) -> dict[str, Any]:
    """``value`` as an object whose keys are all in ``keys`` (None: any string key)."""
    if not isinstance(value, dict):
        raise SelectorError(path, f"expected an object, got {type_name(value)}")
    if keys is not None and not all(key in keys for key in value):
        key = next(k for k in value if k not in keys)
        expected = ", ".join(keys)
        raise SelectorError(path, f"unknown key {key!r} (expected one of {expected})")
    return cast(dict[str, Any], value)


def _expect_list(value: object, path: str) -> list[Any]:
    if not isinstance(value, list):
        raise SelectorError(path, f"expected a list, got {type_name(value)}")
    return value


def _strings(value: object, path: str) -> tuple[str, ...]:
    items = _expect_list(value, path)
    for i, item in enumerate(items):
        if type(item) is not str:
            raise SelectorError(f"{path}[{i}]", f"expected a string, got {type_name(item)}")
    return tuple(items)


def selector_label(index: int, name: str | None) -> str:
    """How errors and annotations refer to an advanced selector."""
    return f"AdvancedEventSelectors[{index}]" + (f" {name!r}" if name else "")


_FIELD_KEYS = ("Field", *OPERATORS)
_FIELD_KEY_SET = frozenset(_FIELD_KEYS)
_SELECTOR_KEYS = ("Name", "FieldSelectors")
_SELECTOR_KEY_SET = frozenset(_SELECTOR_KEYS)


def _all_strings(items: list[Any]) -> bool:
    return all(type(item) is str for item in items)


def _field_selector(raw: object, index: int, name: str | None, i: int, read: bool) -> FieldSelector:
    # Fast path for well-formed input (this runs for every field of every trail evaluated);
    # anything unusual goes to the slow path, which finds and names the problem.
    if type(raw) is dict and len(raw) > 1 and _FIELD_KEY_SET.issuperset(raw):
        field = raw.get("Field")
        values: dict[str, tuple[str, ...]] = {}
        for key, items in raw.items():
            if key == "Field":
                continue
            if type(items) is not list or not items or not _all_strings(items):
                break
            values[key] = tuple(items)
        else:
            if type(field) is str and values:
                get = values.get
                return FieldSelector(
                    field,
                    get("Equals", ()),
                    get("StartsWith", ()),
                    get("EndsWith", ()),
                    get("NotEquals", ()),
                    get("NotStartsWith", ()),
                    get("NotEndsWith", ()),
                )
    path = f"{selector_label(index, name)}.FieldSelectors[{i}]"
    return parse_field_selector(raw, path, read)


def parse_field_selector(raw: object, path: str, read: bool = False) -> FieldSelector:
    """One AdvancedFieldSelector, or a :class:`SelectorError` at ``path`` saying what is wrong.
    ``read``: an operator trailguard does not know is kept (see FieldSelector.unknown)."""
    obj = _expect_object(raw, path, None if read else _FIELD_KEYS)
    field = obj.get("Field")
    if type(field) is not str:
        raise SelectorError(path, "'Field' is required and must be a string")
    values: dict[str, tuple[str, ...]] = {}
    for key in (*OPERATORS, *(k for k in obj if k not in _FIELD_KEY_SET)):
        if key not in obj:
            continue
        items = _strings(obj[key], f"{path} ({field}).{key}")
        if not items:
            raise SelectorError(f"{path} ({field}).{key}", "operator has no values")
        values[key] = items
    if not values:
        raise SelectorError(f"{path} ({field})", "field selector has no operator")
    unknown = tuple((k, v) for k, v in values.items() if k not in _FIELD_KEY_SET)
    return FieldSelector._make((field, *[values.get(op, ()) for op in OPERATORS], unknown))


def _advanced(raw: object, index: int, read: bool) -> AdvancedSelector:
    if type(raw) is dict and _SELECTOR_KEY_SET.issuperset(raw):
        obj: dict[str, Any] = raw
    else:
        obj = _expect_object(raw, f"AdvancedEventSelectors[{index}]", _SELECTOR_KEYS)
    name = obj.get("Name")
    if name is not None and type(name) is not str:
        raise SelectorError(
            f"AdvancedEventSelectors[{index}].Name", f"expected a string, got {type_name(name)}"
        )
    raw_fields: list[Any] | None = obj.get("FieldSelectors")
    if type(raw_fields) is not list or not raw_fields:
        where = selector_label(index, name)
        if "FieldSelectors" not in obj:
            raise SelectorError(where, "'FieldSelectors' is required")
        if type(raw_fields) is list:
            raise SelectorError(f"{where}.FieldSelectors", "a selector needs at least one field")
        raise SelectorError(
            f"{where}.FieldSelectors", f"expected a list, got {type_name(raw_fields)}"
        )
    fields = tuple(_field_selector(item, index, name, i, read) for i, item in enumerate(raw_fields))
    return AdvancedSelector(fields, name or None)


_BASIC_KEYS = (
    "ReadWriteType",
    "IncludeManagementEvents",
    "DataResources",
    "ExcludeManagementEventSources",
)
_RESOURCE_KEYS = ("Type", "Values")


def _basic(raw: object, index: int) -> BasicSelector:
    path = f"EventSelectors[{index}]"
    obj = _expect_object(raw, path, _BASIC_KEYS)
    rw = obj.get("ReadWriteType", "All")
    if type(rw) is not str:
        raise SelectorError(f"{path}.ReadWriteType", f"expected a string, got {type_name(rw)}")
    if rw not in _READ_WRITE_TYPES:
        raise SelectorError(
            f"{path}.ReadWriteType", f"{rw!r} is not one of {', '.join(_READ_WRITE_TYPES)}"
        )
    include = obj.get("IncludeManagementEvents", True)
    if not isinstance(include, bool):
        raise SelectorError(
            f"{path}.IncludeManagementEvents", f"expected a boolean, got {type_name(include)}"
        )
    resources: list[DataResource] = []
    for i, item in enumerate(_expect_list(obj.get("DataResources", []), f"{path}.DataResources")):
        rpath = f"{path}.DataResources[{i}]"
        res = _expect_object(item, rpath, _RESOURCE_KEYS)
        rtype = res.get("Type")
        if not isinstance(rtype, str):
            raise SelectorError(f"{rpath}.Type", "'Type' is required and must be a string")
        resources.append(DataResource(rtype, _strings(res.get("Values", []), f"{rpath}.Values")))
    excluded = _strings(
        obj.get("ExcludeManagementEventSources", []), f"{path}.ExcludeManagementEventSources"
    )
    return BasicSelector(cast(ReadWriteType, rw), include, tuple(resources), excluded)


def parse_response(response: object, *, profile: Profile = "write") -> SelectorConfig:
    """Parse what ``aws cloudtrail get-event-selectors`` prints (or boto3 returns).

    ``profile="read"`` for what a trail returned: unknown operators are kept (see the module
    docstring) instead of refused.
    """
    if not isinstance(response, dict):
        raise SelectorError(
            "",
            f"expected a JSON object as printed by 'aws cloudtrail get-event-selectors', "
            f"got {type_name(response)}",
        )
    trail_arn = response.get("TrailARN")
    if trail_arn is not None and not isinstance(trail_arn, str):
        raise SelectorError("TrailARN", f"expected a string, got {type_name(trail_arn)}")
    # An absent list is empty; null or another type is an error, never an empty list.
    basic_items = _expect_list(response.get("EventSelectors", []), "EventSelectors")
    adv_items = _expect_list(response.get("AdvancedEventSelectors", []), "AdvancedEventSelectors")
    if basic_items and adv_items:
        raise SelectorError(
            "",
            "both EventSelectors and AdvancedEventSelectors are set; "
            "a trail holds one or the other",
        )
    if adv_items:
        read = profile == "read"
        advanced = tuple(_advanced(item, i, read) for i, item in enumerate(adv_items))
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
