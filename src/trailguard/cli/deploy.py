"""``trailguard deploy``: the rules, remediation and pack, in an account or an org."""

from __future__ import annotations

import argparse
import json
import re
from typing import TextIO

from .common import (
    EXIT_BAD_INPUT,
    EXIT_FAILED,
    EXIT_OK,
    Commands,
    Failed,
    OptionError,
    UsageError,
    comma_list,
    exit_codes,
    one_line,
    warn,
)
from .exits import EXIT_TABLE
from .guards import checkout_root, open_clients, region_problems

# The modes of --org (trailguard.aws.deploy.MODES; the CLI imports no boto3 module at start).
MODES = ("stack-sets", "organization-pack")
ORGANIZATION_PACK = MODES[1]

EXIT_CODES = {
    EXIT_OK: "deployed (or, with --dry-run, the plan printed)",
    EXIT_BAD_INPUT: EXIT_TABLE[EXIT_BAD_INPUT][1] + "; also a --root that is not a checkout, "
    "and missing prerequisites, one line each, found before anything is written",
    EXIT_FAILED: "an AWS call failed (the calls made so far are counted)",
}
DELIVERY_PREFIX = "awsconfigconforms"  # PutOrganizationConformancePack: DeliveryS3Bucket


def _account_id(text: str) -> str:
    if not re.fullmatch(r"\d{12}", text):
        raise argparse.ArgumentTypeError(f"{text!r} is not an AWS account ID (12 digits)")
    return text


def register(commands: Commands) -> None:
    deploy = commands.add_parser(
        "deploy",
        help="deploy the rules, remediation and conformance pack (account or organization)",
        description="Check the prerequisites (one line for each missing, before anything is "
        "written), upload the Lambda bundles and templates to BUCKET and create or update the "
        "stacks: the roles once per account (in the first region), the rest in every region. "
        "--org: central Lambdas, then two service-managed StackSets for every account, each "
        "operation waited for, with progress and every failed account and region on stderr; "
        "with --mode organization-pack the rules come from an organization conformance pack "
        "in each region instead (rules only: no automatic remediation). Run from a checkout "
        "of the project. --dry-run reads the accounts and prints a plan (what would be "
        "created, and for each existing stack a change set of what would change), deploying "
        "nothing; --dry-run --output json lists every call as JSON without calling AWS.",
        epilog=exit_codes(EXIT_CODES),
    )
    deploy.add_argument(
        "--bucket", required=True, help="artifact bucket in each region ({region} is replaced)"
    )
    deploy.add_argument(
        "--regions", type=comma_list, help="comma-separated (default: the profile's region)"
    )
    deploy.add_argument("--region", help=argparse.SUPPRESS)
    deploy.add_argument("--profile", help="AWS CLI profile to use (default: the environment's)")
    deploy.add_argument("--org", action="store_true", help="deploy across the organization")
    deploy.add_argument(
        "--mode",
        choices=MODES,
        default=MODES[0],
        help="with --org: stack-sets (default: each account's pack from a StackSet, with "
        "remediation) or organization-pack (an organization conformance pack: rules only, "
        "members cannot change it, new accounts get it); see README",
    )
    deploy.add_argument("--organization-id", help="skip looking it up (o-...)")
    deploy.add_argument(
        "--ou", action="append", help="organizational unit to deploy to (default: the root)"
    )
    deploy.add_argument(
        "--exclude-account",
        action="append",
        type=_account_id,
        metavar="ACCOUNT",
        help="organization-pack: an account the pack leaves out (repeat for more)",
    )
    deploy.add_argument(
        "--delivery-bucket",
        help=f"organization-pack: the bucket Config stores the pack's template in (must start "
        f"with {DELIVERY_PREFIX}; {{region}} is replaced; default: none)",
    )
    deploy.add_argument(
        "--delegated-admin", action="store_true", help="call StackSets as a delegated admin"
    )
    deploy.add_argument(
        "--automatic-remediation",
        action="store_true",
        help="let the pack run the SSM document on non-compliant trails by itself",
    )
    deploy.add_argument("--dry-run", action="store_true", help="print the plan, deploy nothing")
    deploy.add_argument(
        "--output",
        choices=("text", "json"),
        default="text",
        help="text (default) or json: the calls made (with --dry-run: listed, none made)",
    )
    deploy.add_argument("--root", default=".", help="the project checkout (default: here)")
    deploy.set_defaults(handler=run)


