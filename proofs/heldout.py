"""Claim T10 for one training subset, as a record: what ``modspec heldout`` prints.

:func:`heldout_report` trains each requested architecture on the training
items with gradient descent (``numeric.heldout.gd_heldout``) and puts its
held-out errors next to the exact theory (``theory.heldout``): per held-out
item, the squared error summed over the compositional output units and the
one summed over the identity output units, and their means.
"""

from __future__ import annotations

import dataclasses
import itertools
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from numeric.heldout import CONVERGED, GDHeldout, gd_heldout
from theory.architectures import ARCHITECTURES, get_architecture
from theory.dataset import Dataset, check_train
from theory.heldout import exact_heldout_errors

__all__ = ["HeldoutRow", "ArchHeldout", "HeldoutReport", "heldout_report", "draw_train"]


def draw_train(d: Dataset, size: Any, seed: Any) -> tuple[int, ...]:
    """``size`` distinct training items drawn with ``numpy.random.default_rng(seed)``; at least one is held out."""
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= d.P - 1:
        raise ValueError(f"train-size must be an integer in [1, {d.P - 1}] (at least one item held out); got {size!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be an integer >= 0; got {seed!r}")
    rng = np.random.default_rng(seed)
    return tuple(sorted(int(i) for i in rng.choice(d.P, size=size, replace=False)))


@dataclass(frozen=True)
class HeldoutRow:
    """One held-out item: its code, and theory / gradient-descent errors (compositional, identity)."""

    item: int
    code: tuple[int, ...]
    theory_omega: float
    theory_gamma: float
    gd_omega: float
    gd_gamma: float
    exact_omega: str
    exact_gamma: str


@dataclass(frozen=True)
class ArchHeldout:
    """One architecture on the subset: rows, means, and the run's convergence bound."""

    arch: str
    rows: tuple[HeldoutRow, ...]
    steps: int
    lr: float
    distance: float

    def mean(self, key: str) -> float:
        return float(np.mean([getattr(r, key) for r in self.rows]))

    def to_json(self) -> dict[str, Any]:
        keys = ("theory_omega", "theory_gamma", "gd_omega", "gd_gamma")
        return {"arch": self.arch, "steps": self.steps, "lr": self.lr, "distance_bound": self.distance,
                "mean": {k: self.mean(k) for k in keys},
                "items": [dataclasses.asdict(r) | {"code": list(r.code)} for r in self.rows]}


@dataclass(frozen=True)
class HeldoutReport:
    """Held-out errors of every requested architecture on one (dataset, training subset)."""

    dataset: Dataset
    seed: int
    archs: tuple[ArchHeldout, ...]

    @property
    def ok(self) -> bool:
        return all(a.distance <= CONVERGED for a in self.archs)

    def to_json(self) -> dict[str, Any]:
        return {"dataset": self.dataset.as_dict(), "train": list(self.dataset.train_items),
                "heldout": list(self.dataset.heldout_items), "seed": self.seed,
                "converged": self.ok, "archs": [a.to_json() for a in self.archs]}


def _arch(d: Dataset, arch: str, seed: int) -> ArchHeldout:
    exact = exact_heldout_errors(d, arch)
    gd: GDHeldout = gd_heldout(d, arch, seed=seed)
    codes = list(itertools.product((-1, 1), repeat=d.n1))
    rows = tuple(
        HeldoutRow(u, codes[u], float(eo), float(eg), go, gg, str(eo), str(eg))
        for u, eo, eg, go, gg in zip(exact.items, exact.omega, exact.gamma, gd.omega, gd.gamma)
    )
    distance = max(gd.omega_bound + gd.gamma_bound + gd.off_span, default=0.0)
    return ArchHeldout(arch, rows, gd.steps, gd.lr, distance)


def heldout_report(d: Dataset, *, train: Sequence[int] | None = None, train_size: int | None = None,
                   seed: int = 0, archs: Sequence[str] | None = None) -> HeldoutReport:
    """Theory and gradient descent on held-out items for the subset ``train`` (or ``train_size`` drawn by ``seed``).

    Exactly one of ``train`` and ``train_size``; at least one item must be held out.
    """
    if (train is None) == (train_size is None):
        raise ValueError("give exactly one of train (item indices) and train-size (a number of items)")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be an integer >= 0; got {seed!r}")
    items = draw_train(d, train_size, seed) if train is None else check_train(train, d.P)
    if len(items) >= d.P:
        raise ValueError(f"train must leave at least one item out (at most {d.P - 1} of the {d.P} items); "
                         f"got {len(items)}")
    names = tuple(ARCHITECTURES) if not archs else tuple(get_architecture(a).name for a in archs)
    sub = dataclasses.replace(d, train=items)
    return HeldoutReport(sub, seed, tuple(_arch(sub, a, seed) for a in names))
