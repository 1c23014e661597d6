"""What every part of ``trailguard deploy`` shares (:mod:`trailguard.aws.deploy` puts the
parts together): the options, the one way a call is made (or, when listing, only listed), the
artifact uploads, the facts read once, and the plan's items.

Three ways to run: deploy (``client_for`` given); ``plan`` (reads only, and the change sets
a plan creates, describes and deletes; every call in :data:`DEPLOY_WRITES` is refused); and
listing (``client_for`` None: nothing is called, every call is listed with the values known in
advance, placeholders naming what is read at run time).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from botocore import xform_name
from botocore.exceptions import ClientError

from trailguard.aws.stacksets import StackSetOperations

PREFIX = "trailguard"
PLAN_PREFIX = "trailguard/plan"  # where a plan uploads the templates of its change sets
STACK_SETS_MODE = "stack-sets"
ORGANIZATION_PACK_MODE = "organization-pack"
MODES = (STACK_SETS_MODE, ORGANIZATION_PACK_MODE)
# What a plan never calls (a test holds it to that): every call that changes a deployment.
DEPLOY_WRITES = frozenset(
    {
        "CreateStack",
        "UpdateStack",
        "CreateStackSet",
        "UpdateStackSet",
        "CreateStackInstances",
        "AddPermission",
        "PutOrganizationConformancePack",
    }
)


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


@dataclass(frozen=True, slots=True)
class PlanItem:
    """One line of a plan: where (an account and region, or the organization), what (a
    stack, a stack set, ...), what would happen to it, and its details (changes, reasons)."""

    where: str
    what: str
    action: str
    details: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "where": self.where,
            "what": self.what,
            "action": self.action,
            "details": list(self.details),
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
    mode: str = STACK_SETS_MODE
    delivery_bucket: str | None = None  # organization pack: awsconfigconforms..., {region}
    excluded_accounts: list[str] = field(default_factory=list)  # organization pack


def key(relative: str) -> str:
    return f"{PREFIX}/{relative}"


def code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


class DeployBase(StackSetOperations):
    def __init__(
        self,
        files: dict[str, bytes],
        options: DeployOptions,
        client_for: Callable[[str, str], Any] | None,
        notify: Callable[[str], None] | None = None,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] | None = None,
        plan: bool = False,
    ) -> None:
        self.files = files  # the built artifacts, by path
        self.options = options
        self.home = options.regions[0]  # where the roles and the stack sets live
        self.delegated_admin = options.delegated_admin
        self.client_for = client_for  # None: list the calls, make none
        self.planning = plan and client_for is not None
        self.notify = notify or (lambda _: None)
        self._sleep, self._clock = sleep, clock  # None: time.sleep / time.monotonic at the call
        self.calls: list[Call] = []
        self.plan: list[PlanItem] = []
        self.facts: dict[str, Any] = {}  # answers read once (organization, caller)

    def sleep(self, seconds: float) -> None:
        (self._sleep or time.sleep)(seconds)

    def now(self) -> float:
        return (self._clock or time.monotonic)()

    def call(self, service: str, operation: str, region: str, **params: Any) -> Any:
        """Make one call (recorded in ``calls``); when listing, only record it (None)."""
        if self.planning and operation in DEPLOY_WRITES:
            raise AssertionError(f"a plan must not call {operation}")
        shown = {k: (f"<{len(v)} bytes>" if isinstance(v, bytes) else v) for k, v in params.items()}
        self.calls.append(Call(service, operation, region, shown))
        if self.client_for is None:
            return None
        client = self.client_for(service, region)
        method = getattr(client, xform_name(operation))
        return method(**params)

    def bucket(self, region: str) -> str:
        return self.options.bucket.format(region=region)

    def upload(self, region: str, relative: str) -> tuple[str, str]:
        """Put an artifact in the region's bucket: (bucket, key). A plan uploads under
        ``trailguard/plan/`` (templates for its change sets), never over a deployed key."""
        bucket, where = self.bucket(region), key(relative)
        if self.planning:
            where = f"{PLAN_PREFIX}/{relative}"
        self.call("s3", "PutObject", region, Bucket=bucket, Key=where, Body=self.files[relative])
        return bucket, where

    def _upload(self, region: str, relative: str) -> str:
        bucket, where = self.upload(region, relative)
        return f"https://{bucket}.s3.{region}.amazonaws.com/{where}"

    def note(self, where: str, text: str) -> None:
        """Something the user must know: in a plan, an item; else a progress line."""
        if self.planning:
            self.plan.append(PlanItem(where, "note", text))
        else:
            self.notify(text)

    def organization_facts(self) -> tuple[str, str, str]:
        """The organization's ID, its management account and this (the central) account,
        read once (placeholders when listing)."""
        if "organization" not in self.facts:
            self.facts["organization"] = self.call(
                "organizations", "DescribeOrganization", self.home
            )
            self.facts["caller"] = self.call("sts", "GetCallerIdentity", self.home)
        organization, me = self.facts["organization"], self.facts["caller"]
        if organization is None or me is None:  # listing
            found = self.options.organization_id or "<DescribeOrganization: Organization.Id>"
            return found, "<DescribeOrganization: MasterAccountId>", "<GetCallerIdentity: Account>"
        facts = organization["Organization"]
        return self.options.organization_id or facts["Id"], facts["MasterAccountId"], me["Account"]

    def stack_status(self, region: str, name: str) -> str | None:
        """The stack's status, None when there is no such stack."""
        assert self.client_for is not None
        cloudformation = self.client_for("cloudformation", region)
        try:
            found = cloudformation.describe_stacks(StackName=name)["Stacks"]
        except ClientError as exc:
            if "does not exist" not in str(exc):
                raise
            return None
        return str(found[0]["StackStatus"]) if found else None
