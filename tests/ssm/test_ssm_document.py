"""The generated SSM Automation document, run as SSM would run it, against moto.

Each step's ``Script`` is taken from ``remediation/TrailGuard-EnableSnsDataEvents.yaml``,
``exec``'d in a fresh namespace (with every ``trailguard`` module blocked from import, so the
script must be self-contained), and its handler is called with the step's ``InputPayload``.
The trail is then judged with the installed ``trailguard.core``.
"""

from __future__ import annotations

import hashlib
import io
import json
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from aws_model import OTHER_MARK, FakeClock
from selector_data import (
    ACCOUNT,
    BASIC_CONVERTED_PLUS_SNS,
    BASIC_SELECTORS,
    ENDPOINT,
    ENDPOINT_ADDED,
    MANAGEMENT,
    ROOT,
    S3_PREFIX,
    SNS_ADDED,
    SNS_PUBLISH_ONLY,
    TOPIC,
    advanced_only,
    make_trail,
    moto_with_bucket,
    read_back,
)
from ssm_steps import (
    ADD_SCRIPT,
    PACKED_ADD_SCRIPT,
    STEPS,
    VERIFY_SCRIPT,
    load_handler,
    trailguard_unimportable,
)

from trailguard.cli import main
from trailguard.core import (
    COMPLIANT,
    build_requirement,
    effective_selectors,
    evaluate,
    find_lost,
    parse_response,
)
from trailguard.core.exclusions import parse_exclusions

DOCUMENT = ROOT / "remediation" / "TrailGuard-EnableSnsDataEvents.yaml"
NOTHING_TO_VERIFY = {"verified": False, "message": "dry run: nothing was written; nothing verified"}


def verified(outputs: dict[str, Any]) -> dict[str, Any]:
    """VerifyTrail's result when the trail passes: it names AddSelectors' outcome."""
    return {
        "verified": True,
        "message": "the trail meets the requirement and logs everything it logged before "
        f"(AddSelectors: {outputs['outcome']}: {outputs['message']})",
    }


def add_outputs(
    trail_arn: str, before: dict[str, Any], after: list[dict[str, Any]] | None, **fields: Any
) -> dict[str, Any]:
    """AddSelectors' outputs for a trail of us-east-1 updated (by default) to ``after``."""
    return {
        "outcome": "updated",
        "changed": True,
        "verified": True,
        "restored": False,
        "trailArn": trail_arn,
        "homeRegion": "us-east-1",
        "message": f"{trail_arn}: selectors updated and verified",
        "before": selectors_json(before),
        "after": selectors_json({"AdvancedEventSelectors": after} if after else before),
        **fields,
    }


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


# --- the document -----------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def fake_time(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    """The scripts wait with time.sleep and time.monotonic: a fake clock, so nothing waits."""
    clock = FakeClock()
    monkeypatch.setattr(time, "sleep", clock.sleep)
    monkeypatch.setattr(time, "monotonic", clock)
    return clock


@pytest.fixture
def add_step(monkeypatch: pytest.MonkeyPatch) -> Any:
    handler = load_handler(monkeypatch, "AddSelectors", "remediate_handler")

    def run(events: dict[str, Any]) -> Any:
        with trailguard_unimportable(monkeypatch):
            return handler(events, None)

    return run


@pytest.fixture
def verify_step(monkeypatch: pytest.MonkeyPatch) -> Any:
    handler = load_handler(monkeypatch, "VerifyTrail", "verify_handler")

    def run(outputs: dict[str, Any], types: str = TOPIC, accepted: str = "-") -> Any:
        # The step's InputPayload: AddSelectors' outputs and the document's parameters
        events = {
            "TrailArn": outputs["trailArn"],
            "HomeRegion": outputs["homeRegion"],
            "Before": outputs["before"],
            "Outcome": outputs["outcome"],
            "Message": outputs["message"],
            "ResourceTypes": types,
            "AcceptedExclusions": accepted,
        }
        with trailguard_unimportable(monkeypatch):
            return handler(events, None)

    return run


@pytest.fixture
def aws() -> Iterator[None]:
    with moto_with_bucket():
        yield


def payload(
    trail: str,
    resource_types: str = TOPIC,
    dry_run: str = "false",
    accepted: str = "-",
    fill: str = "false",
) -> dict[str, str]:
    """The AddSelectors step's InputPayload, as SSM fills it in from the parameters."""
    return {
        "TrailName": trail,
        "ResourceTypes": resource_types,
        "DryRun": dry_run,
        "AcceptedExclusions": accepted,
        "FillExclusions": fill,
        "DeadlineSeconds": "300",
    }


def selectors_json(selectors: dict[str, Any]) -> str:
    """How AddSelectors reports the selectors before and after: JSON with sorted keys."""
    return json.dumps(selectors, sort_keys=True)


