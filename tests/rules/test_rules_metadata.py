"""One id everywhere: the rule metadata, the rule folders, the conformance pack and the
remediation document agree; the pack stays within AWS Config's limits (including the plain-string
enums cfn-lint does not check); the small parameter validator agrees with ``jsonschema``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from cfnlint.api import ManualArgs, lint
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trailguard.artifacts.pack import conformance_pack_text
from trailguard.rules.metadata import DEFINITIONS, ParameterError, load, parameters
from trailguard.rules.registry import rule_ids

RULE_IDS = rule_ids()

ROOT = Path(__file__).resolve().parents[2]
PACK_PATH = ROOT / "conformance-pack.yaml"
PACK_TEXT = PACK_PATH.read_text(encoding="utf-8")
PACK = yaml.safe_load(PACK_TEXT)
RESOURCES: dict[str, Any] = PACK["Resources"]
RULES = {
    r["Properties"]["ConfigRuleName"]: r["Properties"]
    for r in RESOURCES.values()
    if r["Type"] == "AWS::Config::ConfigRule"
}
REMEDIATIONS = [
    r["Properties"]
    for r in RESOURCES.values()
    if r["Type"] == "AWS::Config::RemediationConfiguration"
]
MESSAGE_TYPES = {
    "ConfigurationItemChangeNotification",
    "OversizedConfigurationItemChangeNotification",
    "ScheduledNotification",
    "ConfigurationSnapshotDeliveryCompleted",
}
FREQUENCIES = ["One_Hour", "Three_Hours", "Six_Hours", "Twelve_Hours", "TwentyFour_Hours"]
SSM_NAME = re.compile(r"^[a-zA-Z0-9_\-.]{3,128}$")
SSM_RESERVED = ("aws", "amazon", "amzn", "AWSEC2", "AWSConfigRemediation", "AWSSupport")


# --- one id everywhere ------------------------------------------------------------------------


def test_rule_ids_are_the_folders_and_the_definitions() -> None:
    assert sorted(p.name for p in (ROOT / "rules").iterdir() if p.is_dir()) == sorted(RULE_IDS)
    assert sorted(p.stem for p in DEFINITIONS.glob("*.json")) == sorted(RULE_IDS)


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_rule_folder(rule_id: str) -> None:
    folder = ROOT / "rules" / rule_id
    assert folder.is_dir(), f"missing folder rules/{rule_id}/"
    assert (folder / "handler.py").is_file(), f"missing rules/{rule_id}/handler.py"
    assert f'RULE_ID = "{rule_id}"' in (folder / "handler.py").read_text(encoding="utf-8")
    # rule.json is the definition with the catalog's ResourceTypes default and pattern.
    definition = json.loads((DEFINITIONS / f"{rule_id}.json").read_text(encoding="utf-8"))
    definition["parameterSchema"]["properties"]["ResourceTypes"].update(
        default="AWS::SNS::Topic",
        pattern="^AWS::SNS::(Topic|PlatformEndpoint)(,AWS::SNS::(Topic|PlatformEndpoint))?$",
    )
    assert json.loads((folder / "rule.json").read_text(encoding="utf-8")) == definition
    assert load(rule_id).raw["id"] == rule_id


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_rule_readme(rule_id: str) -> None:
    readme = ROOT / "rules" / rule_id / "README.md"
    assert readme.is_file(), f"rules/{rule_id}/README.md is missing: each rule folder needs one"
    text = readme.read_text(encoding="utf-8")
    assert rule_id in text, f"rules/{rule_id}/README.md does not name the rule id {rule_id}"


def test_pack_rule_names_are_the_rule_ids() -> None:
    assert sorted(RULES) == sorted(RULE_IDS)
    assert sorted(r["ConfigRuleName"] for r in REMEDIATIONS) == sorted(
        i for i in RULE_IDS if load(i).raw["remediation"]
    )


def test_pack_is_generated_from_the_metadata() -> None:
    generated = conformance_pack_text()
    assert generated == PACK_TEXT, "conformance-pack.yaml is stale: trailguard build"


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_pack_input_parameters_are_the_schema(rule_id: str) -> None:
    meta = load(rule_id)
    properties = meta.schema["properties"]
    inputs = RULES[rule_id]["InputParameters"]
    assert list(inputs) == list(properties)
    assert inputs == {name: {"Ref": name} for name in properties}
    for name, spec in properties.items():
        parameter = PACK["Parameters"].get(name)
        assert parameter is not None, f"pack parameter {name} missing"
        assert parameter["Type"] == "String"
        assert str(parameter["Default"]) == spec["default"], name
        assert parameter.get("AllowedValues") == spec.get("enum"), name
        # the default itself passes the rule's own validation
    assert parameters(meta, json.dumps(meta.defaults())) == meta.defaults()


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_pack_rule_source(rule_id: str) -> None:
    meta = load(rule_id)
    rule = RULES[rule_id]
    source = rule["Source"]
    assert source["Owner"] == "CUSTOM_LAMBDA"
    details = source["SourceDetails"]
    assert {d["MessageType"] for d in details} <= MESSAGE_TYPES
    assert all(d["EventSource"] == "aws.config" for d in details)
    expected = set()
    if meta.raw["triggers"]["configurationChange"]:
        expected |= {
            "ConfigurationItemChangeNotification",
            "OversizedConfigurationItemChangeNotification",
        }
    if meta.raw["triggers"]["periodic"]:
        expected.add("ScheduledNotification")
    assert [d["MessageType"] for d in details] == sorted(
        expected,
        key=[
            "ConfigurationItemChangeNotification",
            "OversizedConfigurationItemChangeNotification",
            "ScheduledNotification",
        ].index,
    )
    for detail in details:
        if detail["MessageType"] == "ScheduledNotification":
            assert detail["MaximumExecutionFrequency"] == {"Ref": "MaximumExecutionFrequency"}
        else:
            assert "MaximumExecutionFrequency" not in detail
    if meta.resource_type == "AWS::::Account":
        assert "Scope" not in rule
    else:
        assert rule["Scope"] == {"ComplianceResourceTypes": [meta.resource_type]}
    assert (
        PACK["Parameters"]["MaximumExecutionFrequency"]["Default"] == meta.raw["defaultFrequency"]
    )
    assert len(rule["Description"]) <= 256


def test_frequency_parameter() -> None:
    assert PACK["Parameters"]["MaximumExecutionFrequency"]["AllowedValues"] == FREQUENCIES


def test_remediation_configurations() -> None:
    documents = {p.stem: p for p in (ROOT / "remediation").glob("*.yaml")}
    assert REMEDIATIONS, "no RemediationConfiguration in the pack"
    for remediation in REMEDIATIONS:
        meta = load(remediation["ConfigRuleName"]).raw["remediation"]
        assert remediation["TargetType"] == "SSM_DOCUMENT"
        assert remediation["TargetId"] == meta["document"]
        assert 1 <= remediation["MaximumAutomaticAttempts"] <= 25
        assert 1 <= remediation["RetryAttemptSeconds"] <= 2678000
        name = remediation["TargetId"]
        assert SSM_NAME.match(name) and not name.startswith(SSM_RESERVED)
        assert name in documents, f"remediation/{name}.yaml missing"
        document = yaml.safe_load(documents[name].read_text(encoding="utf-8"))
        assert document["schemaVersion"] == "0.3"
        assert set(remediation["Parameters"]) <= set(document["parameters"])
        assert remediation["Parameters"][meta["resourceParameter"]] == {
            "ResourceValue": {"Value": "RESOURCE_ID"}
        }
        assert remediation["Parameters"]["AutomationAssumeRole"] == {
            "StaticValue": {"Values": [{"Ref": "RemediationRoleArn"}]}
        }
        # the rule's accepted exclusions reach the fix, which leaves them unlogged
        assert remediation["Parameters"]["AcceptedExclusions"] == {
            "StaticValue": {"Values": [{"Ref": "AcceptedExclusions"}]}
        }
        assert remediation["Parameters"]["FillExclusions"] == {"StaticValue": {"Values": ["false"]}}
        controls = remediation["ExecutionControls"]["SsmControls"]
        assert 1 <= controls["ConcurrentExecutionRatePercentage"] <= 100
        assert 1 <= controls["ErrorPercentage"] <= 100


def test_pack_limits() -> None:
    assert len(PACK_TEXT.encode("utf-8")) <= 51_200
    assert len(PACK["Parameters"]) <= 60
    assert {r["Type"] for r in RESOURCES.values()} <= {
        "AWS::Config::ConfigRule",
        "AWS::Config::RemediationConfiguration",
    }
    for name, parameter in PACK["Parameters"].items():
        if "Default" in parameter and "AllowedValues" in parameter:
            assert parameter["Default"] in parameter["AllowedValues"], name
        if "Default" in parameter and "AllowedPattern" in parameter:
            assert re.search(parameter["AllowedPattern"], parameter["Default"]), name
    # every Ref points at a declared parameter
    refs = set(re.findall(r"Ref: (\w+)", PACK_TEXT))
    assert refs <= set(PACK["Parameters"]) | set(RESOURCES)


def test_pack_cfn_lint_clean() -> None:
    matches = lint(PACK_TEXT, config=ManualArgs(regions=["us-east-1"]))
    assert [str(m) for m in matches] == []


# --- the small validator against jsonschema ---------------------------------------------------


def _value(spec: dict[str, Any]) -> st.SearchStrategy[Any]:
    options: list[st.SearchStrategy[Any]] = [
        st.just(spec["default"]),
        st.text(max_size=40),
        st.text(alphabet="AWS:SNopicTPlatfrmEdn,-_./ 1@=+", max_size=40),
        st.integers() | st.booleans() | st.none() | st.lists(st.text(max_size=3), max_size=2),
    ]
    if "enum" in spec:
        options.append(st.sampled_from(spec["enum"]))
        options.append(st.sampled_from([v.upper() for v in spec["enum"]]))
    if "pattern" in spec:
        options.append(st.from_regex(spec["pattern"], fullmatch=True))
    if "maxLength" in spec:
        n = spec["maxLength"]
        options.append(st.sampled_from(["a" * n, "a" * (n + 1), "ab," * (n // 3) + "abc"]))
    return st.one_of(options)


@st.composite
def _parameter_dicts(draw: st.DrawFn, rule_id: str) -> dict[str, Any]:
    properties = load(rule_id).schema["properties"]
    chosen = draw(st.lists(st.sampled_from(sorted(properties)), unique=True))
    values = {name: draw(_value(properties[name])) for name in chosen}
    if draw(st.booleans()) and draw(st.booleans()):
        extra = draw(
            st.sampled_from(["Unknown", "requirelogging", "ExemptTrail", "", "ResourceTypes "])
        )
        values[extra] = draw(st.text(max_size=5))
    return values


def _small_validator_accepts(rule_id: str, values: dict[str, Any]) -> bool:
    try:
        parameters(load(rule_id), values)
    except ParameterError:
        return False
    return True


@pytest.mark.parametrize("rule_id", RULE_IDS)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_validator_agrees_with_jsonschema(rule_id: str, data: st.DataObject) -> None:
    values = data.draw(_parameter_dicts(rule_id))
    schema = load(rule_id).schema
    jsonschema.validators.validator_for(schema).check_schema(schema)
    fits = len(json.dumps(values, separators=(",", ":"), ensure_ascii=False)) <= 1024
    expected = jsonschema.validators.validator_for(schema)(schema).is_valid(values) and fits
    assert _small_validator_accepts(rule_id, values) == expected, values


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_validator_known_cases(rule_id: str) -> None:
    meta = load(rule_id)
    schema = meta.schema
    validator = jsonschema.validators.validator_for(schema)(schema)
    cases: list[tuple[dict[str, Any], bool]] = [
        ({}, True),
        (meta.defaults(), True),
        ({"ResourceTypes": "AWS::SNS::Topic,AWS::SNS::PlatformEndpoint"}, True),
        ({"ResourceTypes": "AWS::SNS::PlatformEndpoint"}, True),
        ({"ResourceTypes": "AWS::SNS::Topic,"}, False),
        ({"ResourceTypes": "aws::sns::topic"}, False),
        ({"ResourceTypes": 1}, False),
        ({"Nope": "x"}, False),
        ({"AcceptedExclusions": "-"}, True),
        ({"AcceptedExclusions": '[{"Field": "eventName", "Equals": ["Publish"]}]'}, True),
        ({"AcceptedExclusions": "[\n]"}, True),  # the schema checks the shape; the rule parses
        ({"AcceptedExclusions": ""}, False),
        ({"AcceptedExclusions": '{"Field": "eventName"}'}, False),
    ]
    if rule_id == "cloudtrail-sns-data-events-enabled":
        cases += [
            (
                {"ExemptTrails": "trail-one,arn:aws:cloudtrail:us-east-1:123456789012:trail/x-y"},
                True,
            ),
            ({"ExemptTrails": "ab"}, False),
            ({"ExemptTrails": ",".join(["abc"] * 180)}, False),  # > 700 characters
            ({"ExemptionTagKey": "-"}, True),
            ({"ExemptionTagKey": "a" * 129}, False),
            ({"RequireLogging": "false"}, True),
            ({"RequireLogging": "False"}, False),
        ]
    for values, valid in cases:
        assert validator.is_valid(values) == valid, values
        assert _small_validator_accepts(rule_id, values) == valid, values


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_input_parameters_limit_counts_the_whole_json(rule_id: str) -> None:
    meta = load(rule_id)
    base = {"ResourceTypes": "AWS::SNS::Topic", "AcceptedExclusions": ""}
    room = 1024 - len(json.dumps(base, separators=(",", ":")))
    at_limit = {**base, "AcceptedExclusions": "[" + " " * (room - 2) + "]"}
    assert len(json.dumps(at_limit, separators=(",", ":"))) == 1024
    assert parameters(meta, at_limit)["AcceptedExclusions"] == at_limit["AcceptedExclusions"]
    over = {**base, "AcceptedExclusions": "[" + " " * (room - 1) + "]"}
    with pytest.raises(ParameterError) as caught:
        parameters(meta, over)
    assert str(caught.value) == (
        f"rule parameters are 1025 characters as JSON (AcceptedExclusions takes {room + 3}); "
        "AWS Config allows 1024 for a rule's InputParameters"
    )
    text = json.dumps(over)  # as Config passes it: the text as given counts
    with pytest.raises(ParameterError, match=f"are {len(text)} characters as JSON"):
        parameters(meta, text)


def test_accepted_exclusions_parameter_parses_into_the_requirement() -> None:
    from trailguard.core.exclusions import parse_exclusions
    from trailguard.rules.parameters import rule_parameters

    accepted = [{"Field": "resources.ARN", "StartsWith": ["arn:aws:sns:us-east-1:1:load-"]}]
    params = rule_parameters({"AcceptedExclusions": json.dumps(accepted)})
    assert params.accepted_exclusions == parse_exclusions(accepted, "AcceptedExclusions")
    assert params.requirement("aws").exclusions == params.accepted_exclusions
    assert rule_parameters({}).requirement("aws").exclusions == ()
    assert rule_parameters({"AcceptedExclusions": "-"}).accepted_exclusions == ()
    with pytest.raises(ParameterError) as caught:
        rule_parameters({"AcceptedExclusions": '[{"Field": "resources.ARN", "Equals": []}]'})
    assert str(caught.value).startswith("parameter AcceptedExclusions[0] (resources.ARN)")
