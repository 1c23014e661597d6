"""``trailguard deploy``: put the pack into one account, or across an organization.

Account (per region): upload the two rule Lambda bundles and ``deploy/account.yaml`` to the
artifact bucket, then create or update the stack ``trailguard``: Lambdas, their role, the
invoke permission for AWS Config, the SSM document, the remediation role and the pack.

Organization (from the management account or a CloudFormation/Config delegated
administrator): per region, the central Lambdas (stack ``trailguard-org-admin``); then one
service-managed StackSet ``trailguard-member`` from ``deploy/org-member.yaml`` with
auto-deployment, whose instances give every account (and every new one) the role the central
Lambdas assume, the remediation role, the SSM document and its own conformance pack.

With ``dry_run`` nothing is called: every stack and API call is listed, in order, with the
values known in advance (placeholders name what is read at run time).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from trailguard.artifacts.build import artifacts
from trailguard.artifacts.pack import lambda_parameter
from trailguard.rules.registry import logical_id, rule_ids

ACCOUNT_STACK = "trailguard"
ADMIN_STACK = "trailguard-org-admin"
MEMBER_STACK_SET = "trailguard-member"
PREFIX = "trailguard"
CAPABILITIES = ["CAPABILITY_NAMED_IAM"]


@dataclass(frozen=True, slots=True)
class Call:
    service: str
    operation: str
    region: str
    params: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {
            "service": self.service,
            "operation": self.operation,
            "region": self.region,
            "params": self.params,
        }


@dataclass(slots=True)
class DeployOptions:
    bucket: str  # may contain {region}
    regions: list[str]
    org: bool = False
    automatic_remediation: bool = False
    organization_id: str | None = None
    organizational_units: list[str] = field(default_factory=list)
    delegated_admin: bool = False


def _key(relative: str) -> str:
    return f"{PREFIX}/{relative}"


def _template_url(bucket: str, region: str, key: str) -> str:
    return f"https://{bucket}.s3.{region}.amazonaws.com/{key}"


def _parameters(values: dict[str, str]) -> list[dict[str, str]]:
    return [{"ParameterKey": k, "ParameterValue": v} for k, v in values.items()]


class Deployer:
    """Builds the calls in order; ``run`` makes them (or, on a dry run, only lists them)."""

    def __init__(
        self,
        root: Path,
        options: DeployOptions,
        client_for: Callable[[str, str], Any] | None,
    ) -> None:
        self.files = artifacts(root)
        self.options = options
        self.client_for = client_for  # None: dry run
        self.calls: list[Call] = []

    # --- making (or listing) one call -------------------------------------------------------

    def call(self, service: str, operation: str, region: str, **params: Any) -> Any:
        shown = {k: (f"<{len(v)} bytes>" if isinstance(v, bytes) else v) for k, v in params.items()}
        self.calls.append(Call(service, operation, region, shown))
        if self.client_for is None:
            return None
        client = self.client_for(service, region)
        method = getattr(client, _snake(operation))
        return method(**params)

    def _upload(self, bucket: str, region: str, relative: str) -> str:
        key = _key(relative)
        self.call("s3", "PutObject", region, Bucket=bucket, Key=key, Body=self.files[relative])
        return key

    def _stack(self, region: str, name: str, template_key: str, bucket: str,
               values: dict[str, str]) -> dict[str, str]:  # fmt: skip
        """Create or update ``name`` and wait; its outputs (placeholders on a dry run)."""
        request = {
            "StackName": name,
            "TemplateURL": _template_url(bucket, region, template_key),
            "Parameters": _parameters(values),
            "Capabilities": CAPABILITIES,
        }
        if self.client_for is None:
            self.call("cloudformation", "CreateOrUpdateStack", region, **request)
            return {}
        cloudformation = self.client_for("cloudformation", region)
        exists = True
        try:
            cloudformation.describe_stacks(StackName=name)
        except cloudformation.exceptions.ClientError as exc:
            if "does not exist" not in str(exc):
                raise
            exists = False
        if exists:
            try:
                self.call("cloudformation", "UpdateStack", region, **request)
                waiter = "stack_update_complete"
            except cloudformation.exceptions.ClientError as exc:
                if "No updates are to be performed" not in str(exc):
                    raise
                waiter = ""
        else:
            self.call("cloudformation", "CreateStack", region, **request)
            waiter = "stack_create_complete"
        if waiter:
            cloudformation.get_waiter(waiter).wait(StackName=name)
        stack = cloudformation.describe_stacks(StackName=name)["Stacks"][0]
        return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}

    def _code_values(self, bucket: str, region: str) -> dict[str, str]:
        values = {"CodeBucket": bucket}
        for rule_id in rule_ids():
            relative = f"deploy/lambda/{rule_id}.zip"
            values[f"{logical_id(rule_id)}CodeKey"] = self._upload(bucket, region, relative)
        return values

    # --- the two deployments ----------------------------------------------------------------

    def account(self) -> None:
        automatic = "true" if self.options.automatic_remediation else "false"
        for region in self.options.regions:
            bucket = self.options.bucket.format(region=region)
            values = self._code_values(bucket, region)
            values["AutomaticRemediation"] = automatic
            key = self._upload(bucket, region, "deploy/account.yaml")
            self._stack(region, ACCOUNT_STACK, key, bucket, values)

    def organization(self) -> None:
        options = self.options
        org_id = options.organization_id
        if org_id is None and self.client_for is not None:
            found = self.call("organizations", "DescribeOrganization", options.regions[0])
            org_id = str(found["Organization"]["Id"])
        org_id = org_id or "<DescribeOrganization: Organization.Id>"
        outputs: dict[str, dict[str, str]] = {}
        for region in options.regions:
            bucket = options.bucket.format(region=region)
            values = self._code_values(bucket, region)
            values["OrganizationId"] = org_id
            key = self._upload(bucket, region, "deploy/org-admin.yaml")
            outputs[region] = self._stack(region, ADMIN_STACK, key, bucket, values)
        home = options.regions[0]
        bucket = options.bucket.format(region=home)
        key = self._upload(bucket, home, "deploy/org-member.yaml")
        role_arn = outputs[home].get(
            "RuleFunctionRoleArn", f"<{ADMIN_STACK} output RuleFunctionRoleArn>"
        )
        common = {
            "StackSetName": MEMBER_STACK_SET,
            **({"CallAs": "DELEGATED_ADMIN"} if options.delegated_admin else {}),
        }

        def lambda_arns(region: str) -> dict[str, str]:
            return {
                lambda_parameter(r): outputs[region].get(
                    lambda_parameter(r), f"<{ADMIN_STACK} output {lambda_parameter(r)} in {region}>"
                )
                for r in rule_ids()
            }

        stack_set = {
            **common,
            "TemplateURL": _template_url(bucket, home, key),
            "Capabilities": CAPABILITIES,
            "Parameters": _parameters(
                {
                    "CentralRuleFunctionRoleArn": role_arn,
                    "AutomaticRemediation": "true" if options.automatic_remediation else "false",
                    **lambda_arns(home),
                }
            ),
        }
        managed = {
            "PermissionModel": "SERVICE_MANAGED",
            "AutoDeployment": {"Enabled": True, "RetainStacksOnAccountRemoval": False},
        }
        if self.client_for is None:
            self.call("cloudformation", "CreateStackSet", home, **stack_set, **managed)
        else:
            cloudformation = self.client_for("cloudformation", home)
            try:
                self.call("cloudformation", "CreateStackSet", home, **stack_set, **managed)
            except cloudformation.exceptions.NameAlreadyExistsException:
                self.call("cloudformation", "UpdateStackSet", home, **stack_set)
        targets = options.organizational_units
        if not targets:
            if self.client_for is None:
                targets = ["<ListRoots: Roots[0].Id>"]
            else:
                roots = self.call("organizations", "ListRoots", home)["Roots"]
                targets = [roots[0]["Id"]]
        for region in options.regions:
            arns = lambda_arns(region)
            self.call(
                "cloudformation",
                "CreateStackInstances",
                home,
                **common,
                DeploymentTargets={"OrganizationalUnitIds": targets},
                Regions=[region],
                ParameterOverrides=_parameters(arns),
                OperationPreferences={
                    "MaxConcurrentPercentage": 25,
                    "FailureTolerancePercentage": 10,
                },
            )

    def run(self) -> list[Call]:
        if self.options.org:
            self.organization()
        else:
            self.account()
        return self.calls


def _snake(operation: str) -> str:
    out = []
    for i, char in enumerate(operation):
        if char.isupper() and i:
            out.append("_")
        out.append(char.lower())
    return "".join(out)
