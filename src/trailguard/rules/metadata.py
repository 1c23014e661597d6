"""Rule metadata, one JSON file per rule under ``definitions/``, named by the rule id.

The definitions on disk are the list of rules: :mod:`trailguard.rules.registry` places each one
with the rule module that declares it (and refuses a definition it cannot place).

The Lambda has only the standard library and boto3, so parameters are validated here against
the rule's JSON schema by a small validator for the keywords the schemas use (``type``,
``properties``, ``additionalProperties``, ``enum``, ``pattern``, ``maxLength``); the test
suite checks it against the jsonschema library on the same schemas.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trailguard.core.catalog import DATA_EVENT_TYPES
from trailguard.core.requirement import DEFAULT_RESOURCE_TYPES

DEFINITIONS = Path(__file__).resolve().parent / "definitions"
INPUT_PARAMETERS_LIMIT = 1024  # characters of a Config rule's InputParameters


def _resource_types_pattern() -> str:
    """The parameter ResourceTypes: a comma-separated list of the catalog's types of the
    default type's service (SNS: topics and platform endpoints)."""
    service = DATA_EVENT_TYPES[DEFAULT_RESOURCE_TYPES[0]].arn_service
    types = [t for t, info in DATA_EVENT_TYPES.items() if info.arn_service == service]
    prefix = types[0][: types[0].rindex("::") + 2]
    if not all(t.startswith(prefix) for t in types):
        one = "(" + "|".join(re.escape(t) for t in types) + ")"
    else:
        one = prefix + "(" + "|".join(t.removeprefix(prefix) for t in types) + ")"
    more = "?" if len(types) == 2 else f"{{0,{len(types) - 1}}}"
    return f"^{one}(,{one}){more}$"


# The parameter ResourceTypes of every rule (and of the SSM document): written here only,
# derived from the catalog; the definitions leave out its default and pattern.
RESOURCE_TYPES_PATTERN = _resource_types_pattern()
RESOURCE_TYPES_DEFAULT = ",".join(DEFAULT_RESOURCE_TYPES)


class ParameterError(ValueError):
    """Rule parameters that do not fit the rule's schema; the message names the parameter."""


class DefinitionError(ValueError):
    """A definition file that does not fit the definition schema; the message names the file
    and the field."""


# How a rule meets a control: ``direct`` when the control asks for what the rule checks,
# ``by analogy`` when it asks the same of something else (no framework names SNS publishing).
MAPPINGS = ("direct", "by analogy")
CONTROL_FIELDS = ("framework", "control", "title", "mapping", "rationale")
NO_FRAMEWORK_NAMES_SNS = (
    "No framework names Amazon SNS publishing: a control is mapped direct when it asks for "
    "the audit logging of system or user activity that the rule checks, by analogy when it "
    "asks the same of something else (S3 object-level logging)."
)


@dataclass(frozen=True, slots=True)
class ControlMapping:
    """One control of a compliance framework that the rule's check supports."""

    framework: str
    control: str
    title: str
    mapping: str  # one of MAPPINGS
    rationale: str

    @property
    def label(self) -> str:
        """E.g. "NIST SP 800-53 Rev. 5 AU-2 (direct)"."""
        return f"{self.framework} {self.control} ({self.mapping})"

    def to_dict(self) -> dict[str, str]:
        return {name: str(getattr(self, name)) for name in CONTROL_FIELDS}


def check_controls(raw: Any, where: str) -> tuple[ControlMapping, ...]:
    """The ``controls`` of a definition, each checked: a list of objects with exactly
    CONTROL_FIELDS, each a non-empty string, ``mapping`` one of MAPPINGS; DefinitionError
    naming ``where`` and the entry otherwise."""
    if not isinstance(raw, list) or not raw:
        raise DefinitionError(f"{where}: controls must be a non-empty list of control mappings")
    found = []
    for index, item in enumerate(raw):
        at = f"{where}: controls[{index}]"
        if not isinstance(item, dict) or set(item) != set(CONTROL_FIELDS):
            raise DefinitionError(f"{at} must be an object with keys {', '.join(CONTROL_FIELDS)}")
        for name in CONTROL_FIELDS:
            if not isinstance(item[name], str) or not item[name].strip():
                raise DefinitionError(f"{at}.{name} must be a non-empty string")
        if item["mapping"] not in MAPPINGS:
            raise DefinitionError(f"{at}.mapping must be one of: {', '.join(MAPPINGS)}")
        found.append(ControlMapping(**{name: item[name] for name in CONTROL_FIELDS}))
    return tuple(found)


