"""Derivations are deterministic: the same expressions under every hash seed and every random draw.

The randomized algorithms sympy may pick on the derivations' path
(multivariate factorization, finite-field factorization, modular gcd) run under
a fixed seed (``theory.determinism``); their results are unique, so the seed
fixes only the draws (hence the running time), never the expressions.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys

import pytest
import sympy as sp
from sympy.core import random as sympy_random

from theory.determinism import factor, seeded
from theory.observables import derive_observables

# Prints the srepr of the derived observables of the named architectures (one per line).
_SCRIPT = """
import sys
import sympy as sp
from theory.observables import derive_observables
for name in sys.argv[1:]:
    o = derive_observables(name)
    print(sp.srepr((o.strengths, o.block_norms_sq, o.omega_gain, o.rho_sq, o.novel_error)))
"""


def _derive_in_fresh_process(hash_seed: int, names: tuple[str, ...]) -> str:
    env = dict(os.environ, PYTHONHASHSEED=str(hash_seed), MODSPEC_NO_CACHE="1")  # derive, never load
    proc = subprocess.run([sys.executable, "-c", _SCRIPT, *names], env=env, capture_output=True, text=True,
                          timeout=600, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def test_observables_are_identical_under_different_hash_seeds():
    outputs = {seed: _derive_in_fresh_process(seed, ("split",)) for seed in (0, 1)}
    assert outputs[0] and outputs[0] == outputs[1], outputs


@pytest.mark.slow
def test_every_architecture_is_identical_under_three_hash_seeds():
    names = ("dense", "shallow", "split")
    outputs = {seed: _derive_in_fresh_process(seed, names) for seed in (0, 7, 12345)}
    assert len(set(outputs.values())) == 1, outputs


@pytest.mark.parametrize("arch", ["dense", "split"])
def test_factor_result_does_not_depend_on_the_seed(arch):
    # The derived block norms are factored forms; re-factoring their expansion under other seeds
    # (other random evaluation points in Wang's algorithm) must give the very same expression.
    for key, norm in derive_observables(arch).block_norms_sq.items():
        expanded = sp.expand(norm)
        for seed in (1, 2, 99):
            with seeded(seed):
                again = sp.factor(expanded)
            assert sp.srepr(again) == sp.srepr(norm), (arch, key, seed, again, norm)
        assert sp.srepr(factor(expanded)) == sp.srepr(norm), (arch, key)


def test_seeded_restores_every_generator_state():
    before = (sympy_random.rng.getstate(), sympy_random._assumptions_rng.getstate(), random.getstate())
    with seeded(5):
        inside = sympy_random.rng.random(), random.random()
    after = (sympy_random.rng.getstate(), sympy_random._assumptions_rng.getstate(), random.getstate())
    assert before == after
    with seeded(5):
        assert (sympy_random.rng.random(), random.random()) == inside


def test_seeded_restores_the_state_when_the_block_raises():
    before = sympy_random.rng.getstate()
    with pytest.raises(RuntimeError):
        with seeded(3):
            sympy_random.rng.random()
            raise RuntimeError("boom")
    assert sympy_random.rng.getstate() == before
