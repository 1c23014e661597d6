"""The pure evaluation core: standard library only.

Everything that decides whether a trail records a set of data events lives here, so that the
CLI, the AWS Config rules and the SSM Automation script all share one implementation.
Nothing in this package may import boto3 or anything outside the standard library.
"""

from __future__ import annotations

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
from trailguard.core.plan import Plan, PlanRefused, plan
from trailguard.core.requirement import (
    DEFAULT_RESOURCE_TYPES,
    RequiredEvent,
    Requirement,
    build_requirement,
)
from trailguard.core.validate import Problem, check_valid, validate_selectors
from trailguard.core.verdict import COMPLIANT, NON_COMPLIANT, Gap, Verdict, evaluate

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
    "selectors_to_api",
    "validate_selectors",
]
