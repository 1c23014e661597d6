"""The rules' parameters, parsed from the strings AWS Config passes (schema-checked first by
:func:`trailguard.rules.metadata.parameters`)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from trailguard.core.errors import SelectorError
from trailguard.core.exclusions import parse_exclusions
from trailguard.core.model import AdvancedSelector
from trailguard.core.requirement import DEFAULT_RESOURCE_TYPES, Requirement, build_requirement
from trailguard.rules.metadata import ParameterError


@dataclass(frozen=True, slots=True)
class RuleParameters:
    resource_types: tuple[str, ...] = DEFAULT_RESOURCE_TYPES
    exempt_trails: tuple[str, ...] = ()
    exemption_tag_key: str = ""
    require_logging: bool = True
    execution_role_name: str = ""
    accepted_exclusions: tuple[AdvancedSelector, ...] = ()

    @classmethod
    def from_strings(cls, values: dict[str, str]) -> RuleParameters:
        """From the parameters as strings (schema-checked); raises ParameterError naming a
        parameter whose value does not parse."""

        # "-" stands for "none": AWS Config parameters are better not left empty.
        def items(key: str, default: str = "") -> tuple[str, ...]:
            parts = values.get(key, default).split(",")
            return tuple(v.strip() for v in parts if v.strip() and v.strip() != "-")

        tag_key = values.get("ExemptionTagKey", "").strip()
        role_name = values.get("ExecutionRoleName", "").strip()
        return cls(
            resource_types=items("ResourceTypes", ",".join(DEFAULT_RESOURCE_TYPES)),
            exempt_trails=items("ExemptTrails"),
            exemption_tag_key="" if tag_key == "-" else tag_key,
            require_logging=values.get("RequireLogging", "true").lower() != "false",
            execution_role_name="" if role_name == "-" else role_name,
            accepted_exclusions=accepted_exclusions(values.get("AcceptedExclusions", "-")),
        )

    def requirement(self, partition: str) -> Requirement:
        return build_requirement(self.resource_types, None, partition, self.accepted_exclusions)


def accepted_exclusions(text: str) -> tuple[AdvancedSelector, ...]:
    """The parameter AcceptedExclusions: ``-`` for none, else a JSON list of CloudTrail field
    selectors (see :mod:`trailguard.core.exclusions`)."""
    if text.strip() in ("", "-"):
        return ()
    try:
        raw = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise ParameterError(f"parameter AcceptedExclusions: not valid JSON: {exc}") from exc
    try:
        return parse_exclusions(raw, "AcceptedExclusions")
    except SelectorError as exc:
        raise ParameterError(f"parameter {exc}") from exc


def rule_parameters(raw: str | dict[str, Any] | None = None) -> RuleParameters:
    """The parameters of ``trailguard scan`` and the demo: ``raw`` over the defaults, checked
    against the schema of the first per-trail rule of the registry (the widest one); raises
    ParameterError naming a bad parameter."""
    from trailguard.rules.metadata import parameters
    from trailguard.rules.registry import rules_for

    return RuleParameters.from_strings(parameters(rules_for("trail")[0].metadata, raw))
