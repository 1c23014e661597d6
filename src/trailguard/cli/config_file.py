"""The settings file of ``scan`` and ``report``: ``trailguard.toml`` (or ``.trailguard.toml``)
in the current folder, or ``--config FILE``; ``--no-config`` reads none.

TOML only (read with the standard library's ``tomllib``): trailguard depends on nothing but
boto3, so a YAML file (``.trailguard.yaml``) is not read; a warning says so when one is there
and no TOML file is. Keys (see ``examples/trailguard.toml``)::

    output = ["html", "json"]          # or "html,json": the report formats
    out-dir = "reports"                # where several formats are written
    status = ["FAIL"]                  # the findings shown (PASS, FAIL, NOT_APPLICABLE, ...)
    regions = ["eu-west-1"]            # scan: the regions
    [parameters]                       # scan: the rule parameters, as --parameters takes them
    ExemptTrails = "legacy-trail"
    [[accepted-exclusions]]            # scan: the AcceptedExclusions parameter, as tables
    Field = "resources.ARN"
    StartsWith = ["arn:aws:sns:us-east-1:111122223333:load-test-"]
    [[exemptions]]                     # account-region exemptions (a reason is required)
    account = "111122223333"
    region = "ap-east-1"
    rule = "*"
    reason = "region closed by SCP p-xxxx"

What the command line gives wins: ``--output``, ``--out-dir``, ``--status`` and ``--regions``
replace the file's; ``--parameters`` is laid over the file's parameters, key by key. An
unknown key or a value of the wrong type is one line naming the file, the key's path and what
is expected (exit 2).
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from trailguard.reporting.finding import STATUSES
from trailguard.reporting.scope import Exemption

from .common import UsageError
from .suggest import choice_hint

NAMES = ("trailguard.toml", ".trailguard.toml")
YAML_NAMES = (".trailguard.yaml", ".trailguard.yml", "trailguard.yaml", "trailguard.yml")
KEYS = (
    "output",
    "out-dir",
    "status",
    "regions",
    "parameters",
    "accepted-exclusions",
    "exemptions",
)
EXEMPTION_KEYS = ("account", "region", "rule", "reason")
MAX_BYTES = 1_000_000


@dataclass(frozen=True)
class Settings:
    """What a settings file says; empty when there is none."""

    path: str | None = None
    output: tuple[str, ...] | None = None
    out_dir: str | None = None
    status: tuple[str, ...] | None = None
    regions: tuple[str, ...] | None = None
    parameters: dict[str, Any] = field(default_factory=dict)
    exemptions: tuple[Exemption, ...] = ()


class _Bad(Exception):
    """A key's value is wrong: its path and what is expected."""

    def __init__(self, where: str, expected: str) -> None:
        super().__init__(f"{where}: {expected}")


def find(config: str | None, no_config: bool) -> tuple[Path | None, list[str]]:
    """The file to read (``--config``, else the first of NAMES in the current folder) and
    warnings."""
    if no_config:
        return None, []
    if config is not None:
        return Path(config), []
    for name in NAMES:
        if Path(name).is_file():
            return Path(name), []
    yaml = [name for name in YAML_NAMES if Path(name).is_file()]
    if yaml:
        return None, [
            f"{yaml[0]} is not read: trailguard reads its settings from trailguard.toml "
            "(TOML only); write them there"
        ]
    return None, []


def load(path: Path) -> Settings:
    """The settings in ``path``; raises UsageError (one line: the file, the key's path, what
    is expected)."""
    name = str(path)
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise UsageError(f"cannot read {name}: {exc.strerror or exc}") from exc
    if len(data) > MAX_BYTES:
        raise UsageError(f"{name}: larger than {MAX_BYTES} bytes")
    try:
        raw = tomllib.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise UsageError(f"{name}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{name}: invalid TOML: {exc}") from exc
    try:
        return from_mapping(name, raw)
    except _Bad as exc:
        raise UsageError(f"{name}: {exc}") from exc


def _unknown(keys: Any, known: tuple[str, ...], prefix: str) -> None:
    for key in keys:
        if key not in known:
            raise _Bad(f"{prefix}{key}", f"unknown key{choice_hint(key, known)}")


def _names(raw: dict[str, Any], key: str) -> tuple[str, ...] | None:
    """A list of strings, or one comma-separated string."""
    if key not in raw:
        return None
    value = raw[key]
    if isinstance(value, str):
        value = [v.strip() for v in value.split(",") if v.strip()]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise _Bad(key, "expected a list of strings (or one comma-separated string)")
    return tuple(value)


