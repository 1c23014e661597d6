"""A model of documented AWS behaviours moto (5.2.x) lacks, as botocore event hooks on every
client created while it is installed (:func:`install`, or the ``aws_behaviours`` fixture of
``tests/conftest.py``). Requests are still validated against the API model and answered by
moto; the model only refuses a call, changes moto's answer, or answers a call moto does not
implement, each time as the behaviour below says.

One behaviour per method of :class:`AwsBehaviours` (the StackSet ones in
:mod:`aws_stacksets_model`), each citing its source:

- (a) :meth:`~AwsBehaviours.org_trail_listed_to_members`,
  :meth:`~AwsBehaviours.org_trail_read_from_member`,
  :meth:`~AwsBehaviours.org_trail_put_from_member`: organization trails in members' accounts
  (and a CloudTrail delegated administrator's).
- (b) :meth:`~AwsBehaviours.management_account_skipped`: service-managed StackSets.
- (c) :meth:`~AwsBehaviours.stack_set_name_in_use`,
  :meth:`~AwsBehaviours.one_operation_at_a_time`,
  :meth:`~AwsBehaviours.operation_runs_until_polled`,
  :meth:`~AwsBehaviours.operation_results`: StackSet operations take time, one at a time.
- (d) IAM names unique per account: moto enforces it already (its CloudFormation refuses the
  second stack; tests/aws/test_aws_behaviours.py shows it), so it is not modelled.
- (e) :meth:`~AwsBehaviours.stale_read`; (f) :meth:`~AwsBehaviours.throttle`,
  :meth:`~AwsBehaviours.conflict`: CloudTrail's event selectors.
- (g) the Config calls trailguard makes that moto lacks: :mod:`aws_config_model`.

Hooks run after any other ``before-call`` handler (``register_last``), so a botocore
``Stubber`` or a test's own double answers first and the model then leaves that call alone.
Refusals are answered as a service error response, so botocore raises the modelled exception
class (``client.exceptions.OperationInProgressException``); botocore's retries never see them.
"""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import botocore.client
import pytest
from aws_config_model import ConfigModel, answer, refuse
from aws_stacksets_model import STACK_SET_OPERATIONS, StackSetBehaviours

TRAIL_READS = {"GetEventSelectors": "TrailName", "GetTrailStatus": "Name"}


