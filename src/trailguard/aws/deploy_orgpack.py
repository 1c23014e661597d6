"""``trailguard deploy --org --mode organization-pack``: the rules as one organization
conformance pack per region (PutOrganizationConformancePack, Config API reference), next to
the same central Lambdas, invoke permissions and member StackSets as the ``stack-sets`` mode
(the member StackSet then puts the roles and the SSM document in each account, no pack).

- The template is ``organization-conformance-pack.yaml``: the rules without remediation (an
  organization pack is one template for every account, and a remediation names its role by a
  literal ARN, which names one account; see ``artifacts/pack.py``). It goes as TemplateBody
  (at most 51,200 bytes), else through the artifact bucket as TemplateS3Uri.
- Its parameters name the region's central Lambdas and the member role they assume
  (ExecutionRoleName); ExcludedAccounts and DeliveryS3Bucket (which must start with
  ``awsconfigconforms``) come from the options.
- The call is regional, so it is made in each region; a pack still being created, updated or
  deleted refuses it (ResourceInUseException), so that is waited out first.
- Each region's pack is then waited for (DescribeOrganizationConformancePackStatuses polled
  with backoff) and judged account by account (GetOrganizationConformancePackDetailedStatus):
  every account whose pack failed is named with Config's error code and message, as
  :class:`DeployFailed`.

Whether an organization pack reaches the management account is not settled by the API
reference (StackSets, by contrast, document that they never do). Both answers are handled:
the accounts of the detailed status are returned per region, and the management account's own
``trailguard-member`` stack carries an account pack only in a region where the organization
pack did not reach it.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from trailguard.artifacts.pack import ORGANIZATION_PACK, TEMPLATE_BODY_LIMIT, lambda_parameter
from trailguard.artifacts.templates import PACK_NAME, ROLE_NAMES, function_name
from trailguard.aws.deploy_base import ORGANIZATION_PACK_MODE, DeployBase, PlanItem, code
from trailguard.aws.regions import classify
from trailguard.aws.stacksets import FIRST_POLL, LAST_POLL, OPERATION_TIMEOUT, DeployFailed
from trailguard.rules.registry import rule_ids

__all__ = ["ORGANIZATION_PACK_MODE", "OrganizationPackSteps"]

UNFINISHED = ("CREATE_IN_PROGRESS", "UPDATE_IN_PROGRESS", "DELETE_IN_PROGRESS")
RULE_ROLE = ROLE_NAMES["RuleRoleName"][0]
WHAT = f"organization conformance pack {PACK_NAME}"


class OrganizationPackSteps(DeployBase):
    def _pack_request(self, region: str, central: str) -> dict[str, Any]:
        """PutOrganizationConformancePack's parameters for ``region``."""
        body = self.files[ORGANIZATION_PACK]
        request: dict[str, Any] = {"OrganizationConformancePackName": PACK_NAME}
        if len(body) <= TEMPLATE_BODY_LIMIT:
            request["TemplateBody"] = body.decode("utf-8")
        else:
            bucket, where = self.upload(region, ORGANIZATION_PACK)
            request["TemplateS3Uri"] = f"s3://{bucket}/{where}"
        if self.options.delivery_bucket:
            request["DeliveryS3Bucket"] = self.options.delivery_bucket.format(region=region)
        partition = (classify(region) or ("aws", ""))[0]
        values = {
            lambda_parameter(r): f"arn:{partition}:lambda:{region}:{central}:function:"
            + function_name(r)
            for r in rule_ids()
        }
        values["ExecutionRoleName"] = RULE_ROLE
        request["ConformancePackInputParameters"] = [
            {"ParameterName": k, "ParameterValue": v} for k, v in values.items()
        ]
        if self.options.excluded_accounts:
            request["ExcludedAccounts"] = list(self.options.excluded_accounts)
        return request

    def _organization_packs(self, central: str) -> dict[str, set[str]]:
        """Put the pack in every region, then wait for each: the accounts it reached, by
        region; DeployFailed names every account and region where it failed."""
        for region in self.options.regions:
            request = self._pack_request(region, central)
            if self.planning:
                self._plan_pack(region, request)
            else:
                self._put_pack(region, request)
        if self.client_for is None or self.planning:
            return {}
        covered, failures = {}, []
        for region in self.options.regions:
            covered[region], failed = self._wait_pack(region)
            failures += failed
        if failures:
            raise DeployFailed(WHAT, failures)
        return covered

    def _put_pack(self, region: str, request: dict[str, Any]) -> None:
        start = self.now()
        while True:
            try:
                self.call("config", "PutOrganizationConformancePack", region, **request)
                return
            except ClientError as exc:
                if code(exc) != "ResourceInUseException":
                    raise
                if self.now() - start > OPERATION_TIMEOUT:
                    raise DeployFailed(WHAT, [("-", region, f"still in use: {exc}")]) from exc
                self.notify(f"{region} {WHAT}: another change is in progress, waiting for it")
                self._wait_pack(region, judge=False)
                self.sleep(FIRST_POLL)

    def _pack_status(self, region: str) -> str | None:
        assert self.client_for is not None
        config = self.client_for("config", region)
        try:
            found = config.describe_organization_conformance_pack_statuses(
                OrganizationConformancePackNames=[PACK_NAME]
            )["OrganizationConformancePackStatuses"]
        except ClientError as exc:
            if code(exc) != "NoSuchOrganizationConformancePackException":
                raise
            return None
        return str(found[0]["Status"]) if found else None

    def _wait_pack(self, region: str, judge: bool = True) -> tuple[set[str], list[Any]]:
        """Poll until the region's pack is no longer in progress; with ``judge``, the
        accounts it reached and every account where it failed (account, region, why)."""
        assert self.client_for is not None
        start, delay = self.now(), FIRST_POLL
        while True:
            status, elapsed = self._pack_status(region), self.now() - start
            if status not in UNFINISHED:
                break
            if elapsed > OPERATION_TIMEOUT:
                return set(), [("-", region, f"still {status} after {elapsed:.0f} s")]
            self.notify(f"{region} {WHAT}: {status.lower()} ({elapsed:.0f} s)")
            self.sleep(delay)
            delay = min(delay * 2, LAST_POLL)
        if not judge:
            return set(), []
        if status is None:
            return set(), [
                ("-", region, "the pack is not there after PutOrganizationConformancePack")
            ]
        config = self.client_for("config", region)
        pages = config.get_paginator("get_organization_conformance_pack_detailed_status")
        details = [
            d
            for page in pages.paginate(OrganizationConformancePackName=PACK_NAME)
            for d in page["OrganizationConformancePackDetailedStatuses"]
        ]
        failures = [
            (d["AccountId"], region, ": ".join(
                x for x in (d["Status"], d.get("ErrorCode"), d.get("ErrorMessage")) if x))
            for d in details
            if d["Status"].endswith("_FAILED")
        ]  # fmt: skip
        if status.endswith("_FAILED") and not failures:
            failures = [("-", region, status)]
        self.notify(
            f"{region} {WHAT}: {status.lower()}, {len(details)} accounts, {len(failures)} failed"
        )
        return {d["AccountId"] for d in details}, failures

    def _own_pack(self, region: str, management: str, covered: dict[str, set[str]]) -> str:
        """AccountConformancePack for the management account's stack in ``region``: "true"
        only where the organization pack did not reach it."""
        if self.planning or self.client_for is None:
            return "false"
        if management in covered.get(region, set()):
            return "false"
        self.notify(
            f"{region}: the {WHAT} did not reach the management account {management}; "
            "its trailguard-member stack carries its own pack there"
        )
        return "true"

    def _plan_pack(self, region: str, request: dict[str, Any]) -> None:
        where = f"organization, {region}"
        status = self._pack_status(region)
        excluded = request.get("ExcludedAccounts") or []
        reach = "every account of the organization" + (
            f" but {', '.join(excluded)}" if excluded else ""
        )
        if status is None:
            self.plan.append(
                PlanItem(where, WHAT, "create", (f"reaches {reach}", "rules only, no remediation"))
            )
            return
        config = self.client_for("config", region) if self.client_for else None
        assert config is not None
        found = config.describe_organization_conformance_packs(
            OrganizationConformancePackNames=[PACK_NAME]
        )["OrganizationConformancePacks"][0]
        old = {
            p["ParameterName"]: p["ParameterValue"]
            for p in found.get("ConformancePackInputParameters", [])
        }
        new = {
            p["ParameterName"]: p["ParameterValue"]
            for p in request["ConformancePackInputParameters"]
        }
        details = [
            f"parameter {k}: {old.get(k, '(none)')} -> {v}"
            for k, v in new.items()
            if old.get(k) != v
        ]
        if sorted(found.get("ExcludedAccounts", [])) != sorted(excluded):
            details.append(
                f"excluded accounts: {', '.join(found.get('ExcludedAccounts', [])) or '(none)'}"
                f" -> {', '.join(excluded) or '(none)'}"
            )
        details.append(f"template put again (status now {status}); reaches {reach}")
        self.plan.append(PlanItem(where, WHAT, "update", tuple(details)))
