"""Tests of ``trailguard check``: exit codes, whole JSON and text results, and bad input.

Most tests call :func:`trailguard.cli.main` in-process with injected streams; a few run the
installed console script and ``python -m trailguard`` to check real exit codes and that no
traceback reaches the user. Expected results are written out by hand from the selectors and
the catalog (SNS topics: Publish and PublishBatch, readOnly false, sns.amazonaws.com).
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from findings import without_finding
from selector_data import BOTH_TOPIC_EVENTS, ENDPOINT, FIXTURES, TOPIC, cut

from trailguard.cli import main

COMPLIANT_DIR = FIXTURES / "compliant"
NON_COMPLIANT_DIR = FIXTURES / "non_compliant"

EXAMPLE_TOPIC_ARN = "arn:aws:sns:us-east-1:111122223333:example-topic"
EXAMPLE_CALLER = "arn:aws:sts::111122223333:assumed-role/ExampleRole/example-session"
ERROR = "trailguard: error: "
STDIN = ERROR + "standard input: "


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        """The JSON output, each verdict's ``finding`` checked and taken out."""
        return without_finding(json.loads(self.out))


def run(*argv: str, stdin: str = "") -> Result:
    out, err = io.StringIO(), io.StringIO()
    code = main(["check", *argv], stdin=io.StringIO(stdin), stdout=out, stderr=err)
    return Result(code, out.getvalue(), err.getvalue())


def fixture(name: str) -> str:
    """The path of a fixture given as ``compliant/x`` or ``non_compliant/x`` (no .json)."""
    path = FIXTURES / f"{name}.json"
    assert path.is_file(), path
    return str(path)


def trail_arn(name: str) -> str:
    return f"arn:aws:cloudtrail:us-east-1:111122223333:trail/{name}"


def example(
    event_name: str,
    resource_arn: str = EXAMPLE_TOPIC_ARN,
    resource_type: str = TOPIC,
    caller: str | None = EXAMPLE_CALLER,
    console: str | None = None,
) -> dict[str, str]:
    """The unlogged SNS event the checker is expected to show: a record without
    ``sessionCredentialFromConsole`` (not a console session) unless ``console`` is given, and
    without ``userIdentity.arn`` when ``caller`` is None."""
    event = {
        "eventCategory": "Data",
        "resources.type": resource_type,
        "eventName": event_name,
        "eventType": "AwsApiCall",
        "eventSource": "sns.amazonaws.com",
        "readOnly": "false",
        "resources.ARN": resource_arn,
        "userIdentity.arn": caller,
        "sessionCredentialFromConsole": console,
    }
    return {key: value for key, value in event.items() if value is not None}


def sns_selector(*extra: dict[str, Any], name: str | None = "x") -> dict[str, Any]:
    """An advanced selector for SNS topic data events, with ``extra`` field selectors."""
    selector: dict[str, Any] = {"Name": name} if name is not None else {}
    selector["FieldSelectors"] = [
        {"Field": "eventCategory", "Equals": ["Data"]},
        {"Field": "resources.type", "Equals": [TOPIC]},
        *extra,
    ]
    return selector


def advanced(*selectors: dict[str, Any], **top: Any) -> str:
    return json.dumps({"AdvancedEventSelectors": list(selectors), **top})


def sns_advanced(*extra: dict[str, Any]) -> str:
    """A document of one SNS topic selector named 'x', with ``extra`` field selectors."""
    return advanced(sns_selector(*extra))


def run_json(name: str, *options: str) -> Result:
    """``trailguard check`` on fixture ``name`` with ``options`` and ``--output json``."""
    return run(fixture(name), *options, "--output", "json")


def gap(
    event_name: str,
    cause: str,
    resource_type: str = TOPIC,
    certainty: str = "certain",
    missing: tuple[str, ...] = (),
    **example_args: Any,
) -> dict[str, Any]:
    """One entry of a verdict's "gaps": the event not logged, why, and the example shown."""
    return {
        "resourceType": resource_type,
        "eventName": event_name,
        "certainty": certainty,
        "missingFields": list(missing),
        "cause": cause,
        "example": example(event_name, resource_type=resource_type, **example_args),
    }


def assert_one_error_line(result: Result, line: str) -> None:
    assert (result.code, result.out, result.err) == (2, "", line + "\n")


# --- every fixture: exit code agrees with its folder and with the JSON verdict -----------------


def _exclusion_options(path: Path) -> list[str]:
    """``--accept-exclusions`` for a fixture that names accepted exclusions."""
    exclusions = json.loads(path.read_text(encoding="utf-8")).get("trailguardAcceptedExclusions")
    return [] if exclusions is None else ["--accept-exclusions", json.dumps(exclusions)]


@pytest.mark.parametrize(
    "path", sorted(COMPLIANT_DIR.glob("*.json")), ids=lambda p: f"compliant/{p.stem}"
)
def test_compliant_fixture_exits_0(path: Path) -> None:
    result = run(str(path), "--output", "json", *_exclusion_options(path))
    assert (result.code, result.err) == (0, "")
    verdict = result.json()
    assert (verdict["compliance"], verdict["gaps"]) == ("COMPLIANT", [])


@pytest.mark.parametrize(
    "path", sorted(NON_COMPLIANT_DIR.glob("*.json")), ids=lambda p: f"non_compliant/{p.stem}"
)
def test_non_compliant_fixture_exits_1(path: Path) -> None:
    result = run(str(path), "--output", "json", *_exclusion_options(path))
    assert (result.code, result.err) == (1, "")
    verdict = result.json()
    assert verdict["compliance"] == "NON_COMPLIANT"
    assert verdict["gaps"], "a non-compliant verdict must name at least one gap"


def test_fixture_folders_are_not_empty() -> None:
    assert len(list(COMPLIANT_DIR.glob("*.json"))) >= 30
    assert len(list(NON_COMPLIANT_DIR.glob("*.json"))) >= 30


