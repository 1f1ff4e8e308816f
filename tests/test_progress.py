"""Progress: a tqdm bar with rate and ETA on terminals, heartbeat lines elsewhere on request, nothing when quiet."""

from __future__ import annotations

import io
import re

import pytest

from proofs import signals
from proofs.progress import ProgressBar


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_progress_bar_on_a_terminal_shows_fraction_rate_and_eta():
    stream = FakeTerminal()
    bar = ProgressBar("simulate", stream=stream, delay=0.0, unit="step", min_redraw=0.0)
    bar.update(5, 10, "half")
    bar.close()
    out = stream.getvalue()
    assert "simulate:" in out and "50%" in out and "5/10" in out and "half" in out, out
    assert "step/s" in out or "s/step" in out, out  # the rate
    assert "<" in out, out  # elapsed<remaining: the ETA


def test_progress_is_silent_off_terminals_without_heartbeat_and_when_quiet():
    pipe = io.StringIO()
    ProgressBar("x", stream=pipe, delay=0.0).update(1, 2)
    quiet = FakeTerminal()
    bar = ProgressBar("x", stream=quiet, enabled=False, delay=0.0, heartbeat=1.0)
    bar.update(1, 2)
    bar.close()
    assert pipe.getvalue() == "" and quiet.getvalue() == ""


def test_heartbeat_lines_off_terminals_every_interval_with_rate_and_eta():
    pipe, clock = io.StringIO(), FakeClock()
    bar = ProgressBar("simulate", stream=pipe, heartbeat=5.0, unit="step", clock=clock)
    for t, done in [(0.0, 0), (1.0, 10), (5.5, 50), (7.0, 70), (10.6, 100)]:
        clock.now = t
        bar.update(done, 200)
    bar.close()
    lines = pipe.getvalue().splitlines()
    assert len(lines) == 3, lines  # at 5.5 s, at 10.6 s, and the closing line
    assert lines[0].startswith("simulate:  25% 50/200 [00:05<00:16,") and "step/s" in lines[0], lines[0]


def test_terminal_bar_waits_for_its_delay():
    stream = FakeTerminal()
    bar = ProgressBar("x", stream=stream, delay=3600.0)
    bar.update(1, 2)
    bar.close()
    assert stream.getvalue().strip("\r\x1b[A ") == ""


def test_progress_update_raises_a_swallowed_interrupt_again():
    with signals.handle_signals():
        signals._received.append(2)  # as if SIGINT arrived and a library swallowed the exception
        with pytest.raises(signals.Interrupted) as exc:
            ProgressBar("x", stream=io.StringIO()).update(1, 2)
    assert exc.value.exit_status == 130


def test_heartbeat_writes_no_closing_line_when_the_work_failed():
    pipe, clock = io.StringIO(), FakeClock()
    with pytest.raises(RuntimeError):
        with ProgressBar("x", stream=pipe, heartbeat=1.0, clock=clock) as bar:
            clock.now = 2.0
            bar.update(1, 4)
            raise RuntimeError("stop")
    assert len(pipe.getvalue().splitlines()) == 1  # the heartbeat only; the error prints its own line


def test_verify_progress_lines_name_the_command_count_theorems_and_end_at_the_last_one(capsys):
    # what a user sees on stderr (not a terminal) with --progress: label, fraction, unit and note of each line
    from proofs.cli import main

    assert main(["verify", "--theorem", "T2", "--no-simulate", "--samples", "2", "--progress", "1e-9", "--json"]) == 0
    lines = capsys.readouterr().err.splitlines()
    line = re.compile(r"verify: +(\d+)% (\d)/1 \[[^]]*(?:theorem/s|s/theorem)\], (T2|done)")
    parsed = [line.fullmatch(x) for x in lines]
    assert all(parsed) and len(lines) >= 2, lines
    assert [m.groups() for m in parsed][0] == ("0", "0", "T2"), lines
    assert [m.groups() for m in parsed][-1] == ("100", "1", "done"), lines


def test_simulate_progress_lines_name_the_command_and_count_steps(capsys):
    from proofs.cli import main

    argv = ["simulate", "--arch", "dense", "--n1", "2", "--n2", "1", "--k1", "1", "--k2", "1", "--r", "1",
            "--steps", "64", "--progress", "1e-9", "--json"]
    assert main(argv) == 0
    lines = capsys.readouterr().err.splitlines()
    line = re.compile(r"simulate: +(\d+)% (\d+)/64 \[[^]]*(?:step/s|s/step)\]")
    parsed = [line.fullmatch(x) for x in lines]
    assert all(parsed) and len(lines) >= 2, lines
    assert parsed[-1].groups() == ("100", "64"), lines
