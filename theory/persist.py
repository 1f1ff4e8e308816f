"""Derive once: a persistent on-disk cache of the symbolic derivations.

Every command used to re-derive its sympy results (seconds of CPU per process)
although they depend only on the theory's source code. A function decorated
with :func:`persistent` stores its result in the user's cache directory and
later processes load it instead of deriving again.

Where: ``$MODSPEC_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/modspec``, else
``~/.cache/modspec``; ``MODSPEC_NO_CACHE=1`` disables the cache (every call
derives). Entries live in a directory named after the modspec and sympy
versions and a hash of the ``theory/`` sources, so any change to the theory
makes a fresh directory (old ones are removed by ``modspec cache clear``).

Entries are pickles, loaded with sympy's evaluation switched off so that
every expression is rebuilt exactly as stored (a derivation step such as an
unevaluated ``2**(n1 - 1)*(1 + 1)`` would otherwise come back simplified).

Safety: an entry is written to a temporary file in the same directory and
moved into place with ``os.replace`` (atomic), so concurrent processes see a
complete entry or none. Each file holds a header, the SHA-256 of the payload
and the entry's key; a file whose digest, key or unpickling does not check out
is treated as absent and rebuilt, never returned.

Audit: inside :func:`fresh` every decorated call derives (ignoring the cache)
and compares its result with the stored entry, recording each
:class:`Mismatch`; ``modspec verify`` runs this way, so a stale or tampered
cache is reported as a failure.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import os
import pickle
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import sympy as sp

__all__ = ["Mismatch", "Audit", "cache_root", "cache_dir", "persistent", "fresh", "clear", "info", "CacheInfo"]

_MAGIC = b"modspec-derivation-cache-1\n"
_THEORY = Path(__file__).resolve().parent

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Mismatch:
    """A stored entry that differs from a fresh derivation (``what``: function and arguments)."""

    what: str


@dataclass
class Audit:
    """What :func:`fresh` saw: entries compared, and those that did not match."""

    compared: int = 0
    mismatches: list = field(default_factory=list)
    derived: set = field(default_factory=set)


_AUDIT: list[Audit] = []


def cache_root() -> Path | None:
    """The cache's root directory, or None when ``MODSPEC_NO_CACHE`` disables it."""
    if os.environ.get("MODSPEC_NO_CACHE", "") not in ("", "0"):
        return None
    if os.environ.get("MODSPEC_CACHE_DIR"):
        return Path(os.environ["MODSPEC_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "modspec"


@functools.cache
def _source_key() -> str:
    """modspec and sympy versions and the SHA-256 of every theory/ source (the entries' namespace)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        modspec = version("modspec")
    except PackageNotFoundError:  # a source tree that is not installed: the source hash alone decides
        modspec = "source"
    h = hashlib.sha256()
    for path in sorted(_THEORY.glob("*.py")):
        h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return f"{modspec}-sympy{sp.__version__}-{h.hexdigest()[:16]}"


def cache_dir() -> Path | None:
    """The directory of the current theory's entries (None when disabled)."""
    root = cache_root()
    return None if root is None else root / _source_key()


def _encode(key: str, value: Any) -> bytes:
    payload = pickle.dumps((key, value), protocol=pickle.HIGHEST_PROTOCOL)
    return _MAGIC + hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload


def _decode(key: str, data: bytes) -> tuple[bool, Any]:
    """(True, value) for an intact entry of ``key``; (False, None) for anything else."""
    if not data.startswith(_MAGIC):
        return False, None
    digest, sep, payload = data[len(_MAGIC):].partition(b"\n")
    if not sep or hashlib.sha256(payload).hexdigest().encode() != digest:
        return False, None
    try:
        with sp.evaluate(False):  # rebuild every expression as stored: unevaluated steps stay unevaluated
            stored_key, value = pickle.loads(payload)
    except Exception:  # noqa: BLE001 - an undecodable entry is a corrupt one: rebuilt, never returned
        return False, None
    return (True, value) if stored_key == key else (False, None)


def _path(directory: Path, key: str) -> Path:
    return directory / (hashlib.sha256(key.encode()).hexdigest() + ".pickle")


def _load(path: Path, key: str) -> tuple[bool, Any]:
    try:
        data = path.read_bytes()
    except OSError:
        return False, None
    return _decode(key, data)


def _store(path: Path, key: str, value: Any) -> None:
    """Write atomically (temporary file + ``os.replace``); an unwritable cache only costs speed."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".pickle")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(_encode(key, value))
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    except OSError:
        pass


def _same(a: Any, b: Any) -> bool:
    """Equal as objects and as printed (structural sympy equality, derivation steps included)."""
    return a == b and repr(a) == repr(b)


def _typed(x: Any) -> Any:
    """A hashable stand-in for an argument that tells apart equal values of different types.

    ``1 == True == 1.0`` and ``0.0 == -0.0`` hash alike but print differently,
    so each value is paired with its type, through tuples, lists, dicts and
    dataclasses; floats by their exact ``repr``. Sympy objects compare
    structurally (types included), so they stand for themselves.
    """
    if isinstance(x, (tuple, list)):
        return type(x), tuple(_typed(v) for v in x)
    if isinstance(x, dict):
        return dict, tuple((_typed(k), _typed(v)) for k, v in x.items())
    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        return type(x), tuple(_typed(getattr(x, f.name)) for f in dataclasses.fields(x))
    if isinstance(x, float):
        return float, repr(x)
    return type(x), x


def persistent(func: F) -> F:
    """Decorate a pure derivation: results memoized in memory, stored on disk, loaded by later processes.

    The disk key is the function's qualified name and the ``repr`` of its
    arguments (the derivations take strings, booleans and frozen dataclasses
    of sympy objects, whose printed forms are canonical). Printing sympy
    arguments costs milliseconds and derivations are called thousands of times
    per ``verify``, so calls are first looked up in memory by the arguments
    themselves (:func:`_typed`), and the printed key is built only on a miss.
    Use it instead of ``functools.cache`` (it memoizes too), so that
    :func:`fresh` can see every call.
    """
    name = f"{func.__module__}.{func.__qualname__}"
    memo: dict[Any, tuple[str, Any]] = {}

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        fast = (_typed(args), _typed(tuple(sorted(kwargs.items()))))
        audit = _AUDIT[-1] if _AUDIT else None
        hit = memo.get(fast)
        if hit is not None and (audit is None or hit[0] in audit.derived):
            return hit[1]
        key = hit[0] if hit is not None else f"{name}{args!r}{sorted(kwargs.items())!r}"
        directory = cache_dir()
        path = None if directory is None else _path(directory, key)
        found, value = (False, None) if path is None else _load(path, key)
        if audit is not None:
            derived = func(*args, **kwargs)
            audit.derived.add(key)
            if found:
                audit.compared += 1
                if not _same(value, derived):
                    audit.mismatches.append(Mismatch(key))
            found, value = False, derived
        elif not found:
            value = func(*args, **kwargs)
        if path is not None and not found:
            _store(path, key, value)
        memo[fast] = (key, value)
        return value

    wrapper.cache_clear = memo.clear  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]


@contextmanager
def fresh() -> Iterator[Audit]:
    """Derive everything inside the block, comparing each result with its stored entry.

    Mismatching entries are recorded in the yielded :class:`Audit` and replaced
    by the fresh result.
    """
    audit = Audit()
    _AUDIT.append(audit)
    try:
        yield audit
    finally:
        _AUDIT.pop()


@dataclass(frozen=True)
class CacheInfo:
    """Where the cache is and what it holds."""

    root: Path | None
    current: Path | None
    entries: int
    bytes: int
    stale_dirs: int


def info() -> CacheInfo:
    """Describe the cache: its root, the current entries' directory, their count and size, stale directories."""
    root, current = cache_root(), cache_dir()
    files = list(current.glob("*.pickle")) if current is not None and current.is_dir() else []
    stale = [p for p in root.iterdir() if p.is_dir() and p != current] if root is not None and root.is_dir() else []
    return CacheInfo(root, current, len(files), sum(f.stat().st_size for f in files), len(stale))


def clear() -> int:
    """Remove every cache entry (all theory versions); return the number of files removed."""
    root = cache_root()
    if root is None or not root.is_dir():
        return 0
    removed = 0
    for sub in root.iterdir():
        if sub.is_dir():
            for f in sub.iterdir():
                if f.suffix == ".pickle" or f.name.startswith(".tmp-"):
                    f.unlink(missing_ok=True)
                    removed += 1
            try:
                sub.rmdir()
            except OSError:  # a concurrent process is writing into it: leave the directory
                pass
    return removed
