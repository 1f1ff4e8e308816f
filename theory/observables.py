"""Block norms, non-systematicity and novel-combination error (claims T4-T7, T9).

A network map in the spectral form ``sum_modes a u v^T`` is a sum of rank-one
terms, one per (module, channel, basis vector). Within each block the unit
vectors of different basis vectors are orthogonal (``e_j`` for distinct j,
``u_k (x) w`` for orthogonal w), so for a block (output b, input c)

    ||W[b, c]||^2 = sum over modes  mult * a^2 * u[b]^2 * v[c]^2,

summed over the modules that read block c and write block b. The
compositional block is ``W_OO = c S`` with ``c = sum a u[omega_y] v[omega_x]``
over the modes of the selected-feature channel (the only channel with an
``omega_y`` coordinate), so the novel-combination error is
``||W_OO - S||^2 = n2 (c - 1)^2``.

Everything is a sympy expression of the dataset parameters and one strength
symbol per mode (:func:`strength_symbol`).
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from theory.architectures import Architecture, get_architecture
from theory.channels import SELECTION_CHANNELS, ChannelSpec, channels
from theory.derivation import Derivation
from theory.spectrum import derive_module_spectrum
from theory.determinism import deterministic, factor
from theory.persist import persistent

__all__ = ["BLOCKS", "Observables", "strength_symbol", "derive_observables"]

#: Block name -> (output block, input block), as in docs/theory.md section 4.
BLOCKS: dict[str, tuple[str, str]] = {
    "OO": ("omega_y", "omega_x"),
    "GO": ("omega_y", "gamma_x"),
    "OG": ("gamma_y", "omega_x"),
    "GG": ("gamma_y", "gamma_x"),
}


def strength_symbol(mode_name: str) -> sp.Symbol:
    """The non-negative symbol standing for the strength of mode ``mode_name``."""
    return sp.Symbol(f"a_{mode_name.replace(':', '_')}", nonnegative=True)


@dataclass(frozen=True)
class Observables:
    """Derived observables of one architecture as functions of its mode strengths.

    ``block_norms_sq[key]`` is ``||W_key||^2``; ``omega_gain`` is the c in
    ``W_OO = c S``; ``rho_sq`` is ``||W_GO||^2 / ||W_OO||^2``.
    """

    arch: Architecture
    strengths: dict
    block_norms_sq: dict
    omega_gain: sp.Expr
    rho_sq: sp.Expr
    novel_error: sp.Expr
    derivation: Derivation


def derive_observables(arch_name: str, specs: tuple[ChannelSpec, ...] = SELECTION_CHANNELS) -> Observables:
    """Derive block norms, rho and the novel-combination error of an architecture.

    ``specs`` are the family's channels (default: the selection family).
    For a general readout R the compositional block is
    ``W_OO = sum_c g_c u_c v_c^T`` over feature channels with ``R v_c = s_c u_c``;
    ``omega_gain`` is then ``g`` of the (single, generic) feature channel and
    the novel error ``||W_OO - R||^2 = sum_c mult_c (g_c - s_c)^2``.
    """
    return _derive_observables(arch_name, specs)


@persistent
@deterministic
def _derive_observables(arch_name: str, specs: tuple[ChannelSpec, ...]) -> Observables:
    arch = get_architecture(arch_name)
    chans = {ch.name: ch for ch in channels(specs)}
    readout = {spec.name: spec.readout for spec in specs}
    writers = [name for name, ch in chans.items() if ch.y["omega_y"] != 0]
    d = Derivation(f"Block norms of the {arch.name} network").then(
        "W = sum over modes of a u v^T; unit vectors of distinct basis vectors are orthogonal in every block, "
        "so ||W[b, c]||^2 = sum mult a^2 u[b]^2 v[c]^2 over the modules reading c and writing b"
    )
    strengths, norms = {}, {key: sp.Integer(0) for key in BLOCKS}
    gains = {name: sp.Integer(0) for name in writers}
    for module in arch.modules:
        for mode in derive_module_spectrum(module, specs).modes:
            a = strength_symbol(mode.name)
            strengths[mode.name] = a
            for key, (out, inp) in BLOCKS.items():
                if out in module.outputs and inp in module.inputs:
                    norms[key] += mode.multiplicity * a**2 * mode.left[out] ** 2 * mode.right[inp] ** 2
            if mode.channel in gains and "omega_y" in module.outputs and "omega_x" in module.inputs:
                gains[mode.channel] += a * mode.left["omega_y"] * mode.right["omega_x"]
    norms = {key: factor(sp.simplify(v)) for key, v in norms.items()}
    for key, value in norms.items():
        d = d.then(f"||W_{key}||^2", value)
    gains = {name: sp.simplify(g) for name, g in gains.items()}
    gain = sp.simplify(sum(gains.values())) if len(gains) == 1 or not gains else sp.Tuple(*gains.values())
    d = d.then("W_OO = sum over the channels writing Omega_y of c u v^T (R v = s u), with c", gain)
    novel = factor(sum(chans[name].multiplicity * (g - readout[name]) ** 2 for name, g in gains.items()))
    d = d.then("Novel-combination error ||W_OO - R||^2 = sum mult (c - s)^2", novel)
    rho_sq = sp.simplify(norms["GO"] / norms["OO"]) if norms["OO"] != 0 else sp.nan
    d = d.then("rho^2 = ||W_GO||^2 / ||W_OO||^2", rho_sq)
    return Observables(arch, strengths, norms, gain, rho_sq, novel, d)
