"""Reviewed golden records under ``tests/golden/``: one way to read them and to rewrite them.

A record is a JSON file that a test compares with what the product says now
(claims, the command line, error messages); after a reviewed change it is
rewritten by the test module's ``python -m tests.<module>``. Reading is cached
(parametrized tests read one record per case); writing uses one format, so a
rewrite changes only what changed.
"""

from __future__ import annotations

import json
import sys
from functools import cache
from pathlib import Path
from typing import Any

__all__ = ["golden_path", "load_golden", "write_golden"]


def golden_path(name: str) -> Path:
    """``tests/golden/<name>.json``."""
    return Path(__file__).parent / "golden" / f"{name}.json"


@cache
def load_golden(name: str) -> Any:
    """The record ``name``, read once per test session."""
    return json.loads(golden_path(name).read_text(encoding="utf-8"))


def write_golden(name: str, record: Any, *, sort_keys: bool = True) -> None:
    """Rewrite the record ``name`` (``sort_keys=False`` where the order of keys is part of the record)."""
    path = golden_path(name)
    path.write_text(json.dumps(record, indent=1, sort_keys=sort_keys, ensure_ascii=False) + "\n", encoding="utf-8")
    load_golden.cache_clear()
    sys.stdout.write(f"wrote {path}\n")
