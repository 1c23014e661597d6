"""``trailguard deploy --dry-run``: what a deployment would do, read from the accounts, with
nothing deployed.

- A stack that does not exist: "create", with its template. An existing one: a change set of
  what would change (CreateChangeSet with the template uploaded under ``trailguard/plan/`` in
  the artifact bucket, DescribeChangeSet polled until it is ready, then DeleteChangeSet): each
  change as its action, resource type and logical id, and whether it replaces the resource.
- A stack set: "create", or what differs from the stack set's template and parameters
  (DescribeStackSet; stack sets have no change sets), and where its instances go.
- The invoke permissions each central Lambda lacks; an organization pack to create or update
  (:mod:`trailguard.aws.deploy_orgpack`).

The plan is a list of :class:`PlanItem`; :func:`render` prints it grouped by account and region.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from trailguard.aws.deploy_base import PLAN_PREFIX, DeployBase, PlanItem, code
from trailguard.aws.stacksets import CAPABILITIES, FIRST_POLL, LAST_POLL, parameters

__all__ = ["PLAN_PREFIX", "PlanItem", "PlanSteps", "render"]

CHANGE_SET = "trailguard-plan"
CHANGE_SET_TIMEOUT = 600.0
NO_CHANGES = ("didn't contain changes", "No updates are to be performed")


def _change(change: dict[str, Any]) -> str:
    resource = change.get("ResourceChange", {})
    text = (
        f"{resource.get('Action', '?')} {resource.get('ResourceType', '?')} "
        f"{resource.get('LogicalResourceId', '?')}"
    )
    replacement = resource.get("Replacement")
    if replacement in ("True", "Conditional"):
        text += f" (replacement: {replacement})"
    return text


class PlanSteps(DeployBase):
    def _where(self, region: str) -> str:
        caller = self.facts.get("caller") or {}
        account = caller.get("Account")
        return f"this account {account}, {region}" if account else f"this account, {region}"

    def _plan_stack(self, region: str, name: str, template: str, values: dict[str, str]) -> None:
        where, what = self._where(region), f"stack {name}"
        status = self.stack_status(region, name)
        if status is None:
            self.plan.append(PlanItem(where, what, "create", (f"from {template}",)))
            return
        request = {
            "StackName": name,
            "ChangeSetName": CHANGE_SET,
            "TemplateURL": self._upload(region, template),
            "Parameters": parameters(values),
            "Capabilities": CAPABILITIES,
            "ChangeSetType": "UPDATE",
        }
        assert self.client_for is not None
        cloudformation = self.client_for("cloudformation", region)
        try:
            self.call("cloudformation", "CreateChangeSet", region, **request)
        except ClientError as exc:
            if code(exc) != "AlreadyExistsException":  # left by an interrupted plan
                self.plan.append(PlanItem(where, what, f"cannot plan ({status})", (str(exc),)))
                return
            self.call(
                "cloudformation",
                "DeleteChangeSet",
                region,
                StackName=name,
                ChangeSetName=CHANGE_SET,
            )
            self.call("cloudformation", "CreateChangeSet", region, **request)
        try:
            changes, why = self._changes(cloudformation, name)
        finally:
            self.call(
                "cloudformation",
                "DeleteChangeSet",
                region,
                StackName=name,
                ChangeSetName=CHANGE_SET,
            )
        if why is not None:
            self.plan.append(PlanItem(where, what, "cannot plan", (why,)))
        elif not changes:
            self.plan.append(PlanItem(where, what, "no change"))
        else:
            self.plan.append(
                PlanItem(where, what, f"update, {len(changes)} change(s)", tuple(changes))
            )

    def _changes(self, cloudformation: Any, name: str) -> tuple[list[str], str | None]:
        """The change set's changes once it is ready, or why it failed (no change: none)."""
        start, delay = self.now(), FIRST_POLL
        while True:
            found = cloudformation.describe_change_set(StackName=name, ChangeSetName=CHANGE_SET)
            status = found.get("Status", "")
            if status == "FAILED":
                reason = found.get("StatusReason", "")
                return [], None if any(n in reason for n in NO_CHANGES) else reason
            if status == "CREATE_COMPLETE":
                break
            if self.now() - start > CHANGE_SET_TIMEOUT:
                return [], f"change set still {status} after {CHANGE_SET_TIMEOUT:.0f} s"
            self.sleep(delay)
            delay = min(delay * 2, LAST_POLL)
        changes = [_change(c) for c in found.get("Changes", [])]
        while found.get("NextToken"):
            found = cloudformation.describe_change_set(
                StackName=name, ChangeSetName=CHANGE_SET, NextToken=found["NextToken"]
            )
            changes += [_change(c) for c in found.get("Changes", [])]
        return changes, None

    def _plan_stack_set(
        self,
        name: str,
        template: str,
        values: dict[str, str],
        regions: list[str],
        targets: list[str],
    ) -> None:
        where, what = "organization", f"stack set {name}"
        reach = (
            f"instances in every account of {', '.join(targets)} but the management "
            f"account, in {', '.join(regions)}; auto-deployment to new accounts"
        )
        assert self.client_for is not None
        cloudformation = self.client_for("cloudformation", self.home)
        try:
            found = cloudformation.describe_stack_set(**self._common(name))["StackSet"]
        except ClientError as exc:
            if code(exc) != "StackSetNotFoundException":
                raise
            self.plan.append(
                PlanItem(where, what, f"create in {self.home}", (f"from {template}", reach))
            )
            return
        details = []
        if found.get("TemplateBody", "") != self.files[template].decode("utf-8"):
            details.append(f"template changes (from {template})")
        old = {p["ParameterKey"]: p.get("ParameterValue", "") for p in found.get("Parameters", [])}
        details += [
            f"parameter {k}: {old.get(k, '(default)')} -> {v}"
            for k, v in values.items()
            if old.get(k) != v
        ]
        action = "update" if details else "no change to the template or parameters"
        self.plan.append(PlanItem(where, what, action, (*details, reach)))

    def _plan_permissions(self, region: str, function: str, wanted: list[str], total: int) -> None:
        what = f"invoke permissions of {function}"
        if not wanted:
            action = f"none to add (each of the {total} other accounts has one)"
            self.plan.append(PlanItem(self._where(region), what, action))
            return
        action = f"add {len(wanted)} for AWS Config of account(s)"
        self.plan.append(PlanItem(self._where(region), what, action, (", ".join(wanted),)))


def render(items: list[PlanItem], bucket: str) -> str:
    """The plan as text, grouped by where, in the order the deployment would go."""
    lines = [
        "trailguard deploy plan: nothing was deployed (change-set templates were uploaded "
        f"under {PLAN_PREFIX}/ in {bucket})."
    ]
    groups: dict[str, list[PlanItem]] = {}
    for item in items:
        groups.setdefault(item.where, []).append(item)
    for where, found in groups.items():
        lines += ["", where]
        for item in found:
            lines.append(
                f"  {item.what}: {item.action}" if item.what != "note" else f"  note: {item.action}"
            )
            lines += [f"    {detail}" for detail in item.details]
    return "\n".join(lines) + "\n"
