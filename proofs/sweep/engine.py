"""Running a sweep: chunks of tasks on Dask (or in this process), results stored as they arrive.

Execution
---------
* ``workers=None`` (default): a ``distributed.LocalCluster`` of one
  single-threaded worker process per core; ``workers=N`` sets the number.
* ``scheduler="tcp://host:8786"``: an existing Dask cluster; the workers must
  have modspec installed (they import the task functions), but need no access
  to ``out``: results travel back to this process, the only writer.
* ``workers=0``: no Dask, every task in this process (reports, debugging).

Chunks
------
Each Dask task runs a *chunk* of grid points (:func:`run_chunk`), so the
scheduler's per-task cost (a few milliseconds of round trip, measured by
``benchmarks/bench_sweep.py``) is paid once per chunk. Chunk sizes adapt:
the first chunk of each worker holds one point; afterwards a chunk holds
``TARGET_CHUNK_SECONDS`` of work at the median task time seen so far, and
never more than an even share of what is left, so the workers finish
together. Two chunks per worker are in flight, so a worker never waits for
the client. The points are taken in a fixed shuffled order so that cheap and
expensive points mix in every chunk (the median stays representative).

Nothing lost
------------
A chunk's records are written to the store (:mod:`proofs.sweep.store`) in one
transaction as soon as it returns. When a worker dies, the scheduler reruns
its chunks on another worker; the store's primary key makes a result
impossible to duplicate, and a chunk that kills workers repeatedly is recorded
as failed. A task that raises is recorded as failed with its error inside its
chunk; the other points go on. On Ctrl-C the committed chunks stay;
``resume=True`` skips every point already done.
"""

from __future__ import annotations

import logging
import math
import os
import random
import socket
import statistics
import time
from collections import deque
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

from proofs.sweep.spec import SweepSpec, TaskPoint, modspec_version
from proofs.sweep.store import Record, ResultStore
from proofs.sweep.tasks import get_task

__all__ = ["SweepSummary", "run_sweep", "run_sweep_records", "run_chunk", "chunk_size", "TARGET_CHUNK_SECONDS"]

#: Work per chunk. The scheduler's round trip per Dask task is about 5-10 ms
#: on a local cluster (measured by benchmarks/bench_sweep.py); 1 s of work per
#: chunk keeps it near 1%, ten times below the 10% budget, leaving room for
#: slower networks, while Ctrl-C loses at most about a second per worker.
TARGET_CHUNK_SECONDS = 1.0
#: Chunks in flight per worker: one running, one queued behind it.
IN_FLIGHT_PER_WORKER = 2
#: Most failures listed in a summary (all are in the store).
SHOWN_FAILURES = 10
#: Dask configuration variable of distributed's log level (read by worker processes at start).
_LOG_ENV = "DASK_LOGGING__DISTRIBUTED"
#: Seconds to wait for an existing scheduler to answer.
CONNECT_TIMEOUT = 10


@dataclass(frozen=True)
class SweepSummary:
    """What one run of a sweep did.

    ``skipped`` points were already done in the store (``resume``); ``done``
    and ``failed`` count this run's results; ``duplicates`` counts results that
    arrived twice for one point (always 0 unless Dask delivered a chunk twice;
    the store keeps one row either way). ``task_seconds`` is the time spent
    inside tasks, summed over workers; ``wall_seconds`` the elapsed time
    after the workers were up (``startup_seconds`` before).
    """

    task: str
    out: str | None
    total: int
    skipped: int
    done: int
    failed: int
    duplicates: int
    chunks: int
    workers: int
    wall_seconds: float
    task_seconds: float
    startup_seconds: float
    failures: tuple[tuple[dict, str], ...] = ()

    @property
    def ok(self) -> bool:
        """True when every point of the grid is done."""
        return self.failed == 0 and self.skipped + self.done == self.total

    @property
    def overhead(self) -> float:
        """Scheduling overhead as a fraction of the work: ``(workers * wall - task time) / task time``.

        Includes waiting at the end (the last chunks finish at different times)
        and the client's writes; NaN when nothing ran.
        """
        if self.task_seconds <= 0:
            return math.nan
        return (self.workers * self.wall_seconds - self.task_seconds) / self.task_seconds

    def to_json(self) -> dict[str, Any]:
        """JSON-friendly summary (the schema of ``modspec sweep --json``)."""
        over = self.overhead
        return {"task": self.task, "out": self.out, "ok": self.ok, "total": self.total, "skipped": self.skipped,
                "done": self.done, "failed": self.failed, "duplicates": self.duplicates, "chunks": self.chunks,
                "workers": self.workers, "wall_seconds": self.wall_seconds, "task_seconds": self.task_seconds,
                "startup_seconds": self.startup_seconds, "overhead": None if math.isnan(over) else over,
                "failures": [{"params": p, "error": e} for p, e in self.failures]}


