"""The four linear architectures of THEORY.md section 5, as data.

An :class:`Architecture` is a tuple of :class:`Module` values. A module maps
some input blocks to some output blocks through a deep (two-layer) or shallow
(one-layer) linear network; its own statistics are the rows/columns of Sx and
Syx restricted to its blocks. Look architectures up with
:func:`get_architecture`, which lists the valid names on a typo.
"""

from __future__ import annotations

from dataclasses import dataclass

from theory.dataset import BLOCKS_IN, BLOCKS_OUT

__all__ = ["Module", "Architecture", "ARCHITECTURES", "get_architecture"]


@dataclass(frozen=True)
class Module:
    """One linear module: ``inputs -> outputs``, deep (2 layers) or shallow (1)."""

    name: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    deep: bool = True

    def __post_init__(self) -> None:
        if not self.inputs or any(b not in BLOCKS_IN for b in self.inputs):
            raise ValueError(f"module inputs must be a non-empty subset of {BLOCKS_IN}; got {self.inputs}")
        if not self.outputs or any(b not in BLOCKS_OUT for b in self.outputs):
            raise ValueError(f"module outputs must be a non-empty subset of {BLOCKS_OUT}; got {self.outputs}")

    def mode_name(self, channel: str) -> str:
        """Public name of this module's mode on ``channel`` (``pi1`` or ``omega:pi1``)."""
        return f"{self.name}:{channel}" if self.name else channel


@dataclass(frozen=True)
class Architecture:
    """A named network: modules that together produce every output block once."""

    name: str
    modules: tuple[Module, ...]
    description: str

    def __post_init__(self) -> None:
        covered = [b for m in self.modules for b in m.outputs]
        if sorted(covered) != sorted(BLOCKS_OUT):
            raise ValueError(f"architecture {self.name!r} must produce each of {BLOCKS_OUT} exactly once")


_ALL_IN = BLOCKS_IN
ARCHITECTURES: dict[str, Architecture] = {
    "dense": Architecture(
        "dense", (Module("", _ALL_IN, BLOCKS_OUT),),
        "one deep network x -> [Omega_y; Gamma_y] with a shared hidden layer",
    ),
    "shallow": Architecture(
        "shallow", (Module("", _ALL_IN, BLOCKS_OUT, deep=False),),
        "one linear layer x -> [Omega_y; Gamma_y]",
    ),
    "split": Architecture(
        "split",
        (Module("omega", _ALL_IN, ("omega_y",)), Module("gamma", _ALL_IN, ("gamma_y",))),
        "two deep modules that each see all of x: x -> Omega_y and x -> Gamma_y",
    ),
    "segregated": Architecture(
        "segregated",
        (Module("omega", ("omega_x",), ("omega_y",)), Module("gamma", _ALL_IN, ("gamma_y",))),
        "the Omega module sees only Omega_x; the Gamma module sees all of x",
    ),
}


def get_architecture(name: str) -> Architecture:
    """Return the architecture called ``name``; ``ValueError`` lists the valid names."""
    try:
        return ARCHITECTURES[name]
    except KeyError:
        raise ValueError(f"arch must be one of {', '.join(ARCHITECTURES)}; got {name!r}") from None
