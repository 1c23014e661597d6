"""The SSM Automation document: its parameters, steps and the flattened step scripts."""

from __future__ import annotations

import base64
import hashlib
import zlib
from typing import Any

from trailguard import DOCUMENT_NAME, __version__
from trailguard.artifacts.bundle import BuildError, flatten
from trailguard.artifacts.yamlout import to_yaml
from trailguard.rules.metadata import RESOURCE_TYPES_DEFAULT, RESOURCE_TYPES_PATTERN

# The modules the remediation script needs; their trailguard imports give the order.
REMEDIATION_MODULES = ("trailguard.ssm.entry",)
VERIFY_MODULES = ("trailguard.ssm.verify",)
# SSM allows 64 KB of document content, which also counts the runtime parameters: the build
# keeps a margin and fails above 62,000 bytes.
SSM_CONTENT_LIMIT = 62_000


DOCUMENT_DESCRIPTION = f"""### {DOCUMENT_NAME}
Makes a CloudTrail trail record Amazon SNS data events (Publish, PublishBatch on topics;
optionally Publish on platform endpoints) without reducing anything it already logs.

* Reads the trail's event selectors in its home region and plans the change with the
  TrailGuard core: existing advanced selectors are kept as they are, basic selectors are
  converted to advanced selectors that log at least as much (including the bucket-level S3
  events a bucket or prefix value may log), and one selector per missing resource type
  is added.
* Re-reads just before writing (re-planning if the trail changed) and puts the selectors;
  checks the PutEventSelectors response, then reads back with backoff until a read shows
  them or DeadlineSeconds pass (a read still showing the old selectors is "not yet
  consistent"). A read showing another writer's change is planned from: their selectors
  are kept. A put judged wrong is undone only if the trail still holds exactly what was put.
* Outcome: compliant, planned, updated, unconfirmed (put, not yet seen by a read), left
  (another writer changed it; left as it is) or restored; refused, failed and deferred
  (ConflictException until the deadline) write nothing and fail the step, so that
  AWS Config's retry takes over.
* VerifyTrail reads again and passes when the requirement is met and nothing the trail
  logged before is lost, whoever else changed it.
* Organization trails can only be changed from the management account or a delegated
  administrator; from a member account the step fails without writing.
* AcceptedExclusions (as the rules' parameter) stay unlogged where one negated condition
  can say so; with FillExclusions true they are logged too.
* With DryRun true, nothing is written: the outputs show the selectors before and after."""


def _parameter(
    kind: str, description: str, pattern: str, default: str | None = None
) -> dict[str, Any]:
    spec: dict[str, Any] = {"type": kind, "description": description}
    if default is not None:
        spec["default"] = default
    spec["allowedPattern"] = pattern
    return spec


def _outputs(*names_types: tuple[str, str, str]) -> list[dict[str, str]]:
    return [{"Name": n, "Selector": f"$.Payload.{key}", "Type": t} for n, key, t in names_types]


_PACKED_WIDTH = 76


def packed(script: str) -> str:
    """``script`` as a short loader plus its code, zlib-compressed and base64-encoded: the
    whole core does not fit SSM's 64 KB document limit as text. The header names the source
    and the SHA-256 of the code; ``unpacked`` (and ``trailguard build --show-script``) gives
    the code back."""
    code = script.encode("utf-8")
    data = base64.b64encode(zlib.compress(code, 9)).decode("ascii")
    lines = [data[i : i + _PACKED_WIDTH] for i in range(0, len(data), _PACKED_WIDTH)]
    return (
        f"{script.splitlines()[0]}\n"
        "# The code is compressed to fit SSM's 64 KB document limit; sha256 of the code:\n"
        f"# {hashlib.sha256(code).hexdigest()}. Read it with: trailguard build --show-script\n"
        "import base64, zlib\n"
        '_CODE = """\n' + "\n".join(lines) + '\n"""\n'
        "exec(compile(zlib.decompress(base64.b64decode(_CODE)), 'trailguard', 'exec'))\n"
    )


def unpacked(script: str) -> str:
    """The code a :func:`packed` script runs."""
    start = script.index('_CODE = """') + len('_CODE = """')
    data = script[start : script.index('"""', start)]
    return zlib.decompress(base64.b64decode(data)).decode("utf-8")


