"""cfn-lint benchmark: the time to lint a template of 200 trails with cfn-lint and the
trailguard plugin, against cfn-lint alone, and ``trailguard iac`` on the same template.

Prints figures; asserts nothing. The trails cycle through shapes the rules judge differently:
compliant, publish-only, management-only, a condition on the SNS selector, an ``Fn::Sub``
prefix, basic selectors. Each figure is the median of several runs in a fresh process.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

TRAILS = 200
RUNS = 3
CFN_LINT = "import sys; from cfnlint.runner import main; sys.exit(main())"
DATA = {"Field": "eventCategory", "Equals": ["Data"]}
SNS = {"Field": "resources.type", "Equals": ["AWS::SNS::Topic"]}


def _selectors(i: int) -> dict[str, Any]:
    shape = i % 6
    if shape == 0:
        return {"AdvancedEventSelectors": [{"Name": "sns", "FieldSelectors": [DATA, SNS]}]}
    if shape == 1:
        publish = {"Field": "eventName", "Equals": ["Publish"]}
        return {"AdvancedEventSelectors": [{"FieldSelectors": [DATA, SNS, publish]}]}
    if shape == 2:
        return {}
    if shape == 3:
        sns = {"Name": "sns", "FieldSelectors": [DATA, SNS]}
        management = {"FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}]}
        return {
            "AdvancedEventSelectors": [
                management,
                {"Fn::If": ["IsProduction", sns, {"Ref": "AWS::NoValue"}]},
            ]
        }
    if shape == 4:
        prefix = {"Fn::Sub": "arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:app-"}
        arn = {"Field": "resources.ARN", "StartsWith": [prefix]}
        return {"AdvancedEventSelectors": [{"FieldSelectors": [DATA, SNS, arn]}]}
    s3 = {"Type": "AWS::S3::Object", "Values": ["arn:aws:s3"]}
    return {"EventSelectors": [{"ReadWriteType": "All", "DataResources": [s3]}]}


def template() -> dict[str, Any]:
    resources: dict[str, Any] = {"LogBucket": {"Type": "AWS::S3::Bucket"}}
    for i in range(TRAILS):
        properties = {"IsLogging": True, "S3BucketName": {"Ref": "LogBucket"}, **_selectors(i)}
        resources[f"Trail{i:03d}"] = {"Type": "AWS::CloudTrail::Trail", "Properties": properties}
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Parameters": {"Stage": {"Type": "String", "Default": "dev"}},
        "Conditions": {"IsProduction": {"Fn::Equals": [{"Ref": "Stage"}, "prod"]}},
        "Resources": resources,
    }


def seconds(argv: list[str]) -> float:
    samples = []
    for _ in range(RUNS):
        start = time.perf_counter()
        subprocess.run(argv, capture_output=True, check=False)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "trails.json"
        path.write_text(json.dumps(template()), encoding="utf-8")
        alone = seconds([sys.executable, "-c", CFN_LINT, str(path)])
        plugin = seconds(
            [sys.executable, "-c", CFN_LINT, str(path), "-a", "trailguard.cfnlint", "-c", "ITG"]
        )
        iac = seconds([sys.executable, "-m", "trailguard", "iac", str(path), "--output", "sarif"])
    print(
        f"cfn-lint -a trailguard.cfnlint on a {TRAILS}-trail template: {plugin:.2f} s "
        f"(cfn-lint alone {alone:.2f} s, so the plugin adds {plugin - alone:.2f} s; "
        f"median of {RUNS}, fresh process each)"
    )
    print(f"trailguard iac on the same template (SARIF): {iac:.2f} s (median of {RUNS})")


if __name__ == "__main__":
    main()
