"""Bad input is refused with a message that names the parameter and its allowed range.

Messages a user reads when r is out of range; written to kill the mutation
survivor that dropped the range from the message (docs/mutation.md).
"""

from __future__ import annotations

import pytest

from theory.exact_r import exact_r


@pytest.mark.parametrize("value", ["1e31", 1e-31, "1/10**31"])
def test_r_out_of_range_is_refused_naming_its_range(value):
    with pytest.raises(ValueError) as err:
        exact_r(value)
    message = str(err.value)
    assert message.startswith("r must be a finite real number >= 0")
    assert "(a non-zero r must lie between 1e-30 and 1e30)" in message and message.endswith(f"got {value!r}")