def _mode_problems(args: argparse.Namespace) -> str | None:
    """What the options contradict, before any call (None: nothing)."""
    org_pack = args.mode == ORGANIZATION_PACK
    if org_pack and not args.org:
        return "--mode organization-pack needs --org"
    if org_pack and args.ou:
        return ("--ou: an organization conformance pack reaches every account; leave accounts "
                "out with --exclude-account")  # fmt: skip
    if org_pack and args.automatic_remediation:
        return ("--automatic-remediation: an organization conformance pack carries no "
                "remediation (see README, Deploy); use --mode stack-sets for it")  # fmt: skip
    if not org_pack and (args.exclude_account or args.delivery_bucket):
        option = "--exclude-account" if args.exclude_account else "--delivery-bucket"
        return f"{option} is for --mode organization-pack only"
    bucket = args.delivery_bucket
    if bucket is not None and not bucket.startswith(DELIVERY_PREFIX):
        return f"--delivery-bucket {bucket!r}: AWS Config wants a name that starts with " + (
            DELIVERY_PREFIX
        )
    return None


def run(args: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> int:
    from trailguard.artifacts.build import BuildError
    from trailguard.aws.clients import Clients
    from trailguard.aws.deploy import Deployer, DeployFailed, DeployOptions, PrerequisitesMissing
    from trailguard.aws.deploy_plan import render
    from trailguard.aws.session import AWS_ERRORS, error_text

    problem = _mode_problems(args)
    if problem:
        raise OptionError(problem)
    root = checkout_root(args.root, "deploy")
    regions = args.regions
    warnings: list[str] = []
    if regions:  # before any call, all in one partition
        warnings = region_problems(regions, "--regions")[1]
    listing = args.dry_run and args.output == "json"  # every call listed, none made
    clients: Clients | None = None
    if not listing or not regions:
        clients, more = open_clients(args, regions[0] if regions else None)
        warnings += more
        regions = regions or [clients.region]
    warn(None, warnings, args.stderr)
    options = DeployOptions(
        bucket=args.bucket,
        regions=regions,
        org=args.org,
        automatic_remediation=args.automatic_remediation,
        organization_id=args.organization_id,
        organizational_units=args.ou or [],
        delegated_admin=args.delegated_admin,
        mode=args.mode,
        delivery_bucket=args.delivery_bucket,
        excluded_accounts=args.exclude_account or [],
    )
    client_for = None if listing or clients is None else clients.client
    stderr = args.stderr

    def notify(line: str) -> None:
        stderr.write(f"trailguard deploy: {line}\n")
        stderr.flush()

    made = 0
    try:
        deployer = Deployer(root, options, client_for, notify=notify, plan=args.dry_run)
        calls = deployer.run()
    except PrerequisitesMissing as exc:
        for line in exc.missing:
            stderr.write(f"trailguard: missing: {one_line(line)}\n")
        raise UsageError(f"deploy: {exc}") from exc
    except DeployFailed as exc:
        for account, region, reason in exc.failures:
            notify(
                f"failed: {exc.what}: account {account} region {region}: {' '.join(reason.split())}"
            )
        raise Failed(f"deploy stopped after {len(deployer.calls)} calls: {exc}") from exc
    except BuildError as exc:
        raise UsageError(f"cannot build the artifacts from {args.root}: {exc}") from exc
    except AWS_ERRORS as exc:
        made = len(deployer.calls) if "deployer" in locals() else made
        raise Failed(f"deploy stopped after {made} calls: {error_text(exc)}") from exc
    except OSError as exc:
        raise UsageError(f"cannot read the artifacts under {args.root}: {exc}") from exc
    if args.output == "json":
        stdout.write(json.dumps([c.to_dict() for c in calls], indent=2) + "\n")
    elif args.dry_run:
        stdout.write(render(deployer.plan, args.bucket))
    else:
        for c in calls:
            stdout.write(f"{c.region} {c.service}:{c.operation} done\n")
    return EXIT_OK
