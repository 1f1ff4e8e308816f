"""The simulate and report commands: schema, the issue's accuracy bound, same numbers as verify/simulate."""

from __future__ import annotations

import json
import re

import pytest

from numeric.trajectory import theory_trajectory
from proofs.cli import main
from theory.architectures import ARCHITECTURES
from theory.dataset import Dataset

DATA = ["--n1", "3", "--n2", "2", "--k1", "1", "--k2", "1", "--r", "1"]


def run_json(capsys, *argv):
    code = main([*argv, "--json"])
    out = capsys.readouterr().out
    assert code == 0
    return json.loads(out)


@pytest.mark.parametrize("arch", list(ARCHITECTURES))
@pytest.mark.parametrize("lr", [0.05, 0.02])
def test_simulate_spectral_deviation_below_eta_max_pi_astar(capsys, arch, lr):
    """Issue 4: largest mode deviation < eta * max over modes of (pi a*), for eta <= 0.05.

    Euler's global error on the logistic mode ODE is C eta pi a* with C ~ 0.61
    at a0 = 1e-3 a* (derived in numeric.simulate.euler_error_constant), so the
    bound holds with margin; a wrong step or wrong theory breaks it.
    """
    data = run_json(capsys, "simulate", "--arch", arch, *DATA, "--lr", str(lr), "--steps", "3000", "--every", "10",
                    "--seeds", "2", "--quiet")
    d = Dataset(3, 2, 1, 1, 1)
    traj = theory_trajectory(d, arch, lr=lr, a0=1e-3, steps=0)
    worst = max(v["abs"] for v in data["deviation"]["modes"].values())
    bound = lr * max(_pi_astar(d, arch).values())
    assert worst < bound, (worst, bound)
    assert set(data) >= {"params", "arch", "t", "modes", "block_norms", "rho", "novel_error", "converged",
                         "max_over_seeds", "deviation"}
    assert set(data["modes"]) == set(traj.modes)
    for series in ("modes", "block_norms"):
        for key, dev in data["deviation"][series].items():
            assert set(dev) == {"abs", "rel"}, key


def _pi_astar(d, arch):
    from numeric.matrices import evaluate
    from theory.spectrum import derive_module_spectrum, present_modes

    out = {}
    for module in ARCHITECTURES[arch].modules:
        for m in present_modes(derive_module_spectrum(module), d.substitution()):
            out[m.name] = float(evaluate(m.singular_value * m.fixed_point, d))
    return out


@pytest.mark.parametrize("argv, fragment", [
    (["--seeds", "0"], "seeds must be an integer in [1, 4096]"),
    (["--init", "random", "--init-scale", "-1"], "init_scale"),
    (["--hidden", "1"], "hidden"),
])
def test_simulate_bad_input_exits_2_naming_the_problem(capsys, argv, fragment):
    code = main(["simulate", "--arch", "dense", *DATA, *argv])
    err = capsys.readouterr().err
    assert code == 2 and fragment in err and "Traceback" not in err and err.count("\n") == 1


def _row(md: str, theorem: str) -> list[str]:
    line = next(x for x in md.splitlines() if x.startswith(f"| {theorem} |"))
    return [c.strip() for c in line.strip("|").split("|")]


@pytest.mark.slow
def test_report_numbers_equal_verify_and_simulate(capsys, tmp_path):
    flags = ["--steps", "300", "--every", "3", "--lr", "0.05"]
    out = tmp_path / "rep"
    assert main(["report", "--out", str(out), *DATA, *flags, "--seeds", "1", "--samples", "3", "--dps", "30",
                 "--quiet"]) == 0
    capsys.readouterr()
    md = (out / "report.md").read_text(encoding="utf-8")
    verify = run_json(capsys, "verify", "--samples", "3", "--dps", "30", "--quiet")
    for th in verify["theorems"]:
        assert _row(md, th["id"])[6] == f"{th['certified']['max_residual']:.3g}"
    sims = {a: run_json(capsys, "simulate", "--arch", a, *DATA, *flags, "--seeds", "1", "--quiet")
            for a in ARCHITECTURES}
    # the summary shows verify's gradient-descent check with its derived tolerance and verdict ...
    for th in verify["theorems"]:
        s = th["simulation"]
        if s is not None:
            verdict = "within tolerance" if s["worst_deviation"] <= s["worst_tolerance"] else "EXCEEDS tolerance"
            assert _row(md, th["id"])[7].endswith(f"tol {s['worst_tolerance']:.3g}: {verdict}"), _row(md, th["id"])
            assert _row(md, th["id"])[7].startswith(f"{s['worst_deviation']:.3g} ")
    # ... and each section the largest gap of the report's own runs, the numbers simulate prints
    t3 = max(v["abs"] for s in sims.values() for v in s["deviation"]["modes"].values())
    assert f"the largest gap is {t3:.3g}" in md
    t5 = max(sims["dense"]["deviation"]["rho"]["abs"], sims["dense"]["deviation"]["novel_error"]["abs"])
    assert f"the largest gap is {t5:.3g}" in md
    html = (out / "report.html").read_text(encoding="utf-8")
    assert len(re.findall(r"<svg", html)) == 6 and "<math" in html  # five figures and the held-out one


