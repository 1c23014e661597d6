"""The rule registry: every definition placed with its rule module, and the plumbing
(runtime, ``rule run``, scan, build) dispatching on each rule's scope, never on its id.

A third rule is made here the way a contributor would add one (a definition file and a
module declaring ``RULE``), in a temporary definitions directory, to check that it is placed,
dispatched and refused as it should be.
"""

from __future__ import annotations

import io
import json
import shutil
import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws
from rule_events import ACCOUNT, context, make_bucket, make_trail, scheduled_event

from trailguard.aws.runtime import RuleError, run_rule
from trailguard.aws.scan import Scanner, Target
from trailguard.cli import main
from trailguard.reporting.model import Report, entry_from_finding
from trailguard.reporting.sections import sections, subject
from trailguard.rules import metadata, registry
from trailguard.rules.facts import Finding, TrailFacts
from trailguard.rules.metadata import DEFINITIONS, load
from trailguard.rules.parameters import RuleParameters
from trailguard.rules.registry import (
    SCOPE_RESOURCE_TYPES,
    Rule,
    UnknownRule,
    rule,
    rules,
    rules_for,
)

ROOT = Path(__file__).resolve().parents[2]
TRAIL_RULE = "cloudtrail-sns-data-events-enabled"
ACCOUNT_RULE = "cloudtrail-sns-data-events-account-coverage"
EXTRA = "cloudtrail-sns-data-events-test-only"
EXTRA_MODULE = "trailguard.rules.sns_data_events_test_only"


def test_the_registry_holds_exactly_the_definitions() -> None:
    assert sorted(r.id for r in rules()) == sorted(p.stem for p in DEFINITIONS.glob("*.json"))
    assert [(r.id, r.scope, r.resource_type, r.pack_lambda_parameter) for r in rules()] == [
        (TRAIL_RULE, "trail", "AWS::CloudTrail::Trail", "TrailRuleLambdaArn"),
        (ACCOUNT_RULE, "account-region", "AWS::::Account", "AccountRuleLambdaArn"),
    ]
    for found in rules():
        assert found.metadata == load(found.id)
        assert found.metadata.raw["id"] == found.id
        assert found.resource_type == SCOPE_RESOURCE_TYPES[found.scope]


def test_rules_for_a_scope() -> None:
    assert [r.id for r in rules_for("trail")] == [TRAIL_RULE]
    assert [r.id for r in rules_for("account-region")] == [ACCOUNT_RULE]
    assert rules_for("event-data-store") == ()


def test_an_unknown_rule_is_a_clear_error() -> None:
    with pytest.raises(UnknownRule) as caught:
        rule("cloudtrail-sns-data-events-everywhere")
    assert str(caught.value) == (
        "unknown rule 'cloudtrail-sns-data-events-everywhere' (known: "
        f"{TRAIL_RULE}, {ACCOUNT_RULE})"
    )
    assert isinstance(caught.value, ValueError)


def test_the_runtime_and_rule_run_refuse_an_unknown_rule() -> None:
    with pytest.raises(RuleError, match=r"^unknown rule 'nope' \(known: "):
        run_rule("nope", scheduled_event(), context(), boto3.session.Session, put=False)
    out, err = io.StringIO(), io.StringIO()
    code = main(["rule", "run", "nope", "--region", "us-east-1"], stdout=out, stderr=err)
    assert code == 2
    assert out.getvalue() == ""
    assert f"unknown rule 'nope' (known: {TRAIL_RULE}, {ACCOUNT_RULE})" in err.getvalue()


