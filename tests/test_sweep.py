"""Sweeps: specs validated before work, results identical on Dask and in-process, nothing lost or duplicated.

The three cluster tests (2 workers, a killed worker, Ctrl-C then resume) use
grids of a few dozen certifications (each 10-500 ms) so they take seconds.
"""

from __future__ import annotations

import io
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from proofs.cli import main
from proofs.sweep import (
    STORE_NAME, ResultStore, load, load_records, load_spec, parse_spec, plot_sweep, run_chunk, run_sweep,
    run_sweep_records, task_key,
)
from proofs.sweep.engine import chunk_size
from proofs.sweep.spec import TaskPoint
from proofs.sweep.store import Record
from proofs.sweep.tasks import TASKS, get_task

from .source import source_root

#: Where the imported ``proofs`` lives (the checkout, or site-packages when CI tests the wheel).
PACKAGES = Path(__import__("proofs").__file__).resolve().parents[1]

#: 24 certifications of T1 and T2, about 1.5 s in one process.
SMALL = {"task": "certify", "grid": {"theorem": ["T1", "T2"], "n1": [3, 4], "n2": 1, "k1": [1, 2], "k2": 1,
                                     "r": ["1/2", "1", "3/2"]}}
#: Bookkeeping columns that legitimately differ between runs of the same task.
RUN_COLUMNS = ("seconds", "worker")


def comparable(records: list[dict]) -> dict[str, dict]:
    """Records keyed by result key, without timing and placement."""
    return {r["key"]: {k: v for k, v in r.items() if k not in RUN_COLUMNS} for r in records}


@pytest.fixture(scope="module")
def small_serial(tmp_path_factory) -> dict[str, dict]:
    """The uninterrupted in-process run of ``SMALL``: the reference of the cluster tests."""
    out = tmp_path_factory.mktemp("serial")
    summary = run_sweep(parse_spec(SMALL), out, workers=0, progress=False)
    assert summary.ok and summary.done == 24, summary
    return comparable(load_records(out))


# --------------------------------------------------------------------------- specs
@pytest.mark.parametrize("data, message", [
    # (spec, words the error must contain): key named, allowed values listed
    ({"grid": {"n1": 1}}, "'task' is missing"),
    ({"task": "certfy", "grid": {}}, "task must be one of certify, trajectory, half_time, simulate, heldout, fullrank, relu"),
    ({"task": "certify", "grid": {}, "colour": 1}, "unknown spec key 'colour'; allowed: task"),
    ({"task": "certify", "grid": {}}, "'grid' must be a non-empty table"),
    ({"task": "certify", "grid": {"n1": 2, "foo": 1}}, "grid key 'foo' is not a parameter of task 'certify'; "
                                                       "allowed: n1, n2, k1, k2, r, theorem, dps"),
    ({"task": "certify", "grid": {"n1": 2, "n2": 1, "k1": 1, "k2": 1}}, "grid is missing 'r', 'theorem'"),
    ({"task": "certify", "grid": {"n1": [], "n2": 1}}, "grid key 'n1' has no values"),
    ({"task": "certify", "grid": {"n1": "3"}}, "grid key 'n1' takes integers; got '3'"),
    ({"task": "certify", "grid": {"n1": {"start": 1}}}, "grid key 'n1': a table must be {start, stop[, step]}"),
    ({"task": "certify", "grid": {"r": [0.5, "1/2"]}}, "grid key 'r' lists a value twice"),
    ({"task": "certify", "grid": {"r": "-1"}}, "r must be a finite real number >= 0"),
    ({**SMALL, "grid": {**SMALL["grid"], "n2": [1, 4]}}, "grid point theorem=T1, n1=3, n2=4, k1=1, k2=1, r=1/2: "
                                                         "n2 must be an integer in [0, 3]"),
    ({**SMALL, "grid": {**SMALL["grid"], "theorem": "T99"}}, "theorem must be one of T1"),
    ({**SMALL, "grid": {**SMALL["grid"], "dps": 5}}, "dps must be an integer in [30, 1000]"),
    ({**SMALL, "chunk_size": 0}, "'chunk_size' must be an integer in [1, 100000]"),
    ({"task": "trajectory", "grid": {"n1": 2, "n2": 1, "k1": 1, "k2": 1, "r": 1, "arch": "dense", "lr": -1.0}},
     "lr must be a finite number > 0"),
    ({"task": "half_time", "grid": {"n1": 2, "n2": 1, "k1": 1, "k2": 1, "r": 1, "arch": "split", "mode": "pi1"}},
     "mode must be one of omega:pi1"),
    ({"task": "simulate", "grid": {"n1": 2, "n2": 1, "k1": 1, "k2": 1, "r": 1, "arch": "desne"}},
     "arch must be one of dense, shallow, split, segregated"),
    ({"task": "simulate", "grid": {"n1": 2, "n2": 1, "k1": 1, "k2": 1, "r": 1, "arch": "dense", "depth": 99}},
     "depth must be an integer in [1, "),
])
def test_spec_error_names_the_key_and_allowed_values(data, message):
    with pytest.raises(ValueError) as err:
        parse_spec(data)
    assert message in str(err.value), str(err.value)