# --- whole JSON results, reviewed by hand ---------------------------------------------------


def test_eventname_equals_publish_only_misses_publishbatch() -> None:
    name = "sns-eventname-equals-publish-only"
    result = run_json(f"non_compliant/{name}")
    cause = "selector 'Log SNS Publish' limits eventName to [Publish]"
    assert (result.code, result.err) == (1, "")
    assert result.json() == {
        "trailARN": trail_arn(name),
        "compliance": "NON_COMPLIANT",
        "annotation": f"PublishBatch on {TOPIC} is not logged: {cause}",
        "selectorKind": "advanced",
        "gaps": [gap("PublishBatch", cause)],
        "requirement": BOTH_TOPIC_EVENTS,
        "acceptedExclusions": [],
        "warnings": [],
    }


def test_publish_and_publishbatch_in_two_selectors_is_compliant() -> None:
    name = "sns-publish-and-publishbatch-split-selectors"
    result = run_json(f"compliant/{name}")
    assert (result.code, result.err) == (0, "")
    assert result.json() == {
        "trailARN": trail_arn(name),
        "compliance": "COMPLIANT",
        "annotation": (
            f"Logged for every resource, caller and session: Publish and PublishBatch on {TOPIC}"
        ),
        "selectorKind": "advanced",
        "gaps": [],
        "requirement": BOTH_TOPIC_EVENTS,
        "acceptedExclusions": [],
        "warnings": [],
    }


def test_readonly_equals_true_misses_both_publish_events() -> None:
    name = "sns-readonly-equals-true"
    result = run_json(f"non_compliant/{name}")
    cause = "selector 'SNS read-only data events' limits readOnly to [true]"
    assert (result.code, result.err) == (1, "")
    assert result.json() == {
        "trailARN": trail_arn(name),
        "compliance": "NON_COMPLIANT",
        "annotation": f"Publish and PublishBatch on {TOPIC} are not logged: {cause}",
        "selectorKind": "advanced",
        "gaps": [gap("Publish", cause), gap("PublishBatch", cause)],
        "requirement": BOTH_TOPIC_EVENTS,
        "acceptedExclusions": [],
        "warnings": [],
    }


def test_arn_startswith_one_prefix_shows_a_topic_outside_it() -> None:
    name = "sns-arn-startswith-account-region-prefix"
    prefix = "arn:aws:sns:us-east-1:111122223333:"
    result = run_json(f"non_compliant/{name}")
    assert (result.code, result.err) == (1, "")
    verdict = result.json()
    outside = "arn:aws:sns:eu-west-1:111122223333:example-topic"
    cause = f"selector 'SNS topics in us-east-1' limits resources.ARN to StartsWith [{prefix}]"
    assert verdict == {
        "trailARN": trail_arn(name),
        "compliance": "NON_COMPLIANT",
        "annotation": f"Publish and PublishBatch on {TOPIC} are not logged: {cause}",
        "selectorKind": "advanced",
        "gaps": [
            gap("Publish", cause, resource_arn=outside),
            gap("PublishBatch", cause, resource_arn=outside),
        ],
        "requirement": BOTH_TOPIC_EVENTS,
        "acceptedExclusions": [],
        "warnings": [],
    }
    for entry in verdict["gaps"]:
        arn = entry["example"]["resources.ARN"]
        assert arn.startswith("arn:aws:sns:") and not arn.startswith(prefix)


def test_basic_selectors_only_names_basic_selectors() -> None:
    name = "basic-management-only"
    result = run_json(f"non_compliant/{name}")
    cause = (
        f"the trail uses basic event selectors, which cannot log {TOPIC}; "
        f"switch to advanced selectors with resources.type {TOPIC} (trailguard plan)"
    )
    assert (result.code, result.err) == (1, "")
    verdict = result.json()
    assert verdict == {
        "trailARN": trail_arn(name),
        "compliance": "NON_COMPLIANT",
        "annotation": f"Publish and PublishBatch on {TOPIC} are not logged: {cause}",
        "selectorKind": "basic",
        "gaps": [gap("Publish", cause), gap("PublishBatch", cause)],
        "requirement": BOTH_TOPIC_EVENTS,
        "acceptedExclusions": [],
        "warnings": [],
    }
    assert "basic event selectors" in verdict["annotation"]
    assert len(verdict["annotation"]) <= 256


@pytest.mark.parametrize(
    "name", ["basic-management-s3-lambda", "basic-writeonly-dynamodb-exclude-kms"]
)
def test_other_basic_fixtures_name_basic_selectors(name: str) -> None:
    result = run_json(f"non_compliant/{name}")
    verdict = result.json()
    assert (result.code, verdict["selectorKind"]) == (1, "basic")
    assert verdict["annotation"].startswith(
        f"Publish and PublishBatch on {TOPIC} are not logged: the trail uses basic event "
        f"selectors, which cannot log {TOPIC}"
    )


def test_no_selectors_key_is_default_kind() -> None:
    result = run_json("non_compliant/no-selectors-key")
    verdict = result.json()
    cause = f"no advanced selector has resources.type {TOPIC}; add one (trailguard plan)"
    assert (result.code, verdict["selectorKind"]) == (1, "default")
    assert [(g["eventName"], g["cause"]) for g in verdict["gaps"]] == [
        ("Publish", cause),
        ("PublishBatch", cause),
    ]


def test_long_annotation_is_cut_to_256_characters() -> None:
    names = [letter * 90 for letter in "ABC"]
    selectors = [
        sns_selector({"Field": "eventName", "Equals": ["Publish"]}, name=name) for name in names
    ]
    result = run("--output", "json", stdin=advanced(*selectors))
    verdict = result.json()
    cause = (
        f"selector '{names[0]}' limits eventName to [Publish]; "
        f"selector '{names[1]}' limits eventName to [Publish]; +1 more selectors"
    )
    full = f"PublishBatch on {TOPIC} is not logged: {cause}"
    assert result.code == 1
    assert [(g["eventName"], g["cause"]) for g in verdict["gaps"]] == [("PublishBatch", cause)]
    assert len(full) > 256
    assert verdict["annotation"] == full[:255] + "…"


