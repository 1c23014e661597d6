"""Generated artifacts: up to date with src/, and valid by every check we can run offline.

The SSM document is checked against the repository's JSON schema for Automation documents,
with cfn-lint inside an AWS::SSM::Document resource, and with checks that neither covers
(SSM's name rules and size limit, parameters with allowedPattern, outputs that exist).
"""

from __future__ import annotations

import ast
import functools
import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from cfnlint.api import ManualArgs, lint

import trailguard.artifacts.bundle as bundle_module
import trailguard.artifacts.document as document_module
from trailguard.artifacts.build import (
    DOCUMENT_NAME,
    SSM_CONTENT_LIMIT,
    BuildError,
    artifacts,
    flatten,
    unpacked,
)

ROOT = Path(__file__).resolve().parents[2]
DOCUMENT = ROOT / "remediation" / f"{DOCUMENT_NAME}.yaml"
SCHEMA = ROOT / "remediation" / "schema" / "automation-document.schema.json"


def _document() -> dict[str, Any]:
    loaded = yaml.safe_load(DOCUMENT.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


@functools.cache
def _built() -> dict[str, bytes]:
    """One build for every comparison below (building takes about a second)."""
    return artifacts(ROOT)


@pytest.mark.parametrize("relative", sorted(_built()))
def test_committed_artifact_is_up_to_date(relative: str) -> None:
    committed = (ROOT / relative).read_bytes()
    assert committed == _built()[relative], f"{relative} is stale: run `trailguard build`"


@pytest.mark.slow  # two builds in fresh interpreters
def test_build_is_deterministic_across_hash_seeds(tmp_path: Path) -> None:
    """A build in another interpreter, with another string-hash seed, writes the same bytes
    (set and dict order must never leak into an artifact)."""
    for seed in ("1", "4242"):
        (tmp_path / seed).mkdir()
        proc = subprocess.run(
            [sys.executable, "-c", DUMP, str(ROOT), str(tmp_path / seed / "artifacts.json")],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert proc.returncode == 0, proc.stderr
    first, second = ((tmp_path / s / "artifacts.json").read_text() for s in ("1", "4242"))
    assert first == second
    expected = {k: hashlib.sha256(v).hexdigest() for k, v in artifacts(ROOT).items()}
    assert json.loads(first) == expected


DUMP = """
import hashlib, json, sys
from pathlib import Path
from trailguard.artifacts.build import artifacts
built = artifacts(Path(sys.argv[1]))
digests = {k: hashlib.sha256(v).hexdigest() for k, v in built.items()}
Path(sys.argv[2]).write_text(json.dumps(digests))
"""


def test_document_fits_ssm_limits() -> None:
    assert len(DOCUMENT.read_bytes()) <= SSM_CONTENT_LIMIT
    assert re.fullmatch(r"[a-zA-Z0-9_\-.]{3,128}", DOCUMENT_NAME)
    forbidden = ("aws", "amazon", "amzn", "AWSEC2", "AWSConfigRemediation", "AWSSupport")
    assert not DOCUMENT_NAME.lower().startswith(tuple(p.lower() for p in forbidden))


def test_document_matches_schema() -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(_document(), schema)


def test_schema_rejects_what_it_should() -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    broken = _document()
    broken["mainSteps"][0]["inputs"]["Runtime"] = "python2.7"
    with pytest.raises(jsonschema.ValidationError, match=r"python2\.7"):
        jsonschema.validate(broken, schema)
    broken = _document()
    broken["mainSteps"][1]["inputs"]["Hander"] = "x"
    with pytest.raises(jsonschema.ValidationError, match="Hander"):
        jsonschema.validate(broken, schema)
    broken = _document()
    broken["schemaVersion"] = "2.2"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)


def test_document_passes_cfn_lint() -> None:
    template = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {
            "Document": {
                "Type": "AWS::SSM::Document",
                "Properties": {
                    "Name": DOCUMENT_NAME,
                    "DocumentType": "Automation",
                    "DocumentFormat": "YAML",
                    "Content": _document(),
                },
            }
        },
    }
    matches = lint(json.dumps(template), config=ManualArgs(regions=["us-east-1"]))
    assert [str(m) for m in matches] == []


