"""Imports point one way: theory <- numeric <- proofs; theory depends on sympy only."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import proofs

#: The directory holding the three packages: the checkout, or site-packages when
#: CI tests the installed wheel (a path relative to this file would then check nothing).
ROOT = Path(proofs.__file__).resolve().parents[1]
#: Top-level modules each package may import besides the standard library.
ALLOWED = {
    "theory": {"theory", "sympy"},
    # scikit-learn (and its threadpoolctl) only for the optional digits dataset, imported lazily
    "numeric": {"theory", "numeric", "sympy", "mpmath", "numpy", "scipy", "sklearn", "threadpoolctl"},
    # distributed for sweeps, pandas (optional) for their tables
    "proofs": {"theory", "numeric", "proofs", "sympy", "mpmath", "numpy", "scipy", "matplotlib", "tqdm",
               "distributed", "pandas"},
}
THIRD_PARTY = {"sympy", "mpmath", "numpy", "scipy", "matplotlib", "hypothesis", "pytest", "tqdm", "theory", "numeric", "proofs",
               "sklearn", "threadpoolctl", "dask", "distributed", "pandas"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_package_imports_only_its_allowed_layers(package):
    bad = {}
    paths = sorted((ROOT / package).rglob("*.py"))
    assert paths, f"no sources found under {ROOT / package}"
    for path in paths:
        extra = (_imports(path) & THIRD_PARTY) - ALLOWED[package]
        if extra:
            bad[str(path.relative_to(ROOT))] = sorted(extra)
    assert not bad, bad


def test_only_numeric_calls_lambdify():
    users = [str(p.relative_to(ROOT)) for pkg in ALLOWED for p in (ROOT / pkg).rglob("*.py")
             if "lambdify(" in p.read_text(encoding="utf-8")]
    assert users == ["numeric/backends.py"], users


# --- numeric/ is generic machinery: no architecture names, no re-typed formulas of the theory ---------------

#: Architecture names of THEORY.md section 5; numeric/ takes architectures as arguments, never by name.
ARCHITECTURE_NAMES = re.compile(r"(?<![A-Za-z])(dense|shallow|split|segregated)(?![A-Za-z])")
#: Attributes that are dataset parameters (on a Dataset or on theory.symbols).
PARAMETERS = {"n1", "n2", "k1", "k2", "r", "r_float", "P"}
#: Calls that pass a parameter through unchanged (conversions, and evaluating a parameter's own symbol).
TRANSPARENT = {"float", "int", "mpf", "mp_number", "Fraction", "sympify", "Integer", "Rational", "evaluate"}
#: Elementary functions whose argument must not be a parameter expression.
ELEMENTARY = {"sqrt", "log", "exp", "power", "pow"}
#: Where arithmetic on parameters *is* the definition of the data, not a formula of the theory.
BUILDERS = {
    ("numeric/matrices.py", "*"): "builds X, Y, the codes and the item basis from the parameters (section 1)",
    ("numeric/backends.py", "compile_expr"): "P = 2**n1 is the definition of P",
}


def _docstring_nodes(tree: ast.AST) -> set[int]:
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                out.add(id(body[0].value))
    return out


def _call_name(node: ast.Call) -> str:
    f = node.func
    return f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")


def _carries_parameter(node: ast.AST, tainted: set[str]) -> bool:
    """True when ``node`` is, or is built by arithmetic from, a dataset parameter (calls are opaque)."""
    if isinstance(node, ast.Attribute) and node.attr in PARAMETERS:
        return True
    if isinstance(node, ast.BinOp) and _is_mean_over_items(node, tainted):
        return False
    if isinstance(node, ast.Name):
        return node.id in tainted
    if isinstance(node, ast.Call):
        return _call_name(node) in TRANSPARENT and any(_carries_parameter(a, tainted) for a in node.args)
    if isinstance(node, (ast.List, ast.Tuple, ast.Set, ast.Dict, ast.Lambda, ast.comprehension)):
        return False
    return any(_carries_parameter(c, tainted) for c in ast.iter_child_nodes(node))


def _is_mean_over_items(node: ast.BinOp, tainted: set[str]) -> bool:
    """``x / P`` or ``x / P**k``: an average over the P items (the definition of Sx, Syx, the loss)."""
    right = node.right
    if isinstance(right, ast.BinOp) and isinstance(right.op, ast.Pow):
        right = right.left
    is_p = (isinstance(right, ast.Attribute) and right.attr == "P") or (isinstance(right, ast.Name) and right.id == "P")
    return isinstance(node.op, ast.Div) and is_p and not _carries_parameter(node.left, tainted)


def formula_violations(source: str, filename: str = "<source>") -> list[str]:
    """Arithmetic on dataset parameters, and architecture names, in ``source`` (numeric/ must have none)."""
    tree = ast.parse(source)
    docs = _docstring_nodes(tree)
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs \
                and ARCHITECTURE_NAMES.search(node.value):
            out.append(f"{filename}:{node.lineno}: architecture name in {node.value!r}")
        name = getattr(node, "name", None) if isinstance(node, (ast.FunctionDef, ast.ClassDef)) else \
            node.id if isinstance(node, ast.Name) else None
        if name and ARCHITECTURE_NAMES.search(name.replace("_", " ")):
            out.append(f"{filename}:{node.lineno}: architecture name in identifier {name!r}")
    for fn in (n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))):
        if (filename, "*") in BUILDERS or (filename, fn.name) in BUILDERS:
            continue
        tainted: set[str] = set()
        for _ in range(3):  # propagate through assignments (and loops) to a fixed point
            for node in ast.walk(fn):
                if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)) and node.value is not None:
                    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                    values = node.value.elts if isinstance(node.value, ast.Tuple) else [node.value]
                    pairs = zip(targets[0].elts, values) if isinstance(targets[0], ast.Tuple) and \
                        len(targets) == 1 and len(values) == len(targets[0].elts) else \
                        [(t, node.value) for t in targets]
                    for target, value in pairs:
                        if _carries_parameter(value, tainted):
                            tainted |= {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}
                if isinstance(node, (ast.For, ast.comprehension)):
                    items = node.iter.elts if isinstance(node.iter, (ast.Tuple, ast.List)) else [node.iter]
                    if any(_carries_parameter(i, tainted) for i in items):
                        tainted |= {n.id for n in ast.walk(node.target) if isinstance(n, ast.Name)}
        denominators = {id(n.right) for n in ast.walk(fn) if isinstance(n, ast.BinOp) and _is_mean_over_items(n, tainted)}
        for node in ast.walk(fn):
            if id(node) in denominators:
                continue
            if isinstance(node, ast.BinOp) and not isinstance(node.left, ast.List) and \
                    (_carries_parameter(node.left, tainted) or _carries_parameter(node.right, tainted)) and \
                    not _is_mean_over_items(node, tainted):
                out.append(f"{filename}:{node.lineno}: arithmetic on a dataset parameter in {fn.name}: "
                           f"{ast.unparse(node)}")
            elif isinstance(node, ast.Call) and _call_name(node) in ELEMENTARY and \
                    any(_carries_parameter(a, tainted) for a in node.args):
                out.append(f"{filename}:{node.lineno}: function of a dataset parameter in {fn.name}: "
                           f"{ast.unparse(node)}")
    return out


def test_numeric_names_no_architecture_and_retypes_no_formula():
    bad = []
    for path in sorted((ROOT / "numeric").rglob("*.py")):
        rel = str(path.relative_to(ROOT))
        bad += formula_violations(path.read_text(encoding="utf-8"), rel)
    assert not bad, "\n".join(bad)


# Formulas re-typed in numeric/ before the claims moved to proofs/claims/ (taken from its history): each
# must be caught, so the scan is shown to fail.
RETYPED = {
    "dense rho (float)": "def f(d):\n    expected = d.r_float * math.sqrt(d.k1 / d.P)\n    return expected\n",
    "dense rho (mpmath, via names)": "def f(d):\n    r, P, k1 = evaluate(s.r, d, 'mpmath'), mpmath.mpf(d.P), "
                                     "mpmath.mpf(d.k1)\n    return r * mpmath.sqrt(k1 / P)\n",
    "dense gain": "def f(d):\n    r, P = evaluate(s.r, d), mpmath.mpf(d.P)\n    k1 = d.k1\n    gain = P / (P + k1 * r**2)\n",
    "novel error": "def f(d):\n    c = d.k1 * d.r_float**2\n    return d.n2 * (c / (d.P + c)) ** 2\n",
    "symbolic rho": "def f():\n    return compile_expr(s.r * sp.sqrt(s.k1 / s.P))\n",
    "pi1 via a loop variable": "def f(d):\n    for k in (d.k1, d.k2):\n        x = k\n    return math.sqrt(x)\n",
    "architecture name": "def f(d):\n    return run(d, 'dense')\n",
    "architecture in identifier": "def dense_checks(d):\n    return []\n",
}


@pytest.mark.parametrize("what", sorted(RETYPED))
def test_retyped_formula_scan_catches_known_formulas(what):
    assert formula_violations(RETYPED[what]), what


def test_retyped_formula_scan_accepts_generic_machinery():
    """Averages over the items and formulas evaluated through the boundary are generic."""
    ok = ("def f(d, expr, X):\n    P = mpmath.mpf(d.P)\n    Sx = X @ X.T / P\n    fro2 = total / P**2\n"
          "    value = evaluate(expr, d, 'mpmath')\n    return 2 * value + rounding(d.n_in + d.n_out, 3)\n")
    assert formula_violations(ok) == []
