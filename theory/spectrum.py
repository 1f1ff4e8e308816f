"""Symbolic spectrum of the statistics of any module (claims T1, T2, T6, T7).

For a module with input blocks A and output blocks C, each channel c of
:mod:`theory.channels` contributes ``Syx_c = y_c x_c^T / P`` and
``Sx_c = x_c x_c^T / P`` (coordinates restricted to A and C), and channels are
mutually orthogonal. The spectrum is therefore the union over channels of the
spectra of these small matrices, each repeated with the channel's
multiplicity. Everything is derived for symbolic P, n1, n2, k1, k2, r with
the generic assumptions r > 0, k1, k2 >= 1; degenerate values are substituted
afterwards and modes whose singular value becomes exactly 0 are dropped by
:func:`present_modes`.
"""

from __future__ import annotations

from dataclasses import dataclass


import sympy as sp

from theory import symbols as s
from theory.architectures import Module
from theory.channels import SELECTION_CHANNELS, Channel, ChannelSpec, derive_channels
from theory.derivation import Derivation
from theory.determinism import deterministic
from theory.persist import persistent

__all__ = ["Mode", "ModuleSpectrum", "derive_module_spectrum", "DENSE_MODULE", "present_modes"]

#: The whole network as one module: the statistics Sx, Syx of docs/theory.md section 2.
DENSE_MODULE = Module("", ("omega_x", "gamma_x"), ("omega_y", "gamma_y"))


@dataclass(frozen=True)
class Mode:
    """One singular mode of a module's Syx, with its multiplicity.

    ``right`` and ``left`` give the unit singular vectors' coordinates along
    each block's unit vector in the channel (see :mod:`theory.channels`).
    """

    name: str
    channel: str
    multiplicity: sp.Expr
    singular_value: sp.Expr
    eigenvalue: sp.Expr
    right: dict
    left: dict

    @property
    def fixed_point(self) -> sp.Expr:
        """``a* = pi / lambda``, the converged mode strength."""
        return _ratio(self.singular_value, self.eigenvalue)


@persistent
def _ratio(pi: sp.Expr, lam: sp.Expr) -> sp.Expr:
    """``pi / lambda`` simplified (stored: commands read fixed points of many modes)."""
    return sp.simplify(pi / lam)


@dataclass(frozen=True)
class ModuleSpectrum:
    """The derived spectrum of one module's statistics."""

    module: Module
    modes: tuple[Mode, ...]
    channel_eigenvalues: tuple[tuple[str, sp.Expr, sp.Expr], ...]
    input_dimension: sp.Expr
    derivation: Derivation

    def mode(self, channel: str) -> Mode:
        """The mode on ``channel``; ``KeyError`` if the module has none there."""
        for m in self.modes:
            if m.channel == channel:
                return m
        raise KeyError(channel)

    def input_eigenvalues(self, values: dict | None = None) -> tuple[tuple[sp.Expr, sp.Expr], ...]:
        """Distinct (eigenvalue, multiplicity) pairs of the module's Sx, zero last.

        Symbolic (generic parameters) when ``values`` is None; otherwise the
        symbols are substituted first, so eigenvalues that vanish or coincide
        for degenerate parameters are merged exactly.
        """
        values = values or {}
        merged: dict[sp.Expr, sp.Expr] = {}
        for _, lam, mult in self.channel_eigenvalues:
            lam = sp.simplify(sp.sympify(lam).subs(values))
            mult = sp.sympify(mult).subs(values)
            if lam != 0 and mult != 0:
                merged[lam] = merged.get(lam, 0) + mult
        zero = sp.expand(sp.sympify(self.input_dimension).subs(values) - sum(merged.values()))
        return tuple(merged.items()) + ((sp.Integer(0), zero),)


def _vanishes(expr: sp.Expr) -> bool:
    """``expr == 0`` under the generic assumptions: by rationalizing and expanding (exact, milliseconds),
    else by :func:`~theory.symbols.simplify_generic` (seconds)."""
    if sp.expand(sp.radsimp(sp.sympify(expr).xreplace(s.generic_assumptions()))) == 0:
        return True
    return s.simplify_generic(expr) == 0


