"""``trailguard build``: the generated artifacts, made from ``src/`` by one command.

- ``remediation/TrailGuard-EnableSnsDataEvents.yaml``: the SSM Automation document, whose
  ``aws:executeScript`` steps embed the core, the remediation module and the step handlers as
  one flat script (SSM gives a script only the standard library and boto3).
- ``rules/<id>/rule.json``: each rule's metadata, copied from the package's definitions.
- ``deploy/lambda/<id>.zip``: each rule's Lambda code (handler.py + the modules it imports).
- ``conformance-pack.yaml``: both rules and the remediation, generated from the metadata.

Artifacts are deterministic (same source, same bytes) and committed; a test rebuilds them and
fails when the committed copies are stale.
"""

from __future__ import annotations

import ast
import base64
import hashlib
import io
import zipfile
import zlib
from pathlib import Path
from typing import Any

from trailguard import DOCUMENT_NAME, __version__
from trailguard.artifacts.pack import conformance_pack_text
from trailguard.artifacts.templates import templates
from trailguard.artifacts.yamlout import to_yaml
from trailguard.rules.metadata import DEFINITIONS
from trailguard.rules.registry import rule_ids

PACKAGE_DIR = Path(__file__).resolve().parent.parent  # src/trailguard
# The modules the remediation script needs; their trailguard imports give the order.
REMEDIATION_MODULES = ("trailguard.ssm.entry",)
SSM_CONTENT_LIMIT = 64 * 1024
# What a Config rule Lambda imports (from its handler.py).
LAMBDA_MODULES = ("trailguard.aws.runtime",)


class BuildError(Exception):
    pass


def _module_path(name: str) -> Path:
    parts = name.split(".")[1:]
    path = PACKAGE_DIR.joinpath(*parts)
    return path / "__init__.py" if path.is_dir() else path.with_suffix(".py")


def _internal_imports(tree: ast.Module) -> set[str]:
    found: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("trailguard"):
            found.add(str(node.module))
        elif isinstance(node, ast.Import) and any(
            a.name.startswith("trailguard") for a in node.names
        ):
            raise BuildError("use 'from trailguard.x import y' inside bundled modules")
    return found


def _strip_docstring(body: list[ast.stmt]) -> list[ast.stmt]:
    first = body[0] if body else None
    if (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    ):
        return body[1:] or [ast.Pass()]
    return body


