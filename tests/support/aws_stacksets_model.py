"""(b) and (c) of the AWS behaviour model (``aws_behaviours``): service-managed StackSets,
whose operations take time, run one at a time and never reach the management account. moto
(5.2.x) completes every operation at once, deploys to the management account, creates a
second stack set of a name in use, and fails a whole CreateStackInstances call when one
instance's stack fails.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aws_config_model import answer, refuse
from moto_world import MotoWorld

# Calls that start a StackSet operation (or, for DeleteStackSet, need none to be running).
STACK_SET_OPERATIONS = (
    "CreateStackInstances",
    "UpdateStackInstances",
    "DeleteStackInstances",
    "UpdateStackSet",
    "DeleteStackSet",
)


@dataclass
class Operation:
    """A StackSet operation the model tracks: RUNNING until polled ``polls_left`` times."""

    key: tuple[str, str, str]  # caller account, region, stack set name
    polls_left: int
    targets: list[tuple[str, str]]  # (account, region), in order
    failed: dict[tuple[str, str], str]  # target -> why it failed
    tolerance: int  # failed targets the operation tolerates before it FAILS

    @property
    def status(self) -> str:
        if self.polls_left > 0:
            return "RUNNING"
        return "FAILED" if len(self.failed) > self.tolerance else "SUCCEEDED"


@dataclass
class StackSetBehaviours:
    """The StackSet half of :class:`aws_behaviours.AwsBehaviours`, with its switches."""

    # (c) DescribeStackSetOperation answers RUNNING this many times before the end state.
    operation_polls: int = 2
    # stack instances made to fail, (account, region) -> reason (besides those moto refuses)
    instance_failures: dict[tuple[str, str], str] = field(default_factory=dict)
    world: MotoWorld = field(default_factory=MotoWorld)
    # what happened, for tests to assert on
    refused: list[tuple[str, str, str]] = field(default_factory=list)  # account, call, code
    operations: dict[str, Operation] = field(default_factory=dict)
    _running: dict[tuple[str, str, str], str] = field(default_factory=dict)

    def management_account_skipped(self, account: str, targets: list[str]) -> list[str]:
        """CloudFormation API reference, DeploymentTargets
        (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DeploymentTargets.html):
        "StackSets doesn't deploy stack instances to the organization management account, even
        if the organization management account is in your organization or in an OU in your
        organization." moto deploys to every account whose parent is a target OU, the
        management account included."""
        management = self.world.management_account(account)
        return [t for t in targets if t != management]

    def create_instances(self, model: Any, account: str, region: str,
                         params: dict[str, Any]) -> Any:  # fmt: skip
        """CreateStackInstances of a service-managed stack set, made here through moto's
        backend one instance at a time, as AWS runs it: to the accounts of the target OUs
        (and their child OUs) but the management account, in every region given; an
        instance that fails (moto refuses its stack, or ``instance_failures`` names it) fails
        alone, with its reason, instead of the whole call (moto raises); ParameterOverrides
        override only the parameters they name (API reference, CreateStackInstances)."""
        name = params["StackSetName"]
        if not self.world.service_managed(account, region, name):
            return None  # self-managed: moto's own
        targets = params.get("DeploymentTargets") or {}
        accounts = self.world.ou_accounts(account, targets.get("OrganizationalUnitIds", []))
        listed, kind = targets.get("Accounts", []), targets.get("AccountFilterType", "NONE")
        if kind == "INTERSECTION":
            accounts = [a for a in accounts if a in listed]
        elif kind == "DIFFERENCE":
            accounts = [a for a in accounts if a not in listed]
        elif kind == "UNION":
            accounts += [a for a in listed if a not in accounts]
        accounts = self.management_account_skipped(account, accounts)
        overrides = params.get("ParameterOverrides") or []
        pairs = [(a, r) for r in params["Regions"] for a in accounts]
        failed = {}
        for target in pairs:
            why = self.instance_failures.get(target) or self.world.create_stack_instance(
                account, region, name, target, overrides
            )
            if why:
                failed[target] = why
        operation_id = self.world.record_operation(account, region, name, accounts, params)
        self._track(account, region, name, operation_id, pairs, failed, params)
        return answer(model, {"OperationId": operation_id})

    def stack_set_name_in_use(self, account: str, region: str, name: str) -> Any:
        """CloudFormation API reference, CreateStackSet errors: NameAlreadyExistsException,
        "The specified name is already in use."
        (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStackSet.html).
        moto creates a second stack set of the same name."""
        if not self.world.stack_set_exists(account, region, name):
            return None
        return refuse("NameAlreadyExistsException", f"StackSet {name} already exists")

    def one_operation_at_a_time(self, account: str, region: str, name: str) -> Any:
        """CloudFormation API reference, CreateStackInstances (and the other StackSet
        operations) errors: OperationInProgressException, "Another operation is currently in
        progress for this stack set. Only one operation can be performed for a stack set at a
        given time." (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStackInstances.html).
        moto completes every operation at once, so it never says so."""
        running = self._running.get((account, region, name))
        if running is not None and self.operations[running].polls_left > 0:
            return refuse(
                "OperationInProgressException",
                f"Another Operation on StackSet {name} is in progress: {running}",
            )
        return None

    def operation_runs_until_polled(self, operation: dict[str, Any]) -> None:
        """CloudFormation user guide, "Perform StackSet operations": an operation runs (status
        RUNNING) until every target is done; DescribeStackSetOperation shows it
        (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeStackSetOperation.html).
        Modelled as: RUNNING for the first ``operation_polls`` calls, then the end state
        (FAILED when more targets failed than the operation's failure tolerance)."""
        known = self.operations.get(operation["OperationId"])
        if known is None:
            return
        if known.polls_left > 0:
            known.polls_left -= 1
            operation["Status"] = "RUNNING"
            operation.pop("EndTimestamp", None)
            return
        operation["Status"] = known.status
        if known.status == "FAILED":
            operation["StatusReason"] = "The Operation failed: failure tolerance exceeded"

    def operation_results(self, model: Any, operation_id: str) -> Any:
        """CloudFormation API reference, ListStackSetOperationResults: one summary per account
        and region of the operation, with its status and, for a failure, the reason
        (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ListStackSetOperationResults.html).
        moto lists no target of an operation aimed at organizational units."""
        known = self.operations.get(operation_id)
        if known is None:
            return None
        summaries = []
        for target in known.targets:
            status = "SUCCEEDED" if target not in known.failed else "FAILED"
            summary = {"Account": target[0], "Region": target[1], "Status": status}
            if known.polls_left > 0:
                summary["Status"] = "RUNNING"
            elif target in known.failed:
                summary["StatusReason"] = known.failed[target]
            summaries.append(summary)
        return answer(model, {"Summaries": summaries})

    def _started(self, account: str, region: str, params: dict[str, Any],
                 parsed: dict[str, Any]) -> None:  # fmt: skip
        """An operation moto ran (updates, deletions): tracked for its duration."""
        name, operation_id = params["StackSetName"], parsed.get("OperationId")
        if operation_id:
            targets = self.world.stack_instances(account, region, name, params.get("Regions"))
            self._track(account, region, name, operation_id, targets, {}, params)

    def _track(self, account: str, region: str, name: str, operation_id: str,
               targets: list[tuple[str, str]], failed: dict[tuple[str, str], str],
               params: dict[str, Any]) -> None:  # fmt: skip
        preferences = params.get("OperationPreferences") or {}
        tolerance = preferences.get("FailureToleranceCount")
        if tolerance is None:
            tolerance = len(targets) * preferences.get("FailureTolerancePercentage", 0) // 100
        key = (account, region, name)
        self.operations[operation_id] = Operation(
            key, self.operation_polls, targets, failed, tolerance
        )
        self._running[key] = operation_id

    def _failed_instances(self, account: str, region: str, name: str,
                          summaries: list[dict[str, Any]]) -> None:  # fmt: skip
        """ListStackInstances also shows the instances that failed (OUTDATED, with why)."""
        for operation in self.operations.values():
            if operation.key != (account, region, name):
                continue
            for (target, target_region), why in operation.failed.items():
                summaries[:] = [
                    s for s in summaries if (s["Account"], s["Region"]) != (target, target_region)
                ]
                summaries.append(
                    {
                        "StackSetId": self.world.stack_set_id(account, region, name),
                        "Region": target_region,
                        "Account": target,
                        "Status": "OUTDATED",
                        "StatusReason": why,
                        "StackInstanceStatus": {"DetailedStatus": "FAILED"},
                    }
                )
