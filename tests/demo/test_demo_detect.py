"""The demo's detection step on the sandbox organization (moto in-process here; the end-to-end
demo test runs it on the moto server): a compliant trail narrowed after the scan gets its new
NON_COMPLIANT verdict through the EventBridge path, and the output says which steps AWS does
and which the sandbox does in their place."""

from __future__ import annotations

import io
from typing import Any

import pytest

import trailguard.demo.detect
from trailguard.demo import HOME, Sandbox
from trailguard.demo.detect import detection_step

EXPECTED = """
7. Detection within minutes: security-audit (123456789012, us-east-1) narrowed after the scan
   [AWS] = what AWS does; [sandbox] = what the sandbox does in its place
   [sandbox] deploy's pieces put here: the pack's Config rules (*-conformance-pack-demo0001), \
the EventBridge rule trailguard-trail-changes
   [you] PutEventSelectors on security-audit: SNS logging narrowed to eventName = Publish \
(PublishBatch now unlogged)
   [AWS] CloudTrail sends the call to EventBridge as "AWS API Call via CloudTrail"; [sandbox] \
builds that event from the call
   [AWS] EventBridge matches it against trailguard-trail-changes; [sandbox] no \
TestEventPattern here, trailguard's pattern matcher says: matched
   [AWS] EventBridge invokes trailguard-detect; [sandbox] runs its code here, which logs: \
{"event": "PutEventSelectors", "left_to_periodic_run": [], "started": \
["cloudtrail-sns-data-events-account-coverage-conformance-pack-demo0001", \
"cloudtrail-sns-data-events-enabled-conformance-pack-demo0001"], "trail": "security-audit"}
   [AWS] Config starts the evaluation and invokes the rules' Lambdas; [sandbox] records \
StartConfigRulesEvaluation (not implemented here) and runs the started rules as in step 1:
     cloudtrail-sns-data-events-account-coverage  123456789012       NON_COMPLIANT  No \
logging trail that applies to us-east-1 records SNS data events. org-trail: Publish and
     cloudtrail-sns-data-events-enabled           org-trail          NON_COMPLIANT  Publish \
and PublishBatch on AWS::SNS::Topic are not logged: the trail uses basic event sel
     cloudtrail-sns-data-events-enabled           security-audit     NON_COMPLIANT  \
PublishBatch on AWS::SNS::Topic is not logged: selector 'SNS topics' limits eventName to [
   Without this path AWS Config sees the change only at its next periodic run (24 hours by \
default); that run remains the backstop.
"""


def test_a_narrowed_trail_is_found_non_compliant_through_the_eventbridge_path(
    sandbox: tuple[Sandbox, io.StringIO],
) -> None:
    built, out = sandbox
    assert detection_step(built, HOME) is True
    assert out.getvalue() == EXPECTED


@pytest.mark.slow  # a second sandbox build; the end-to-end demo test rests on the same check
def test_the_step_fails_when_the_verdict_does_not_change(
    sandbox: tuple[Sandbox, io.StringIO], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The demo's exit code rests on this check: selectors put back unchanged stay
    COMPLIANT, and the step says it did not hold."""
    built, out = sandbox

    def unchanged(selectors: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return selectors

    monkeypatch.setattr(trailguard.demo.detect, "narrowed", unchanged)
    assert detection_step(built, HOME) is False
    assert "security-audit     COMPLIANT" in out.getvalue()
