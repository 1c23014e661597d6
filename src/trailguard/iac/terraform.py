"""Terraform plans: ``terraform show -json PLANFILE`` output, read as trails and event data stores.

The plan's JSON format (Terraform docs, "JSON Output Format"): ``format_version`` (major version
1), ``resource_changes[]`` with ``address``, ``module_address``, ``mode``, ``type``, ``name``,
``index`` and ``change{actions, after, after_unknown}``; ``after_unknown`` mirrors ``after`` with
``true`` for each value known only after apply (list positions kept with ``false``). Resources
whose only action is ``delete`` are skipped; data sources are not resources.

The AWS provider's blocks (``aws_cloudtrail`` and ``aws_cloudtrail_event_data_store``) become the
API shape: ``advanced_event_selector{name, field_selector{field, equals, not_equals, starts_with,
not_starts_with, ends_with, not_ends_with}}``, ``event_selector{read_write_type,
include_management_events, exclude_management_event_sources, data_resource{type, values}}``;
``enable_logging = false`` (trails) or ``suspend = true`` (event data stores) is a resource that
records nothing. The ``.tf`` line of a resource is found when the plan's ``configuration`` leads
to its directory: the root module is the directory given (by default the plan's), and a module
called with a local ``source`` (``./``, ``../``) is that path from its caller.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from pathlib import Path as FsPath
from typing import Any

from trailguard.core import Requirement

from .judge import FileResult, judge
from .model import DATA_STORE, TRAIL, IacInputError, Location, Resource, Unknown

TYPES = {"aws_cloudtrail": TRAIL, "aws_cloudtrail_event_data_store": DATA_STORE}
AFTER_APPLY = Unknown("known after apply")
_OPERATORS = {
    "equals": "Equals",
    "starts_with": "StartsWith",
    "ends_with": "EndsWith",
    "not_equals": "NotEquals",
    "not_starts_with": "NotStartsWith",
    "not_ends_with": "NotEndsWith",
}


def is_plan(data: object) -> bool:
    """Whether ``data`` looks like ``terraform show -json`` output."""
    return isinstance(data, dict) and "format_version" in data and "terraform_version" in data


def with_unknowns(after: Any, unknown: Any) -> Any:
    """``after`` with :data:`AFTER_APPLY` wherever ``after_unknown`` marks a value."""
    if unknown is True:
        return AFTER_APPLY
    if isinstance(after, dict) and isinstance(unknown, dict):
        keys = list(after) + [k for k in unknown if k not in after]
        return {k: with_unknowns(after.get(k), unknown.get(k)) for k in keys}
    if isinstance(unknown, list):
        items = after if isinstance(after, list) else []
        size = max(len(items), len(unknown))
        return [
            with_unknowns(
                items[i] if i < len(items) else None, unknown[i] if i < len(unknown) else None
            )
            for i in range(size)
        ]
    return after


def _present(value: Any) -> bool:
    return value is not None and value != []


def _field_selector(block: Any) -> Any:
    if not isinstance(block, dict):
        return block
    out: dict[str, Any] = {"Field": block.get("field")}
    for key, operator in _OPERATORS.items():
        if _present(block.get(key)):
            out[operator] = block[key]
    return out


def _each_block(blocks: Any, convert: Callable[[dict[str, Any]], dict[str, Any]]) -> Any:
    """``blocks`` with each object converted; anything else (not a list, not an object) is
    passed on as it is, for the validator to name."""
    if not isinstance(blocks, list):
        return blocks
    return [convert(block) if isinstance(block, dict) else block for block in blocks]


def _advanced_selector(block: dict[str, Any]) -> dict[str, Any]:
    selector: dict[str, Any] = {}
    if block.get("name"):
        selector["Name"] = block["name"]
    fields = block.get("field_selector")
    selector["FieldSelectors"] = (
        [_field_selector(f) for f in fields] if isinstance(fields, list) else fields
    )
    return selector


def _basic_selector(block: dict[str, Any]) -> dict[str, Any]:
    selector: dict[str, Any] = {}
    for key, name in (
        ("read_write_type", "ReadWriteType"),
        ("include_management_events", "IncludeManagementEvents"),
        ("exclude_management_event_sources", "ExcludeManagementEventSources"),
    ):
        if block.get(key) is not None:
            selector[name] = block[key]
    resources = block.get("data_resource")
    if isinstance(resources, list):
        resources = [
            {"Type": r.get("type"), "Values": r.get("values")} if isinstance(r, dict) else r
            for r in resources
        ]
    if _present(resources):
        selector["DataResources"] = resources
    return selector


def selectors_of(after: dict[str, Any]) -> dict[str, Any]:
    """The API-shaped selectors of a planned ``aws_cloudtrail`` or event data store."""
    out: dict[str, Any] = {}
    if _present(after.get("advanced_event_selector")):
        out["AdvancedEventSelectors"] = _each_block(
            after["advanced_event_selector"], _advanced_selector
        )
    if _present(after.get("event_selector")):
        out["EventSelectors"] = _each_block(after["event_selector"], _basic_selector)
    return out


def _logging(kind: str, after: dict[str, Any]) -> tuple[bool | Unknown, str]:
    if kind == TRAIL:
        value = after.get("enable_logging")
        return (value if isinstance(value, Unknown) else value is not False), "enable_logging"
    value = after.get("suspend")
    if isinstance(value, Unknown):
        return value, "suspend"
    return value not in (True, "true"), "suspend"


def _module_calls(address: str) -> list[str]:
    return re.findall(r"module\.([^.\[]+)(?:\[[^\]]*\])?", address)


def _module_dir(config: Any, calls: list[str], root: FsPath) -> FsPath | None:
    """The directory of the module reached by ``calls``, when every call has a local source."""
    module = config.get("root_module") if isinstance(config, dict) else None
    where = root
    for name in calls:
        call = (module or {}).get("module_calls", {}).get(name)
        source = call.get("source") if isinstance(call, dict) else None
        if not isinstance(source, str) or not source.startswith(("./", "../")):
            return None
        where = where / source
        module = call.get("module")
    return where


def _tf_line(directory: FsPath, rtype: str, name: str) -> Location | None:
    pattern = re.compile(rf'^\s*resource\s+"{re.escape(rtype)}"\s+"{re.escape(name)}"')
    try:
        files = sorted(directory.glob("*.tf"))
    except OSError:
        return None
    for path in files:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            continue
        for number, line in enumerate(lines, 1):
            if pattern.match(line):
                return Location(_shown(path), number, line.index("resource") + 1)
    return None


def _shown(path: FsPath) -> str:
    relative = os.path.relpath(path)
    return (relative if not relative.startswith("..") else str(path)).replace(os.sep, "/")


def _plan_line(text: str, address: str) -> int:
    """The line of the resource's ``address`` under ``resource_changes`` (1 when not found, as
    in Terraform's own one-line output)."""
    start = text.find('"resource_changes"')
    pattern = re.compile(r'"address"\s*:\s*' + re.escape(json.dumps(address)))
    found = pattern.search(text, max(start, 0))
    return text.count("\n", 0, found.start()) + 1 if found else 1


