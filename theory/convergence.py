"""Converged maps per channel, and the least-squares map they must equal (T6, T9).

On each channel the network map is a 2 x 2 matrix from the input coordinates
(omega_x, gamma_x) to the output coordinates (omega_y, gamma_y). For an
architecture with mode strengths a it is ``sum over modules of a u v^T``
placed in the module's blocks; the least-squares map of a module on the
channel is ``Syx_c Sx_c^+`` (since ``Y X^+ = Syx Sx^+``), also placed in its
blocks. Both are derived for symbolic parameters.
"""

from __future__ import annotations

import sympy as sp

from theory import symbols as s
from theory.architectures import get_architecture
from theory.channels import SELECTION_CHANNELS, ChannelSpec, channels
from theory.dataset import BLOCKS_IN, BLOCKS_OUT
from theory.derivation import Derivation
from theory.persist import persistent
from theory.spectrum import derive_module_spectrum

__all__ = ["converged_channel_maps", "least_squares_channel_maps"]


def _place(module, local: sp.Matrix) -> sp.Matrix:
    full = sp.zeros(len(BLOCKS_OUT), len(BLOCKS_IN))
    for i, out in enumerate(module.outputs):
        for j, inp in enumerate(module.inputs):
            full[BLOCKS_OUT.index(out), BLOCKS_IN.index(inp)] = local[i, j]
    return full


@persistent
def converged_channel_maps(arch_name: str, specs: tuple[ChannelSpec, ...] = SELECTION_CHANNELS,
                           ) -> dict[str, sp.Matrix]:
    """Per channel, the architecture's map with every mode at its fixed point pi/lambda."""
    arch = get_architecture(arch_name)
    maps = {ch.name: sp.zeros(len(BLOCKS_OUT), len(BLOCKS_IN)) for ch in channels(specs)}
    for module in arch.modules:
        for mode in derive_module_spectrum(module, specs).modes:
            u = sp.Matrix([mode.left[b] for b in module.outputs])
            v = sp.Matrix([mode.right[b] for b in module.inputs])
            maps[mode.channel] += _place(module, mode.fixed_point * u * v.T)
    return {k: s.simplify_generic(v) for k, v in maps.items()}


@persistent
def least_squares_channel_maps(arch_name: str, specs: tuple[ChannelSpec, ...] = SELECTION_CHANNELS,
                               ) -> tuple[dict[str, sp.Matrix], Derivation]:
    """Per channel, each module's least-squares map ``Syx_c Sx_c^+`` in its blocks."""
    arch = get_architecture(arch_name)
    d = Derivation(f"Least-squares map of the {arch.name} network, channel by channel").then(
        "Y X^+ = Y X^T (X X^T)^+ = Syx Sx^+; channels are orthogonal, so it splits into Syx_c Sx_c^+"
    )
    maps = {}
    for ch in channels(specs):
        total = sp.zeros(len(BLOCKS_OUT), len(BLOCKS_IN))
        for module in arch.modules:
            x, y = ch.x_vector(module.inputs), ch.y_vector(module.outputs)
            sx = (x * x.T / s.P).xreplace(s.generic_assumptions())
            syx = (y * x.T / s.P).xreplace(s.generic_assumptions())
            total += _place(module, syx * sx.pinv())
        maps[ch.name] = s.simplify_generic(total)
        d = d.then(f"channel {ch.name}: sum over modules of Syx_c Sx_c^+", maps[ch.name])
    return maps, d