# --- the scripts are self-contained -----------------------------------------------------------


@pytest.mark.parametrize("script", [ADD_SCRIPT, VERIFY_SCRIPT], ids=["AddSelectors", "VerifyTrail"])
def test_scripts_do_not_import_trailguard(script: str) -> None:
    assert "import trailguard" not in script
    assert "from trailguard" not in script


def test_add_step_runs_exactly_the_code_its_header_names() -> None:
    lines = PACKED_ADD_SCRIPT.splitlines()
    digest = hashlib.sha256(ADD_SCRIPT.encode("utf-8")).hexdigest()
    assert lines[0] == ADD_SCRIPT.splitlines()[0]  # the modules it was built from
    assert lines[2].startswith(f"# {digest}.")
    assert lines[-1] == (
        "exec(compile(zlib.decompress(base64.b64decode(_CODE)), 'trailguard', 'exec'))"
    )


def test_show_script_prints_the_add_step_code() -> None:
    out = io.StringIO()
    assert main(["build", "--show-script"], stdout=out, stderr=io.StringIO()) == 0
    assert out.getvalue() == ADD_SCRIPT


def test_steps_call_the_handlers_with_their_payloads() -> None:
    add, verify = STEPS["AddSelectors"]["inputs"], STEPS["VerifyTrail"]["inputs"]
    assert add["Handler"] == "remediate_handler"
    assert add["InputPayload"] == {
        "TrailName": "{{ TrailName }}",
        "ResourceTypes": "{{ ResourceTypes }}",
        "DryRun": "{{ DryRun }}",
        "AcceptedExclusions": "{{ AcceptedExclusions }}",
        "FillExclusions": "{{ FillExclusions }}",
        "DeadlineSeconds": "{{ DeadlineSeconds }}",
    }
    assert verify["Handler"] == "verify_handler"
    assert verify["InputPayload"] == {
        "TrailArn": "{{ AddSelectors.TrailArn }}",
        "HomeRegion": "{{ AddSelectors.HomeRegion }}",
        "Before": "{{ AddSelectors.Before }}",
        "Outcome": "{{ AddSelectors.Outcome }}",
        "Message": "{{ AddSelectors.Message }}",
        "ResourceTypes": "{{ ResourceTypes }}",
        "AcceptedExclusions": "{{ AcceptedExclusions }}",
    }
    selectors = {o["Name"]: o["Selector"] for o in STEPS["AddSelectors"]["outputs"]}
    assert selectors == {
        "Outcome": "$.Payload.outcome",
        "Changed": "$.Payload.changed",
        "Verified": "$.Payload.verified",
        "Restored": "$.Payload.restored",
        "TrailArn": "$.Payload.trailArn",
        "HomeRegion": "$.Payload.homeRegion",
        "Message": "$.Payload.message",
        "Before": "$.Payload.before",
        "After": "$.Payload.after",
    }
    # AddSelectors' step timeout leaves room for the largest DeadlineSeconds (540)
    assert STEPS["AddSelectors"]["timeoutSeconds"] == 600
    assert STEPS["VerifyTrail"]["timeoutSeconds"] == 180


def test_document_is_within_the_build_limit() -> None:
    assert len(DOCUMENT.read_bytes()) <= 62_000


# --- AddSelectors then VerifyTrail ------------------------------------------------------------


def test_advanced_trail_is_fixed_and_verified(aws: None, add_step: Any, verify_step: Any) -> None:
    trail_arn = make_trail("ssm-trail", advanced=[MANAGEMENT, S3_PREFIX, SNS_PUBLISH_ONLY])
    outputs = add_step(payload("ssm-trail"))
    after = [MANAGEMENT, S3_PREFIX, SNS_PUBLISH_ONLY, SNS_ADDED]
    before = {
        "EventSelectors": [],
        "AdvancedEventSelectors": [MANAGEMENT, S3_PREFIX, SNS_PUBLISH_ONLY],
    }
    assert outputs == add_outputs(trail_arn, before, after)
    stored = read_back("ssm-trail")
    assert stored == advanced_only(trail_arn, after)
    assert evaluate(parse_response(stored), build_requirement()).compliance == COMPLIANT
    assert verify_step(outputs) == verified(outputs)

    # another writer adds a selector between the steps: meaning, not bytes, so it passes
    ct = boto3.client("cloudtrail", region_name="us-east-1")
    ct.put_event_selectors(TrailName="ssm-trail", AdvancedEventSelectors=[*after, OTHER_MARK])
    assert verify_step(outputs) == verified(outputs)

    # another writer drops what the trail logged before: VerifyTrail fails the automation
    ct.put_event_selectors(TrailName="ssm-trail", AdvancedEventSelectors=[MANAGEMENT, SNS_ADDED])
    with pytest.raises(RuntimeError) as caught:
        verify_step(outputs)
    assert str(caught.value) == (
        f"TrailGuard verification failed: {trail_arn} no longer logs an event it logged "
        "before: {'eventCategory': 'Data', 'resources.ARN': 'arn:aws:s3:::example-bucket/logs/~', "
        f"'resources.type': 'AWS::S3::Object'}} (AddSelectors updated: {outputs['message']})"
    )


