"""Config rule cloudtrail-sns-data-events-account-coverage: every region of the account has a
logging trail that records SNS data events."""

from __future__ import annotations

from trailguard import DOCUMENT_NAME
from trailguard.core.verdict import COMPLIANT, NON_COMPLIANT, cut
from trailguard.rules.facts import Finding, NotEvaluated, TrailFacts, trail_verdict
from trailguard.rules.metadata import load
from trailguard.rules.parameters import RuleParameters
from trailguard.rules.registry import Rule

RULE_ID = "cloudtrail-sns-data-events-account-coverage"
METADATA = load(RULE_ID)
# How the annotation starts when no trail applies to the region (the Config results report
# reads it: the per-trail rule then has no result there, rightly).
NO_TRAIL_APPLIES = "No CloudTrail trail applies to "


def evaluate_account(
    account_id: str, region: str, trails: list[TrailFacts], params: RuleParameters
) -> Finding:
    """Is there a logging trail that applies here and covers the requirement?

    COMPLIANT needs one such trail whose facts were all read. When none is found but some
    applicable trail could not be read, no verdict is given (NotEvaluated).
    """

    def finding(compliance: str, annotation: str) -> Finding:
        return Finding(
            rule_id=RULE_ID,
            resource_type=METADATA.resource_type,
            resource_id=account_id,
            compliance=compliance,
            annotation=cut(annotation),
            account_id=account_id,
            region=region,
        )

    applicable = [t for t in trails if t.applies_to(region)]
    unread: list[str] = []
    reasons: list[str] = []
    for trail in applicable:
        try:
            verdict = trail_verdict(trail, params)
        except NotEvaluated as exc:
            unread.append(str(exc))
            continue
        if trail.is_logging is None:
            unread.append(f"{trail.arn}: {trail.error or 'trail status not read'}")
            continue
        if verdict.compliant and trail.is_logging:
            return finding(
                COMPLIANT, f"Trail {trail.name} ({trail.home_region}) logs it: {verdict.annotation}"
            )
        why = verdict.annotation if trail.is_logging else "not logging"
        reasons.append(f"{trail.name}: {why}")
    if unread:
        raise NotEvaluated("; ".join(unread))
    if not applicable:
        return finding(
            NON_COMPLIANT,
            f"{NO_TRAIL_APPLIES}{region}, so SNS data events are not recorded here",
        )
    return finding(
        NON_COMPLIANT,
        f"No logging trail that applies to {region} records SNS data events. " + "; ".join(reasons),
    )


def coverage_fix(region: str) -> str:
    """The fix for a region no trail covers."""
    return (
        "make one multi-region trail record SNS data events: "
        f"trailguard remediate --trail NAME --region {region} (or the SSM document {DOCUMENT_NAME})"
    )


def fix_text(finding: Finding, facts: TrailFacts | None) -> str | None:
    return coverage_fix(finding.region) if finding.compliance == NON_COMPLIANT else None


RULE = Rule(
    id=RULE_ID,
    scope="account-region",
    metadata=METADATA,
    evaluate=evaluate_account,
    fix_text=fix_text,
    lambda_parameter="AccountRuleLambdaArn",
)
