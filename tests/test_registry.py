"""The rule registry: every definition placed with its rule module, and nothing else."""

from __future__ import annotations

import pytest

from trailguard.rules.metadata import DEFINITIONS
from trailguard.rules.registry import (
    SCOPE_RESOURCE_TYPES,
    UnknownRule,
    rule,
    rules,
    rules_for,
)


def test_the_registry_holds_exactly_the_definitions() -> None:
    assert sorted(r.id for r in rules()) == sorted(p.stem for p in DEFINITIONS.glob("*.json"))
    assert [(r.id, r.scope, r.resource_type) for r in rules()] == [
        ("cloudtrail-sns-data-events-enabled", "trail", "AWS::CloudTrail::Trail"),
        ("cloudtrail-sns-data-events-account-coverage", "account-region", "AWS::::Account"),
    ]
    for found in rules():
        assert found.metadata.raw["id"] == found.id
        assert found.resource_type == SCOPE_RESOURCE_TYPES[found.scope]


def test_rules_for_a_scope() -> None:
    assert [r.id for r in rules_for("trail")] == ["cloudtrail-sns-data-events-enabled"]
    assert [r.id for r in rules_for("account-region")] == [
        "cloudtrail-sns-data-events-account-coverage"
    ]
    assert rules_for("event-data-store") == ()


def test_an_unknown_rule_is_a_clear_error() -> None:
    with pytest.raises(UnknownRule) as caught:
        rule("cloudtrail-sns-data-events-everywhere")
    assert str(caught.value) == (
        "unknown rule 'cloudtrail-sns-data-events-everywhere' (known: "
        "cloudtrail-sns-data-events-enabled, cloudtrail-sns-data-events-account-coverage)"
    )
    assert isinstance(caught.value, ValueError)
