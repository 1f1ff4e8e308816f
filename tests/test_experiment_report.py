"""Tests of the experiments' report section (proofs/report/empirical.py)."""

from __future__ import annotations

import pytest

from proofs.empirical import ExperimentReport, ExperimentRow, bootstrap_interval
from proofs.report.empirical import accuracy_svg, experiment_markdown, write_experiment


def _digits_record() -> ExperimentReport:
    rows = tuple(
        ExperimentRow(arch, f"r={r:g}", "accuracy, unseen triples", bootstrap_interval([acc, acc + 0.02, acc - 0.01]))
        for arch, base in (("dense", 0.75), ("segregated", 0.97)) for r, acc in ((0.0, base), (3.0, base - 0.1))
    )
    return ExperimentReport("digits", "Compositional digits: accuracy on unseen triples", 3, rows, 12.0, ("a note",))


def test_accuracy_figure_has_one_line_per_arrangement_with_error_bars():
    svg = accuracy_svg(_digits_record())
    assert svg.startswith("<svg")
    assert "dense" in svg and "segregated" in svg


def test_experiment_markdown_lists_every_estimate_with_its_interval():
    rep = _digits_record()
    md = experiment_markdown(rep, "fig.svg")
    for r in rep.rows:
        assert f"| {r.arrangement} | {r.setting} | {r.statistic} | {r.estimate.mean:.4f} |" in md
    assert "![" in md and "(fig.svg)" in md and "4.0 s per seed" in md


def test_write_experiment_writes_markdown_and_figure(tmp_path):
    paths = write_experiment(tmp_path / "out", _digits_record())
    assert [p.name for p in paths] == ["experiment-digits.md", "fig-experiment-digits.svg"]
    assert all(p.exists() for p in paths)


def test_experiment_without_plottable_rows_writes_nothing(tmp_path):
    rep = ExperimentReport("digits", "empty", 1, (), 1.0)
    with pytest.raises(ValueError, match="no rows"):
        write_experiment(tmp_path, rep)
    assert list(tmp_path.iterdir()) == []
