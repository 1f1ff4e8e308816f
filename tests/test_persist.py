"""The persistent derivation cache: derive once, load later, never return a corrupt or stale entry."""

from __future__ import annotations

import dataclasses
import pickle

import pytest

from theory import persist

_CALLS: list[int] = []


@persist.persistent
def _square(x: int) -> int:
    _CALLS.append(x)
    return x * x


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("MODSPEC_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("MODSPEC_NO_CACHE", raising=False)
    _square.cache_clear()
    _CALLS.clear()
    return tmp_path


def _entries(root):
    return sorted(root.glob("*/*.pickle"))


def _new_process():
    """What a later process sees: an empty in-memory memo, the same disk."""
    _square.cache_clear()


def test_second_process_loads_instead_of_deriving(cache):
    assert _square(7) == 49 and _CALLS == [7]
    _new_process()
    assert _square(7) == 49 and _CALLS == [7]
    assert len(_entries(cache)) == 1


@pytest.mark.parametrize("damage", [
    lambda b: b[: len(b) // 2],                      # truncated (a crash mid-write without os.replace)
    lambda b: b[:-1] + bytes([b[-1] ^ 1]),           # one flipped bit in the payload
    lambda b: b"garbage",                            # not an entry at all
    lambda b: b"",                                   # empty file
])
def test_corrupt_entry_is_rebuilt_not_returned(cache, damage):
    _square(6)
    (entry,) = _entries(cache)
    entry.write_bytes(damage(entry.read_bytes()))
    _new_process()
    assert _square(6) == 36 and _CALLS == [6, 6]
    _new_process()
    assert _square(6) == 36 and _CALLS == [6, 6]  # the rebuilt entry is intact again


def test_entry_of_another_key_is_not_returned(cache):
    _square(2)
    _square(3)
    a, b = _entries(cache)
    a.write_bytes(b.read_bytes())  # intact file, wrong key
    _new_process()
    assert (_square(2), _square(3)) == (4, 9)


def _tamper(entry, value):
    key, _ = pickle.loads(entry.read_bytes().split(b"\n", 2)[2])
    entry.write_bytes(persist._encode(key, value))


def test_fresh_reports_a_stored_entry_that_differs_from_the_derivation(cache):
    _square(5)
    (entry,) = _entries(cache)
    _tamper(entry, 26)  # well-formed entry with a wrong value
    _new_process()
    assert _square(5) == 26  # outside fresh() the cache is trusted...
    with persist.fresh() as audit:
        assert _square(5) == 25  # ...inside, every call derives
    assert audit.compared == 1 and len(audit.mismatches) == 1, audit
    _new_process()
    assert _square(5) == 25  # and the wrong entry was replaced


def test_fresh_finds_no_mismatch_in_an_honest_cache(cache):
    _square(4)
    _new_process()
    with persist.fresh() as audit:
        _square(4)
        _square(4)
    assert audit.compared == 1 and audit.mismatches == [] and _CALLS == [4, 4]


def test_equal_arguments_of_different_types_are_separate_entries(cache):
    # 1 == True == 1.0 and 0.0 == -0.0 hash alike; the in-memory memo must not confuse them
    results = [_square(x) for x in (1, True, 1.0, 0.0, -0.0)]
    assert [type(v) for v in results] == [int, int, float, float, float]
    assert [type(v) for v in _CALLS] == [int, bool, float, float, float] and len(_entries(cache)) == 5
    _new_process()
    assert repr(_square(-0.0)) == "0.0" and repr(_square(True)) == "1" and len(_CALLS) == 5


@dataclasses.dataclass(frozen=True)
class _Box:
    value: object


@persist.persistent
def _unbox(box: _Box) -> object:
    _CALLS.append(box.value)
    return box.value


def test_dataclass_arguments_with_equal_fields_of_different_types_are_separate_entries(cache):
    # frozen dataclasses compare field by field with ==, so _Box(1) == _Box(1.0) == _Box(True): the
    # memo looks inside them (datasets and modules are frozen dataclasses)
    _unbox.cache_clear()
    _CALLS.clear()
    assert [type(_unbox(_Box(x))) for x in (1, 1.0, True)] == [int, float, bool] and len(_CALLS) == 3


class _Printed:
    """An argument that counts how often it is printed (the disk key is its repr)."""

    count = 0

    def __repr__(self):
        _Printed.count += 1
        return "_Printed()"

    def __hash__(self):
        return 0

    def __eq__(self, other):
        return isinstance(other, _Printed)


@persist.persistent
def _identity(x):
    return 1


def test_memory_hits_do_not_print_their_arguments(cache):
    _identity.cache_clear()
    _Printed.count = 0
    _identity(_Printed())
    printed = _Printed.count
    for _ in range(10):
        _identity(_Printed())
    assert printed >= 1 and _Printed.count == printed


def test_fresh_derives_each_key_once_even_after_memory_hits(cache):
    _square(8)
    _square(8)
    with persist.fresh() as audit:
        _square(8)
        _square(8)
    assert _CALLS == [8, 8] and audit.compared == 1 and audit.mismatches == []


def test_disabled_cache_writes_nothing(cache, monkeypatch):
    monkeypatch.setenv("MODSPEC_NO_CACHE", "1")
    assert persist.cache_dir() is None
    _square(3)
    _new_process()
    _square(3)
    assert _CALLS == [3, 3] and _entries(cache) == []


def test_writes_leave_no_temporary_files(cache):
    for x in range(5):
        _square(x)
    assert not list(cache.glob("*/.tmp-*"))


def test_clear_removes_every_entry_and_info_counts_them(cache):
    _square(1)
    _square(2)
    assert persist.info().entries == 2
    assert persist.clear() == 2
    assert persist.info().entries == 0 and _entries(cache) == []


def test_derivations_load_equal_to_fresh_ones(cache):
    from theory.observables import _derive_observables, derive_observables

    _derive_observables.cache_clear()  # earlier tests may have derived it in-process, before this cache existed
    first = derive_observables("split")  # derived and stored in this test's cache
    _derive_observables.cache_clear()
    with persist.fresh() as audit:
        again = derive_observables("split")
    assert again == first and audit.compared >= 1 and audit.mismatches == [], audit


def test_cli_cache_info_and_clear(cache, capsys):
    from proofs.cli import main

    _square(9)
    assert main(["cache", "info"]) == 0
    assert "1 entry," in capsys.readouterr().out
    assert main(["cache", "clear"]) == 0
    assert "removed 1 cached derivation file(s)" in capsys.readouterr().out
    assert _entries(cache) == []


def test_verify_reports_a_tampered_derivation_and_exits_1_then_replaces_it(cache, capsys):
    # A well-formed stored derivation with another derivation's value: verify derives afresh, names the entry
    # it replaced on its cache line and exits 1; the next run finds the cache honest and exits 0.
    from proofs.cli import main

    argv = ["verify", "--theorem", "T2", "--samples", "2", "--no-simulate", "--quiet"]
    assert main(argv) == 0
    capsys.readouterr()
    entries = _entries(cache)
    decoded = [pickle.loads(e.read_bytes().split(b"\n", 2)[2]) for e in entries]
    # the channel derivation's entry gets the value of another derivation
    i = next(i for i, (key, _) in enumerate(decoded) if key.startswith("theory.channels._derive_channels"))
    j = next(j for j, (key, _) in enumerate(decoded) if not key.startswith("theory.channels._derive_channels"))
    entries[i].write_bytes(persist._encode(decoded[i][0], decoded[j][1]))
    code, out = main(argv), capsys.readouterr().out
    line = next(x for x in out.splitlines() if x.startswith("derivation cache:"))
    assert code == 1 and "differ from the fresh ones (replaced): " in line, out
    assert "theory.channels._derive_channels" in line.split("(replaced): ", 1)[1], line  # names what was replaced
    assert main(argv) == 0 and "stored derivations equal the fresh ones" in capsys.readouterr().out


def test_a_cache_directory_that_does_not_exist_yet_is_created(tmp_path, monkeypatch):
    root = tmp_path / "not" / "yet" / "there"
    monkeypatch.setenv("MODSPEC_CACHE_DIR", str(root))
    monkeypatch.delenv("MODSPEC_NO_CACHE", raising=False)
    _square.cache_clear()
    assert _square(7) == 49
    assert len(_entries(root)) == 1
