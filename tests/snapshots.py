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
