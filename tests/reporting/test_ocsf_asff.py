"""``--output ocsf`` and ``--output asff``: each finding compared whole, every one validated
(OCSF: py-ocsf-models' Compliance Finding and Cloud models; ASFF: botocore's AwsSecurityFinding
shape, walked by tests/support/asff_shape.py)."""

from __future__ import annotations

import json
from typing import Any

from asff_shape import asff_problems
from findings import expected_controls, expected_id
from py_ocsf_models.events.findings.compliance_finding import ComplianceFinding
from py_ocsf_models.objects.cloud import Cloud
from selector_data import RULE_RISK

from trailguard import __version__
from trailguard.reporting.model import Report, ReportEntry, not_evaluated_entry
from trailguard.reporting.render import render

A = "111122223333"
TRAIL_RULE = "cloudtrail-sns-data-events-enabled"
ACCOUNT_RULE = "cloudtrail-sns-data-events-account-coverage"
ARN = f"arn:aws-us-gov:cloudtrail:us-gov-west-1:{A}:trail/publish-only"
FIX = "trailguard remediate --trail publish-only"
FAILING = ReportEntry(
    TRAIL_RULE, A, "us-gov-west-1", "AWS::CloudTrail::Trail", "publish-only", ARN,
    "NON_COMPLIANT", "PublishBatch on AWS::SNS::Topic is not logged", fix=FIX,
    severity="MEDIUM", risk=RULE_RISK[TRAIL_RULE], evaluated_at="2024-05-02T03:04:05Z",
)  # fmt: skip
PASSING = ReportEntry(
    ACCOUNT_RULE, A, "us-gov-west-1", "AWS::::Account", A, None, "COMPLIANT",
    "Trail publish-all (us-gov-west-1) logs it", severity="HIGH",
)  # fmt: skip
NOTHING = not_evaluated_entry("cannot list the accounts: AccessDenied")
REPORT = Report("t", "2024-05-02T04:00:00Z", "a scan", (FAILING, PASSING, NOTHING))
WHEN_MS = 1714619045000  # 2024-05-02T03:04:05Z
REPORT_MS = 1714622400000  # 2024-05-02T04:00:00Z
TITLE = "CloudTrail trails record Amazon SNS data events"


def _requirements(rule: str) -> list[str]:
    return [f"{c['framework']} {c['control']}" for c in expected_controls(rule)]


def _standards(rule: str) -> list[str]:
    return list(dict.fromkeys(c["framework"] for c in expected_controls(rule)))


def test_ocsf_failing_finding_whole_and_every_event_valid() -> None:
    events = json.loads(render(REPORT, "ocsf"))
    assert [e["compliance"]["status"] for e in events] == ["Unknown", "Fail", "Pass"]
    for item in events:
        validated = ComplianceFinding.model_validate(item)
        Cloud.model_validate(item["cloud"])
        # Nothing the model knows was dropped or changed by validation.
        shown = validated.model_dump(mode="json", exclude_none=True)
        for key in ("category_uid", "class_uid", "type_uid", "activity_id", "severity_id", "time"):
            assert shown[key] == item[key]
        assert shown["finding_info"] == item["finding_info"]
    assert events[1] == {
        "activity_id": 1, "activity_name": "Create",
        "category_uid": 2, "category_name": "Findings",
        "class_uid": 2003, "class_name": "Compliance Finding",
        "type_uid": 200301, "type_name": "Compliance Finding: Create",
        "time": WHEN_MS, "severity_id": 3, "severity": "Medium",
        "status_id": 1, "status": "New",
        "message": FAILING.annotation,
        "metadata": {
            "version": "1.5.0",
            "product": {"name": "trailguard", "vendor_name": "trailguard", "version": __version__},
            "profiles": ["cloud"], "event_code": TRAIL_RULE,
        },
        "finding_info": {
            "uid": expected_id(TRAIL_RULE, A, "us-gov-west-1", "AWS::CloudTrail::Trail",
                               "publish-only"),
            "title": TITLE, "desc": FAILING.annotation, "created_time": WHEN_MS,
        },
        "compliance": {
            "control": TRAIL_RULE, "status": "Fail", "status_id": 3, "desc": FAILING.annotation,
            "standards": _standards(TRAIL_RULE), "requirements": _requirements(TRAIL_RULE),
        },
        "resources": [{"uid": ARN, "name": "publish-only", "type": "AWS::CloudTrail::Trail",
                       "region": "us-gov-west-1"}],
        "cloud": {"provider": "AWS", "region": "us-gov-west-1",
                  "account": {"uid": A, "name": A, "type_id": 10,
                              "type": "AWS Account"}},
        "unmapped": {"config_compliance": "NON_COMPLIANT"},
        "remediation": {"desc": FIX},
    }  # fmt: skip
    # A pass is informational, and so is what has no result (nothing failed); it has no
    # account or region to name, and is shown at the report's time.
    assert (events[2]["severity_id"], events[2]["time"]) == (1, REPORT_MS)
    assert events[0]["cloud"] == {"provider": "AWS"}
    assert (events[0]["severity_id"], events[0]["time"]) == (1, REPORT_MS)


