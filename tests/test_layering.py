"""Imports point one way: theory <- numeric <- proofs; theory depends on sympy only."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: Top-level modules each package may import besides the standard library.
ALLOWED = {
    "theory": {"theory", "sympy"},
    "numeric": {"theory", "numeric", "sympy", "mpmath", "numpy", "scipy"},
    "proofs": {"theory", "numeric", "proofs", "sympy", "mpmath", "numpy", "scipy", "matplotlib"},
}
THIRD_PARTY = {"sympy", "mpmath", "numpy", "scipy", "matplotlib", "hypothesis", "pytest", "theory", "numeric", "proofs"}


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
    for path in sorted((ROOT / package).rglob("*.py")):
        extra = (_imports(path) & THIRD_PARTY) - ALLOWED[package]
        if extra:
            bad[str(path.relative_to(ROOT))] = sorted(extra)
    assert not bad, bad


def test_only_numeric_calls_lambdify():
    users = [str(p.relative_to(ROOT)) for pkg in ALLOWED for p in (ROOT / pkg).rglob("*.py")
             if "lambdify(" in p.read_text(encoding="utf-8")]
    assert users == ["numeric/backends.py"], users
