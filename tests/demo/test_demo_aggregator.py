"""The demo's aggregator step on the sandbox organization (moto in-process): the aggregator
leaves one of the three accounts out of its sources, so the population is INCOMPLETE and the
report is not a pass, whatever its findings say."""

from __future__ import annotations

import io
from typing import Any

import boto3
import pytest
from moto import mock_aws

from trailguard.demo import REGIONS, Sandbox
from trailguard.demo.aggregator import AGGREGATOR, aggregator_step
from trailguard.reporting.scope import Place

TRAIL_RULE = "cloudtrail-sns-data-events-enabled"
ACCOUNT_RULE = "cloudtrail-sns-data-events-account-coverage"


@pytest.mark.slow  # the rules run in every account and region (about 10 s)
def test_an_account_missing_from_the_aggregator_makes_the_report_incomplete(
    sandbox: tuple[Sandbox, io.StringIO],
) -> None:
    built, out = sandbox
    report = aggregator_step(built)
    accounts = list(built.account_ids.values())
    left_out = accounts[-1]
    assert report.population is not None
    missing = (
        f"not in the sources of the aggregator {AGGREGATOR}: it does not collect from this "
        "account and region"
    )
    places = {(p.account, p.region): (p.state, p.why) for p in report.population.places}
    # Every active account of the organization times every region of the aggregator.
    assert sorted(places) == sorted((a, r) for a in accounts for r in REGIONS)
    # Only the left-out account has no result: the per-trail rule's having none where no trail
    # of the account is homed is expected (the account rule has judged those places).
    assert places == {
        **{(a, r): ("evaluated", "") for a in accounts[:-1] for r in REGIONS},
        **{(left_out, r): ("no result", missing) for r in REGIONS},
    }
    assert not report.population.complete
    assert not report.complete
    assert not report.all_clear
    # The left-out account's places are NOT_EVALUATED entries too, and only those with
    # concrete places are: entries and population agree.
    not_evaluated = {(e.account_id, e.region) for e in report.not_evaluated()}
    assert not_evaluated == {(p.account, p.region) for p in report.population.missing()}
    text = out.getvalue()
    assert f"The aggregator {AGGREGATOR} collects from every account but {left_out}:" in text
    assert f"  {report.population.statement()}\n" in text
    for region in REGIONS:
        assert f"  {left_out} {region}: {missing}\n" in text
    assert "the report is not a pass (exit 1): an incomplete population never is." in text


class FakeSandbox:
    """What the step reads of a sandbox: its accounts, the management account's session (a
    moto organization of three accounts) and ``run_rules`` (here: each account's rules give a
    compliant result in each of the demo's regions of the moment)."""

    def __init__(self, out: io.StringIO) -> None:
        self.out = out
        management = boto3.Session(region_name="us-east-1")
        organizations = management.client("organizations")
        organizations.create_organization(FeatureSet="ALL")
        me = management.client("sts").get_caller_identity()["Account"]
        self.account_ids = {"management": me}
        for name in ("payments", "analytics"):
            created = organizations.create_account(Email=f"{name}@example.com", AccountName=name)
            self.account_ids[name] = created["CreateAccountStatus"]["AccountId"]
        self.sessions = {"management": management}

    def say(self, text: str = "") -> None:
        self.out.write(text + "\n")

    def run_rules(self) -> list[dict[str, Any]]:
        import trailguard.demo as demo

        found = []
        for account in self.account_ids.values():
            for _ in demo.REGIONS:
                found.append({"rule": ACCOUNT_RULE, "accountId": account,
                              "ComplianceResourceType": "AWS::::Account",
                              "ComplianceResourceId": account, "ComplianceType": "COMPLIANT",
                              "Annotation": "Trail org-trail (us-east-1) logs it"})  # fmt: skip
                found.append({"rule": TRAIL_RULE, "accountId": account,
                              "ComplianceResourceType": "AWS::CloudTrail::Trail",
                              "ComplianceResourceId": "main", "ComplianceType": "COMPLIANT",
                              "Annotation": "Every Publish is logged"})  # fmt: skip
        return found


def test_the_step_on_a_fully_compliant_organization_is_still_incomplete() -> None:
    """Every result compliant, and still not a pass: the third account is not collected."""
    out = io.StringIO()
    with mock_aws():
        fake = FakeSandbox(out)
        report = aggregator_step(fake)
    accounts = list(fake.account_ids.values())
    missing = (
        f"not in the sources of the aggregator {AGGREGATOR}: it does not collect from this "
        "account and region"
    )
    assert report.population is not None
    assert report.population.places == tuple(sorted(
        [Place(a, r, "evaluated") for a in accounts[:2] for r in REGIONS]
        + [Place(accounts[2], r, "no result", missing) for r in REGIONS]
    ))  # fmt: skip
    assert {e.compliance for e in report.evaluated()} == {"COMPLIANT"}
    assert not report.non_compliant and not report.all_clear
    assert [(e.account_id, e.region, e.annotation) for e in report.not_evaluated()] == [
        (accounts[2], r, missing) for r in sorted(REGIONS)
    ]
    lines = out.getvalue().splitlines()
    assert lines == [
        f"The aggregator {AGGREGATOR} collects from every account but {accounts[2]}:",
        f"  INCOMPLETE: 6 of 9 account-region(s) evaluated, 3 with no result (AWS "
        f"Organizations: 3 active account(s), aggregator {AGGREGATOR}, 3 region(s))",
        *(f"  {accounts[2]} {r}: {missing}" for r in sorted(REGIONS)),
        "  2 rules; the report is not a pass (exit 1): an incomplete population never is.",
    ]