def test_parameters_are_constrained_and_referenced() -> None:
    doc = _document()
    assert doc["assumeRole"] == "{{ AutomationAssumeRole }}"
    parameters = doc["parameters"]
    assert set(parameters) == {
        "TrailName",
        "AutomationAssumeRole",
        "ResourceTypes",
        "DryRun",
        "AcceptedExclusions",
        "FillExclusions",
        "DeadlineSeconds",
    }
    for name, spec in parameters.items():
        assert spec.get("allowedPattern"), f"{name} has no allowedPattern"
        if "default" in spec:
            assert re.search(spec["allowedPattern"], spec["default"]), name
    text = DOCUMENT.read_text(encoding="utf-8")
    for name in parameters:
        assert "{{ " + name + " }}" in text, f"parameter {name} is never used"


def test_allowed_patterns_accept_and_reject() -> None:
    parameters = _document()["parameters"]

    def ok(name: str, value: str) -> bool:
        return re.search(parameters[name]["allowedPattern"], value) is not None

    assert ok("TrailName", "management-events")
    assert ok("TrailName", "arn:aws:cloudtrail:us-east-1:111122223333:trail/org-trail")
    assert not ok("TrailName", "x")
    assert not ok("TrailName", "bad name; rm -rf")
    assert ok("AutomationAssumeRole", "arn:aws:iam::111122223333:role/TrailGuardRemediationRole")
    assert not ok("AutomationAssumeRole", "arn:aws:iam::111122223333:user/alice")
    assert ok("ResourceTypes", "AWS::SNS::Topic,AWS::SNS::PlatformEndpoint")
    assert not ok("ResourceTypes", "AWS::S3::Object")
    assert ok("DryRun", "true") and not ok("DryRun", "yes")
    assert ok("AcceptedExclusions", "-")
    assert ok(
        "AcceptedExclusions", '[{"Field": "resources.ARN",\n "StartsWith": ["arn:aws:sns:"]}]'
    )
    assert not ok("AcceptedExclusions", "")
    assert not ok("AcceptedExclusions", '{"Field": "resources.ARN"}')
    assert ok("FillExclusions", "false") and not ok("FillExclusions", "TRUE")


def test_outputs_exist_and_handlers_are_defined() -> None:
    doc = _document()
    step_outputs = {
        f"{step['name']}.{out['Name']}"
        for step in doc["mainSteps"]
        for out in step.get("outputs", [])
    }
    assert set(doc["outputs"]) <= step_outputs
    for step in doc["mainSteps"]:
        script = step["inputs"]["Script"]
        if '_CODE = """' in script:  # stored compressed: the code it runs
            script = unpacked(script)
        tree = ast.parse(script)
        functions = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
        assert step["inputs"]["Handler"] in functions
        assert "import trailguard" not in script and "from trailguard" not in script
        for ref in re.findall(r"\{\{ (\w+)\.(\w+) \}\}", json.dumps(step["inputs"])):
            assert ".".join(ref) in step_outputs


def _modules(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, sources: dict[str, str]) -> None:
    """Let the bundler read ``sources`` (module name -> code) as trailguard modules."""
    for name, code in sources.items():
        (tmp_path / f"{name}.py").write_text(code, encoding="utf-8")
    real = bundle_module._module_path
    monkeypatch.setattr(
        bundle_module,
        "_module_path",
        lambda name: tmp_path / f"{name}.py" if name in sources else real(name),
    )