@dataclass(frozen=True, slots=True)
class RuleMetadata:
    """One rule's definition file, with a typed accessor for each of its fields."""

    id: str
    raw: dict[str, Any]

    @property
    def title(self) -> str:
        return str(self.raw["title"])

    @property
    def description(self) -> str:
        return str(self.raw["description"])

    @property
    def severity(self) -> str:
        return str(self.raw["severity"])

    @property
    def resource_type(self) -> str:
        return str(self.raw["resourceType"])

    @property
    def triggers(self) -> dict[str, bool]:
        return {str(k): bool(v) for k, v in self.raw["triggers"].items()}

    @property
    def default_frequency(self) -> str:
        return str(self.raw["defaultFrequency"])

    @property
    def parameter_schema(self) -> dict[str, Any]:
        return self.schema

    @property
    def remediation(self) -> dict[str, str] | None:
        found = self.raw.get("remediation")
        return {str(k): str(v) for k, v in found.items()} if found else None

    @property
    def risk(self) -> str:
        return str(self.raw["risk"])

    @property
    def fix(self) -> str:
        return str(self.raw["fix"])

    @property
    def controls(self) -> tuple[ControlMapping, ...]:
        """The controls the rule supports, each mapped ``direct`` or ``by analogy``."""
        return check_controls(self.raw.get("controls"), f"definition {self.id}")

    @property
    def schema(self) -> dict[str, Any]:
        return dict(self.raw["parameterSchema"])

    def defaults(self) -> dict[str, str]:
        return {k: str(v["default"]) for k, v in self.schema["properties"].items()}


def definition_ids() -> tuple[str, ...]:
    """The rule ids that have a definition file, sorted."""
    return tuple(sorted(path.stem for path in DEFINITIONS.glob("*.json")))


def load(rule_id: str) -> RuleMetadata:
    """The definition of ``rule_id``; KeyError naming the known ids when there is none."""
    path = DEFINITIONS / f"{rule_id}.json"
    if "/" in rule_id or not path.is_file():
        raise KeyError(f"unknown rule {rule_id!r} (known: {', '.join(definition_ids())})")
    raw = _complete(json.loads(path.read_text(encoding="utf-8")))
    check_controls(raw.get("controls"), f"{path.name}")
    return RuleMetadata(rule_id, raw)


def _complete(raw: dict[str, Any]) -> dict[str, Any]:
    """The definition with the ResourceTypes parameter's default and pattern filled in."""
    properties = raw.get("parameterSchema", {}).get("properties", {})
    spec = properties.get("ResourceTypes")
    if isinstance(spec, dict):
        properties["ResourceTypes"] = {
            "type": spec.get("type", "string"),
            "default": RESOURCE_TYPES_DEFAULT,
            "pattern": RESOURCE_TYPES_PATTERN,
            **{k: v for k, v in spec.items() if k not in ("type", "default", "pattern")},
        }
    return raw


def definition_text(metadata: RuleMetadata) -> str:
    """The complete definition as JSON (``rules/<id>/rule.json``)."""
    return json.dumps(metadata.raw, indent=2) + "\n"


def _check(schema: dict[str, Any], value: Any, where: str) -> None:
    expected = schema.get("type")
    if expected == "object":
        if not isinstance(value, dict):
            raise ParameterError(f"{where}: expected a JSON object of parameters")
        properties = schema.get("properties", {})
        for key, item in value.items():
            if key not in properties:
                if schema.get("additionalProperties", True) is False:
                    known = ", ".join(properties)
                    raise ParameterError(f"unknown parameter {key!r} (known: {known})")
                continue
            _check(properties[key], item, key)
        return
    if expected == "string" and not isinstance(value, str):
        raise ParameterError(f"parameter {where}: expected a string, got {type(value).__name__}")
    if "enum" in schema and value not in schema["enum"]:
        allowed = ", ".join(schema["enum"])
        raise ParameterError(f"parameter {where}: {value!r} is not one of {allowed}")
    if "maxLength" in schema and len(value) > schema["maxLength"]:
        raise ParameterError(
            f"parameter {where}: longer than {schema['maxLength']} characters ({len(value)})"
        )
    if "pattern" in schema and not re.search(schema["pattern"], value):
        raise ParameterError(f"parameter {where}: {value!r} does not match {schema['pattern']}")


def _check_size(text: str, values: Any) -> None:
    if len(text) <= INPUT_PARAMETERS_LIMIT:
        return
    largest = ""
    if isinstance(values, dict) and values:
        name = max(values, key=lambda k: len(json.dumps(values[k], ensure_ascii=False)))
        largest = f" ({name} takes {len(json.dumps(values[name], ensure_ascii=False))})"
    raise ParameterError(
        f"rule parameters are {len(text)} characters as JSON{largest}; AWS Config allows "
        f"{INPUT_PARAMETERS_LIMIT} for a rule's InputParameters"
    )


def parameters(metadata: RuleMetadata, raw: str | dict[str, Any] | None) -> dict[str, str]:
    """The rule's parameters: ``raw`` (Config's ``ruleParameters`` JSON) over the defaults.

    ``raw`` must fit AWS Config's limit on InputParameters: as given when it is JSON text, in
    its most compact JSON form when it is a mapping."""
    if isinstance(raw, str):
        text = raw
        try:
            raw = json.loads(text) if text.strip() else {}
        except (ValueError, RecursionError) as exc:
            _check_size(text, None)
            raise ParameterError(f"rule parameters are not valid JSON: {exc}") from exc
        _check_size(text, raw)
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ParameterError("rule parameters must be a JSON object of parameter names to values")
    values = dict(raw)
    _check_size(json.dumps(values, separators=(",", ":"), ensure_ascii=False), values)
    _check(metadata.schema, values, "ruleParameters")
    return {**metadata.defaults(), **values}
