"""Lazy re-exports for the packages' ``__init__`` (PEP 562).

Importing a package then imports none of its modules: a public name is
resolved from the module that defines it on first use, and remembered.
Standard library only, so every layer can use it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(package: str, exports: Mapping[str, str]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for ``package`` exporting each ``name`` of ``exports`` from its module.

    ``exports`` maps a public name to the module defining it. A name equal to a
    submodule's is refused by ``tests/test_packaging.py``: once that submodule
    is imported, the import system binds the module to the name.
    """
    namespace = sys.modules[package].__dict__

    def __getattr__(name: str) -> Any:
        if name not in exports:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(exports[name]), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(exports))

    return __getattr__, __dir__
