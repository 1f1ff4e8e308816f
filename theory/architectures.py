"""The four linear architectures of docs/theory.md section 5, as data.

An :class:`Architecture` is a tuple of :class:`Module` values. A module maps
some input blocks to some output blocks through a linear network of
``depth`` L >= 1 layers ``W_L ... W_1`` (L = 1 shallow, L = 2 the deep
network of docs/theory.md section 3, L >= 3 section 8); its own statistics are the
rows/columns of Sx and Syx restricted to its blocks. Look architectures up
with :func:`get_architecture`, which lists the valid names on a typo, and
give every module another depth with :func:`with_depth`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from theory.dataset import BLOCKS_IN, BLOCKS_OUT

__all__ = ["Module", "Architecture", "ARCHITECTURES", "MAX_DEPTH", "get_architecture", "with_depth"]

#: Largest module depth accepted (the mode ODE is elementary for every L; beyond
#: this the simulated products of L layers lose float64 range for small a0).
MAX_DEPTH = 16


def _check_depth(depth: object) -> int:
    if isinstance(depth, bool) or not isinstance(depth, int) or not 1 <= depth <= MAX_DEPTH:
        raise ValueError(f"depth must be an integer in [1, {MAX_DEPTH}] (number of layers); got {depth!r}")
    return depth


@dataclass(frozen=True)
class Module:
    """One linear module ``inputs -> outputs`` of ``depth`` layers (1 shallow, 2 deep, ...)."""

    name: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    depth: int = 2

    def __post_init__(self) -> None:
        _check_depth(self.depth)
        if not self.inputs or any(b not in BLOCKS_IN for b in self.inputs):
            raise ValueError(f"module inputs must be a non-empty subset of {BLOCKS_IN}; got {self.inputs}")
        if not self.outputs or any(b not in BLOCKS_OUT for b in self.outputs):
            raise ValueError(f"module outputs must be a non-empty subset of {BLOCKS_OUT}; got {self.outputs}")

    @property
    def deep(self) -> bool:
        """True for two or more layers (read-only; kept for code written before ``depth``)."""
        return self.depth >= 2

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
        "shallow", (Module("", _ALL_IN, BLOCKS_OUT, depth=1),),
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


def with_depth(arch: Architecture | str, depth: int) -> Architecture:
    """``arch`` (or the architecture of that name) with every module ``depth`` layers deep.

    The name is kept, so observables and reports stay keyed by architecture name.

    Examples
    --------
    >>> [m.depth for m in with_depth("split", 3).modules]
    [3, 3]
    """
    base = get_architecture(arch) if isinstance(arch, str) else arch
    if not isinstance(base, Architecture):
        raise ValueError(f"arch must be an Architecture or one of {', '.join(ARCHITECTURES)}; got {arch!r}")
    depth = _check_depth(depth)
    return replace(base, modules=tuple(replace(m, depth=depth) for m in base.modules))
