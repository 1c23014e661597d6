"""``trailguard deploy``: put the pack into one account, or across an organization.

IAM names are unique per account, so the roles are created once per account, by a stack (or
a stack set) in the first region given ("home"); every regional stack names them. In order:

Account: the rule Lambda bundles and templates to the artifact bucket of each region; stack
``trailguard-global`` (home: the Lambdas' role, the remediation role); then stack
``trailguard`` in each region (Lambdas, their invoke permission for this account's AWS
Config, the SSM document, the pack).

Organization (from the management account or a CloudFormation/Config delegated
administrator): stack ``trailguard-org-admin-global`` (home: the central Lambdas' role) and
``trailguard-org-admin`` in each region (the central Lambdas); one invoke permission per
active account of the organization on each central Lambda (``SourceAccount``: the narrowest
form Lambda allows for AWS Config, see ``artifacts/templates.py``); then two
service-managed StackSets with auto-deployment, each created and deployed in one operation
that is waited for before the next starts (one operation at a time per stack set):
``trailguard-member-global`` to the home region (the rule role, the remediation role) and
``trailguard-member`` to every region at once (SSM document, pack). StackSets never deploy
to the management account, so from there the same two templates are deployed as stacks.

Waiting polls DescribeStackSetOperation with backoff (``sleep``/``clock`` fake-able), reports
progress through ``notify`` and, at the end, every account and region that failed, with its
reason (ListStackSetOperationResults), as :class:`DeployFailed`.

With ``dry_run`` nothing is called: every stack and API call is listed, in order, with the
values known in advance (placeholders name what is read at run time).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from botocore.exceptions import WaiterError

from trailguard.artifacts.build import artifacts
from trailguard.artifacts.templates import function_name
from trailguard.aws.stacksets import CAPABILITIES, DeployFailed, StackSetOperations, parameters
from trailguard.rules.registry import logical_id, rule_ids

ACCOUNT_GLOBAL_STACK = "trailguard-global"
ACCOUNT_STACK = "trailguard"
ADMIN_GLOBAL_STACK = "trailguard-org-admin-global"
ADMIN_STACK = "trailguard-org-admin"
MEMBER_GLOBAL = "trailguard-member-global"  # a stack set, and a stack in the management account
MEMBER = "trailguard-member"
PREFIX = "trailguard"
PERMISSION_PREFIX = "trailguard-config-"


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


__all__ = ["Call", "DeployFailed", "DeployOptions", "Deployer"]


class Deployer(StackSetOperations):
    """Builds the calls in order; ``run`` makes them (or, on a dry run, only lists them)."""

    def __init__(
        self,
        root: Path,
        options: DeployOptions,
        client_for: Callable[[str, str], Any] | None,
        notify: Callable[[str], None] | None = None,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.files = artifacts(root)
        self.options = options
        self.home = options.regions[0]  # where the roles and the stack sets live
        self.delegated_admin = options.delegated_admin
        self.client_for = client_for  # None: dry run
        self.notify = notify or (lambda _: None)
        self._sleep, self._clock = sleep, clock  # None: time.sleep / time.monotonic at the call
        self.calls: list[Call] = []

    def sleep(self, seconds: float) -> None:
        (self._sleep or time.sleep)(seconds)

    def now(self) -> float:
        return (self._clock or time.monotonic)()

    # --- making (or listing) one call -------------------------------------------------------

    def call(self, service: str, operation: str, region: str, **params: Any) -> Any:
        shown = {k: (f"<{len(v)} bytes>" if isinstance(v, bytes) else v) for k, v in params.items()}
        self.calls.append(Call(service, operation, region, shown))
        if self.client_for is None:
            return None
        client = self.client_for(service, region)
        method = getattr(client, _snake(operation))
        return method(**params)

    def _upload(self, region: str, relative: str) -> str:
        bucket, key = self.options.bucket.format(region=region), _key(relative)
        self.call("s3", "PutObject", region, Bucket=bucket, Key=key, Body=self.files[relative])
        return _template_url(bucket, region, key)

    def _stack(self, region: str, name: str, template: str, values: dict[str, str]) -> None:
        """Create or update stack ``name`` from ``template`` (uploaded first) and wait."""
        request = {
            "StackName": name,
            "TemplateURL": self._upload(region, template),
            "Parameters": parameters(values),
            "Capabilities": CAPABILITIES,
        }
        if self.client_for is None:
            self.call("cloudformation", "CreateOrUpdateStack", region, **request)
            return
        cloudformation = self.client_for("cloudformation", region)
        exists = True
        try:
            cloudformation.describe_stacks(StackName=name)
        except cloudformation.exceptions.ClientError as exc:
            if "does not exist" not in str(exc):
                raise
            exists = False
        waiter = "stack_create_complete"
        if exists:
            waiter = "stack_update_complete"
            try:
                self.call("cloudformation", "UpdateStack", region, **request)
            except cloudformation.exceptions.ClientError as exc:
                if "No updates are to be performed" not in str(exc):
                    raise
                return
        else:
            self.call("cloudformation", "CreateStack", region, **request)
        self.notify(f"{region} stack {name}: waiting")
        try:
            cloudformation.get_waiter(waiter).wait(StackName=name)
        except WaiterError as exc:
            events = cloudformation.describe_stack_events(StackName=name)["StackEvents"]
            why = [e.get("ResourceStatusReason", "") for e in events if "FAILED" in e.get(
                "ResourceStatus", "")] or [str(exc)]  # fmt: skip
            raise DeployFailed(f"stack {name}", [("this account", region, why[-1])]) from exc

    def _code_values(self, region: str) -> dict[str, str]:
        values = {"CodeBucket": self.options.bucket.format(region=region)}
        for rule_id in rule_ids():
            relative = f"deploy/lambda/{rule_id}.zip"
            self._upload(region, relative)
            values[f"{logical_id(rule_id)}CodeKey"] = _key(relative)
        return values

    # --- the two deployments ----------------------------------------------------------------

    def account(self) -> None:
        self._stack(self.home, ACCOUNT_GLOBAL_STACK, "deploy/account-global.yaml", {})
        automatic = "true" if self.options.automatic_remediation else "false"
        for region in self.options.regions:
            values = {**self._code_values(region), "AutomaticRemediation": automatic}
            self._stack(region, ACCOUNT_STACK, "deploy/account.yaml", values)

    def _organization_facts(self) -> tuple[str, str, str]:
        """The organization's ID, its management account and this (the central) account."""
        organization = self.call("organizations", "DescribeOrganization", self.home)
        me = self.call("sts", "GetCallerIdentity", self.home)
        if organization is None or me is None:  # a dry run
            found = self.options.organization_id or "<DescribeOrganization: Organization.Id>"
            return found, "<DescribeOrganization: MasterAccountId>", "<GetCallerIdentity: Account>"
        facts = organization["Organization"]
        return self.options.organization_id or facts["Id"], facts["MasterAccountId"], me["Account"]

    def _accounts(self) -> list[str]:
        """The organization's ACTIVE accounts (a placeholder on a dry run)."""
        found, token = [], None
        while True:
            page = self.call("organizations", "ListAccounts", self.home,
                             **({"NextToken": token} if token else {}))  # fmt: skip
            if page is None:
                return ["<each ACTIVE account of ListAccounts>"]
            found += [a["Id"] for a in page["Accounts"] if a.get("Status") == "ACTIVE"]
            token = page.get("NextToken")
            if not token:
                return found

    def _invoke_permissions(self, accounts: list[str]) -> None:
        """One ``config.amazonaws.com`` permission per account on each central Lambda."""
        for region in self.options.regions:
            for rule_id in rule_ids():
                function, present = function_name(rule_id), set()
                if self.client_for is not None:
                    lambda_ = self.client_for("lambda", region)
                    try:
                        policy = lambda_.get_policy(FunctionName=function)["Policy"]
                        present = {s["Sid"] for s in _json(policy).get("Statement", [])}
                    except lambda_.exceptions.ResourceNotFoundException:
                        pass
                for account in accounts:
                    if PERMISSION_PREFIX + account in present:
                        continue
                    self.call(
                        "lambda", "AddPermission", region, FunctionName=function,
                        StatementId=PERMISSION_PREFIX + account, Action="lambda:InvokeFunction",
                        Principal="config.amazonaws.com", SourceAccount=account,
                    )  # fmt: skip

    def organization(self) -> None:
        options, home = self.options, self.home
        org_id, management, me = self._organization_facts()
        self._stack(home, ADMIN_GLOBAL_STACK, "deploy/org-admin-global.yaml",
                    {"OrganizationId": org_id})  # fmt: skip
        for region in options.regions:
            self._stack(region, ADMIN_STACK, "deploy/org-admin.yaml", self._code_values(region))
        self._invoke_permissions([a for a in self._accounts() if a != me])
        targets = options.organizational_units
        if not targets and self.client_for is None:
            self.call("organizations", "ListRoots", home)
            targets = ["<ListRoots: Roots[0].Id>"]
        elif not targets:
            targets = [self.call("organizations", "ListRoots", home)["Roots"][0]["Id"]]
        automatic = "true" if options.automatic_remediation else "false"
        central = {"CentralAccountId": me}
        member = {**central, "AutomaticRemediation": automatic}
        self._stack_set(MEMBER_GLOBAL, "deploy/org-member-global.yaml", central, [home], targets)
        self._stack_set(MEMBER, "deploy/org-member.yaml", member, options.regions, targets)
        if self.client_for is not None and me != management:
            self.notify(
                f"the management account {management} is not covered: StackSets never deploy "
                "to it; run trailguard deploy --org from it to add its stacks"
            )
            return
        # StackSets skip the management account: the same templates, as its own stacks.
        self._stack(home, MEMBER_GLOBAL, "deploy/org-member-global.yaml", central)
        for region in options.regions:
            self._stack(region, MEMBER, "deploy/org-member.yaml", member)

    def run(self) -> list[Call]:
        if self.options.org:
            self.organization()
        else:
            self.account()
        return self.calls


def _json(text: str) -> dict[str, Any]:
    loaded = json.loads(text)
    return loaded if isinstance(loaded, dict) else {}


def _snake(operation: str) -> str:
    out = []
    for i, char in enumerate(operation):
        if char.isupper() and i:
            out.append("_")
        out.append(char.lower())
    return "".join(out)
