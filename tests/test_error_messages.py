"""Every bad-input message of the public API, pinned: exception type and full text.

The standard (README, developers' guide): bad input gets a clear error that
names the parameter and its allowed range, before any work starts. Each case
below calls one public function or constructor of ``theory``, ``numeric`` or
``proofs`` with one bad argument; ``tests/golden/errors.json`` holds the
reviewed type name and message of what it raises. A test checks that the
message names its parameter, another that type and text match the record
exactly, so a changed message (or one that stops being raised) fails here.
After reviewing such a change, rewrite the file with
``python -m tests.test_error_messages`` from the repository root.

Every case fails in argument checking, before any simulation or proof, so
the whole table runs in seconds.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest

from .golden_records import load_golden, write_golden

#: The repository root; messages quote paths under it as ``<repo>`` so the record holds in any checkout.
ROOT = Path(__file__).resolve().parent.parent
THIS_FILE = str(ROOT / "tests" / "test_error_messages.py")
NO_RESULTS = str(ROOT / "tests" / "golden")


def _d(*args, **kwargs):
    from theory.dataset import Dataset

    return Dataset(*args, **kwargs)


def _good():
    """A small valid dataset: D(2, 1, 1, 1, 1)."""
    return _d(2, 1, 1, 1, 1)


def _readout(**kwargs):
    from theory.readout import READOUT

    return READOUT.from_options({"n1": 2, "k1": 1, "k2": 1, "r": 1, **kwargs})


def _points(task: str, **grid):
    """Validate every grid point of a sweep of ``task`` (no task runs)."""
    from proofs.sweep.spec import parse_spec

    return parse_spec({"task": task, "grid": grid}).points(version="golden")


_DATA = {"n1": 2, "n2": 1, "k1": 1, "k2": 1, "r": 1}


def _spec(**data):
    from proofs.sweep.spec import parse_spec

    return parse_spec(data)


def _simulate(**kwargs):
    from numeric.simulate import simulate

    return simulate(_good(), kwargs.pop("arch", "dense"), **{"lr": 0.05, "steps": 10, **kwargs})


def _init(**kwargs):
    from numeric import simulate as sim

    return sim.init(kwargs.pop("datasets", [_good()]), kwargs.pop("arch", "dense"), **{"lr": 0.05, **kwargs})


def _relu(**kwargs):
    from numeric.relu import relu_family

    return relu_family(kwargs.pop("datasets", _good()), kwargs.pop("arch", "dense"),
                       **{"lr": 0.1, "steps": 10, **kwargs})


def _hebb(**kwargs):
    from numeric.hebbian import train_rule

    return train_rule(kwargs.pop("datasets", _good()), kwargs.pop("arch", "split"), kwargs.pop("rule", "gd"),
                      kwargs.pop("coef", None), **{"lr": 0.05, "steps": 10, **kwargs})


def _rule(name, coef=None, **kwargs):
    from numeric.hebbian import learning_rule

    return learning_rule(name, coef, **{"lr": 0.05, "lambda_max": 1.0, **kwargs})


def _traj(**kwargs):
    from numeric.trajectory import theory_trajectory

    return theory_trajectory(_good(), kwargs.pop("arch", "dense"), **{"lr": 0.05, "a0": 1e-3, "steps": 10, **kwargs})


def _digits(**kwargs):
    from numeric.digits import make_digits

    return make_digits(**kwargs)


def _train_digits(**kwargs):
    from numeric.digits import train_digits

    return train_digits(kwargs.pop("arch", "dense"), **kwargs)


def _in_store(status: str, then: Callable[[str], object]):
    """Call ``then(out)`` on a temporary sweep directory holding one result of ``status`` (quoted as <out>)."""
    import tempfile

    from proofs.sweep.store import Record, ResultStore

    with tempfile.TemporaryDirectory() as tmp:
        with ResultStore(tmp) as store:
            store.write([Record("k", 0, "certify", "golden", {"n1": 2, "theorem": "T1"}, {}, status,
                                {"ok": True} if status == "done" else None, None if status == "done" else "boom",
                                0.0, "w")])
        try:
            return then(tmp)
        except ValueError as err:
            raise ValueError(str(err).replace(tmp, "<out>")) from None


def _eye(n: int):
    import numpy as np

    return np.eye(n)


def _import(module: str, name: str):
    import importlib

    return getattr(importlib.import_module(module), name)


# (id, call with one bad input, the parameter its message must name)
CASES: list[tuple[str, Callable[[], object], str]] = [
    # --- theory.dataset / theory.family (the Dataset constructor) ---
    ("dataset_n1_zero", lambda: _d(0, 0, 1, 1, 1), "n1"),
    ("dataset_n1_float", lambda: _d(1.5, 0, 1, 1, 1), "n1"),
    ("dataset_n1_bool", lambda: _d(True, 0, 1, 1, 1), "n1"),
    ("dataset_n2_above_n1", lambda: _d(2, 3, 1, 1, 1), "n2"),
    ("dataset_k1_negative", lambda: _d(2, 1, -1, 1, 1), "k1"),
    ("dataset_k2_huge", lambda: _d(2, 1, 1, 10**6, 1), "k2"),
    ("dataset_r_negative", lambda: _d(2, 1, 1, 1, -1), "r"),
    ("dataset_r_nan", lambda: _d(2, 1, 1, 1, float("nan")), "r"),
    ("dataset_r_text", lambda: _d(2, 1, 1, 1, "abc"), "r"),
    ("dataset_r_division_by_zero", lambda: _d(2, 1, 1, 1, "1/0"), "r"),
    ("dataset_r_power", lambda: _d(2, 1, 1, 1, "2**(1/2)"), "r"),
    ("dataset_r_digits", lambda: _d(2, 1, 1, 1, "1" * 400), "r"),
    ("dataset_r_fraction_digits", lambda: _d(2, 1, 1, 1, _import("fractions", "Fraction")(10**70, 3)), "r"),
    ("dataset_r_not_decimal", lambda: _d(2, 1, 1, 1, "1_000"), "r"),
    ("dataset_r_exponent_digits", lambda: _d(2, 1, 1, 1, "1e9999999"), "r"),
    ("dataset_r_decimal_digits", lambda: _d(2, 1, 1, 1, "1e70"), "r"),
    ("dataset_r_power_digits", lambda: _d(2, 1, 1, 1, "123456789**64"), "r"),
    ("dataset_r_zero_power", lambda: _d(2, 1, 1, 1, "0**-1"), "r"),
    ("dataset_r_empty", lambda: _d(2, 1, 1, 1, "  "), "r"),
    ("dataset_r_syntax", lambda: _d(2, 1, 1, 1, "1 +"), "r"),
    ("dataset_r_nodes", lambda: _d(2, 1, 1, 1, "+".join(["1"] * 40)), "r"),
    ("dataset_r_nesting", lambda: _d(2, 1, 1, 1, "-" * 20 + "1"), "r"),
    ("dataset_r_bool", lambda: _d(2, 1, 1, 1, True), "r"),
    ("dataset_r_huge_int", lambda: _d(2, 1, 1, 1, 10**400), "r"),
    ("dataset_r_sympy_ops",
     lambda: _d(2, 1, 1, 1, _import("sympy", "Add")(*[_import("sympy", "sqrt")(i) for i in range(2, 80)])), "r"),
    ("dataset_r_list", lambda: _d(2, 1, 1, 1, [1]), "r"),
    ("dataset_r_imaginary", lambda: _d(2, 1, 1, 1, "sqrt(-1)"), "r"),
    ("dataset_r_tiny", lambda: _d(2, 1, 1, 1, "1e-40"), "r"),
    ("dataset_r_int_digits", lambda: _d(2, 1, 1, 1, 10**70), "r"),
    ("dataset_selection_repeated", lambda: _d(2, 2, 1, 1, 1, selection=(0, 0)), "selection"),
    ("dataset_selection_out_of_range", lambda: _d(2, 1, 1, 1, 1, selection=(5,)), "selection"),
    ("dataset_selection_text", lambda: _d(2, 1, 1, 1, 1, selection="a,b"), "selection"),
    ("dataset_train_not_iterable", lambda: _d(2, 1, 1, 1, 1, train=3), "train"),
    ("dataset_train_float", lambda: _d(2, 1, 1, 1, 1, train=(0.5,)), "train"),
    ("dataset_train_out_of_range", lambda: _d(2, 1, 1, 1, 1, train=(0, 9)), "train"),
    ("family_unknown_parameter", lambda: _import("theory.dataset", "SELECTION").parameter("n9"), "parameter"),
    ("family_missing_option", lambda: _import("theory.dataset", "SELECTION").from_options({"n1": 2}), "n2"),
    ("family_parameter_kind", lambda: _import("theory.family", "Parameter")("x", "complex", "help"), "kind"),
    ("readout_not_json", lambda: _readout(readout="[[1, 0]"), "readout"),
    ("readout_not_rows", lambda: _readout(readout="[1, 0]"), "readout"),
    ("readout_ragged", lambda: _readout(readout="[[1, 0], [1]]"), "readout"),
    ("readout_too_many_rows", lambda: _readout(readout=str([[1, 0]] * 50)), "readout"),
    ("readout_entry_not_rational", lambda: _readout(readout='[[1, "x"]]'), "readout"),
    ("readout_entry_infinite", lambda: _readout(readout=[[float("inf"), 0]]), "readout"),
    ("readout_entry_object", lambda: _readout(readout=[[None, 0]]), "readout"),
    ("readout_not_matrix", lambda: _readout(readout=3), "readout"),
    # --- theory.dynamics / theory.stability / theory.architectures / theory.fullrank / theory.images ---
    ("gradient_flow_deep_not_bool", lambda: _import("theory.dynamics", "gradient_flow")(1), "deep"),
    ("mode_dynamics_deep_not_bool", lambda: _import("theory.dynamics", "mode_dynamics")("yes"), "deep"),
    ("depth_dynamics_depth_zero", lambda: _import("theory.dynamics", "depth_dynamics")(0), "depth"),
    ("check_depth_float", lambda: _import("theory.dynamics", "check_depth")(2.5), "depth"),
    ("curvature_depth_zero", lambda: _import("theory.stability", "curvature")(0), "depth"),
    ("derive_stability_depth_nine", lambda: _import("theory.stability", "derive_stability")(9), "depth"),
    ("get_architecture_unknown", lambda: _import("theory.architectures", "get_architecture")("wide"), "arch"),
    ("with_depth_unknown_arch", lambda: _import("theory.architectures", "with_depth")(3, 2), "arch"),
    ("with_depth_depth_zero", lambda: _import("theory.architectures", "with_depth")("dense", 0), "depth"),
    ("module_empty_inputs",
     lambda: _import("theory.architectures", "Module")("m", (), ("omega_y",)), "inputs"),
    ("module_bad_outputs",
     lambda: _import("theory.architectures", "Module")("m", ("omega_x",), ("zeta",)), "outputs"),
    ("fullrank_n1_zero", lambda: _import("theory.fullrank", "span_probability")(0, 1), "n1"),
    ("fullrank_args_n1_big", lambda: _import("theory.fullrank", "check_fullrank_args")(99), "n1"),
    ("fullrank_args_j_negative", lambda: _import("theory.fullrank", "check_fullrank_args")(2, 1, -1), "j"),
    ("fullrank_args_n2_big", lambda: _import("theory.fullrank", "check_fullrank_args")(2, 3), "n2"),
    ("image_arrangement_unknown", lambda: _import("theory.images", "get_image_arrangement")("x"), "arch"),
    # --- numeric.simulate ---
    ("simulate_dataset_type", lambda: _import("numeric.simulate", "simulate")(3, "dense", lr=0.05, steps=1), "dataset"),
    ("simulate_arch_unknown", lambda: _simulate(arch="wide"), "arch"),
    ("simulate_lr_zero", lambda: _simulate(lr=0.0), "lr"),
    ("simulate_lr_empty", lambda: _simulate(lr=()), "lr"),
    ("simulate_lr_nan", lambda: _simulate(lr=float("nan")), "lr"),
    ("simulate_steps_negative", lambda: _simulate(steps=-1), "steps"),
    ("simulate_steps_float", lambda: _simulate(steps=1.5), "steps"),
    ("simulate_seeds_empty", lambda: _simulate(seeds=()), "seeds"),
    ("simulate_seeds_negative", lambda: _simulate(seeds=(-1,)), "seeds"),
    ("simulate_init_unknown", lambda: _simulate(init="zeros"), "init"),
    ("simulate_a0_zero", lambda: _simulate(a0=0.0), "a0"),
    ("simulate_a0_unknown_mode", lambda: _simulate(a0={"pi9": 0.1}), "a0"),
    ("simulate_init_scale_zero", lambda: _simulate(init="random", init_scale=0.0), "init_scale"),
    ("simulate_hidden_small", lambda: _simulate(init="random", hidden=1), "hidden"),
    ("simulate_hidden_zero", lambda: _simulate(hidden=0), "hidden"),
    ("simulate_threads_zero", lambda: _simulate(threads=0), "threads"),
    ("simulation_threads_text",
     lambda: _import("numeric.simulate", "simulation_threads")("2").__enter__(), "threads"),
    ("simulate_every_zero", lambda: _simulate(every=0), "every"),
    ("simulate_batch_progress",
     lambda: _import("numeric.simulate", "simulate_batch")([_good()], "dense", lr=0.05, steps=1, progress=3),
     "progress"),
    ("init_datasets_empty", lambda: _init(datasets=[]), "datasets"),
    ("init_datasets_mixed", lambda: _init(datasets=[_good(), _d(3, 1, 1, 1, 1)]), "datasets"),
    ("init_rule_type", lambda: _init(rule="gd"), "rule"),
    ("run_steps_negative",
     lambda: _import("numeric.simulate", "run")(*_import("numeric.simulate", "init")([_good()], "dense", lr=0.05),
                                                steps=-1), "steps"),
    ("euler_error_constant_zero", lambda: _import("numeric.simulate", "euler_error_constant")(0.0), "x0"),
    # --- numeric.trajectory ---
    ("trajectory_lr_negative", lambda: _traj(lr=-1.0), "lr"),
    ("trajectory_steps_huge", lambda: _traj(steps=10**12), "steps"),
    ("trajectory_every_zero", lambda: _traj(every=0), "every"),
    ("trajectory_a0_inf", lambda: _traj(a0=float("inf")), "a0"),
    ("trajectory_a0_missing_mode", lambda: _traj(a0={"pi1": 0.1}), "a0"),
    ("trajectory_lr_unstable", lambda: _traj(lr=100.0), "lr"),
    ("half_times_a0_large",
     lambda: _import("numeric.trajectory", "half_times")(_good(), "dense", lr=0.05, a0=100.0), "a0"),
    # --- numeric.relu ---
    ("relu_arch_unknown", lambda: _relu(arch="wide"), "arch"),
    ("relu_lr_zero", lambda: _relu(lr=0.0), "lr"),
    ("relu_steps_negative", lambda: _relu(steps=-1), "steps"),
    ("relu_seeds_negative", lambda: _relu(seeds=(-1,)), "seeds"),
    ("relu_hidden_zero", lambda: _relu(hidden=0), "hidden"),
    ("relu_hidden_text", lambda: _relu(hidden="16"), "hidden"),
    ("relu_momentum_one", lambda: _relu(momentum=1.0), "momentum"),
    ("relu_init_scale_zero", lambda: _relu(init_scale=0.0), "init_scale"),
    ("relu_train_out_of_range", lambda: _relu(train=(0, 9)), "train"),
    ("relu_train_empty", lambda: _relu(train=()), "train"),
    ("relu_datasets_empty", lambda: _relu(datasets=[]), "datasets"),
    ("relu_datasets_mixed", lambda: _relu(datasets=[_good(), _d(3, 1, 1, 1, 1)]), "datasets"),
    ("relu_datasets_train_differs",
     lambda: _relu(datasets=[_good(), _d(2, 1, 1, 1, 1, train=(0, 1))]), "train"),
    ("relu_train_differs_from_dataset",
     lambda: _relu(datasets=_d(2, 1, 1, 1, 1, train=(0, 1)), train=(0, 2)), "train"),
    ("relu_module_empty",
     lambda: _import("numeric.relu", "ReluModule")("m", (), (0,), 4), "module"),
    # --- numeric.hebbian ---
    ("hebbian_rule_unknown", lambda: _hebb(rule="delta"), "rule"),
    ("hebbian_lr_zero", lambda: _hebb(lr=0.0), "lr"),
    ("hebbian_rule_on_deep_arch", lambda: _hebb(rule="oja", coef=1.0, arch="shallow"), "rule"),
    ("learning_rule_unknown", lambda: _rule("delta"), "rule"),
    ("learning_rule_coef_nan", lambda: _rule("oja", float("nan")), "coef"),
    ("learning_rule_coef_negative", lambda: _rule("oja", -1.0), "coef"),
    ("learning_rule_oja_unstable", lambda: _rule("oja", 100.0), "coef"),
    ("learning_rule_antihebbian_init", lambda: _rule("antihebbian", -0.1, w1_row_norm_max=2.0), "antihebbian"),
    # --- numeric.kinds / numeric.learning / numeric.digits / numeric.fullrank / numeric.heldout / others ---
    ("linear_module_depth_zero", lambda: _import("numeric.kinds", "linear_module")(0), "depth"),
    ("linear_module_rule_type", lambda: _import("numeric.kinds", "linear_module")(2, "gd"), "rule"),
    ("learning_rule_name_empty",
     lambda: _import("numeric.learning", "LearningRule")("", lambda *a: None), "name"),
    ("learning_rule_step_not_callable",
     lambda: _import("numeric.learning", "LearningRule")("x", 3), "step"),
    ("digits_r_negative", lambda: _digits(r=-1.0), "r"),
    ("digits_seed_negative", lambda: _digits(seed=-1), "seed"),
    ("digits_n_train_zero", lambda: _digits(n_train=0), "n_train"),
    ("digits_test_images_one", lambda: _digits(test_images=1.0), "test_images"),
    ("train_digits_r_empty", lambda: _train_digits(r=()), "r"),
    ("train_digits_lr_sequence", lambda: _train_digits(lr=(0.1, 0.2)), "lr"),
    ("fullrank_wilson_successes", lambda: _import("numeric.fullrank", "wilson_interval")(5, 3), "successes"),
    ("fullrank_ranks_shape", lambda: _import("numeric.fullrank", "ranks_mod_q")(_import("numpy", "zeros")(3)),
     "vectors"),
    ("fullrank_samples_zero",
     lambda: _import("numeric.fullrank", "estimate_probability")(2, 1, samples=0), "samples"),
    ("fullrank_seed_negative",
     lambda: _import("numeric.fullrank", "estimate_probability")(2, 1, seed=-1), "seed"),
    ("heldout_errors_backend", lambda: _import("numeric.heldout", "heldout_errors")(_good(), "dense", "torch"),
     "backend"),
    ("heldout_errors_no_train", lambda: _import("numeric.heldout", "heldout_errors")(_good(), "dense"), "train"),
    ("check_backend_unknown", lambda: _import("numeric.backends", "check_backend")("torch"), "backend"),
    ("depth_euler_constant_zero", lambda: _import("numeric.depth", "euler_constant")(0.0, 3), "x0"),
    ("sample_datasets_zero", lambda: _import("numeric.sampling", "sample_datasets")(0), "samples"),
    # --- proofs.limits ---
    ("limits_checkpoints_every_zero", lambda: _import("proofs.limits", "check_checkpoints")(10, 0), "every"),
    ("limits_checkpoints_too_many", lambda: _import("proofs.limits", "check_checkpoints")(10**9, 1), "every"),
    ("limits_series_too_long",
     lambda: _import("proofs.limits", "check_checkpoints")(10**4, 1, 4096), "seeds"),
    ("limits_hidden_zero", lambda: _import("proofs.limits", "check_hidden")(0), "hidden"),
    ("limits_threads_big", lambda: _import("proofs.limits", "check_threads")(10**6), "threads"),
    ("limits_init_scale_big", lambda: _import("proofs.limits", "check_init_scale")(10.0), "init_scale"),
    ("limits_seeds_zero", lambda: _import("proofs.limits", "check_seeds")(0), "seeds"),
    ("limits_out_empty", lambda: _import("proofs.limits", "check_out_dir")(""), "out"),
    ("limits_out_is_file", lambda: _import("proofs.limits", "check_out_dir")(THIS_FILE), "out"),
    ("limits_out_parent_missing",
     lambda: _import("proofs.limits", "check_out_dir")("/nonexistent-modspec/x"), "out"),
    ("limits_lr_unstable",
     lambda: _import("proofs.limits", "check_stable_lr")(_good(), "dense", 100.0, a0=1e-3), "lr"),
    # --- proofs.heldout / proofs.verify / proofs.catalogue / proofs.empirical / proofs.simulation / fullrank ---
    ("draw_train_size_all", lambda: _import("proofs.heldout", "draw_train")(_good(), 4, 0), "train-size"),
    ("draw_train_seed_negative", lambda: _import("proofs.heldout", "draw_train")(_good(), 2, -1), "seed"),
    ("heldout_report_both", lambda: _import("proofs.heldout", "heldout_report")(_good(), train=(0,), train_size=1),
     "train"),
    ("heldout_report_seed", lambda: _import("proofs.heldout", "heldout_report")(_good(), train_size=1, seed=-1),
     "seed"),
    ("heldout_report_all_items",
     lambda: _import("proofs.heldout", "heldout_report")(_good(), train=(0, 1, 2, 3)), "train"),
    ("verify_samples_zero", lambda: _import("proofs.verify", "verify")(["T1"], samples=0), "samples"),
    ("verify_dps_small", lambda: _import("proofs.verify", "verify")(["T1"], dps=1), "dps"),
    ("verify_seed_negative", lambda: _import("proofs.verify", "verify")(["T1"], seed=-1), "seed"),
    ("verify_unknown_theorem", lambda: _import("proofs.verify", "verify")(["T99"]), "theorem"),
    ("verify_catalogue_empty", lambda: _import("proofs.verify", "verify")(catalogue=()), "catalogue"),
    ("verify_theorem_type", lambda: _import("proofs.verify", "verify_theorem")("T1"), "theorem"),
    ("depth_catalogue_one", lambda: _import("proofs.catalogue", "depth_catalogue")(1), "depth"),
    ("get_theorem_unknown", lambda: _import("proofs.catalogue", "get_theorem")("T99"), "theorem"),
    ("bootstrap_values_empty", lambda: _import("proofs.empirical", "bootstrap_interval")([]), "values"),
    ("bootstrap_level_one", lambda: _import("proofs.empirical", "bootstrap_interval")([1.0], level=1.0), "level"),
    ("empirical_wilson_k_above_n", lambda: _import("proofs.empirical", "wilson_interval")(5, 3), "n"),
    ("empirical_budget_unknown", lambda: _import("proofs.empirical", "get_budget")("huge"), "budget"),
    ("verify_empirical_unknown", lambda: _import("proofs.empirical", "verify_empirical")(["E99"]), "claim"),
    ("relu_experiment_seeds_zero", lambda: _import("proofs.empirical", "relu_experiment")(seeds=0), "seeds"),
    ("simulation_report_seeds_zero",
     lambda: _import("proofs.simulation", "simulation_report")(_good(), "dense", lr=0.05, a0=1e-3, steps=1, seeds=0),
     "seeds"),
    ("fullrank_report_estimate_no_j",
     lambda: _import("proofs.fullrank", "fullrank_report")(12, estimate=True), "j"),
    ("progress_heartbeat_zero", lambda: _import("proofs.progress", "ProgressBar")("label", heartbeat=0), "heartbeat"),
    # --- proofs.sweep: spec parsing ---
    ("spec_not_table", lambda: _import("proofs.sweep.spec", "parse_spec")(3), "spec"),
    ("spec_unknown_key", lambda: _spec(task="certify", grid=_DATA, color="red"), "color"),
    ("spec_task_missing", lambda: _spec(grid=_DATA), "task"),
    ("spec_task_unknown", lambda: _spec(task="train", grid=_DATA), "task"),
    ("spec_description_type", lambda: _spec(task="certify", grid=_DATA, description=3), "description"),
    ("spec_chunk_size_zero", lambda: _spec(task="certify", grid=_DATA, chunk_size=0), "chunk_size"),
    ("spec_grid_empty", lambda: _spec(task="certify", grid={}), "grid"),
    ("spec_grid_missing_key", lambda: _spec(task="certify", grid={"n1": 2}), "theorem"),
    ("spec_grid_too_big",
     lambda: _spec(task="certify", grid={**_DATA, "theorem": "T1", "n1": {"start": 1, "stop": 2000},
                                         "dps": {"start": 30, "stop": 1030}}), "grid"),
    ("spec_grid_point_invalid",
     lambda: _spec(task="certify", grid={**_DATA, "theorem": "T1", "n1": {"start": 10, "stop": 12}}), "n1"),
    ("spec_grid_unknown_key", lambda: _spec(task="certify", grid={**_DATA, "theorem": "T1", "lr": 1}), "lr"),
    ("spec_range_table_keys", lambda: _spec(task="certify", grid={**_DATA, "theorem": "T1", "n1": {"start": 1}}),
     "n1"),
    ("spec_range_step_zero",
     lambda: _spec(task="certify", grid={**_DATA, "theorem": "T1", "n1": {"start": 1, "stop": 3, "step": 0}}),
     "n1"),
    ("spec_values_empty", lambda: _spec(task="certify", grid={**_DATA, "theorem": "T1", "n1": []}), "n1"),
    ("spec_values_repeated", lambda: _spec(task="certify", grid={**_DATA, "theorem": "T1", "r": [1, "1"]}), "r"),
    ("spec_int_key_float", lambda: _spec(task="certify", grid={**_DATA, "theorem": "T1", "n1": 1.5}), "n1"),
    ("spec_float_key_text", lambda: _spec(task="trajectory", grid={**_DATA, "arch": "dense", "lr": "x"}), "lr"),
    ("spec_str_key_number", lambda: _spec(task="trajectory", grid={**_DATA, "arch": 3}), "arch"),
    ("spec_bool_key_number",
     lambda: _spec(task="fullrank", grid={"n1": 2, "n2": 1, "j": 1, "estimate": 2}), "estimate"),
    ("spec_exact_key_list", lambda: _spec(task="certify", grid={**_DATA, "theorem": "T1", "r": [[1]]}), "r"),
    ("load_spec_missing_file", lambda: _import("proofs.sweep.spec", "load_spec")("/nonexistent-modspec.toml"), "spec"),
    ("load_spec_not_toml", lambda: _import("proofs.sweep.spec", "load_spec")(THIS_FILE), "spec"),
    # --- proofs.sweep: task validation of grid points ---
    ("point_certify_dps", lambda: _points("certify", **_DATA, theorem="T1", dps=1), "dps"),
    ("point_certify_theorem", lambda: _points("certify", **_DATA, theorem="T99"), "theorem"),
    ("point_certify_dataset", lambda: _points("certify", **{**_DATA, "n2": 5}, theorem="T1"), "n2"),
    ("point_trajectory_arch", lambda: _points("trajectory", **_DATA, arch="wide"), "arch"),
    ("point_trajectory_depth", lambda: _points("trajectory", **_DATA, arch="dense", depth=99), "depth"),
    ("point_trajectory_lr", lambda: _points("trajectory", **_DATA, arch="dense", lr=-1.0), "lr"),
    ("point_half_time_mode", lambda: _points("half_time", **_DATA, arch="dense", mode="pi9"), "mode"),
    ("point_simulate_seeds", lambda: _points("simulate", **_DATA, arch="dense", seeds=0), "seeds"),
    ("point_simulate_init", lambda: _points("simulate", **_DATA, arch="dense", init="zeros"), "init"),
    ("point_simulate_init_scale", lambda: _points("simulate", **_DATA, arch="dense", init_scale=0.0), "init_scale"),
    ("point_heldout_train_size", lambda: _points("heldout", **_DATA, arch="dense", train_size=4), "train-size"),
    ("point_fullrank_samples", lambda: _points("fullrank", n1=2, n2=1, j=1, samples=0), "samples"),
    ("point_fullrank_n1", lambda: _points("fullrank", n1=0, n2=1, j=1), "n1"),
    ("point_relu_arch", lambda: _points("relu", **_DATA, arch="wide"), "arch"),
    ("point_relu_seed", lambda: _points("relu", **_DATA, arch="dense", seed=-1), "seed"),
    ("point_relu_hidden", lambda: _points("relu", **_DATA, arch="dense", hidden=0), "hidden"),
    ("point_relu_init_scale", lambda: _points("relu", **_DATA, arch="dense", init_scale=0.0), "init_scale"),
    ("point_relu_lr", lambda: _points("relu", **_DATA, arch="dense", lr=0.0), "lr"),
    ("get_task_unknown", lambda: _import("proofs.sweep.tasks", "get_task")("train"), "task"),
    ("task_param_unknown", lambda: _import("proofs.sweep.tasks", "get_task")("certify").param("lr"), "lr"),
    # --- proofs.sweep: engine options ---
    ("sweep_workers_negative",
     lambda: _import("proofs.sweep.engine", "run_sweep")(_spec(task="certify", grid={**_DATA, "theorem": "T1"}),
                                                         None, workers=-1, progress=False), "workers"),
    ("sweep_scheduler_address",
     lambda: _import("proofs.sweep.engine", "run_sweep")(_spec(task="certify", grid={**_DATA, "theorem": "T1"}),
                                                         None, scheduler="  ", progress=False), "scheduler"),
    ("sweep_workers_and_scheduler",
     lambda: _import("proofs.sweep.engine", "run_sweep")(_spec(task="certify", grid={**_DATA, "theorem": "T1"}),
                                                         None, scheduler="tcp://h:1", workers=2, progress=False),
     "workers"),
    # --- further public entry points (constructors, helpers of the proofs and the sweep store) ---
    ("simulate_lr_text", lambda: _simulate(lr="fast"), "lr"),
    ("simulate_seeds_float", lambda: _simulate(seeds=1.5), "seeds"),
    ("relu_seeds_float", lambda: _relu(seeds=1.5), "seeds"),
    ("relu_lr_none", lambda: _relu(lr=None), "lr"),
    ("hebbian_seeds_float", lambda: _hebb(seeds=1.5), "seeds"),
    ("train_digits_seeds_float", lambda: _train_digits(seeds=1.5), "seeds"),
    ("simulate_a0_missing_mode", lambda: _simulate(a0={"pi1": 0.1}), "a0"),
    ("simulate_a0_mode_zero", lambda: _simulate(a0={"pi1": 0.0, "pi2": 0.1, "pi3": 0.1}), "a0"),
    ("relu_hidden_not_iterable", lambda: _relu(hidden=1.5), "hidden"),
    ("relu_train_not_iterable", lambda: _relu(train=3), "train"),
    ("learning_rule_step_into_not_callable",
     lambda: _import("numeric.learning", "LearningRule")("x", lambda *a: None, step_into=3), "step_into"),
    ("linear_module_widths", lambda: _import("numeric.kinds", "linear_module")(2).init(None, (2, 3), None), "widths"),
    ("linear_module_init_spec",
     lambda: _import("numeric.kinds", "linear_module")(1).init(None, (2, 3), "spectral"), "init spec"),
    ("fro_diff_shapes", lambda: _import("numeric.maps", "fro_diff")(_import("numpy", "zeros")((2, 2)),
                                                                  _import("numpy", "zeros")(3)), "shape"),
    ("compile_expr_free_symbol",
     lambda: _import("numeric.backends", "compile_expr")(_import("sympy", "Symbol")("zeta"), ()), "arguments"),
    ("compiled_argument_count",
     lambda: _import("numeric.backends", "compile_expr")(_import("sympy", "Integer")(1), ())(1.0), "arguments"),
    ("deviation_theory_shape",
     lambda: _import("proofs.deviation", "max_deviation")([0.0, 1.0], [0.0], [0.0, 1.0], [0.0, 1.0]), "theory"),
    ("deviation_simulated_shape",
     lambda: _import("proofs.deviation", "max_deviation")([0.0, 1.0], [0.0, 1.0], [0.0, 1.0], [0.0]), "simulated"),
    ("deviation_times_outside",
     lambda: _import("proofs.deviation", "max_deviation")([0.0, 1.0], [0.0, 1.0], [0.0, 2.0], [0.0, 1.0]),
     "simulation times"),
    ("t8_at_depth_two",
     lambda: _import("proofs.claims.depth.t8_compositional_first", "at_depth")(2), "depth"),
    ("architecture_outputs_twice",
     lambda: _import("theory.architectures", "Architecture")(
         "twice", (_import("theory.architectures", "Module")("m", ("omega_x",), ("omega_y",)),), "x"),
     "architecture"),
    ("image_module_reads", lambda: _import("theory.images", "ImageModule")("m", (), ("a",)), "reads"),
    ("image_module_writes", lambda: _import("theory.images", "ImageModule")("m", (0,), ("zeta",)), "writes"),
    ("readout_not_a_file", lambda: _readout(readout="no-such-matrix.json"), "readout"),
    ("readout_entry_bool", lambda: _readout(readout=[[True, 0]]), "readout"),
    ("novel_error_spec_selection",
     lambda: _import("proofs.sweep.paper", "novel_error_spec")(_d(2, 1, 1, 1, 1, selection=(1,)), [1], lr=0.05,
                                                               steps=10), "selection"),
    ("result_store_out_is_file", lambda: _import("proofs.sweep.store", "ResultStore")(THIS_FILE), "out"),
    ("family_indices_reader", lambda: _import("theory.family", "KINDS")["indices"].cli_type("a,b"), "indices"),
    ("balanced_layers_narrow_hidden",
     lambda: _import("numeric.kinds", "balanced_layers")(
         None, (2, 1, 2), _import("numeric.kinds", "SpectralInit")(_eye(2), _eye(2), _import("numpy", "ones")(2))),
     "hidden width"),
    ("learning_rule_step_depth",
     lambda: _rule("oja", 1.0).step(None, (_eye(2), _eye(2), _eye(2)), 0.05), "two-layer"),
    ("relu_fit_batch",
     lambda: _import("numeric.relu", "fit")((), _import("numpy", "zeros")((1, 3, 4)), _import("numpy", "zeros")((1, 2, 4)),
                                           lr=_import("numpy", "ones")(2), steps=1, seeds=[0]), "batch"),
    ("empirical_claim_expected",
     lambda: _import("proofs.empirical", "EmpiricalClaim")("E0", "n", "s", "st", "lp", (0.0, 1.0), "maybe",
                                                           lambda budget: None), "expected"),
    ("half_time_task_absent_mode",
     lambda: _import("proofs.sweep.tasks", "get_task")("half_time").run(
         {**_DATA, "n2": 0, "arch": "dense", "mode": "pi1", "lr": 0.05, "a0": 1e-3, "depth": 0}), "mode"),
    ("sweep_out_holds_results",
     lambda: _in_store("done", lambda out: _import("proofs.sweep.engine", "run_sweep")(
         _spec(task="certify", grid={**_DATA, "theorem": "T1"}), out, progress=False)), "resume"),
    ("plot_sweep_nothing_finished",
     lambda: _in_store("failed", lambda out: _import("proofs.sweep.table", "plot_sweep")(out, "n1", "ok")), "out"),
    ("plot_sweep_column_not_numeric",
     lambda: _in_store("done", lambda out: _import("proofs.sweep.table", "plot_sweep")(out, "theorem", "n1")),
     "theorem"),
    # --- the allowed range each call site passes to a shared checker ---
    ("learning_rule_gd_coef", lambda: _rule("gd", 1.0), "coef"),
    ("learning_rule_antihebbian_coef", lambda: _rule("antihebbian", 0.1), "coef"),
    ("learning_rule_contrastive_coef", lambda: _rule("contrastive", float("inf")), "coef"),
    ("learning_rule_predictive_coef", lambda: _rule("predictive", 1.0), "coef"),
    ("digits_n_test_zero", lambda: _digits(n_test=0), "n_test"),
    ("digits_per_triple_zero", lambda: _digits(per_triple=0), "per_triple"),
    ("digits_test_per_triple_zero", lambda: _digits(test_per_triple=0), "test_per_triple"),
    ("train_digits_n_train_small", lambda: _train_digits(n_train=1), "n_train"),
    ("relu_fit_every_zero",
     lambda: _import("numeric.relu", "fit")((), _import("numpy", "zeros")((1, 3, 4)), _import("numpy", "zeros")((1, 2, 4)),
                                           lr=_import("numpy", "ones")(1), steps=1, seeds=[0], every=0), "every"),
    ("run_every_zero",
     lambda: _import("numeric.simulate", "run")(*_import("numeric.simulate", "init")([_good()], "dense", lr=0.05),
                                                steps=1, every=0), "every"),
    ("trajectory_a0_mode_negative", lambda: _traj(a0={"pi1": -1.0, "pi2": 0.1, "pi3": 0.1}), "a0"),
    ("limits_checkpoints_steps_negative", lambda: _import("proofs.limits", "check_checkpoints")(-1, 1), "steps"),
    ("fullrank_flats_n1_big", lambda: _import("theory.fullrank", "flats")(99), "n1"),
    ("sweep_table_no_results", lambda: _import("proofs.sweep.table", "load_records")(NO_RESULTS), "out"),
]


def raised(call: Callable[[], object]) -> dict:
    """The type name and message of what ``call`` raises (an error if it returns)."""
    try:
        call()
    except (ValueError, TypeError) as err:
        return {"type": type(err).__name__, "message": str(err).replace(str(ROOT), "<repo>")}
    raise AssertionError("expected a ValueError or TypeError; the call returned")


def test_case_ids_are_unique_and_match_the_golden_file():
    ids = [c[0] for c in CASES]
    assert len(set(ids)) == len(ids)
    assert sorted(load_golden("errors")) == sorted(ids), (
        "tests/golden/errors.json lists other cases (rewrite it with python -m tests.test_error_messages)")


@pytest.mark.parametrize("case_id, call, name", CASES, ids=[c[0] for c in CASES])
def test_bad_input_message_names_its_parameter(case_id, call, name):
    got = raised(call)
    assert name in got["message"], f"{case_id}: message does not name {name!r}: {got['message']!r}"


@pytest.mark.parametrize("case_id, call, name", CASES, ids=[c[0] for c in CASES])
def test_bad_input_message_matches_the_reviewed_golden_file(case_id, call, name):
    expected = load_golden("errors")[case_id]
    assert raised(call) == expected, (f"{case_id}: the error differs from tests/golden/errors.json "
                                      "(review, then rewrite it with python -m tests.test_error_messages)")


if __name__ == "__main__":  # rewrite the golden file (after review)
    records = {case_id: raised(call) for case_id, call, _ in CASES}
    write_golden("errors", records)
