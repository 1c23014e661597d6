"""``scan`` and an organization trail, with the AWS behaviour model (a member lists its
management account's organization trail; whether it could read it is not documented, so both
outcomes run): the trail is read once, by its owner when scanned, else by the caller, and
that one reading serves every member's coverage; a member never reads it, and its tags never
share a ListTags call with a member's own trails. Without any reading, a member's coverage is
the account rule's own NON_COMPLIANT verdict naming the trail."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from aws_behaviours import AwsBehaviours
from moto import mock_aws
from moto_org import MotoOrg, build_org
from selector_data import (
    ACCOUNT_RULE,
    BUCKET,
    MANAGEMENT,
    SNS_ADDED,
    SNS_PUBLISH_ONLY,
    TRAIL_RULE,
)

from trailguard.aws.scan import Scanner, Target
from trailguard.rules.parameters import RuleParameters

REGIONS = ["us-east-1", "eu-west-1"]
LOGGED = (
    "Logged for every resource, caller and session: Publish and PublishBatch on AWS::SNS::Topic"
)
OWN = f"Trail org-trail (us-east-1) logs it: {LOGGED}"
OWN_TRAIL_GAP = (
    "PublishBatch on AWS::SNS::Topic is not logged: selector 'SNS Publish only' limits "
    "eventName to [Publish]"
)
REFUSED_HERE = (
    "Organization trail org-trail (account 123456789012) cannot be shown compliant: its "
    "selectors cannot be read from this account: CloudTrailARNInvalidException; deploy "
    "org-wide so that the management account's function reads them"
)
# The tag exemption is on, as by default: ListTags is called.
PARAMS = RuleParameters(exemption_tag_key="trailguard:exempt")


def read_by(account: str) -> str:
    return f"Organization trail org-trail (us-east-1, read by account {account}) logs it: {LOGGED}"


@pytest.fixture
def org() -> Iterator[MotoOrg]:
    """The management account's multi-region organization trail records SNS data events; the
    first member has its own trail (in us-east-1, missing PublishBatch), the second none."""
    with mock_aws():
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket=BUCKET)
        found = build_org(members=2)
        cloudtrail = found.session(found.management).client("cloudtrail")
        cloudtrail.create_trail(
            Name="org-trail", S3BucketName=BUCKET, IsOrganizationTrail=True,
            IsMultiRegionTrail=True,
        )  # fmt: skip
        cloudtrail.put_event_selectors(
            TrailName="org-trail", AdvancedEventSelectors=[MANAGEMENT, SNS_ADDED]
        )
        cloudtrail.start_logging(Name="org-trail")
        own = found.session(found.members[0]).client("cloudtrail")
        own.create_trail(Name="own", S3BucketName=BUCKET)
        own.put_event_selectors(TrailName="own", AdvancedEventSelectors=[SNS_PUBLISH_ONLY])
        own.start_logging(Name="own")
        yield found


def org_arn(org: MotoOrg) -> str:
    return f"arn:aws:cloudtrail:us-east-1:{org.management}:trail/org-trail"


class Logged(Scanner):
    """The real Scanner, logging (account, operation, trails named) of every CloudTrail call."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.log: list[tuple[str, str, str]] = []
        self._hooked: set[int] = set()

    def client(self, target: Target, region: str) -> Any:
        client = super().client(target, region)
        if id(client) not in self._hooked:
            self._hooked.add(id(client))

            def record(params: dict[str, Any], model: Any, **_: Any) -> None:
                names = params.get("ResourceIdList") or [
                    params.get("TrailName", params.get("Name"))
                ]
                self.log.append((target.account_id, model.name, ",".join(map(str, names))))

            client.meta.events.register("before-parameter-build.cloudtrail.*", record)
        return client


def scan(org: MotoOrg, accounts: list[str], caller: str | None) -> Logged:
    targets = [Target(a, org.session(a)) for a in accounts]
    found = None if caller is None else Target(caller, org.session(caller))
    scanner = Logged(targets, REGIONS, PARAMS, max_workers=2, tps=1000.0, caller=found)
    scanner.scan()
    return scanner


def rows(scanner: Scanner) -> list[tuple[str, str, str, str, str]]:
    return sorted(
        (f.rule_id, f.account_id, f.region, f.compliance, f.annotation)
        for f in scanner.result.findings
    )


def coverage(account: str, annotation: str, compliance: str = "COMPLIANT") -> list[Any]:
    return [(ACCOUNT_RULE, account, region, compliance, annotation) for region in REGIONS]


def calls_on(scanner: Logged, arn: str) -> list[tuple[str, str]]:
    return sorted((account, op) for account, op, names in scanner.log if arn in names)