def document() -> dict[str, Any]:
    """The SSM Automation document, as data (written as YAML, embedded in templates)."""
    remediate_script = packed(flatten(REMEDIATION_MODULES)[0]).rstrip("\n")
    # VerifyTrail judges with the core too: packed the same way, without the planner.
    verify_script = packed(flatten(VERIFY_MODULES)[0]).rstrip("\n")
    return {
        "description": DOCUMENT_DESCRIPTION,
        "schemaVersion": "0.3",
        "assumeRole": "{{ AutomationAssumeRole }}",
        "parameters": {
            "TrailName": _parameter(
                "String",
                "(Required) The trail's name or ARN. AWS Config passes the resource ID, "
                "the trail name.",
                r"^[A-Za-z0-9][A-Za-z0-9._/:\-]{2,1023}$",
            ),
            "AutomationAssumeRole": _parameter(
                "String",
                "(Required) The ARN of the role that lets Automation read and put the "
                "trail's event selectors.",
                r"^arn:aws[a-z0-9-]*:iam::\d{12}:role/[\w+=,.@/-]+$",
            ),
            "ResourceTypes": _parameter(
                "String",
                "(Optional) Comma-separated resource types whose data events must be logged.",
                RESOURCE_TYPES_PATTERN,
                RESOURCE_TYPES_DEFAULT,
            ),
            "DryRun": _parameter(
                "String",
                "(Optional) true to plan only and write nothing.",
                r"^(true|false)$",
                "false",
            ),
            "AcceptedExclusions": _parameter(
                "String",
                "(Optional) Events that may go unlogged: a JSON list of CloudTrail field "
                "selectors, as the rule parameter; - for none.",
                r"^(-|\[[\s\S]*\])$",
                "-",
            ),
            "FillExclusions": _parameter(
                "String",
                "(Optional) true to log the accepted exclusions too.",
                r"^(true|false)$",
                "false",
            ),
            "DeadlineSeconds": _parameter(
                "String",
                "(Optional) Seconds AddSelectors may wait for a put to show in reads, for "
                "ConflictException (minutes) and throttling; 30 to 540 (the step times out "
                "at 600).",
                r"^([3-9][0-9]|[1-4][0-9]{2}|5[0-3][0-9]|540)$",
                "300",
            ),
        },
        "mainSteps": [
            {
                "name": "AddSelectors",
                "action": "aws:executeScript",
                "description": "Plan, put, read back until consistent and verify the trail's "
                "advanced event selectors; never undo another writer's change.",
                "timeoutSeconds": 600,
                "onFailure": "Abort",
                "inputs": {
                    "Runtime": "python3.11",
                    "Handler": "remediate_handler",
                    "InputPayload": {
                        "TrailName": "{{ TrailName }}",
                        "ResourceTypes": "{{ ResourceTypes }}",
                        "DryRun": "{{ DryRun }}",
                        "AcceptedExclusions": "{{ AcceptedExclusions }}",
                        "FillExclusions": "{{ FillExclusions }}",
                        "DeadlineSeconds": "{{ DeadlineSeconds }}",
                    },
                    "Script": remediate_script,
                },
                "outputs": _outputs(
                    ("Outcome", "outcome", "String"),
                    ("Changed", "changed", "Boolean"),
                    ("Verified", "verified", "Boolean"),
                    ("Restored", "restored", "Boolean"),
                    ("TrailArn", "trailArn", "String"),
                    ("HomeRegion", "homeRegion", "String"),
                    ("Message", "message", "String"),
                    ("Before", "before", "String"),
                    ("After", "after", "String"),
                ),
            },
            {
                "name": "VerifyTrail",
                "action": "aws:executeScript",
                "description": "Read the trail again: pass when the requirement is met and "
                "nothing it logged before is lost (judged by meaning, not bytes).",
                "timeoutSeconds": 180,
                "onFailure": "Abort",
                "isEnd": True,
                "inputs": {
                    "Runtime": "python3.11",
                    "Handler": "verify_handler",
                    "InputPayload": {
                        "TrailArn": "{{ AddSelectors.TrailArn }}",
                        "HomeRegion": "{{ AddSelectors.HomeRegion }}",
                        "Before": "{{ AddSelectors.Before }}",
                        "Outcome": "{{ AddSelectors.Outcome }}",
                        "Message": "{{ AddSelectors.Message }}",
                        "ResourceTypes": "{{ ResourceTypes }}",
                        "AcceptedExclusions": "{{ AcceptedExclusions }}",
                    },
                    "Script": verify_script,
                },
                "outputs": _outputs(
                    ("Verified", "verified", "Boolean"), ("Message", "message", "String")
                ),
            },
        ],
        "outputs": [
            "AddSelectors.Outcome",
            "AddSelectors.Changed",
            "AddSelectors.Verified",
            "AddSelectors.Restored",
            "AddSelectors.Message",
            "AddSelectors.Before",
            "AddSelectors.After",
            "VerifyTrail.Verified",
            "VerifyTrail.Message",
        ],
    }


def document_text() -> str:
    header = f"# Generated by `trailguard build` from trailguard {__version__}; do not edit.\n"
    text = header + to_yaml(document()) + "\n"
    size = len(text.encode("utf-8"))
    if size > SSM_CONTENT_LIMIT:
        raise BuildError(
            f"{DOCUMENT_NAME} is {size} bytes; the build allows {SSM_CONTENT_LIMIT:,} bytes "
            "(SSM's 64 KB content limit also counts the runtime parameters)"
        )
    return text