def from_mapping(name: str, raw: dict[str, Any]) -> Settings:
    """The settings of the parsed file ``name``; raises _Bad (the key's path, what is
    expected)."""
    from .outputs import parse_formats

    _unknown(raw, KEYS, "")
    output = _names(raw, "output")
    if output is not None:
        try:
            output = parse_formats(output)
        except ValueError as exc:
            raise _Bad("output", str(exc)) from exc
    status = _names(raw, "status")
    if status is not None:
        status = _statuses(status, "status")
    out_dir = raw.get("out-dir")
    if out_dir is not None and (not isinstance(out_dir, str) or not out_dir):
        raise _Bad("out-dir", "expected a folder name (a string)")
    regions = _names(raw, "regions")
    if regions is not None:
        _regions(regions)
    return Settings(
        path=name,
        output=output,
        out_dir=out_dir,
        status=status,
        regions=regions,
        parameters=_parameters(raw),
        exemptions=_exemptions(raw.get("exemptions")),
    )


def statuses(names: Any) -> tuple[str, ...]:
    """Status names (any case), in STATUSES order, each once; ValueError names a wrong one."""
    found = set()
    for raw in names:
        status = raw.strip().upper()
        if status not in STATUSES:
            raise ValueError(f"{raw.strip()!r} is not a status{choice_hint(status, STATUSES)}")
        found.add(status)
    return tuple(s for s in STATUSES if s in found)


def _statuses(names: tuple[str, ...], where: str) -> tuple[str, ...]:
    try:
        return statuses(names)
    except ValueError as exc:
        raise _Bad(where, str(exc)) from exc


def _regions(names: tuple[str, ...]) -> None:
    from .common import OptionError
    from .guards import region_problems

    try:
        region_problems(list(names), "regions")
    except OptionError as exc:
        raise _Bad("regions", str(exc).removeprefix("regions: ")) from exc


def _parameters(raw: dict[str, Any]) -> dict[str, Any]:
    from trailguard.rules.metadata import ParameterError
    from trailguard.rules.parameters import rule_parameters

    params = raw.get("parameters", {})
    if not isinstance(params, dict):
        raise _Bad("parameters", "expected a table of rule parameter names to values")
    params = dict(params)
    exclusions = raw.get("accepted-exclusions")
    if exclusions is not None:
        if "AcceptedExclusions" in params:
            raise _Bad(
                "accepted-exclusions",
                "give it once: here or as parameters.AcceptedExclusions, not both",
            )
        if not isinstance(exclusions, list) or not exclusions:
            raise _Bad("accepted-exclusions", "expected a list of CloudTrail field selectors")
        params["AcceptedExclusions"] = json.dumps(exclusions, separators=(",", ":"))
    try:
        rule_parameters(params)
    except ParameterError as exc:
        raise _Bad("parameters", str(exc)) from exc
    return params


def _exemptions(raw: Any) -> tuple[Exemption, ...]:
    from trailguard.rules.registry import rules

    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise _Bad("exemptions", "expected a list of tables ([[exemptions]])")
    rule_ids = ("*", *(r.id for r in rules()))
    found = []
    for index, item in enumerate(raw):
        where = f"exemptions[{index}]"
        if not isinstance(item, dict):
            raise _Bad(where, "expected a table with account, region, rule and reason")
        _unknown(item, EXEMPTION_KEYS, f"{where}.")
        values = {}
        for key in EXEMPTION_KEYS:
            value = item.get(key, "*" if key == "rule" else None)
            if not isinstance(value, str) or not value.strip():
                what = "why the exemption was granted" if key == "reason" else f"{key} or *"
                raise _Bad(f"{where}.{key}", f"expected a non-empty string ({what})")
            values[key] = value.strip()
        account = values["account"]
        if account != "*" and not (len(account) == 12 and account.isdigit()):
            raise _Bad(f"{where}.account", f"expected a 12-digit account id or *, got {account!r}")
        if values["rule"] not in rule_ids:
            hint = choice_hint(values["rule"], rule_ids)
            raise _Bad(f"{where}.rule", f"{values['rule']!r} is not a trailguard rule{hint}")
        if values["region"] != "*":
            _regions_at(values["region"], f"{where}.region")
        found.append(Exemption(**values))
    return tuple(found)


def _regions_at(region: str, where: str) -> None:
    try:
        _regions((region,))
    except _Bad as exc:
        raise _Bad(where, str(exc).removeprefix("regions: ")) from exc
