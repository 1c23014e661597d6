"""``trailguard deploy``: the rules, remediation and pack, in an account or an org."""

from __future__ import annotations

import argparse
import json
from typing import TextIO

from .common import (
    EXIT_BAD_INPUT,
    EXIT_FAILED,
    EXIT_OK,
    Commands,
    Failed,
    UsageError,
    comma_list,
    exit_codes,
    warn,
)
from .exits import EXIT_TABLE
from .guards import checkout_root, open_clients, region_problems

EXIT_CODES = {
    EXIT_OK: "deployed (or, with --dry-run, the calls listed)",
    EXIT_BAD_INPUT: EXIT_TABLE[EXIT_BAD_INPUT][1] + "; also a --root that is not a checkout",
    EXIT_FAILED: "an AWS call failed (the calls made so far are counted)",
}


def register(commands: Commands) -> None:
    deploy = commands.add_parser(
        "deploy",
        help="deploy the rules, remediation and conformance pack (account or organization)",
        description="Upload the Lambda bundles and templates to BUCKET and create or update the "
        "stacks: the roles once per account (in the first region), the rest in every region "
        "(--org: central Lambdas, then two service-managed StackSets for every account, each "
        "operation waited for, with progress and every failed account and region on stderr). "
        "Run from a checkout of the project. --dry-run lists every call, as JSON, and makes "
        "none.",
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
    deploy.add_argument("--organization-id", help="skip looking it up (o-...)")
    deploy.add_argument(
        "--ou", action="append", help="organizational unit to deploy to (default: the root)"
    )
    deploy.add_argument(
        "--delegated-admin", action="store_true", help="call StackSets as a delegated admin"
    )
    deploy.add_argument(
        "--automatic-remediation",
        action="store_true",
        help="let the pack run the SSM document on non-compliant trails by itself",
    )
    deploy.add_argument("--dry-run", action="store_true", help="list the calls, make none")
    deploy.add_argument("--root", default=".", help="the project checkout (default: here)")
    deploy.set_defaults(handler=run)


def run(args: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> int:
    from trailguard.artifacts.build import BuildError
    from trailguard.aws.clients import Clients
    from trailguard.aws.deploy import Deployer, DeployFailed, DeployOptions
    from trailguard.aws.session import AWS_ERRORS, error_text

    root = checkout_root(args.root, "deploy")
    regions = args.regions
    warnings: list[str] = []
    if regions:  # before any call, all in one partition
        warnings = region_problems(regions, "--regions")[1]
    clients: Clients | None = None
    if not args.dry_run or not regions:
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
    )
    client_for = None if args.dry_run or clients is None else clients.client
    stderr = args.stderr

    def notify(line: str) -> None:
        stderr.write(f"trailguard deploy: {line}\n")
        stderr.flush()

    try:
        deployer = Deployer(root, options, client_for, notify=notify)
        calls = deployer.run()
    except DeployFailed as exc:
        for account, region, reason in exc.failures:
            notify(
                f"failed: {exc.what}: account {account} region {region}: {' '.join(reason.split())}"
            )
        raise Failed(f"deploy stopped after {len(deployer.calls)} calls: {exc}") from exc
    except BuildError as exc:
        raise UsageError(f"cannot build the artifacts from {args.root}: {exc}") from exc
    except AWS_ERRORS as exc:
        raise Failed(
            f"deploy stopped after {len(deployer.calls)} calls: {error_text(exc)}"
        ) from exc
    except OSError as exc:
        raise UsageError(f"cannot read the artifacts under {args.root}: {exc}") from exc
    if args.dry_run:
        stdout.write(json.dumps([c.to_dict() for c in calls], indent=2) + "\n")
    else:
        for c in calls:
            stdout.write(f"{c.region} {c.service}:{c.operation} done\n")
    return EXIT_OK
