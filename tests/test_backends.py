"""The lambdify boundary: the numpy backend compiles exactly what ``lambdify(modules="numpy")`` would."""

from __future__ import annotations

import inspect
import re

import numpy as np
import pytest
import sympy as sp

from numeric.backends import BACKENDS, compile_expr
from proofs.catalogue import FAMILY_CATALOGUES
from theory import symbols as s


def _stated_formulas() -> list[sp.Expr]:
    exprs = []
    for catalogue in FAMILY_CATALOGUES.values():
        for theorem in catalogue:
            exprs += [e for e in dict(theorem.stated).values()
                      if isinstance(e, sp.Expr) and not e.atoms(sp.MatrixSymbol)]  # scalars: what gets compiled
    x = sp.Symbol("x")
    # functions the printer treats specially, besides the stated formulas
    exprs += [sp.Piecewise((x, x > 1), (0, True)), sp.Heaviside(x), sp.Abs(x) + sp.sign(x), sp.Max(x, 1) + sp.Min(x, 2),
              sp.log(x, 2) + sp.atan2(x, 1) + sp.acos(x / 4), sp.I * x]
    return exprs


def _source(fn) -> str:
    return re.sub(r"Dummy_\d+", "Dummy", inspect.getsource(fn))


@pytest.mark.parametrize("expr", _stated_formulas(), ids=str)
def test_numpy_backend_compiles_what_lambdify_numpy_would(expr):
    body = sp.sympify(expr).subs(s.P, 2**s.n1)
    args = tuple(sorted(body.free_symbols, key=str))
    ours = compile_expr(expr, args, "numpy").fn
    theirs = sp.lambdify(args, body, modules="numpy")
    assert _source(ours) == _source(theirs)
    for name in ours.__code__.co_names:  # every global the code uses is the same object in both namespaces
        assert ours.__globals__[name] is theirs.__globals__[name], name


def test_numpy_namespace_binds_no_lazy_submodule():
    (ns,) = BACKENDS["numpy"]
    assert not {"f2py", "testing", "typing"} & set(ns)
    assert ns["exp"] is np.exp and ns["I"] == 1j


def test_unknown_backend_lists_the_valid_ones():
    with pytest.raises(ValueError, match="numpy, mpmath"):
        compile_expr(sp.Symbol("x"), (sp.Symbol("x"),), "torch")
