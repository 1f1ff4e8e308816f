"""What a user installs works: the built wheel, in a fresh venv, run from outside the checkout.

The wheel is built from a copy of the checkout (so the build leaves nothing
in it), installed with its dependencies into a new virtual environment, and
every command is run from an empty directory with no PYTHONPATH, so nothing
can be imported from the source tree. Marked ``install`` (a few minutes, mostly
pip and cold starts): left out of the default run, run by ``.ci/run`` with
``python -m pytest -m install``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from .source import source_root

pytestmark = pytest.mark.install

#: Generous wall-clock bounds (seconds) so a hang fails instead of blocking CI.
PIP_TIMEOUT = 900
COMMAND_TIMEOUT = 600
DATASET = ("--n1", "3", "--n2", "2", "--k1", "1", "--k2", "1", "--r", "1")


def _packages(root: Path) -> set[str]:
    """Dotted names of the packages (directories with __init__.py) of the three layers under root."""
    return {
        ".".join(p.parent.relative_to(root).parts)
        for layer in ("theory", "numeric", "proofs") for p in (root / layer).rglob("__init__.py")
    }


#: Build products and caches of a working checkout; never part of the source.
_DEBRIS = {".git", ".venv", "build", "dist", "__pycache__", ".hypothesis", ".pytest_cache"}


def _ignore_build_debris(directory: str, names: list[str]) -> set[str]:
    return {n for n in names if n in _DEBRIS or n.endswith(".egg-info")}


def _clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV"}}
    env["MPLBACKEND"] = "Agg"
    return env


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A fresh venv with the wheel built from the checkout installed; returns its bin directory."""
    src = source_root()
    work = tmp_path_factory.mktemp("wheel")
    copy = work / "src"
    shutil.copytree(src, copy, ignore=_ignore_build_debris)
    dist = work / "dist"
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(copy)],
                           capture_output=True, text=True, timeout=PIP_TIMEOUT, env=_clean_env(), check=False)
    assert build.returncode == 0, build.stderr[-3000:]
    wheels = list(dist.glob("modspec-*.whl"))
    assert len(wheels) == 1, wheels
    env_dir = work / "venv"
    venv.create(env_dir, with_pip=True, clear=True)
    bin_dir = env_dir / "bin"
    pip = subprocess.run([str(bin_dir / "python"), "-m", "pip", "install", "-q", str(wheels[0])],
                         capture_output=True, text=True, timeout=PIP_TIMEOUT, env=_clean_env(), check=False)
    assert pip.returncode == 0, pip.stderr[-3000:]
    return bin_dir


def _run(bin_dir: Path, cwd: Path, *argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(bin_dir / argv[0]), *argv[1:]], cwd=cwd, capture_output=True, text=True,
                          timeout=COMMAND_TIMEOUT, env=_clean_env(), check=False)


def test_wheel_ships_every_subpackage(installed: Path, tmp_path: Path) -> None:
    code = ("import json, pathlib, theory, numeric, proofs; "
            "root = pathlib.Path(proofs.__file__).parent.parent; "
            "print(json.dumps([str(root), sorted('.'.join(p.parent.relative_to(root).parts) "
            "for layer in ('theory', 'numeric', 'proofs') for p in (root / layer).rglob('__init__.py'))]))")
    proc = _run(installed, tmp_path, "python", "-c", code)
    assert proc.returncode == 0, proc.stderr
    import json

    where, shipped = json.loads(proc.stdout)
    assert "site-packages" in where, where
    missing = _packages(source_root()) - set(shipped)
    assert not missing, f"subpackages missing from the wheel: {sorted(missing)}"


@pytest.mark.parametrize("argv, expect", [
    (("spectrum", *DATASET), "pi1"),
    (("trajectory", "--arch", "dense", *DATASET, "--steps", "200"), "a1"),
    (("simulate", "--arch", "split", *DATASET, "--steps", "200", "--seeds", "2"), "omega:a1"),
    (("verify", "--theorem", "T1", "--theorem", "T5", "--samples", "3", "--dps", "30"), "T5"),
])
def test_installed_command_runs_outside_the_checkout(installed: Path, tmp_path: Path, argv, expect) -> None:
    proc = _run(installed, tmp_path, "modspec", *argv)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert expect in proc.stdout and "Traceback" not in proc.stderr


def test_installed_report_writes_html_and_markdown(installed: Path, tmp_path: Path) -> None:
    proc = _run(installed, tmp_path, "modspec", "report", "--out", "out", "--steps", "50", "--seeds", "1",
                "--samples", "2", "--dps", "30", "--quiet")
    assert proc.returncode == 0, proc.stderr[-3000:]
    written = {p.name for p in (tmp_path / "out").iterdir()}
    assert {"report.html", "report.md"} <= written, written
