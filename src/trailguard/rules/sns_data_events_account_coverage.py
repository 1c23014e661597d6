"""Config rule cloudtrail-sns-data-events-account-coverage: every region of the account has a
logging trail that records SNS data events."""

from __future__ import annotations

from trailguard import DOCUMENT_NAME
from trailguard.core.verdict import ANNOTATION_LIMIT, COMPLIANT, NON_COMPLIANT, cut
from trailguard.rules.facts import Finding, NotEvaluated, TrailFacts, trail_verdict, whole
from trailguard.rules.metadata import load
from trailguard.rules.parameters import RuleParameters
from trailguard.rules.registry import Rule

RULE_ID = "cloudtrail-sns-data-events-account-coverage"
METADATA = load(RULE_ID)
# How the annotation starts when no trail applies to the region (the Config results report
# reads it: the per-trail rule then has no result there, rightly).
NO_TRAIL_APPLIES = "No CloudTrail trail applies to "
# What to do about another account's organization trail whose selectors were not read: from
# the member account itself (an account-only deployment), or by the central function too.
ORG_TRAIL_READ_CENTRALLY = "deploy org-wide so that the management account's function reads them"
ORG_TRAIL_READ_ELSEWHERE = "use the management account or a CloudTrail delegated administrator"


def evaluate_account(
    account_id: str, region: str, trails: list[TrailFacts], params: RuleParameters
) -> Finding:
    """Is there a logging trail that applies here and covers the requirement?

    COMPLIANT needs one such trail whose facts were all read. When none is found but some
    applicable trail of this account could not be read, no verdict is given (NotEvaluated).
    Another account's organization trail is read where it can be (its owner, the central
    function; ``read_by`` says who, and the annotation repeats it); when it could not be read,
    it is a reason for NON_COMPLIANT that names it and says why (AWS Config takes no
    INSUFFICIENT_DATA from a custom rule), never a failed run and never COMPLIANT.
    """

    applicable = [t for t in trails if t.applies_to(region)]

    def finding(compliance: str, annotation: str) -> Finding:
        # Config gets the annotation cut to its limit; a report the whole text, and the trail
        # the fix should change.
        return Finding(
            rule_id=RULE_ID,
            resource_type=METADATA.resource_type,
            resource_id=account_id,
            compliance=compliance,
            annotation=cut(annotation),
            account_id=account_id,
            region=region,
            full_annotation=annotation,
            fix_trail=closest_trail(applicable, account_id)
            if compliance == NON_COMPLIANT
            else None,
        )

    unread: list[str] = []
    reasons: list[str] = []
    unreadable: list[TrailFacts] = []  # other accounts' organization trails not read
    why_unread: list[str] = []
    for trail in applicable:
        elsewhere = trail.owned_elsewhere(account_id)
        try:
            verdict = trail_verdict(trail, params)
            if trail.is_logging is None:
                raise NotEvaluated(f"{trail.arn}: {trail.error or 'trail status not read'}")
        except NotEvaluated as exc:
            if elsewhere:
                unreadable.append(trail)
                why_unread.append(str(exc).removeprefix(f"{trail.arn}: "))
            else:
                unread.append(str(exc))
            continue
        if verdict.compliant and trail.is_logging:
            text = whole(verdict)
            return finding(COMPLIANT, f"{_trail(trail, account_id)} logs it: {text}")
        why = whole(verdict) if trail.is_logging else "not logging"
        source = f" (read by {trail.read_by})" if elsewhere and trail.read_by else ""
        reasons.append(f"{trail.name}{source}: {why}")
    if unread:
        raise NotEvaluated("; ".join(unread))
    if not applicable:
        return finding(
            NON_COMPLIANT,
            f"{NO_TRAIL_APPLIES}{region}, so SNS data events are not recorded here",
        )
    if len(unreadable) == 1 and not reasons:
        return finding(NON_COMPLIANT, unread_org_trail(unreadable[0], why_unread[0]))
    # The unread organization trails first, each in short (AWS's error code), then the
    # trails read.
    short = [
        f"organization trail {t.name} (account {t.account_id}) not read {_where(t)} "
        f"({_first_error(why).split(': ', 1)[0]})"
        for t, why in zip(unreadable, why_unread, strict=True)
    ]
    return finding(
        NON_COMPLIANT,
        f"No logging trail that applies to {region} records SNS data events. "
        + "; ".join([*short, *reasons]),
    )


def _trail(trail: TrailFacts, account_id: str) -> str:
    """The trail as an annotation names it: with who read it when that was not this account."""
    if trail.owned_elsewhere(account_id) and trail.read_by:
        return f"Organization trail {trail.name} ({trail.home_region}, read by {trail.read_by})"
    return f"Trail {trail.name} ({trail.home_region})"


