"""The results store of a sweep: one SQLite file, ``results.sqlite``, in the output directory.

Why SQLite rather than one file per chunk:

* **Keyed, so nothing is duplicated.** Each result is a row whose primary key
  is the task key (hash of task, parameters and modspec version). A chunk
  that Dask runs twice (a killed worker's task is retried) cannot add a second
  row, and ``--resume`` is one indexed query, however the grid was chunked
  before. Files per chunk would need de-duplication on every load and would
  depend on the chunking of earlier runs.
* **Atomic.** A chunk's results are written in one transaction: after a crash
  or Ctrl-C the store holds every committed chunk completely and nothing of
  the others (write-ahead log, ``synchronous=FULL``: committed means on disk).
* **One writer.** Only the process that drives the sweep writes (workers
  return results to it), so there is no lock contention, and workers on other
  machines need no access to ``--out``.
* Standard library, one file to copy, readable by any SQLite tool.

A result that failed (the task raised) is stored with its error; a later
``--resume`` retries it and replaces the row. A successful row is never
overwritten.
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

__all__ = ["Record", "ResultStore", "STORE_NAME"]

#: File name of the store inside the output directory.
STORE_NAME = "results.sqlite"
_SCHEMA = 1

_CREATE = """
CREATE TABLE IF NOT EXISTS results (
    key TEXT PRIMARY KEY,
    idx INTEGER NOT NULL,
    task TEXT NOT NULL,
    version TEXT NOT NULL,
    params TEXT NOT NULL,
    info TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('done', 'failed')),
    result TEXT,
    error TEXT,
    seconds REAL NOT NULL,
    worker TEXT NOT NULL,
    finished REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

# A failed row may be replaced by a retry; a done row never is.
_UPSERT = """
INSERT INTO results (key, idx, task, version, params, info, status, result, error, seconds, worker, finished)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (key) DO UPDATE SET
    idx = excluded.idx, status = excluded.status, result = excluded.result, error = excluded.error,
    seconds = excluded.seconds, worker = excluded.worker, finished = excluded.finished
WHERE results.status = 'failed'
"""


@dataclass(frozen=True)
class Record:
    """One finished task as stored: status ``done`` with ``result`` or ``failed`` with ``error``."""

    key: str
    index: int
    task: str
    version: str
    params: dict
    info: dict
    status: str
    result: dict | None
    error: str | None
    seconds: float
    worker: str

    def row(self) -> tuple:
        """The record as a row of the ``results`` table."""
        dump = lambda x: json.dumps(x, allow_nan=False)  # noqa: E731 - keeps the task's column order
        return (self.key, self.index, self.task, self.version, dump(self.params), dump(self.info), self.status,
                None if self.result is None else dump(self.result), self.error, float(self.seconds), self.worker,
                time.time())


class ResultStore:
    """The SQLite store of one output directory (``None`` keeps it in memory, for in-process use)."""

    def __init__(self, out: str | Path | None) -> None:
        if out is None:
            self.path = None
            self._db = sqlite3.connect(":memory:")
        else:
            directory = Path(out)
            if directory.exists() and not directory.is_dir():
                raise ValueError(f"out must be a directory; {str(directory)!r} is a file")
            directory.mkdir(parents=True, exist_ok=True)
            self.path = directory / STORE_NAME
            self._db = sqlite3.connect(self.path)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
        with self._db:
            self._db.executescript(_CREATE)
            self._db.execute("INSERT OR IGNORE INTO meta VALUES ('schema', ?)", (str(_SCHEMA),))

    def close(self) -> None:
        """Close the connection (committed data is on disk)."""
        self._db.close()

    def __enter__(self) -> "ResultStore":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def count(self, status: str | None = None) -> int:
        """Number of stored results (of one status if given)."""
        if status is None:
            return self._db.execute("SELECT COUNT(*) FROM results").fetchone()[0]
        return self._db.execute("SELECT COUNT(*) FROM results WHERE status = ?", (status,)).fetchone()[0]

    def done_keys(self) -> set[str]:
        """Keys of the tasks finished successfully (what ``--resume`` skips)."""
        return {k for (k,) in self._db.execute("SELECT key FROM results WHERE status = 'done'")}

    def write(self, records: Iterable[Record]) -> int:
        """Store ``records`` in one transaction; returns how many rows were added or replaced."""
        rows = [r.row() for r in records]
        with self._db:
            before = self._db.total_changes
            self._db.executemany(_UPSERT, rows)
            return self._db.total_changes - before

    def set_meta(self, name: str, value: Any) -> None:
        """Store a JSON value under ``name`` (e.g. the spec of the last run)."""
        with self._db:
            self._db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (name, json.dumps(value, sort_keys=True)))

    def get_meta(self, name: str) -> Any:
        """The JSON value stored under ``name``, or None."""
        row = self._db.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        return None if row is None else json.loads(row[0])

    def rows(self) -> list[dict[str, Any]]:
        """Every stored result as a dict, in grid order (``params``, ``info``, ``result`` decoded)."""
        cur = self._db.execute(
            "SELECT key, idx, task, version, params, info, status, result, error, seconds, worker "
            "FROM results ORDER BY idx, key")
        out = []
        for key, idx, task, version, params, info, status, result, error, seconds, worker in cur:
            out.append({"key": key, "index": idx, "task": task, "version": version, "params": json.loads(params),
                        "info": json.loads(info), "status": status,
                        "result": None if result is None else json.loads(result), "error": error,
                        "seconds": seconds, "worker": worker})
        return out
