"""Remediating an organization trail from another account than its owner, with the AWS
behaviour model: a CloudTrail delegated administrator may change it (user guide), though its
ARN names the management account, so remediate tries and lets AWS answer; AWS's refusal
(a member's put: NotOrganizationMasterAccountException; a member's read:
CloudTrailARNInvalidException, field-reported; an administrator without the permissions
CloudTrail checks: InsufficientDependencyServiceAccessPermissionException) is the outcome
``refused`` (exit 3), one line naming the trail, the operation and AWS's error. The same
through the CLI, the library and the SSM document's AddSelectors step."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from aws_behaviours import AwsBehaviours
from moto import mock_aws
from moto_org import ENTRY_ROLE, MotoOrg, build_org
from selector_data import BUCKET, MANAGEMENT, SNS_ADDED
from ssm_steps import load_handler, trailguard_unimportable

from trailguard.aws.remediate import remediate
from trailguard.cli import main
from trailguard.core import build_requirement

REQUIREMENT = build_requirement(("AWS::SNS::Topic",), None, "aws")
DEPENDENCY = "InsufficientDependencyServiceAccessPermissionException"


@pytest.fixture
def org() -> Iterator[MotoOrg]:
    """An organization trail of the management account, logging, without SNS data events."""
    with mock_aws():
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket=BUCKET)
        found = build_org(members=2)
        cloudtrail = found.session(found.management).client("cloudtrail")
        cloudtrail.create_trail(
            Name="org-trail", S3BucketName=BUCKET, IsOrganizationTrail=True,
            IsMultiRegionTrail=True,
        )  # fmt: skip
        cloudtrail.put_event_selectors(TrailName="org-trail", AdvancedEventSelectors=[MANAGEMENT])
        cloudtrail.start_logging(Name="org-trail")
        yield found


def arn(org: MotoOrg) -> str:
    return f"arn:aws:cloudtrail:us-east-1:{org.management}:trail/org-trail"


def selectors(org: MotoOrg) -> list[dict[str, Any]]:
    """The trail's selectors, read by its owner (moto's default account, whatever
    credentials the environment holds now)."""
    owner = boto3.client(
        "cloudtrail", "us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    return list(owner.get_event_selectors(TrailName=arn(org))["AdvancedEventSelectors"])


def act_as(monkeypatch: pytest.MonkeyPatch, org: MotoOrg, account: str) -> None:
    """The environment's credentials: ``account``'s (entered through its role)."""
    credentials = boto3.client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/{ENTRY_ROLE}", RoleSessionName="remediate-test"
    )["Credentials"]
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", credentials["AccessKeyId"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", credentials["SecretAccessKey"])
    monkeypatch.setenv("AWS_SESSION_TOKEN", credentials["SessionToken"])


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdin=io.StringIO(""), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def note(org: MotoOrg, caller: str) -> str:
    return (
        f"(an organization trail of account {org.management}, called from account {caller}; "
        "only its management account or a CloudTrail delegated administrator may change it)"
    )


# --- a CloudTrail delegated administrator -----------------------------------------------------


def test_delegated_administrator_remediates_the_organization_trail(
    org: MotoOrg, aws_behaviours: AwsBehaviours, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = org.members[1]
    aws_behaviours.cloudtrail_delegated_admins = {admin}
    act_as(monkeypatch, org, admin)
    code, out, err = cli("remediate", "--trail", arn(org), "--output", "json")
    assert (code, err) == (0, "")
    result = json.loads(out)
    assert {k: result[k] for k in ("trailARN", "outcome", "changed", "verified", "isLogging")} == {
        "trailARN": arn(org), "outcome": "updated", "changed": True, "verified": True,
        "isLogging": True,
    }  # fmt: skip
    assert selectors(org) == [MANAGEMENT, SNS_ADDED]
    assert aws_behaviours.refused == []


def test_delegated_administrator_refused_by_aws_exits_3_naming_the_error(
    org: MotoOrg, aws_behaviours: AwsBehaviours, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = org.members[1]
    aws_behaviours.cloudtrail_delegated_admins = {admin}
    aws_behaviours.delegated_admin_put_refusal = DEPENDENCY
    act_as(monkeypatch, org, admin)
    code, out, err = cli("remediate", "--trail", arn(org))
    assert (code, out) == (3, "")
    assert err == (
        f"trailguard: refused: PutEventSelectors on {arn(org)} refused by AWS: {DEPENDENCY}: "
        "The IAM identity that made the request lacks permissions required to update an "
        f"organization trail. {note(org, admin)}; nothing written\n"
    )
    assert selectors(org) == [MANAGEMENT]


# --- a member that is not: AWS refuses, whether or not it could read the trail ------------------


@pytest.mark.parametrize("readable", [False, True])
def test_member_refused_by_aws_exits_3_naming_the_operation(
    org: MotoOrg, aws_behaviours: AwsBehaviours, monkeypatch: pytest.MonkeyPatch, readable: bool
) -> None:
    aws_behaviours.org_trail_readable = readable
    member = org.members[0]
    act_as(monkeypatch, org, member)
    code, out, err = cli("remediate", "--trail", "org-trail", "--region", "eu-west-1")
    if readable:  # the read is answered; the put is refused
        why = (
            f"PutEventSelectors on {arn(org)} refused by AWS: "
            f"NotOrganizationMasterAccountException: The request was made by account {member}, "
            "which is not the management account of the organization."
        )
    else:
        why = (
            f"GetEventSelectors on {arn(org)} refused by AWS: CloudTrailARNInvalidException: "
            "AccountID in ARN is wrong, you can only access resources with AccountID "
            f"{member}."
        )
    ending = "; nothing written" if readable else ""
    assert (code, out, err) == (3, "", f"trailguard: refused: {why} {note(org, member)}{ending}\n")
    assert selectors(org) == [MANAGEMENT]


def test_library_result_of_a_refused_put(org: MotoOrg, aws_behaviours: AwsBehaviours) -> None:
    aws_behaviours.org_trail_readable = True
    member = org.members[0]
    session = org.session(member)
    result = remediate(
        lambda region: session.client("cloudtrail", region_name=region),
        arn(org), "us-east-1", REQUIREMENT, account_id=member, sleep=lambda _: None,
    )  # fmt: skip
    assert (result.outcome, result.changed, result.verified, result.writes) == (
        "refused", False, False, 0,
    )  # fmt: skip
    assert result.reason.startswith(f"PutEventSelectors on {arn(org)} refused by AWS: ")
    assert aws_behaviours.refused == [
        (member, "PutEventSelectors", "NotOrganizationMasterAccountException")
    ]


# --- the SSM document's AddSelectors step -------------------------------------------------------


def test_ssm_step_as_delegated_administrator_and_as_member(
    org: MotoOrg, aws_behaviours: AwsBehaviours, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin, member = org.members[1], org.members[0]
    aws_behaviours.cloudtrail_delegated_admins = {admin}
    handler = load_handler(monkeypatch, "AddSelectors", "remediate_handler")
    events = {"TrailName": arn(org), "ResourceTypes": "AWS::SNS::Topic", "DeadlineSeconds": "30"}

    act_as(monkeypatch, org, member)
    with trailguard_unimportable(monkeypatch), pytest.raises(RuntimeError) as refused:
        handler(events, None)
    assert str(refused.value) == (
        f"TrailGuard remediation refused: GetEventSelectors on {arn(org)} refused by AWS: "
        "CloudTrailARNInvalidException: AccountID in ARN is wrong, you can only access "
        f"resources with AccountID {member}. {note(org, member)}"
    )

    act_as(monkeypatch, org, admin)
    with trailguard_unimportable(monkeypatch):
        outputs = handler(events, None)
    assert (outputs["outcome"], outputs["changed"], outputs["verified"]) == (
        "updated", True, True,
    )  # fmt: skip
    assert selectors(org) == [MANAGEMENT, SNS_ADDED]
