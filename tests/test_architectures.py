"""Architectures as data: modules with a depth (theory.architectures)."""

from __future__ import annotations

import pytest

from theory.architectures import ARCHITECTURES, MAX_DEPTH, Module, get_architecture, with_depth


def test_default_depths_are_two_and_one_for_shallow():
    assert {name: [m.depth for m in a.modules] for name, a in ARCHITECTURES.items()} == {
        "dense": [2], "shallow": [1], "split": [2, 2], "segregated": [2, 2]}
    assert [m.deep for m in ARCHITECTURES["shallow"].modules] == [False]


@pytest.mark.parametrize("depth", [1, 3, MAX_DEPTH])
def test_with_depth_keeps_name_blocks_and_mode_names(depth):
    base = get_architecture("segregated")
    deep = with_depth("segregated", depth)
    assert deep.name == base.name and all(m.depth == depth for m in deep.modules)
    assert [(m.name, m.inputs, m.outputs) for m in deep.modules] == [(m.name, m.inputs, m.outputs) for m in base.modules]
    assert deep.modules[0].mode_name("pi1") == "omega:pi1"


@pytest.mark.parametrize("bad", [0, -2, MAX_DEPTH + 1, 2.0, True, "3"])
def test_invalid_depth_raises_value_error_naming_depth(bad):
    with pytest.raises(ValueError, match=r"depth must be an integer in \[1, "):
        with_depth("dense", bad)
    with pytest.raises(ValueError, match=r"depth must be an integer in \[1, "):
        Module("m", ("omega_x",), ("omega_y",), depth=bad)


def test_deep_is_read_only():
    m = ARCHITECTURES["dense"].modules[0]
    with pytest.raises(AttributeError):
        m.deep = False  # type: ignore[misc]