# --------------------------------------------------------------------------- worker side
def _worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def run_chunk(task_name: str, points: Sequence[TaskPoint], version: str, *, fail_fast: bool = False,
              threads: int | None = None) -> list[Record]:
    """Run the points of one chunk (on a worker); a raising point becomes a ``failed`` record.

    Only ``Exception`` is caught: Ctrl-C and a dying process still stop the
    chunk. With ``fail_fast`` nothing is caught (in-process runs that need
    every point, such as the report's). ``threads``: the simulator's threads
    (``numeric.simulate.simulation_threads``; 1 on the workers of a cluster,
    which already share the cores; None: its default).
    """
    from numeric.simulate import simulation_threads

    with simulation_threads(threads):
        return _run_points(task_name, points, version, fail_fast)


def _run_points(task_name: str, points: Sequence[TaskPoint], version: str, fail_fast: bool) -> list[Record]:
    task, who, out = get_task(task_name), _worker_name(), []
    for p in points:
        start = time.perf_counter()
        try:
            result, error, status = task.run(p.params), None, "done"
        except Exception as err:  # noqa: BLE001 - a failing point is data, not a crash of the sweep
            if fail_fast:
                raise
            result, error, status = None, f"{type(err).__name__}: {err}", "failed"
        out.append(Record(p.key, p.index, task_name, version, p.params, p.info, status, result, error,
                          time.perf_counter() - start, who))
    return out


# --------------------------------------------------------------------------- chunking
def chunk_size(task_seconds: Sequence[float], remaining: int, workers: int, fixed: int | None = None) -> int:
    """Points in the next chunk: ``TARGET_CHUNK_SECONDS`` at the median task time, at most a fair share.

    Parameters
    ----------
    task_seconds : sequence of float
        Durations of the tasks finished so far (empty before the first result).
    remaining : int
        Points not yet submitted.
    workers : int
        Worker threads of the cluster.
    fixed : int, optional
        The spec's ``chunk_size``, used as is (capped by ``remaining``).
    """
    if remaining <= 0:
        return 0
    if fixed is not None:
        return min(fixed, remaining)
    if not task_seconds:
        return 1
    median = max(statistics.median(task_seconds), 1e-6)
    share = math.ceil(remaining / (IN_FLIGHT_PER_WORKER * max(workers, 1)))
    return max(1, min(math.ceil(TARGET_CHUNK_SECONDS / median), share))


# --------------------------------------------------------------------------- driver
@dataclass
class _Tally:
    """Mutable counters of the driver loop (private to :func:`run_sweep`)."""

    total: int
    skipped: int
    done: int = 0
    failed: int = 0
    duplicates: int = 0
    chunks: int = 0
    task_seconds: float = 0.0
    seen: set = field(default_factory=set)
    durations: list = field(default_factory=list)
    failures: list = field(default_factory=list)

    def add(self, store: ResultStore, records: list[Record]) -> None:
        fresh = [r for r in records if r.key not in self.seen]
        self.duplicates += len(records) - len(fresh)
        store.write(fresh)
        self.chunks += 1
        for r in fresh:
            self.seen.add(r.key)
            self.task_seconds += r.seconds
            self.durations.append(r.seconds)
            if r.status == "done":
                self.done += 1
            else:
                self.failed += 1
                if len(self.failures) < SHOWN_FAILURES:
                    self.failures.append((r.params, r.error or ""))

    @property
    def remaining(self) -> int:
        return self.total - self.skipped - self.done - self.failed


def _failed_chunk(task: str, points: Sequence[TaskPoint], version: str, err: BaseException) -> list[Record]:
    """Records for a chunk that Dask gave up on (e.g. it killed its worker too often)."""
    msg = f"{type(err).__name__}: {err}"
    return [Record(p.key, p.index, task, version, p.params, p.info, "failed", None, msg, 0.0, "scheduler")
            for p in points]