@pytest.mark.parametrize("readable", [True, False])
def test_one_reading_by_the_management_account_serves_every_member(
    org: MotoOrg, aws_behaviours: AwsBehaviours, readable: bool
) -> None:
    aws_behaviours.org_trail_readable = readable
    first, second = org.members
    scanner = scan(org, org.accounts, caller=org.management)
    assert scanner.result.not_evaluated == []
    assert rows(scanner) == sorted([
        *coverage(org.management, OWN),
        *coverage(first, read_by(org.management)),
        *coverage(second, read_by(org.management)),
        (TRAIL_RULE, first, "us-east-1", "NON_COMPLIANT", OWN_TRAIL_GAP),
        (TRAIL_RULE, org.management, "us-east-1", "COMPLIANT", LOGGED),
    ])  # fmt: skip
    # read once, by its owner, which alone lists its tags; no member ever names it
    assert calls_on(scanner, org_arn(org)) == [
        (org.management, "GetEventSelectors"),
        (org.management, "GetTrailStatus"),
        (org.management, "ListTags"),
    ]
    assert aws_behaviours.refused == []


@pytest.mark.parametrize("readable", [True, False])
def test_members_only_the_caller_reads_it_once(
    org: MotoOrg, aws_behaviours: AwsBehaviours, readable: bool
) -> None:
    aws_behaviours.org_trail_readable = readable
    first, second = org.members
    scanner = scan(org, org.members, caller=org.management)
    assert scanner.result.not_evaluated == []
    # the member's own trail judged (its tags read on their own), the organization trail not
    # (its owner is not scanned)
    assert rows(scanner) == sorted([
        *coverage(first, read_by(org.management)),
        *coverage(second, read_by(org.management)),
        (TRAIL_RULE, first, "us-east-1", "NON_COMPLIANT", OWN_TRAIL_GAP),
    ])  # fmt: skip
    assert calls_on(scanner, org_arn(org)) == [
        (org.management, "GetEventSelectors"),
        (org.management, "GetTrailStatus"),
    ]
    own = f"arn:aws:cloudtrail:us-east-1:{first}:trail/own"
    assert [c for c in scanner.log if c[1] == "ListTags"] == [(first, "ListTags", own)]
    assert aws_behaviours.refused == []


@pytest.mark.parametrize("readable", [True, False])
def test_a_member_scanning_itself_gets_the_rules_verdict(
    org: MotoOrg, aws_behaviours: AwsBehaviours, readable: bool
) -> None:
    aws_behaviours.org_trail_readable = readable
    member = org.members[1]
    scanner = scan(org, [member], caller=member)
    assert scanner.result.not_evaluated == []
    # as the account rule deployed in the member judges it (tests/aws/test_org_trail_members)
    if readable:
        assert rows(scanner) == sorted(coverage(member, OWN))
    else:
        assert rows(scanner) == sorted(coverage(member, REFUSED_HERE, "NON_COMPLIANT"))
        assert [r[1:] for r in aws_behaviours.refused] == [
            ("GetEventSelectors", "CloudTrailARNInvalidException"),
            ("GetTrailStatus", "CloudTrailARNInvalidException"),
        ]


def test_without_any_reading_the_member_is_non_compliant_naming_it(
    org: MotoOrg, aws_behaviours: AwsBehaviours
) -> None:
    first, second = org.members
    scanner = scan(org, org.members, caller=None)
    assert scanner.result.not_evaluated == []
    why = (
        "Organization trail org-trail (account 123456789012) cannot be shown compliant: its "
        "selectors cannot be read by this scan: the scan includes neither its owner nor the "
        "caller; use the management account or a CloudTrail delegated administrator"
    )
    gap_and_why = (
        "No logging trail that applies to us-east-1 records SNS data events. organization "
        "trail org-trail (account 123456789012) not read by this scan (the scan includes "
        "neither its owner nor the caller); own: PublishBatch on AWS::SNS::Topic is not "
        "logged: selecto…"  # cut to AWS Config's 256 characters
    )
    assert rows(scanner) == sorted([
        (ACCOUNT_RULE, first, "eu-west-1", "NON_COMPLIANT", why),
        (ACCOUNT_RULE, first, "us-east-1", "NON_COMPLIANT", gap_and_why),
        *coverage(second, why, "NON_COMPLIANT"),
        (TRAIL_RULE, first, "us-east-1", "NON_COMPLIANT", OWN_TRAIL_GAP),
    ])  # fmt: skip
    assert calls_on(scanner, org_arn(org)) == []
    assert aws_behaviours.refused == []


def test_a_delegated_administrator_caller_reads_it(
    org: MotoOrg, aws_behaviours: AwsBehaviours
) -> None:
    first, admin = org.members
    aws_behaviours.cloudtrail_delegated_admins = {admin}
    scanner = scan(org, [first], caller=admin)
    assert rows(scanner) == sorted([
        *coverage(first, read_by(admin)),
        (TRAIL_RULE, first, "us-east-1", "NON_COMPLIANT", OWN_TRAIL_GAP),
    ])  # fmt: skip
    assert calls_on(scanner, org_arn(org)) == [
        (admin, "GetEventSelectors"),
        (admin, "GetTrailStatus"),
    ]
