"""``trailguard deploy``: put the pack into one account, or across an organization.

IAM names are unique per account, so the roles are created once per account, by a stack (or
a stack set) in the first region given ("home"); every regional stack names them. In order:

First, the prerequisites (:mod:`trailguard.aws.deploy_checks`), read before anything is
written: one line for each that is missing, and nothing is deployed.

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
``trailguard-member`` to every region at once (SSM document, and in the ``stack-sets`` mode
the account's pack). In the ``organization-pack`` mode the rules come instead from one
organization conformance pack per region (:mod:`trailguard.aws.deploy_orgpack`). StackSets
never deploy to the management account, so from there the same two templates are deployed
as stacks.

Waiting polls with backoff (``sleep``/``clock`` fake-able), reports progress through
``notify`` and, at the end, every account and region that failed, with its reason, as
:class:`DeployFailed`.

Three ways to run (:mod:`trailguard.aws.deploy_base`): deploy, plan (reads, and a change set
for each existing stack, :mod:`trailguard.aws.deploy_plan`) and listing (no call made).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from trailguard.artifacts.build import artifacts
from trailguard.artifacts.templates import function_name
from trailguard.aws.deploy_base import (
    MODES,
    ORGANIZATION_PACK_MODE,
    STACK_SETS_MODE,
    Call,
    DeployOptions,
    PlanItem,
    key,
)
from trailguard.aws.deploy_checks import Prerequisites, PrerequisitesMissing
from trailguard.aws.deploy_orgpack import OrganizationPackSteps
from trailguard.aws.deploy_plan import PlanSteps
from trailguard.aws.stacksets import CAPABILITIES, DeployFailed, parameters
from trailguard.rules.registry import logical_id, rule_ids

ACCOUNT_GLOBAL_STACK = "trailguard-global"
ACCOUNT_STACK = "trailguard"
ADMIN_GLOBAL_STACK = "trailguard-org-admin-global"
ADMIN_STACK = "trailguard-org-admin"
MEMBER_GLOBAL = "trailguard-member-global"  # a stack set, and a stack in the management account
MEMBER = "trailguard-member"
PERMISSION_PREFIX = "trailguard-config-"

__all__ = [
    "MODES",
    "ORGANIZATION_PACK_MODE",
    "STACK_SETS_MODE",
    "Call",
    "DeployFailed",
    "DeployOptions",
    "Deployer",
    "PlanItem",
    "PrerequisitesMissing",
]


class Deployer(Prerequisites, PlanSteps, OrganizationPackSteps):
    """Builds the calls in order; ``run`` makes them (with ``plan``, only the reads; with no
    ``client_for``, none: they are listed)."""

    def __init__(
        self,
        root: Path,
        options: DeployOptions,
        client_for: Callable[[str, str], Any] | None,
        notify: Callable[[str], None] | None = None,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] | None = None,
        plan: bool = False,
    ) -> None:
        super().__init__(artifacts(root), options, client_for, notify, sleep, clock, plan)

    def _stack(self, region: str, name: str, template: str, values: dict[str, str]) -> None:
        """Create or update stack ``name`` from ``template`` (uploaded first) and wait."""
        if self.planning:
            self._plan_stack(region, name, template, values)
            return
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
        waiter = "stack_create_complete"
        if self.stack_status(region, name) is not None:
            waiter = "stack_update_complete"
            try:
                self.call("cloudformation", "UpdateStack", region, **request)
            except ClientError as exc:
                if "No updates are to be performed" not in str(exc):
                    raise
                return
        else:
            self.call("cloudformation", "CreateStack", region, **request)
        self.notify(f"{region} stack {name}: waiting")
        try:
            cloudformation.get_waiter(waiter).wait(StackName=name)
        except Exception as exc:  # WaiterError; a failed stack is named with its reason
            events = cloudformation.describe_stack_events(StackName=name)["StackEvents"]
            why = [e.get("ResourceStatusReason", "") for e in events if "FAILED" in e.get(
                "ResourceStatus", "")] or [str(exc)]  # fmt: skip
            raise DeployFailed(f"stack {name}", [("this account", region, why[-1])]) from exc

    def _stack_set(self, name: str, template: str, values: dict[str, str], regions: list[str],
                   targets: list[str]) -> None:  # fmt: skip
        if self.planning:
            self._plan_stack_set(name, template, values, regions, targets)
        else:
            super()._stack_set(name, template, values, regions, targets)

    def _code_values(self, region: str) -> dict[str, str]:
        values = {"CodeBucket": self.bucket(region)}
        for rule_id in rule_ids():
            relative = f"deploy/lambda/{rule_id}.zip"
            if not self.planning:  # a plan's change set names the keys; the code is not read
                self._upload(region, relative)
            values[f"{logical_id(rule_id)}CodeKey"] = key(relative)
        return values

    # --- the two deployments ----------------------------------------------------------------

    def account(self) -> None:
        self._stack(self.home, ACCOUNT_GLOBAL_STACK, "deploy/account-global.yaml", {})
        automatic = "true" if self.options.automatic_remediation else "false"
        for region in self.options.regions:
            values = {**self._code_values(region), "AutomaticRemediation": automatic}
            self._stack(region, ACCOUNT_STACK, "deploy/account.yaml", values)

    def _accounts(self) -> list[str]:
        """The organization's ACTIVE accounts (a placeholder when listing)."""
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
                wanted = [a for a in accounts if PERMISSION_PREFIX + a not in present]
                if self.planning:
                    self._plan_permissions(region, function, wanted, len(accounts))
                    continue
                for account in wanted:
                    self.call(
                        "lambda", "AddPermission", region, FunctionName=function,
                        StatementId=PERMISSION_PREFIX + account, Action="lambda:InvokeFunction",
                        Principal="config.amazonaws.com", SourceAccount=account,
                    )  # fmt: skip

    def _targets(self) -> list[str]:
        """The organizational units of the stack sets: the ones given, else the root."""
        if self.options.organizational_units:
            return self.options.organizational_units
        roots = self.call("organizations", "ListRoots", self.home)
        return ["<ListRoots: Roots[0].Id>"] if roots is None else [roots["Roots"][0]["Id"]]

    def organization(self) -> None:
        options, home = self.options, self.home
        org_id, management, me = self.organization_facts()
        self._stack(home, ADMIN_GLOBAL_STACK, "deploy/org-admin-global.yaml",
                    {"OrganizationId": org_id})  # fmt: skip
        for region in options.regions:
            self._stack(region, ADMIN_STACK, "deploy/org-admin.yaml", self._code_values(region))
        self._invoke_permissions([a for a in self._accounts() if a != me])
        targets = self._targets()
        org_pack = options.mode == ORGANIZATION_PACK_MODE
        automatic = "true" if options.automatic_remediation else "false"
        central = {"CentralAccountId": me}
        member = {
            **central,
            "AutomaticRemediation": automatic,
            "AccountConformancePack": "false" if org_pack else "true",
        }
        self._stack_set(MEMBER_GLOBAL, "deploy/org-member-global.yaml", central, [home], targets)
        self._stack_set(MEMBER, "deploy/org-member.yaml", member, options.regions, targets)
        covered = self._organization_packs(me) if org_pack else {}
        if self.client_for is not None and me != management:
            self.note(
                "organization",
                f"the management account {management} is not covered: StackSets never deploy "
                "to it; run trailguard deploy --org from it to add its stacks",
            )
            return
        # StackSets skip the management account: the same templates, as its own stacks.
        self._stack(home, MEMBER_GLOBAL, "deploy/org-member-global.yaml", central)
        for region in options.regions:
            values = member
            if org_pack:  # its own pack only where the organization pack did not reach it
                own = self._own_pack(region, management, covered)
                values = {**member, "AccountConformancePack": own}
            self._stack(region, MEMBER, "deploy/org-member.yaml", values)

    def run(self) -> list[Call]:
        """Check the prerequisites (PrerequisitesMissing names each one missing), then
        deploy (or plan, or list)."""
        self.check_prerequisites()
        if self.options.org:
            self.organization()
        else:
            self.account()
        return self.calls


def _json(text: str) -> dict[str, Any]:
    loaded = json.loads(text)
    return loaded if isinstance(loaded, dict) else {}
