"""Lambda bundle benchmark: size of each rule's bundle, and how long importing its handler
takes beyond importing boto3 (fresh interpreter each run, median of several).

Prints figures; asserts nothing. Targets: at most 100 KB, at most 20 ms beyond boto3.
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
    "t = time.perf_counter(); import handler; print(time.perf_counter() - t)"
)


def import_seconds(folder: Path) -> float:
    samples = []
    for _ in range(RUNS):
        out = subprocess.run(
            [sys.executable, "-I", "-c", PROBE.format(path=str(folder))],
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


if __name__ == "__main__":
    main()
