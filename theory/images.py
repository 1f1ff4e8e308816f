"""Arrangements of the compositional-digits experiment (docs/theory.md section 10), as data.

An image example has ``POSITIONS`` digits side by side. Its outputs are one
class block per position (``digit0``, ``digit1``, ...: the compositional
outputs) and the ``identity`` block (the one-hot identity of the triple: the
non-compositional output). There is no identity block in the input: each
module reads a set of digit positions. Look arrangements up with
:func:`get_image_arrangement`, which lists the valid names on a typo.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["POSITIONS", "IMAGE_OUTPUTS", "ImageModule", "IMAGE_ARRANGEMENTS", "get_image_arrangement"]

#: Digits per example.
POSITIONS = 3
#: Output blocks: one class block per position, then the identity of the triple.
IMAGE_OUTPUTS = tuple(f"digit{j}" for j in range(POSITIONS)) + ("identity",)
_ALL = tuple(range(POSITIONS))
_DIGITS = IMAGE_OUTPUTS[:-1]


@dataclass(frozen=True)
class ImageModule:
    """One module: reads the pixels of ``reads`` (positions), writes the output blocks ``writes``."""

    name: str
    reads: tuple[int, ...]
    writes: tuple[str, ...]

    def __post_init__(self) -> None:
        if not self.reads or any(p not in _ALL for p in self.reads):
            raise ValueError(f"module reads must be a non-empty subset of positions {_ALL}; got {self.reads}")
        if not self.writes or any(w not in IMAGE_OUTPUTS for w in self.writes):
            raise ValueError(f"module writes must be a non-empty subset of {IMAGE_OUTPUTS}; got {self.writes}")


IMAGE_ARRANGEMENTS: dict[str, tuple[ImageModule, ...]] = {
    # one network serves every output from the whole image
    "dense": (ImageModule("dense", _ALL, IMAGE_OUTPUTS),),
    # a compositional module and an identity module, both seeing the whole image
    "split": (ImageModule("compositional", _ALL, _DIGITS), ImageModule("identity", _ALL, ("identity",))),
    # one module per position, seeing only that position, plus the identity module
    "segregated": tuple(ImageModule(f"position{j}", (j,), (f"digit{j}",)) for j in _ALL)
    + (ImageModule("identity", _ALL, ("identity",)),),
}


def get_image_arrangement(name: str) -> tuple[ImageModule, ...]:
    """The modules of arrangement ``name``; ``ValueError`` lists the valid names."""
    try:
        return IMAGE_ARRANGEMENTS[name]
    except (KeyError, TypeError):
        raise ValueError(f"arch must be one of {', '.join(IMAGE_ARRANGEMENTS)}; got {name!r}") from None