def test_spec_grid_is_the_product_in_file_order_with_defaults():
    spec = parse_spec(SMALL)
    points = spec.points()
    assert spec.size == len(points) == 24
    assert [p.params["theorem"] for p in points[:12]] == ["T1"] * 12          # first key varies slowest
    assert [p.params["r"] for p in points[:3]] == ["1/2", "1", "3/2"]         # last key fastest
    assert all(p.params["dps"] == 50 for p in points)                        # the task's default
    assert len({p.key for p in points}) == 24


def test_task_key_depends_on_parameters_and_version_only():
    params = {"n1": 2, "r": "1/2"}
    assert task_key("certify", params, "1.0") == task_key("certify", dict(reversed(params.items())), "1.0")
    assert task_key("certify", params, "1.0") != task_key("certify", params, "1.1")
    assert task_key("certify", params, "1.0") != task_key("certify", {**params, "r": "1"}, "1.0")
    assert task_key("certify", params, "1.0") != task_key("trajectory", params, "1.0")


def test_points_are_keyed_by_the_running_version_unless_another_is_given():
    from proofs.sweep.spec import modspec_version

    spec = parse_spec(SMALL)
    (first, *_) = spec.points()
    assert first.key == task_key(spec.task, first.params, modspec_version())
    assert spec.points("0.0.1")[0].key == task_key(spec.task, first.params, "0.0.1") != first.key


def test_spec_reads_r_exactly_so_equal_values_are_one_point():
    a = parse_spec({**SMALL, "grid": {**SMALL["grid"], "r": 0.5}}).points()
    b = parse_spec({**SMALL, "grid": {**SMALL["grid"], "r": "1/2"}}).points()
    assert [p.key for p in a] == [p.key for p in b]


def test_example_specs_are_valid():
    examples = sorted((source_root() / "examples").glob("*.toml"))
    sizes = {path.name: load_spec(path).size for path in examples}
    assert {"novel_error.toml", "half_times.toml", "certify_grid.toml", "fullrank.toml", "heldout.toml"} <= set(sizes)
    assert sizes["certify_grid.toml"] == 1000 and sizes["novel_error.toml"] == 24


def test_report_sweep_runs_the_novel_error_example_spec():
    from proofs.report.pipeline import SWEEP_X, sweep_datasets
    from proofs.sweep.paper import novel_error_spec
    from theory.examples import DEFAULT

    built = novel_error_spec(DEFAULT, [d.r for d in sweep_datasets(DEFAULT, SWEEP_X)], lr=0.05, steps=2000)
    example = load_spec(source_root() / "examples" / "novel_error.toml")
    assert (example.task, example.grid) == (built.task, built.grid)


