"""What ``trailguard deploy`` needs in place before it writes anything, read first, each
missing one named on its own line (:class:`PrerequisitesMissing`):

- each artifact bucket exists, in its region (HeadBucket): CloudFormation reads the templates
  and Lambda the code from the bucket of the stack's region;
- AWS Config records in each region (DescribeConfigurationRecorderStatus: a recorder with
  ``recording`` true): the rules judge what Config records, and a conformance pack fails to
  deploy without a recorder;
- with ``--org``: the organization has all features (service-managed StackSets and
  organization conformance packs need them); the caller is its management account, or, with
  ``--delegated-admin``, a delegated administrator registered for StackSets
  (``member.org.stacksets.cloudformation.amazonaws.com``) and, for the organization pack,
  for Config (``config-multiaccountsetup.amazonaws.com``) (ListDelegatedAdministrators);
  trusted access is on for the same service principals
  (ListAWSServiceAccessForOrganization); the organization pack's delivery bucket exists.

Trusted access for ``config.amazonaws.com`` (the organization-wide Config aggregator that
``trailguard report --aggregator`` reads) is not needed to deploy: when it is off, a note
says so and the deployment goes on.

Only the deploying account is checked: whether Config records in each member account is seen
as that account's failure when its stack instance or organization pack is deployed (each
named with its reason).
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from trailguard.aws.deploy_base import ORGANIZATION_PACK_MODE, DeployBase, code

STACKSETS_PRINCIPAL = "member.org.stacksets.cloudformation.amazonaws.com"
CONFIG_ORG_PRINCIPAL = "config-multiaccountsetup.amazonaws.com"
CONFIG_PRINCIPAL = "config.amazonaws.com"
NOT_FOUND = ("404", "NoSuchBucket", "NotFound")


class PrerequisitesMissing(Exception):
    """Prerequisites of the deployment are missing: ``missing`` has one line for each."""

    def __init__(self, missing: list[str]) -> None:
        self.missing = missing
        super().__init__(f"{len(missing)} prerequisite(s) missing; nothing was deployed")


def _enable(principal: str) -> str:
    return f"aws organizations enable-aws-service-access --service-principal {principal}"


class Prerequisites(DeployBase):
    def _read(
        self,
        missing: list[str],
        what: str,
        service: str,
        operation: str,
        region: str,
        **params: Any,
    ) -> Any:
        """A read for a check: its answer, or None with a line in ``missing`` when AWS
        refuses it (access denied, say). Listing: None, nothing missing."""
        try:
            return self.call(service, operation, region, **params)
        except ClientError as exc:
            message = exc.response.get("Error", {}).get("Message")
            line = f"cannot check {what}: {service} {operation}: {code(exc)}"
            missing.append(f"{line}: {message}" if message else line)
            return None

    def _bucket_missing(self, missing: list[str], bucket: str, region: str, role: str) -> None:
        try:
            found = self.call("s3", "HeadBucket", region, Bucket=bucket)
        except ClientError as exc:
            if code(exc) in NOT_FOUND:
                missing.append(f"{role} {bucket} does not exist (region {region}): create it")
            else:
                missing.append(
                    f"{role} {bucket} (region {region}) cannot be read: HeadBucket {code(exc)}"
                )
            return
        elsewhere = (found or {}).get("BucketRegion")
        if elsewhere and elsewhere != region:
            missing.append(
                f"{role} {bucket} is in {elsewhere}, not {region}: each region needs "
                "a bucket of its own (name it with {region})"
            )

    def _recording(self, missing: list[str], region: str) -> None:
        found = self._read(
            missing,
            f"AWS Config recording in {region}",
            "config",
            "DescribeConfigurationRecorderStatus",
            region,
        )
        if found is None:
            return
        if not any(s.get("recording") for s in found.get("ConfigurationRecordersStatus", [])):
            missing.append(
                f"AWS Config is not recording in {region} in this account: start a "
                "configuration recorder there (the rules judge what Config records)"
            )

    def _delegated(self, missing: list[str], me: str, principal: str) -> None:
        found, token = [], None
        while True:
            page = self._read(
                missing,
                f"the delegated administrators of {principal}",
                "organizations",
                "ListDelegatedAdministrators",
                self.home,
                ServicePrincipal=principal,
                **({"NextToken": token} if token else {}),
            )
            if page is None:
                return
            found += [a["Id"] for a in page.get("DelegatedAdministrators", [])]
            token = page.get("NextToken")
            if not token:
                break
        if me not in found:
            missing.append(
                f"this account {me} is not a delegated administrator for {principal}: "
                "register it from the management account (aws organizations "
                f"register-delegated-administrator --account-id {me} "
                f"--service-principal {principal})"
            )

    def _trusted_access(self, missing: list[str], principals: list[str]) -> None:
        enabled, token = set(), None
        while True:
            page = self._read(
                missing,
                "trusted access",
                "organizations",
                "ListAWSServiceAccessForOrganization",
                self.home,
                **({"NextToken": token} if token else {}),
            )
            if page is None:
                return
            enabled |= {p["ServicePrincipal"] for p in page.get("EnabledServicePrincipals", [])}
            token = page.get("NextToken")
            if not token:
                break
        for principal in principals:
            if principal not in enabled:
                missing.append(
                    f"trusted access for {principal} is off: turn it on from the "
                    f"management account ({_enable(principal)})"
                )
        if CONFIG_PRINCIPAL not in enabled:
            self.notify(
                f"note: trusted access for {CONFIG_PRINCIPAL} is off; deploy does not "
                "need it, an organization-wide Config aggregator (report --aggregator) "
                "does"
            )

    def _organization_checks(self, missing: list[str]) -> None:
        options = self.options
        org_pack = options.mode == ORGANIZATION_PACK_MODE
        try:
            self.organization_facts()
        except ClientError as exc:
            if code(exc) == "AWSOrganizationsNotInUseException":
                missing.append("this account is in no organization: deploy without --org")
            else:
                missing.append(f"cannot read the organization: DescribeOrganization {code(exc)}")
            return
        if self.client_for is None:  # listing: the calls below, with placeholders
            me, management = "<GetCallerIdentity: Account>", ""
        else:
            organization = self.facts["organization"]["Organization"]
            me, management = self.facts["caller"]["Account"], organization["MasterAccountId"]
            if organization.get("FeatureSet", "ALL") != "ALL":
                missing.append(
                    "the organization has consolidated billing features only: "
                    "enable all features (service-managed StackSets and "
                    "organization conformance packs need them)"
                )
        principals = [STACKSETS_PRINCIPAL] + ([CONFIG_ORG_PRINCIPAL] if org_pack else [])
        if self.client_for is None:  # listing: the reads only
            if options.delegated_admin:
                for principal in principals:
                    self._delegated(missing, me, principal)
        elif me == management and options.delegated_admin:
            missing.append(
                f"--delegated-admin: this account {me} is the management account; "
                "run without --delegated-admin"
            )
        elif me != management and not options.delegated_admin:
            missing.append(
                f"this account {me} is not the management account {management}: run "
                "from it, or from a registered delegated administrator with "
                "--delegated-admin"
            )
        elif me != management:
            for principal in principals:
                self._delegated(missing, me, principal)
        self._trusted_access(missing, principals)
        if org_pack and options.delivery_bucket:
            for region in options.regions:
                bucket = options.delivery_bucket.format(region=region)
                self._bucket_missing(missing, bucket, region, "delivery bucket")

    def check_prerequisites(self) -> None:
        """Read what the deployment needs; PrerequisitesMissing names each thing missing."""
        missing: list[str] = []
        for region in self.options.regions:
            self._bucket_missing(missing, self.bucket(region), region, "artifact bucket")
        for region in self.options.regions:
            self._recording(missing, region)
        if self.options.org:
            self._organization_checks(missing)
        if missing:
            raise PrerequisitesMissing(missing)
