"""Running the command line in-process and reading what it wrote, for the CLI tests."""

from __future__ import annotations

import csv
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from typer.testing import CliRunner

from kecheng.cli import app

runner = CliRunner()


def invoke(*args: object):
    """Run the CLI in-process; an exception other than a clean exit is a failed test."""
    result = runner.invoke(app, [str(a) for a in args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"kecheng {args} raised {result.exception!r}\n{result.output}")
    assert "Traceback" not in result.output
    return result


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


@contextmanager
def busy_cores(count: int) -> Iterator[None]:
    """Keep ``count`` cores busy meanwhile (a loaded CI runner), to show a result does not depend on it."""
    burners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(count)]
    try:
        yield
    finally:
        for burner in burners:
            burner.kill()
            burner.wait()
