"""The event-data-store profile: CloudTrail's documented rules for the advanced event selectors
of a CloudTrail Lake event data store, for what a user writes (a template or a plan).

Event data stores take the same advanced selectors as trails, with these differences (CloudTrail
API reference, AdvancedEventSelector and AdvancedFieldSelector; CloudTrail user guide, "Create an
event data store"; quotas "CloudTrail quotas"):

- Management selectors may also filter on ``eventName``, ``eventType``,
  ``sessionCredentialFromConsole`` and ``userIdentity.arn``;
- the categories ``ConfigurationItem``, ``ActivityAuditLog`` and ``Insight`` exist, and their
  selectors take ``eventCategory`` only;
- at most 5 advanced selectors, and (as for trails) at most 500 condition values in total;
- there are no basic event selectors.

The operators allowed per field are those of the trail profile for the fields both share
(:data:`trailguard.core.validate.ALLOWED_FIELDS`). Problems use the trail profile's paths, so a
caller locates them the same way.
"""

from __future__ import annotations

import re

from trailguard.core.model import OPERATORS, AdvancedSelector, SelectorConfig
from trailguard.core.parse import selector_label
from trailguard.core.validate import (
    ALL_OPERATORS,
    ALLOWED_FIELDS,
    ALLOWED_VALUES,
    MAX_ADVANCED_VALUES,
    MAX_NAME_LENGTH,
    REQUIRED_FIELDS,
    SINGLE_FIELDS,
    Problem,
    value_problem,
)

MAX_DATA_STORE_SELECTORS = 5
_ONLY_CATEGORY = {"eventCategory": frozenset(("Equals",))}
DATA_STORE_FIELDS: dict[str, dict[str, frozenset[str]]] = {
    "Management": {
        **ALLOWED_FIELDS["Management"],
        "eventName": ALL_OPERATORS,
        "eventType": ALL_OPERATORS,
        "sessionCredentialFromConsole": frozenset(("Equals", "NotEquals")),
        "userIdentity.arn": ALL_OPERATORS,
    },
    "Data": ALLOWED_FIELDS["Data"],
    "NetworkActivity": ALLOWED_FIELDS["NetworkActivity"],
    "ConfigurationItem": _ONLY_CATEGORY,
    "ActivityAuditLog": _ONLY_CATEGORY,
    "Insight": _ONLY_CATEGORY,
}
_DATA_STORE_VALUES = {
    **ALLOWED_VALUES,
    ("Management", "sessionCredentialFromConsole"): ("true", "false"),
}
_ARN = re.compile(r"^arn:[a-z0-9-]+:[a-z0-9-]+:")


def _field_path(selector: AdvancedSelector, index: int, i: int, operator: str = "") -> str:
    fs = selector.field_selectors[i]
    path = f"{selector_label(index, selector.name)}.FieldSelectors[{i}] ({fs.field})"
    return f"{path}.{operator}" if operator else path


def _check_selector(selector: AdvancedSelector, index: int, problems: list[Problem]) -> None:
    here = selector_label(index, selector.name)
    if selector.name is not None and len(selector.name) > MAX_NAME_LENGTH:
        problems.append(Problem(f"{here}.Name", f"longer than {MAX_NAME_LENGTH} characters"))
    fields = [fs.field for fs in selector.field_selectors]
    for field in SINGLE_FIELDS:
        if fields.count(field) > 1:
            problems.append(Problem(here, f"field {field} appears more than once"))
    categories = selector.equals_values("eventCategory")
    if "eventCategory" not in fields:
        problems.append(Problem(here, "eventCategory is required"))
        return
    category_index = fields.index("eventCategory")
    if len(categories) != 1 or categories[0] not in DATA_STORE_FIELDS:
        shown = ", ".join(categories) or "no Equals value"
        problems.append(
            Problem(
                _field_path(selector, index, category_index),
                f"eventCategory must be Equals exactly one of {', '.join(DATA_STORE_FIELDS)} "
                f"on an event data store, got {shown}",
            )
        )
        return
    category = categories[0]
    allowed = DATA_STORE_FIELDS[category]
    for required in REQUIRED_FIELDS.get(category, ("eventCategory",)):
        if required not in fields:
            problems.append(Problem(here, f"{required} is required in a {category} selector"))
    for i, fs in enumerate(selector.field_selectors):
        operators = allowed.get(fs.field)
        if operators is None:
            problems.append(
                Problem(
                    _field_path(selector, index, i),
                    f"field {fs.field!r} is not allowed in a {category} selector of an event "
                    f"data store (allowed: {', '.join(allowed)})",
                )
            )
            continue
        choices = _DATA_STORE_VALUES.get((category, fs.field))
        for operator, values in fs.operators():
            if operator not in operators:
                known = operator in OPERATORS
                problems.append(
                    Problem(
                        _field_path(selector, index, i, operator),
                        f"operator {operator} is not allowed for {fs.field}; "
                        f"use {' or '.join(sorted(operators))}"
                        if known
                        else f"unknown operator {operator!r} (expected one of "
                        f"{', '.join(OPERATORS)})",
                    )
                )
                continue
            for k, value in enumerate(values):
                message = value_problem(fs.field == "resources.ARN", operator, value, choices)
                if message:
                    path = f"{_field_path(selector, index, i, operator)}[{k}]"
                    problems.append(Problem(path, message))


def validate_data_store(config: SelectorConfig) -> list[Problem]:
    """Every documented rule the selectors of an event data store break, in input order (empty
    when CloudTrail accepts them)."""
    problems: list[Problem] = []
    if config.kind == "basic":
        return [Problem("EventSelectors", "an event data store takes advanced selectors only")]
    if len(config.advanced) > MAX_DATA_STORE_SELECTORS:
        problems.append(
            Problem(
                "AdvancedEventSelectors",
                f"an event data store allows at most {MAX_DATA_STORE_SELECTORS} advanced "
                f"selectors, got {len(config.advanced)}",
            )
        )
    for index, selector in enumerate(config.advanced):
        _check_selector(selector, index, problems)
    total = sum(selector.value_count() for selector in config.advanced)
    if total > MAX_ADVANCED_VALUES:
        problems.append(
            Problem(
                "AdvancedEventSelectors",
                f"{total} condition values in total; at most {MAX_ADVANCED_VALUES} are allowed",
            )
        )
    return problems
