"""Lambda bundle benchmark: size of each rule's bundle, and how long importing its handler
takes beyond importing boto3 (fresh interpreter each run, median of several); the same for the
detection function's inline code (``index.py``, as CloudFormation writes it).

Prints figures; asserts nothing. Targets: at most 100 KB, at most 20 ms beyond boto3; the
inline code at most 4,096 characters. Also the SSM document's size against the build's
62,000-byte limit (SSM's 64 KB also counts the runtime parameters).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = 9
PROBE = (
    "import sys, time; sys.path.insert(0, {path!r}); import boto3; "
    "t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
)


def import_seconds(folder: Path, module: str = "handler") -> float:
    samples = []
    for _ in range(RUNS):
        out = subprocess.run(
            [sys.executable, "-I", "-c", PROBE.format(path=str(folder), module=module)],
            capture_output=True,
            text=True,
            check=True,
            cwd=folder,
        ).stdout
        samples.append(float(out.strip()))
    return statistics.median(samples)


def main() -> None:
    for bundle in sorted((ROOT / "deploy" / "lambda").glob("*.zip")):
        with tempfile.TemporaryDirectory() as tmp:
            zipfile.ZipFile(bundle).extractall(tmp)
            seconds = import_seconds(Path(tmp))
        size = bundle.stat().st_size
        print(
            f"{bundle.stem}: {size / 1024:.1f} KB (target <= 100 KB), handler import "
            f"{seconds * 1000:.1f} ms beyond boto3 (median of {RUNS}; target <= 20 ms)"
        )
    from trailguard.artifacts.detection import INLINE_LIMIT, detect_code

    code = detect_code()
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "index.py").write_text(code, encoding="utf-8")
        seconds = import_seconds(Path(tmp), "index")
    print(
        f"trailguard-detect (inline): {len(code)} characters (limit {INLINE_LIMIT}), import "
        f"{seconds * 1000:.1f} ms beyond boto3 (median of {RUNS}; target <= 20 ms)"
    )

    from trailguard.artifacts.document import SSM_CONTENT_LIMIT, document_text

    size = len(document_text().encode("utf-8"))
    print(
        f"SSM document: {size:,} bytes (build limit {SSM_CONTENT_LIMIT:,}; "
        f"{SSM_CONTENT_LIMIT - size:,} left)"
    )


if __name__ == "__main__":
    main()
