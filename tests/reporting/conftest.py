"""The text form fits the terminal's width: tests here pin it (COLUMNS) to the fallback."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def fixed_terminal_width(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "100")
