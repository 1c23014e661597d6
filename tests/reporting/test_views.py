"""``reporting.views``: exemptions applied to a report and the findings shown filtered by
status, compared as whole entry lists; the run's verdict (``all_clear``) before and after."""

from __future__ import annotations

import dataclasses

from selector_data import ACCOUNT_RULE, TRAIL_RULE

from trailguard.reporting.model import Report, ReportEntry, not_evaluated_entry
from trailguard.reporting.scope import Exemption, Place, Population, ReportScope
from trailguard.reporting.views import exempted, filter_note, filtered, scan_population

A, B = "111122223333", "444455556666"
TRAIL = "AWS::CloudTrail::Trail"


def entry(rule: str, account: str, region: str, compliance: str, name: str = "t") -> ReportEntry:
    return ReportEntry(rule, account, region, TRAIL, name, None, compliance, f"{compliance} {name}")


FAIL_A = entry(TRAIL_RULE, A, "ap-east-1", "NON_COMPLIANT", "closed")
FAIL_B = entry(TRAIL_RULE, B, "eu-west-1", "NON_COMPLIANT", "other")
PASS_A = entry(ACCOUNT_RULE, A, "ap-east-1", "COMPLIANT")
SKIP_B = entry(TRAIL_RULE, B, "eu-west-1", "NOT_APPLICABLE", "shadow")
MISSING = not_evaluated_entry("DescribeTrails failed: AccessDenied", account=A, region="ap-east-1")
WHEN = "2026-12-03T07:00:00Z"
SCP = Exemption(A, "ap-east-1", "region closed by SCP p-1234")


def report(*entries: ReportEntry) -> Report:
    return Report("t", WHEN, "test", entries, scope=ReportScope(generated_at=WHEN))


def marked(e: ReportEntry, reason: str) -> ReportEntry:
    return dataclasses.replace(e, exemption=reason, evaluated_at=WHEN)


def timed(e: ReportEntry) -> ReportEntry:
    return dataclasses.replace(e, evaluated_at=WHEN)


def test_exemption_marks_what_it_matches_and_a_missing_result_only_in_its_region() -> None:
    before = report(FAIL_A, PASS_A, FAIL_B, MISSING)
    after = exempted(before, (SCP,))
    assert after.entries == (
        marked(MISSING, SCP.reason),
        marked(FAIL_A, SCP.reason),
        timed(FAIL_B),
        marked(PASS_A, SCP.reason),
    )
    assert (before.all_clear, after.all_clear) == (False, False)  # FAIL_B
    # An exemption of every region accepts verdicts, never a missing result.
    everywhere = Exemption(A, "*", "accepted")
    assert exempted(before, (everywhere,)).entries[0] == timed(MISSING)
    # What has no result in every account or region is never exempted.
    nothing = not_evaluated_entry("no account to scan")
    assert exempted(report(nothing), (Exemption("*", "*", "x"),)).entries == (timed(nothing),)


def test_exemption_of_the_only_failure_clears_the_report() -> None:
    only = report(FAIL_A, PASS_A)
    assert (only.all_clear, exempted(only, (SCP,)).all_clear) == (False, True)
    rule_only = Exemption("*", "*", "accepted", rule=ACCOUNT_RULE)
    assert exempted(only, (rule_only,)).entries == (timed(FAIL_A), marked(PASS_A, "accepted"))
    with_missing = report(FAIL_A, MISSING)
    assert exempted(with_missing, (SCP,)).all_clear is True  # the SCP's region, exempted
    assert exempted(with_missing, (Exemption(A, "*", "r"),)).all_clear is False


def test_filter_keeps_what_has_no_result_and_says_so() -> None:
    whole = report(FAIL_A, PASS_A, FAIL_B, SKIP_B, MISSING)
    shown = filtered(whole, ("PASS",))
    assert shown.entries == (timed(MISSING), timed(PASS_A))
    assert shown.statements() == whole.statements()
    assert shown.scope == ReportScope(generated_at=WHEN, status_filter=("PASS",))
    assert shown.source == "test; findings shown: PASS only (what has no result is always shown)"
    assert filtered(whole, ("FAIL", "NOT_APPLICABLE")).entries == (
        timed(MISSING), timed(FAIL_A), timed(FAIL_B), timed(SKIP_B)
    )  # fmt: skip


def test_filter_of_everything_or_nothing_is_the_report() -> None:
    whole = report(FAIL_A, PASS_A)
    assert filtered(whole, ()) is whole
    assert filtered(whole, ("PASS", "FAIL", "NOT_APPLICABLE", "NOT_EVALUATED")) is whole


def test_filter_hiding_every_finding_shows_none_not_a_made_up_failure() -> None:
    shown = filtered(report(PASS_A), ("FAIL",))
    assert (shown.entries, shown.not_evaluated()) == ((), ())
    assert (
        filter_note(("FAIL",)) == "findings shown: FAIL only (what has no result is always shown)"
    )


def test_scan_population_places_each_account_and_region_asked() -> None:
    """Each account asked times each region asked: no result where a NOT_EVALUATED finding
    covers it (its own, or one of every region), exempted where an exemption was applied to
    every such finding, evaluated elsewhere."""
    every_region = not_evaluated_entry("cannot assume the role", account=B)
    whole = exempted(report(FAIL_A, PASS_A, MISSING, every_region), (SCP,))
    population = scan_population(whole, [A, B], ["ap-east-1", "eu-west-1"], "asked")
    assert population == Population(
        "asked",
        (
            Place(A, "ap-east-1", "exempted", SCP.reason),
            Place(A, "eu-west-1", "evaluated"),
            Place(B, "ap-east-1", "no result", f"account {B}: cannot assume the role"),
            Place(B, "eu-west-1", "no result", f"account {B}: cannot assume the role"),
        ),
    )
    assert not population.complete
    assert population.statement() == (
        "INCOMPLETE: 1 of 4 account-region(s) evaluated, 1 exempted, 2 with no result (asked)"
    )