def test_asff_failing_finding_whole_and_every_finding_valid() -> None:
    findings: list[dict[str, Any]] = json.loads(render(REPORT, "asff"))
    assert asff_problems(findings) == []
    assert [f["Compliance"]["Status"] for f in findings] == ["NOT_AVAILABLE", "FAILED", "PASSED"]
    assert findings[1] == {
        "SchemaVersion": "2018-10-08",
        "Id": expected_id(TRAIL_RULE, A, "us-gov-west-1", "AWS::CloudTrail::Trail",
                          "publish-only"),
        "ProductArn": f"arn:aws-us-gov:securityhub:us-gov-west-1:{A}:product/{A}/default",
        "ProductName": "trailguard", "CompanyName": "trailguard",
        "GeneratorId": f"trailguard/{TRAIL_RULE}",
        "AwsAccountId": A, "Region": "us-gov-west-1",
        "Types": ["Software and Configuration Checks/Industry and Regulatory Standards"],
        "CreatedAt": "2024-05-02T03:04:05Z", "UpdatedAt": "2024-05-02T03:04:05Z",
        "Severity": {"Label": "MEDIUM", "Original": "MEDIUM"},
        "Title": TITLE, "Description": FAILING.annotation,
        "Resources": [{"Type": "AwsCloudTrailTrail", "Id": ARN, "Partition": "aws-us-gov",
                       "Region": "us-gov-west-1"}],
        "Compliance": {"Status": "FAILED", "RelatedRequirements": _requirements(TRAIL_RULE)},
        "ProductFields": {"trailguard/Rule": TRAIL_RULE,
                          "trailguard/ConfigCompliance": "NON_COMPLIANT",
                          "trailguard/Status": "FAIL"},
        "RecordState": "ACTIVE",
        "Remediation": {"Recommendation": {"Text": FIX}},
    }  # fmt: skip
    passing = findings[2]
    assert (passing["Severity"], passing["Resources"]) == (
        {"Label": "INFORMATIONAL", "Original": "HIGH"},
        [{"Type": "AwsAccount", "Id": f"AWS::::Account:{A}", "Partition": "aws",
          "Region": "us-gov-west-1"}],
    )  # fmt: skip


def test_asff_long_text_is_cut_to_the_documented_limits() -> None:
    long = ReportEntry(
        TRAIL_RULE, A, "us-east-1", "AWS::CloudTrail::Trail", "t", None, "NON_COMPLIANT",
        "x" * 3000, fix="y" * 600, severity="MEDIUM",
    )  # fmt: skip
    [found] = json.loads(render(Report("t", "2024-05-02T04:00:00Z", "s", (long,)), "asff"))
    assert asff_problems([found]) == []
    assert found["Description"] == "x" * 1023 + "…"
    assert found["Remediation"]["Recommendation"]["Text"] == "y" * 511 + "…"


def test_the_asff_validator_finds_what_is_wrong() -> None:
    [good] = json.loads(render(Report("t", "2024-05-02T04:00:00Z", "s", (FAILING,)), "asff"))
    bad = {**good, "Title": "t" * 257, "Severity": {"Label": "SEVERE"}, "Extra": 1}
    del bad["GeneratorId"]
    bad["Compliance"] = {"Status": "FAILED", "RelatedRequirements": ["r"] * 33}
    assert asff_problems([bad]) == [
        "batch 0.Findings[0].GeneratorId: required",
        "batch 0.Findings[0].Severity.Label: 'SEVERE' not one of "
        "['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL']",
        "batch 0.Findings[0].Title: size 257 over 256",
        "batch 0.Findings[0].Compliance.RelatedRequirements: size 33 over 32",
        "batch 0.Findings[0].Extra: not a member of AwsSecurityFinding",
    ]


def test_the_published_schema_names_every_field_of_a_finding() -> None:
    from findings import SCHEMA_PATH

    from trailguard.reporting.model import FIELDS

    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert schema["required"] == list(FIELDS)
    assert list(schema["properties"]) == list(FIELDS)
    assert schema["additionalProperties"] is False