# --- requirement options --------------------------------------------------------------------


def test_platform_endpoint_required_on_topic_only_trail() -> None:
    name = "sns-topic-plain-selector"
    result = run_json(f"compliant/{name}", "--resource-types", f"{TOPIC},{ENDPOINT}")
    cause = f"no advanced selector has resources.type {ENDPOINT}; add one (trailguard plan)"
    endpoint_arn = (
        "arn:aws:sns:us-east-1:111122223333:endpoint/GCM/example-app/"
        "00000000-0000-0000-0000-000000000000"
    )
    assert (result.code, result.err) == (1, "")
    assert result.json() == {
        "trailARN": trail_arn(name),
        "compliance": "NON_COMPLIANT",
        "annotation": f"Publish on {ENDPOINT} is not logged: {cause}",
        "selectorKind": "advanced",
        "gaps": [gap("Publish", cause, ENDPOINT, resource_arn=endpoint_arn)],
        "requirement": [
            {"resourceType": TOPIC, "eventNames": ["Publish", "PublishBatch"]},
            {"resourceType": ENDPOINT, "eventNames": ["Publish"]},
        ],
        "acceptedExclusions": [],
        "warnings": [],
    }


def test_platform_endpoint_plus_topic_selectors_cover_both_types() -> None:
    result = run(
        fixture("compliant/sns-platform-endpoint-plus-topic"),
        "--resource-types",
        f"{TOPIC}, {ENDPOINT}",  # spaces around items are allowed
        "--output",
        "json",
    )
    verdict = result.json()
    assert (result.code, verdict["compliance"], verdict["gaps"]) == (0, "COMPLIANT", [])
    assert verdict["annotation"] == (
        "Logged for every resource, caller and session: "
        f"Publish and PublishBatch on {TOPIC}; Publish on {ENDPOINT}"
    )


def test_event_names_publish_on_publish_only_trail_is_compliant() -> None:
    name = "sns-eventname-equals-publish-only"
    result = run_json(f"non_compliant/{name}", "--event-names", "Publish")
    assert (result.code, result.err) == (0, "")
    assert result.json() == {
        "trailARN": trail_arn(name),
        "compliance": "COMPLIANT",
        "annotation": f"Logged for every resource, caller and session: Publish on {TOPIC}",
        "selectorKind": "advanced",
        "gaps": [],
        "requirement": [{"resourceType": TOPIC, "eventNames": ["Publish"]}],
        "acceptedExclusions": [],
        "warnings": [],
    }


def test_event_names_publishbatch_on_publish_only_trail_is_non_compliant() -> None:
    result = run_json(
        "non_compliant/sns-eventname-equals-publish-only", "--event-names", "PublishBatch"
    )
    verdict = result.json()
    assert result.code == 1
    assert [g["eventName"] for g in verdict["gaps"]] == ["PublishBatch"]
    assert verdict["requirement"] == [{"resourceType": TOPIC, "eventNames": ["PublishBatch"]}]


def test_unknown_resource_type_without_event_names_is_bad_input() -> None:
    result = run(fixture("compliant/sns-topic-plain-selector"), "--resource-types", "AWS::X::Y")
    assert_one_error_line(
        result,
        ERROR + "--resource-types: unknown resource type AWS::X::Y (known: AWS::SNS::Topic, "
        "AWS::SNS::PlatformEndpoint, AWS::S3::Object, AWS::Lambda::Function, "
        "AWS::DynamoDB::Table); name its event names with --event-names to check it anyway "
        "(see trailguard check --help)",
    )


def test_unknown_resource_type_with_event_names_is_checked() -> None:
    result = run_json(
        "compliant/sns-topic-plain-selector",
        "--resource-types",
        "AWS::X::Y",
        "--event-names",
        "DoThing",
    )
    verdict = result.json()
    assert (result.code, result.err) == (1, "")
    assert verdict["requirement"] == [{"resourceType": "AWS::X::Y", "eventNames": ["DoThing"]}]
    assert [(g["resourceType"], g["eventName"]) for g in verdict["gaps"]] == [
        ("AWS::X::Y", "DoThing")
    ]


def test_event_name_not_in_catalog_is_bad_input() -> None:
    path = fixture("compliant/sns-topic-plain-selector")
    result = run(path, "--event-names", "Publish,Subscribe")
    assert_one_error_line(
        result,
        ERROR + f"--event-names: Subscribe is not a data event of {TOPIC} "
        "(known: Publish, PublishBatch) (see trailguard check --help)",
    )


def test_partition_option_moves_the_required_arns() -> None:
    result = run_json("non_compliant/sns-eventname-equals-publish-only", "--partition", "aws-cn")
    gaps = result.json()["gaps"]
    assert result.code == 1
    assert [g["example"] for g in gaps] == [
        example(
            "PublishBatch",
            "arn:aws-cn:sns:us-east-1:111122223333:example-topic",
            caller="arn:aws-cn:sts::111122223333:assumed-role/ExampleRole/example-session",
        )
    ]


