"""Packaging cannot miss a subpackage, and CI tests the installed package (cheap checks).

The expensive check, building and installing the wheel, is tests/test_install.py.
"""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

import pytest

from .source import running_against_wheel, source_root


def test_package_discovery_includes_every_subpackage_of_the_three_layers() -> None:
    root = source_root()
    config = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    assert isinstance(config.get("packages"), dict), "a package list misses new subpackages; use packages.find"
    include = config["packages"]["find"]["include"]
    packages = {".".join(p.parent.relative_to(root).parts)
                for layer in ("theory", "numeric", "proofs") for p in (root / layer).rglob("__init__.py")}
    assert "proofs.report" in packages
    missed = sorted(p for p in packages if not any(fnmatch.fnmatchcase(p, pat) for pat in include))
    assert not missed, f"not matched by {include}: {missed}"


def test_suite_imports_the_installed_package_under_ci() -> None:
    """.ci/run sets MODSPEC_INSTALLED_TESTS=1: then the code under test is the wheel, not the checkout."""
    if not running_against_wheel():
        pytest.skip("only meaningful when .ci/run tests the installed package")
    import numeric
    import proofs
    import theory

    for mod in (theory, numeric, proofs):
        assert "site-packages" in Path(mod.__file__).parts, mod.__file__


@pytest.mark.parametrize("package", ["theory", "numeric", "proofs"])
def test_no_lazy_export_shares_a_name_with_a_submodule(package: str) -> None:
    """A lazily exported name equal to a submodule's would be the module once that submodule is imported."""
    import importlib
    import pkgutil

    pkg = importlib.import_module(package)
    submodules = {info.name for info in pkgutil.iter_modules(pkg.__path__)}
    assert submodules and set(pkg.__all__)
    assert not set(pkg.__all__) & submodules


@pytest.mark.parametrize("package, name", [("proofs", "CATALOGUE"), ("numeric", "DivergenceError")])
def test_lazy_exports_resolve_to_the_defining_modules_object(package: str, name: str) -> None:
    import importlib

    pkg = importlib.import_module(package)
    assert getattr(pkg, name) is getattr(importlib.import_module(pkg._EXPORTS[name]), name)
