"""The layering rules of ``src/trailguard``, checked on the source (see CONTRIBUTING.md).

- ``core/`` imports only the standard library (it runs inside Lambda and SSM bundles);
- (boto3 stays in the adapter packages: tests/test_boto3_boundary.py);
- nothing that runs in a deployed rule or a remediation (``core``, ``rules``, ``reporting``,
  ``aws`` other than ``aws/deploy.py``, ``ssm``) imports the build-time ``artifacts/``;
- cfn-lint is imported only by ``trailguard.cfnlint`` (the plugin, an optional extra); the
  rest of the package, ``trailguard iac`` included, runs without it (``iac`` imports the plugin's
  template reader inside a function, when a template is given);
- no import cycle among modules (module-level imports);
- no module over 400 lines.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "trailguard"
MODULES = sorted(PACKAGE.rglob("*.py"))
MAX_LINES = 400


def _name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, top_level_only: bool) -> set[str]:
    """Modules ``path`` imports, leaving out ``if TYPE_CHECKING:`` blocks (and, with
    ``top_level_only``, imports inside functions)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()

    def visit(nodes: list[ast.stmt]) -> None:
        for node in nodes:
            if isinstance(node, ast.If) and ast.unparse(node.test).endswith("TYPE_CHECKING"):
                visit(node.orelse)
                continue
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found.add(node.module)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and top_level_only:
                continue
            for field in ("body", "orelse", "finalbody", "handlers"):
                block = getattr(node, field, None)
                if isinstance(block, list):
                    visit([n for n in block if isinstance(n, ast.stmt)])
                    for handler in block:
                        if isinstance(handler, ast.ExceptHandler):
                            visit(handler.body)

    visit(tree.body)
    return found


def _package(name: str) -> str:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else ""


@pytest.mark.parametrize("path", MODULES, ids=_name)
def test_core_imports_only_the_standard_library(path: Path) -> None:
    if _package(_name(path)) != "core":
        return
    outside = {
        m
        for m in _imports(path, top_level_only=False)
        if m.split(".")[0] not in sys.stdlib_module_names and not m.startswith("trailguard.core")
    }
    assert outside == set()


@pytest.mark.parametrize("path", MODULES, ids=_name)
def test_run_time_code_never_imports_artifacts(path: Path) -> None:
    name = _name(path)
    if _package(name) not in ("core", "rules", "reporting", "aws", "ssm") or name == (
        "trailguard.aws.deploy"
    ):
        return
    if name.startswith("trailguard.aws.deploy_"):  # deploy's parts build what they upload
        return
    build_time = {
        m for m in _imports(path, top_level_only=False) if m.startswith("trailguard.artifacts")
    }
    assert build_time == set()


@pytest.mark.parametrize("path", MODULES, ids=_name)
def test_only_the_plugin_imports_cfn_lint(path: Path) -> None:
    name = _name(path)
    if name == "trailguard.cfnlint" or name.startswith("trailguard.cfnlint."):
        return
    cfn_lint = {m for m in _imports(path, top_level_only=False) if m.split(".")[0] == "cfnlint"}
    assert cfn_lint == set()


def test_the_plugin_module_imports_cfn_lint() -> None:
    """The rule above names a real package: the plugin does import cfn-lint."""
    plugin = [p for p in MODULES if _name(p).startswith("trailguard.cfnlint")]
    assert {m.split(".")[0] for p in plugin for m in _imports(p, top_level_only=True)} >= {
        "cfnlint"
    }


def test_no_import_cycle() -> None:
    graph = {
        _name(p): {m for m in _imports(p, top_level_only=True) if m.startswith("trailguard")}
        for p in MODULES
    }
    state: dict[str, str] = {}

    def visit(name: str, trail: list[str]) -> None:
        state[name] = "open"
        for target in sorted(graph.get(name, ())):
            if target not in graph:
                continue
            assert state.get(target) != "open", " -> ".join([*trail, name, target])
            if target not in state:
                visit(target, [*trail, name])
        state[name] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name, [])


def test_no_module_over_the_line_budget() -> None:
    long = {
        _name(p): n
        for p in MODULES
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}
