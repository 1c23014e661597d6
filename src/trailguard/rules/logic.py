"""Compatibility names for callers not yet moved to the registry (reporting, older tests).

New code imports from :mod:`trailguard.rules.facts`, :mod:`trailguard.rules.parameters` and
:mod:`trailguard.rules.registry` (``rule(id).scope``, ``rule(id).fix_text``...). The rule ids
and resource types below are read from the registry, not written here.
"""

from __future__ import annotations

from trailguard.rules.facts import NOT_APPLICABLE, Finding, NotEvaluated, TrailFacts, trail_verdict
from trailguard.rules.parameters import RuleParameters, accepted_exclusions, rule_parameters
from trailguard.rules.registry import SCOPE_RESOURCE_TYPES, rules_for
from trailguard.rules.sns_data_events_account_coverage import evaluate_account
from trailguard.rules.sns_data_events_enabled import evaluate_trail

TRAIL_RULE = rules_for("trail")[0].id
ACCOUNT_RULE = rules_for("account-region")[0].id
TRAIL_TYPE = SCOPE_RESOURCE_TYPES["trail"]
ACCOUNT_TYPE = SCOPE_RESOURCE_TYPES["account-region"]

__all__ = [
    "ACCOUNT_RULE",
    "ACCOUNT_TYPE",
    "NOT_APPLICABLE",
    "TRAIL_RULE",
    "TRAIL_TYPE",
    "Finding",
    "NotEvaluated",
    "RuleParameters",
    "TrailFacts",
    "accepted_exclusions",
    "evaluate_account",
    "evaluate_trail",
    "rule_parameters",
    "trail_verdict",
]
