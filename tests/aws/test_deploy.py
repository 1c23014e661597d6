"""trailguard deploy: the calls it makes, in order, for an account and for an organization."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from deploy_support import build_once, make_buckets, record_config
from moto import mock_aws

from trailguard.aws.deploy import Deployer, DeployOptions
from trailguard.cli import main

# moto's CloudFormation does not know AWS::Config::ConformancePack: no pack is made there.
pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse AWS.+ConformancePack")

ROOT = Path(__file__).resolve().parents[2]
ENABLED = "cloudtrail-sns-data-events-enabled"
COVERAGE = "cloudtrail-sns-data-events-account-coverage"


def _dry_run(*argv: str) -> tuple[int, list[dict[str, Any]], str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["deploy", "--dry-run", "--output", "json", "--root", str(ROOT), *argv],
                stdout=out, stderr=err)  # fmt: skip
    return code, (json.loads(out.getvalue()) if out.getvalue() else []), err.getvalue()


def _size(relative: str) -> str:
    return f"<{len((ROOT / relative).read_bytes())} bytes>"


REGIONS = ("eu-west-1", "us-east-1")


def _read(service: str, operation: str, region: str, **params: str) -> dict[str, Any]:
    return {"service": service, "operation": operation, "region": region, "params": params}


def _put(bucket: str, region: str, relative: str) -> dict[str, Any]:
    return {
        "service": "s3",
        "operation": "PutObject",
        "region": region,
        "params": {"Bucket": bucket, "Key": f"trailguard/{relative}", "Body": _size(relative)},
    }


def _stack(region: str, name: str, template: str, bucket: str,
           values: list[dict[str, str]]) -> dict[str, Any]:  # fmt: skip
    return {
        "service": "cloudformation",
        "operation": "CreateOrUpdateStack",
        "region": region,
        "params": {
            "StackName": name,
            "TemplateURL": f"https://{bucket}.s3.{region}.amazonaws.com/trailguard/{template}",
            "Parameters": values,
            "Capabilities": ["CAPABILITY_NAMED_IAM"],
        },
    }


def _code(bucket: str) -> list[dict[str, str]]:
    return [
        {"ParameterKey": "CodeBucket", "ParameterValue": bucket},
        {
            "ParameterKey": "CloudtrailSnsDataEventsEnabledCodeKey",
            "ParameterValue": f"trailguard/deploy/lambda/{ENABLED}.zip",
        },
        {
            "ParameterKey": "CloudtrailSnsDataEventsAccountCoverageCodeKey",
            "ParameterValue": f"trailguard/deploy/lambda/{COVERAGE}.zip",
        },
    ]


@pytest.mark.slow  # over a second: the whole suite runs it
def test_account_dry_run_lists_every_call() -> None:
    code, calls, err = _dry_run(
        "--bucket", "artifacts-{region}", "--regions", "eu-west-1,us-east-1"
    )
    assert (code, err) == (0, "")
    automatic = [{"ParameterKey": "AutomaticRemediation", "ParameterValue": "false"}]
    regional = []
    for region in ("eu-west-1", "us-east-1"):
        bucket = f"artifacts-{region}"
        regional += [
            _put(bucket, region, f"deploy/lambda/{ENABLED}.zip"),
            _put(bucket, region, f"deploy/lambda/{COVERAGE}.zip"),
            _put(bucket, region, "deploy/account.yaml"),
            _stack(region, "trailguard", "deploy/account.yaml", bucket, _code(bucket) + automatic),
        ]
    # the prerequisites first (buckets, then Config recording); then the roles once, in the
    # first region; the rest in each region
    assert calls == [
        *[_read("s3", "HeadBucket", r, Bucket=f"artifacts-{r}") for r in REGIONS],
        *[_read("config", "DescribeConfigurationRecorderStatus", r) for r in REGIONS],
        _put("artifacts-eu-west-1", "eu-west-1", "deploy/account-global.yaml"),
        _stack("eu-west-1", "trailguard-global", "deploy/account-global.yaml",
               "artifacts-eu-west-1", []),
        *regional,
    ]  # fmt: skip


@pytest.mark.slow  # over a second: the whole suite runs it
def test_org_dry_run_lists_admin_stacks_then_the_stack_sets() -> None:
    code, calls, err = _dry_run(
        "--org", "--bucket", "art-{region}", "--regions", "us-east-1,eu-west-1",
        "--organization-id", "o-abcdefghij", "--automatic-remediation", "--delegated-admin",
    )  # fmt: skip
    assert (code, err) == (0, "")
    shown = [
        (
            c["region"],
            c["operation"],
            c["params"].get("StackName") or c["params"].get("StackSetName"),
        )
        for c in calls
        if c["service"] != "s3"
    ]
    assert shown == [
        ("us-east-1", "DescribeConfigurationRecorderStatus", None),
        ("eu-west-1", "DescribeConfigurationRecorderStatus", None),
        ("us-east-1", "DescribeOrganization", None),
        ("us-east-1", "GetCallerIdentity", None),
        ("us-east-1", "ListDelegatedAdministrators", None),
        ("us-east-1", "ListAWSServiceAccessForOrganization", None),
        ("us-east-1", "CreateOrUpdateStack", "trailguard-org-admin-global"),
        ("us-east-1", "CreateOrUpdateStack", "trailguard-org-admin"),
        ("eu-west-1", "CreateOrUpdateStack", "trailguard-org-admin"),
        ("us-east-1", "ListAccounts", None),
        ("us-east-1", "AddPermission", None),
        ("us-east-1", "AddPermission", None),
        ("eu-west-1", "AddPermission", None),
        ("eu-west-1", "AddPermission", None),
        ("us-east-1", "ListRoots", None),
        ("us-east-1", "CreateStackSet", "trailguard-member-global"),
        ("us-east-1", "CreateStackInstances", "trailguard-member-global"),
        ("us-east-1", "CreateStackSet", "trailguard-member"),
        ("us-east-1", "CreateStackInstances", "trailguard-member"),
        ("us-east-1", "CreateOrUpdateStack", "trailguard-member-global"),
        ("us-east-1", "CreateOrUpdateStack", "trailguard-member"),
        ("eu-west-1", "CreateOrUpdateStack", "trailguard-member"),
    ]
    admin_global = next(c for c in calls if c["operation"] == "CreateOrUpdateStack")["params"]
    assert admin_global["Parameters"] == [
        {"ParameterKey": "OrganizationId", "ParameterValue": "o-abcdefghij"}
    ]
    permission = next(c for c in calls if c["operation"] == "AddPermission")["params"]
    assert permission == {
        "FunctionName": "trailguard-sns-data-events-enabled",
        "StatementId": "trailguard-config-<each ACTIVE account of ListAccounts>",
        "Action": "lambda:InvokeFunction",
        "Principal": "config.amazonaws.com",
        "SourceAccount": "<each ACTIVE account of ListAccounts>",
    }
    stack_sets = [c["params"] for c in calls if c["operation"] == "CreateStackSet"]
    assert stack_sets[1] == {
        "StackSetName": "trailguard-member",
        "CallAs": "DELEGATED_ADMIN",
        "TemplateURL": "https://art-us-east-1.s3.us-east-1.amazonaws.com/"
        "trailguard/deploy/org-member.yaml",
        "Capabilities": ["CAPABILITY_NAMED_IAM"],
        "Parameters": [
            {"ParameterKey": "CentralAccountId", "ParameterValue": "<GetCallerIdentity: Account>"},
            {"ParameterKey": "AutomaticRemediation", "ParameterValue": "true"},
            {"ParameterKey": "AccountConformancePack", "ParameterValue": "true"},
        ],
        "PermissionModel": "SERVICE_MANAGED",
        "AutoDeployment": {"Enabled": True, "RetainStacksOnAccountRemoval": False},
    }
    instances = [c["params"] for c in calls if c["operation"] == "CreateStackInstances"]
    preferences = {"MaxConcurrentPercentage": 25, "FailureTolerancePercentage": 10}
    assert instances == [
        {
            "StackSetName": name,
            "CallAs": "DELEGATED_ADMIN",
            "DeploymentTargets": {"OrganizationalUnitIds": ["<ListRoots: Roots[0].Id>"]},
            "Regions": regions,
            "OperationPreferences": preferences,
        }
        for name, regions in (
            ("trailguard-member-global", ["us-east-1"]),
            ("trailguard-member", ["us-east-1", "eu-west-1"]),
        )
    ]


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


@pytest.mark.slow  # over a second: the whole suite runs it
def test_account_deploy_makes_the_roles_once_and_the_rest_in_each_region(
    aws_behaviours: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    build_once(monkeypatch)
    with mock_aws():
        make_buckets(["us-east-1", "eu-west-1"])
        record_config(["us-east-1", "eu-west-1"])
        options = DeployOptions(bucket="art-{region}", regions=["us-east-1", "eu-west-1"])
        calls = Deployer(
            ROOT, options, lambda service, region: boto3.client(service, region_name=region)
        ).run()
        stacks = {
            region: sorted(
                s["StackName"]
                for s in boto3.client("cloudformation", region_name=region).list_stacks()[
                    "StackSummaries"
                ]
            )
            for region in ("us-east-1", "eu-west-1")
        }
        assert stacks == {"us-east-1": ["trailguard", "trailguard-global"],
                          "eu-west-1": ["trailguard"]}  # fmt: skip
        roles = boto3.client("iam").list_roles()["Roles"]
        assert sorted(r["RoleName"] for r in roles if r["RoleName"].startswith("TrailGuard")) == [
            "TrailGuardDetectFunctionRole",
            "TrailGuardRemediationRole",
            "TrailGuardRuleFunctionRole",
        ]
        for region in ("us-east-1", "eu-west-1"):
            lambda_ = boto3.client("lambda", region_name=region)
            # each region detects its own trail changes (EventBridge rules are regional)
            rules = boto3.client("events", region_name=region).list_rules()["Rules"]
            assert [r["Name"] for r in rules] == ["trailguard-trail-changes"]
            policy = json.loads(
                lambda_.get_policy(FunctionName=f"trailguard-{ENABLED[11:]}")["Policy"]
            )
            assert [s["Condition"] for s in policy["Statement"]] == [
                {"StringEquals": {"AWS:SourceAccount": "123456789012"}}
            ]
    assert [c.operation for c in calls if c.service == "cloudformation"] == ["CreateStack"] * 3
