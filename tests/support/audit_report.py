"""A small fixed report with everything an auditor's rendering shows: a scope, a population
with account-regions that have no result, an exemption, unrecorded topics, a failing trail and
a failing account-region, and an annotation AWS Config cut."""

from __future__ import annotations

import dataclasses

from selector_data import RULE_RISK, RULE_SEVERITY

from trailguard.reporting.model import ACCOUNT_TYPE, TRAIL_TYPE, Report, ReportEntry
from trailguard.reporting.scope import Exemption, Place, Population, ReportScope
from trailguard.rules.sns_data_events_account_coverage import RULE_ID as ACCOUNT_RULE
from trailguard.rules.sns_data_events_enabled import RULE_ID as TRAIL_RULE

A, B, C = "111122223333", "444455556666", "777788889999"
WHEN = "2024-05-01T12:00:00Z"
EAST, WEST = "us-east-1", "eu-west-1"
BAD_ARN = f"arn:aws:cloudtrail:{EAST}:{A}:trail/sns-publish-only"
ORG_ARN = f"arn:aws:cloudtrail:{EAST}:{B}:trail/org-wide"
CAUSE = "selector 'Log SNS Publish' limits eventName to [Publish]"
EXEMPT_WHY = "an SCP denies every action in eu-west-1 for this account (ticket SEC-12)"
# What AWS Config holds of a long annotation: 255 characters and an ellipsis.
CUT = ("Logged for every resource, caller and session: " + "Publish and PublishBatch on "
       "AWS::SNS::Topic; " * 12)[:255] + "…"  # fmt: skip
TRAIL_FIX = (
    f"trailguard remediate --trail {BAD_ARN} --region {EAST} "
    "(or run the SSM document TrailGuard-EnableSnsDataEvents with TrailName=sns-publish-only)"
)
COVERAGE_FIX = (
    f"change trail {BAD_ARN} (single-region, {EAST}): make it record SNS data events: "
    f"trailguard remediate --trail {BAD_ARN} --region {EAST} (or aws ssm "
    "start-automation-execution --document-name TrailGuard-EnableSnsDataEvents --parameters "
    f"TrailName={BAD_ARN},AutomationAssumeRole=ROLE_ARN --region {EAST})"
)


def _coverage(
    account: str, region: str, compliance: str, annotation: str, **kw: object
) -> ReportEntry:
    return ReportEntry(
        ACCOUNT_RULE, account, region, ACCOUNT_TYPE, account, None, compliance, annotation,
        severity=RULE_SEVERITY[ACCOUNT_RULE], risk=RULE_RISK[ACCOUNT_RULE], **kw,  # type: ignore[arg-type]
    )  # fmt: skip


ENTRIES = (
    ReportEntry(
        TRAIL_RULE, A, EAST, TRAIL_TYPE, "sns-publish-only", BAD_ARN, "NON_COMPLIANT",
        f"PublishBatch on AWS::SNS::Topic is not logged: {CAUSE}",
        causes=(f"PublishBatch on AWS::SNS::Topic: {CAUSE}",), fix=TRAIL_FIX,
        severity=RULE_SEVERITY[TRAIL_RULE], risk=RULE_RISK[TRAIL_RULE],
    ),
    _coverage(
        A, EAST, "NON_COMPLIANT",
        "No logging trail that applies to us-east-1 records SNS data events. sns-publish-only: "
        f"PublishBatch on AWS::SNS::Topic is not logged: {CAUSE}",
        fix=COVERAGE_FIX, unrecorded_topics=("orders", "payments"), topics_checked=5,
    ),
    _coverage(A, WEST, "COMPLIANT", "Trail eu-sns (eu-west-1) logs it",
              unrecorded_topics=(), topics_checked=3),
    ReportEntry(
        TRAIL_RULE, B, EAST, TRAIL_TYPE, "org-wide", ORG_ARN, "COMPLIANT", CUT,
        severity=RULE_SEVERITY[TRAIL_RULE], risk=RULE_RISK[TRAIL_RULE],
    ),
    _coverage(B, EAST, "COMPLIANT", "Trail org-wide (us-east-1) logs it"),
    _coverage(
        B, WEST, "NON_COMPLIANT",
        "No CloudTrail trail applies to eu-west-1, so SNS data events are not recorded here",
        exemption=EXEMPT_WHY,
    ),
)  # fmt: skip
SCOPE = ReportScope(
    accounts_asked=(A, B, C),
    accounts_reached=(A, B),
    regions_asked=(WEST, EAST),
    regions_reached=(WEST, EAST),
    rules=(TRAIL_RULE, ACCOUNT_RULE),
    parameters={"ResourceTypes": "AWS::SNS::Topic", "RequireLogging": "true"},
    accepted_exclusions=('[{"Field": "eventName", "Equals": ["Subscribe"]}]',),
    exemptions=(Exemption(B, WEST, EXEMPT_WHY, ACCOUNT_RULE),),
    tool_version="1.4.0",
    caller=f"arn:aws:sts::{A}:assumed-role/Auditor/alice",
    generated_at=WHEN,
)
DENIED = f"cannot assume arn:aws:iam::{C}:role/TrailGuardScanRole: AccessDenied"
POPULATION = Population(
    "the accounts and regions asked: 3 accounts, 2 regions",
    (
        Place(A, EAST, "evaluated"), Place(A, WEST, "evaluated"), Place(B, EAST, "evaluated"),
        Place(B, WEST, "exempted", EXEMPT_WHY),
        Place(C, EAST, "no result", DENIED), Place(C, WEST, "no result", DENIED),
    ),
)  # fmt: skip
# Incomplete: no NOT_EVALUATED entry, but account C of the population has no result.
AUDIT = Report(
    title="trailguard scan: CloudTrail recording of Amazon SNS data events",
    generated_at=WHEN,
    source="live scan of 3 account(s), 2 region(s)",
    entries=ENTRIES,
    scope=SCOPE,
    population=POPULATION,
)
COMPLETE = Population(
    "the accounts and regions asked: 2 accounts, 2 regions",
    tuple(p for p in POPULATION.places if p.account != C),
)
# Complete, with one failure that is not exempted: FAIL.
FAILED = dataclasses.replace(AUDIT, population=COMPLETE)
# Complete, the only failure exempted: PASS.
PASSED = dataclasses.replace(
    AUDIT,
    entries=tuple(e for e in ENTRIES if e.account_id == B),
    population=Population("account B", tuple(p for p in POPULATION.places if p.account == B)),
)