def test_simulate_text_prints_a_deviation_row_for_every_observable(capsys):
    argv = ["simulate", "--arch", "split", *DATA, "--steps", "200", "--quiet"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    data = run_json(capsys, *argv)
    rows = out.split("largest deviation from theory", 1)[1].splitlines()[1:]
    labels = ([f"||W_{k}||" for k in data["deviation"]["block_norms"]] + ["rho", "novel_error"])
    for label in labels:
        row = next(r for r in rows if r.strip().startswith(label))
        assert re.search(r"\d.* / .*\d", row), row  # abs / rel, both printed
    assert len(data["deviation"]["block_norms"]) == 4


def test_simulate_json_final_is_the_last_checkpoint_of_every_series(capsys):
    data = run_json(capsys, "simulate", "--arch", "dense", *DATA, "--steps", "100", "--quiet")
    final = data["final"]
    assert set(final) == {"block_norms", "rho", "novel_error", "modes"}
    assert final["modes"] == {k: v[-1] for k, v in data["modes"].items()} and final["modes"]
    assert final["block_norms"] == {k: v[-1] for k, v in data["block_norms"].items()}
    assert final["rho"] == data["rho"][-1] and final["novel_error"] == data["novel_error"][-1]


def test_simulate_random_init_deviation_is_the_final_gap_to_the_converged_theory(capsys):
    # random init: the deviation is |last checkpoint - the theory's t -> oo limit|, per observable
    data = run_json(capsys, "simulate", "--arch", "split", *DATA, "--init", "random", "--steps", "300",
                    "--seeds", "2", "--quiet")
    dev, converged = data["deviation"], data["converged"]
    rho_gap = max(abs(row[-1] - converged["rho"]) for row in data["per_seed"]["rho"])
    assert dev["rho"]["abs"] == pytest.approx(rho_gap, rel=1e-12, abs=1e-15)
    for k, v in dev["block_norms"].items():
        assert v["abs"] is not None and v["abs"] >= 0, k
    novel_gap = max(abs(row[-1] - converged["novel_error"]) for row in data["per_seed"]["novel_error"])
    assert dev["novel_error"]["abs"] == pytest.approx(novel_gap, rel=1e-12, abs=0)
    assert set(dev) == {"modes", "block_norms", "rho", "novel_error"}


def test_simulate_takes_an_init_scale_from_the_command_line(capsys):
    # a larger random start is further from the theory's small-init curve at t = 0
    small = run_json(capsys, "simulate", "--arch", "dense", *DATA, "--init", "random", "--init-scale", "1e-4",
                     "--steps", "0", "--quiet")
    large = run_json(capsys, "simulate", "--arch", "dense", *DATA, "--init", "random", "--init-scale", "0.1",
                     "--steps", "0", "--quiet")
    assert large["block_norms"]["OO"][0] > 100 * small["block_norms"]["OO"][0]


def test_simulate_and_trajectory_take_the_depth_from_the_command_line(capsys):
    # --depth 3: the simulator's and the theory's series and half times are those of 3-layer modules
    from numeric.simulate import simulate
    from numeric.trajectory import half_times

    d = Dataset(3, 2, 1, 1, 1)
    argv = ["--arch", "dense", *DATA, "--lr", "0.05", "--a0", "0.01", "--steps", "200", "--depth", "3"]
    sim = run_json(capsys, "simulate", *argv, "--quiet")
    api = simulate(d, "dense", lr=0.05, a0=0.01, steps=200, every=2, depth=3)
    assert sim["novel_error"][-1] == pytest.approx(float(api.novel_error[0, -1]), rel=1e-12, abs=0)
    traj = run_json(capsys, "trajectory", *argv, "--half-times")
    assert traj["half_times"] == pytest.approx(half_times(d, "dense", lr=0.05, a0=0.01, depth=3), rel=1e-12, abs=0)
    assert traj["half_times"] != pytest.approx(half_times(d, "dense", lr=0.05, a0=0.01), rel=1e-3, abs=0)


def test_trajectory_text_prints_the_converged_limit_of_the_json(capsys):
    argv = ["trajectory", "--arch", "split", *DATA, "--steps", "100"]
    conv = run_json(capsys, *argv)["converged"]
    assert main(argv) == 0
    line = [x for x in capsys.readouterr().out.splitlines() if x.startswith("limit t -> infinity")]
    assert line == [f"limit t -> infinity (converged): rho={conv['rho']:.6g}, novel error={conv['novel_error']:.6g}, "
                    + ", ".join(f"||W_{k}||={v:.6g}" for k, v in conv["block_norms"].items())]
