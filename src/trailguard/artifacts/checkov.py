"""The checkov checks the deployment templates do not meet, each with the reason why.

``make checkov`` (part of ``make test``) runs checkov on every generated template; a finding
without a reason here fails it. :func:`annotate` writes each reason into the resource's own
``Metadata`` (checkov's inline suppression), so whoever reads a template sees it next to the
resource, and the table below is the one place a reason is written.

A reason applies to every resource of its type: a new Lambda function meets the same checks
the same way, or it needs a new entry here (and checkov fails until it has one).
"""

from __future__ import annotations

from typing import Any

# Resource type -> (check id, one-line reason) pairs.
SKIPS: dict[str, tuple[tuple[str, str], ...]] = {
    "AWS::Lambda::Function": (
        (
            "CKV_AWS_115",
            "No reserved concurrency: AWS Config (one invocation per evaluation) and EventBridge "
            "(one per trail change) pace the invocations, and a reserved share would be taken "
            "from the account's pool and throttle their calls in a large organization.",
        ),
        (
            "CKV_AWS_116",
            "No dead-letter queue: an invocation that fails is retried by Lambda and the rule's "
            "periodic run evaluates every resource again, so a queue would hold events nobody "
            "replays; failures are in the function's CloudWatch Logs.",
        ),
        (
            "CKV_AWS_117",
            "Not in a VPC: the function calls only AWS APIs (CloudTrail, Config, STS) and "
            "reaches no private resource; a VPC would need NAT or an endpoint per service and "
            "add no isolation.",
        ),
        (
            "CKV_AWS_173",
            "No customer KMS key for environment variables: the only one (the detection "
            "function's TRAILGUARD_RULE_IDS) holds the pack's public rule ids, and Lambda "
            "encrypts it at rest with an AWS managed key.",
        ),
    ),
}


def annotate(resources: dict[str, Any]) -> dict[str, Any]:
    """``resources`` with each resource's checkov suppressions (from :data:`SKIPS`) in its
    ``Metadata``; resources of other types are unchanged."""
    annotated: dict[str, Any] = {}
    for logical, resource in resources.items():
        skips = SKIPS.get(resource.get("Type", ""), ())
        if skips:
            metadata = dict(resource.get("Metadata", {}))
            metadata["checkov"] = {"skip": [{"id": i, "comment": why} for i, why in skips]}
            resource = {**resource, "Metadata": metadata}
        annotated[logical] = resource
    return annotated