def read_plan(data: object, source: str, text: str, tf_dir: str | None = None) -> list[Resource]:
    """The trails and event data stores a plan creates, updates or keeps."""
    if not isinstance(data, dict):
        raise IacInputError(f"{source}: expected the JSON object of 'terraform show -json'")
    version = data.get("format_version")
    if not isinstance(version, str) or version.split(".")[0] != "1":
        raise IacInputError(
            f"{source}: format_version {version!r} is not supported (expected 1.x, as written "
            "by 'terraform show -json' since Terraform 1.0)"
        )
    changes = data.get("resource_changes", [])
    if not isinstance(changes, list):
        raise IacInputError(f"{source}: resource_changes: expected a list")
    root = FsPath(tf_dir) if tf_dir is not None else FsPath(source).parent
    out = []
    for i, rc in enumerate(changes):
        if not isinstance(rc, dict) or rc.get("mode", "managed") != "managed":
            continue
        kind = TYPES.get(str(rc.get("type")))
        change = rc.get("change")
        if kind is None:
            continue
        address = rc.get("address")
        if not isinstance(address, str) or not isinstance(change, dict):
            raise IacInputError(f"{source}: resource_changes[{i}]: expected address and change")
        actions = change.get("actions")
        after = change.get("after")
        if actions == ["delete"] or after is None:
            continue
        if not isinstance(after, dict):
            raise IacInputError(f"{source}: {address}: change.after: expected an object")
        after = with_unknowns(after, change.get("after_unknown") or {})
        logging, logging_key = _logging(kind, after)
        directory = _module_dir(data.get("configuration"), _module_calls(address), root)
        declared = _tf_line(directory, rc["type"], str(rc.get("name"))) if directory else None
        arn = after.get("arn")
        out.append(
            Resource(
                source=source,
                address=address,
                kind=kind,
                resource_type=str(rc["type"]),
                selectors=selectors_of(after),
                logging=logging,
                trail_arn=arn if isinstance(arn, str) else None,
                snake_case=True,
                logging_path=(logging_key,),
                logging_text="enable_logging = false" if kind == TRAIL else "suspend = true",
                declared=declared or Location(source, _plan_line(text, address)),
            )
        )
    return out


def judge_plan(
    data: object, source: str, text: str, requirement: Requirement, tf_dir: str | None = None
) -> FileResult:
    """A plan's trails and event data stores judged; each finding at its resource's ``.tf``
    line (or, failing that, its address in the plan)."""
    judgements = [
        judge(resource, requirement) for resource in read_plan(data, source, text, tf_dir)
    ]
    located = [
        (finding, j.resource.declared or Location(source, 1))
        for j in judgements
        for finding in j.findings
    ]
    return FileResult(source, tuple(judgements), tuple(located))
