"""What the README tells CI users to run exists: the pre-commit hooks name the plugin module and
the iac command, and the plugin module gives cfn-lint exactly the four documented rules."""

from __future__ import annotations

import io
import shlex
from pathlib import Path

import yaml

from trailguard.cli import main

ROOT = Path(__file__).resolve().parents[2]


def test_pre_commit_hooks() -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    entries = {hook["id"]: shlex.split(hook["entry"]) for hook in hooks}
    assert entries == {
        "trailguard-cfn-lint": ["cfn-lint", "-a", "trailguard.cfnlint", "-c", "ITG", "--"],
        "trailguard-iac": ["trailguard", "iac"],
    }
    out = io.StringIO()
    assert main(["iac", "--help"], stdout=out, stderr=io.StringIO()) == 0
    assert "sarif" in out.getvalue()


def test_plugin_module_rules() -> None:
    import cfnlint.helpers

    import trailguard.cfnlint

    rules = {
        r.id: (r.severity, r.shortdesc) for r in cfnlint.helpers.create_rules(trailguard.cfnlint)
    }
    assert rules == {
        "ETG1001": (
            "error",
            "CloudTrail trail or event data store does not record the required SNS data events",
        ),
        "ETG1002": ("error", "CloudTrail would reject these event selectors"),
        "WTG1003": (
            "warning",
            "The trail is not logging (or the event data store does not ingest)",
        ),
        "ITG1004": (
            "informational",
            "Whether the required data events are recorded cannot be decided before deploy",
        ),
    }
