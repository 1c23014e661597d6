"""``trailguard build``: the generated artifacts, made from ``src/`` by one command.

- ``remediation/TrailGuard-EnableSnsDataEvents.yaml``: the SSM Automation document, whose
  ``aws:executeScript`` steps embed the core, the remediation module and the step handlers as
  one flat script (SSM gives a script only the standard library and boto3).
- ``rules/<id>/rule.json``: each rule's complete metadata (its definition, with what the
  definitions leave to the catalog filled in).
- ``rules/<id>/handler.py``: each rule's Lambda entry point.
- ``rules/<id>/README.md``: the parameter table between its markers (the prose around it is
  hand-written; a rule without a README gets one made from its metadata).
- ``deploy/lambda/<id>.zip``: each rule's Lambda code (handler.py + the modules it imports).
- ``conformance-pack.yaml``, ``organization-conformance-pack.yaml`` (rules only) and the
  deployment templates, generated from the metadata.

Every rule of the registry is built; a definition the registry cannot place, or a rule whose
scope the runtime or scan does not run, stops the build with one line (BuildError).

Artifacts are deterministic (same source, same bytes) and committed; a test rebuilds them and
fails when the committed copies are stale.
"""

from __future__ import annotations

import errno
from pathlib import Path

from trailguard import DOCUMENT_NAME
from trailguard.artifacts.bundle import (
    LAMBDA_MODULES,
    PACKAGE_DIR,
    BuildError,
    flatten,
    handler_text,
    lambda_bundle,
)
from trailguard.artifacts.document import (
    REMEDIATION_MODULES,
    SSM_CONTENT_LIMIT,
    document,
    document_text,
    packed,
    unpacked,
)
from trailguard.artifacts.pack import pack_artifacts
from trailguard.artifacts.readme import readme_text
from trailguard.artifacts.templates import templates
from trailguard.rules.metadata import definition_text
from trailguard.rules.registry import Rule, UnplaceableRule, rules

__all__ = [
    "DOCUMENT_NAME",
    "LAMBDA_MODULES",
    "PACKAGE_DIR",
    "REMEDIATION_MODULES",
    "SSM_CONTENT_LIMIT",
    "BuildError",
    "artifacts",
    "build",
    "checked_rules",
    "document",
    "document_text",
    "flatten",
    "packed",
    "stale",
    "unpacked",
]


def checked_rules() -> tuple[Rule, ...]:
    """Every rule, each placed with its module and of a scope the runtime and scan run;
    BuildError (one line) otherwise."""
    try:
        found = rules()  # first: modules that read rule ids on import need the registry
    except UnplaceableRule as exc:
        raise BuildError(str(exc)) from exc
    from trailguard.aws.runtime import SCOPES as RUNTIME_SCOPES
    from trailguard.aws.scan import SCOPES as SCAN_SCOPES

    for each in found:
        for where, scopes in (("the Config rule runtime", RUNTIME_SCOPES), ("scan", SCAN_SCOPES)):
            if each.scope not in scopes:
                raise BuildError(
                    f"rule definition definitions/{each.id}.json: scope {each.scope!r} is not "
                    f"run by {where} (it runs: {', '.join(scopes)})"
                )
    return found


def artifacts(root: Path) -> dict[str, bytes]:
    """Every generated file, by its path relative to the repository root."""
    found = checked_rules()
    if not (root / "rules").is_dir():  # the READMEs' prose is read from the checkout
        raise FileNotFoundError(
            errno.ENOENT, "no rules/ folder: not a trailguard checkout", str(root / "rules")
        )
    out = {f"remediation/{DOCUMENT_NAME}.yaml": document_text().encode("utf-8")}
    for each in found:
        out[f"rules/{each.id}/rule.json"] = definition_text(each.metadata).encode("utf-8")
        out[f"rules/{each.id}/handler.py"] = handler_text(each.id).encode("utf-8")
        readme = root / "rules" / each.id / "README.md"
        current = readme.read_text(encoding="utf-8") if readme.exists() else None
        out[f"rules/{each.id}/README.md"] = readme_text(each, current).encode("utf-8")
        out[f"deploy/lambda/{each.id}.zip"] = lambda_bundle(each.id)
    for relative, text in {**pack_artifacts(), **templates()}.items():
        out[relative] = text.encode("utf-8")
    return out


def build(root: Path) -> list[Path]:
    written = []
    for relative, data in artifacts(root).items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_bytes() != data:
            path.write_bytes(data)
        written.append(path)
    return written


def stale(root: Path) -> list[str]:
    """Generated files whose committed copy differs from what the source gives now."""
    return [
        relative
        for relative, data in artifacts(root).items()
        if not (root / relative).exists() or (root / relative).read_bytes() != data
    ]