def test_partition_defaults_to_the_trail_arn_partition() -> None:
    # resources.ARN StartsWith arn:aws:sns: covers every aws topic but no aws-us-gov topic.
    arn_selector = sns_selector({"Field": "resources.ARN", "StartsWith": ["arn:aws:sns:"]})
    aws = advanced(arn_selector, TrailARN="arn:aws:cloudtrail:us-east-1:111122223333:trail/t")
    gov = advanced(
        arn_selector, TrailARN="arn:aws-us-gov:cloudtrail:us-gov-west-1:111122223333:trail/t"
    )
    assert run(stdin=aws).code == 0
    gov_result = run("--output", "json", stdin=gov)
    assert gov_result.code == 1
    for gap in gov_result.json()["gaps"]:
        assert gap["example"]["resources.ARN"].startswith("arn:aws-us-gov:sns:")
    assert run("--partition", "aws", stdin=gov).code == 0


# --- standard input -------------------------------------------------------------------------


def test_stdin_dash_and_default_give_the_same_result() -> None:
    text = Path(fixture("non_compliant/sns-eventname-equals-publish-only")).read_text()
    from_file = run_json("non_compliant/sns-eventname-equals-publish-only")
    dash = run("-", "--output", "json", stdin=text)
    default = run("--output", "json", stdin=text)
    assert dash == default == Result(1, from_file.out, "")


def test_stdin_compliant_without_trail_arn() -> None:
    result = run("-", "--output", "json", stdin=sns_advanced())
    assert (result.code, result.err) == (0, "")
    assert result.json()["trailARN"] is None


def test_unknown_top_level_keys_are_ignored() -> None:
    metadata = {"RequestId": "0e8f7b6a", "HTTPStatusCode": 200}
    compliant = advanced(sns_selector(), ResponseMetadata=metadata, SomethingNew=[1, 2])
    publish_only = advanced(
        sns_selector({"Field": "eventName", "Equals": ["Publish"]}), ResponseMetadata=metadata
    )
    assert run(stdin=compliant) == run(stdin=sns_advanced())
    assert run(stdin=compliant).code == 0
    result = run("--output", "json", stdin=publish_only)
    assert (result.code, result.err) == (1, "")
    assert [g["eventName"] for g in result.json()["gaps"]] == ["PublishBatch"]


def test_exactly_500_values_is_accepted() -> None:
    names = ["Publish", "PublishBatch", *(f"Other{i:03}" for i in range(496))]
    result = run(stdin=sns_advanced({"Field": "eventName", "Equals": names}))
    assert (result.code, result.err) == (0, "")


def test_value_of_2048_characters_is_accepted() -> None:
    arn = "arn:aws:sns:" + "a" * (2048 - len("arn:aws:sns:"))
    result = run(stdin=sns_advanced({"Field": "resources.ARN", "StartsWith": [arn]}))
    assert (result.code, result.err) == (1, "")


# --- text output ----------------------------------------------------------------------------


def test_text_output_compliant() -> None:
    result = run(fixture("compliant/sns-topic-plain-selector"))
    assert (result.code, result.err) == (0, "")
    assert result.out == (
        f"COMPLIANT  {trail_arn('sns-topic-plain-selector')}  (advanced selectors)\n"
        f"  Logged for every resource, caller and session: Publish and PublishBatch on {TOPIC}\n"
    )


def test_text_output_non_compliant() -> None:
    name = "sns-eventname-equals-publish-only"
    path = fixture(f"non_compliant/{name}")
    result = run(path, "--output", "text")
    cause = "selector 'Log SNS Publish' limits eventName to [Publish]"
    assert (result.code, result.err) == (1, "")
    assert result.out == (
        f"NON_COMPLIANT  {trail_arn(name)}  (advanced selectors)\n"
        f"  - PublishBatch on {TOPIC} [certain]: {cause}\n"
        f"    not logged, e.g. eventName=PublishBatch resources.ARN={EXAMPLE_TOPIC_ARN} "
        f"userIdentity.arn={EXAMPLE_CALLER} eventType=AwsApiCall readOnly=false\n"
        f"  fix: trailguard plan {path}   (prints the selectors to put)\n"
    )


def test_text_output_from_stdin_without_trail_arn_names_the_source() -> None:
    result = run(stdin=sns_advanced())
    assert result.out.splitlines()[0] == "COMPLIANT  -  (advanced selectors)"


# --- read profile: what CloudTrail accepted is judged with warnings, never refused ----------

_SEL = "AdvancedEventSelectors[0] 'x'"
_NARROWS = "evaluated as narrowing the selector"
_COMPLIANT_ANNOTATION = (
    f"Logged for every resource, caller and session: Publish and PublishBatch on {TOPIC}"
)
_NO_SNS_SELECTOR = f"no advanced selector has resources.type {TOPIC}; add one (trailguard plan)"


def network_activity(*extra: dict[str, Any]) -> dict[str, Any]:
    """A NetworkActivity selector for KMS calls through VPC endpoints, with ``extra`` fields."""
    return {
        "Name": "vpce",
        "FieldSelectors": [
            {"Field": "eventCategory", "Equals": ["NetworkActivity"]},
            {"Field": "eventSource", "Equals": ["kms.amazonaws.com"]},
            *extra,
        ],
    }


def expected_check(cause: str | None, warnings: list[str]) -> dict[str, Any]:
    """The whole JSON of ``check`` on a document without TrailARN, for the default
    requirement: COMPLIANT when ``cause`` is None, else both SNS topic events unlogged
    (``undocumented`` when the cause is a field no record is known to have: under the lenient
    reading such a condition may hold)."""
    unknown_field = cause is not None and "a field trailguard does not know" in cause
    missing = (cause.split("filters on ", 1)[1].split(",", 1)[0],) if unknown_field else ()
    certainty = "undocumented" if unknown_field else "certain"
    gaps = (
        []
        if cause is None
        else [
            gap(n, cause, certainty=certainty, missing=missing) for n in ("Publish", "PublishBatch")
        ]
    )
    if cause is None:
        annotation = _COMPLIANT_ANNOTATION
    elif unknown_field:
        annotation = cut(
            f"Publish and PublishBatch on {TOPIC} are logged only if CloudTrail matches records "
            f"without {missing[0]} in a way AWS does not document: {cause}"
        )
    else:
        annotation = f"Publish and PublishBatch on {TOPIC} are not logged: {cause}"
    return {
        "trailARN": None,
        "compliance": "COMPLIANT" if cause is None else "NON_COMPLIANT",
        "annotation": annotation,
        "selectorKind": "advanced",
        "gaps": gaps,
        "requirement": BOTH_TOPIC_EVENTS,
        "acceptedExclusions": [],
        "warnings": warnings,
    }


