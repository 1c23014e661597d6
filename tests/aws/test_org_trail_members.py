"""An organization trail seen from a member account, with the AWS behaviour model: the member
lists the management account's organization trail, and whether it can read the trail's
selectors is not documented (field reports say it cannot), so both outcomes are run. A
member covered by the organization trail alone must get the same verdict either way."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from aws_behaviours import AwsBehaviours
from moto import mock_aws
from moto_org import ENTRY_ROLE, MotoOrg, build_org
from rule_events import context, scheduled_event
from selector_data import ACCOUNT_RULE, BUCKET, MANAGEMENT, SNS_ADDED

from trailguard.aws.runtime import run_rule

REGION = "us-east-1"
COVERED = (
    "Trail org-trail (us-east-1) logs it: Logged for every resource, caller and session: "
    "Publish and PublishBatch on AWS::SNS::Topic"
)
UNREADABLE_BUG = (
    "product bug, shown by the AWS behaviour model: the Config rule runtime reads another "
    "account's organization trail from inside the member account (aws/runtime.py, "
    "aws/trails.py); AWS refuses that (CloudTrailARNInvalidException, field-reported), so the "
    "member is not evaluated although the central Lambda's own account could read the trail"
)


@pytest.fixture
def org() -> Iterator[MotoOrg]:
    with mock_aws():
        boto3.client("s3", region_name=REGION).create_bucket(Bucket=BUCKET)
        found = build_org(members=1)
        cloudtrail = found.session(found.management).client("cloudtrail")
        cloudtrail.create_trail(
            Name="org-trail", S3BucketName=BUCKET, IsOrganizationTrail=True,
            IsMultiRegionTrail=True,
        )  # fmt: skip
        cloudtrail.put_event_selectors(
            TrailName="org-trail", AdvancedEventSelectors=[MANAGEMENT, SNS_ADDED]
        )
        cloudtrail.start_logging(Name="org-trail")
        yield found


def central_run(org: MotoOrg) -> tuple[list[dict[str, Any]], list[str]]:
    """The account rule as AWS Config invokes the central Lambda for the member account."""
    member = org.members[0]
    event = scheduled_event(ACCOUNT_RULE, member, parameters={"ExecutionRoleName": ENTRY_ROLE})
    return run_rule(ACCOUNT_RULE, event, context(org.management), boto3.Session, put=False)


@pytest.mark.parametrize(
    "readable",
    [
        True,
        pytest.param(False, marks=pytest.mark.xfail(strict=True, reason=UNREADABLE_BUG)),
    ],
)
def test_member_covered_by_the_organization_trail_alone(
    org: MotoOrg, aws_behaviours: AwsBehaviours, readable: bool
) -> None:
    aws_behaviours.org_trail_readable = readable
    evaluations, errors = central_run(org)
    assert errors == []
    assert [
        (e["ComplianceResourceId"], e["ComplianceType"], e["Annotation"]) for e in evaluations
    ] == [(org.members[0], "COMPLIANT", COVERED)]
