"""The detection resources of the regional templates (``account.yaml``, ``org-member.yaml``):
an EventBridge rule on CloudTrail's own trail changes, and the function it invokes, which
starts an evaluation of the pack's rules (``trailguard.aws.detect``).

EventBridge rules work only in the region where they are created (EventBridge user guide,
"Tutorial: Create an Amazon EventBridge rule for AWS CloudTrail API calls"), and CloudTrail
delivers a call's event in the region of the call, so every region of every account gets its
own rule and function: the regional stacks. The function's role is in the global templates
(IAM names are per account).

The function's code is the module itself, inline (CloudFormation ``Code.ZipFile``, which
CloudFormation writes to ``index.py``): no artifact bucket is needed in member accounts, and
the build keeps one source of truth. CloudFormation's reference limited inline code to 4,096
characters until 2022; the build keeps that bound, so the templates deploy under either.
"""

from __future__ import annotations

from typing import Any

from trailguard.artifacts.bundle import BuildError, flatten
from trailguard.artifacts.iam import DETECT_FUNCTION, role_arn
from trailguard.aws.detect import EVENT_PATTERN, EVENT_RULE, RULE_IDS_VARIABLE
from trailguard.rules.registry import rule_ids

DETECT_MODULE = "trailguard.aws.detect"
INLINE_LIMIT = 4096  # AWS::Lambda::Function Code.ZipFile, as long documented
ROLE_NAME_PARAMETER = "DetectFunctionRoleName"  # of the templates; the role is in -global ones


def detect_code() -> str:
    """The detection function's inline code, from the module (docstrings and annotations
    stripped); BuildError when it outgrows what CloudFormation accepts inline."""
    code, _ = flatten((DETECT_MODULE,))
    if len(code) > INLINE_LIMIT:
        raise BuildError(
            f"{DETECT_MODULE} is {len(code)} characters once bundled; CloudFormation takes at "
            f"most {INLINE_LIMIT} inline (Code.ZipFile)"
        )
    return code


def detect_resources() -> dict[str, Any]:
    """The rule, the function (run as the role the template names by its parameter
    ``DetectFunctionRoleName``) and the permission to invoke it, for that rule alone."""
    function_arn = {"Fn::GetAtt": ["DetectFunction", "Arn"]}
    return {
        "DetectFunction": {
            "Type": "AWS::Lambda::Function",
            "Properties": {
                "FunctionName": DETECT_FUNCTION,
                "Description": "Starts an evaluation of the trailguard Config rules when a "
                "CloudTrail trail is created, changed, stopped, started or deleted.",
                "Runtime": "python3.11",
                "Handler": "index.lambda_handler",
                "Role": role_arn(ROLE_NAME_PARAMETER),
                "Timeout": 60,
                "MemorySize": 128,
                "Environment": {"Variables": {RULE_IDS_VARIABLE: ",".join(rule_ids())}},
                "Code": {"ZipFile": detect_code()},
            },
        },
        "DetectRule": {
            "Type": "AWS::Events::Rule",
            "Properties": {
                "Name": EVENT_RULE,
                "Description": "CloudTrail trail changes (trailguard): start an evaluation of "
                "the pack's Config rules instead of waiting for the periodic run.",
                "EventPattern": EVENT_PATTERN,
                "State": "ENABLED",
                "Targets": [{"Arn": function_arn, "Id": "trailguard-detect"}],
            },
        },
        "DetectPermission": {
            "Type": "AWS::Lambda::Permission",
            "Properties": {
                "FunctionName": function_arn,
                "Action": "lambda:InvokeFunction",
                "Principal": "events.amazonaws.com",
                "SourceArn": {"Fn::GetAtt": ["DetectRule", "Arn"]},
            },
        },
    }