PLAIN = sns_selector(name="plain")
_NARROW = "AdvancedEventSelectors[1] 'narrow'"

READ_PROFILE: list[tuple[str, str, str | None, list[str]]] = [
    (
        "unknown-field-only-sns-selector",
        sns_advanced({"Field": "futureField", "Equals": ["x"]}),
        "selector 'x' filters on futureField, a field trailguard does not know a record to have",
        [
            f"{_SEL}.FieldSelectors[2] (futureField): field 'futureField' is not known to "
            f"trailguard for Data selectors; {_NARROWS}"
        ],
    ),
    (
        "unknown-field-beside-a-plain-selector",
        advanced(PLAIN, sns_selector({"Field": "futureField", "Equals": ["x"]}, name="narrow")),
        None,
        [
            f"{_NARROW}.FieldSelectors[2] (futureField): field 'futureField' is not known to "
            f"trailguard for Data selectors; {_NARROWS}"
        ],
    ),
    (
        "unknown-operator-on-a-fixed-field",
        sns_advanced({"Field": "eventName", "Equals": ["Publish", "PublishBatch"], "Like": ["%"]}),
        "selector 'x' filters eventName with Like, an operator trailguard does not know",
        [
            f"{_SEL}.FieldSelectors[2] (eventName).Like: operator 'Like' is not known to "
            f"trailguard; {_NARROWS}"
        ],
    ),
    (
        "unknown-deselect-operator-on-a-free-field",
        sns_advanced({"Field": "resources.ARN", "NotLike": ["arn:aws:sns:%:test-%"]}),
        "selector 'x' filters resources.ARN with NotLike, an operator trailguard does not know",
        [
            f"{_SEL}.FieldSelectors[2] (resources.ARN).NotLike: operator 'NotLike' is not known "
            f"to trailguard; {_NARROWS}"
        ],
    ),
    (
        "misspelt-operator-is-an-unknown-operator",
        sns_advanced({"Field": "eventName", "Equal": ["Publish"]}),
        "selector 'x' filters eventName with Equal, an operator trailguard does not know",
        [
            f"{_SEL}.FieldSelectors[2] (eventName).Equal: operator 'Equal' is not known to "
            f"trailguard; {_NARROWS}"
        ],
    ),
    (
        "unknown-operator-beside-a-plain-selector",
        advanced(PLAIN, sns_selector({"Field": "readOnly", "Is": ["false"]}, name="narrow")),
        None,
        [
            f"{_NARROW}.FieldSelectors[2] (readOnly).Is: operator 'Is' is not known to "
            f"trailguard; {_NARROWS}"
        ],
    ),
    (
        "unknown-category-with-sns-type",
        advanced(
            {
                "Name": "x",
                "FieldSelectors": [
                    {"Field": "eventCategory", "Equals": ["DataEvents"]},
                    {"Field": "resources.type", "Equals": [TOPIC]},
                ],
            }
        ),
        _NO_SNS_SELECTOR,
        [
            f"{_SEL}.FieldSelectors[0] (eventCategory): eventCategory 'DataEvents' is not known "
            "to trailguard; evaluated as logging no data events"
        ],
    ),
    (
        "event-data-store-categories-and-management-fields",
        advanced(
            PLAIN,
            {"FieldSelectors": [{"Field": "eventCategory", "Equals": ["ConfigurationItem"]}]},
            {
                "Name": "m",
                "FieldSelectors": [
                    {"Field": "eventCategory", "Equals": ["Management"]},
                    {"Field": "eventName", "StartsWith": ["Delete"]},
                ],
            },
        ),
        None,
        [
            "AdvancedEventSelectors[1].FieldSelectors[0] (eventCategory): eventCategory "
            "'ConfigurationItem' is not known to trailguard; evaluated as logging no data events",
            "AdvancedEventSelectors[2] 'm'.FieldSelectors[1] (eventName): field 'eventName' is "
            f"not known to trailguard for Management selectors; {_NARROWS}",
        ],
    ),
    (
        "operator-not-documented-for-the-field",
        sns_advanced({"Field": "readOnly", "NotEquals": ["true"]}),
        None,
        [
            f"{_SEL}.FieldSelectors[2] (readOnly).NotEquals: operator NotEquals is not allowed "
            "for readOnly; use Equals"
        ],
    ),
    (
        "resources-type-startswith",
        advanced(
            {
                "Name": "x",
                "FieldSelectors": [
                    {"Field": "eventCategory", "Equals": ["Data"]},
                    {"Field": "resources.type", "StartsWith": ["AWS::SNS::"]},
                ],
            }
        ),
        None,
        [
            f"{_SEL}.FieldSelectors[1] (resources.type).StartsWith: operator StartsWith is not "
            "allowed for resources.type; use Equals"
        ],
    ),
    (
        "value-not-documented-for-the-field",
        sns_advanced({"Field": "readOnly", "Equals": ["yes"]}),
        "selector 'x' limits readOnly to [yes]",
        [f"{_SEL}.FieldSelectors[2] (readOnly).Equals[0]: 'yes' is not one of true, false"],
    ),
    (
        "501-values-in-total",
        advanced(
            sns_selector(name="a"),
            sns_selector(
                {"Field": "eventName", "Equals": [f"Name{i:03}" for i in range(497)]}, name="b"
            ),
        ),
        None,
        ["AdvancedEventSelectors: 501 condition values in total; a trail allows at most 500"],
    ),
    (
        "network-activity-with-user-identity-arn",
        advanced(
            PLAIN,
            network_activity(
                {"Field": "userIdentity.arn", "NotStartsWith": ["arn:aws:iam::111122223333:role/"]},
                {"Field": "errorCode", "Equals": ["VpceAccessDenied"]},
            ),
        ),
        None,
        [],
    ),
    (
        "network-activity-alone",
        advanced(network_activity({"Field": "userIdentity.arn", "Equals": [EXAMPLE_CALLER]})),
        _NO_SNS_SELECTOR,
        [],
    ),
]