def _strip_docstrings(tree: ast.Module) -> None:
    """Drop every docstring (the bundle must fit SSM's 64 KB; the source keeps them)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            node.body = _strip_docstring(node.body)


class _StripAnnotations(ast.NodeTransformer):
    """Drop type annotations, which the script never evaluates (it starts with
    ``from __future__ import annotations``): the bundle must fit SSM's 64 KB. Class-level
    annotations stay: they are the fields of dataclasses and named tuples."""

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.FunctionDef:
        args = node.args
        node.returns = None
        for arg in (*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg):
            if arg is not None:
                arg.annotation = None
        self.generic_visit(node)
        return node

    def visit_ClassDef(self, node: ast.ClassDef) -> ast.ClassDef:
        node.body = [s if isinstance(s, ast.AnnAssign) else self.visit(s) for s in node.body]
        return node

    def visit_AnnAssign(self, node: ast.AnnAssign) -> ast.stmt:
        if node.value is None:
            return ast.copy_location(ast.Pass(), node)
        return ast.copy_location(ast.Assign(targets=[node.target], value=node.value), node)


def flatten(roots: tuple[str, ...]) -> tuple[str, list[str]]:
    """One script holding ``roots`` and every trailguard module they import, in dependency
    order, with the trailguard imports removed. Fails on a top-level name defined twice."""
    trees: dict[str, ast.Module] = {}
    graph: dict[str, set[str]] = {}
    pending = list(roots)
    while pending:
        name = pending.pop()
        if name in trees:
            continue
        tree = ast.parse(_module_path(name).read_text(encoding="utf-8"))
        _strip_docstrings(tree)
        ast.fix_missing_locations(_StripAnnotations().visit(tree))
        trees[name] = tree
        graph[name] = _internal_imports(tree)
        pending += sorted(graph[name])
    order = _dependency_order(graph, roots)
    defined: dict[str, str] = {}
    parts: list[str] = []
    for name in order:
        body = []
        for node in _strip_docstring(trees[name].body):
            if isinstance(node, ast.ImportFrom) and (
                node.module == "__future__" or (node.module or "").startswith("trailguard")
            ):
                continue
            if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
                continue
            for target in _defined_names(node):
                if target in defined:
                    raise BuildError(f"{target} is defined in both {defined[target]} and {name}")
                defined[target] = name
            body.append(node)
        module = ast.Module(body=body, type_ignores=[])
        parts.append(f"# --- {name} ---\n{_two_space_indent(ast.unparse(module))}\n")
    header = (
        f"# trailguard {__version__}: {', '.join(order)}, generated from src/trailguard\n"
        "# (docstrings, comments and type annotations are in the source).\n"
    )
    return header + "from __future__ import annotations\n\n" + "\n".join(parts), order


def _two_space_indent(code: str) -> str:
    """Halve ast.unparse's 4-space indentation to save space. Safe because unparse writes
    one statement a line and never a string literal across lines (docstrings are gone)."""
    out = []
    for line in code.splitlines():
        stripped = line.lstrip(" ")
        depth, rest = divmod(len(line) - len(stripped), 4)
        if rest:
            raise BuildError(f"unexpected indentation in generated code: {line!r}")
        out.append("  " * depth + stripped)
    return "\n".join(out)


def _dependency_order(graph: dict[str, set[str]], roots: tuple[str, ...]) -> list[str]:
    """Dependencies first, visiting names in sorted order so the result never depends on
    set iteration (and so on hash randomisation): the build must be byte-for-byte stable."""
    order: list[str] = []
    state: dict[str, str] = {}

    def visit(name: str) -> None:
        if state.get(name) == "done":
            return
        if state.get(name) == "active":
            raise BuildError(f"import cycle through {name}")
        state[name] = "active"
        for dep in sorted(graph[name]):
            visit(dep)
        state[name] = "done"
        order.append(name)

    for root in sorted(roots):
        visit(root)
    return order


def _defined_names(node: ast.stmt) -> list[str]:
    if isinstance(node, ast.FunctionDef | ast.ClassDef):
        return [node.name]
    if isinstance(node, ast.Assign):
        return [t.id for t in node.targets if isinstance(t, ast.Name)]
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return [node.target.id]
    return []


DOCUMENT_DESCRIPTION = f"""### {DOCUMENT_NAME}
Makes a CloudTrail trail record Amazon SNS data events (Publish, PublishBatch on topics;
optionally Publish on platform endpoints) without reducing anything it already logs.

* Reads the trail's event selectors in its home region and plans the change with the
  TrailGuard core: existing advanced selectors are kept as they are, basic selectors are
  converted to advanced selectors that log at least as much (including the bucket-level S3
  events a bucket or prefix value may log), and one selector per missing resource type
  is added.
* Re-reads just before writing (re-planning if the trail changed), puts the selectors,
  reads them back and verifies that the requirement is met and that every event logged
  before is still logged; if not, puts the previous selectors back and fails.
* Organization trails can only be changed from the management account or a delegated
  administrator; from a member account the step fails without writing.
