"""Where the source checkout is, for tests that read or build it.

CI runs the suite from a copy of ``tests/`` outside the checkout against the
installed package (``.ci/run``), and tells the tests where the checkout is
with ``MODSPEC_SOURCE``. Locally the checkout is the parent of ``tests/``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

__all__ = ["source_root", "running_against_wheel"]


def running_against_wheel() -> bool:
    """True when ``.ci/run`` runs the suite against the installed wheel."""
    return os.environ.get("MODSPEC_INSTALLED_TESTS") == "1"


def source_root() -> Path:
    """The checkout (a directory with pyproject.toml); skip without one, fail in CI."""
    env = os.environ.get("MODSPEC_SOURCE")
    candidates = [Path(env)] if env else []
    candidates.append(Path(__file__).resolve().parents[1])
    for root in candidates:
        if (root / "pyproject.toml").is_file() and (root / "proofs").is_dir():
            return root.resolve()
    message = "no source checkout found (set MODSPEC_SOURCE to the directory holding pyproject.toml)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)