def _channel_mode(module: Module, ch: Channel) -> tuple[Mode | None, sp.Expr, Derivation]:
    x = ch.x_vector(module.inputs)
    y = ch.y_vector(module.outputs)
    d = Derivation(f"channel {ch.name} ({ch.item_vector}), multiplicity {ch.multiplicity}")
    d = d.then("Image of w under the module's input blocks, x_c", x.T)
    d = d.then("Image of w under the module's output blocks, y_c", y.T)
    syx = y * x.T / s.P
    sx = x * x.T / s.P
    d = d.then("Channel statistics Syx_c = y_c x_c^T / P", syx)
    d = d.then("Channel statistics Sx_c = x_c x_c^T / P", sx)
    sx_eig = [s.simplify_generic(e) for e in sx.xreplace(s.generic_assumptions()).eigenvals(multiple=True)]
    sx_nonzero = [e for e in sx_eig if e != 0]
    if len(sx_nonzero) > 1:
        raise AssertionError(f"channel {ch.name}: Sx_c has rank above one: {sx_eig}")
    lam_c = sx_nonzero[0] if sx_nonzero else sp.Integer(0)
    d = d.then("Eigenvalues of Sx_c (input eigenvalues on the channel)", sp.Tuple(*sx_eig))
    gram = (syx.T * syx).xreplace(s.generic_assumptions())
    eig = [s.simplify_generic(e) for e in gram.eigenvals(multiple=True)]
    nonzero = [e for e in eig if e != 0]
    d = d.then("Eigenvalues of Syx_c^T Syx_c (squared singular values)", sp.Tuple(*eig))
    if not nonzero:
        return None, lam_c, d.then("No non-zero singular value: the channel carries no mode in this module")
    if len(nonzero) != 1:
        raise AssertionError(f"channel {ch.name} is not rank one: {nonzero}")
    pi = s.simplify_generic(sp.sqrt(nonzero[0]))
    xnorm = s.simplify_generic(sp.sqrt((x.T * x)[0]))
    v = (x / xnorm).applyfunc(s.simplify_generic)
    u = (syx * v / pi).applyfunc(s.simplify_generic)
    lam = s.simplify_generic((v.T * sx * v)[0])
    checks = {
        "Syx_c v = pi u": (syx * v - pi * u),
        "Syx_c^T u = pi v": (syx.T * u - pi * v),
        "Sx_c v = lambda v": (sx * v - lam * v),
        "|v| = 1": sp.Matrix([v.dot(v) - 1]),
        "|u| = 1": sp.Matrix([u.dot(u) - 1]),
    }
    for what, residual in checks.items():
        if not all(_vanishes(e) for e in residual):
            raise AssertionError(f"channel {ch.name}: {what} fails symbolically")
    d = (
        d.then("Singular value pi = sqrt of the non-zero eigenvalue", pi)
        .then("Right vector v = x_c / |x_c|", v.T)
        .then("Left vector u = Syx_c v / pi", u.T)
        .then("Input eigenvalue lambda = v^T Sx_c v; Sx_c v = lambda v holds", lam)
        .then("Checked symbolically: Syx_c v = pi u, Syx_c^T u = pi v, Sx_c v = lambda v, |u| = |v| = 1")
    )
    mode = Mode(
        name=module.mode_name(ch.name),
        channel=ch.name,
        multiplicity=ch.multiplicity,
        singular_value=pi,
        eigenvalue=lam,
        right=dict(zip(module.inputs, v)),
        left=dict(zip(module.outputs, u)),
    )
    if sp.simplify(lam - lam_c) != 0:
        raise AssertionError(f"channel {ch.name}: right vector is not on the non-zero eigenvalue of Sx_c")
    return mode, lam, d


def derive_module_spectrum(module: Module = DENSE_MODULE, specs: tuple[ChannelSpec, ...] = SELECTION_CHANNELS,
                           ) -> ModuleSpectrum:
    """Derive singular values, vectors and input eigenvalues of a module's statistics.

    ``specs`` are the channels of the dataset family (default: the selection
    family of docs/theory.md section 1). Cached per (module, specs).
    """
    return _derive_module_spectrum(module, specs)


@persistent
@deterministic
def _derive_module_spectrum(module: Module, specs: tuple[ChannelSpec, ...]) -> ModuleSpectrum:
    dims = {"omega_x": s.n1, "gamma_x": s.k1 * s.P}
    chans, derivation = derive_channels(specs)
    d = Derivation(f"Spectrum of the statistics of module {module.name or 'x -> y'}").extend(derivation)
    d = d.then(
        "Sx = X (sum_w w w^T) X^T / P and Syx = Y (sum_w w w^T) X^T / P over the orthonormal item basis "
        "{w_j} u {q}; images of distinct basis vectors are orthogonal in every block, "
        "so the statistics split into one rank-one term per basis vector"
    )
    modes, eigen = [], []
    for ch in chans:
        mode, lam, sub = _channel_mode(module, ch)
        d = d.extend(sub)
        eigen.append((ch.name, lam, ch.multiplicity))
        if mode is not None:
            modes.append(mode)
    dim = sum(dims[b] for b in module.inputs)
    return ModuleSpectrum(module, tuple(modes), tuple(eigen), dim, d)


def present_modes(spectrum: ModuleSpectrum, values: dict) -> tuple[Mode, ...]:
    """Modes that exist for concrete parameters: multiplicity > 0 and pi != 0 exactly.

    ``values`` maps the symbols of :mod:`theory.symbols` to exact numbers
    (``Dataset.substitution()``). Cached per (module, values).
    """
    return _present_modes(spectrum.module, tuple(sorted(values.items(), key=lambda kv: str(kv[0]))))


@persistent
def _present_modes(module: Module, values: tuple) -> tuple[Mode, ...]:
    keep = []
    for m in derive_module_spectrum(module).modes:
        mult = sp.sympify(m.multiplicity).subs(dict(values))
        pi = sp.sympify(m.singular_value).subs(dict(values))
        if mult != 0 and not _is_zero_number(pi):
            keep.append(m)
    return tuple(keep)


def _is_zero_number(value: sp.Expr) -> bool:
    """Exactly zero? sympy's assumptions decide a constant in microseconds (they answer only when
    certain); ``simplify`` (milliseconds to seconds) decides what they leave open."""
    decided = value.is_zero
    return bool(sp.simplify(value) == 0) if decided is None else bool(decided)