* AcceptedExclusions (as the rules' parameter) stay unlogged where one negated condition
  can say so; with FillExclusions true they are logged too.
* With DryRun true, nothing is written: the outputs show the selectors before and after."""


def _parameter(
    kind: str, description: str, pattern: str, default: str | None = None
) -> dict[str, Any]:
    spec: dict[str, Any] = {"type": kind, "description": description}
    if default is not None:
        spec["default"] = default
    spec["allowedPattern"] = pattern
    return spec


def _outputs(*names_types: tuple[str, str, str]) -> list[dict[str, str]]:
    return [{"Name": n, "Selector": f"$.Payload.{key}", "Type": t} for n, key, t in names_types]


_PACKED_WIDTH = 76


def packed(script: str) -> str:
    """``script`` as a short loader plus its code, zlib-compressed and base64-encoded: the
    whole core does not fit SSM's 64 KB document limit as text. The header names the source
    and the SHA-256 of the code; ``unpacked`` (and ``trailguard build --show-script``) gives
    the code back."""
    code = script.encode("utf-8")
    data = base64.b64encode(zlib.compress(code, 9)).decode("ascii")
    lines = [data[i : i + _PACKED_WIDTH] for i in range(0, len(data), _PACKED_WIDTH)]
    return (
        f"{script.splitlines()[0]}\n"
        "# The code is compressed to fit SSM's 64 KB document limit; sha256 of the code:\n"
        f"# {hashlib.sha256(code).hexdigest()}. Read it with: trailguard build --show-script\n"
        "import base64, zlib\n"
        '_CODE = """\n' + "\n".join(lines) + '\n"""\n'
        "exec(compile(zlib.decompress(base64.b64decode(_CODE)), 'trailguard', 'exec'))\n"
    )


def unpacked(script: str) -> str:
    """The code a :func:`packed` script runs."""
    start = script.index('_CODE = """') + len('_CODE = """')
    data = script[start : script.index('"""', start)]
    return zlib.decompress(base64.b64decode(data)).decode("utf-8")


def document() -> dict[str, Any]:
    """The SSM Automation document, as data (written as YAML, embedded in templates)."""
    remediate_script, _ = flatten(REMEDIATION_MODULES)
    remediate_script = packed(remediate_script)
    verify_script, _ = flatten(("trailguard.ssm.verify",))
    return {
        "description": DOCUMENT_DESCRIPTION,
        "schemaVersion": "0.3",
        "assumeRole": "{{ AutomationAssumeRole }}",
        "parameters": {
            "TrailName": _parameter(
                "String",
                "(Required) The trail's name or ARN. AWS Config passes the resource ID, "
                "the trail name.",
                r"^[A-Za-z0-9][A-Za-z0-9._/:\-]{2,1023}$",
            ),
            "AutomationAssumeRole": _parameter(
                "String",
                "(Required) The ARN of the role that lets Automation read and put the "
                "trail's event selectors.",
                r"^arn:aws[a-z0-9-]*:iam::\d{12}:role/[\w+=,.@/-]+$",
            ),
            "ResourceTypes": _parameter(
                "String",
                "(Optional) Comma-separated resource types whose data events must be logged.",
                r"^AWS::SNS::(Topic|PlatformEndpoint)(,AWS::SNS::(Topic|PlatformEndpoint))?$",
                "AWS::SNS::Topic",
            ),
            "DryRun": _parameter(
                "String",
                "(Optional) true to plan only and write nothing.",
                r"^(true|false)$",
                "false",
            ),
            "AcceptedExclusions": _parameter(
                "String",
                "(Optional) Events that may go unlogged: a JSON list of CloudTrail field "
                "selectors, as the rule parameter; - for none.",
                r"^(-|\[[\s\S]*\])$",
                "-",
            ),
            "FillExclusions": _parameter(
                "String",
                "(Optional) true to log the accepted exclusions too.",
                r"^(true|false)$",
                "false",
            ),
        },
        "mainSteps": [
            {
                "name": "AddSelectors",
                "action": "aws:executeScript",
                "description": "Plan, put, read back and verify the trail's advanced event "
                "selectors.",
                "timeoutSeconds": 600,
                "onFailure": "Abort",
                "inputs": {
                    "Runtime": "python3.11",
                    "Handler": "remediate_handler",
                    "InputPayload": {
                        "TrailName": "{{ TrailName }}",
                        "ResourceTypes": "{{ ResourceTypes }}",
                        "DryRun": "{{ DryRun }}",
                        "AcceptedExclusions": "{{ AcceptedExclusions }}",
                        "FillExclusions": "{{ FillExclusions }}",
                    },
                    "Script": remediate_script.rstrip("\n"),
                },
                "outputs": _outputs(
                    ("Changed", "changed", "Boolean"),
                    ("TrailArn", "trailArn", "String"),
                    ("HomeRegion", "homeRegion", "String"),
                    ("Message", "message", "String"),
                    ("Before", "before", "String"),
                    ("After", "after", "String"),
                    ("Expected", "expected", "String"),
                ),
            },
            {
                "name": "VerifyTrail",
                "action": "aws:executeScript",
                "description": "Confirm that the trail still holds exactly the selectors "
                "verified in AddSelectors.",
                "timeoutSeconds": 120,
                "onFailure": "Abort",
                "isEnd": True,
                "inputs": {
                    "Runtime": "python3.11",
                    "Handler": "verify_handler",
                    "InputPayload": {
                        "TrailArn": "{{ AddSelectors.TrailArn }}",
                        "HomeRegion": "{{ AddSelectors.HomeRegion }}",
                        "Expected": "{{ AddSelectors.Expected }}",
                    },
                    "Script": verify_script.rstrip("\n"),
                },
                "outputs": _outputs(("Verified", "verified", "Boolean")),
            },
        ],
        "outputs": [
            "AddSelectors.Changed",
            "AddSelectors.Message",
            "AddSelectors.Before",
            "AddSelectors.After",
            "VerifyTrail.Verified",
        ],
    }


def document_text() -> str:
    header = f"# Generated by `trailguard build` from trailguard {__version__}; do not edit.\n"
    text = header + to_yaml(document()) + "\n"
    size = len(text.encode("utf-8"))
    if size > SSM_CONTENT_LIMIT:
        raise BuildError(f"{DOCUMENT_NAME} is {size} bytes; SSM allows {SSM_CONTENT_LIMIT}")
    return text


def _zip(files: dict[str, bytes]) -> bytes:
    """A zip whose bytes depend only on ``files``: fixed order, times and permissions."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, files[name], compresslevel=9)
    return buffer.getvalue()


def _package_modules(roots: tuple[str, ...]) -> list[str]:
    """``roots`` and every trailguard module they import, with their packages' __init__."""
    seen: set[str] = set()
    pending = list(roots)
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        tree = ast.parse(_module_path(name).read_text(encoding="utf-8"))
        pending += sorted(_internal_imports(tree))
        parts = name.split(".")
        pending += [".".join(parts[:i]) for i in range(1, len(parts))]
    return sorted(seen)


def lambda_bundle(root: Path, rule_id: str) -> bytes:
    """The Config rule's Lambda code: its handler.py at the top, and the part of the
    trailguard package it imports (the core and the rule runtime), with the rule metadata."""
    files = {"handler.py": (root / "rules" / rule_id / "handler.py").read_bytes()}
    for name in _package_modules(LAMBDA_MODULES):
        path = _module_path(name)
        files[path.relative_to(PACKAGE_DIR.parent).as_posix()] = path.read_bytes()
    for path in sorted(DEFINITIONS.glob("*.json")):
        files[path.relative_to(PACKAGE_DIR.parent).as_posix()] = path.read_bytes()
    return _zip(files)


def artifacts(root: Path) -> dict[str, bytes]:
    """Every generated file, by its path relative to the repository root."""
    out = {f"remediation/{DOCUMENT_NAME}.yaml": document_text().encode("utf-8")}
    for rule_id in rule_ids():
        out[f"rules/{rule_id}/rule.json"] = (DEFINITIONS / f"{rule_id}.json").read_bytes()
        out[f"deploy/lambda/{rule_id}.zip"] = lambda_bundle(root, rule_id)
    out["conformance-pack.yaml"] = conformance_pack_text().encode("utf-8")
    for relative, text in templates().items():
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
