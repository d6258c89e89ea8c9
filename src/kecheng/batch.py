"""City scale: solve every district of a city in parallel on Dask (``dask.distributed``).

A city is many districts, each with its own teachers and venues, so each is solved on
its own: one Dask task per district loads its input, solves it and writes its folder.
A district that fails (bad input, a crash, a killed worker) becomes a failed outcome
in ``batch_summary.json``; the others carry on. Dask is an optional extra
(``pip install kecheng[dask]``), imported only when a batch runs.

On a real cluster (``scheduler="tcp://host:port"``) the workers need kecheng
installed and the input and output folders at the same paths (a shared filesystem).
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from kecheng import writing
from kecheng.errors import DaskMissing, InputError, LockError
from kecheng.i18n import _, language
from kecheng.reading import WORKBOOK_SUFFIXES
from kecheng.workflow import check_request, solve_folder

SUMMARY_FILE = "batch_summary.json"
INPUT_SUFFIXES = (".json", *WORKBOOK_SUFFIXES)
FAILED = "FAILED"
__all__ = [
    "FAILED",
    "SUMMARY_FILE",
    "BatchOutcome",
    "DaskMissing",
    "find_districts",
    "solve_batch",
    "solve_district",
]


@dataclass(frozen=True, slots=True)
class BatchOutcome:
    """One district's result, small enough to travel back from a worker."""

    name: str
    input: str
    status: str  # CP-SAT's status, or FAILED
    placed: int | None = None
    total: int | None = None
    objective: int | None = None
    bound: float | None = None
    wall_s: float = 0.0
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def find_districts(input_root: Path) -> dict[str, Path]:
    """District name → its input: every folder or .json/workbook file directly under input_root.

    Hidden entries are skipped; two inputs with one name (``a/`` and ``a.json``) are refused,
    since both would write ``out_root/a/``.
    """
    found: dict[str, Path] = {}
    for path in sorted(Path(input_root).iterdir()):
        if path.name.startswith("."):
            continue
        if path.is_dir() or path.suffix.lower() in INPUT_SUFFIXES:
            name = path.name if path.is_dir() else path.stem
            if name in found:
                raise ValueError(
                    _("two inputs for district {name}: {first} and {second}").format(
                        name=repr(name), first=found[name].name, second=path.name
                    )
                )
            found[name] = path
    return found


def solve_district(
    name: str,
    source: str,
    out: str,
    time_limit: float,
    seed: int,
    workers: int,
    formats: str = "csv",
    options: dict[str, Any] | None = None,
) -> BatchOutcome:
    """The Dask task: ``kecheng solve`` of one district (locks, formats and all) into ``out``;
    every failure is caught into the outcome. ``options``: ``term``, ``makeup``, ``csv_encoding``
    and ``lang`` (a worker is another process: the language travels as an argument)."""
    started = time.perf_counter()
    options = dict(options or {})
    lang = options.pop("lang", None)
    try:
        result = solve_folder(
            source,
            out,
            time_limit=time_limit,
            seed=seed,
            workers=workers,
            formats=formats,
            lang=lang,
            **options,
        )
    except (InputError, LockError) as err:
        return _failed(name, source, started, f"{type(err).__name__}: {err}")
    except Exception as err:
        return _failed(name, source, started, f"{type(err).__name__}: {err}")
    return BatchOutcome(
        name=name,
        input=source,
        status=result.status,
        placed=result.sessions_scheduled,
        total=result.sessions_total,
        objective=result.objective,
        bound=None if math.isnan(result.bound) else round(result.bound, 6),
        wall_s=round(time.perf_counter() - started, 3),
    )


def _failed(name: str, source: str, started: float, error: str) -> BatchOutcome:
    return BatchOutcome(name, source, FAILED, wall_s=round(time.perf_counter() - started, 3), error=error)