def test_metadata_fields_are_read_from_the_definition() -> None:
    meta = rule(TRAIL_RULE).metadata
    raw = json.loads((DEFINITIONS / f"{TRAIL_RULE}.json").read_text(encoding="utf-8"))
    assert (meta.title, meta.description, meta.severity, meta.risk, meta.fix) == (
        raw["title"], raw["description"], "MEDIUM", raw["risk"], raw["fix"],
    )  # fmt: skip
    assert (meta.triggers, meta.default_frequency, meta.remediation) == (
        {"configurationChange": True, "periodic": True},
        "TwentyFour_Hours",
        {"document": "TrailGuard-EnableSnsDataEvents", "resourceParameter": "TrailName"},
    )
    # The ResourceTypes default and pattern come from the catalog, not the definition.
    assert "default" not in raw["parameterSchema"]["properties"]["ResourceTypes"]
    assert meta.schema["properties"]["ResourceTypes"] == {
        "type": "string",
        "default": "AWS::SNS::Topic",
        "pattern": "^AWS::SNS::(Topic|PlatformEndpoint)(,AWS::SNS::(Topic|PlatformEndpoint))?$",
        "description": raw["parameterSchema"]["properties"]["ResourceTypes"]["description"],
    }


# --- a rule added as a contributor would add it ----------------------------------------------


def _definition(scope_type: str) -> dict[str, Any]:
    return {
        "id": EXTRA,
        "title": "Test only: counts the trails that apply to the region",
        "description": "Test only.",
        "severity": "LOW",
        "resourceType": scope_type,
        "triggers": {"configurationChange": False, "periodic": True},
        "defaultFrequency": "TwentyFour_Hours",
        "controls": [
            {
                "framework": "Test only",
                "control": "T-1",
                "title": "Test only",
                "mapping": "by analogy",
                "rationale": "Test only.",
            }
        ],
        "parameterSchema": {"type": "object", "additionalProperties": False, "properties": {}},
        "remediation": None,
        "risk": "None.",
        "fix": "None.",
    }


def _count_trails(
    account_id: str, region: str, trails: list[TrailFacts], params: RuleParameters
) -> Finding:
    applying = sorted(t.name for t in trails if t.applies_to(region))
    return Finding(
        rule_id=EXTRA,
        resource_type="AWS::::Account",
        resource_id=account_id,
        compliance="COMPLIANT" if applying else "NON_COMPLIANT",
        annotation=f"{len(applying)} trail(s) apply: {', '.join(applying)}",
        account_id=account_id,
        region=region,
    )