def test_flatten_refuses_a_name_defined_twice(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # The bundle is one namespace: two modules defining the same top-level name must fail.
    _modules(
        monkeypatch,
        tmp_path,
        {
            "trailguard.t_root": "from trailguard.t_one import f\nfrom trailguard.t_two import g\n",
            "trailguard.t_one": "def shared():\n    pass\ndef f():\n    pass\n",
            "trailguard.t_two": "shared = 1\ndef g():\n    pass\n",
        },
    )
    with pytest.raises(BuildError) as refused:
        flatten(("trailguard.t_root",))
    assert str(refused.value) == "shared is defined in both trailguard.t_one and trailguard.t_two"


def test_flatten_refuses_a_plain_import_of_trailguard(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _modules(monkeypatch, tmp_path, {"trailguard.t_root": "import trailguard.core\n"})
    with pytest.raises(BuildError) as refused:
        flatten(("trailguard.t_root",))
    assert str(refused.value) == "use 'from trailguard.x import y' inside bundled modules"


def test_flatten_refuses_an_import_cycle(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _modules(
        monkeypatch,
        tmp_path,
        {
            "trailguard.t_one": "from trailguard.t_two import g\ndef f():\n    pass\n",
            "trailguard.t_two": "from trailguard.t_one import f\ndef g():\n    pass\n",
        },
    )
    with pytest.raises(BuildError) as refused:
        flatten(("trailguard.t_one",))
    assert str(refused.value).startswith("import cycle through trailguard.t_")


def test_document_over_the_size_limit_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(document_module, "SSM_CONTENT_LIMIT", 1000)
    with pytest.raises(BuildError) as refused:
        document_module.document_text()
    assert re.fullmatch(
        rf"{DOCUMENT_NAME} is \d+ bytes; the build allows 1,000 bytes \(SSM's 64 KB content "
        r"limit also counts the runtime parameters\)",
        str(refused.value),
    )


def test_the_build_limit_is_62000_bytes() -> None:
    assert document_module.SSM_CONTENT_LIMIT == 62_000


def test_indentation_the_halving_cannot_hold_is_refused() -> None:
    with pytest.raises(BuildError) as refused:
        bundle_module._two_space_indent("if x:\n   y = 1")
    assert str(refused.value) == "unexpected indentation in generated code: '   y = 1'"


def test_the_real_bundle_defines_each_name_once() -> None:
    script, order = flatten(("trailguard.ssm.entry",))
    assert order[-1] == "trailguard.ssm.entry"
    names = [
        n.name for n in ast.parse(script).body if isinstance(n, ast.FunctionDef | ast.ClassDef)
    ]
    assert len(names) == len(set(names))


def test_remediation_role_is_least_privilege() -> None:
    path = ROOT / "remediation" / "remediation-role.yaml"
    assert [str(m) for m in lint(path.read_text(encoding="utf-8"), config=ManualArgs())] == []
    template = yaml.load(path.read_text(encoding="utf-8"), Loader=_CfnLoader)
    statements = template["Resources"]["RemediationRole"]["Properties"]["Policies"][0][
        "PolicyDocument"
    ]["Statement"]
    actions = sorted(
        a
        for s in statements
        for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    )
    assert actions == [
        "cloudtrail:DescribeTrails",
        "cloudtrail:GetEventSelectors",
        "cloudtrail:PutEventSelectors",
        "iam:GetRole",
        "organizations:DescribeOrganization",
        "organizations:ListAWSServiceAccessForOrganization",
        "organizations:ListAccounts",
    ]
    assert all("*" not in a for a in actions)
    # Nothing beyond the trail's selectors is written; IAM reads only service-linked roles.
    resources = {s["Sid"]: s["Resource"] for s in statements}
    assert resources == {
        "FindTrail": "*",
        "ReadAndPutSelectors": {"Fn::Sub": "arn:${AWS::Partition}:cloudtrail:*:*:trail/*"},
        "OrganizationTrailChecksOrganizations": "*",
        "OrganizationTrailChecksServiceLinkedRoles": {
            "Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/aws-service-role/*"
        },
    }
    # The template says why, in a comment.
    assert "# The remediation role may also change an organization trail" in path.read_text(
        encoding="utf-8"
    )


class _CfnLoader(yaml.SafeLoader):
    """Reads CloudFormation short-form tags (!Ref, !Sub, !GetAtt) as plain values."""


def _tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return {suffix: loader.construct_scalar(node)}
    if isinstance(node, yaml.SequenceNode):
        return {suffix: loader.construct_sequence(node)}
    return {suffix: loader.construct_mapping(node)}  # type: ignore[arg-type]


_CfnLoader.add_multi_constructor("!", _tag)