@contextmanager
def _quiet_distributed() -> Iterator[None]:
    """Keep distributed's log (worker restarts, shutdown chatter) off the terminal during a sweep.

    Worker processes configure their logging from the environment when they
    import distributed, hence the variable (inherited by the processes the
    local cluster spawns, restored afterwards).
    """
    logger = logging.getLogger("distributed")
    level, env = logger.level, os.environ.get(_LOG_ENV)
    logger.setLevel(logging.CRITICAL)
    os.environ[_LOG_ENV] = "critical"
    try:
        yield
    finally:
        logger.setLevel(level)
        if env is None:
            os.environ.pop(_LOG_ENV, None)
        else:
            os.environ[_LOG_ENV] = env


def _client(stack: ExitStack, scheduler: str | None, workers: int | None) -> Any:
    from distributed import Client, LocalCluster

    if scheduler is not None:
        try:
            return stack.enter_context(Client(scheduler, timeout=CONNECT_TIMEOUT, set_as_default=False))
        except (OSError, TimeoutError) as err:
            raise ValueError(f"scheduler {scheduler!r} could not be reached within {CONNECT_TIMEOUT} s: {err}") from None
    n = workers if workers is not None else (os.cpu_count() or 1)
    # ":0": the scheduler's HTTP server on a free port (with None it still tries 8787, which another cluster may hold)
    cluster = stack.enter_context(LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                               dashboard_address=":0"))
    return stack.enter_context(Client(cluster, set_as_default=False))


def _check_run_options(scheduler: Any, workers: Any) -> None:
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or not 0 <= workers <= 1024):
        raise ValueError(f"workers must be an integer in [0, 1024] (0: in this process, no Dask); got {workers!r}")
    if scheduler is not None:
        if not isinstance(scheduler, str) or not scheduler.strip():
            raise ValueError(f"scheduler must be an address like tcp://host:8786; got {scheduler!r}")
        if workers is not None:
            raise ValueError("workers sets the size of the local cluster; it cannot be combined with scheduler "
                             "(the existing cluster has its own workers)")


def _run_serial(task: str, todo: deque, version: str, store: ResultStore, tally: _Tally,
                report: Callable[[], None], fail_fast: bool) -> None:
    while todo:
        tally.add(store, run_chunk(task, [todo.popleft()], version, fail_fast=fail_fast))
        report()


def _run_dask(client: Any, spec: SweepSpec, todo: deque, version: str, store: ResultStore, tally: _Tally,
              report: Callable[[], None]) -> int:
    from distributed import as_completed

    workers = max(1, sum(client.nthreads().values()))
    running: dict[Any, list[TaskPoint]] = {}

    def submit() -> Any:
        size = chunk_size(tally.durations, len(todo), workers, spec.chunk_size)
        chunk = [todo.popleft() for _ in range(size)]
        fut = client.submit(run_chunk, spec.task, chunk, version, threads=1, pure=False)
        running[fut] = chunk
        return fut

    pending = as_completed([submit() for _ in range(min(len(todo), IN_FLIGHT_PER_WORKER * workers))],
                           loop=client.loop)
    try:
        for fut in pending:
            chunk = running.pop(fut)
            if fut.status == "finished":
                records = fut.result()
            else:  # the scheduler gave up on this chunk (KilledWorker) or it could not be run
                err = fut.exception() if fut.status == "error" else RuntimeError(f"chunk {fut.status}")
                records = _failed_chunk(spec.task, chunk, version, err)
            tally.add(store, records)
            report()
            if todo:
                pending.add(submit())
    finally:
        for fut in running:
            fut.cancel()
    return workers


