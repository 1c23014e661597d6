"""An organization trail seen from a member account, with the AWS behaviour model: the member
lists the management account's organization trail, and whether it can read the trail's
selectors is not documented (field reports say it cannot), so both outcomes are run.

The organization trail is judged once, by the per-trail rule in the management account; a
member's coverage uses a reading made where AWS allows it: by the central function with its
own credentials (never through the member's role), so the verdict is the same either way. A
function deployed in the member itself can only try with the member's credentials: when that
is refused, the account rule is NON_COMPLIANT naming the trail and why, never a failed run.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from aws_behaviours import AwsBehaviours
from moto import mock_aws
from moto_org import ENTRY_ROLE, MotoOrg, build_org
from rule_events import context, scheduled_event
from selector_data import (
    ACCOUNT_RULE,
    ACCOUNT_TYPE,
    BUCKET,
    MANAGEMENT,
    SNS_ADDED,
    SNS_PUBLISH_ONLY,
    TRAIL_RULE,
    TRAIL_TYPE,
)

from trailguard.aws.runtime import run_rule
from trailguard.rules.sns_data_events_account_coverage import NO_TRAIL_APPLIES

REGION = "us-east-1"
LOGGED = (
    "Logged for every resource, caller and session: Publish and PublishBatch on AWS::SNS::Topic"
)
COVERED = f"Trail org-trail (us-east-1) logs it: {LOGGED}"
PUBLISH_BATCH_MISSING = (
    "PublishBatch on AWS::SNS::Topic is not logged: selector 'SNS Publish only' limits "
    "eventName to [Publish]"
)


def central(account: str) -> str:
    return f"Organization trail org-trail (us-east-1, read by the central function in account {account}) logs it: {LOGGED}"  # noqa: E501


REFUSED_HERE = (
    "Organization trail org-trail (account 123456789012) cannot be shown compliant: its "
    "selectors cannot be read from this account: CloudTrailARNInvalidException; deploy "
    "org-wide so that the management account's function reads them"
)


MANAGEMENT_ID = "123456789012"  # moto's default account: the management account here


def make_org_trail(org: MotoOrg, selectors: list[dict[str, Any]], **flags: Any) -> str:
    cloudtrail = org.session(org.management).client("cloudtrail")
    arn = cloudtrail.create_trail(
        Name="org-trail", S3BucketName=BUCKET, IsOrganizationTrail=True,
        IsMultiRegionTrail=flags.get("multi_region", True),
    )["TrailARN"]  # fmt: skip
    cloudtrail.put_event_selectors(TrailName="org-trail", AdvancedEventSelectors=selectors)
    cloudtrail.start_logging(Name="org-trail")
    return str(arn)


@pytest.fixture
def org() -> Iterator[MotoOrg]:
    with mock_aws():
        boto3.client("s3", region_name=REGION).create_bucket(Bucket=BUCKET)
        found = build_org(members=2)
        assert found.management == MANAGEMENT_ID
        yield found


@pytest.fixture
def covered(org: MotoOrg) -> MotoOrg:
    """The organization trail (multi-region) records SNS data events."""
    make_org_trail(org, [MANAGEMENT, SNS_ADDED])
    return org


class Sessions:
    """``make_session`` for run_rule as a Lambda in ``function_account`` has it: its own
    credentials when called without any (labelled "own"), else the assumed ones given ("role");
    in ``region``; logging the trails each CloudTrail call names."""

    def __init__(self, org: MotoOrg, function_account: str, region: str = REGION) -> None:
        self.org, self.function_account, self.region = org, function_account, region
        self.calls: list[tuple[str, str, str]] = []  # (label, operation, trail)

    def __call__(self, **kwargs: Any) -> Any:
        label = "role" if "aws_access_key_id" in kwargs else "own"
        kwargs.setdefault("region_name", self.region)
        if label == "own":
            session = self.org.session(self.function_account, kwargs["region_name"])
        else:
            session = boto3.Session(**kwargs)

        def log(params: dict[str, Any], model: Any, **_: Any) -> None:
            name = params.get("TrailName") or params.get("Name") or params.get("ResourceIdList")
            self.calls.append((label, model.name, str(name or "")))

        session.events.register("before-parameter-build.cloudtrail.*", log)
        return session

    def read(self, arn: str) -> list[tuple[str, str]]:
        return [(label, op) for label, op, name in self.calls if arn in name]


def rows(evaluations: list[dict[str, Any]]) -> list[tuple[str, str, str, str]]:
    return [
        (e["ComplianceResourceType"], e["ComplianceResourceId"], e["ComplianceType"],
         e["Annotation"])
        for e in evaluations
    ]  # fmt: skip


def central_run(
    org: MotoOrg, member: str, function_account: str, region: str = REGION
) -> tuple[list[dict[str, Any]], list[str], Sessions]:
    """The account rule as AWS Config invokes a central Lambda (in ``function_account``) for
    ``member``, through the role ExecutionRoleName there."""
    sessions = Sessions(org, function_account, region)
    event = scheduled_event(ACCOUNT_RULE, member, parameters={"ExecutionRoleName": ENTRY_ROLE})
    evaluations, errors = run_rule(
        ACCOUNT_RULE, event, context(function_account, region), sessions, put=False
    )
    return evaluations, errors, sessions


def member_run(
    org: MotoOrg, member: str, rule: str = ACCOUNT_RULE
) -> tuple[list[dict[str, Any]], list[str]]:
    """A rule as AWS Config invokes a Lambda deployed in ``member`` itself (account-only)."""
    own = org.session(member)
    return run_rule(
        rule, scheduled_event(rule, member), context(member), lambda **_: own, put=False
    )


# --- org-wide: the central function reads the trail with its own credentials -----------------


@pytest.mark.parametrize("readable", [True, False])
def test_member_covered_through_the_central_reading(
    covered: MotoOrg, aws_behaviours: AwsBehaviours, readable: bool
) -> None:
    aws_behaviours.org_trail_readable = readable
    org, member = covered, covered.members[0]
    evaluations, errors, sessions = central_run(org, member, org.management)
    assert errors == []
    assert rows(evaluations) == [(ACCOUNT_TYPE, member, "COMPLIANT", central(org.management))]
    # read once, with the function's own credentials; the member's role never touched it
    arn = f"arn:aws:cloudtrail:us-east-1:{org.management}:trail/org-trail"
    assert sessions.read(arn) == [("own", "GetEventSelectors"), ("own", "GetTrailStatus")]
    assert aws_behaviours.refused == []


def test_member_not_covered_by_the_central_reading_names_the_reader(
    org: MotoOrg, aws_behaviours: AwsBehaviours
) -> None:
    make_org_trail(org, [MANAGEMENT, SNS_PUBLISH_ONLY])
    member = org.members[0]
    evaluations, errors, _ = central_run(org, member, org.management)
    assert errors == []
    assert rows(evaluations) == [(
        ACCOUNT_TYPE, member, "NON_COMPLIANT",
        "No logging trail that applies to us-east-1 records SNS data events. org-trail (read "
        f"by the central function in account {org.management}): {PUBLISH_BATCH_MISSING}",
    )]  # fmt: skip


def test_central_function_in_a_delegated_administrator_reads_it(
    covered: MotoOrg, aws_behaviours: AwsBehaviours
) -> None:
    admin, member = covered.members[1], covered.members[0]
    aws_behaviours.cloudtrail_delegated_admins = {admin}
    evaluations, errors, _ = central_run(covered, member, admin)
    assert errors == []
    assert rows(evaluations) == [(ACCOUNT_TYPE, member, "COMPLIANT", central(admin))]
    assert aws_behaviours.refused == []


def test_central_read_refused_too_is_non_compliant_naming_the_trail(
    covered: MotoOrg, aws_behaviours: AwsBehaviours
) -> None:
    # a central function in an account that is neither the owner nor a CloudTrail delegated
    # administrator (e.g. only AWS Config's delegated administrator)
    function_account, member = covered.members[1], covered.members[0]
    evaluations, errors, _ = central_run(covered, member, function_account)
    assert errors == []
    assert rows(evaluations) == [(
        ACCOUNT_TYPE, member, "NON_COMPLIANT",
        f"Organization trail org-trail (account {MANAGEMENT_ID}) cannot be shown compliant: its "
        f"selectors cannot be read by the central function in account {function_account}: "
        "CloudTrailARNInvalidException; use the management account or a CloudTrail delegated "
        "administrator",
    )]  # fmt: skip


def test_single_region_organization_trail_covers_its_home_region_only(
    org: MotoOrg, aws_behaviours: AwsBehaviours
) -> None:
    make_org_trail(org, [MANAGEMENT, SNS_ADDED], multi_region=False)
    member = org.members[0]
    evaluations, errors, _ = central_run(org, member, org.management, "eu-west-1")
    assert errors == []
    assert rows(evaluations) == [(
        ACCOUNT_TYPE, member, "NON_COMPLIANT",
        f"{NO_TRAIL_APPLIES}eu-west-1, so SNS data events are not recorded here",
    )]  # fmt: skip
    evaluations, errors, _ = central_run(org, member, org.management)
    assert rows(evaluations) == [(ACCOUNT_TYPE, member, "COMPLIANT", central(org.management))]


# --- the management account judges its organization trail ---------------------------------------


@pytest.mark.parametrize(
    ("selectors", "expected"),
    [
        ([MANAGEMENT, SNS_ADDED], ("COMPLIANT", LOGGED)),
        ([MANAGEMENT, SNS_PUBLISH_ONLY], ("NON_COMPLIANT", PUBLISH_BATCH_MISSING)),
    ],
)
def test_management_account_judges_its_organization_trail(
    org: MotoOrg, aws_behaviours: AwsBehaviours, selectors: Any, expected: tuple[str, str]
) -> None:
    make_org_trail(org, selectors)
    event = scheduled_event(TRAIL_RULE, org.management)
    management = org.session(org.management)
    evaluations, errors = run_rule(
        TRAIL_RULE, event, context(org.management), lambda **_: management, put=False
    )
    assert errors == []
    # the per-trail rule has no previous results to retire here (moto's Config has none)
    assert rows(evaluations) == [(TRAIL_TYPE, "org-trail", *expected)]
    # members do not judge it (it is not theirs): no per-trail result there
    evaluations, errors = member_run(org, org.members[0], TRAIL_RULE)
    assert (rows(evaluations), errors) == ([], [])


# --- account-only in a member: only the member's own credentials ------------------------------


@pytest.mark.parametrize("readable", [True, False])
def test_account_only_member_reads_with_its_own_credentials(
    covered: MotoOrg, aws_behaviours: AwsBehaviours, readable: bool
) -> None:
    aws_behaviours.org_trail_readable = readable
    member = covered.members[0]
    evaluations, errors = member_run(covered, member)
    assert errors == []  # never a failed run
    if readable:
        assert rows(evaluations) == [(ACCOUNT_TYPE, member, "COMPLIANT", COVERED)]
    else:
        assert rows(evaluations) == [(ACCOUNT_TYPE, member, "NON_COMPLIANT", REFUSED_HERE)]


def test_account_only_member_own_trail_decides_when_it_covers(
    covered: MotoOrg, aws_behaviours: AwsBehaviours
) -> None:
    member = covered.members[0]
    own = covered.session(member).client("cloudtrail")
    own.create_trail(Name="own", S3BucketName=BUCKET)
    own.put_event_selectors(TrailName="own", AdvancedEventSelectors=[MANAGEMENT, SNS_PUBLISH_ONLY])
    own.start_logging(Name="own")
    evaluations, errors = member_run(covered, member)
    assert errors == []
    # the own trail does not cover: the unread organization trail is named first
    assert rows(evaluations) == [(
        ACCOUNT_TYPE, member, "NON_COMPLIANT",
        "No logging trail that applies to us-east-1 records SNS data events. organization "
        f"trail org-trail (account {MANAGEMENT_ID}) not read from this account "
        "(CloudTrailARNInvalidException); own: PublishBatch on AWS::SNS::Topic is not logged: "
        "selector 'SNS Publish o…",  # cut to AWS Config's 256 characters
    )]  # fmt: skip
    own.put_event_selectors(TrailName="own", AdvancedEventSelectors=[MANAGEMENT, SNS_ADDED])
    evaluations, errors = member_run(covered, member)
    assert errors == []
    assert rows(evaluations) == [
        (ACCOUNT_TYPE, member, "COMPLIANT", f"Trail own (us-east-1) logs it: {LOGGED}")
    ]
