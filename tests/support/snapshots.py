"""Whole-object snapshot files: compare, or rewrite with ``pytest --update-snapshots``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def assert_snapshot(path: Path, actual: Any, update: bool) -> None:
    text = json.dumps(actual, indent=2, ensure_ascii=False, sort_keys=False) + "\n"
    if update:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return
    assert path.exists(), f"no snapshot {path}; run pytest --update-snapshots and review it"
    expected = json.loads(path.read_text(encoding="utf-8"))
    assert actual == expected, f"{path} differs (review, then pytest --update-snapshots)"


def assert_text_snapshot(path: Path, actual: str, update: bool) -> None:
    """The same for text (a rendered report): compared byte for byte, shown as a diff."""
    if update:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(actual.encode("utf-8"))
        return
    assert path.exists(), f"no snapshot {path}; run pytest --update-snapshots and review it"
    expected = path.read_bytes().decode("utf-8")
    if actual != expected:
        import difflib

        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(keepends=True),
                actual.splitlines(keepends=True),
                str(path),
                "actual",
            )
        )
        raise AssertionError(f"{path} differs (review, then pytest --update-snapshots):\n{diff}")
