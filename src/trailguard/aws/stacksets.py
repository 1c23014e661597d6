"""StackSet operations for ``trailguard deploy``, one at a time per stack set (AWS refuses a
second with OperationInProgressException), each waited for: DescribeStackSetOperation polled
with backoff on a fake-able clock, progress through ``notify``, and at the end every account
and region that failed, with its reason (ListStackSetOperationResults), as
:class:`DeployFailed`. An operation someone else started (a previous run, auto-deployment) is
waited out before ours starts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

CAPABILITIES = ["CAPABILITY_NAMED_IAM"]
UNFINISHED = ("RUNNING", "QUEUED", "STOPPING")
FIRST_POLL, LAST_POLL = 2.0, 30.0  # seconds between DescribeStackSetOperation calls
OPERATION_TIMEOUT = 3600.0
PREFERENCES = {"MaxConcurrentPercentage": 25, "FailureTolerancePercentage": 10}


def parameters(values: dict[str, str]) -> list[dict[str, str]]:
    return [{"ParameterKey": k, "ParameterValue": v} for k, v in values.items()]


class DeployFailed(Exception):
    """Something was deployed nowhere or not everywhere: ``failures`` says where and why."""

    def __init__(self, what: str, failures: list[tuple[str, str, str]]) -> None:
        self.what = what
        self.failures = failures  # (account, region, reason)
        super().__init__(f"{what}: {len(failures)} account-region(s) failed")


class StackSetOperations:
    """The stack set half of the Deployer (which provides what is declared here)."""

    client_for: Callable[[str, str], Any] | None
    notify: Callable[[str], None]
    delegated_admin: bool
    home: str

    # Deployer's methods, declared for the type checker: make an AWS call (recorded), upload an
    # artifact and give its key, wait, and read the clock.
    call: Callable[..., Any]
    _upload: Callable[[str, str], str]
    sleep: Callable[[float], None]
    now: Callable[[], float]

    def _common(self, name: str) -> dict[str, Any]:
        callas = {"CallAs": "DELEGATED_ADMIN"} if self.delegated_admin else {}
        return {"StackSetName": name, **callas}

    def _operation(self, name: str, operation: str, **params: Any) -> None:
        """Start a stack set operation (waiting out one already running) and wait for it."""
        common = self._common(name)
        if self.client_for is None:
            self.call("cloudformation", operation, self.home, **common, **params)
            return
        cloudformation = self.client_for("cloudformation", self.home)
        while True:
            try:
                started = self.call("cloudformation", operation, self.home, **common, **params)
                break
            except ClientError as exc:
                if _code(exc) != "OperationInProgressException":
                    raise
                running = [
                    o["OperationId"]
                    for o in cloudformation.list_stack_set_operations(**common)["Summaries"]
                    if o["Status"] in UNFINISHED
                ]
                self.notify(f"stack set {name}: another operation is running, waiting for it")
                if running:
                    self._wait(name, running[0], judge=False)
                else:
                    self.sleep(LAST_POLL)
        self._wait(name, started["OperationId"])

    def _wait(self, name: str, operation_id: str, judge: bool = True) -> None:
        """Poll until the operation ends; with ``judge``, raise DeployFailed naming every
        account and region that failed."""
        assert self.client_for is not None
        cloudformation = self.client_for("cloudformation", self.home)
        common, start, delay = self._common(name), self.now(), FIRST_POLL
        while True:
            found = cloudformation.describe_stack_set_operation(**common, OperationId=operation_id)[
                "StackSetOperation"
            ]
            status, elapsed = found["Status"], self.now() - start
            if status not in UNFINISHED:
                break
            if elapsed > OPERATION_TIMEOUT:
                failure = ("-", self.home, f"still {status} after {elapsed:.0f} s")
                raise DeployFailed(f"stack set {name} operation {operation_id}", [failure])
            self.notify(f"stack set {name}: operation {status.lower()} ({elapsed:.0f} s)")
            self.sleep(delay)
            delay = min(delay * 2, LAST_POLL)
        if not judge:
            return
        pages = cloudformation.get_paginator("list_stack_set_operation_results").paginate(
            **common, OperationId=operation_id
        )
        results = [r for page in pages for r in page["Summaries"]]
        failures = [
            (r["Account"], r["Region"], r.get("StatusReason") or r["Status"])
            for r in results
            if r["Status"] != "SUCCEEDED"
        ]
        self.notify(
            f"stack set {name}: operation {status.lower()}, {len(results)} account-regions, "
            f"{len(failures)} failed"
        )
        if failures or status != "SUCCEEDED":
            why = failures or [("-", self.home, found.get("StatusReason") or status)]
            raise DeployFailed(f"stack set {name} operation {operation_id}", why)

    def _stack_set(self, name: str, template: str, values: dict[str, str], regions: list[str],
                   targets: list[str]) -> None:  # fmt: skip
        request = {
            "TemplateURL": self._upload(self.home, template),
            "Capabilities": CAPABILITIES,
            "Parameters": parameters(values),
        }
        managed = {
            "PermissionModel": "SERVICE_MANAGED",
            "AutoDeployment": {"Enabled": True, "RetainStacksOnAccountRemoval": False},
        }
        common = self._common(name)
        exists = False
        if self.client_for is not None:
            cloudformation = self.client_for("cloudformation", self.home)
            try:
                cloudformation.describe_stack_set(**common)
                exists = True
            except ClientError as exc:
                if _code(exc) != "StackSetNotFoundException":
                    raise
        if exists:
            self._operation(name, "UpdateStackSet", **request, OperationPreferences=PREFERENCES)
        else:
            self.call("cloudformation", "CreateStackSet", self.home, **common, **request, **managed)
        self._operation(
            name,
            "CreateStackInstances",
            DeploymentTargets={"OrganizationalUnitIds": targets},
            Regions=regions,
            OperationPreferences=PREFERENCES,
        )


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))
