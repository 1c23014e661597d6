"""CloudFormation (and CDK) templates, read through cfn-lint: trails and event data stores, one
:class:`~trailguard.iac.model.Resource` per condition scenario, and the findings the cfn-lint
rules and ``trailguard iac`` both show.

cfn-lint gives the scenarios (every combination of the conditions of the ``Fn::If`` under a
resource's properties that its condition relations allow); each ``Fn::If`` is resolved here
with the scenario, keeping where each value came from so that a finding points at its line.
A scenario in which the resource's own ``Condition`` is false is not judged (the resource does
not exist there). Any other intrinsic function is a value unknown before deploy.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from cfnlint.decode import decode
from cfnlint.template import Template

from trailguard.core import Requirement, build_requirement
from trailguard.core.exclusions import parse_exclusions
from trailguard.iac.judge import FileResult, Judgement, judge, merge_scenarios
from trailguard.iac.model import (
    DATA_STORE,
    TRAIL,
    Finding,
    IacInputError,
    Location,
    Path,
    Resource,
    Unknown,
)

CFN_TYPES = {"AWS::CloudTrail::Trail": TRAIL, "AWS::CloudTrail::EventDataStore": DATA_STORE}
_LOGGING = {TRAIL: "IsLogging", DATA_STORE: "IngestionEnabled"}
_SELECTOR_KEYS = ("AdvancedEventSelectors", "EventSelectors")


@dataclass(frozen=True)
class Options:
    """What the rules are configured with (cfn-lint's rule configuration, or iac's options)."""

    requirement: Requirement
    types: tuple[str, ...] = tuple(CFN_TYPES)


def options(config: dict[str, Any]) -> Options:
    """Options from the coverage rule's configuration (``resource_types``, ``event_names``,
    ``accepted_exclusions``, ``partition``, ``judged_types``); ValueError on a bad one."""
    import json

    raw = str(config.get("accepted_exclusions") or "").strip()
    try:
        exclusions = parse_exclusions(json.loads(raw), "accepted_exclusions") if raw else ()
        requirement = build_requirement(
            list(config.get("resource_types") or []) or None,
            list(config.get("event_names") or []) or None,
            str(config.get("partition") or "aws"),
            exclusions,
        )
    except ValueError as exc:
        raise ValueError(f"trailguard rule configuration: {exc}") from exc
    types = tuple(config.get("judged_types") or CFN_TYPES)
    unknown = [t for t in types if t not in CFN_TYPES]
    if unknown:
        raise ValueError(
            f"trailguard rule configuration: judged_types: {', '.join(unknown)} is not one of "
            f"{', '.join(CFN_TYPES)}"
        )
    return Options(requirement, types)


def _intrinsic(value: dict[Any, Any]) -> str | None:
    if len(value) != 1:
        return None
    (key,) = value
    if key == "Ref":
        return f"Ref {value[key]}" if isinstance(value[key], str) else "Ref"
    return str(key) if isinstance(key, str) and key.startswith("Fn::") else None


class _Resolver:
    """Resolves ``Fn::If`` with one scenario into plain values, recording the source path of
    every list item whose index moved."""

    def __init__(self, scenario: dict[str, bool]) -> None:
        self.scenario = scenario
        self.origins: list[tuple[Path, Path]] = []

    def value(self, value: Any, api: Path, source: Path) -> Any:
        if isinstance(value, dict):
            fn = _intrinsic(value)
            if fn == "Fn::If":
                branch = value["Fn::If"]
                if isinstance(branch, list) and len(branch) == 3 and branch[0] in self.scenario:
                    taken = 1 if self.scenario[branch[0]] else 2
                    self.origins.append((api, (*source, "Fn::If", taken)))
                    return self.value(branch[taken], api, (*source, "Fn::If", taken))
                return Unknown("Fn::If")
            if fn == "Ref AWS::NoValue":
                return None
            if fn is not None:
                return Unknown(fn)
            out = {}
            for key, item in value.items():
                resolved = self.value(item, (*api, str(key)), (*source, str(key)))
                if resolved is not None:
                    out[str(key)] = resolved
            return out
        if isinstance(value, list):
            items: list[Any] = []
            for i, item in enumerate(value):
                recorded = len(self.origins)
                resolved = self.value(item, (*api, len(items)), (*source, i))
                if resolved is None:  # Ref AWS::NoValue: the item is not there
                    del self.origins[recorded:]
                    continue
                if len(items) != i:
                    self.origins.insert(recorded, ((*api, len(items)), (*source, i)))
                items.append(resolved)
            return items
        if isinstance(value, bool | int | float):
            return value
        return str(value)


def _logging(value: Any) -> bool | Unknown:
    if isinstance(value, Unknown):
        return value
    return str(value).lower() != "false"


def _scenarios(cfn: Template, properties: Any, prefix: Path) -> list[dict[str, bool]]:
    if not isinstance(properties, dict):
        return [{}]
    found = cfn.get_object_without_nested_conditions(properties, list(prefix))
    return [dict(item["Scenario"] or {}) for item in found] or [{}]


def resources(cfn: Template, opts: Options, source: str) -> Iterator[list[Resource]]:
    """Each judged resource of the template, once per scenario."""
    for name, attributes in cfn.get_resources(list(opts.types)).items():
        kind = CFN_TYPES[attributes["Type"]]
        properties = attributes.get("Properties", {})
        prefix: Path = ("Resources", str(name), "Properties")
        condition = attributes.get("Condition")
        out = []
        for scenario in _scenarios(cfn, properties, prefix):
            if isinstance(condition, str) and scenario.get(condition) is False:
                continue
            resolver = _Resolver(scenario)
            plain = resolver.value(properties, (), prefix) if isinstance(properties, dict) else {}
            plain = plain if isinstance(plain, dict) else {}
            selectors = {k: plain[k] for k in _SELECTOR_KEYS if k in plain}
            label = ", ".join(
                f"{k}={'true' if v else 'false'}" for k, v in sorted(scenario.items())
            )
            out.append(
                Resource(
                    source=source,
                    address=str(name),
                    kind=kind,
                    resource_type=str(attributes["Type"]),
                    selectors=selectors,
                    logging=_logging(plain.get(_LOGGING[kind], True)),
                    scenario=label or None,
                    prefix=prefix,
                    logging_path=(*prefix, _LOGGING[kind]),
                    logging_text=f"{_LOGGING[kind]}: false",
                    origins=tuple(resolver.origins),
                    declared=locate(cfn, ("Resources", str(name)), source),
                )
            )
        if out:
            yield out


def judged(
    cfn: Template, opts: Options, source: str
) -> Iterator[tuple[list[Judgement], list[Finding]]]:
    """Each judged resource of the template: its judgement in each scenario, and its findings
    (a finding that holds in every scenario once)."""
    for scenarios in resources(cfn, opts, source):
        judgements = [judge(resource, opts.requirement) for resource in scenarios]
        yield judgements, merge_scenarios(judgements)


def findings(cfn: Template, opts: Options, source: str) -> Iterator[tuple[Finding, Path]]:
    """Every finding of the template, with the template path it points at."""
    for _, found in judged(cfn, opts, source):
        for finding in found:
            yield finding, finding.resource.source_path(finding.path)


def locate(cfn: Template, path: Path, source: str) -> Location:
    """Where ``path`` is in the template (its nearest located ancestor)."""
    for length in range(len(path), 0, -1):
        found = cfn.get_location_yaml(cfn.template, list(path[:length]))
        if found:
            return Location(source, found[0] + 1, found[1] + 1, found[2] + 1, found[3] + 1)
    return Location(source, 1)


def lint_template(filename: str, opts: Options) -> FileResult:
    """A template file judged as the cfn-lint rules judge it (a resource's ``Metadata: cfn-lint:
    config: ignore_checks`` suppresses findings the same way)."""
    template, errors = decode(filename)
    if errors or not isinstance(template, dict):
        first = errors[0] if errors else None
        where = f" at line {first.linenumber}" if first is not None else ""
        text = first.message if first is not None else "not a template"
        raise IacInputError(f"{filename}: not a CloudFormation template{where}: {text}")
    cfn = Template(filename, template, ["us-east-1"])
    ignored = cfn.get_directives()
    judgements: list[Judgement] = []
    located: list[tuple[Finding, Location]] = []
    for scenarios, found in judged(cfn, opts, filename):
        judgements += scenarios
        for finding in found:
            if finding.resource.address in ignored.get(finding.rule, []):
                continue
            path = finding.resource.source_path(finding.path)
            located.append((finding, locate(cfn, path, filename)))
    return FileResult(filename, tuple(judgements), tuple(located))
