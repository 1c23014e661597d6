"""A validator of ASFF findings against botocore's own model of Security Hub: it walks the
``AwsSecurityFinding`` shape (and ``BatchImportFindings``' input around it): required members,
no member the model does not know, types, enums, patterns, list and string sizes from the
model, plus the lengths the API reference documents but the model does not carry (AWS Security
Hub API reference, AwsSecurityFinding: Id, GeneratorId 512; Title 256; Description 1024;
Types 50; ProductFields 50 pairs; Compliance RelatedRequirements 32; Recommendation Text 512).
Returns the problems, each naming where, so that a test compares them with []."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import botocore.session
from botocore.model import ListShape, MapShape, Shape, StructureShape

DOCUMENTED = {
    "AwsSecurityFinding.Id": 512,
    "AwsSecurityFinding.GeneratorId": 512,
    "AwsSecurityFinding.Title": 256,
    "AwsSecurityFinding.Description": 1024,
    "AwsSecurityFinding.Types": 50,
    "AwsSecurityFinding.ProductFields": 50,
    "Compliance.RelatedRequirements": 32,
    "Recommendation.Text": 512,
}


def _model() -> Any:
    return botocore.session.get_session().get_service_model("securityhub")


def _size(shape: Shape, where: str, size: int, owner: str, member: str) -> list[str]:
    problems = []
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    high = DOCUMENTED.get(f"{owner}.{member}", high)
    if low is not None and size < low:
        problems.append(f"{where}: size {size} under {low}")
    if high is not None and size > high:
        problems.append(f"{where}: size {size} over {high}")
    return problems


def _walk(shape: Shape, value: Any, where: str, owner: str = "", member: str = "") -> list[str]:
    kind = shape.type_name
    if isinstance(shape, StructureShape):
        if not isinstance(value, dict):
            return [f"{where}: expected an object ({shape.name})"]
        problems = [f"{where}.{m}: required" for m in shape.required_members if m not in value]
        for key, item in value.items():
            if key not in shape.members:
                problems.append(f"{where}.{key}: not a member of {shape.name}")
            else:
                problems += _walk(shape.members[key], item, f"{where}.{key}", shape.name, key)
        return problems
    if isinstance(shape, ListShape):
        if not isinstance(value, list):
            return [f"{where}: expected a list"]
        problems = _size(shape, where, len(value), owner, member)
        for i, item in enumerate(value):
            problems += _walk(shape.member, item, f"{where}[{i}]")
        return problems
    if isinstance(shape, MapShape):
        if not isinstance(value, dict):
            return [f"{where}: expected an object (map)"]
        problems = _size(shape, where, len(value), owner, member)
        for key, item in value.items():
            problems += _walk(shape.key, key, f"{where} key {key!r}")
            problems += _walk(shape.value, item, f"{where}[{key!r}]")
        return problems
    if kind == "string":
        if not isinstance(value, str):
            return [f"{where}: expected a string"]
        problems = _size(shape, where, len(value), owner, member)
        if shape.enum and value not in shape.enum:
            problems.append(f"{where}: {value!r} not one of {shape.enum}")
        pattern = shape.metadata.get("pattern")
        if pattern and not re.fullmatch(pattern, value, re.DOTALL):
            problems.append(f"{where}: {value!r} does not match {pattern}")
        if member in ("CreatedAt", "UpdatedAt", "FirstObservedAt", "LastObservedAt"):
            try:
                datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                problems.append(f"{where}: {value!r} is not an ISO 8601 time")
        return problems
    if kind in ("integer", "long"):
        ok = isinstance(value, int) and not isinstance(value, bool)
        return [] if ok else [f"{where}: expected an integer"]
    if kind in ("double", "float"):
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        return [] if ok else [f"{where}: expected a number"]
    if kind == "boolean":
        return [] if isinstance(value, bool) else [f"{where}: expected a boolean"]
    return [f"{where}: shape type {kind} not checked here"]


def asff_problems(findings: Any) -> list[str]:
    """What is wrong with ``findings`` as ``BatchImportFindings``' Findings, batch by batch
    of 100 (the call's maximum)."""
    if not isinstance(findings, list) or not findings:
        return ["expected a non-empty list of findings"]
    shape = _model().operation_model("BatchImportFindings").input_shape
    problems: list[str] = []
    for start in range(0, len(findings), 100):
        batch = {"Findings": findings[start : start + 100]}
        problems += _walk(shape, batch, f"batch {start // 100}")
    return problems
