"""The progress bar draws on terminals only, and only after its delay."""

from __future__ import annotations

import io

from proofs.progress import ProgressBar


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_draws_fraction_on_a_terminal():
    stream = FakeTerminal()
    bar = ProgressBar("simulate", stream=stream, delay=0.0)
    bar.update(5, 10, "half")
    bar.close()
    out = stream.getvalue()
    assert "simulate [" in out and " 50% half" in out and out.endswith("\n")


def test_progress_bar_is_silent_when_not_a_terminal_or_disabled():
    pipe = io.StringIO()
    ProgressBar("x", stream=pipe, delay=0.0).update(1, 2)
    quiet = FakeTerminal()
    bar = ProgressBar("x", stream=quiet, enabled=False, delay=0.0)
    bar.update(1, 2)
    bar.close()
    assert pipe.getvalue() == "" and quiet.getvalue() == ""


def test_progress_bar_waits_for_its_delay():
    stream = FakeTerminal()
    bar = ProgressBar("x", stream=stream, delay=3600.0)
    bar.update(1, 2)
    bar.close()
    assert stream.getvalue() == ""
