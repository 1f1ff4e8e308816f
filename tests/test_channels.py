"""Channel images and multiplicities are derived from the dataset definition, not typed (issue 8 item 6)."""

from __future__ import annotations

import pytest
import sympy as sp

from theory import symbols as s
from theory.channels import (
    RELATION_SYMBOLS, SELECTION_CHANNELS, ChannelSpec, channel_derivation, channels, derive_channels,
)

P, n1, n2, k1, k2, r = s.P, s.n1, s.n2, s.k1, s.k2, s.r

# Expected images, worked out by hand from x_i = [b_i; r e_i; ...], y_i = [S b_i; r e_i; ...]:
# B w_j = sqrt(P) e_j, S e_j = e'_j (selected) or 0, B q = 0, k copies of r w = r sqrt(k) (u_k (x) w).
EXPECTED = {  # channel: (x omega, x gamma, y omega, y gamma, multiplicity)
    "pi1": (sp.sqrt(P), r * sp.sqrt(k1), sp.sqrt(P), r * sp.sqrt(k2), n2),
    "pi2": (sp.sqrt(P), r * sp.sqrt(k1), 0, r * sp.sqrt(k2), n1 - n2),
    "pi3": (0, r * sp.sqrt(k1), 0, r * sp.sqrt(k2), P - n1),
}


@pytest.mark.parametrize("name", ["pi1", "pi2", "pi3"])
def test_channel_images_follow_from_the_block_relations(name):
    ch = {c.name: c for c in channels()}[name]
    got = (ch.x["omega_x"], ch.x["gamma_x"], ch.y["omega_y"], ch.y["gamma_y"], ch.multiplicity)
    assert all(sp.simplify(g - e) == 0 for g, e in zip(got, EXPECTED[name])), (name, got)


def test_channel_derivation_records_reductions_and_traces():
    text = str(channel_derivation())
    assert "B w reduces to sqrt(P)*v" in text and "R*B w reduces to 0" in text
    assert "multiplicity of pi3 = tr(" in text and "orthogonal in every block" in text


def test_readout_scale_enters_the_compositional_output_image():
    """A feature channel with R v = s u has y omega = s sqrt(P); s = 2 is not the selection's 1."""
    s_ = sp.Symbol("s", positive=True)
    spec = ChannelSpec("g", "generic feature", "feature", s_, multiplicity=sp.Symbol("m"))
    (ch,), _ = derive_channels((spec,))
    assert sp.simplify(ch.y["omega_y"] - s_ * sp.sqrt(P)) == 0 and ch.multiplicity == sp.Symbol("m")
    (wrong,), _ = derive_channels((ChannelSpec("g", "", "feature", sp.Integer(2), SELECTION_CHANNELS[0].projector),))
    assert sp.simplify(wrong.y["omega_y"] - EXPECTED["pi1"][2]) != 0


def test_broken_code_relation_changes_the_images():
    """Negative control: with B B^T = 2 P I the item vectors are not unit, which the derivation catches."""
    B = RELATION_SYMBOLS["B"]
    with pytest.raises(AssertionError, match="unit vector"):
        derive_channels(SELECTION_CHANNELS, overrides={(B, B.T): (2 * P, ())})


def test_non_orthogonal_code_directions_are_caught():
    """Negative control: if distinct code directions had v^T v' = 1, the orthogonality check raises."""
    v, v2 = RELATION_SYMBOLS["v"], RELATION_SYMBOLS["v'"]
    with pytest.raises(AssertionError, match="not orthogonal"):
        derive_channels(SELECTION_CHANNELS, overrides={(v.T, v2): (sp.Integer(1), ()), (v2.T, v): (sp.Integer(1), ())})


def test_image_off_its_unit_vector_is_caught():
    """Negative control: if R v had a component off u (R v = u + u'), |image|^2 != coordinate^2 raises."""
    R, v, u, u2 = (RELATION_SYMBOLS[k] for k in ("R", "v", "u", "u'"))
    with pytest.raises(AssertionError, match="unit vector"):
        derive_channels(SELECTION_CHANNELS[:1], overrides={(R, v): (sp.Integer(1), (u + u2,)),
                                                           (v.T, R.T): (sp.Integer(1), ((u + u2).T,))})
