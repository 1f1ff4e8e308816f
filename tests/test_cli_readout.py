"""CLI for the readout family: ``spectrum --readout`` and ``verify --family readout`` give the API's numbers."""

from __future__ import annotations

import json

import pytest

from proofs.cli import main
from proofs.spectrum import spectrum_report
from theory.readout import ReadoutDataset

FLAGS = ["--n1", "2", "--k1", "1", "--k2", "2", "--r", "1"]


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_spectrum_with_readout_json_equals_api(capsys, tmp_path):
    path = tmp_path / "a.json"
    path.write_text("[[1, 1], [0, 2]]")
    for readout in ("[[1, 1], [0, 2]]", str(path)):
        code, out, _ = run(capsys, "spectrum", *FLAGS, "--readout", readout, "--json")
        assert code == 0
        api = spectrum_report(ReadoutDataset(2, 1, 2, 1, [[1, 1], [0, 2]])).to_json()
        assert json.loads(out) == json.loads(json.dumps(api))
        assert [m["name"] for m in api["modes"]] == ["s1", "s2", "pi3"]


@pytest.mark.parametrize("argv, message", [
    (FLAGS + ["--readout", "[[1, 1, 3]]"], "readout must have shape n2 x n1 with n1 = 2"),
    (FLAGS + ["--readout", "[[1, 'x']]"], "readout must be a JSON list"),
    (FLAGS + ["--readout", "[[1, 1]]", "--n2", "1"], "--n2 does not apply"),
    (FLAGS, "n2 is required"),
])
def test_bad_readout_flags_exit_2_with_one_line(capsys, argv, message):
    code, _, err = run(capsys, "spectrum", *argv)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1, err


def test_verify_family_readout(capsys):
    code, out, _ = run(capsys, "verify", "--family", "readout", "--theorem", "T6", "--samples", "2", "--json",
                       "--quiet")
    data = json.loads(out)
    assert code == 0 and data["ok"] and data["theorems"][0]["name"].endswith("(general readout)")
