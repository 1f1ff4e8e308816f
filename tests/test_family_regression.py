"""The selection family's numbers are pinned: refactoring the dataset layer must not move them.

``tests/golden/family_regression.json`` was recorded on main before the
channel derivation and the family abstraction were rewritten (commit 6698f24):
spectra of the canonical and sampled datasets, closed-form trajectories of
every architecture, the numeric singular vectors, a short gradient-descent run from spectral initialization
and the datasets ``verify`` samples. Re-record only for an intended change:
``PYTHONPATH=$PWD python -m tests.test_family_regression --record``.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import numpy as np

from numeric.matrices import mode_vectors
from numeric.sampling import sample_datasets
from numeric.simulate import simulate
from numeric.trajectory import theory_trajectory
from proofs.spectrum import spectrum_report
from theory.architectures import ARCHITECTURES
from theory.examples import DEFAULT, EXAMPLES

GOLDEN = Path(__file__).parent / "golden" / "family_regression.json"
#: float64 closed forms evaluated through the same compiled expressions agree to a few ulp;
#: 1e-12 relative allows a reordered sum but not a changed formula (those move digit 1-6).
RTOL = 1e-12


def _datasets():
    return dict(EXAMPLES) | {f"sample {i}": d for i, d in enumerate(sample_datasets(12, seed=3))}


def snapshot() -> dict:
    """Every pinned number, as JSON-friendly data."""
    out: dict = {"spectrum": {}, "trajectory": {}, "vectors": {}, "simulate": {}, "samples": {}}
    for name, d in _datasets().items():
        out["spectrum"][name] = spectrum_report(d).to_json()
    for name in ("default", "k1 = 0", "n2 = n1", "surd r"):
        for arch in ARCHITECTURES:
            traj = theory_trajectory(EXAMPLES[name], arch, lr=0.05, a0=1e-3, steps=400, every=50)
            out["trajectory"][f"{name} / {arch}"] = traj.to_json()
    for arch, spec in ARCHITECTURES.items():
        for module in spec.modules:
            for mv in mode_vectors(DEFAULT, module):
                out["vectors"][f"{arch} {module.mode_name(mv.mode.channel)}"] = {
                    "pi": float(mv.singular_value), "lambda": float(mv.eigenvalue),
                    "U": mv.U.tolist(), "V": mv.V.tolist()}
    for arch in ARCHITECTURES:
        res = simulate(DEFAULT, arch, lr=0.1, steps=60, every=20, seeds=(0,), init="spectral")
        out["simulate"][arch] = {"modes": {k: v.tolist() for k, v in res.modes.items()},
                                 "rho": res.rho.tolist(), "novel_error": res.novel_error.tolist()}
    for seed in (0, 1):
        out["samples"][str(seed)] = [d.as_dict() for d in sample_datasets(25, seed)]
    out["samples"]["sim"] = [d.as_dict() for d in sample_datasets(6, 0, max_n1=3, max_k=2)]
    return json.loads(json.dumps(out, allow_nan=True))


def _diff(path: str, got, want, out: list) -> None:
    if isinstance(want, dict):
        missing = set(want) - set(got)  # new keys (fields added later) are allowed
        if missing:
            out.append(f"{path}: keys {sorted(missing)} missing")
        for k in want:
            if k in got:
                _diff(f"{path}/{k}", got[k], want[k], out)
    elif isinstance(want, list):
        if len(got) != len(want):
            out.append(f"{path}: length {len(got)} != {len(want)}")
        for i, (g, w) in enumerate(zip(got, want)):
            _diff(f"{path}[{i}]", g, w, out)
    elif isinstance(want, float) and not isinstance(got, str):
        if not (math.isnan(want) and math.isnan(got)) and not math.isclose(got, want, rel_tol=RTOL, abs_tol=1e-300):
            out.append(f"{path}: {got!r} != {want!r}")
    elif got != want:
        out.append(f"{path}: {got!r} != {want!r}")


def test_selection_family_numbers_are_unchanged_by_refactoring():
    want = json.loads(GOLDEN.read_text())
    problems: list[str] = []
    _diff("", snapshot(), want, problems)
    assert not problems, f"{len(problems)} pinned numbers moved, first: " + "; ".join(problems[:5])


def test_regression_comparison_notices_a_moved_number():
    """Negative control: one number changed in its 10th digit is reported."""
    want = json.loads(GOLDEN.read_text())
    got = json.loads(GOLDEN.read_text())
    mode = got["spectrum"]["default"]["modes"][0]
    mode["singular_value"] *= 1 + 1e-10
    problems: list[str] = []
    _diff("", got, want, problems)
    assert len(problems) == 1 and "singular_value" in problems[0], problems
    assert np.isfinite(mode["singular_value"])


if __name__ == "__main__" and "--record" in sys.argv:
    GOLDEN.write_text(json.dumps(snapshot(), indent=1, allow_nan=True) + "\n")
    print(f"recorded {GOLDEN}")
