"""City scale on Dask: every district solved in parallel, a broken one reported, the rest unharmed.

The cluster runs worker processes (not threads): they start in about a second here,
and they prove what a real cluster needs — the task and its outcome cross a process
boundary by pickling, and kecheng is imported afresh in each worker.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

import kecheng
from kecheng import reading, writing
from kecheng.batch import FAILED, SUMMARY_FILE, BatchOutcome, DaskMissing, solve_batch, solve_district
from kecheng.generate import generate

distributed = pytest.importorskip("distributed")

GOOD = {"east": 1, "west": 2}  # district → generator seed


def make_city(root: Path) -> Path:
    """Two small generated districts and one whose folder lacks most tables."""
    city = root / "city"
    for name, seed in GOOD.items():
        writing.write_problem(generate("small", seed), city / name)
    (city / "broken").mkdir()
    (city / "broken" / "groups.csv").write_text("group_id\nG1\n", encoding="utf-8")
    return city


@pytest.fixture(scope="module")
def solved(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, list[BatchOutcome]]:
    root = tmp_path_factory.mktemp("batch")
    city, out = make_city(root), root / "out"
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        outcomes = solve_batch(
            city, out, scheduler=cluster.scheduler_address, time_limit=2, seed=0, workers_per_task=1
        )
    return city, out, outcomes


def test_good_districts_are_solved_and_pass_the_checker(solved) -> None:
    city, out, outcomes = solved
    by_name = {o.name: o for o in outcomes}
    for name in GOOD:
        outcome = by_name[name]
        assert outcome.ok and outcome.status in ("OPTIMAL", "FEASIBLE")
        assert {p.name for p in (out / name).iterdir()} >= {
            "timetable.csv",
            "unscheduled.csv",
            "summary.json",
        }
        problem = reading.load(city / name)
        timetable = reading.read_timetable(out / name / "timetable.csv")
        assert kecheng.check(problem, timetable) == []
        assert len(timetable) == outcome.placed > 0
        assert outcome.total == problem.sessions_total
        summary = json.loads((out / name / "summary.json").read_text(encoding="utf-8"))
        assert summary["sessions_scheduled"] == outcome.placed
        assert summary["objective"] == outcome.objective


def test_a_broken_district_is_reported_and_stops_nothing(solved) -> None:
    _, out, outcomes = solved
    broken = next(o for o in outcomes if o.name == "broken")
    assert broken.status == FAILED and not broken.ok
    assert broken.error.startswith("InputError:") and "communities.csv" in broken.error
    assert not (out / "broken").exists()


def test_batch_summary_lists_every_district(solved) -> None:
    city, out, outcomes = solved
    summary = json.loads((out / SUMMARY_FILE).read_text(encoding="utf-8"))
    assert (
        [o["name"] for o in summary["outcomes"]] == ["broken", "east", "west"] == [o.name for o in outcomes]
    )
    assert (summary["districts"], summary["solved"], summary["failed"]) == (3, 2, 1)
    assert summary["sessions_scheduled"] == sum(o.placed for o in outcomes if o.ok)
    assert summary["input_root"] == str(city.resolve())
    assert not list(out.glob(".*.tmp"))  # written atomically, no temp file left behind


def test_default_local_cluster_runs_json_inputs(tmp_path: Path) -> None:
    """Without a scheduler, a LocalCluster of processes is started and closed by solve_batch."""
    city = tmp_path / "city"
    city.mkdir()
    (city / "north.json").write_text("{not json", encoding="utf-8")
    (city / ".hidden").mkdir()
    outcomes = solve_batch(city, tmp_path / "out", time_limit=1, seed=0, workers_per_task=1)
    assert [(o.name, o.status) for o in outcomes] == [("north", FAILED)]
    assert "not valid JSON" in outcomes[0].error


def test_any_exception_in_a_task_becomes_its_outcome(tmp_path: Path, monkeypatch) -> None:
    writing.write_problem(generate("small", 1), tmp_path / "d")

    def crash(*args, **kwargs):
        raise RuntimeError("solver crashed")

    monkeypatch.setattr("kecheng.batch.solve_folder", crash)
    outcome = solve_district("d", str(tmp_path / "d"), str(tmp_path / "out"), 1, 0, 1)
    assert outcome.status == FAILED and outcome.error == "RuntimeError: solver crashed"


def test_inputs_that_cannot_be_batched_are_refused(tmp_path: Path) -> None:
    city = tmp_path / "city"
    (city / "a").mkdir(parents=True)
    with pytest.raises(ValueError, match="inside the input"):
        solve_batch(city, city / "out", time_limit=1, seed=0, workers_per_task=1)
    (city / "a.json").write_text("{}", encoding="utf-8")
    with pytest.raises(ValueError, match="two inputs for district 'a'"):
        solve_batch(city, tmp_path / "out", time_limit=1, seed=0, workers_per_task=1)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="no district"):
        solve_batch(tmp_path / "empty", tmp_path / "out", time_limit=1, seed=0, workers_per_task=1)


def test_missing_dask_says_how_to_install_it(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(DaskMissing, match=r"pip install kecheng\[dask\]"):
        solve_batch(tmp_path, tmp_path / "out", time_limit=1, seed=0, workers_per_task=1)


def test_an_unreachable_scheduler_is_named(tmp_path: Path) -> None:
    from dask import config

    writing.write_problem(generate("small", 1), tmp_path / "city" / "d")
    with (
        pytest.raises(ConnectionError, match=r"tcp://127\.0\.0\.1:1"),
        config.set({"distributed.comm.timeouts.connect": "1s"}),
    ):
        solve_batch(
            tmp_path / "city",
            tmp_path / "out",
            scheduler="tcp://127.0.0.1:1",
            time_limit=1,
            seed=0,
            workers_per_task=1,
        )


def test_a_batch_keeps_each_districts_locks_and_writes_its_formats(tmp_path: Path) -> None:
    """The same folder means the same to `solve` and to `solve-batch`."""
    city = tmp_path / "city"
    problem = generate("small", 1)
    writing.write_problem(problem, city / "d")
    lock = next(p for p in kecheng.greedy(problem) if p.session == 1)
    (city / "d" / "locked.csv").write_text(
        "group_id,session,venue_id,teacher_id,weekday,start,end\n"
        f"{lock.group_id},1,{lock.venue_id},{lock.teacher_id},{lock.weekday},"
        f"{lock.start // 60:02d}:{lock.start % 60:02d},{lock.end // 60:02d}:{lock.end % 60:02d}\n",
        encoding="utf-8",
    )
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None
    ) as c:
        [outcome] = solve_batch(
            city, tmp_path / "out", scheduler=c.scheduler_address, time_limit=2, seed=0, workers_per_task=1,
            formats="csv,xlsx",
        )  # fmt: skip
    assert outcome.ok, outcome.error
    out = tmp_path / "out" / "d"
    assert (out / "timetable.xlsx").is_file()
    placed = kecheng.read_placements(out / "timetable.csv")
    assert lock in placed


def test_a_batch_district_with_a_broken_lock_fails_alone(tmp_path: Path) -> None:
    city = tmp_path / "city"
    writing.write_problem(generate("small", 1), city / "d")
    (city / "d" / "locked.csv").write_text(
        "group_id,session,venue_id,teacher_id,weekday,start,end\nG0001,1,V0001,T0001,1,03:00,04:00\n",
        encoding="utf-8",
    )
    outcome = solve_district("d", str(city / "d"), str(tmp_path / "out" / "d"), 2, 0, 1)
    assert outcome.status == FAILED and outcome.error.startswith("LockError:")
    summary = json.loads((tmp_path / "out" / "d" / "summary.json").read_text(encoding="utf-8"))
    assert summary["status"] == "INFEASIBLE"