@pytest.mark.parametrize(
    ("document", "cause", "warnings"),
    [pytest.param(doc, cause, warnings, id=case) for case, doc, cause, warnings in READ_PROFILE],
)
def test_read_profile_warns_and_judges_soundly(
    document: str, cause: str | None, warnings: list[str]
) -> None:
    result = run("--output", "json", stdin=document)
    expected_err = "".join(f"warning: standard input: {w}\n" for w in warnings)
    assert (result.code, result.err) == (0 if cause is None else 1, expected_err)
    assert result.json() == expected_check(cause, warnings)


def test_read_profile_warning_in_text_output_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "selectors.json"
    path.write_text(sns_advanced({"Field": "futureField", "Equals": ["x"]}))
    cause = "selector 'x' filters on futureField, a field trailguard does not know a record to have"
    warning = (
        f"{_SEL}.FieldSelectors[2] (futureField): field 'futureField' is not known to "
        f"trailguard for Data selectors; {_NARROWS}"
    )
    result = run(str(path))
    example_tail = (
        f"resources.ARN={EXAMPLE_TOPIC_ARN} userIdentity.arn={EXAMPLE_CALLER} "
        "eventType=AwsApiCall readOnly=false (no futureField)"
    )
    assert result == Result(
        1,
        f"NON_COMPLIANT  {path}  (advanced selectors)\n"
        f"  - Publish and PublishBatch on {TOPIC} [undocumented]: {cause}\n"
        f"    not shown to be logged, e.g. eventName=Publish {example_tail}\n"
        "  about futureField: no record is known to have futureField.\n"
        "  undocumented: AWS does not document how a selector condition treats a field the "
        "record lacks, so these events cannot be shown to be logged.\n"
        f"  fix: trailguard plan {path}   (prints the selectors to put)\n",
        f"warning: {path}: {warning}\n",
    )


def test_plan_keeps_a_selector_with_unknown_conditions_verbatim() -> None:
    narrow = sns_selector(
        {"Field": "futureField", "Equals": ["x"]},
        {"Field": "eventName", "Equals": ["Publish"], "Like": ["P%"]},
        name="narrow",
    )
    out, err = io.StringIO(), io.StringIO()
    code = main(["plan"], stdin=io.StringIO(advanced(narrow)), stdout=out, stderr=err)
    path = "AdvancedEventSelectors[0] 'narrow'.FieldSelectors"
    assert (code, err.getvalue()) == (
        0,
        f"warning: standard input: {path}[2] (futureField): field 'futureField' is not known "
        f"to trailguard for Data selectors; {_NARROWS}\n"
        f"warning: standard input: {path}[3] (eventName).Like: operator 'Like' is not known to "
        f"trailguard; {_NARROWS}\n",
    )
    assert json.loads(out.getvalue()) == {
        "changed": True,
        "AdvancedEventSelectors": [
            narrow,
            {
                "Name": f"trailguard: log all {TOPIC} data events",
                "FieldSelectors": [
                    {"Field": "eventCategory", "Equals": ["Data"]},
                    {"Field": "resources.type", "Equals": [TOPIC]},
                ],
            },
        ],
    }


# --- bad input: one line on stderr, exit 2 --------------------------------------------------