def _first_error(why: str) -> str:
    """The first error of a read (trailguard.aws.trails joins them), without the operation's
    name ("GetEventSelectors failed: "), as AWS gave it."""
    return why.split("; ")[0].split(" failed: ", 1)[-1]


def _where(trail: TrailFacts) -> str:
    return f"by {trail.read_by}" if trail.read_by else "from this account"


def unread_org_trail(trail: TrailFacts, why: str) -> str:
    """Why another account's organization trail cannot be shown to record the events here: its
    selectors could not be read (``why``) where this rule ran, or by ``read_by``. Within the
    annotation limit, the advice kept: the first error only, as AWS gave it, else its code."""
    advice = ORG_TRAIL_READ_ELSEWHERE if trail.read_by else ORG_TRAIL_READ_CENTRALLY
    head = (
        f"Organization trail {trail.name} (account {trail.account_id}) cannot be shown "
        f"compliant: its selectors cannot be read {_where(trail)}: "
    )
    tail = f"; {advice}"
    room = ANNOTATION_LIMIT - len(head) - len(tail)
    error = _first_error(why)
    if len(error) > room:
        code = error.split(": ", 1)[0]
        error = code if len(code) <= room else cut(error, max(room, 1))
    return head + error + tail


def closest_trail(applicable: list[TrailFacts], account_id: str) -> TrailFacts | None:
    """The trail a coverage fix should change, of those that apply to the region: one this
    account owns before another account's organization trail, a logging one before a stopped
    one, a multi-region one (it covers every region at once) before a single-region one, then
    by name. None when no trail applies."""
    if not applicable:
        return None
    return min(
        applicable,
        key=lambda t: (
            t.owned_elsewhere(account_id),
            t.is_logging is not True,
            not t.is_multi_region,
            t.name,
            t.arn,
        ),
    )


def coverage_fix(region: str) -> str:
    """The fix for a region no trail covers, when the trail to change is not known (a report
    from AWS Config's results)."""
    return (
        "make one multi-region trail record SNS data events: "
        f"trailguard remediate --trail NAME --region {region} (or the SSM document {DOCUMENT_NAME})"
    )


def create_fix(region: str) -> str:
    """The fix for a region no trail applies to: create one, then make it record the events."""
    return (
        f"no trail applies to {region}: create a multi-region trail (aws cloudtrail create-trail "
        f"--name NAME --s3-bucket-name BUCKET --is-multi-region-trail --region {region}; aws "
        f"cloudtrail start-logging --name NAME --region {region}), then make it record SNS data "
        f"events: trailguard remediate --trail NAME --region {region}"
    )


def named_fix(trail: TrailFacts, account_id: str) -> str:
    """The fix that names the trail to change (see :func:`closest_trail`): its ARN, the
    command, and the SSM Automation run with that trail (started in its home region)."""
    home = trail.home_region
    kind = "multi-region" if trail.is_multi_region else f"single-region, {home}"
    which = f"trail {trail.arn} ({kind})"
    steps = []
    if trail.is_logging is False:
        steps.append(f"start it: aws cloudtrail start-logging --name {trail.arn} --region {home}")
    steps.append(
        f"make it record SNS data events: trailguard remediate --trail {trail.arn} "
        f"--region {home} (or aws ssm start-automation-execution --document-name "
        f"{DOCUMENT_NAME} --parameters TrailName={trail.arn},AutomationAssumeRole=ROLE_ARN "
        f"--region {home})"
    )
    text = f"change {which}: " + "; then ".join(steps)
    if trail.owned_elsewhere(account_id):
        text += (
            f"; an organization trail of account {trail.account_id}: run it from the "
            "management account or a delegated administrator"
        )
    return text


def fix_text(finding: Finding, facts: TrailFacts | None) -> str | None:
    """The exact fix of a NON_COMPLIANT account-region: change the closest applicable trail
    (named), create one when none applies, else (from Config's results, where the trails are
    not known) make one multi-region trail record the events."""
    if finding.compliance != NON_COMPLIANT:
        return None
    trail = finding.fix_trail or facts
    if trail is not None:
        return named_fix(trail, finding.account_id)
    if finding.annotation.startswith(NO_TRAIL_APPLIES):
        return create_fix(finding.region)
    return coverage_fix(finding.region)


RULE = Rule(
    id=RULE_ID,
    scope="account-region",
    metadata=METADATA,
    evaluate=evaluate_account,
    fix_text=fix_text,
    lambda_parameter="AccountRuleLambdaArn",
)