def run_sweep(
    spec: SweepSpec,
    out: str | Path | None,
    *,
    scheduler: str | None = None,
    workers: int | None = None,
    resume: bool = False,
    progress: bool = True,
    on_result: Callable[[int, int, int], None] | None = None,
) -> SweepSummary:
    """Run every point of ``spec`` not yet done, writing each chunk's results to the store in ``out``.

    Parameters
    ----------
    spec : SweepSpec
        The validated spec (:func:`~proofs.sweep.load_spec`).
    out : path
        Output directory of the store (created if missing). For an in-memory
        run whose rows are returned instead, see :func:`run_sweep_records`.
    scheduler : str, optional
        Address of an existing Dask scheduler; default a local cluster.
    workers : int, optional
        Local worker processes (default one per core); 0 runs in this process.
    resume : bool
        Continue an existing store: skip the points already done (failed ones
        are retried). Without it, a non-empty store is refused.
    progress : bool
        Show a progress bar (tqdm, on terminals only) with done / failed / remaining.
    on_result : callable, optional
        ``on_result(done, failed, remaining)`` after every stored chunk.

    Returns
    -------
    SweepSummary

    Raises
    ------
    ValueError
        Bad options, an unreachable scheduler, or a non-empty store without ``resume``.
    KeyboardInterrupt
        After Ctrl-C, once the running chunks are cancelled and the cluster is
        closed; everything written stays in the store.
    """
    _check_run_options(scheduler, workers)  # before the output directory is created
    store = ResultStore(out)
    try:
        return _run(spec, store, scheduler=scheduler, workers=workers, resume=resume, progress=progress,
                    on_result=on_result, fail_fast=False)
    finally:
        store.close()


def run_sweep_records(spec: SweepSpec, *, progress: bool = False) -> tuple[SweepSummary, list[dict[str, Any]]]:
    """Run ``spec`` in this process with an in-memory store and return the summary and the stored rows.

    The first task that raises stops the run with its own exception (a
    caller that needs every point, like the report, gets the library's error).
    """
    store = ResultStore(None)
    try:
        summary = _run(spec, store, scheduler=None, workers=0, resume=False, progress=progress, on_result=None,
                       fail_fast=True)
        return summary, store.rows()
    finally:
        store.close()


def _run(spec: SweepSpec, store: ResultStore, *, scheduler: str | None, workers: int | None, resume: bool,
         progress: bool, on_result: Callable[[int, int, int], None] | None, fail_fast: bool) -> SweepSummary:
    from tqdm import tqdm

    _check_run_options(scheduler, workers)
    version = modspec_version()
    points = spec.points(version)
    if store.count() and not resume:
        raise ValueError(f"out {str(store.path.parent)!r} already holds {store.count()} results; pass resume "
                         f"(--resume) to continue that sweep, or choose another out directory")
    stored = store.get_meta("spec")
    if store.count() and stored is not None and stored.get("task") != spec.task:
        # a resumed sweep may extend its grid, but rows of another task would mix with its own
        raise ValueError(f"out {str(store.path.parent)!r} holds results of task {stored.get('task')!r}; resume "
                         f"continues a sweep of that task, not {spec.task!r}: choose another out directory")
    done = store.done_keys()
    todo_list = [p for p in points if p.key not in done]
    random.Random(0).shuffle(todo_list)  # fixed order: cheap and expensive points mix in every chunk
    todo = deque(todo_list)
    store.set_meta("spec", spec.to_dict())
    store.set_meta("version", version)
    tally = _Tally(total=len(points), skipped=len(points) - len(todo))
    bar = tqdm(total=tally.total, initial=tally.skipped, desc=f"sweep {spec.task}", unit="task",
               disable=True if not progress else None, leave=False)

    def report() -> None:
        bar.n = tally.skipped + tally.done + tally.failed
        bar.set_postfix_str(f"done={tally.skipped + tally.done} failed={tally.failed} remaining={tally.remaining}",
                            refresh=False)
        bar.refresh()
        if on_result is not None:
            on_result(tally.skipped + tally.done, tally.failed, tally.remaining)

    start = time.perf_counter()
    n_workers = 1
    with ExitStack() as stack:
        stack.callback(bar.close)
        if todo and workers != 0:
            stack.enter_context(_quiet_distributed())
            client = _client(stack, scheduler, workers)
            start_work = time.perf_counter()
            n_workers = _run_dask(client, spec, todo, version, store, tally, report)
        else:
            start_work = time.perf_counter()
            _run_serial(spec.task, todo, version, store, tally, report, fail_fast)
        wall = time.perf_counter() - start_work
    return SweepSummary(
        spec.task, None if store.path is None else str(store.path.parent), tally.total, tally.skipped, tally.done,
        tally.failed, tally.duplicates, tally.chunks, n_workers, wall, tally.task_seconds, start_work - start,
        tuple(tally.failures),
    )
