"""The spectrum of one concrete dataset, as a record (``modspec spectrum``).

Exact values are the derived sympy closed forms with the dataset's exact
parameters substituted (r is exact: ``0.1`` is 1/10), simplified but never
rounded: no float ever becomes an "exact" value. Float values come from the
same closed forms through the compiled numeric boundary.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sympy as sp

from numeric.matrices import evaluate
from theory.dataset import Dataset
from theory.spectrum import derive_module_spectrum, present_modes

__all__ = ["ModeEntry", "EigenEntry", "SpectrumReport", "spectrum_report", "exact_value"]


@dataclass(frozen=True)
class ModeEntry:
    """One present mode: singular value, multiplicity, paired input eigenvalue, fixed point.

    ``exact``, ``input_eigenvalue_exact`` and ``fixed_point_exact`` are sympy
    strings of the exact values; the other numbers are their float64 values.
    """

    name: str
    singular_value: float
    exact: str
    multiplicity: int
    input_eigenvalue: float
    fixed_point: float
    input_eigenvalue_exact: str
    fixed_point_exact: str


@dataclass(frozen=True)
class EigenEntry:
    """One distinct eigenvalue of Sx with its multiplicity."""

    value: float
    exact: str
    multiplicity: int


@dataclass(frozen=True)
class SpectrumReport:
    """Spectrum of Syx and Sx of one dataset, from the derived closed forms."""

    dataset: Dataset
    modes: tuple[ModeEntry, ...]
    input_eigenvalues: tuple[EigenEntry, ...]

    def to_json(self) -> dict:
        return {
            "params": self.dataset.as_dict(),
            "P": self.dataset.P,
            "modes": [vars(m) for m in self.modes],
            "input_eigenvalues": [vars(e) for e in self.input_eigenvalues],
        }


def exact_value(expr: sp.Expr, d: Dataset) -> sp.Expr:
    """The closed form ``expr`` at the exact parameters of ``d``, simplified (never rounded)."""
    value = sp.simplify(sp.sympify(expr).subs(d.substitution()))
    if value.has(sp.Float):  # the derivation and the parameters are exact, so this is a bug
        raise AssertionError(f"inexact number in an exact value: {value}")
    return value


def spectrum_report(d: Dataset) -> SpectrumReport:
    """Evaluate the dense spectrum on ``d``; modes with multiplicity or value 0 are omitted."""
    spec = derive_module_spectrum()
    values = d.substitution()
    if d.family.name == "readout":
        return SpectrumReport(d, _readout_modes(d), _eigen(spec, d))
    modes = tuple(
        ModeEntry(
            name=m.name,
            singular_value=float(evaluate(m.singular_value, d)),
            exact=str(exact_value(m.singular_value, d)),
            multiplicity=int(sp.sympify(m.multiplicity).subs(values)),
            input_eigenvalue=float(evaluate(m.eigenvalue, d)),
            fixed_point=float(evaluate(m.fixed_point, d)),
            input_eigenvalue_exact=str(exact_value(m.eigenvalue, d)),
            fixed_point_exact=str(exact_value(m.fixed_point, d)),
        )
        for m in present_modes(spec, values)
    )
    return SpectrumReport(d, modes, _eigen(spec, d))


def _eigen(spec: Any, d: Any) -> tuple[EigenEntry, ...]:
    """Distinct eigenvalues of Sx (they do not involve the readout, so the selection spectrum gives them)."""
    return tuple(
        EigenEntry(float(evaluate(lam, d)), str(lam), int(mult))
        for lam, mult in spec.input_eigenvalues(d.substitution())
        if int(mult) > 0
    )


def _readout_modes(d: Any) -> tuple[ModeEntry, ...]:
    """One entry per singular value s of A (``s1, s2, ...``, ``s0`` for its kernel) and the complement."""
    from numeric.matrices import mode_vectors, readout_channels
    from theory.channels import readout_scale
    from theory.readout import READOUT_CHANNELS

    exact_s = {name: exact for name, exact, _, _, _ in readout_channels(d)}
    modes = {m.channel: m for m in derive_module_spectrum(specs=READOUT_CHANNELS).modes}
    out = []
    for mv in mode_vectors(d):
        symbolic = modes[mv.mode.channel]
        sub = d.substitution() | {readout_scale: exact_s.get(mv.mode.name, 0)}
        exact = {k: str(sp.simplify(sp.sympify(e).subs(sub)))  # derived closed forms at exact parameters
                 for k, e in (("pi", symbolic.singular_value), ("lambda", symbolic.eigenvalue),
                              ("a*", symbolic.singular_value / symbolic.eigenvalue))}
        out.append(ModeEntry(mv.mode.name, float(mv.singular_value), exact["pi"],
                             int(mv.V.shape[1]), float(mv.eigenvalue), float(mv.singular_value / mv.eigenvalue),
                             exact["lambda"], exact["a*"]))
    return tuple(out)