def solve_batch(
    input_root: Path,
    out_root: Path,
    *,
    scheduler: str | None = None,
    time_limit: float,
    seed: int,
    workers_per_task: int,
    formats: str = "csv",
    on_done: Callable[[BatchOutcome], None] | None = None,
    term: str | None = None,
    makeup: str = "ignore",
    csv_encoding: str | None = None,
) -> list[BatchOutcome]:
    """Solve every district under input_root in parallel; outcomes sorted by district name.

    ``scheduler`` is a Dask scheduler address (``tcp://host:port``); without it a
    LocalCluster of processes runs ``cores // workers_per_task`` districts at once, each
    solved by ``workers_per_task`` CP-SAT threads (0: every core, one district at a time).
    ``on_done`` hears each outcome as it arrives. Writes ``out_root/<district>/`` and
    ``out_root/batch_summary.json``.
    """
    try:
        from distributed import as_completed
    except ImportError as err:
        raise DaskMissing(
            _("solving a batch needs Dask's distributed scheduler: pip install kecheng[dask]")
        ) from err

    input_root, out_root = Path(input_root).resolve(), Path(out_root).resolve()
    if not input_root.is_dir():
        raise ValueError(_("{input} is not a folder of district inputs").format(input=input_root))
    if out_root == input_root or input_root in out_root.parents:
        raise ValueError(
            _("the output folder {out} is inside the input {input}; choose another").format(
                out=out_root, input=input_root
            )
        )
    check_request(
        time_limit=time_limit,
        seed=seed,
        workers=workers_per_task,
        formats=formats,
        term=term,
        makeup=makeup,
        csv_encoding=csv_encoding,
    )
    options = {"term": term, "makeup": makeup, "csv_encoding": csv_encoding, "lang": language()}
    districts = find_districts(input_root)
    if not districts:
        raise ValueError(
            _("no district folders or .json files directly under {input}").format(input=input_root)
        )
    out_root.mkdir(parents=True, exist_ok=True)

    started = time.perf_counter()
    outcomes: dict[str, BatchOutcome] = {}
    with _connect(scheduler, workers_per_task) as client:
        futures = {
            client.submit(
                solve_district,
                name,
                str(source),
                str(out_root / name),
                time_limit,
                seed,
                workers_per_task,
                formats,
                options,
                key=f"kecheng-{name}-{os.urandom(4).hex()}",
                pure=False,
            ): name
            for name, source in districts.items()
        }
        for future in as_completed(futures, loop=client.loop):
            name = futures[future]
            try:
                outcome = future.result()
            except Exception as err:  # the worker died (KilledWorker) or the task never ran
                outcome = _failed(name, str(districts[name]), started, f"{type(err).__name__}: {err}")
            outcomes[name] = outcome
            if on_done:
                on_done(outcome)
    ordered = [outcomes[name] for name in sorted(outcomes)]
    writing.write_json(
        _summary(ordered, input_root, out_root, scheduler, time_limit, seed, workers_per_task, started),
        out_root / SUMMARY_FILE,
    )
    return ordered


@contextmanager
def _connect(scheduler: str | None, workers_per_task: int) -> Iterator[Any]:
    """A Client of the given scheduler, or of a LocalCluster sized to this machine, closed after."""
    from distributed import Client, LocalCluster

    if scheduler:
        try:
            client = Client(scheduler, set_as_default=False)
        except OSError as err:
            raise ConnectionError(
                _("cannot reach the Dask scheduler at {scheduler}: {error}").format(
                    scheduler=scheduler, error=err
                )
            ) from err
        with client:
            yield client
        return
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    with (
        LocalCluster(
            n_workers=max(1, cores // workers_per_task) if workers_per_task else 1,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
        ) as cluster,
        Client(cluster, set_as_default=False) as client,
    ):
        yield client


def _summary(
    outcomes: list[BatchOutcome],
    input_root: Path,
    out_root: Path,
    scheduler: str | None,
    time_limit: float,
    seed: int,
    workers_per_task: int,
    started: float,
) -> dict[str, Any]:
    solved = [o for o in outcomes if o.ok]
    return {
        "input_root": str(input_root),
        "out_root": str(out_root),
        "scheduler": scheduler or "LocalCluster",
        "time_limit": time_limit,
        "seed": seed,
        "workers_per_task": workers_per_task,
        "districts": len(outcomes),
        "solved": len(solved),
        "failed": len(outcomes) - len(solved),
        "sessions_scheduled": sum(o.placed or 0 for o in solved),
        "sessions_total": sum(o.total or 0 for o in solved),
        "wall_s": round(time.perf_counter() - started, 3),
        "outcomes": [asdict(o) for o in outcomes],
    }
