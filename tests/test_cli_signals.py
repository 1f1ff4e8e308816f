"""SIGINT and SIGTERM end a command with one line, exit 130 / 143, and no partial files (issue 13 item 5)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .source import running_against_wheel

#: Hang guards (seconds): waiting for the command to be at work, and for it to stop after the signal.
START_SECONDS = 120
STOP_SECONDS = 30
DATASET = ["--n1", "3", "--n2", "2", "--k1", "1", "--k2", "1", "--r", "1"]


def _command() -> list[str]:
    if running_against_wheel():
        return [str(Path(sys.executable).parent / "modspec")]
    return [sys.executable, "-m", "proofs.cli"]


#: A progress line of --progress (printed while the command worked, before the signal).
_PROGRESS = re.compile(r"^[\w -]+: +\d+% ")


def _messages(err: str) -> list[str]:
    """stderr without the progress lines: what the command said about how it ended."""
    return [line for line in err.splitlines() if not _PROGRESS.match(line)]


def _interrupt_at_work(argv: list[str], signum: int, cwd: Path) -> tuple[int, str]:
    """Start ``modspec argv`` with --progress, wait for its first progress line, send ``signum``."""
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(_command() + argv + ["--progress", "0.2"], cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + START_SECONDS
        first = proc.stderr.readline()  # the first heartbeat line: the command is past start-up, at work
        assert first and time.monotonic() < deadline and "%" in first, first
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=STOP_SECONDS)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return proc.returncode, err


@pytest.mark.slow
@pytest.mark.parametrize("signum, status", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_simulate_interrupted_exits_with_one_line(tmp_path: Path, signum: int, status: int) -> None:
    code, err = _interrupt_at_work(["simulate", "--arch", "dense", *DATASET, "--steps", "1000000",
                                    "--every", "100000", "--lr", "0.01"], signum, tmp_path)
    assert code == status, (code, err)
    lines = _messages(err)
    assert len(lines) == 1 and "interrupted by " + signal.Signals(signum).name in lines[0], err
    assert "Traceback" not in err


@pytest.mark.slow
def test_report_interrupted_leaves_no_partial_files(tmp_path: Path) -> None:
    code, err = _interrupt_at_work(["report", "--out", "out", "--steps", "20000", "--every", "2000", "--lr",
                                    "0.01", "--samples", "2", "--dps", "30", "--seeds", "1"],
                                   signal.SIGTERM, tmp_path)
    assert code == 143, (code, err)
    lines = _messages(err)
    assert len(lines) == 1 and "interrupted by SIGTERM" in lines[0] and "Traceback" not in err, err
    assert list(tmp_path.iterdir()) == [], list(tmp_path.iterdir())


def test_signal_swallowed_by_a_library_still_ends_the_command_with_its_status(monkeypatch, capsys) -> None:
    # a library that catches the Interrupted of a SIGTERM and returns normally: main still reports
    # the signal (one line, 128 + 15), in process and fast
    import proofs.cli as cli
    from proofs.signals import Interrupted

    def swallowing(args) -> int:
        try:
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(1)  # the handler raises here
        except Interrupted:
            pass
        return 0

    monkeypatch.setitem(cli.COMMANDS, "spectrum", swallowing)
    assert cli.main(["spectrum", *DATASET]) == 128 + signal.SIGTERM
    assert capsys.readouterr().err.splitlines() == ["modspec spectrum: interrupted by SIGTERM; nothing written"]
