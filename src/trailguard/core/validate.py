"""CloudTrail's documented rules for a trail's event selectors, in two profiles.

- ``write`` (the default) guards everything trailguard puts on a trail: a selector list that
  passes is one CloudTrail's ``PutEventSelectors`` accepts for a trail, as far as the API
  reference and the CloudTrail user guide document it.
- ``read`` judges what a trail (or event data store) returned, which CloudTrail has accepted
  already: where it breaks a rule trailguard knows (an unknown field, operator or category, an
  operator or value not documented for a field, a limit) that is a *warning* about
  trailguard's own knowledge, never a refusal. The evaluation stays sound on such input: a
  condition on a field a required event does not have never holds, a condition with an unknown
  operator never holds (:class:`~trailguard.core.model.FieldSelector`), and a selector of an
  unknown category never logs data events, so each can only narrow what is judged logged.
  Errors remain for what cannot be evaluated soundly or is malformed: no ``eventCategory``,
  not exactly one ``eventCategory Equals`` value, a required field missing (a Data selector
  without ``resources.type`` would be read as logging every type), and for basic selectors
  anything but the two count limits (their conversion is exact only for documented forms).
  Shapes (lists, strings, ``Field``, empty lists) are checked by the parser in both profiles.

The 500-value limit is a warning when reading (CloudTrail would never return more) and an
error when writing.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from trailguard.core.catalog import BASIC_RESOURCE_TYPES
from trailguard.core.convert import BASIC_SERVICES
from trailguard.core.errors import SelectorError
from trailguard.core.model import (
    OPERATORS,
    AdvancedSelector,
    BasicSelector,
    Profile,
    SelectorConfig,
)
from trailguard.core.parse import selector_label

MAX_ADVANCED_VALUES = 500  # condition values across all advanced selectors of a trail
MAX_VALUE_LENGTH = 2048
MAX_NAME_LENGTH = 1000
MAX_BASIC_SELECTORS = 5
MAX_BASIC_DATA_VALUES = 250

CATEGORIES = ("Management", "Data", "NetworkActivity")
ALL_OPERATORS = frozenset(
    ("Equals", "StartsWith", "EndsWith", "NotEquals", "NotStartsWith", "NotEndsWith")
)
_EQUALS = frozenset(("Equals",))
_EQUALS_NOT_EQUALS = frozenset(("Equals", "NotEquals"))

# Fields a trail accepts per eventCategory, with the operators each field allows.
ALLOWED_FIELDS: dict[str, dict[str, frozenset[str]]] = {
    "Management": {
        "eventCategory": _EQUALS,
        "readOnly": _EQUALS,
        "eventSource": frozenset(("NotEquals",)),
    },
    "Data": {
        "eventCategory": _EQUALS,
        "resources.type": _EQUALS,
        "readOnly": _EQUALS,
        "eventName": ALL_OPERATORS,
        "resources.ARN": ALL_OPERATORS,
        "eventSource": ALL_OPERATORS,
        "eventType": ALL_OPERATORS,
        "userIdentity.arn": ALL_OPERATORS,
        "sessionCredentialFromConsole": _EQUALS_NOT_EQUALS,
    },
    "NetworkActivity": {
        "eventCategory": _EQUALS,
        "eventSource": _EQUALS,
        "eventName": ALL_OPERATORS,
        "errorCode": _EQUALS,
        "vpcEndpointId": ALL_OPERATORS,
        "userIdentity.arn": ALL_OPERATORS,
    },
}
REQUIRED_FIELDS: dict[str, tuple[str, ...]] = {
    "Management": ("eventCategory",),
    "Data": ("eventCategory", "resources.type"),
    "NetworkActivity": ("eventCategory", "eventSource"),
}
# Fields whose values are restricted to a fixed set, per category.
ALLOWED_VALUES: dict[tuple[str, str], tuple[str, ...]] = {
    ("Management", "eventSource"): ("kms.amazonaws.com", "rdsdata.amazonaws.com"),
    ("Management", "readOnly"): ("true", "false"),
    ("Data", "readOnly"): ("true", "false"),
    ("Data", "sessionCredentialFromConsole"): ("true", "false"),
    ("NetworkActivity", "errorCode"): ("VpceAccessDenied",),
}
# Fields that may appear only once in a selector (their value classifies the selector).
SINGLE_FIELDS = ("eventCategory", "resources.type")
_ARN = re.compile(r"^arn:[a-z0-9-]+:[a-z0-9-]+:")
_NARROWS = "evaluated as narrowing the selector"


@dataclass(frozen=True, slots=True)
class Problem:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


def _field_path(selector: AdvancedSelector, index: int, i: int, operator: str = "") -> str:
    fs = selector.field_selectors[i]
    path = f"{selector_label(index, selector.name)}.FieldSelectors[{i}] ({fs.field})"
    return f"{path}.{operator}" if operator else path


def _check_field(
    category: str,
    selector: AdvancedSelector,
    index: int,
    i: int,
    errors: list[Problem],
    soft: list[Problem],
) -> None:
    # ``soft`` receives what breaks only trailguard's knowledge: ``errors`` itself when
    # writing, the warnings when reading. Paths are formatted only when there is a problem:
    # this runs on every trail evaluated.
    fs = selector.field_selectors[i]
    read = soft is not errors
    allowed = ALLOWED_FIELDS[category]
    operators = allowed.get(fs.field)
    if operators is None:
        soft.append(
            Problem(
                _field_path(selector, index, i),
                f"field {fs.field!r} is not known to trailguard for {category} selectors; "
                f"{_NARROWS}"
                if read
                else f"field {fs.field!r} is not allowed in a {category} selector on a trail "
                f"(allowed: {', '.join(allowed)})",
            )
        )
        return
    choices = ALLOWED_VALUES.get((category, fs.field))
    arn_field = fs.field == "resources.ARN"
    for operator, values in fs.operators():
        if operator not in ALL_OPERATORS:
            soft.append(
                Problem(
                    _field_path(selector, index, i, operator),
                    f"operator {operator!r} is not known to trailguard; {_NARROWS}"
                    if read
                    else f"unknown operator {operator!r} (expected one of {', '.join(OPERATORS)})",
                )
            )
            continue
        if operator not in operators:
            permitted = " or ".join(sorted(operators))
            soft.append(
                Problem(
                    _field_path(selector, index, i, operator),
                    f"operator {operator} is not allowed for {fs.field}; use {permitted}",
                )
            )
            continue
        for k, value in enumerate(values):
            message = value_problem(arn_field, operator, value, choices)
            if message:
                soft.append(Problem(f"{_field_path(selector, index, i, operator)}[{k}]", message))


def value_problem(
    arn_field: bool, operator: str, value: str, choices: Collection[str] | None
) -> str | None:
    """What CloudTrail refuses in one value of a condition (None when it is accepted)."""
    if not value or len(value) > MAX_VALUE_LENGTH:
        return f"value must be 1 to {MAX_VALUE_LENGTH} characters, got {len(value)}"
    if choices is not None and value not in choices:
        return f"{value!r} is not one of {', '.join(choices)}"
    if arn_field and operator in _EQUALS_NOT_EQUALS and not _ARN.match(value):
        return f"{operator} on resources.ARN needs a full ARN, got {value!r}"
    return None


def _check_advanced(
    selector: AdvancedSelector, index: int, errors: list[Problem], soft: list[Problem]
) -> None:
    def here() -> str:
        return selector_label(index, selector.name)

    if selector.name is not None and len(selector.name) > MAX_NAME_LENGTH:
        soft.append(Problem(f"{here()}.Name", f"longer than {MAX_NAME_LENGTH} characters"))
    fields = [fs.field for fs in selector.field_selectors]
    for field in SINGLE_FIELDS:
        if fields.count(field) > 1:  # evaluated as both conditions: narrowing only
            soft.append(Problem(here(), f"field {field} appears more than once"))
    category_index = fields.index("eventCategory") if "eventCategory" in fields else -1
    category_field = selector.field_selectors[category_index] if category_index >= 0 else None
    if category_field is None:
        errors.append(
            Problem(
                here(), "eventCategory is required (Equals Management, Data or NetworkActivity)"
            )
        )
        return
    categories = category_field.equals
    read = soft is not errors
    if len(categories) != 1 or not (read or categories[0] in CATEGORIES):
        shown = ", ".join(categories) or "no Equals value"
        errors.append(
            Problem(
                _field_path(selector, index, category_index),
                f"eventCategory must be Equals exactly one of {', '.join(CATEGORIES)}, got {shown}",
            )
        )
        return
    category = categories[0]
    if category not in CATEGORIES:  # reading: such a selector logs no event we require
        soft.append(
            Problem(
                _field_path(selector, index, category_index),
                f"eventCategory {category!r} is not known to trailguard; "
                "evaluated as logging no data events",
            )
        )
        return
    for required in REQUIRED_FIELDS[category]:
        if required not in fields:
            errors.append(Problem(here(), f"{required} is required in a {category} selector"))
    for i in range(len(selector.field_selectors)):
        _check_field(category, selector, index, i, errors, soft)


def _check_basic(
    selectors: tuple[BasicSelector, ...], problems: list[Problem], soft: list[Problem]
) -> None:
    if len(selectors) > MAX_BASIC_SELECTORS:
        soft.append(
            Problem(
                "EventSelectors",
                f"at most {MAX_BASIC_SELECTORS} basic selectors, got {len(selectors)}",
            )
        )
    total = 0
    for i, selector in enumerate(selectors):
        for j, resource in enumerate(selector.data_resources):
            rpath = f"EventSelectors[{i}].DataResources[{j}]"
            total += len(resource.values)
            if resource.type not in BASIC_RESOURCE_TYPES:
                problems.append(
                    Problem(
                        f"{rpath}.Type",
                        f"{resource.type} cannot be logged with basic selectors "
                        f"(only {', '.join(BASIC_RESOURCE_TYPES)}); use advanced event selectors",
                    )
                )
            if not resource.values:
                problems.append(Problem(f"{rpath}.Values", "at least one value is required"))
            service = BASIC_SERVICES.get(resource.type)
            for k, value in enumerate(resource.values):
                parts = value.split(":")
                if len(parts) < 3 or parts[0] != "arn" or value.endswith("*"):
                    message = f"{value!r} is not a resource ARN or ARN prefix"
                elif service and parts[2] != service:
                    message = (
                        f"{value!r} is not an ARN of {resource.type} (arn:PARTITION:{service}...)"
                    )
                else:
                    continue
                problems.append(Problem(f"{rpath}.Values[{k}]", message))
        for k, source in enumerate(selector.exclude_management_event_sources):
            if source not in ALLOWED_VALUES[("Management", "eventSource")]:
                problems.append(
                    Problem(
                        f"EventSelectors[{i}].ExcludeManagementEventSources[{k}]",
                        f"{source!r} cannot be excluded "
                        "(only kms.amazonaws.com, rdsdata.amazonaws.com)",
                    )
                )
    if total > MAX_BASIC_DATA_VALUES:
        soft.append(
            Problem(
                "EventSelectors",
                f"at most {MAX_BASIC_DATA_VALUES} data resource values, got {total}",
            )
        )


def _problems(
    config: SelectorConfig, profile: Profile, carried: int = 0
) -> tuple[list[Problem], list[Problem]]:
    """(errors, warnings) of ``config`` under ``profile``, each in input order."""
    errors: list[Problem] = []
    warnings: list[Problem] = []
    soft = warnings if profile == "read" else errors
    if config.kind == "basic":
        _check_basic(config.basic, errors, soft)
        return errors, warnings
    for index, selector in enumerate(config.advanced):
        _check_advanced(selector, index, errors, warnings if index < carried else soft)
    total = sum(selector.value_count() for selector in config.advanced)
    if total > MAX_ADVANCED_VALUES:
        soft.append(
            Problem(
                "AdvancedEventSelectors",
                f"{total} condition values in total; a trail allows at most {MAX_ADVANCED_VALUES}",
            )
        )
    return errors, warnings


def validate_selectors(
    config: SelectorConfig, *, profile: Profile = "write", carried: int = 0
) -> list[Problem]:
    """Every rule ``config`` breaks that refuses it under ``profile``, in input order (empty
    when it is accepted; the read profile's warnings are left out, see :func:`read_warnings`).

    ``carried``: the first ``carried`` advanced selectors are carried over verbatim from what a
    trail returned (as the planner keeps them); they are held to the read profile even when
    writing, since CloudTrail accepted them already.
    """
    return _problems(config, profile, carried)[0]


def read_warnings(config: SelectorConfig) -> list[Problem]:
    """What the read profile reports about ``config`` without refusing it, in input order:
    the rules trailguard knows that CloudTrail evidently did not apply to it."""
    return _problems(config, "read")[1]


def check_valid(config: SelectorConfig, *, profile: Profile = "write") -> list[Problem]:
    """Raise :class:`SelectorError` for the first error, counting the others; otherwise return
    the warnings (only the read profile has any)."""
    problems, warnings = _problems(config, profile)
    if problems:
        first = problems[0]
        others = len(problems) - 1
        more = f" (and {others} more problem{'s' if others > 1 else ''})" if others else ""
        raise SelectorError(first.path, first.message + more)
    return warnings