def test_load_spec_rejects_a_missing_file_and_bad_toml(tmp_path):
    with pytest.raises(ValueError, match="cannot be read"):
        load_spec(tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("task = \n", encoding="utf-8")
    with pytest.raises(ValueError, match="is not valid TOML"):
        load_spec(bad)


# --------------------------------------------------------------------------- tasks: one code path
def test_tasks_registry_lists_valid_names():
    with pytest.raises(ValueError, match="task must be one of certify, trajectory, half_time, simulate, heldout, "
                                         "fullrank, relu; got 'x'"):
        get_task("x")


def test_certify_task_is_the_verify_certificate():
    from numeric.certify import run_checks
    from proofs.catalogue import get_theorem
    from theory.dataset import Dataset

    out = TASKS["certify"].run({"n1": 3, "n2": 1, "k1": 2, "k2": 1, "r": "sqrt(2)", "theorem": "T1", "dps": 50})
    checks = run_checks(get_theorem("T1").run_certificate, [Dataset(3, 1, 2, 1, "sqrt(2)")], 50)
    assert out["ok"] is True and out["checks"] == len(checks)
    assert out["max_residual"] == max(c.residual for c in checks)


def test_certify_task_marks_datasets_outside_the_assumptions():
    out = TASKS["certify"].run({"n1": 3, "n2": 1, "k1": 0, "k2": 1, "r": "1", "theorem": "T5", "dps": 50})
    assert out["applies"] is False and out["ok"] is None and out["checks"] == 0


def test_certify_task_whose_certificate_checks_nothing_fails(monkeypatch):
    # as in verify, a certificate without any check is a failure, not a pass with residual 0
    import dataclasses

    import proofs.catalogue as catalogue

    real = catalogue.get_theorem
    monkeypatch.setattr(catalogue, "get_theorem",
                        lambda i: dataclasses.replace(real(i), certify=lambda d, stated: []))
    out = TASKS["certify"].run({"n1": 2, "n2": 1, "k1": 1, "k2": 1, "r": "1", "theorem": "T2", "dps": 50})
    assert out["applies"] is True and out["checks"] == 0 and out["max_residual"] is None and out["ok"] is False


def test_trajectory_and_simulate_tasks_match_the_cli_functions():
    from numeric.trajectory import theory_trajectory
    from proofs.simulation import simulation_report
    from theory.dataset import Dataset

    params = {"n1": 2, "n2": 1, "k1": 1, "k2": 1, "r": "1", "arch": "dense", "lr": 0.05, "a0": 1e-3, "steps": 400}
    traj = theory_trajectory(Dataset(2, 1, 1, 1, 1), "dense", lr=0.05, a0=1e-3, steps=400, every=400)
    assert TASKS["trajectory"].run(params)["novel_error"] == traj.novel_error[-1]
    rep = simulation_report(Dataset(2, 1, 1, 1, 1), "dense", lr=0.05, a0=1e-3, steps=400, every=400)
    sim = TASKS["simulate"].run({**params, "seeds": 1, "init": "spectral", "init_scale": 1e-3})
    assert sim["novel_error"] == rep.simulation.novel_error[0, -1]
    assert sim["novel_error_converged"] == rep.theory.converged["novel_error"]


def test_trajectory_task_passes_depth_to_the_library():
    from numeric.trajectory import theory_trajectory
    from theory.dataset import Dataset

    params = {"n1": 2, "n2": 1, "k1": 1, "k2": 1, "r": "1", "arch": "split", "lr": 0.05, "a0": 1e-3, "steps": 200}
    deep3 = theory_trajectory(Dataset(2, 1, 1, 1, 1), "split", lr=0.05, a0=1e-3, steps=200, every=200, depth=3)
    assert TASKS["trajectory"].run({**params, "depth": 3})["novel_error"] == deep3.novel_error[-1]
    assert TASKS["trajectory"].run({**params, "depth": 0})["novel_error"] != deep3.novel_error[-1]


def test_simulate_task_passes_init_and_its_scale_to_the_library():
    from proofs.simulation import simulation_report
    from theory.dataset import Dataset

    params = {"n1": 2, "n2": 1, "k1": 1, "k2": 1, "r": "1", "arch": "dense", "lr": 0.05, "a0": 1e-3, "steps": 50,
              "seeds": 1, "init": "random", "init_scale": 0.1}
    rep = simulation_report(Dataset(2, 1, 1, 1, 1), "dense", lr=0.05, a0=1e-3, steps=50, every=50, seeds=1,
                            init="random", init_scale=0.1)
    assert TASKS["simulate"].run(params)["novel_error"] == rep.simulation.novel_error[0, -1]
    spectral = TASKS["simulate"].run({**params, "init": "spectral"})["novel_error"]
    assert spectral != rep.simulation.novel_error[0, -1]


def test_simulate_task_above_the_stability_bound_reports_no_theory():
    params = {"n1": 2, "n2": 1, "k1": 1, "k2": 1, "r": "1", "arch": "dense", "lr": 0.9, "a0": 1e-3, "steps": 50,
              "seeds": 1, "init": "spectral", "init_scale": 1e-3}
    out = TASKS["simulate"].run(params)
    assert out["above_bound"] is True and out["novel_error_converged"] is None and out["max_mode_deviation"] is None


def test_heldout_task_is_modspec_heldout_for_one_architecture():
    from proofs.heldout import heldout_report
    from theory.dataset import Dataset

    out = TASKS["heldout"].run({"n1": 2, "n2": 1, "k1": 1, "k2": 1, "r": "1", "arch": "dense", "train_size": 2,
                                "seed": 1})
    (arch,) = heldout_report(Dataset(2, 1, 1, 1, 1), train_size=2, seed=1, archs=["dense"]).archs
    assert (out["theory_omega"], out["gd_omega"]) == (arch.mean("theory_omega"), arch.mean("gd_omega"))


def test_fullrank_task_is_modspec_fullrank_for_one_j():
    from proofs.fullrank import fullrank_report

    out = TASKS["fullrank"].run({"n1": 3, "n2": 3, "j": 4, "estimate": False, "samples": 100, "seed": 0})
    (row,) = fullrank_report(3, 3, 4).rows
    assert out == {"exact": "32/35", "probability": 32 / 35} and row.exact == Fraction(32, 35)


def test_relu_task_is_one_seed_of_the_relu_experiment():
    from numeric.relu import relu_family
    from theory.dataset import Dataset

    params = {"n1": 2, "n2": 1, "k1": 1, "k2": 1, "r": "2", "arch": "dense", "lr": 0.1, "steps": 50, "seed": 3,
              "hidden": 8, "init_scale": 0.1}
    res = relu_family(Dataset(2, 1, 1, 1, 2), "dense", lr=0.1, steps=50, seeds=(3,), hidden=(8,), init_scale=0.1)
    out = TASKS["relu"].run(params)
    assert (out["rho"], out["novel_error"]) == (res.rho[0], res.novel_error[0])


@pytest.mark.parametrize("grid, message", [
    # the fullrank and relu tasks validate through their library's checks
    ({"n1": 3, "n2": 3, "j": 9}, "j must be an integer in [1, 8]"),
    ({"n1": 3, "n2": 3, "j": 2, "estimate": 1}, "grid key 'estimate' takes true or false"),
    ({"n1": 3, "n2": 2, "k1": 1, "k2": 1, "r": 2, "arch": "dense", "train_size": 8},
     "train-size must be an integer in [1, 7] (at least one item held out)"),
])
def test_fullrank_and_heldout_spec_errors_name_the_key(grid, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_spec({"task": "heldout" if "arch" in grid else "fullrank", "grid": grid})


#: One valid point of the relu task (validated only: nothing here trains).
RELU_POINT = {"n1": 2, "n2": 1, "k1": 1, "k2": 1, "r": 2, "arch": "dense", "steps": 50, "hidden": 8}


def test_relu_sweep_point_with_a_valid_seed_passes_validation():
    (point,) = parse_spec({"task": "relu", "grid": {**RELU_POINT, "seed": 3}}).points()
    assert point.params["seed"] == 3 and point.params["hidden"] == 8


@pytest.mark.parametrize("seed, message", [
    (-1, "seed must be an integer >= 0; got -1"),
    (1.5, "grid key 'seed' takes integers; got 1.5"),
    ("0", "grid key 'seed' takes integers; got '0'"),
    (True, "grid key 'seed' takes integers; got True"),
])
def test_relu_sweep_point_with_a_negative_or_non_integer_seed_is_refused_naming_seed(seed, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_spec({"task": "relu", "grid": {**RELU_POINT, "seed": seed}})


def test_cli_refuses_a_relu_sweep_with_a_negative_seed_before_any_work(tmp_path, capsys):
    spec = tmp_path / "relu.toml"
    spec.write_text('task = "relu"\n[grid]\nn1 = 2\nn2 = 1\nk1 = 1\nk2 = 1\nr = 2\narch = "dense"\nseed = -2\n',
                    encoding="utf-8")
    assert main(["sweep", str(spec), "--out", str(tmp_path / "o"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "seed must be an integer >= 0; got -2" in err, err
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("data, kind", [([{"task": "relu"}], "list"), ("task = 'relu'", "str"), (None, "NoneType")])
def test_spec_that_is_not_a_table_is_refused_naming_the_type_given(data, kind):
    with pytest.raises(ValueError) as err:
        parse_spec(data)
    assert str(err.value) == f"a spec must be a table; got {kind}"


# --------------------------------------------------------------------------- engine, in-process
def test_raising_task_is_recorded_failed_and_the_sweep_goes_on(tmp_path):
    # a0 = 0.9 starts above half of pi1's fixed point: half_times raises; a0 = 0.001 is fine
    spec = parse_spec({"task": "half_time", "grid": {"n1": 2, "n2": 1, "k1": 1, "k2": 1, "r": "1", "arch": "dense",
                                                     "mode": "pi1", "a0": [0.9, 0.001]}})
    summary = run_sweep(spec, tmp_path, workers=0, progress=False)
    assert (summary.done, summary.failed, summary.ok) == (1, 1, False)
    rows = {r["a0"]: r for r in load_records(tmp_path)}
    assert rows[0.9]["status"] == "failed" and rows[0.9]["error"].startswith("ValueError: a0 must be below half")
    assert rows[0.001]["status"] == "done" and rows[0.001]["t_half"] > 0


@pytest.mark.parametrize("options, message", [
    ({"workers": -1}, "workers must be an integer in [0, 1024]"),
    ({"scheduler": "tcp://127.0.0.1:1", "workers": 2}, "cannot be combined with scheduler"),
])
def test_bad_run_options_are_refused_before_anything_is_written(tmp_path, options, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        run_sweep(parse_spec(SMALL), tmp_path / "o", progress=False, **options)
    assert not (tmp_path / "o").exists()


def test_store_refuses_a_non_empty_out_without_resume(tmp_path):
    spec = parse_spec({**SMALL, "grid": {**SMALL["grid"], "theorem": "T2", "n1": 2}})
    run_sweep(spec, tmp_path, workers=0, progress=False)
    with pytest.raises(ValueError, match="already holds 6 results; pass resume"):
        run_sweep(spec, tmp_path, workers=0, progress=False)
    again = run_sweep(spec, tmp_path, workers=0, progress=False, resume=True)
    assert (again.skipped, again.done) == (6, 0)


def test_store_keeps_one_row_per_key_and_never_overwrites_a_done_result(tmp_path):
    def rec(status: str, value: float) -> Record:
        return Record("k", 0, "certify", "v", {}, {}, status, {"x": value} if status == "done" else None,
                      None if status == "done" else "E: boom", 0.0, "w")

    with ResultStore(tmp_path) as store:
        assert store.write([rec("failed", 0)]) == 1
        assert store.write([rec("done", 1.0)]) == 1          # a retry replaces the failure
        assert store.write([rec("done", 2.0)]) == 0          # a done result is never rewritten
        assert store.count() == 1 and store.rows()[0]["result"] == {"x": 1.0}


def test_run_chunk_turns_exceptions_into_records_unless_fail_fast():
    point = TaskPoint(0, "k", {"n1": 2, "n2": 1, "k1": 1, "k2": 1, "r": "1", "arch": "dense", "mode": "pi1",
                               "lr": 0.05, "a0": 0.9}, {})
    (record,) = run_chunk("half_time", [point], "v")
    assert record.status == "failed" and "a0 must be below half" in record.error
    with pytest.raises(ValueError, match="a0 must be below half"):
        run_chunk("half_time", [point], "v", fail_fast=True)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("quiet", [False, True])
def test_progress_bar_shows_done_failed_remaining_on_terminals_only_unless_quiet(tmp_path, monkeypatch, quiet):
    spec = parse_spec({"task": "half_time", "grid": {"n1": 2, "n2": 1, "k1": 1, "k2": 1, "r": "1", "arch": "dense",
                                                     "mode": "pi1", "a0": [0.001, 0.9, 0.002]}})  # 0.9 fails
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    summary = run_sweep(spec, tmp_path, workers=0, progress=not quiet)
    assert (summary.done, summary.failed) == (2, 1)
    shown = terminal.getvalue()
    assert ("done=2 failed=1 remaining=0" in shown) != quiet, shown


@pytest.mark.parametrize("seconds, remaining, workers, fixed, expected", [
    ([], 100, 2, None, 1),               # nothing measured yet: one point per chunk
    ([0.01] * 5, 1000, 2, None, 100),    # 1 s of work at 10 ms per point
    ([0.01] * 5, 40, 2, None, 10),       # but no more than an even share of what is left
    ([5.0, 0.02, 0.02], 1000, 2, None, 50),  # the median ignores a slow first (warm-up) task
    ([3.0] * 3, 1000, 2, None, 1),       # slow tasks run one by one
    ([0.01], 7, 2, 20, 7),               # the spec's chunk_size, capped by what is left
    ([0.01], 0, 2, None, 0),
])
def test_chunk_size_targets_one_second_and_an_even_tail(seconds, remaining, workers, fixed, expected):
    assert chunk_size(seconds, remaining, workers, fixed) == expected


def test_load_returns_a_table_with_grid_parameters_as_columns(tmp_path, small_serial):
    spec = parse_spec(SMALL)
    run_sweep(spec, tmp_path, workers=0, progress=False)
    table = load(tmp_path)
    if isinstance(table, np.ndarray):
        names = table.dtype.names
        assert table.shape == (24,) and table["n1"].dtype == np.int64 and table["max_residual"].dtype == float
    else:  # pandas installed
        names = tuple(table.columns)
        assert len(table) == 24
    assert names[:8] == ("task", "n1", "n2", "k1", "k2", "r", "theorem", "dps")
    assert {"k1_r2_over_P", "max_residual", "ok", "status", "key"} <= set(names)


def test_load_of_a_directory_without_results_names_it(tmp_path):
    with pytest.raises(ValueError, match="holds no sweep results"):
        load(tmp_path)


def test_plot_draws_one_series_per_named_parameter(tmp_path):
    spec = parse_spec({"task": "trajectory", "grid": {"arch": ["dense", "segregated"], "n1": 2, "n2": 1, "k1": 1,
                                                      "k2": 1, "r": ["1/2", "1", "2"], "steps": 0}})
    run_sweep(spec, tmp_path, workers=0, progress=False)
    path = plot_sweep(tmp_path, "k1_r2_over_P", "novel_error_converged")
    svg = path.read_text(encoding="utf-8")
    assert path.name == "plot-k1_r2_over_P-novel_error_converged.svg"
    assert "arch=dense" in svg and "arch=segregated" in svg
    with pytest.raises(ValueError, match="plot column 'arch' must be a numeric column"):
        plot_sweep(tmp_path, "arch", "rho")


def test_plot_against_a_grid_key_draws_the_other_keys_as_series_and_averages_seeds(tmp_path):
    spec = parse_spec({"task": "fullrank", "grid": {"n1": 3, "n2": [1, 3], "j": [2, 3, 4], "seed": [0, 1]}})
    run_sweep(spec, tmp_path, workers=0, progress=False)
    svg = plot_sweep(tmp_path, "j", "probability").read_text(encoding="utf-8")
    assert "n2=1" in svg and "n2=3" in svg and "seed=" not in svg


# --------------------------------------------------------------------------- CLI
def test_cli_bad_spec_exits_2_with_one_line(tmp_path, capsys):
    spec = tmp_path / "bad.toml"
    spec.write_text('task = "certify"\n[grid]\nn1 = 2\nwidth = 3\n', encoding="utf-8")
    assert main(["sweep", str(spec), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "grid key 'width' is not a parameter of task 'certify'" in err
    assert not (tmp_path / "o").exists()  # nothing done before validation


def test_cli_sweep_json_and_plot(tmp_path, capsys):
    spec = tmp_path / "s.toml"
    spec.write_text('task = "certify"\n[grid]\ntheorem = "T2"\nn1 = 2\nn2 = 1\nk1 = [1, 2]\nk2 = 1\nr = "1"\n',
                    encoding="utf-8")
    out = tmp_path / "o"
    code = main(["sweep", str(spec), "--out", str(out), "--workers", "0", "--json", "--plot", "k1", "max_residual"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0 and (data["total"], data["done"], data["failed"]) == (2, 2, 0)
    assert Path(data["plot"]).is_file() and (out / STORE_NAME).is_file()
    assert main(["sweep", "--out", str(out), "--plot", "k1", "max_residual"]) == 0
    assert main(["sweep", "--plot", "k1", "max_residual"]) == 2


# --------------------------------------------------------------------------- Dask: the three Done-when tests
def test_local_cluster_with_2_workers_gives_the_serial_results(tmp_path, small_serial):
    summary = run_sweep(parse_spec(SMALL), tmp_path, workers=2, progress=False)
    records = load_records(tmp_path)
    assert summary.ok and summary.workers == 2 and summary.duplicates == 0, summary
    assert len({r["worker"] for r in records}) == 2  # both workers computed
    assert comparable(records) == small_serial


def test_killed_worker_tasks_are_retried_and_none_duplicated(tmp_path, small_serial):
    from distributed import Client, LocalCluster

    killed: list[int] = []
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster, \
            Client(cluster, set_as_default=False) as client:
        pids = client.run(os.getpid)

        def kill_once(done: int, failed: int, remaining: int) -> None:
            if killed or done < 3:
                return
            busy = [w for w, keys in client.processing().items() if keys]  # a worker with chunks in flight
            assert busy and remaining > 0
            killed.append(pids[busy[0]])
            os.kill(pids[busy[0]], signal.SIGKILL)

        spec = parse_spec({**SMALL, "chunk_size": 1})
        summary = run_sweep(spec, tmp_path, scheduler=cluster.scheduler_address, progress=False, on_result=kill_once)
        restarted = client.run(os.getpid)
    records = load_records(tmp_path)
    assert killed and killed[0] not in restarted.values()  # the worker really died (its nanny restarted it)
    assert summary.ok and summary.done == 24 and summary.failed == 0 and summary.duplicates == 0, summary
    assert len(records) == len({r["key"] for r in records}) == 24
    assert comparable(records) == small_serial


def _store_rows(out: Path) -> dict[str, tuple]:
    path = out / STORE_NAME
    if not path.exists():
        return {}
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        try:
            return {k: (f, w) for k, f, w in db.execute("SELECT key, finished, worker FROM results")}
        except sqlite3.OperationalError:  # tables not created yet
            return {}


def test_sigint_then_resume_recomputes_nothing_finished(tmp_path, small_serial):
    spec = tmp_path / "s.toml"
    grid = "\n".join(f"{k} = {json.dumps(v)}" for k, v in SMALL["grid"].items())
    spec.write_text(f'task = "certify"\nchunk_size = 1\n[grid]\n{grid}\n', encoding="utf-8")
    out = tmp_path / "o"
    cmd = [sys.executable, "-m", "proofs.cli", "sweep", str(spec), "--out", str(out), "--workers", "2", "--quiet"]
    env = {**os.environ, "PYTHONPATH": str(PACKAGES)}
    proc = subprocess.Popen(cmd, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while len(_store_rows(out)) < 3 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    before = _store_rows(out)
    assert proc.returncode == 130, err
    assert "continue with --resume" in err and 3 <= len(before) < 24, (len(before), err)

    resumed = subprocess.run(cmd + ["--resume", "--json"], cwd=tmp_path, env=env, capture_output=True, text=True,
                             timeout=300)
    data = json.loads(resumed.stdout)
    after = _store_rows(out)
    assert resumed.returncode == 0, resumed.stderr
    assert (data["skipped"], data["done"], data["failed"]) == (len(before), 24 - len(before), 0), data
    assert {k: after[k] for k in before} == before  # finished rows untouched: not recomputed
    assert comparable(load_records(out)) == small_serial


def test_store_keeps_the_spec_and_version_of_the_run(tmp_path):
    spec = parse_spec({"task": "half_time", "grid": {"n1": 2, "n2": 1, "k1": 1, "k2": 1, "r": "1", "arch": "dense",
                                                     "mode": "pi1", "a0": [0.001]}})
    run_sweep(spec, tmp_path, workers=0, progress=False)
    with ResultStore(tmp_path) as store:
        assert store.get_meta("spec") == json.loads(json.dumps(spec.to_dict(), sort_keys=True))
        assert isinstance(store.get_meta("version"), str) and store.get_meta("version")
        assert store.get_meta("no such name") is None


def test_cli_sweep_text_names_each_failed_point_with_its_parameters_and_error(tmp_path, capsys):
    spec = tmp_path / "s.toml"
    spec.write_text('task = "half_time"\n[grid]\nn1 = 2\nn2 = 1\nk1 = 1\nk2 = 1\nr = "1"\narch = "dense"\n'
                    'mode = "pi1"\na0 = [0.9, 0.001]\n', encoding="utf-8")
    assert main(["sweep", str(spec), "--out", str(tmp_path / "o"), "--workers", "0", "--quiet"]) == 1
    failed = [line for line in capsys.readouterr().out.splitlines() if line.strip().startswith("failed {")]
    assert len(failed) == 1 and "'a0': 0.9" in failed[0] and "ValueError: a0 must be below half" in failed[0], failed


def test_table_columns_are_the_parameters_that_vary():
    from proofs.sweep.table import varying_columns

    records = [{"n1": 2, "k1": 1, "r": "1"}, {"n1": 2, "k1": 2, "r": "1"}, {"n1": 2, "k1": 2}]
    assert varying_columns(records, ["n1", "k1", "r"]) == ["k1", "r"]  # r absent from one record counts as varying
    assert varying_columns(records[:1], ["n1", "k1"]) == []


def test_plot_of_a_sweep_without_finished_results_names_the_directory(tmp_path):
    with ResultStore(tmp_path):
        pass
    with pytest.raises(ValueError, match="has no finished results to plot"):
        plot_sweep(tmp_path, "k1", "rho")


def test_in_process_sweep_records_stop_at_the_first_failing_task_with_its_own_error():
    # run_sweep_records (the report's sweeps) fails fast: the library's exception, not a stored failure
    spec = parse_spec({"task": "half_time", "grid": {"n1": 2, "n2": 1, "k1": 1, "k2": 1, "r": "1", "arch": "dense",
                                                     "mode": "pi1", "a0": [0.9, 0.001]}})
    with pytest.raises(ValueError, match="a0 must be below half"):
        run_sweep_records(spec)
    ok = parse_spec({"task": "half_time", "grid": {"n1": 2, "n2": 1, "k1": 1, "k2": 1, "r": "1", "arch": "dense",
                                                   "mode": "pi1", "a0": [0.001, 0.002]}})
    summary, rows = run_sweep_records(ok)
    assert summary.done == 2 and len(rows) == 2


def test_a_chunk_the_scheduler_gave_up_on_is_stored_as_failed_with_its_task_and_error():
    # KilledWorker and the like: every point of the chunk becomes a failed record of its task,
    # with the error named and the scheduler as its worker (what --resume then retries)
    from proofs.sweep.engine import _failed_chunk
    from proofs.sweep.spec import parse_spec

    spec = parse_spec({"task": "fullrank", "grid": {"n1": 3, "n2": 1, "j": [2, 3]}})
    points = spec.points("0.test")
    records = _failed_chunk("fullrank", points, "0.test", RuntimeError("worker killed"))
    assert [(r.key, r.index, r.task, r.version, r.status, r.result, r.error, r.worker) for r in records] == [
        (p.key, p.index, "fullrank", "0.test", "failed", None, "RuntimeError: worker killed", "scheduler")
        for p in points]


@pytest.mark.parametrize("threads, seen", [(1, 1), (None, None)])
def test_run_chunk_sets_the_simulators_threads(threads, seen, monkeypatch):
    # the cluster's workers already share the cores: their simulations run on one thread each
    from numeric import simulate as simulate_module

    counts = []
    count_of = simulate_module._thread_count

    def spy(arg):
        counts.append(count_of(arg))
        return counts[-1]

    monkeypatch.setattr(simulate_module, "_thread_count", spy)
    params = {"n1": 2, "n2": 1, "k1": 1, "k2": 1, "r": "1", "arch": "dense", "lr": 0.05, "a0": 1e-3, "steps": 20,
              "seeds": 4, "init": "spectral", "init_scale": 1e-3}
    (record,) = run_chunk("simulate", [TaskPoint(0, "k", params, {})], "v", threads=threads)
    assert record.status == "done" and counts and set(counts) == {seen}
    assert simulate_module._THREADS.get() is None  # the setting ends with the chunk


def test_cluster_workers_run_their_chunks_on_one_simulator_thread():
    import inspect

    from proofs.sweep import engine

    assert "run_chunk, spec.task, chunk, version, threads=1" in inspect.getsource(engine._run_dask)


def test_resume_refuses_an_out_directory_holding_another_task(tmp_path):
    # extending a grid is what resume is for; another task's rows would mix with the stored ones
    spec = parse_spec({**SMALL, "grid": {**SMALL["grid"], "theorem": "T2", "n1": 2}})
    run_sweep(spec, tmp_path, workers=0, progress=False)
    other = parse_spec({"task": "half_time", "grid": {"n1": 2, "n2": 1, "k1": 1, "k2": 1, "r": "1", "arch": "dense",
                                                      "mode": "pi1", "lr": 0.05, "a0": 1e-3}})
    with pytest.raises(ValueError, match="holds results of task 'certify'; resume continues a sweep of that task, "
                                         "not 'half_time'"):
        run_sweep(other, tmp_path, workers=0, progress=False, resume=True)
    with ResultStore(tmp_path) as store:  # nothing was written
        assert store.get_meta("spec")["task"] == "certify" and store.count() == 6
    wider = parse_spec({**SMALL, "grid": {**SMALL["grid"], "theorem": "T2", "n1": [2, 3]}})
    assert run_sweep(wider, tmp_path, workers=0, progress=False, resume=True).skipped == 6