BAD_STDIN: list[tuple[str, str, str]] = [
    (
        "invalid-json",
        '{\n  "AdvancedEventSelectors": [\n    {"Name": "x",}\n  ]\n}\n',
        "invalid JSON at line 3 column 18: Expecting property name enclosed in double quotes",
    ),
    (
        "top-level-array",
        "[]",
        "expected a JSON object as printed by 'aws cloudtrail get-event-selectors', got a list",
    ),
    (
        "top-level-string",
        '"AdvancedEventSelectors"',
        "expected a JSON object as printed by 'aws cloudtrail get-event-selectors', got a string",
    ),
    (
        "advanced-not-a-list",
        '{"AdvancedEventSelectors": {"Name": "x"}}',
        "AdvancedEventSelectors: expected a list, got an object",
    ),
    (
        "trail-arn-not-a-string",
        '{"TrailARN": 5, "AdvancedEventSelectors": []}',
        "TrailARN: expected a string, got a number",
    ),
    (
        "field-selectors-missing",
        advanced({"Name": "x"}),
        f"{_SEL}: 'FieldSelectors' is required",
    ),
    (
        "field-selectors-empty",
        advanced({"Name": "x", "FieldSelectors": []}),
        f"{_SEL}.FieldSelectors: a selector needs at least one field",
    ),
    (
        "unknown-selector-key",
        advanced({**sns_selector(), "Fieldselectors": []}),
        "AdvancedEventSelectors[0]: unknown key 'Fieldselectors' (expected one of "
        "Name, FieldSelectors)",
    ),
    (
        "field-selector-without-operator",
        sns_advanced({"Field": "eventName"}),
        f"{_SEL}.FieldSelectors[2] (eventName): field selector has no operator",
    ),
    (
        "operator-with-no-values",
        sns_advanced({"Field": "eventName", "Equals": []}),
        f"{_SEL}.FieldSelectors[2] (eventName).Equals: operator has no values",
    ),
    (
        "non-string-value",
        sns_advanced({"Field": "eventName", "Equals": ["Publish", 3]}),
        f"{_SEL}.FieldSelectors[2] (eventName).Equals[1]: expected a string, got a number",
    ),
    (
        "event-category-missing",
        advanced({"Name": "x", "FieldSelectors": [{"Field": "resources.type", "Equals": [TOPIC]}]}),
        f"{_SEL}: eventCategory is required (Equals Management, Data or NetworkActivity)",
    ),
    (
        "resources-type-missing",
        advanced(
            {
                "Name": "x",
                "FieldSelectors": [
                    {"Field": "eventCategory", "Equals": ["Data"]},
                    {"Field": "eventName", "Equals": ["Publish"]},
                ],
            }
        ),
        f"{_SEL}: resources.type is required in a Data selector",
    ),
    (
        "both-selector-kinds",
        json.dumps(
            {
                "EventSelectors": [{"ReadWriteType": "All", "IncludeManagementEvents": True}],
                "AdvancedEventSelectors": [sns_selector()],
            }
        ),
        "both EventSelectors and AdvancedEventSelectors are set; a trail holds one or the other",
    ),
    (
        "basic-sns-topic-data-resource",
        json.dumps(
            {
                "EventSelectors": [
                    {
                        "ReadWriteType": "All",
                        "IncludeManagementEvents": True,
                        "DataResources": [{"Type": TOPIC, "Values": ["arn:aws:sns"]}],
                        "ExcludeManagementEventSources": [],
                    }
                ]
            }
        ),
        f"EventSelectors[0].DataResources[0].Type: {TOPIC} cannot be logged with basic "
        "selectors (only AWS::S3::Object, AWS::Lambda::Function, AWS::DynamoDB::Table); "
        "use advanced event selectors",
    ),
    (
        "basic-read-write-type",
        json.dumps({"EventSelectors": [{"ReadWriteType": "Write"}]}),
        "EventSelectors[0].ReadWriteType: 'Write' is not one of ReadOnly, WriteOnly, All",
    ),
    (
        "shape-error-before-rule-error",
        advanced(
            sns_selector(
                {"Field": "readOnly", "Equals": ["yes"]},
                {"Field": "eventName", "Equals": "Publish"},
            )
        ),
        f"{_SEL}.FieldSelectors[3] (eventName).Equals: expected a list, got a string",
    ),
    (
        "operator-key-with-a-string",
        sns_advanced({"Field": "eventName", "Equal": "Publish"}),
        f"{_SEL}.FieldSelectors[2] (eventName).Equal: expected a list, got a string",
    ),
    (
        "operator-key-with-no-values",
        sns_advanced({"Field": "eventName", "Equal": []}),
        f"{_SEL}.FieldSelectors[2] (eventName).Equal: operator has no values",
    ),
    (
        "event-category-two-values",
        advanced(
            {
                "Name": "x",
                "FieldSelectors": [
                    {"Field": "eventCategory", "Equals": ["Data", "Management"]},
                    {"Field": "resources.type", "Equals": [TOPIC]},
                ],
            }
        ),
        f"{_SEL}.FieldSelectors[0] (eventCategory): eventCategory must be Equals exactly one "
        "of Management, Data, NetworkActivity, got Data, Management",
    ),
    (
        "two-errors-counted",
        advanced(
            {
                "Name": "x",
                "FieldSelectors": [
                    {"Field": "eventCategory", "Equals": ["Data"]},
                    {"Field": "eventName", "Equals": ["Publish"]},
                ],
            },
            {"FieldSelectors": [{"Field": "resources.type", "Equals": [TOPIC]}]},
        ),
        f"{_SEL}: resources.type is required in a Data selector (and 1 more problem)",
    ),
]


@pytest.mark.parametrize(
    ("document", "message"),
    [pytest.param(doc, msg, id=case) for case, doc, msg in BAD_STDIN],
)
def test_bad_input_on_stdin(document: str, message: str) -> None:
    assert_one_error_line(run("--output", "json", stdin=document), STDIN + message)


def test_both_selector_kinds_empty_lists_are_allowed() -> None:
    # Only a NON-EMPTY pair is contradictory; empty lists mean "nothing configured".
    document = json.dumps({"EventSelectors": [], "AdvancedEventSelectors": []})
    result = run("--output", "json", stdin=document)
    assert (result.code, result.json()["selectorKind"]) == (1, "default")


def test_invalid_json_in_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "selectors.json"
    path.write_text('{"AdvancedEventSelectors": [}')
    assert_one_error_line(
        run(str(path)),
        ERROR + f"{path}: invalid JSON at line 1 column 29: Expecting value",
    )


def test_validation_error_in_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "selectors.json"
    path.write_text(sns_advanced({"Field": "readOnly", "Equals": [True]}))
    assert_one_error_line(
        run(str(path)),
        ERROR + f"{path}: {_SEL}.FieldSelectors[2] (readOnly).Equals[0]: "
        "expected a string, got a boolean",
    )


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.json"
    assert_one_error_line(run(str(path)), ERROR + f"cannot read {path}: No such file or directory")


def test_directory_instead_of_file(tmp_path: Path) -> None:
    assert_one_error_line(run(str(tmp_path)), ERROR + f"cannot read {tmp_path}: Is a directory")


def test_non_utf8_file(tmp_path: Path) -> None:
    path = tmp_path / "utf16.json"
    path.write_bytes('{"AdvancedEventSelectors": []}'.encode("utf-16"))  # starts FF FE
    assert_one_error_line(
        run(str(path)), ERROR + f"{path}: not UTF-8 text (invalid start byte at byte 0)"
    )


def test_non_utf8_byte_in_the_middle_of_a_file(tmp_path: Path) -> None:
    path = tmp_path / "latin1.json"
    path.write_bytes(b'{"TrailARN": "caf\xe9"}')
    assert_one_error_line(
        run(str(path)),
        ERROR + f"{path}: not UTF-8 text (invalid continuation byte at byte 17)",
    )


