"""The SSM document's step scripts, read from the committed document and run as SSM runs
them: in a fresh namespace with ``trailguard`` unimportable. Shared by the SSM and the
remediation fault tests."""

from __future__ import annotations

import base64
import sys
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml

DOCUMENT = (
    Path(__file__).resolve().parents[2] / "remediation" / "TrailGuard-EnableSnsDataEvents.yaml"
)


def load_steps() -> dict[str, dict[str, Any]]:
    document = yaml.safe_load(DOCUMENT.read_text(encoding="utf-8"))
    return {step["name"]: step for step in document["mainSteps"]}


STEPS = load_steps()
PACKED_ADD_SCRIPT: str = STEPS["AddSelectors"]["inputs"]["Script"]
# AddSelectors stores its code compressed (SSM's 64 KB limit): read back here with a decoder
# written for the test, not the build's own.
PACKED_VERIFY_SCRIPT: str = STEPS["VerifyTrail"]["inputs"]["Script"]


def unpack(script: str) -> str:
    code = script.split('_CODE = """', 1)[1].split('"""', 1)[0]
    return zlib.decompress(base64.b64decode(code)).decode("utf-8")


ADD_SCRIPT: str = unpack(PACKED_ADD_SCRIPT)
VERIFY_SCRIPT: str = unpack(PACKED_VERIFY_SCRIPT)


@contextmanager
def trailguard_unimportable(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Make every ``import trailguard...`` fail while the script runs (as it would in SSM)."""
    with monkeypatch.context() as patch:
        for name in [n for n in sys.modules if n == "trailguard" or n.startswith("trailguard.")]:
            patch.setitem(sys.modules, name, None)
        yield


def load_handler(monkeypatch: pytest.MonkeyPatch, step: str, handler: str) -> Any:
    """The step's ``Script`` run in a fresh namespace (trailguard unimportable): its handler."""
    namespace: dict[str, Any] = {}
    with trailguard_unimportable(monkeypatch):
        exec(compile(STEPS[step]["inputs"]["Script"], step, "exec"), namespace)
    return namespace[handler]
