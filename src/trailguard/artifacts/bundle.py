"""Bundling trailguard modules for AWS: one flat script (SSM's ``aws:executeScript``) or a
package zip (a Config rule Lambda). Bundled modules import ``from trailguard.x import y``
only; ``if TYPE_CHECKING:`` blocks are dropped (the boto3 stubs stay out of the bundles).
"""

from __future__ import annotations

import ast
import io
import zipfile
from pathlib import Path

from trailguard import __version__
from trailguard.rules.metadata import DEFINITIONS
from trailguard.rules.registry import module_name, rules

PACKAGE_DIR = Path(__file__).resolve().parent.parent  # src/trailguard
# What every Config rule Lambda imports (from its handler.py), besides the rule modules.
LAMBDA_MODULES = ("trailguard.aws.runtime",)
HANDLER = '''"""AWS Config rule {rule_id}: the Lambda entry point.

All logic lives in the trailguard package bundled beside this file (trailguard.rules).
"""

from __future__ import annotations

from typing import Any

from trailguard.aws.runtime import handle

RULE_ID = "{rule_id}"


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    evaluations = handle(RULE_ID, event, context)
    return {{"rule": RULE_ID, "evaluations": len(evaluations)}}
'''


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


def handler_text(rule_id: str) -> str:
    """The rule's Lambda entry point (``handler.lambda_handler``), generated."""
    return HANDLER.format(rule_id=rule_id)


def lambda_bundle(rule_id: str) -> bytes:
    """The Config rule's Lambda code: its handler.py at the top, and the part of the
    trailguard package it imports (the core, the rule runtime and every rule module: the
    registry places them all), with the rule metadata."""
    files = {"handler.py": handler_text(rule_id).encode("utf-8")}
    roots = (*LAMBDA_MODULES, *(module_name(r.id) for r in rules()))
    for name in _package_modules(roots):
        path = _module_path(name)
        files[path.relative_to(PACKAGE_DIR.parent).as_posix()] = path.read_bytes()
    for path in sorted(DEFINITIONS.glob("*.json")):
        files[path.relative_to(PACKAGE_DIR.parent).as_posix()] = path.read_bytes()
    return _zip(files)
