"""What the AWS behaviour model (``aws_behaviours``) reads and changes inside moto (5.2.x), in
one place: moto's in-process backends (shared by ``mock_aws`` and ``ThreadedMotoServer``), so
the model needs no client of its own. A moto upgrade that moves these breaks here only.
"""

from __future__ import annotations

import copy
import uuid
from typing import Any

from moto.awslambda.models import lambda_backends
from moto.cloudformation.models import cloudformation_backends
from moto.cloudtrail.models import Trail, cloudtrail_backends
from moto.config.models import config_backends
from moto.iam.models import get_account_id_from
from moto.organizations.models import organizations_backends
from moto.s3.models import s3_backends

PARTITION = "aws"


class MotoWorld:
    def __init__(self) -> None:
        # (account, region, trail name or ARN) -> (trail ARN, selectors before the put)
        self.last_put_before: dict[tuple[str, str, str], tuple[str, dict[str, Any]]] = {}

    # --- accounts and the organization ------------------------------------------------------

    def caller(self, request_signer: Any) -> str:
        """The account a client acts as, as moto decides it: from its access key."""
        credentials = getattr(request_signer, "_credentials", None)
        if credentials is None:
            return get_account_id_from("")
        return get_account_id_from(credentials.get_frozen_credentials().access_key)

    def management_account(self, account: str) -> str | None:
        """The management account of ``account``'s organization (itself when it is one)."""
        if organizations_backends[account][PARTITION].org is not None:
            return account
        found = organizations_backends.master_accounts.get(account)
        return found[0] if found else None

    def organization(self, account: str) -> Any:
        management = self.management_account(account)
        return None if management is None else organizations_backends[management][PARTITION]

    def organization_accounts(self, account: str) -> list[str]:
        backend = self.organization(account)
        return [] if backend is None else [a.id for a in backend.accounts]

    # --- CloudTrail -------------------------------------------------------------------------

    def organization_trails(self, account: str, region: str) -> list[Trail]:
        """The organization trails of ``account``'s organization, owned by another account
        (its management account), that apply in ``region``."""
        management = self.management_account(account)
        if management is None or management == account:
            return []
        return [
            trail
            for backend in list(cloudtrail_backends[management].values())
            for trail in list(backend.trails.values())
            if trail.is_org_trail and (trail.is_multi_region or trail.region_name == region)
        ]

    def foreign_org_trail(self, account: str, name: str) -> Trail | None:
        """The organization trail of another account that ``name`` (an ARN) stands for."""
        if not name.startswith("arn:") or name.split(":")[4:5] == [account]:
            return None
        management = self.management_account(account)
        if management is None or name.split(":")[4] != management:
            return None
        region = name.split(":")[3]
        trail = next((t for t in self._trails(management, region) if t.arn == name), None)
        return trail if trail is not None and trail.is_org_trail else None

    def trail_description(self, trail: Trail) -> dict[str, Any]:
        """As DescribeTrails shows it (moto's own description, its nulls left out)."""
        return {k: v for k, v in trail.description(include_region=True).items() if v is not None}

    def read_trail_as_owner(self, operation: str, names: list[str]) -> dict[str, Any]:
        """GetEventSelectors / GetTrailStatus / ListTags as the trail's owner reads them
        (wire form)."""
        arn = names[0]
        owner, region = arn.split(":")[4], arn.split(":")[3]
        backend = cloudtrail_backends[owner][region]
        if operation == "GetEventSelectors":
            found, basic, advanced = backend.get_event_selectors(arn)
            return {"TrailARN": found, "EventSelectors": basic, "AdvancedEventSelectors": advanced}
        if operation == "GetTrailStatus":
            return dict(backend.get_trail_status(arn).description())
        return {"ResourceTagList": backend.list_tags(names)}

    def put_selectors_as_owner(self, arn: str, params: dict[str, Any]) -> dict[str, Any]:
        """PutEventSelectors on the trail ``arn`` as its owner puts them (wire form)."""
        owner, region = arn.split(":")[4], arn.split(":")[3]
        found, basic, advanced = cloudtrail_backends[owner][region].put_event_selectors(
            trail_name=arn,
            event_selectors=params.get("EventSelectors"),
            advanced_event_selectors=params.get("AdvancedEventSelectors"),
        )
        return {"TrailARN": found, "EventSelectors": basic, "AdvancedEventSelectors": advanced}

    def trail_arn(self, account: str, region: str, name: str) -> str | None:
        if name.startswith("arn:"):
            return name
        trail = next((t for t in self._trails(account, region) if t.trail_name == name), None)
        return None if trail is None else str(trail.arn)

    def remember_selectors(self, account: str, region: str, name: str) -> None:
        """The trail's selectors, kept before a put (for stale reads after it)."""
        arn = self.trail_arn(account, region, name)
        trail = next((t for t in self._trails(account, region) if t.arn == arn), None)
        if trail is None:
            return
        basic, advanced = trail.get_event_selectors()
        body = {"TrailARN": arn, "EventSelectors": basic, "AdvancedEventSelectors": advanced}
        self.last_put_before[(account, region, name)] = (str(arn), copy.deepcopy(body))

    def _trails(self, account: str, region: str) -> list[Trail]:
        return list(cloudtrail_backends[account][region].trails.values())

    # --- CloudFormation StackSets ---------------------------------------------------------------

    def _stack_set(self, account: str, region: str, name: str) -> Any:
        return cloudformation_backends[account][region].describe_stack_set(name)

    def service_managed(self, account: str, region: str, name: str) -> bool:
        return bool(self._stack_set(account, region, name).permission_model == "SERVICE_MANAGED")

    def stack_instances(self, account: str, region: str, name: str,
                        regions: list[str] | None) -> list[tuple[str, str]]:  # fmt: skip
        instances = self._stack_set(account, region, name).instances.stack_instances
        return [
            (i.account_id, i.region_name)
            for i in instances
            if regions is None or i.region_name in regions
        ]

    def stack_set_exists(self, account: str, region: str, name: str) -> bool:
        stack_sets = cloudformation_backends[account][region].stacksets.values()
        return any(s.name == name and s.status != "DELETED" for s in stack_sets)

    def stack_set_id(self, account: str, region: str, name: str) -> str:
        return str(self._stack_set(account, region, name).id)

    def ou_accounts(self, account: str, ou_ids: list[str]) -> list[str]:
        """The active accounts under the organizational units ``ou_ids`` (or roots) and their
        child OUs, in the organization's order."""
        backend = self.organization(account)
        if backend is None:
            return []
        units = set(ou_ids)
        while True:
            more = {ou.id for ou in backend.ou if ou.parent_id in units} - units
            if not more:
                break
            units |= more
        return [a.id for a in backend.accounts if a.parent_id in units and a.status == "ACTIVE"]

    def create_stack_instance(self, account: str, region: str, name: str,
                              target: tuple[str, str],
                              overrides: list[dict[str, Any]]) -> str | None:  # fmt: skip
        """One instance of a service-managed stack set, made by moto: None, or why moto
        refused it (moto keeps what the stack made before the failing resource)."""
        stack_set = self._stack_set(account, region, name)
        values = dict(stack_set.parameters or {})
        values.update({o["ParameterKey"]: o["ParameterValue"] for o in overrides})
        parameters = [{"ParameterKey": k, "ParameterValue": v} for k, v in values.items()]
        try:
            stack_set.instances.create_instances(
                [target[0]], [target[1]], parameters, {}, permission_model="SERVICE_MANAGED"
            )
        except Exception as exc:  # moto's errors have no common base
            code = getattr(exc, "error_type", type(exc).__name__)
            return f"{code}: {getattr(exc, 'message', None) or exc}"
        return None

    def record_operation(self, account: str, region: str, name: str, accounts: list[str],
                         params: dict[str, Any]) -> str:  # fmt: skip
        """A CREATE operation in moto's record (DescribeStackSetOperation reads it)."""
        operation_id = str(uuid.uuid4())
        self._stack_set(account, region, name)._create_operation(
            operation_id, "CREATE", "SUCCEEDED", accounts, params["Regions"]
        )
        return operation_id

    # --- Config ---------------------------------------------------------------------------------

    def config_rule_names(self, account: str, region: str) -> list[str]:
        return list(config_backends[account][region].config_rules)

    def aggregator(self, account: str, region: str, name: str) -> Any:
        return config_backends[account][region].config_aggregators.get(name)

    # --- what an organization conformance pack needs (aws_orgpack_model) ----------------------

    def recording(self, account: str, region: str) -> bool:
        """Whether a configuration recorder of ``account`` records in ``region``."""
        recorders = config_backends[account][region].recorders.values()
        return any(r.status.recording for r in recorders)

    def feature_set(self, account: str) -> str | None:
        backend = self.organization(account)
        return None if backend is None or backend.org is None else str(backend.org.feature_set)

    def delegated_admins(self, account: str, principal: str) -> list[str]:
        """The accounts registered as delegated administrators for ``principal``."""
        backend = self.organization(account)
        if backend is None:
            return []
        return [a.account.id for a in backend.admins if principal in a.services]

    def active_accounts(self, account: str) -> list[str]:
        backend = self.organization(account)
        return [] if backend is None else [a.id for a in backend.accounts if a.status == "ACTIVE"]

    def invoke_statements(self, function_arn: str) -> list[dict[str, Any]] | None:
        """The resource policy statements of the Lambda function ``function_arn`` (None: no
        such function)."""
        parts = function_arn.split(":")
        if len(parts) < 7:
            return None
        backend = lambda_backends[parts[4]][parts[3]]
        try:
            function = backend.get_function(parts[6])
        except Exception:  # moto's not-found error has no common base
            return None
        return list(function.policy.statements)

    def s3_object(self, account: str, bucket: str, key: str) -> bytes | None:
        try:
            return bytes(s3_backends[account][PARTITION].get_object(bucket, key).value)
        except Exception:  # no such bucket or key
            return None
