"""The checkov suppressions: written once (artifacts/checkov.py), carried by every resource of
their type in every generated template, each with a one-line reason. `make checkov` runs
checkov itself on the committed templates."""

from __future__ import annotations

from typing import Any

import yaml

from trailguard.artifacts.checkov import SKIPS, annotate
from trailguard.artifacts.templates import templates

LAMBDA = "AWS::Lambda::Function"


def _resources() -> list[tuple[str, str, dict[str, Any]]]:
    found = []
    for path, text in templates().items():
        body = yaml.safe_load(text)
        for logical, resource in body["Resources"].items():
            found.append((path, logical, resource))
    return found


def test_every_function_in_every_template_carries_the_reasons() -> None:
    expected = {"skip": [{"id": check, "comment": why} for check, why in SKIPS[LAMBDA]]}
    functions = [(p, n, r) for p, n, r in _resources() if r["Type"] == LAMBDA]
    assert {p for p, _, _ in functions} >= {"deploy/account.yaml", "deploy/org-admin.yaml"}
    assert [(p, n, r.get("Metadata", {}).get("checkov")) for p, n, r in functions] == [
        (p, n, expected) for p, n, _ in functions
    ]


def test_no_other_resource_is_suppressed() -> None:
    suppressed = {r["Type"] for _, _, r in _resources() if "checkov" in r.get("Metadata", {})}
    assert suppressed <= set(SKIPS)


def test_each_reason_is_one_sentence_on_one_line() -> None:
    for checks in SKIPS.values():
        ids = [check for check, _ in checks]
        assert len(ids) == len(set(ids))
        for check, why in checks:
            assert check.startswith("CKV_AWS_")
            assert "\n" not in why and why.endswith(".") and len(why) > 40


def test_annotate_keeps_other_metadata_and_other_types() -> None:
    resources = {
        "Fn": {"Type": LAMBDA, "Properties": {}, "Metadata": {"cfn-lint": {"x": 1}}},
        "Role": {"Type": "AWS::IAM::Role", "Properties": {}},
    }
    assert annotate(resources) == {
        "Fn": {
            "Type": LAMBDA,
            "Properties": {},
            "Metadata": {
                "cfn-lint": {"x": 1},
                "checkov": {"skip": [{"id": c, "comment": w} for c, w in SKIPS[LAMBDA]]},
            },
        },
        "Role": {"Type": "AWS::IAM::Role", "Properties": {}},
    }
    assert "Metadata" not in resources["Role"] and "checkov" not in resources["Fn"]["Metadata"]
