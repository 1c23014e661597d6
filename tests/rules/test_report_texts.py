"""What a report says beyond what AWS Config gets: the whole annotation (Config's is cut to 256
characters), and the coverage fix that names the trail to change."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from trailguard.aws.runtime import _evaluation
from trailguard.core.verdict import ANNOTATION_LIMIT, cut
from trailguard.reporting.model import entry_from_finding, fix_for
from trailguard.rules.facts import TrailFacts
from trailguard.rules.parameters import rule_parameters
from trailguard.rules.sns_data_events_account_coverage import create_fix, evaluate_account
from trailguard.rules.sns_data_events_enabled import evaluate_trail

ACCOUNT, OTHER = "111122223333", "999988887777"
REGION = "eu-west-1"
PARAMS = rule_parameters(None)
DOC = "TrailGuard-EnableSnsDataEvents"


def selectors(name: str, events: list[str] | None) -> dict[str, Any]:
    """One advanced selector on SNS topics, limited to ``events`` (None: every event)."""
    fields = [
        {"Field": "eventCategory", "Equals": ["Data"]},
        {"Field": "resources.type", "Equals": ["AWS::SNS::Topic"]},
    ]
    if events is not None:
        fields.append({"Field": "eventName", "Equals": events})
    selector = {"Name": name, "FieldSelectors": fields}
    return {"AdvancedEventSelectors": [selector], "EventSelectors": []}


def trail(
    name: str,
    home: str = REGION,
    *,
    multi: bool = False,
    logging: bool = True,
    owner: str = ACCOUNT,
    org: bool = False,
    events: list[str] | None = ["Publish"],  # noqa: B006 (read only)
) -> TrailFacts:
    return TrailFacts(
        name=name,
        arn=f"arn:aws:cloudtrail:{home}:{owner}:trail/{name}",
        home_region=home,
        is_multi_region=multi,
        is_organization=org,
        selectors=selectors(f"{name} selector", events),
        is_logging=logging,
        read_by="" if owner == ACCOUNT else "the management account",
    )


def named(t: TrailFacts, kind: str, start: bool = False, org_of: str | None = None) -> str:
    """The fix that names trail ``t``, written out from the rule's documented text."""
    home = t.home_region
    steps = [f"start it: aws cloudtrail start-logging --name {t.arn} --region {home}"] * start
    steps.append(
        f"make it record SNS data events: trailguard remediate --trail {t.arn} --region {home} "
        f"(or aws ssm start-automation-execution --document-name {DOC} --parameters "
        f"TrailName={t.arn},AutomationAssumeRole=ROLE_ARN --region {home})"
    )
    text = f"change trail {t.arn} ({kind}): " + "; then ".join(steps)
    if org_of:
        text += (
            f"; an organization trail of account {org_of}: run it from the management account "
            "or a delegated administrator"
        )
    return text


def coverage_fix_of(trails: list[TrailFacts]) -> str | None:
    finding = evaluate_account(ACCOUNT, REGION, trails, PARAMS)
    assert finding.compliance == "NON_COMPLIANT"
    fix = fix_for(finding, None)  # as the scan asks it: no trail's facts for an account
    assert entry_from_finding(finding, None).fix == fix
    return fix


def test_no_trail_applies_says_to_create_one() -> None:
    elsewhere = trail("us-only", "us-east-1")  # single-region elsewhere: does not apply
    assert coverage_fix_of([elsewhere]) == create_fix(REGION)
    assert create_fix(REGION) == (
        f"no trail applies to {REGION}: create a multi-region trail (aws cloudtrail "
        f"create-trail --name NAME --s3-bucket-name BUCKET --is-multi-region-trail --region "
        f"{REGION}; aws cloudtrail start-logging --name NAME --region {REGION}), then make it "
        f"record SNS data events: trailguard remediate --trail NAME --region {REGION}"
    )


def test_the_only_applicable_trail_is_named() -> None:
    only = trail("regional")
    assert coverage_fix_of([only]) == named(only, f"single-region, {REGION}")


def test_the_closest_of_several_is_named() -> None:
    multi = trail("everywhere", "us-east-1", multi=True)
    regional = trail("regional")
    stopped = trail("stopped-multi", "us-east-1", multi=True, logging=False)
    org = trail("org", "us-east-1", multi=True, owner=OTHER, org=True)
    # The account's own logging multi-region trail, whatever the order given.
    assert coverage_fix_of([org, stopped, regional, multi]) == named(multi, "multi-region")
    # Without it, a logging single-region trail before a stopped one.
    assert coverage_fix_of([org, stopped, regional]) == named(regional, f"single-region, {REGION}")
    # A stopped trail is started first.
    assert coverage_fix_of([org, stopped]) == named(stopped, "multi-region", start=True)
    # Another account's organization trail only: from its management account.
    assert coverage_fix_of([org]) == named(org, "multi-region", org_of=OTHER)


def test_a_covered_region_has_no_fix() -> None:
    finding = evaluate_account(ACCOUNT, REGION, [trail("all", events=None)], PARAMS)
    assert (finding.compliance, finding.fix_trail, fix_for(finding, None)) == (
        "COMPLIANT", None, None,
    )  # fmt: skip


def test_report_has_the_whole_annotation_config_the_cut_one() -> None:
    long_name = "a selector with a long name " * 12
    facts = trail("regional", events=["Publish"])
    facts = TrailFacts(**{**_fields(facts), "selectors": selectors(long_name, ["Publish"])})
    finding = evaluate_trail(facts, PARAMS, REGION, ACCOUNT)
    whole = (
        f"PublishBatch on AWS::SNS::Topic is not logged: selector '{long_name}' limits "
        "eventName to [Publish]"
    )
    assert finding.text == whole and len(whole) > ANNOTATION_LIMIT
    assert finding.annotation == cut(whole) and len(finding.annotation) == ANNOTATION_LIMIT
    # AWS Config gets the cut text; the report the whole one.
    when = datetime(2024, 5, 1, tzinfo=UTC)
    assert _evaluation(finding, when)["Annotation"] == cut(whole)
    assert entry_from_finding(finding, facts).annotation == whole
    # The account rule too: it quotes the trail's whole verdict.
    account = evaluate_account(ACCOUNT, REGION, [facts], PARAMS)
    assert account.text == (
        f"No logging trail that applies to {REGION} records SNS data events. regional: {whole}"
    )
    assert account.annotation == cut(account.text)


def _fields(facts: TrailFacts) -> dict[str, Any]:
    return {name: getattr(facts, name) for name in TrailFacts.__dataclass_fields__}
