"""The catalogue of theorems T1-T11 (docs/theory.md sections 5-6): one claim module per theorem.

``CATALOGUE`` is the single tuple that verification, reports and tests
iterate. Adding a theorem is one new module in :mod:`proofs.claims` plus one
line in ``_CLAIM_MODULES`` below.

A claim module must provide
---------------------------
THEOREM : proofs.theorem.Theorem
    The one object the catalogue collects. Its fields are, in order:

    id : str
        ``"T<number>"``, unique in the catalogue.
    name : str
        A short title, as in docs/theory.md.
    statement : str
        The claim in words and formulas, as a reader of the report sees it.
    assumptions : tuple of str
        The parameter range of the proof and anything the checks take for
        granted (e.g. ``"a0 < a*/2 for the half time to exist"``).
    stated : Mapping[str, sympy.Expr]
        Every formula of docs/theory.md that the claim compares with, keyed by a
        name used in the comparisons. This is the *expected answer*: no
        derivation reads it except through the argument of ``prove``,
        ``certify`` and ``simulate``, so ``dataclasses.replace(THEOREM,
        stated=...)`` checks the same claim against other formulas. A formula
        that another claim states is taken from that claim's module (T6 reads
        T1's ``pi2``), never re-typed.
    prove : callable ``prove(stated) -> Proof``
        Derives the objects of the claim through :mod:`theory` (never from
        ``stated``) and returns the :class:`~proofs.theorem.Comparison` of
        each with its stated counterpart, plus the derivation for the report.
        Symbolic parameters; no numbers.
    certify : callable ``certify(dataset, stated) -> list[Check]``
        Relative residuals of the claim's defining equations on one concrete
        dataset, computed at the working precision of ``mpmath.workdps``
        (``verify`` sets it, 50 digits by default). A correct closed form
        leaves residuals near ``10**-dps``; a wrong one O(1). Formulas are
        evaluated through the one lambdify boundary
        (``numeric.backends.compile_expr``, e.g. ``numeric.matrices.evaluate``).
    applies : callable ``applies(dataset) -> bool``, optional
        Which datasets the claim is about (default: all). ``verify`` samples
        only those, for both the certificate and the simulation.
    simulate : callable ``simulate(dataset, stated) -> list[SimCheck]``, optional
        For claims about training: runs real gradient descent through
        :mod:`numeric.simcheck` and returns measured deviations with their
        derived tolerances (:mod:`numeric.tolerances`). ``None`` otherwise.
    family : theory.family.Family, optional
        The dataset family the claim is about (default: the selection family
        of docs/theory.md section 1); ``verify`` samples its datasets from it.

Each of ``prove``, ``certify`` and ``simulate`` must be able to fail, and the
tests show it (``tests/test_negative_controls.py``): a wrong stated formula
fails the proof and names the identity; a stated closed form off by a relative
1e-30 fails the certificate; a theory 1% off fails the simulation check. A
part that raises is recorded as that part's failure by ``verify``.
``tests/test_catalogue_wiring.py`` lists, reviewed, what each part compares
and measures: a new theorem adds its entry there.

What a claim module must not do: hand-write a formula that :mod:`theory`
derives, name another theorem's ``prove``/``certify``/``simulate`` as its own,
or put architecture-specific code in :mod:`numeric` (the numeric layer is
generic machinery; ``tests/test_layering.py`` enforces it).
"""

from __future__ import annotations

from proofs.claims import (
    t1_spectrum, t2_eigenbasis, t3_dynamics, t4_block_norms, t5_dense_not_systematic, t6_split_same_map,
    t7_segregation, t8_compositional_first, t9_least_squares, t10_heldout, t11_fullrank,
)
from proofs.claims.depth import DEPTH_MODULES
from proofs.claims.readout import READOUT_CATALOGUE
from proofs.theorem import Theorem

__all__ = ["CATALOGUE", "FAMILY_CATALOGUES", "get_theorem", "find_theorem", "depth_catalogue", "DEPTHS"]

_CLAIM_MODULES = (
    t1_spectrum,
    t2_eigenbasis,
    t3_dynamics,
    t4_block_norms,
    t5_dense_not_systematic,
    t6_split_same_map,
    t7_segregation,
    t8_compositional_first,
    t9_least_squares,
    t10_heldout,
    t11_fullrank,
)

CATALOGUE: tuple[Theorem, ...] = tuple(m.THEOREM for m in _CLAIM_MODULES)

#: The catalogue of each dataset family (``modspec verify --family``); the readout claims live in proofs.claims.readout.
FAMILY_CATALOGUES: dict[str, tuple[Theorem, ...]] = {"selection": CATALOGUE, "readout": READOUT_CATALOGUE}


#: Depths ``modspec verify --depth`` accepts: 2 is the catalogue itself, 3..6 the restatements of docs/theory.md section 8.
DEPTHS = range(2, 7)


def depth_catalogue(depth: int) -> tuple[Theorem, ...]:
    """The claims that depend on the module depth, for modules of ``depth`` layers (``verify --depth``).

    The restatements live in :mod:`proofs.claims.depth`, one module per claim
    (``RESTATES`` names the claim, ``at_depth(depth) -> Theorem`` restates it
    for L layers under the same id). At depth 2 these are the catalogue's own
    theorems, unchanged.
    """
    if isinstance(depth, bool) or not isinstance(depth, int) or depth not in DEPTHS:
        raise ValueError(f"depth must be an integer in [{DEPTHS[0]}, {DEPTHS[-1]}] (layers per module); got {depth!r}")
    return tuple(find_theorem(m.RESTATES) if depth == 2 else m.at_depth(depth) for m in DEPTH_MODULES)


def find_theorem(theorem_id: str, catalogue: tuple[Theorem, ...] = CATALOGUE) -> Theorem:
    """The theorem of ``catalogue`` with ``theorem_id``; ``ValueError`` lists the valid ids."""
    for th in catalogue:
        if th.id == str(theorem_id).upper():
            return th
    raise ValueError(f"theorem must be one of {', '.join(t.id for t in catalogue)}; got {theorem_id!r}")


def get_theorem(theorem_id: str) -> Theorem:
    """The theorem with ``theorem_id`` in ``CATALOGUE``; ``ValueError`` lists the valid ids."""
    return find_theorem(theorem_id)