def test_basic_trail_is_converted_and_loses_nothing(
    aws: None, add_step: Any, verify_step: Any
) -> None:
    trail_arn = make_trail("ssm-basic-trail", basic=BASIC_SELECTORS)
    before = read_back("ssm-basic-trail")
    outputs = add_step(payload("ssm-basic-trail"))
    after = BASIC_CONVERTED_PLUS_SNS
    assert outputs == add_outputs(
        trail_arn, {"EventSelectors": BASIC_SELECTORS, "AdvancedEventSelectors": []}, after
    )
    stored = read_back("ssm-basic-trail")
    assert stored == advanced_only(trail_arn, after)
    assert evaluate(parse_response(stored), build_requirement()).compliance == COMPLIANT
    # every basic selector from before is still logged, as its advanced equivalent
    old, new = parse_response(before), parse_response(stored)
    assert find_lost(effective_selectors(old), effective_selectors(new)) is None
    assert verify_step(outputs) == verified(outputs)


def test_topic_and_platform_endpoint(aws: None, add_step: Any, verify_step: Any) -> None:
    trail_arn = make_trail("ssm-push-trail", advanced=[MANAGEMENT, SNS_PUBLISH_ONLY])
    outputs = add_step(payload("ssm-push-trail", f"{TOPIC},{ENDPOINT}"))
    after = [MANAGEMENT, SNS_PUBLISH_ONLY, SNS_ADDED, ENDPOINT_ADDED]
    assert outputs == add_outputs(
        trail_arn, {"EventSelectors": [], "AdvancedEventSelectors": [MANAGEMENT, SNS_PUBLISH_ONLY]},
        after,
    )  # fmt: skip
    stored = read_back("ssm-push-trail")
    assert stored["AdvancedEventSelectors"] == after
    both = build_requirement([TOPIC, ENDPOINT])
    assert evaluate(parse_response(stored), both).compliance == COMPLIANT
    assert verify_step(outputs, f"{TOPIC},{ENDPOINT}") == verified(outputs)

    # a trail that logs topics but not platform endpoints is changed only for the endpoints
    make_trail("ssm-topics-only", advanced=[MANAGEMENT, SNS_ADDED])
    outputs = add_step(payload("ssm-topics-only", f"{TOPIC},{ENDPOINT}"))
    assert read_back("ssm-topics-only")["AdvancedEventSelectors"] == [
        MANAGEMENT,
        SNS_ADDED,
        ENDPOINT_ADDED,
    ]


def test_dry_run_writes_nothing(aws: None, add_step: Any, verify_step: Any) -> None:
    trail_arn = make_trail("ssm-dry-trail", advanced=[MANAGEMENT, S3_PREFIX])
    outputs = add_step(payload("ssm-dry-trail", dry_run="true"))
    before = {"EventSelectors": [], "AdvancedEventSelectors": [MANAGEMENT, S3_PREFIX]}
    assert outputs == add_outputs(
        trail_arn, before, [MANAGEMENT, S3_PREFIX, SNS_ADDED], outcome="planned",
        changed=False, verified=False, message=f"{trail_arn}: dry run; nothing written",
    )  # fmt: skip
    assert read_back("ssm-dry-trail") == advanced_only(trail_arn, [MANAGEMENT, S3_PREFIX])
    assert verify_step(outputs) == NOTHING_TO_VERIFY


def test_already_compliant_trail(aws: None, add_step: Any, verify_step: Any) -> None:
    trail_arn = make_trail("ssm-good-trail", advanced=[MANAGEMENT, SNS_ADDED])
    outputs = add_step(payload("ssm-good-trail"))
    before = {"EventSelectors": [], "AdvancedEventSelectors": [MANAGEMENT, SNS_ADDED]}
    assert outputs == add_outputs(
        trail_arn, before, None, outcome="compliant", changed=False,
        message=f"{trail_arn}: already compliant; nothing written",
    )  # fmt: skip
    assert verify_step(outputs) == verified(outputs)


def test_default_resource_types_when_the_parameter_is_empty(aws: None, add_step: Any) -> None:
    make_trail("ssm-default-types", advanced=[MANAGEMENT])
    outputs = add_step(payload("ssm-default-types", ""))
    assert outputs["changed"] is True
    assert read_back("ssm-default-types")["AdvancedEventSelectors"] == [MANAGEMENT, SNS_ADDED]


