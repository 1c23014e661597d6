"""Selectors with values unknown before deploy, bounded from both sides.

Coverage only grows with what the selectors admit: a trail logs an event when any selector
matches it, and a selector matches when every condition holds. So two plain selector lists
bound every value the unknowns could take:

- ``lower`` admits no more than any of them: a selector whose match depends on an unknown in a
  way that could only narrow it is dropped (an unknown ``Field``, a deselecting operator with an
  unknown value, a condition whose selecting values are all unknown); unknown selecting values
  are left out;
- ``upper`` admits no less: a condition with an unknown selecting value admits anything its
  deselecting values allow, unknown deselecting values are left out, a condition on an unknown
  field is dropped, and an unknown selector or list admits everything.

If ``lower`` is compliant, every deployment is; if ``upper`` is not, none is (its gaps hold for
every value); otherwise the verdict depends on the unknowns. ``known`` keeps only what is known,
for the validator, with the original index of every selector and field selector it kept.
Basic selectors are bounded the same way, per data resource.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from trailguard.core.catalog import BASIC_RESOURCE_TYPES
from trailguard.core.convert import BASIC_SERVICES

from .model import Path, Unknown

_SELECT = ("Equals", "StartsWith", "EndsWith")
_DESELECT = ("NotEquals", "NotStartsWith", "NotEndsWith")
# A condition every required event satisfies: eventCategory is always present, and no
# category is the NUL character. Stands for a selector that admits everything.
MATCH_ALL = {"Field": "eventCategory", "NotEquals": ["\u0000"]}
_ALL_SOURCES = ["kms.amazonaws.com", "rdsdata.amazonaws.com"]


@dataclass
class Bounds:
    unknowns: list[tuple[Path, Unknown]] = field(default_factory=list)
    lower: dict[str, Any] = field(default_factory=dict)
    upper: dict[str, Any] = field(default_factory=dict)
    known: dict[str, Any] = field(default_factory=dict)
    # For each selector of ``known``: its index in the input, and its field selectors' indices.
    kept: list[tuple[int, list[int]]] = field(default_factory=list)
    touched: set[int] = field(default_factory=set)  # input selectors that lost something


def find_unknowns(value: Any, path: Path = ()) -> list[tuple[Path, Unknown]]:
    """Every :class:`Unknown` in ``value``, with its path."""
    if isinstance(value, Unknown):
        return [(path, value)]
    if isinstance(value, dict):
        return [u for k, v in value.items() for u in find_unknowns(v, (*path, k))]
    if isinstance(value, list):
        return [u for i, v in enumerate(value) for u in find_unknowns(v, (*path, i))]
    return []


def _known_items(items: Any) -> list[Any]:
    return [v for v in items if not isinstance(v, Unknown)] if isinstance(items, list) else []


def _has_unknown(items: Any) -> bool:
    return isinstance(items, Unknown) or (
        isinstance(items, list) and any(isinstance(v, Unknown) for v in items)
    )


def _others(fs: dict[str, Any]) -> dict[str, Any]:
    """``Field`` and any operator trailguard does not know, where known."""
    return {k: v for k, v in fs.items() if k not in _SELECT + _DESELECT and not find_unknowns(v)}


def _lower_field(fs: Any) -> dict[str, Any] | None:
    """The condition, narrowed to its known values; None when it may hold for nothing."""
    if not isinstance(fs, dict) or isinstance(fs.get("Field"), Unknown):
        return None
    out = _others(fs)
    if len(out) < sum(1 for k in fs if k not in _SELECT + _DESELECT):
        return None  # an operator trailguard does not know, with an unknown value
    had_select = any(fs.get(op) is not None for op in _SELECT)
    for op in _SELECT:
        if fs.get(op) is not None and _known_items(fs[op]):
            out[op] = _known_items(fs[op])
    if had_select and not any(op in out for op in _SELECT):
        return None
    for op in _DESELECT:
        if fs.get(op) is not None:
            if _has_unknown(fs[op]):
                return None
            out[op] = fs[op]
    return out


def _upper_field(fs: Any) -> dict[str, Any] | None:
    """The condition, widened past its unknown values; None when it may hold for anything."""
    if not isinstance(fs, dict) or isinstance(fs.get("Field"), Unknown):
        return None
    out = _others(fs)
    if not any(_has_unknown(fs.get(op)) for op in _SELECT):
        out.update({op: fs[op] for op in _SELECT if fs.get(op) is not None})
    for op in _DESELECT:
        if fs.get(op) is not None and _known_items(fs[op]):
            out[op] = _known_items(fs[op])
    return out if len(out) > 1 or (out and "Field" not in out) else None


def _name(selector: dict[str, Any]) -> dict[str, Any]:
    name = selector.get("Name")
    return {} if name is None or isinstance(name, Unknown) else {"Name": name}


def _advanced(raw: Any, bounds: Bounds) -> None:
    if isinstance(raw, Unknown):
        bounds.upper["AdvancedEventSelectors"] = [{"FieldSelectors": [MATCH_ALL]}]
        return
    lower, upper, known = [], [], []
    for index, selector in enumerate(raw if isinstance(raw, list) else []):
        fields = selector.get("FieldSelectors") if isinstance(selector, dict) else None
        if not isinstance(selector, dict) or not isinstance(fields, list):
            upper.append({"FieldSelectors": [MATCH_ALL]})
            bounds.touched.add(index)
            continue
        low = [_lower_field(fs) for fs in fields]
        if all(fs is not None for fs in low):
            lower.append({**_name(selector), "FieldSelectors": low})
        high = [fs for fs in map(_upper_field, fields) if fs is not None]
        upper.append({**_name(selector), "FieldSelectors": high or [MATCH_ALL]})
        kept = [j for j, fs in enumerate(fields) if not find_unknowns(fs)]
        if len(kept) < len(fields) or isinstance(selector.get("Name"), Unknown):
            bounds.touched.add(index)
        if kept:
            known.append({**_name(selector), "FieldSelectors": [fields[j] for j in kept]})
            bounds.kept.append((index, kept))
    bounds.lower["AdvancedEventSelectors"] = lower
    bounds.upper["AdvancedEventSelectors"] = upper
    bounds.known["AdvancedEventSelectors"] = known


def _type_wide(resource_type: str, partition: str) -> dict[str, Any]:
    return {"Type": resource_type, "Values": [f"arn:{partition}:{BASIC_SERVICES[resource_type]}"]}


def _basic(raw: Any, bounds: Bounds, partition: str) -> None:
    everything = [_type_wide(t, partition) for t in BASIC_RESOURCE_TYPES]
    if isinstance(raw, Unknown):
        bounds.upper["EventSelectors"] = [{"ReadWriteType": "All", "DataResources": everything}]
        return
    lower, upper = [], []
    for selector in raw if isinstance(raw, list) else []:
        if not isinstance(selector, dict):
            upper.append({"ReadWriteType": "All", "DataResources": everything})
            continue
        rw = selector.get("ReadWriteType")
        include = selector.get("IncludeManagementEvents")
        sources = selector.get("ExcludeManagementEventSources")
        low: dict[str, Any] = {k: v for k, v in selector.items() if not find_unknowns(v)}
        high = dict(low)
        if isinstance(include, Unknown):
            low["IncludeManagementEvents"], high["IncludeManagementEvents"] = False, True
        if _has_unknown(sources):
            low["ExcludeManagementEventSources"] = _ALL_SOURCES
            high["ExcludeManagementEventSources"] = _known_items(sources)
        if isinstance(rw, Unknown):
            high["ReadWriteType"] = "All"
        resources = selector.get("DataResources")
        low_res: list[Any] = []
        high_res: list[Any] = []
        for res in everything if isinstance(resources, Unknown) else resources or []:
            if not isinstance(res, dict) or isinstance(res.get("Type"), Unknown):
                high_res += everything
                continue
            values = res.get("Values")
            known_values = _known_items(values)
            if known_values:
                low_res.append({**res, "Values": known_values})
            if _has_unknown(values) and res.get("Type") in BASIC_SERVICES:
                high_res.append(_type_wide(res["Type"], partition))
            else:
                high_res.append(res)
        low["DataResources"], high["DataResources"] = low_res, high_res
        if not isinstance(rw, Unknown):
            lower.append(low)
        upper.append(high)
    bounds.lower["EventSelectors"] = lower
    bounds.upper["EventSelectors"] = upper
    bounds.known["EventSelectors"] = lower


def bound(selectors: dict[str, Any], partition: str) -> Bounds:
    """The bounds of ``selectors`` (the ``GetEventSelectors`` shape, with unknowns)."""
    bounds = Bounds(unknowns=find_unknowns(selectors))
    if not bounds.unknowns:
        bounds.lower = bounds.upper = bounds.known = selectors
        advanced = selectors.get("AdvancedEventSelectors")
        for index, selector in enumerate(advanced if isinstance(advanced, list) else []):
            fields = selector.get("FieldSelectors") if isinstance(selector, dict) else None
            bounds.kept.append((index, list(range(len(fields) if isinstance(fields, list) else 0))))
        return bounds
    if "AdvancedEventSelectors" in selectors:
        _advanced(selectors["AdvancedEventSelectors"], bounds)
    if "EventSelectors" in selectors:
        _basic(selectors["EventSelectors"], bounds, partition)
    return bounds
