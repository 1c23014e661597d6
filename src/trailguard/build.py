"""``trailguard build``: the generated artifacts, made from ``src/`` by one command.

- ``remediation/TrailGuard-EnableSnsDataEvents.yaml``: the SSM Automation document, whose
  ``aws:executeScript`` steps embed the core, the remediation module and the step handlers as
  one flat script (SSM gives a script only the standard library and boto3).

Artifacts are deterministic (same source, same bytes) and committed; a test rebuilds them and
fails when the committed copies are stale.
"""

from __future__ import annotations

import ast
from pathlib import Path

from trailguard import __version__

PACKAGE_DIR = Path(__file__).resolve().parent
DOCUMENT_NAME = "TrailGuard-EnableSnsDataEvents"
# The modules the remediation script needs; their trailguard imports give the order.
REMEDIATION_MODULES = ("trailguard.ssm_entry",)
SSM_CONTENT_LIMIT = 64 * 1024


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
        "# (docstrings and comments are in the source).\n"
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


def _indent(text: str, spaces: int) -> str:
    pad = " " * spaces
    return "".join(pad + line if line.strip() else "\n" for line in text.splitlines(keepends=True))


TEMPLATES = PACKAGE_DIR / "templates"


def document_text() -> str:
    remediate_script, _ = flatten(REMEDIATION_MODULES)
    verify_script, _ = flatten(("trailguard.ssm_verify",))
    text = (
        (TEMPLATES / "ssm-document.yaml.in")
        .read_text(encoding="utf-8")
        .replace("@VERSION@", __version__)
        .replace("@NAME@", DOCUMENT_NAME)
        .replace("@REMEDIATE@\n", _indent(remediate_script, 8))
        .replace("@VERIFY@\n", _indent(verify_script, 8))
    )
    size = len(text.encode("utf-8"))
    if size > SSM_CONTENT_LIMIT:
        raise BuildError(f"{DOCUMENT_NAME} is {size} bytes; SSM allows {SSM_CONTENT_LIMIT}")
    return text


def artifacts() -> dict[str, str]:
    """Every generated file, by its path relative to the repository root."""
    return {f"remediation/{DOCUMENT_NAME}.yaml": document_text()}


def build(root: Path) -> list[Path]:
    written = []
    for relative, text in artifacts().items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
