"""One verdict everywhere: every selector fixture (tests/fixtures/selectors), fed as a
``GetEventSelectors`` response (``check``'s path), as a CloudFormation trail, as a Terraform plan
resource and through a cfn-lint run, gives the same Verdict object (compliance, annotation, every
gap with its cause and example event) and, in cfn-lint, the same cause text.

The template and the plan are written here from the responses, by a converter of this test's
own (API names to the provider's snake_case blocks), not by the code under test.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from selector_data import EXCLUSIONS_KEY, FIXTURES

from trailguard.cfnlint.template import Options, lint_template
from trailguard.core import Requirement, Verdict, build_requirement, evaluate, parse_response
from trailguard.core.exclusions import parse_exclusions
from trailguard.iac.judge import coverage_text
from trailguard.iac.terraform import judge_plan
from trailguard.reporting.results import CheckResult

SELECTOR_KEYS = ("AdvancedEventSelectors", "EventSelectors")
SNAKE = {
    "Equals": "equals",
    "StartsWith": "starts_with",
    "EndsWith": "ends_with",
    "NotEquals": "not_equals",
    "NotStartsWith": "not_starts_with",
    "NotEndsWith": "not_ends_with",
}


def _groups() -> dict[str, list[Path]]:
    """The fixtures, by their accepted exclusions (JSON text; "" for none)."""
    groups: dict[str, list[Path]] = {}
    for path in sorted(FIXTURES.glob("*/*.json")):
        exclusions = json.loads(path.read_text(encoding="utf-8")).get(EXCLUSIONS_KEY)
        groups.setdefault(json.dumps(exclusions) if exclusions else "", []).append(path)
    return groups


GROUPS = _groups()


def _requirement(exclusions: str) -> Requirement:
    raw = json.loads(exclusions) if exclusions else []
    return build_requirement(exclusions=parse_exclusions(raw))


def _name(path: Path) -> str:
    return ("C" if path.parent.name == "compliant" else "N") + re.sub(
        r"[^A-Za-z0-9]", "", path.stem
    )


def _response(path: Path, with_arn: bool = False) -> dict[str, Any]:
    data = json.loads(path.read_text(encoding="utf-8"))
    kept = {k: v for k, v in data.items() if k in SELECTOR_KEYS}
    return {**kept, "TrailARN": data["TrailARN"]} if with_arn and "TrailARN" in data else kept


def _check(path: Path, requirement: Requirement, with_arn: bool = False) -> Verdict:
    return evaluate(parse_response(_response(path, with_arn), profile="read"), requirement)


def _template(paths: list[Path]) -> dict[str, Any]:
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {
            _name(p): {
                "Type": "AWS::CloudTrail::Trail",
                "Properties": {"IsLogging": True, "S3BucketName": "logs", **_response(p)},
            }
            for p in paths
        },
    }


def _tf_blocks(response: dict[str, Any]) -> dict[str, Any]:
    after: dict[str, Any] = {"enable_logging": True}
    after["advanced_event_selector"] = [
        {
            "name": s.get("Name"),
            "field_selector": [
                {"field": f["Field"], **{SNAKE[k]: v for k, v in f.items() if k != "Field"}}
                for f in s["FieldSelectors"]
            ],
        }
        for s in response.get("AdvancedEventSelectors") or []
    ]
    after["event_selector"] = [
        {
            "read_write_type": s.get("ReadWriteType", "All"),
            "include_management_events": s.get("IncludeManagementEvents", True),
            "exclude_management_event_sources": s.get("ExcludeManagementEventSources", []),
            "data_resource": [
                {"type": r["Type"], "values": r["Values"]} for r in s.get("DataResources", [])
            ],
        }
        for s in response.get("EventSelectors") or []
    ]
    return after


def _plan(paths: list[Path], with_arn: bool) -> dict[str, Any]:
    changes = []
    for path in paths:
        after = _tf_blocks(_response(path))
        arn = _response(path, with_arn=True).get("TrailARN")
        if with_arn and arn:
            after["arn"] = arn
        changes.append(
            {
                "address": f"aws_cloudtrail.{_name(path)}",
                "mode": "managed",
                "type": "aws_cloudtrail",
                "name": _name(path),
                "change": {"actions": ["create"], "after": after, "after_unknown": {}},
            }
        )
    return {"format_version": "1.2", "terraform_version": "1.9.5", "resource_changes": changes}


def _cases() -> Iterator[tuple[str, list[Path]]]:
    yield from GROUPS.items()


@pytest.mark.parametrize(("exclusions", "paths"), list(_cases()), ids=lambda v: str(len(v)))
def test_check_cloudformation_and_terraform_agree(
    exclusions: str, paths: list[Path], tmp_path: Path
) -> None:
    requirement = _requirement(exclusions)
    expected = {_name(p): _check(p, requirement) for p in paths}
    template = tmp_path / "trails.json"
    template.write_text(json.dumps(_template(paths)), encoding="utf-8")
    cfn = lint_template(str(template), Options(requirement))
    assert {j.resource.address: j.verdict for j in cfn.judgements} == expected
    plan = judge_plan(_plan(paths, with_arn=False), "plan.json", "", requirement)
    assert {j.resource.address.split(".")[1]: j.verdict for j in plan.judgements} == expected
    with_arns = {_name(p): _check(p, requirement, with_arn=True) for p in paths}
    plan = judge_plan(_plan(paths, with_arn=True), "plan.json", "", requirement)
    assert {j.resource.address.split(".")[1]: j.verdict for j in plan.judgements} == with_arns


def _expected_messages(paths: list[Path], requirement: Requirement) -> dict[str, str]:
    out = {}
    for path in paths:
        config = parse_response(_response(path), profile="read")
        verdict = evaluate(config, requirement)
        if not verdict.compliant:
            text = coverage_text(CheckResult(_name(path), config, requirement, verdict))
            out[_name(path)] = f"The trail does not record every required data event: {text}"
    return out


@pytest.mark.slow
@pytest.mark.parametrize(("exclusions", "paths"), list(_cases()), ids=lambda v: str(len(v)))
def test_cfn_lint_gives_the_same_causes(exclusions: str, paths: list[Path]) -> None:
    from cfnlint.api import ManualArgs, lint

    configure = {"ETG1001": {"accepted_exclusions": exclusions}} if exclusions else {}
    matches = lint(
        json.dumps(_template(paths)),
        config=ManualArgs(append_rules=["trailguard.cfnlint"], configure_rules=configure),
    )
    found = {m.path[1]: m.message for m in matches if m.rule.id == "ETG1001"}
    assert found == _expected_messages(paths, _requirement(exclusions))
