"""trailguard deploy: the calls it makes, in order, for an account and for an organization."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import boto3
from botocore.stub import Stubber

from trailguard.aws.deploy import Deployer, DeployOptions
from trailguard.cli import main

ROOT = Path(__file__).resolve().parents[2]
ENABLED = "cloudtrail-sns-data-events-enabled"
COVERAGE = "cloudtrail-sns-data-events-account-coverage"


def _dry_run(*argv: str) -> tuple[int, list[dict[str, Any]], str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["deploy", "--dry-run", "--root", str(ROOT), *argv], stdout=out, stderr=err)
    return code, (json.loads(out.getvalue()) if out.getvalue() else []), err.getvalue()


def _size(relative: str) -> str:
    return f"<{len((ROOT / relative).read_bytes())} bytes>"


def _put(bucket: str, region: str, relative: str) -> dict[str, Any]:
    return {
        "service": "s3",
        "operation": "PutObject",
        "region": region,
        "params": {"Bucket": bucket, "Key": f"trailguard/{relative}", "Body": _size(relative)},
    }


def test_account_dry_run_lists_every_call() -> None:
    code, calls, err = _dry_run("--bucket", "artifacts-{region}", "--regions", "eu-west-1")
    assert (code, err) == (0, "")
    bucket = "artifacts-eu-west-1"
    assert calls == [
        _put(bucket, "eu-west-1", f"deploy/lambda/{ENABLED}.zip"),
        _put(bucket, "eu-west-1", f"deploy/lambda/{COVERAGE}.zip"),
        _put(bucket, "eu-west-1", "deploy/account.yaml"),
        {
            "service": "cloudformation",
            "operation": "CreateOrUpdateStack",
            "region": "eu-west-1",
            "params": {
                "StackName": "trailguard",
                "TemplateURL": f"https://{bucket}.s3.eu-west-1.amazonaws.com/"
                "trailguard/deploy/account.yaml",
                "Parameters": [
                    {"ParameterKey": "CodeBucket", "ParameterValue": bucket},
                    {
                        "ParameterKey": "CloudtrailSnsDataEventsEnabledCodeKey",
                        "ParameterValue": f"trailguard/deploy/lambda/{ENABLED}.zip",
                    },
                    {
                        "ParameterKey": "CloudtrailSnsDataEventsAccountCoverageCodeKey",
                        "ParameterValue": f"trailguard/deploy/lambda/{COVERAGE}.zip",
                    },
                    {"ParameterKey": "AutomaticRemediation", "ParameterValue": "false"},
                ],
                "Capabilities": ["CAPABILITY_NAMED_IAM"],
            },
        },
    ]


def test_org_dry_run_lists_admin_stacks_then_the_stack_set() -> None:
    code, calls, err = _dry_run(
        "--org", "--bucket", "art-{region}", "--regions", "us-east-1,eu-west-1",
        "--organization-id", "o-abcdefghij", "--automatic-remediation", "--delegated-admin",
    )  # fmt: skip
    assert (code, err) == (0, "")
    assert [(c["region"], c["service"], c["operation"]) for c in calls] == [
        ("us-east-1", "s3", "PutObject"),
        ("us-east-1", "s3", "PutObject"),
        ("us-east-1", "s3", "PutObject"),
        ("us-east-1", "cloudformation", "CreateOrUpdateStack"),
        ("eu-west-1", "s3", "PutObject"),
        ("eu-west-1", "s3", "PutObject"),
        ("eu-west-1", "s3", "PutObject"),
        ("eu-west-1", "cloudformation", "CreateOrUpdateStack"),
        ("us-east-1", "s3", "PutObject"),
        ("us-east-1", "cloudformation", "CreateStackSet"),
        ("us-east-1", "cloudformation", "CreateStackInstances"),
        ("us-east-1", "cloudformation", "CreateStackInstances"),
    ]
    admin = calls[3]["params"]
    assert admin["StackName"] == "trailguard-org-admin"
    assert {"ParameterKey": "OrganizationId", "ParameterValue": "o-abcdefghij"} in admin[
        "Parameters"
    ]
    stack_set = calls[9]["params"]
    assert stack_set == {
        "StackSetName": "trailguard-member",
        "CallAs": "DELEGATED_ADMIN",
        "TemplateURL": "https://art-us-east-1.s3.us-east-1.amazonaws.com/"
        "trailguard/deploy/org-member.yaml",
        "Capabilities": ["CAPABILITY_NAMED_IAM"],
        "Parameters": [
            {
                "ParameterKey": "CentralRuleFunctionRoleArn",
                "ParameterValue": "<trailguard-org-admin output RuleFunctionRoleArn>",
            },
            {"ParameterKey": "AutomaticRemediation", "ParameterValue": "true"},
            {
                "ParameterKey": "TrailRuleLambdaArn",
                "ParameterValue": "<trailguard-org-admin output TrailRuleLambdaArn in us-east-1>",
            },
            {
                "ParameterKey": "AccountRuleLambdaArn",
                "ParameterValue": "<trailguard-org-admin output AccountRuleLambdaArn in us-east-1>",
            },
        ],
        "PermissionModel": "SERVICE_MANAGED",
        "AutoDeployment": {"Enabled": True, "RetainStacksOnAccountRemoval": False},
    }
    instances = calls[11]["params"]
    assert instances["Regions"] == ["eu-west-1"]
    assert instances["DeploymentTargets"] == {"OrganizationalUnitIds": ["<ListRoots: Roots[0].Id>"]}
    assert instances["ParameterOverrides"][0] == {
        "ParameterKey": "TrailRuleLambdaArn",
        "ParameterValue": "<trailguard-org-admin output TrailRuleLambdaArn in eu-west-1>",
    }


def test_bad_root_is_one_line() -> None:
    out, err = io.StringIO(), io.StringIO()
    code = main(
        [
            "deploy",
            "--dry-run",
            "--bucket",
            "b",
            "--regions",
            "us-east-1",
            "--root",
            "/nonexistent",
        ],
        stdout=out,
        stderr=err,
    )
    assert (code, out.getvalue(), err.getvalue()) == (
        2,
        "",
        "trailguard: error: /nonexistent is not a trailguard source checkout (no rules/ "
        "folder): run trailguard deploy in the checkout, or pass --root CHECKOUT\n",
    )


def test_account_deploy_creates_the_stack_and_waits() -> None:
    s3 = boto3.client("s3", region_name="us-east-1")
    cloudformation = boto3.client("cloudformation", region_name="us-east-1")
    with Stubber(s3) as s3_stub, Stubber(cloudformation) as cfn_stub:
        for relative in (f"deploy/lambda/{ENABLED}.zip", f"deploy/lambda/{COVERAGE}.zip",
                         "deploy/account.yaml"):  # fmt: skip
            s3_stub.add_response(
                "put_object",
                {"ETag": '"e"'},
                {
                    "Bucket": "art",
                    "Key": f"trailguard/{relative}",
                    "Body": (ROOT / relative).read_bytes(),
                },
            )
        cfn_stub.add_client_error(
            "describe_stacks",
            service_error_code="ValidationError",
            service_message="Stack with id trailguard does not exist",
        )
        cfn_stub.add_response(
            "create_stack", {"StackId": "arn:aws:cloudformation:stack/trailguard"}
        )
        stack = {
            "StackName": "trailguard",
            "CreationTime": "2026-11-26T00:00:00Z",
            "StackStatus": "CREATE_COMPLETE",
            "Outputs": [
                {"OutputKey": "ConformancePackName", "OutputValue": "trailguard-sns-data-events"}
            ],
        }
        cfn_stub.add_response("describe_stacks", {"Stacks": [stack]})
        cfn_stub.add_response("describe_stacks", {"Stacks": [stack]})
        clients = {"s3": s3, "cloudformation": cloudformation}
        options = DeployOptions(bucket="art", regions=["us-east-1"])
        calls = Deployer(ROOT, options, lambda service, region: clients[service]).run()
        s3_stub.assert_no_pending_responses()
        cfn_stub.assert_no_pending_responses()
    assert [c.operation for c in calls] == ["PutObject", "PutObject", "PutObject", "CreateStack"]
