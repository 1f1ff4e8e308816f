"""The report's held-out section: T11 table next to estimates, error against j, printed by every format."""

from __future__ import annotations

from fractions import Fraction

import pytest

from proofs.report.heldout import fullrank_table, heldout_curves, report_dataset
from proofs.report.render import render
from proofs.report.text import TextSection
from theory.dataset import Dataset


def test_fullrank_table_puts_each_exact_probability_inside_its_estimate_interval():
    rows = fullrank_table((3, 4), samples=4000, seed=3)
    assert [(r[0], r[1]) for r in rows] == [("3", "3"), ("3", "4"), ("3", "5"), ("3", "6"), ("4", "4"), ("4", "5"),
                                            ("4", "6"), ("4", "8")]
    assert rows[0][2] == "4/7" and rows[1][2] == "32/35"
    for row in rows:
        low, high = (float(x) for x in row[4].split("[")[1].rstrip("]").split(","))
        assert low <= float(Fraction(row[2])) <= high, row


def test_heldout_curves_match_theory_and_segregation_generalizes_once_codes_span():
    curves = {c.arch: c for c in heldout_curves(Dataset(2, 1, 1, 1, 1), subsets=1)}
    for c in curves.values():
        assert c.js == (1, 2, 3)
        assert all(abs(t - s) <= 1e-6 * (1 + t) for t, s in zip(c.theory, c.simulated)), c
    assert curves["segregated"].theory[-1] == 0 and curves["dense"].theory[-1] > 0


def test_report_dataset_keeps_small_datasets_and_uses_the_papers_beyond_n1_3():
    assert report_dataset(Dataset(2, 1, 1, 1, 1)) == Dataset(2, 1, 1, 1, 1)
    assert report_dataset(Dataset(4, 2, 1, 1, 1)) == Dataset(3, 2, 1, 1, 2)


@pytest.mark.parametrize("fmt, marker", [("html", "<h2>Held-out"), ("md", "## Held-out"), ("tex", r"\section*{Held-out")])
def test_every_format_prints_the_extra_section_with_its_table(fmt, marker):
    import dataclasses

    from tests.test_report import fake_document as make

    doc = make()
    section = TextSection("heldout", "Held-out items (T10, T11)", ("a paragraph",),
                          (("T11", ("n1", "j", "exact"), (("3", "3", "4/7"),)),))
    text = render(dataclasses.replace(doc, extra_sections=(section,)), fmt)
    assert marker in text and "4/7" in text and "a paragraph" in text
    assert text.index(marker) > text.index("Theorems")
