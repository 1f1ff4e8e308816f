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