@pytest.fixture
def definitions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A copy of the definitions the registry reads, for a test to add to."""
    copy = tmp_path / "definitions"
    shutil.copytree(DEFINITIONS, copy)
    monkeypatch.setattr(metadata, "DEFINITIONS", copy)
    registry._registry.cache_clear()
    yield copy
    sys.modules.pop(EXTRA_MODULE, None)
    registry._registry.cache_clear()


def _add_rule(definitions: Path, scope: str, resource_type: str, module: bool = True) -> None:
    (definitions / f"{EXTRA}.json").write_text(json.dumps(_definition(resource_type)))
    if module:
        declared = types.ModuleType(EXTRA_MODULE)
        declared.RULE = Rule(  # type: ignore[attr-defined]
            id=EXTRA,
            scope=scope,  # type: ignore[arg-type]
            metadata=load(EXTRA),
            evaluate=_count_trails,
            fix_text=lambda finding, facts: None,
        )
        sys.modules[EXTRA_MODULE] = declared


# Modules the build imports that read the registry when imported: evicted, so that the build
# is seen as a fresh `trailguard build` process sees it (they are put back after the test).
READERS = (
    "trailguard.reporting.model",
    "trailguard.aws.scan",
    "trailguard.aws.runtime",
)


def _build_check(monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, str]:
    for name in READERS:
        monkeypatch.delitem(sys.modules, name, raising=False)
    out, err = io.StringIO(), io.StringIO()
    code = main(["build", "--check", "--root", str(ROOT)], stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_the_build_refuses_a_definition_without_a_rule_module(
    definitions: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _add_rule(definitions, "account-region", "AWS::::Account", module=False)
    assert _build_check(monkeypatch) == (
        4,
        "",
        f"trailguard: failed: rule definition definitions/{EXTRA}.json: no rule module "
        f"{EXTRA_MODULE} declares it\n",
    )


def test_the_build_refuses_a_scope_the_plumbing_does_not_run(
    definitions: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _add_rule(definitions, "event-data-store", "AWS::CloudTrail::EventDataStore")
    assert _build_check(monkeypatch) == (
        4,
        "",
        f"trailguard: failed: rule definition definitions/{EXTRA}.json: scope "
        "'event-data-store' is not run by the Config rule runtime (it runs: trail, "
        "account-region)\n",
    )


def test_the_build_refuses_a_resource_type_that_does_not_fit_the_scope(
    definitions: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _add_rule(definitions, "account-region", "AWS::CloudTrail::Trail")
    assert _build_check(monkeypatch) == (
        4,
        "",
        f"trailguard: failed: rule definition definitions/{EXTRA}.json: resourceType "
        "AWS::CloudTrail::Trail does not fit scope account-region (AWS::::Account)\n",
    )


def test_an_added_account_rule_is_dispatched_by_its_scope(definitions: Path) -> None:
    _add_rule(definitions, "account-region", "AWS::::Account")
    assert [r.id for r in rules_for("account-region")] == [ACCOUNT_RULE, EXTRA]
    with mock_aws():
        make_bucket()
        make_trail("home", "us-east-1")
        make_trail("everywhere", "eu-west-1", multi_region=True)
        # The Lambda runtime: one account evaluation, not per-trail ones.
        evaluations, errors = run_rule(
            EXTRA, scheduled_event(EXTRA), context(), boto3.session.Session, put=False
        )
        assert errors == []
        keys = ("ComplianceResourceType", "ComplianceResourceId", "ComplianceType", "Annotation")
        assert [tuple(e[k] for k in keys) for e in evaluations] == [
            ("AWS::::Account", ACCOUNT, "COMPLIANT", "2 trail(s) apply: everywhere, home")
        ]
        # trailguard rule run
        out, err = io.StringIO(), io.StringIO()
        code = main(["rule", "run", EXTRA, "--region", "eu-west-1"], stdout=out, stderr=err)
        assert (code, err.getvalue()) == (0, "")
        assert json.loads(out.getvalue()) == [
            {
                "ComplianceResourceType": "AWS::::Account",
                "ComplianceResourceId": ACCOUNT,
                "ComplianceType": "COMPLIANT",
                "Annotation": "1 trail(s) apply: everywhere",
            }
        ]
        # scan: one finding per account and region for the new rule, beside the others.
        session = boto3.session.Session(region_name="us-east-1")
        result = Scanner(
            [Target(ACCOUNT, session)], ["us-east-1", "eu-west-1"], RuleParameters()
        ).scan()
    extra = [f for f in result.findings if f.rule_id == EXTRA]
    assert [(f.resource_type, f.account_id, f.region, f.annotation) for f in extra] == [
        ("AWS::::Account", ACCOUNT, "eu-west-1", "1 trail(s) apply: everywhere"),
        ("AWS::::Account", ACCOUNT, "us-east-1", "2 trail(s) apply: everywhere, home"),
    ]
    assert sorted({f.rule_id for f in result.findings}) == [ACCOUNT_RULE, TRAIL_RULE, EXTRA]
    # The reports: placed by scope (coverage, account subject), with its definition's severity.
    entries = [entry_from_finding(f, None) for f in extra]
    assert [(e.severity, e.risk, e.fix) for e in entries] == [("LOW", "None.", None)] * 2
    report = Report("t", "2024-01-01T00:00:00Z", "test", tuple(entries))
    assert report.coverage() == report.evaluated() and report.trails() == ()
    parts = sections(report)
    assert parts.rules == (TRAIL_RULE, ACCOUNT_RULE, EXTRA)
    assert parts.coverage_rule == f"{ACCOUNT_RULE}, {EXTRA}"
    assert [subject(e) for e in entries] == ["account coverage"] * 2


@pytest.mark.parametrize("rule_id", [TRAIL_RULE, ACCOUNT_RULE])
def test_the_readme_parameter_table_is_the_metadata(rule_id: str) -> None:
    text = (ROOT / "rules" / rule_id / "README.md").read_text(encoding="utf-8")
    rows = [line.split(" | ") for line in text.splitlines() if line.startswith("| `")]
    schema = load(rule_id).schema["properties"]
    assert [(row[0].removeprefix("| "), row[1]) for row in rows] == [
        (f"`{name}`", f"`{spec['default']}`") for name, spec in schema.items()
    ]
    assert "ExecutionRoleName" in schema
