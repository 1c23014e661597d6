"""Only the adapter packages (aws/, ssm/, demo/) import boto3 or botocore; the boto3 stubs are
imported under TYPE_CHECKING only (the bundles need boto3 alone at run time)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "trailguard"
AWS_MODULES = ("boto3", "botocore", "mypy_boto3", "botocore_stubs", "boto3_stubs", "moto")
PURE = ("core", "rules", "reporting", "artifacts", "cli", "iac", "cfnlint")


def _imports(tree: ast.AST) -> list[tuple[str, bool]]:
    """(module, under TYPE_CHECKING) for every import in ``tree``."""
    found: list[tuple[str, bool]] = []

    def walk(node: ast.AST, typing_only: bool) -> None:
        for child in ast.iter_child_nodes(node):
            guarded = typing_only or (
                isinstance(child, ast.If) and ast.unparse(child.test) == "TYPE_CHECKING"
            )
            if isinstance(child, ast.Import):
                found.extend((a.name, typing_only) for a in child.names)
            elif isinstance(child, ast.ImportFrom):
                found.append((child.module or "", typing_only))
            walk(child, guarded)

    walk(tree, False)
    return found


def _modules(package: str) -> list[Path]:
    return sorted((PACKAGE / package).rglob("*.py"))


@pytest.mark.parametrize("package", PURE)
def test_only_adapters_import_boto3(package: str) -> None:
    offenders = [
        f"{path.relative_to(PACKAGE)}: {module}"
        for path in _modules(package)
        for module, _ in _imports(ast.parse(path.read_text(encoding="utf-8")))
        if module.split(".")[0].startswith(AWS_MODULES)
    ]
    assert offenders == []


def test_boto3_stubs_are_imported_for_type_checking_only() -> None:
    offenders = [
        f"{path.relative_to(PACKAGE)}: {module}"
        for path in sorted(PACKAGE.rglob("*.py"))
        for module, typing_only in _imports(ast.parse(path.read_text(encoding="utf-8")))
        if module.startswith("mypy_boto3") and not typing_only
    ]
    assert offenders == []
