"""Compatibility names for callers not yet moved to the registry (reporting, older tests).

New code imports from :mod:`trailguard.rules.facts`, :mod:`trailguard.rules.parameters` and
:mod:`trailguard.rules.registry` (``rule(id).scope``, ``rule(id).fix_text``...). The rule ids
and resource types below are read from the registry when first asked for, not written here.
"""

from __future__ import annotations

from trailguard.rules.facts import NOT_APPLICABLE, Finding, NotEvaluated, TrailFacts, trail_verdict
from trailguard.rules.parameters import RuleParameters, accepted_exclusions, rule_parameters
from trailguard.rules.registry import SCOPE_RESOURCE_TYPES, Scope, rules_for
from trailguard.rules.sns_data_events_account_coverage import evaluate_account
from trailguard.rules.sns_data_events_enabled import evaluate_trail

TRAIL_TYPE = SCOPE_RESOURCE_TYPES["trail"]
ACCOUNT_TYPE = SCOPE_RESOURCE_TYPES["account-region"]
_FIRST_OF_SCOPE: dict[str, Scope] = {"TRAIL_RULE": "trail", "ACCOUNT_RULE": "account-region"}


def __getattr__(name: str) -> str:
    # Lazily: importing this module must not place every definition (the build reports a
    # definition it cannot place in one line).
    if name in _FIRST_OF_SCOPE:
        return rules_for(_FIRST_OF_SCOPE[name])[0].id
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "ACCOUNT_TYPE",
    "NOT_APPLICABLE",
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