def test_missing_trail_fails_the_step(aws: None, add_step: Any) -> None:
    with pytest.raises(RuntimeError) as caught:
        add_step(payload("no-such-trail"))
    assert str(caught.value) == (
        "TrailGuard remediation failed: trail no-such-trail not found from region us-east-1"
    )


def test_organization_trail_of_this_account_is_changed(aws: None, add_step: Any) -> None:
    # moto's caller is 123456789012, the account that made the trail: the management account.
    make_trail("ssm-org-trail", advanced=[MANAGEMENT], IsOrganizationTrail=True)
    outputs = add_step(payload("ssm-org-trail"))
    assert outputs["changed"] is True
    assert read_back("ssm-org-trail")["AdvancedEventSelectors"] == [MANAGEMENT, SNS_ADDED]


def test_script_matches_the_package(aws: None, add_step: Any) -> None:
    """The embedded copy plans exactly what the package's remediate does."""
    from trailguard.aws.remediate import remediate

    make_trail("ssm-copy-a", basic=BASIC_SELECTORS)
    make_trail("ssm-copy-b", basic=BASIC_SELECTORS)
    outputs = add_step(payload("ssm-copy-a"))
    result = remediate(
        lambda region: boto3.client("cloudtrail", region_name=region),
        "ssm-copy-b",
        "us-east-1",
        build_requirement(),
        account_id=ACCOUNT,
        sleep=lambda seconds: None,
    )
    assert outputs["after"] == selectors_json({"AdvancedEventSelectors": result.after})
    assert (
        read_back("ssm-copy-a")["AdvancedEventSelectors"]
        == read_back("ssm-copy-b")["AdvancedEventSelectors"]
    )


# --- accepted exclusions ----------------------------------------------------------------------

LOAD_TEST = f"arn:aws:sns:us-east-1:{ACCOUNT}:load-test-"
ACCEPTED = json.dumps([{"Field": "resources.ARN", "StartsWith": [LOAD_TEST]}])
SNS_BUT_LOAD_TESTS = {
    "Name": "trailguard: log all AWS::SNS::Topic data events except accepted exclusions",
    "FieldSelectors": [
        *SNS_ADDED["FieldSelectors"],
        {"Field": "resources.ARN", "NotStartsWith": [LOAD_TEST]},
    ],
}


@pytest.mark.parametrize(
    ("fill", "added"), [("false", SNS_BUT_LOAD_TESTS), ("true", SNS_ADDED)], ids=["kept", "filled"]
)
def test_accepted_exclusions_stay_unlogged_unless_filled(
    aws: None, add_step: Any, verify_step: Any, fill: str, added: dict[str, Any]
) -> None:
    trail_arn = make_trail("ssm-excl-trail", advanced=[MANAGEMENT])
    outputs = add_step(payload("ssm-excl-trail", accepted=ACCEPTED, fill=fill))
    after = [MANAGEMENT, added]
    before = {"EventSelectors": [], "AdvancedEventSelectors": [MANAGEMENT]}
    assert outputs == add_outputs(trail_arn, before, after)
    stored = read_back("ssm-excl-trail")
    assert stored == advanced_only(trail_arn, after)
    config = parse_response(stored)
    accepted = build_requirement(exclusions=parse_exclusions(json.loads(ACCEPTED)))
    assert evaluate(config, accepted).compliance == COMPLIANT
    # the load-test topics are logged only when FillExclusions is true
    assert evaluate(config, build_requirement()).compliant == (fill == "true")
    assert verify_step(outputs, accepted=ACCEPTED) == verified(outputs)


@pytest.mark.parametrize(
    ("accepted", "why"),
    [
        ("[x", "Expecting value: line 1 column 2 (char 1)"),
        ('{"Field": "eventName"}', "expected a list of field selectors, got an object"),
        (
            '[{"Field": "errorCode", "Equals": ["VpceAccessDenied"]}]',
            "[0]: field 'errorCode' is not a field of a Data event selector (allowed: "
            "eventCategory, resources.type, readOnly, eventName, resources.ARN, eventSource, "
            "eventType, userIdentity.arn, sessionCredentialFromConsole)",
        ),
    ],
)
def test_invalid_accepted_exclusions_fail_the_step_writing_nothing(
    aws: None, add_step: Any, accepted: str, why: str
) -> None:
    make_trail("ssm-excl-bad", advanced=[MANAGEMENT])
    with pytest.raises(RuntimeError) as caught:
        add_step(payload("ssm-excl-bad", accepted=accepted))
    assert str(caught.value) == (
        f"TrailGuard remediation refused: parameter AcceptedExclusions: {why}"
    )
    assert read_back("ssm-excl-bad")["AdvancedEventSelectors"] == [MANAGEMENT]
