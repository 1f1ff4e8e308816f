"""Bounds before work (issue 13 items 4-5): every flag is checked up front; one line, exit 2, nothing written.

Each case names the input of the issue that hung, exploded or failed late. The
time bound is a hang guard (the cases ran for 10 minutes or failed after 20-35 s
of work), not a performance assertion.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from proofs.cli import main

from .timing import time_limit

#: Refusal happens before any computation: far below the minutes the issue measured.
REFUSE_SECONDS = 20
DATASET = ["--n1", "3", "--n2", "2", "--k1", "1", "--k2", "1", "--r", "1"]


def _refused(capsys, argv, fragment):
    with time_limit(REFUSE_SECONDS):
        code = main(argv)
    out, err = capsys.readouterr()
    assert code == 2 and out == "", (code, out)
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert fragment in err, err
    return err


@pytest.mark.parametrize("argv, fragment", [
    # trajectory --steps 10000000 --every 1 --json used 15 GB and printed 2.1 GB
    (["trajectory", "--arch", "dense", *DATASET, "--steps", "10000000", "--every", "1", "--json"],
     "at most 100000 checkpoints"),
    # the stability bound is 0.889 here; --lr 5 and --lr 1e308 ran
    (["trajectory", "--arch", "dense", *DATASET, "--lr", "5"], "lr must be below the stability bound 0.888889"),
    (["trajectory", "--arch", "dense", *DATASET, "--lr", "1e308"], "lr must be below the stability bound"),
    (["trajectory", "--arch", "dense", *DATASET, "--every", "0"], "every must be"),
    # simulate --hidden 30000 died with a MemoryError traceback after 49 s
    (["simulate", "--arch", "dense", *DATASET, "--hidden", "30000"], "hidden must be an integer in [1, 4096]"),
    # --init-scale 1e6 was blamed on lr
    (["simulate", "--arch", "dense", *DATASET, "--init", "random", "--init-scale", "1e6"], "init_scale must be"),
    (["simulate", "--arch", "dense", *DATASET, "--seeds", "0"], "seeds must be an integer in [1, 4096]"),
    (["simulate", "--arch", "dense", *DATASET, "--seeds", "4096", "--steps", "100000", "--every", "10"],
     "seeds x checkpoints"),
])
def test_training_flags_are_refused_before_work(capsys, argv, fragment) -> None:
    _refused(capsys, argv, fragment)


@pytest.mark.parametrize("out, fragment", [
    ("{file}", "exists and is not a directory"),       # an existing file: traceback after 20 s of work
    ("/proc/modspec-report", "cannot be written"),     # /proc: traceback after 20 s
    ("/dev/null/x", "is not an existing directory"),   # a parent that is not a directory
    ("", "not empty"),                                 # '' wrote into the current directory
])
def test_report_out_is_checked_before_work(capsys, tmp_path: Path, out: str, fragment: str) -> None:
    existing = tmp_path / "file"
    existing.write_text("keep me")
    before = sorted(p.name for p in tmp_path.iterdir())
    _refused(capsys, ["report", "--out", out.format(file=existing), "--quiet"], fragment)
    assert sorted(p.name for p in tmp_path.iterdir()) == before and existing.read_text() == "keep me"


@pytest.mark.parametrize("flags, fragment", [
    (["--seeds", "0"], "seeds must be an integer in [1, 4096]"),  # failed after 35 s
    (["--lr", "5"], "lr must be below the stability bound"),
    (["--steps", "-1"], "steps must be"),
    (["--format", "pdf"], "format must be one of"),
    (["--every", "0"], "every must be"),
])
def test_report_flags_are_checked_before_work(capsys, tmp_path: Path, flags, fragment) -> None:
    out = tmp_path / "report"
    _refused(capsys, ["report", "--out", str(out), "--quiet", *flags], fragment)
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_out_directory_is_probed_where_the_report_will_write(tmp_path: Path, monkeypatch) -> None:
    # an existing directory is probed itself (it may be read-only under a writable parent); a new
    # one through its parent, where it will be created
    import tempfile

    from proofs.limits import check_out_dir

    probed = []
    real = tempfile.mkdtemp
    monkeypatch.setattr(tempfile, "mkdtemp", lambda **kw: probed.append(Path(kw["dir"])) or real(**kw))
    existing = tmp_path / "existing"
    existing.mkdir()
    assert check_out_dir(existing) == existing and check_out_dir(tmp_path / "new") == tmp_path / "new"
    assert probed == [existing, tmp_path]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["existing"] and not any(existing.iterdir())