@dataclass
class AwsBehaviours(StackSetBehaviours):
    """The behaviours, with their switches; ``attach(client)`` hooks one client."""

    enabled: bool = True  # False: every call goes to moto untouched
    # (a) Undocumented, so both outcomes are modelled: False (the field reports, default)
    # refuses a member's reads of another account's organization trail; True answers them.
    org_trail_readable: bool = False
    cloudtrail_delegated_admins: set[str] = field(default_factory=set)
    # (a) the error a delegated administrator's PutEventSelectors on the organization trail
    # gets (e.g. InsufficientDependencyServiceAccessPermissionException: a role without the
    # permissions CloudTrail checks in other services); None: it is applied
    delegated_admin_put_refusal: str | None = None
    # (e) reads after each put that still show the selectors from before it
    stale_reads: int = 0
    # (f) PutEventSelectors at 1 call a second per account and region; the next N conflict
    throttle_puts: bool = False
    conflicts: int = 0
    # time for the throttle (default: time.monotonic, looked up at each call)
    clock: Callable[[], float] | None = None
    config: ConfigModel = field(default_factory=ConfigModel)
    # what happened, for tests to assert on (and refused, operations)
    _stale: dict[tuple[str, str], tuple[dict[str, Any], int]] = field(default_factory=dict)
    _last_put: dict[tuple[str, str], float] = field(default_factory=dict)
    _lock: threading.RLock = field(default_factory=threading.RLock)

    def __post_init__(self) -> None:
        self.config.world = self.world

    def now(self) -> float:
        return self.clock() if self.clock is not None else time.monotonic()

    # --- hooking a client ---------------------------------------------------------------------

    def attach(self, client: Any) -> Any:
        region = client.meta.region_name
        events = client.meta.events

        def remember(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
            context["aws_behaviours_params"] = copy.deepcopy(params)

        def before(model: Any, context: dict[str, Any], request_signer: Any = None,
                   **_: Any) -> Any:  # fmt: skip
            if not self.enabled:
                return None
            account = self.world.caller(request_signer)
            params = context.get("aws_behaviours_params", {})
            context["aws_behaviours"] = (account, region, params)
            with self._lock:
                found = self._before(model, account, region, params)
            if found is not None:
                context["aws_behaviours_answered"] = True
                if found[0].status_code >= 300:
                    self.refused.append((account, model.name, found[1]["Error"]["Code"]))
            return found

        def after(model: Any, parsed: dict[str, Any], context: dict[str, Any], http_response: Any,
                  **_: Any) -> None:  # fmt: skip
            seen = context.get("aws_behaviours")
            if seen is None or context.get("aws_behaviours_answered"):
                return  # another handler answered, or the model did
            if http_response.status_code >= 300:
                return
            with self._lock:
                self._after(model, *seen, parsed)

        events.register("before-parameter-build.*.*", remember)
        events.register_last("before-call.*.*", before)
        events.register_last("after-call.*.*", after)
        return client

    def _before(self, model: Any, account: str, region: str, params: dict[str, Any]) -> Any:
        service, name = model.service_model.service_name, model.name
        if service == "cloudtrail":
            if name in TRAIL_READS or name == "ListTags":
                return self.org_trail_read_from_member(model, account, region, params)
            if name == "PutEventSelectors" and self.world.foreign_org_trail(
                account, params["TrailName"]
            ):
                return self.org_trail_put_from_member(model, account, params)
            if name == "PutEventSelectors":
                refused = self.conflict(account) or self.throttle(account, region)
                if refused is None:
                    self.world.remember_selectors(account, region, params["TrailName"])
                return refused
        if service == "cloudformation":
            if name in STACK_SET_OPERATIONS:
                busy = self.one_operation_at_a_time(account, region, params["StackSetName"])
                if busy is None and name == "CreateStackInstances":
                    return self.create_instances(model, account, region, params)
                return busy
            if name == "CreateStackSet":
                return self.stack_set_name_in_use(account, region, params["StackSetName"])
            if name == "ListStackSetOperationResults":
                return self.operation_results(model, params["OperationId"])
        if service == "config":
            return self.config.before(model, account, region, params)
        return None

    def _after(self, model: Any, account: str, region: str, params: dict[str, Any],
               parsed: dict[str, Any]) -> None:  # fmt: skip
        service, name = model.service_model.service_name, model.name
        if service == "cloudtrail" and name in ("DescribeTrails", "ListTrails"):
            self.org_trail_listed_to_members(account, region, params, parsed)
        elif service == "cloudtrail" and name == "PutEventSelectors":
            self._arm_stale(account, region, params["TrailName"])
        elif service == "cloudformation" and name in STACK_SET_OPERATIONS[:-1]:
            self._started(account, region, params, parsed)
        elif service == "cloudformation" and name == "DescribeStackSetOperation":
            self.operation_runs_until_polled(parsed["StackSetOperation"])
        elif service == "cloudformation" and name == "ListStackSetOperations":
            for summary in parsed.get("Summaries", []):
                known = self.operations.get(summary["OperationId"])
                if known is not None and known.polls_left > 0:
                    summary["Status"] = "RUNNING"
                    summary.pop("EndTimestamp", None)
        elif service == "cloudformation" and name == "ListStackInstances":
            summaries = parsed.setdefault("Summaries", [])
            self._failed_instances(account, region, params["StackSetName"], summaries)

    # --- (a) organization trails seen from member accounts ----------------------------------

    def org_trail_listed_to_members(self, account: str, region: str, params: dict[str, Any],
                                    parsed: dict[str, Any]) -> None:  # fmt: skip
        """CloudTrail user guide, "Creating a trail for an organization"
        (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/creating-trail-organization.html):
        member accounts see the organization trail (DescribeTrails and ListTrails list it,
        with the management account's ARN), but cannot change it. moto shows an organization
        trail to its own account only."""
        if not params.get("includeShadowTrails", True) and "trailList" in parsed:
            return
        wanted = set(params.get("trailNameList") or [])
        for trail in self.world.organization_trails(account, region):
            if wanted and not {trail.trail_name, trail.arn} & wanted:
                continue
            if "trailList" in parsed:
                if all(t["TrailARN"] != trail.arn for t in parsed["trailList"]):
                    parsed["trailList"].append(self.world.trail_description(trail))
            elif all(t["TrailARN"] != trail.arn for t in parsed.get("Trails", [])):
                parsed.setdefault("Trails", []).append(
                    {
                        "TrailARN": trail.arn,
                        "Name": trail.trail_name,
                        "HomeRegion": trail.region_name,
                    }
                )

    def org_trail_read_from_member(self, model: Any, account: str, region: str,
                                   params: dict[str, Any]) -> Any:  # fmt: skip
        """Reported by users, not documented: GetEventSelectors, GetTrailStatus and ListTags on
        another account's organization trail, by ARN from a member account, fail with
        ``CloudTrailARNInvalidException: AccountID in ARN is wrong, you can only access
        resources with AccountID <member>`` (https://github.com/turbot/steampipe-plugin-aws/issues/577,
        https://github.com/joshlarsen/aws-recon/issues/22,
        https://github.com/cloudquery/cq-provider-aws/issues/405; Cloud Custodian's maintainer
        in https://github.com/cloud-custodian/cloud-custodian/pull/6394). AWS documents member
        access only for GetTrailStatus by ARN, and a CloudTrail delegated administrator "can
        perform the same administrative tasks" as the management account. As it is not
        documented, ``org_trail_readable`` chooses: refused (default), or answered with the
        organization trail's own data, as the management account would read it."""
        names = params.get("ResourceIdList") or [params.get(TRAIL_READS.get(model.name, ""), "")]
        foreign = [t for n in names if (t := self.world.foreign_org_trail(account, n))]
        if not foreign:
            return self._stale_answer(model, account, region, params)
        if account in self.cloudtrail_delegated_admins:
            return self.delegated_admin_reads(model, names)
        if not self.org_trail_readable:
            return refuse(
                "CloudTrailARNInvalidException",
                "AccountID in ARN is wrong, you can only access resources with AccountID "
                f"{account}.",
            )
        return answer(model, self.world.read_trail_as_owner(model.name, names), wire=True)

    def delegated_admin_reads(self, model: Any, names: list[str]) -> Any:
        """CloudTrail user guide, "Organization delegated administrator"
        (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-delegated-administrator.html):
        a delegated administrator "can perform the same administrative tasks" on organization
        trails as the management account, though the trails stay owned by the management
        account (their ARN names it). So its reads of the organization trail are answered
        with the trail's own data (moto, which knows no delegated administrator, would look
        for the trail in the administrator's own account and not find it)."""
        return answer(model, self.world.read_trail_as_owner(model.name, names), wire=True)

    def org_trail_put_from_member(self, model: Any, account: str, params: dict[str, Any]) -> Any:
        """CloudTrail API reference, PutEventSelectors errors
        (https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_PutEventSelectors.html):
        ``NotOrganizationMasterAccountException``, "the account making the request to create or
        update an organization trail ... is not the management account"; and
        ``InsufficientDependencyServiceAccessPermissionException``, "the IAM identity that is
        used to create the organization resource lacks one or more required permissions ... in
        a required service". A member's put on the organization trail is refused with the
        first. A delegated administrator's is applied to the trail (user guide, "Organization
        delegated administrator": the same administrative tasks as the management account),
        or refused with ``delegated_admin_put_refusal`` when that is set."""
        if account not in self.cloudtrail_delegated_admins:
            return refuse(
                "NotOrganizationMasterAccountException",
                f"The request was made by account {account}, which is not the management "
                "account of the organization.",
            )
        if self.delegated_admin_put_refusal is not None:
            return refuse(
                self.delegated_admin_put_refusal,
                "The IAM identity that made the request lacks permissions required to update "
                "an organization trail.",
            )
        applied = self.world.put_selectors_as_owner(params["TrailName"], params)
        return answer(model, applied, wire=True)

    # --- (e), (f) event selectors ----------------------------------------------------------------

    def stale_read(self, account: str, arn: str) -> dict[str, Any] | None:
        """CloudTrail user guide, "CloudTrail data consistency"
        (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-data-consistency.html):
        updating event selectors is eventually consistent; a GetEventSelectors right after a
        successful PutEventSelectors can return the old selectors. Modelled as: the next
        ``stale_reads`` reads of the trail after a put return what it held before."""
        held = self._stale.get((account, arn))
        if held is None or held[1] <= 0:
            return None
        self._stale[(account, arn)] = (held[0], held[1] - 1)
        return copy.deepcopy(held[0])

    def throttle(self, account: str, region: str) -> Any:
        """CloudTrail quotas (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/WhatIsCloudTrail-Limits.html):
        PutEventSelectors, 1 transaction a second per account and region, not adjustable;
        faster calls fail with ThrottlingException."""
        if not self.throttle_puts:
            return None
        now, last = self.now(), self._last_put.get((account, region))
        if last is not None and now - last < 1.0:
            return refuse("ThrottlingException", "Rate exceeded")
        self._last_put[(account, region)] = now
        return None

    def conflict(self, account: str) -> Any:
        """CloudTrail API reference, PutEventSelectors errors: ConflictException, "the request
        cannot be processed ... try again in a few minutes"
        (https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_PutEventSelectors.html)."""
        if self.conflicts <= 0:
            return None
        self.conflicts -= 1
        return refuse(
            "ConflictException",
            "You are trying to update a resource when another request is in progress. Allow "
            "sufficient wait time for the previous request to complete, then retry your request.",
        )

    def _arm_stale(self, account: str, region: str, name: str) -> None:
        before = self.world.last_put_before.pop((account, region, name), None)
        if self.stale_reads and before is not None:
            self._stale[(account, before[0])] = (before[1], self.stale_reads)

    def _stale_answer(self, model: Any, account: str, region: str, params: dict[str, Any]) -> Any:
        if model.name != "GetEventSelectors":
            return None
        arn = self.world.trail_arn(account, region, params["TrailName"])
        body = self.stale_read(account, arn) if arn else None
        return None if body is None else answer(model, body, wire=True)


def install(monkeypatch: pytest.MonkeyPatch, behaviours: AwsBehaviours) -> AwsBehaviours:
    """Hook every botocore client created from now on (until ``monkeypatch`` is undone)."""
    original = botocore.client.ClientCreator.create_client

    def create_client(self: Any, *args: Any, **kwargs: Any) -> Any:
        return behaviours.attach(original(self, *args, **kwargs))

    monkeypatch.setattr(botocore.client.ClientCreator, "create_client", create_client)
    return behaviours


_INSTALLED: list[AwsBehaviours] = []


def installed(**switches: Any) -> Iterator[AwsBehaviours]:
    """The model, installed for a ``with`` block or a fixture (``yield from``). Inside another
    installation (a module-wide one, then a test's), the same model is yielded with
    ``switches`` set until the inner one ends."""
    if _INSTALLED:
        current = _INSTALLED[-1]
        saved = {name: getattr(current, name) for name in switches}
        for name, value in switches.items():
            setattr(current, name, value)
        try:
            yield current
        finally:
            for name, value in saved.items():
                setattr(current, name, value)
        return
    with pytest.MonkeyPatch.context() as monkeypatch:
        _INSTALLED.append(install(monkeypatch, AwsBehaviours(**switches)))
        try:
            yield _INSTALLED[-1]
        finally:
            _INSTALLED.pop()
