"""Reading trails (aws/trails.py) and its one error policy: a failed tag read is never a
silent "not exempt"; the per-trail rule gives that trail no result instead."""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber

from trailguard.aws.trails import TAGS_BATCH, read_tags
from trailguard.reporting.model import fix_for
from trailguard.rules.facts import Finding, NotEvaluated, TrailFacts
from trailguard.rules.parameters import RuleParameters
from trailguard.rules.registry import rule

ACCOUNT = "123456789012"
TRAIL_RULE = "cloudtrail-sns-data-events-enabled"
ACCOUNT_RULE = "cloudtrail-sns-data-events-account-coverage"
SNS_ALL = {
    "AdvancedEventSelectors": [
        {
            "Name": "sns",
            "FieldSelectors": [
                {"Field": "eventCategory", "Equals": ["Data"]},
                {"Field": "resources.type", "Equals": ["AWS::SNS::Topic"]},
            ],
        }
    ]
}


def arn(name: str, region: str = "us-east-1") -> str:
    return f"arn:aws:cloudtrail:{region}:{ACCOUNT}:trail/{name}"


def test_read_tags_keeps_why_a_batch_failed() -> None:
    names = [f"t{i:02}" for i in range(TAGS_BATCH + 2)]
    client = boto3.session.Session().client("cloudtrail", region_name="us-east-1")
    with Stubber(client) as stubber:
        stubber.add_response(
            "list_tags",
            {
                "ResourceTagList": [
                    {"ResourceId": arn("t00"), "TagsList": [{"Key": "k", "Value": "v"}]}
                ]
            },
            {"ResourceIdList": [arn(n) for n in names[:TAGS_BATCH]]},
        )
        stubber.add_client_error(
            "list_tags",
            service_error_code="AccessDeniedException",
            service_message="denied",
            expected_params={"ResourceIdList": [arn(n) for n in names[TAGS_BATCH:]]},
        )
        found, failed = read_tags(client, [arn(n) for n in names])
    assert found == {arn(n): ({"k": "v"} if n == "t00" else {}) for n in names[:TAGS_BATCH]}
    assert failed == {
        arn(n): "ListTags failed: AccessDeniedException: denied" for n in names[TAGS_BATCH:]
    }


def test_read_tags_never_batches_another_accounts_trail_with_the_own() -> None:
    other = "arn:aws:cloudtrail:us-east-1:111122223333:trail/org-trail"
    own = [arn("a"), arn("b")]
    client = boto3.session.Session().client("cloudtrail", region_name="us-east-1")
    with Stubber(client) as stubber:
        stubber.add_client_error(
            "list_tags",
            service_error_code="CloudTrailARNInvalidException",
            service_message="AccountID in ARN is wrong",
            expected_params={"ResourceIdList": [other]},
        )
        stubber.add_response(
            "list_tags",
            {"ResourceTagList": [{"ResourceId": arn("b"), "TagsList": [{"Key": "k"}]}]},
            {"ResourceIdList": own},
        )
        found, failed = read_tags(client, [other, *own])
        stubber.assert_no_pending_responses()
    assert found == {arn("a"): {}, arn("b"): {"k": ""}}
    assert failed == {
        other: "ListTags failed: CloudTrailARNInvalidException: AccountID in ARN is wrong"
    }


def facts(**kwargs: object) -> TrailFacts:
    base: dict[str, object] = {
        "name": "main",
        "arn": arn("main"),
        "home_region": "us-east-1",
        "selectors": SNS_ALL,
        "is_logging": True,
    }
    return TrailFacts(**{**base, **kwargs})  # type: ignore[arg-type]


def test_unread_tags_give_no_result_when_a_tag_could_exempt() -> None:
    evaluate = rule(TRAIL_RULE).evaluate
    unread = facts(tags=None, tags_error="ListTags failed: AccessDeniedException: denied")
    with pytest.raises(NotEvaluated) as caught:
        evaluate(unread, RuleParameters(exemption_tag_key="skip"), "us-east-1", ACCOUNT)
    assert str(caught.value) == (
        f"{arn('main')}: tag exemption skip not checked: ListTags failed: "
        "AccessDeniedException: denied"
    )
    # Exempted by name: the tags do not matter.
    by_name = evaluate(
        unread,
        RuleParameters(exemption_tag_key="skip", exempt_trails=("main",)),
        "us-east-1",
        ACCOUNT,
    )
    assert (by_name.compliance, by_name.annotation) == (
        "NOT_APPLICABLE",
        "Exempted by the rule parameter ExemptTrails",
    )
    # No tag exemption set: the tags do not matter either.
    plain = evaluate(unread, RuleParameters(exemption_tag_key=""), "us-east-1", ACCOUNT)
    assert plain.compliance == "COMPLIANT"


@pytest.mark.parametrize(
    "trail",
    [
        facts(is_logging=False),
        facts(is_organization=True),
        facts(),
    ],
)
def test_the_rules_fix_text_is_the_reports_fix(trail: TrailFacts) -> None:
    finding = Finding(
        rule_id=TRAIL_RULE,
        resource_type="AWS::CloudTrail::Trail",
        resource_id=trail.name,
        compliance="NON_COMPLIANT",
        annotation="x",
        account_id=ACCOUNT,
        region="us-east-1",
        trail_arn=trail.arn,
    )
    assert rule(TRAIL_RULE).fix_text(finding, trail) == fix_for(finding, trail)
    account = Finding(
        ACCOUNT_RULE, "AWS::::Account", ACCOUNT, "NON_COMPLIANT", "x", ACCOUNT, "eu-west-1"
    )
    assert rule(ACCOUNT_RULE).fix_text(account, None) == fix_for(account, None)
    assert rule(ACCOUNT_RULE).fix_text(account, None) is not None
