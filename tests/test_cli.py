"""The CLI is thin: same numbers as the API, documented JSON, exit codes 0/1/2."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings

from numeric.matrices import statistics
from proofs.cli import main
from proofs.spectrum import spectrum_report
from proofs.verify import verify

from .strategies import datasets, examples
from .timing import time_limit

#: Bad input is refused before any work: a generous wall-clock bound that a hang
#: (the cases of issue 13 ran for more than 10 minutes) cannot meet.
BAD_INPUT_SECONDS = 20


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_verify_json_follows_schema_and_matches_api(capsys):
    code, out, _ = run(capsys, "verify", "--theorem", "T1", "--theorem", "T2", "--samples", "8", "--json")
    data = json.loads(out)
    assert code == 0 and data["ok"] is True
    api = verify(["T1", "T2"], samples=8).to_json()
    assert data == json.loads(json.dumps(api))
    for th in data["theorems"]:
        assert set(th) >= {"id", "name", "symbolic", "certified", "status"}
        assert set(th["certified"]) == {"samples", "dps", "max_residual"}
        assert th["certified"]["samples"] >= 6 and th["certified"]["dps"] == 50


def test_spectrum_json_follows_schema(capsys):
    code, out, _ = run(capsys, "spectrum", "--n1", "3", "--n2", "1", "--k1", "2", "--k2", "1", "--r", "sqrt(2)", "--json")
    data = json.loads(out)
    assert code == 0 and data["P"] == 8
    assert [m["name"] for m in data["modes"]] == ["pi1", "pi2", "pi3"]
    for m in data["modes"]:
        assert set(m) == {"name", "singular_value", "exact", "multiplicity", "input_eigenvalue", "fixed_point",
                          "input_eigenvalue_exact", "fixed_point_exact"}
    assert data["modes"][0]["exact"] == "sqrt(30)/4"
    assert sum(e["multiplicity"] for e in data["input_eigenvalues"]) == 3 + 2 * 8


@settings(max_examples=examples(15))
@given(datasets(max_n1=5))
def test_spectrum_agrees_with_independent_float64_to_1e_12(d):
    """Each reported pi is a singular value of Syx and each lambda an eigenvalue of Sx (relative 1e-12)."""
    st = statistics(d)
    rep = spectrum_report(d)
    svd = np.linalg.svd(st.Syx, compute_uv=False) if st.Syx.size else np.zeros(1)
    eig = np.linalg.eigvalsh(st.Sx)
    for m in rep.modes:
        close = np.abs(svd - m.singular_value) <= 1e-12 * max(svd.max(), 1)
        assert close.sum() == m.multiplicity, (m, svd)
    for e in rep.input_eigenvalues:
        assert (np.abs(eig - e.value) <= 1e-12 * max(eig.max(), 1)).sum() == e.multiplicity


@pytest.mark.parametrize("argv, fragment", [
    (["spectrum", "--n1", "2", "--n2", "3", "--k1", "1", "--k2", "1", "--r", "1"], "n2 must be an integer in [0, 2]"),
    (["spectrum", "--n1", "0", "--n2", "0", "--k1", "1", "--k2", "1", "--r", "1"], "n1 must be an integer in [1, 10]"),
    (["spectrum", "--n1", "2", "--n2", "1", "--k1", "1", "--k2", "1", "--r", "-1"], "r must be a finite real number >= 0"),
    (["spectrum", "--n1", "2", "--n2", "1", "--k1", "1", "--k2", "1", "--r", "inf"], "r must be"),
    # issue 13: exact forms that hung sympy, overflowed its recursion or float64 (size limits of r)
    (["spectrum", "--n1", "2", "--n2", "1", "--k1", "1", "--k2", "1", "--r", "2**100000"], "r must be"),
    (["spectrum", "--n1", "2", "--n2", "1", "--k1", "1", "--k2", "1", "--r", "1e999999"], "r must be"),
    (["spectrum", "--n1", "2", "--n2", "1", "--k1", "1", "--k2", "1", "--r", "7" * 4000], "r must be"),
    (["spectrum", "--n1", "2", "--n2", "1", "--k1", "1", "--k2", "1", "--r", "+".join(["1"] * 5000)], "r must be"),
    (["spectrum", "--n1", "2", "--n2", "1", "--k1", "1", "--k2", "1", "--r", "1e155"], "r must be"),
    (["spectrum", "--n1", "4", "--n2", "2", "--k1", "2", "--k2", "3", "--r", "1e-400"], "r must be"),
    (["trajectory", "--arch", "dense", "--n1", "2", "--n2", "1", "--k1", "1", "--k2", "1", "--r", "1e155"],
     "r must be"),
    (["simulate", "--arch", "dense", "--n1", "2", "--n2", "1", "--k1", "1", "--k2", "1", "--r", "2**100000"],
     "r must be"),
    (["verify", "--dps", "5"], "dps must be an integer in [30, 1000]"),
    (["verify", "--samples", "0"], "samples must be an integer in [1, 10000]"),
    (["verify", "--theorem", "T99"], "theorem must be one of"),
])
def test_bad_input_exits_2_with_one_line(capsys, argv, fragment):
    with time_limit(BAD_INPUT_SECONDS):
        code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert fragment in err and err.count("\n") == 1 and "Traceback" not in err


def test_console_script_exits_2_without_traceback():
    proc = subprocess.run([sys.executable, "-m", "proofs.cli", "spectrum", "--n1", "99", "--n2", "0", "--k1", "0",
                           "--k2", "0", "--r", "1"], capture_output=True, text=True)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and "n1 must be" in proc.stderr


def test_help_lists_every_command(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    out = capsys.readouterr().out
    assert exc.value.code == 0
    for cmd in ("verify", "spectrum"):
        assert cmd in out


def _stated_defaults():
    """(command, option, value argparse uses, default its help states) for every '(default X)' in the help."""
    import re

    from .cli_parsers import subcommand_parsers

    for name, parser in subcommand_parsers().items():
        for action in parser._actions:
            value = action.const if action.default is None and action.const is not None else action.default
            for m in re.finditer(r"default:? ([^;),]+)", action.help or ""):
                yield name, action.dest, value, m.group(1)


def test_every_default_the_help_states_is_the_default_the_command_uses():
    checked = 0
    for command, dest, value, stated in _stated_defaults():
        try:
            number = float(stated)
        except ValueError:
            if isinstance(value, str):  # e.g. report --format: "html,md" (the help lists it up to the comma)
                assert value.startswith(stated), (command, dest, value, stated)
                checked += 1
            continue  # a default described in words ("the first n2") for an option that defaults to None
        assert value is not None and float(value) == number, (command, dest, value, stated)
        checked += 1
    assert checked >= 28, checked  # the numeric defaults of verify, trajectory, simulate, report, ... all seen


def test_spectrum_text_lists_every_input_eigenvalue_with_its_multiplicity(capsys):
    from theory.dataset import Dataset

    code, out, _ = run(capsys, "spectrum", "--n1", "3", "--n2", "2", "--k1", "1", "--k2", "1", "--r", "1")
    rep = spectrum_report(Dataset(3, 2, 1, 1, 1))
    line = next(x for x in out.splitlines() if x.startswith("input eigenvalues: "))
    assert code == 0 and line == "input eigenvalues: " + ", ".join(
        f"{e.exact} (x{e.multiplicity})" for e in rep.input_eigenvalues)
    assert len(rep.input_eigenvalues) >= 2  # the separator is exercised


def test_every_example_in_the_help_epilog_is_a_command_that_parses():
    import shlex

    from proofs.cli import build_parser

    parser = build_parser()
    examples = [line.strip() for line in parser.epilog.splitlines() if line.startswith("  ")]  # indented lines
    assert len(examples) >= 5, parser.epilog
    for example in examples:
        argv = shlex.split(example.split("   ")[0])  # the command, without the comment after it
        assert argv[0] == "modspec", example
        parser.parse_args(argv[1:])  # SystemExit (status 2) on a flag or value the parser refuses


@pytest.mark.parametrize("entries, stale, wording", [
    (1, 1, "1 entry, {bytes} bytes; 1 stale directory"),
    (3, 2, "3 entries, {bytes} bytes; 2 stale directories"),
    (0, 0, "0 entries, 0 bytes; 0 stale directories"),
])
def test_cache_info_names_the_cache_its_entries_and_its_stale_directories(tmp_path, monkeypatch, capsys,
                                                                           entries, stale, wording):
    from theory import persist

    monkeypatch.setenv("MODSPEC_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("MODSPEC_NO_CACHE", raising=False)
    current = persist.cache_dir()
    current.mkdir(parents=True, exist_ok=True)
    for i in range(entries):
        (current / f"entry{i}.pickle").write_bytes(b"x" * (10 + i))
    for i in range(stale):
        (tmp_path / f"0.0.{i}-oldtheory").mkdir()
    code, out, err = run(capsys, "cache", "info")
    size = sum(10 + i for i in range(entries))
    assert (code, err) == (0, "")
    assert out == (f"derivation cache: {tmp_path}\ncurrent theory: {current.name}, "
                   + wording.format(bytes=size) + "\n")