# --- JSON that the decoder itself cannot handle: still one line, exit 2 ----------------------


def test_deeply_nested_json_is_bad_input() -> None:
    result = run(stdin="[" * 100_000)
    assert result.code == 2
    assert result.err.startswith(STDIN) and result.err.count("\n") == 1


def test_huge_integer_is_bad_input() -> None:
    result = run(stdin='{"x": ' + "1" * 5000 + "}")
    assert result.code == 2
    assert result.err.startswith(STDIN) and result.err.count("\n") == 1


# --- usage errors (argparse) ----------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["check", "--output", "xml"],
        ["plan", "a.json", "b.json"],
        ["check", "--no-such-option"],
        ["check", "--resource-types"],
        [],
        ["lint"],
    ],
    ids=[
        "bad-output",
        "plan-two-files",
        "unknown-option",
        "missing-value",
        "no-command",
        "bad-command",
    ],
)
def test_usage_errors_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    out, err = io.StringIO(), io.StringIO()
    assert main(argv, stdin=io.StringIO(""), stdout=out, stderr=err) == 2
    assert out.getvalue() == ""
    # One line, on the stream main was given, pointing at --help; nothing on the real streams.
    assert err.getvalue().count("\n") == 1
    assert err.getvalue().startswith("trailguard") and "error:" in err.getvalue()
    assert err.getvalue().endswith("--help)\n")
    assert capsys.readouterr() == ("", "")


def test_empty_resource_types_is_a_usage_error() -> None:
    err = io.StringIO()
    code = main(["check", "--resource-types", ","], stdin=io.StringIO("{}"), stderr=err)
    assert code == 2
    assert err.getvalue() == (
        "trailguard check: error: argument --resource-types: expected a comma-separated "
        "list, got nothing (see trailguard check --help)\n"
    )


def test_help_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    out = io.StringIO()
    assert main(["check", "--help"], stdin=io.StringIO(""), stdout=out) == 0
    assert "--resource-types" in out.getvalue()
    assert capsys.readouterr() == ("", "")


# --- the real executables -------------------------------------------------------------------


def _console_script() -> Path:
    script = Path(sys.executable).with_name("trailguard")
    if not script.is_file():
        pytest.skip(f"console script not installed next to {sys.executable}")
    return script


def run_process(argv: list[str], stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """``argv`` run as a real process (text streams captured, at most 60 s)."""
    return subprocess.run(argv, input=stdin, capture_output=True, text=True, timeout=60)


@pytest.mark.slow  # over a second: the whole suite runs it
def test_console_script_exit_codes() -> None:
    script = str(_console_script())
    for name, code in [
        ("compliant/sns-publish-and-publishbatch-split-selectors", 0),
        ("non_compliant/sns-eventname-equals-publish-only", 1),
    ]:
        proc = run_process([script, "check", fixture(name)])
        assert (proc.returncode, proc.stderr) == (code, ""), name
    proc = run_process(
        [script, "check", "--output", "json", "-"],
        sns_advanced({"Field": "readOnly", "Equals": "false"}),
    )
    assert (proc.returncode, proc.stdout) == (2, "")
    assert proc.stderr == (
        STDIN + f"{_SEL}.FieldSelectors[2] (readOnly).Equals: expected a list, got a string\n"
    )
    # A rule CloudTrail did not apply is a warning: the verdict decides the exit code.
    proc = run_process(
        [script, "check", "-"], sns_advanced({"Field": "readOnly", "Equals": ["yes"]})
    )
    assert (proc.returncode, proc.stderr) == (
        1,
        f"warning: standard input: {_SEL}.FieldSelectors[2] (readOnly).Equals[0]: "
        "'yes' is not one of true, false\n",
    )


def test_python_m_bad_json_on_stdin() -> None:
    proc = run_process([sys.executable, "-m", "trailguard", "check"], "[1, 2")
    assert (proc.returncode, proc.stdout) == (2, "")
    assert "Traceback" not in proc.stderr
    assert proc.stderr == (STDIN + "invalid JSON at line 1 column 6: Expecting ',' delimiter\n")


def test_python_m_usage_error() -> None:
    proc = run_process([sys.executable, "-m", "trailguard", "check", "--output", "yaml"], "{}")
    assert (proc.returncode, proc.stdout) == (2, "")
    assert "Traceback" not in proc.stderr
    assert proc.stderr == (
        "trailguard check: error: argument --output: invalid choice: 'yaml' "
        "(choose from 'text', 'json') (see trailguard check --help)\n"
    )


def test_basic_value_of_another_service_is_bad_input() -> None:
    doc = {
        "EventSelectors": [
            {"DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:lambda"]}]}
        ]
    }
    result = run(stdin=json.dumps(doc))
    assert result == Result(
        2,
        "",
        "trailguard: error: standard input: EventSelectors[0].DataResources[0].Values[0]: "
        "'arn:aws:lambda' is not an ARN of AWS::S3::Object (arn:PARTITION:s3...)\n",
    )


def test_unexpected_aws_client_error_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    import botocore.exceptions

    import trailguard.aws.clients

    def unreachable(*args: object, **kwargs: object) -> object:
        raise botocore.exceptions.EndpointConnectionError(endpoint_url="http://127.0.0.1:9/")

    monkeypatch.setattr(trailguard.aws.clients.Clients, "from_profile", unreachable)
    err = io.StringIO()
    code = main(
        ["remediate", "--trail", "t", "--region", "us-east-1"], stdout=io.StringIO(), stderr=err
    )
    assert (code, err.getvalue()) == (
        4,
        "trailguard: failed: EndpointConnectionError: Could not connect to the endpoint URL: "
        '"http://127.0.0.1:9/"\n',
    )
