"""The rule registry: every Config rule trailguard ships, as declared by its own module.

Each definition ``definitions/<id>.json`` is placed with the module ``trailguard.rules.<name>``,
``<name>`` being the id without its ``cloudtrail-`` prefix, dashes as underscores
(``cloudtrail-sns-data-events-enabled`` -> ``trailguard.rules.sns_data_events_enabled``); that
module declares ``RULE``, a :class:`Rule`. Adding a rule is its definition plus its module:
the Lambda runtime, ``trailguard rule run``, ``scan``, the demo, the Config results report and
the build loop over :func:`rules` and dispatch on :attr:`Rule.scope`, never on an id.

A definition that cannot be placed (no module, no ``RULE``, another id, an unknown scope or a
resource type that does not fit the scope) makes :func:`rules` raise :class:`UnplaceableRule`,
one line naming the file; ``trailguard build`` reports it as such.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Literal, get_args

from trailguard.rules.facts import Finding, TrailFacts
from trailguard.rules.metadata import DefinitionError, RuleMetadata, definition_ids

Scope = Literal["trail", "account-region", "event-data-store"]
# In this order: rules() lists per-trail rules first (the conformance pack's order).
SCOPES: tuple[Scope, ...] = get_args(Scope)
# The resource a rule of each scope evaluates (its definition's resourceType).
SCOPE_RESOURCE_TYPES: dict[Scope, str] = {
    "trail": "AWS::CloudTrail::Trail",
    "account-region": "AWS::::Account",
    "event-data-store": "AWS::CloudTrail::EventDataStore",
}
MODULE_PREFIX = "trailguard.rules."


class UnknownRule(ValueError):
    """A rule id the registry does not hold; the message names the known ids."""


class UnplaceableRule(ValueError):
    """A definition the registry cannot place with a rule module; the message says why."""


@dataclass(frozen=True)
class Rule:
    """One Config rule.

    ``evaluate`` depends on the scope (the plumbing calls it so):

    - ``trail``: ``evaluate(facts: TrailFacts, params, region, account_id | None) -> Finding``
      for one trail seen from ``region`` of ``account_id``;
    - ``account-region``: ``evaluate(account_id, region, trails: list[TrailFacts], params)
      -> Finding`` for one account and region, from every trail visible there.

    Both raise :class:`~trailguard.rules.facts.NotEvaluated` when facts they need were not
    read. ``fix_text(finding, facts)`` is the fix of a NON_COMPLIANT finding (``facts`` when
    the trail was read, else None), None when there is nothing to say.
    """

    id: str
    scope: Scope
    metadata: RuleMetadata
    evaluate: Callable[..., Finding]
    fix_text: Callable[[Finding, TrailFacts | None], str | None]
    # The conformance pack parameter holding the rule's Lambda ARN ("" for the default:
    # the id in CamelCase + "LambdaArn").
    lambda_parameter: str = ""

    @property
    def resource_type(self) -> str:
        return self.metadata.resource_type

    @property
    def pack_lambda_parameter(self) -> str:
        return self.lambda_parameter or logical_id(self.id) + "LambdaArn"


def logical_id(rule_id: str) -> str:
    """The rule's CloudFormation logical id: its id in CamelCase."""
    return "".join(part.capitalize() for part in rule_id.split("-"))


def module_name(rule_id: str) -> str:
    """The module that declares ``rule_id``."""
    return MODULE_PREFIX + rule_id.removeprefix("cloudtrail-").replace("-", "_")


def _place(rule_id: str) -> Rule:
    where = f"rule definition definitions/{rule_id}.json"
    name = module_name(rule_id)
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name != name:
            raise
        raise UnplaceableRule(f"{where}: no rule module {name} declares it") from None
    except DefinitionError as exc:  # the module loads its definition on import
        raise UnplaceableRule(f"rule definition definitions/{exc}") from None
    declared = getattr(module, "RULE", None)
    if not isinstance(declared, Rule):
        raise UnplaceableRule(f"{where}: {name} declares no RULE (a trailguard Rule)")
    if declared.id != rule_id or declared.metadata.id != rule_id:
        raise UnplaceableRule(f"{where}: {name} declares rule {declared.id!r} instead")
    if declared.scope not in SCOPES:
        raise UnplaceableRule(
            f"{where}: scope {declared.scope!r} is not one of {', '.join(SCOPES)}"
        )
    expected = SCOPE_RESOURCE_TYPES[declared.scope]
    if declared.resource_type != expected:
        raise UnplaceableRule(
            f"{where}: resourceType {declared.resource_type} does not fit scope "
            f"{declared.scope} ({expected})"
        )
    return declared


@cache
def _registry() -> tuple[Rule, ...]:
    placed = [_place(rule_id) for rule_id in definition_ids()]
    return tuple(sorted(placed, key=lambda r: (SCOPES.index(r.scope), r.id)))


def rules() -> tuple[Rule, ...]:
    """Every rule, per-trail rules first, then by scope, then by id; UnplaceableRule when a
    definition has no rule."""
    return _registry()


def rule(rule_id: str) -> Rule:
    """The rule ``rule_id``; UnknownRule naming the known ids when there is none."""
    for found in rules():
        if found.id == rule_id:
            return found
    known = ", ".join(r.id for r in rules())
    raise UnknownRule(f"unknown rule {rule_id!r} (known: {known})")


def rules_for(scope: Scope) -> tuple[Rule, ...]:
    """The rules of ``scope``, in :func:`rules` order."""
    return tuple(r for r in rules() if r.scope == scope)


def rule_ids() -> tuple[str, ...]:
    return tuple(r.id for r in rules())
