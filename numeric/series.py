"""JSON encoding of numeric series (NaN and infinities become null)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["series_json"]


def series_json(x: Any) -> Any:
    """A float, or a list of floats, with non-finite values replaced by ``None``."""
    arr = np.asarray(x, dtype=float)
    if arr.ndim == 0:
        v = float(arr)
        return v if math.isfinite(v) else None
    return [v if math.isfinite(v) else None for v in arr.tolist()]
