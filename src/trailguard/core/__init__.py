"""The pure evaluation core: standard library only.

Everything that decides whether a trail records a set of data events lives here, so that the
CLI, the AWS Config rules and the SSM Automation script all share one implementation.
Nothing in this package may import boto3 or anything outside the standard library.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from trailguard.core.catalog import DATA_EVENT_TYPES, EventTypeInfo
    from trailguard.core.convert import basic_to_advanced, effective_selectors
    from trailguard.core.errors import SelectorError
    from trailguard.core.inclusion import find_lost
    from trailguard.core.model import (
        AdvancedSelector,
        BasicSelector,
        DataResource,
        FieldSelector,
        SelectorConfig,
    )
    from trailguard.core.parse import parse_response, selectors_to_api
    from trailguard.core.planner import Plan, PlanRefused, plan
    from trailguard.core.requirement import (
        DEFAULT_RESOURCE_TYPES,
        RequiredEvent,
        Requirement,
        build_requirement,
    )
    from trailguard.core.validate import Problem, check_valid, read_warnings, validate_selectors
    from trailguard.core.verdict import COMPLIANT, NON_COMPLIANT, Gap, Verdict, evaluate

# Names are imported on first use (PEP 562), so that a Config rule Lambda, which needs only the
# verdict, does not pay at cold start for the planner, the validator and the inclusion check.
_WHERE = {
    "AdvancedSelector": "trailguard.core.model",
    "BasicSelector": "trailguard.core.model",
    "COMPLIANT": "trailguard.core.verdict",
    "DATA_EVENT_TYPES": "trailguard.core.catalog",
    "DEFAULT_RESOURCE_TYPES": "trailguard.core.requirement",
    "DataResource": "trailguard.core.model",
    "EventTypeInfo": "trailguard.core.catalog",
    "FieldSelector": "trailguard.core.model",
    "Gap": "trailguard.core.verdict",
    "NON_COMPLIANT": "trailguard.core.verdict",
    "Plan": "trailguard.core.planner",
    "PlanRefused": "trailguard.core.planner",
    "Problem": "trailguard.core.validate",
    "RequiredEvent": "trailguard.core.requirement",
    "Requirement": "trailguard.core.requirement",
    "SelectorConfig": "trailguard.core.model",
    "SelectorError": "trailguard.core.errors",
    "Verdict": "trailguard.core.verdict",
    "basic_to_advanced": "trailguard.core.convert",
    "build_requirement": "trailguard.core.requirement",
    "check_valid": "trailguard.core.validate",
    "effective_selectors": "trailguard.core.convert",
    "evaluate": "trailguard.core.verdict",
    "find_lost": "trailguard.core.inclusion",
    "parse_response": "trailguard.core.parse",
    "plan": "trailguard.core.planner",
    "read_warnings": "trailguard.core.validate",
    "selectors_to_api": "trailguard.core.parse",
    "validate_selectors": "trailguard.core.validate",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "COMPLIANT",
    "DATA_EVENT_TYPES",
    "DEFAULT_RESOURCE_TYPES",
    "NON_COMPLIANT",
    "AdvancedSelector",
    "BasicSelector",
    "DataResource",
    "EventTypeInfo",
    "FieldSelector",
    "Gap",
    "Plan",
    "PlanRefused",
    "Problem",
    "RequiredEvent",
    "Requirement",
    "SelectorConfig",
    "SelectorError",
    "Verdict",
    "basic_to_advanced",
    "build_requirement",
    "check_valid",
    "effective_selectors",
    "evaluate",
    "find_lost",
    "parse_response",
    "plan",
    "read_warnings",
    "selectors_to_api",
    "validate_selectors",
]
