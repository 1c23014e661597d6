"""Config rule cloudtrail-sns-data-events-enabled: each trail records SNS data events.

Judged once per trail, in its home region and by the account that owns it.
"""

from __future__ import annotations

from trailguard import DOCUMENT_NAME
from trailguard.core.verdict import NON_COMPLIANT, Verdict, cut
from trailguard.rules.facts import NOT_APPLICABLE, Finding, NotEvaluated, TrailFacts, whole
from trailguard.rules.facts import trail_verdict as _trail_verdict
from trailguard.rules.metadata import load
from trailguard.rules.parameters import RuleParameters
from trailguard.rules.registry import Rule

RULE_ID = "cloudtrail-sns-data-events-enabled"
METADATA = load(RULE_ID)


def _exemption(facts: TrailFacts, params: RuleParameters) -> str | None:
    """Why the trail is exempted, if it is; NotEvaluated when its tags, which could exempt
    it, could not be read (never a silent "not exempt")."""
    if facts.name in params.exempt_trails or facts.arn in params.exempt_trails:
        return "Exempted by the rule parameter ExemptTrails"
    key = params.exemption_tag_key
    if key and facts.tags_error:
        raise NotEvaluated(f"{facts.arn}: tag exemption {key} not checked: {facts.tags_error}")
    if key and facts.tags is not None and facts.tags.get(key, "").lower() == "true":
        return f"Exempted by the tag {key}=true on the trail"
    return None


def evaluate_trail(
    facts: TrailFacts, params: RuleParameters, region: str, account_id: str | None = None
) -> Finding:
    """The evaluation of one trail, in ``region`` of ``account_id``.

    A trail is judged once, in its home region and by the account that owns it: shadow copies
    and other accounts' organization trails are NOT_APPLICABLE here (the account rule counts
    them for coverage).
    """

    def finding(compliance: str, annotation: str, verdict: Verdict | None = None) -> Finding:
        # Config gets the annotation cut to its limit; a report the whole text.
        return Finding(
            rule_id=RULE_ID,
            resource_type=METADATA.resource_type,
            resource_id=facts.name,
            compliance=compliance,
            annotation=cut(annotation),
            account_id=facts.account_id,
            region=region,
            trail_arn=facts.arn,
            verdict=verdict,
            full_annotation=annotation,
        )

    if account_id and facts.account_id != account_id:
        return finding(
            NOT_APPLICABLE,
            f"Organization trail of account {facts.account_id}: evaluated in that account",
        )
    if facts.home_region != region:
        return finding(NOT_APPLICABLE, f"Evaluated in the trail's home region {facts.home_region}")
    exempt = _exemption(facts, params)
    if exempt:
        return finding(NOT_APPLICABLE, exempt)
    verdict = _trail_verdict(facts, params)
    if params.require_logging:
        if facts.is_logging is None:
            raise NotEvaluated(f"{facts.arn}: {facts.error or 'trail status not read'}")
        if not facts.is_logging:
            return finding(
                NON_COMPLIANT,
                "The trail is not logging (stopped), so it records nothing; start it with "
                "StartLogging. Selectors: " + whole(verdict),
                verdict,
            )
    return finding(verdict.compliance, whole(verdict), verdict)


def trail_fix(arn: str, region: str, name: str) -> str:
    """The fix for a trail that does not record the events: a command, or the document."""
    command = f"trailguard remediate --trail {arn} --region {region}"
    return f"{command} (or run the SSM document {DOCUMENT_NAME} with TrailName={name})"


def fix_text(finding: Finding, facts: TrailFacts | None) -> str | None:
    """The exact fix of a NON_COMPLIANT trail: start it when stopped, else add the selectors
    (with the trail's facts when read; from the finding's trail ARN otherwise)."""
    if finding.compliance != NON_COMPLIANT:
        return None
    if facts is None:
        if not finding.trail_arn:
            return None
        return trail_fix(finding.trail_arn, finding.region, finding.resource_id)
    if facts.is_logging is False:
        return f"aws cloudtrail start-logging --name {facts.arn} --region {facts.home_region}"
    fix = trail_fix(facts.arn, facts.home_region, facts.name)
    if facts.is_organization:
        fix += (
            "; an organization trail: run it from the management account or a "
            "delegated administrator"
        )
    return fix


RULE = Rule(
    id=RULE_ID,
    scope="trail",
    metadata=METADATA,
    evaluate=evaluate_trail,
    fix_text=fix_text,
    lambda_parameter="TrailRuleLambdaArn",
)
