"""(h) of the AWS behaviour model: organization conformance packs, which moto (5.2.x) only
stores (it requires TemplateS3Uri, validates no template, bucket or caller, finishes at once
and reports the caller's account alone). Answered here instead, each call as the Config API
reference says, every answer validated against botocore's model of the output
(:func:`aws_config_model.answer`):

- ``PutOrganizationConformancePack``: who may call, the template, the delivery bucket, one
  change at a time, then the pack in every account of the organization but the excluded ones;
- ``DescribeOrganizationConformancePackStatuses``: in progress for a few polls, then the end;
- ``GetOrganizationConformancePackDetailedStatus``: each account's status, with Config's error
  for the accounts where the pack failed;
- ``DescribeOrganizationConformancePacks``: what was put.

Config API reference (https://docs.aws.amazon.com/config/latest/APIReference/):
API_PutOrganizationConformancePack.html, API_DescribeOrganizationConformancePackStatuses.html,
API_GetOrganizationConformancePackDetailedStatus.html,
API_DescribeOrganizationConformancePacks.html.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import yaml
from aws_config_model import answer, refuse
from moto_world import MotoWorld

CALLS = (
    "PutOrganizationConformancePack",
    "DescribeOrganizationConformancePackStatuses",
    "GetOrganizationConformancePackDetailedStatus",
    "DescribeOrganizationConformancePacks",
)
CONFIG_ORG_PRINCIPAL = "config-multiaccountsetup.amazonaws.com"
DELIVERY_PREFIX = "awsconfigconforms"
# Conformance pack templates: "You can only use AWS::Config::ConfigRule and
# AWS::Config::RemediationConfiguration" (Config developer guide, "Conformance Pack Templates").
PACK_RESOURCES = ("AWS::Config::ConfigRule", "AWS::Config::RemediationConfiguration")
NO_PACK = (
    "NoSuchOrganizationConformancePackException",
    "One or more organization conformance packs with specified names are not present. Ensure "
    "your names are correct and try your request again later.",
)


@dataclass
class OrgPack:
    name: str
    request: dict[str, Any]
    polls_left: int
    kind: str  # CREATE or UPDATE
    accounts: dict[str, tuple[str, str] | None]  # account -> (error code, message) or None
    updated: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def status(self) -> str:
        if self.polls_left > 0:
            return f"{self.kind}_IN_PROGRESS"
        return f"{self.kind}_FAILED" if any(self.accounts.values()) else f"{self.kind}_SUCCESSFUL"


def _parameters(request: dict[str, Any]) -> dict[str, str]:
    return {
        p["ParameterName"]: p.get("ParameterValue", "")
        for p in request.get("ConformancePackInputParameters", [])
    }


@dataclass
class OrgPackModel:
    world: MotoWorld = field(default_factory=MotoWorld)
    # DescribeOrganizationConformancePackStatuses answers *_IN_PROGRESS this many times first.
    pack_polls: int = 2
    # Not settled by the API reference: whether the pack reaches the management account.
    reaches_management: bool = True
    # packs made to fail in an account and region: (account, region) -> (code, message)
    failures: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)
    packs: dict[tuple[str, str, str], OrgPack] = field(default_factory=dict)

    def before(self, model: Any, account: str, region: str, params: dict[str, Any]) -> Any:
        handler = {
            "PutOrganizationConformancePack": self.put,
            "DescribeOrganizationConformancePackStatuses": self.statuses,
            "GetOrganizationConformancePackDetailedStatus": self.detailed,
            "DescribeOrganizationConformancePacks": self.describe,
        }[model.name]
        return handler(model, account, region, params)

    def _caller_refused(self, account: str) -> Any:
        """ "Only a management account and a delegated administrator can call this API" (for
        a delegated administrator: registered for config-multiaccountsetup.amazonaws.com);
        OrganizationAccessDeniedException otherwise, NoAvailableOrganizationException outside
        an organization; OrganizationAllFeaturesNotEnabledException without all features."""
        management = self.world.management_account(account)
        if management is None:
            return refuse("NoAvailableOrganizationException", "Organization is not available.")
        if account != management and account not in self.world.delegated_admins(
            account, CONFIG_ORG_PRINCIPAL
        ):
            return refuse(
                "OrganizationAccessDeniedException",
                "This action can be only made by AWS Organization's management account or "
                "delegated administrator.",
            )
        if self.world.feature_set(account) != "ALL":
            return refuse(
                "OrganizationAllFeaturesNotEnabledException",
                "The organization does not have all features enabled.",
            )
        return None

    def _template_refused(self, account: str, params: dict[str, Any]) -> Any:
        """TemplateBody or TemplateS3Uri (an object that exists); only ConfigRule and
        RemediationConfiguration resources; a remediation's AutomationAssumeRole a literal
        (domain notes §4: no intrinsic functions there); every parameter without a default
        given, and no input parameter the template does not declare."""
        body = params.get("TemplateBody")
        uri = params.get("TemplateS3Uri")
        if uri:  # "If you provide both Config uses the TemplateS3Uri parameter"
            bucket, _, key = uri.removeprefix("s3://").partition("/")
            found = self.world.s3_object(account, bucket, key)
            if found is None:
                return refuse("ValidationException", f"Cannot read the template at {uri}.")
            body = found.decode("utf-8")
        if not body:
            return refuse("ValidationException", "Template body is invalid")
        try:
            template = yaml.safe_load(body)
        except yaml.YAMLError as exc:
            return refuse("OrganizationConformancePackTemplateValidationException", str(exc))
        resources = (template or {}).get("Resources") or {}
        for name, resource in resources.items():
            if resource.get("Type") not in PACK_RESOURCES:
                return refuse(
                    "OrganizationConformancePackTemplateValidationException",
                    f"Resource {name}: type {resource.get('Type')} is not supported in a "
                    "conformance pack.",
                )
            role = resource.get("Properties", {}).get("Parameters", {}).get("AutomationAssumeRole")
            values = ((role or {}).get("StaticValue") or {}).get("Values") or []
            if role is not None and not all(isinstance(v, str) for v in values):
                return refuse(
                    "OrganizationConformancePackTemplateValidationException",
                    f"Resource {name}: AutomationAssumeRole must be a literal role ARN.",
                )
        declared = template.get("Parameters") or {}
        given = _parameters(params)
        unknown = sorted(set(given) - set(declared))
        needed = sorted(n for n, p in declared.items() if "Default" not in p and n not in given)
        if unknown or needed:
            return refuse(
                "OrganizationConformancePackTemplateValidationException",
                f"Parameters {unknown} do not exist in the template; parameters {needed} "
                "must have values.",
            )
        return None

    def _account_failure(self, account: str, region: str, request: dict[str, Any]) -> Any:
        """Why the pack fails in ``account`` (None: it does not). Config must record there
        (developer guide, "Managing Conformance Packs Across all Accounts in Your
        Organization": "Ensure AWS Config recording is on"), and a custom Lambda rule needs
        a function Config can invoke for that account (InsufficientPermissionsException:
        "the Lambda function cannot be invoked. Check the function ARN, and check the
        function's permissions", API reference, PutConfigRule)."""
        if (account, region) in self.failures:
            return self.failures[(account, region)]
        if not self.world.recording(account, region):
            return (
                "NoAvailableConfigurationRecorderException",
                "There are no configuration recorders available to provide the configuration.",
            )
        for name, value in _parameters(request).items():
            if not value.startswith("arn:") or ":lambda:" not in value:
                continue
            statements = self.world.invoke_statements(value)
            allowed = statements is not None and any(
                s.get("Principal") in ({"Service": "config.amazonaws.com"}, "config.amazonaws.com")
                and s.get("Condition", {}).get("StringEquals", {}).get("AWS:SourceAccount", account)
                == account
                for s in statements
            )
            if not allowed:
                return (
                    "InsufficientPermissionsException",
                    f"The AWS Lambda function {value} ({name}) cannot be invoked. Check the "
                    "specified function ARN, and check the function's permissions.",
                )
        return None

    def put(self, model: Any, account: str, region: str, params: dict[str, Any]) -> Any:
        """PutOrganizationConformancePack. DeliveryS3Bucket "must be prefixed with
        awsconfigconforms"; "You cannot update a conformance pack while it is in this state"
        (CREATE_IN_PROGRESS, UPDATE_IN_PROGRESS): ResourceInUseException."""
        refused = self._caller_refused(account) or self._template_refused(account, params)
        if refused is not None:
            return refused
        bucket = params.get("DeliveryS3Bucket")
        if bucket and not bucket.startswith(DELIVERY_PREFIX):
            return refuse(
                "ValidationException",
                f"The delivery bucket name {bucket} must start with {DELIVERY_PREFIX}.",
            )
        name = params["OrganizationConformancePackName"]
        known = self.packs.get((account, region, name))
        if known is not None and known.polls_left > 0:
            return refuse(
                "ResourceInUseException",
                "A conformance pack creation, update, or deletion is in progress. Try your "
                "request again later.",
            )
        management = self.world.management_account(account)
        excluded = set(params.get("ExcludedAccounts") or [])
        targets = [
            a
            for a in self.world.active_accounts(account)
            if a not in excluded and (a != management or self.reaches_management)
        ]
        self.packs[(account, region, name)] = OrgPack(
            name,
            params,
            self.pack_polls,
            "UPDATE" if known is not None else "CREATE",
            {a: self._account_failure(a, region, params) for a in targets},
        )
        arn = f"arn:aws:config:{region}:{account}:organization-conformance-pack/{name}-model"
        return answer(model, {"OrganizationConformancePackArn": arn})

    def statuses(self, model: Any, account: str, region: str, params: dict[str, Any]) -> Any:
        names = params.get("OrganizationConformancePackNames") or [
            n for (a, r, n) in self.packs if (a, r) == (account, region)
        ]
        found = []
        for name in names:
            pack = self.packs.get((account, region, name))
            if pack is None:
                return refuse(*NO_PACK)
            status = pack.status
            pack.polls_left = max(pack.polls_left - 1, 0)
            found.append(
                {
                    "OrganizationConformancePackName": name,
                    "Status": status,
                    "LastUpdateTime": pack.updated,
                }
            )
        return answer(model, {"OrganizationConformancePackStatuses": found})

    def detailed(self, model: Any, account: str, region: str, params: dict[str, Any]) -> Any:
        """One status per account, 100 a page by default (Limit at most 100)."""
        pack = self.packs.get((account, region, params["OrganizationConformancePackName"]))
        if pack is None:
            return refuse(*NO_PACK)
        rows = []
        for target, failure in pack.accounts.items():
            row: dict[str, Any] = {
                "AccountId": target,
                "ConformancePackName": f"OrgConformsPack-{pack.name}-model",
                "Status": f"{pack.kind}_IN_PROGRESS" if pack.polls_left > 0 else (
                    f"{pack.kind}_FAILED" if failure else f"{pack.kind}_SUCCESSFUL"),
                "LastUpdateTime": pack.updated,
            }  # fmt: skip
            if failure and pack.polls_left == 0:
                row["ErrorCode"], row["ErrorMessage"] = failure
            rows.append(row)
        limit = min(params.get("Limit") or 100, 100)
        start = int(params.get("NextToken") or 0)
        page: dict[str, Any] = {
            "OrganizationConformancePackDetailedStatuses": rows[start : start + limit]
        }
        if start + limit < len(rows):
            page["NextToken"] = str(start + limit)
        return answer(model, page)

    def describe(self, model: Any, account: str, region: str, params: dict[str, Any]) -> Any:
        names = params.get("OrganizationConformancePackNames") or [
            n for (a, r, n) in self.packs if (a, r) == (account, region)
        ]
        found = []
        for name in names:
            pack = self.packs.get((account, region, name))
            if pack is None:
                return refuse(*NO_PACK)
            request = pack.request
            item = {
                "OrganizationConformancePackName": name,
                "OrganizationConformancePackArn": f"arn:aws:config:{region}:{account}:"
                f"organization-conformance-pack/{name}-model",
                "ConformancePackInputParameters": request.get("ConformancePackInputParameters", []),
                "ExcludedAccounts": request.get("ExcludedAccounts", []),
                "LastUpdateTime": pack.updated,
            }
            if request.get("DeliveryS3Bucket"):
                item["DeliveryS3Bucket"] = request["DeliveryS3Bucket"]
            found.append(item)
        return answer(model, {"OrganizationConformancePacks": found})
