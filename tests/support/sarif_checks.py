"""SARIF checks: the SARIF 2.1.0 schema (vendored, tests/fixtures/sarif/README.md), then what
GitHub code scanning requires of an upload and its limits (GitHub docs, "SARIF support for code
scanning" and "SARIF results exceed one or more limits"), written out here.

``problems(log, ours=True)`` returns every problem as a line (empty: the log passes). ``ours``
adds what GitHub lists as required for useful alerts and trailguard always writes (help text,
full descriptions, partialFingerprints); cfn-lint's own SARIF is held to the rest.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

SCHEMA = Path(__file__).resolve().parents[1] / "fixtures" / "sarif" / "sarif-schema-2.1.0.json"
# GitHub's hard limits: an upload above any of them is rejected.
MAX_RUNS = 20
MAX_RESULTS = 25_000
MAX_RULES = 25_000
MAX_LOCATIONS = 1_000
MAX_TAGS = 20
MAX_BYTES = 10 * 1024 * 1024  # the gzip-compressed upload; the plain size bounds it


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(json.loads(SCHEMA.read_text(encoding="utf-8")))


def problems(log: Any, ours: bool = True) -> list[str]:
    found = [
        f"schema: {'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in _validator().iter_errors(log)
    ]
    if found:
        return found
    if len(json.dumps(log).encode("utf-8")) > MAX_BYTES:
        found.append("larger than 10 MB")
    runs = log["runs"]
    if not 1 <= len(runs) <= MAX_RUNS:
        found.append(f"{len(runs)} runs (1 to {MAX_RUNS})")
    for r, run in enumerate(runs):
        driver = run["tool"]["driver"]
        rules = driver.get("rules", [])
        ids = [rule["id"] for rule in rules]
        if len(rules) > MAX_RULES or len(run.get("results", [])) > MAX_RESULTS:
            found.append(f"runs[{r}]: over GitHub's rule or result limit")
        if len(set(ids)) != len(ids):
            found.append(f"runs[{r}]: duplicate rule ids")
        for rule in rules:
            where = f"runs[{r}] rule {rule['id']}"
            if len(rule.get("properties", {}).get("tags", [])) > MAX_TAGS:
                found.append(f"{where}: more than {MAX_TAGS} tags")
            if not rule.get("shortDescription", {}).get("text"):
                found.append(f"{where}: no shortDescription.text")
            if ours and not rule.get("fullDescription", {}).get("text"):
                found.append(f"{where}: no fullDescription.text")
            if ours and not rule.get("help", {}).get("text"):
                found.append(f"{where}: no help.text")
        if "results" not in run:
            found.append(f"runs[{r}]: no results")
        for i, result in enumerate(run.get("results", [])):
            where = f"runs[{r}].results[{i}]"
            if result.get("ruleId") not in ids:
                found.append(f"{where}: ruleId {result.get('ruleId')!r} has no descriptor")
            if "ruleIndex" in result and ids[result["ruleIndex"]] != result["ruleId"]:
                found.append(f"{where}: ruleIndex does not name ruleId")
            if not result.get("message", {}).get("text"):
                found.append(f"{where}: no message.text")
            locations = result.get("locations", [])
            if not 1 <= len(locations) <= MAX_LOCATIONS:
                found.append(f"{where}: {len(locations)} locations")
            for location in locations:
                physical = location.get("physicalLocation", {})
                uri = physical.get("artifactLocation", {}).get("uri")
                line = physical.get("region", {}).get("startLine")
                if not uri or not isinstance(line, int) or line < 1:
                    found.append(f"{where}: a location needs artifactLocation.uri and startLine")
            if ours and not result.get("partialFingerprints"):
                found.append(f"{where}: no partialFingerprints")
    return found
