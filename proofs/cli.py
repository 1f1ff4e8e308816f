"""The ``modspec`` command line: parse, call one library function, print, exit.

Exit status: 0 when everything checked passes, 1 when a theorem or comparison
fails or numerical trouble is found, 2 on bad usage (one line on stderr, no
traceback), 130 on SIGINT and 143 on SIGTERM (one line, no partial files).

Adding a command: write ``_cmd_<name>(args) -> int`` (validate every flag
first, call one library function, print), add its parser in
:func:`build_parser` (``_progress_flags`` for long runs) and register it in
``COMMANDS``.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
from collections.abc import Iterator, Sequence as SequenceABC
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence

from proofs import limits
from proofs.progress import HEARTBEAT_SECONDS
from proofs.signals import Interrupted, handle_signals, received
from theory.architectures import ARCHITECTURES
from theory.dataset import SELECTION
from theory.readout import READOUT
from theory.family import KINDS, Family
from theory.examples import DEFAULT
from theory import persist

if TYPE_CHECKING:  # each command imports what it needs when it runs: `modspec --help` and `spectrum` stay cheap
    from proofs.progress import ProgressBar
    from proofs.records import VerifyReport
    from proofs.spectrum import SpectrumReport
    from proofs.theorem import Theorem

__all__ = ["main", "build_parser"]


class _Keys(SequenceABC):
    """The keys of a registry, imported only when argparse checks or lists them (choices of a flag).

    The registries of experiments and of family catalogues import every claim or experiment module;
    a command that does not use them should not pay for that.
    """

    def __init__(self, module: str, name: str) -> None:
        self._where = (module, name)

    def _keys(self) -> list[str]:
        return list(getattr(import_module(self._where[0]), self._where[1]))

    def __getitem__(self, i: Any) -> Any:
        return self._keys()[i]

    def __len__(self) -> int:
        return len(self._keys())

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys())

    def __contains__(self, key: object) -> bool:
        return key in self._keys()


_EXPERIMENTS = _Keys("proofs.empirical", "EXPERIMENTS")
_FAMILIES = _Keys("proofs.catalogue", "FAMILY_CATALOGUES")


class UsageError(Exception):
    """Bad command-line input: reported on one line with exit status 2."""


def _dataset_flags(p: argparse.ArgumentParser, required: bool = True, families: tuple[Family, ...] = (SELECTION,)) -> None:
    """One flag per parameter of the families (from their descriptions); defaults from DEFAULT if not required."""
    g = p.add_argument_group("dataset " + " or ".join(f.title for f in families))
    names: list[str] = []
    for prm in (prm for fam in families for prm in fam.parameters):
        if prm.name in names:
            continue
        names.append(prm.name)
        default = None if required or prm.optional else getattr(DEFAULT, prm.name)
        g.add_argument(f"--{prm.name}", type=KINDS[prm.kind].cli_type, default=default if prm.kind != "real" else
                       (None if default is None else str(default)),
                       required=required and len(families) == 1 and not prm.optional,
                       help=f"{prm.help}: {prm.domain()}")
    p.set_defaults(dataset_flags=tuple(names), families=families)


def _dataset(args: argparse.Namespace) -> Any:
    """The dataset the flags describe: a later family when one of its own flags is given, else the first."""
    given = {name: getattr(args, name) for name in args.dataset_flags if getattr(args, name) is not None}
    family, base = args.families[0], {p.name for p in args.families[0].parameters}
    for other in args.families[1:]:
        if set(given) & ({p.name for p in other.parameters} - base):
            family = other
    extra = sorted(set(given) - {p.name for p in family.parameters})
    if extra:
        raise UsageError(f"--{extra[0]} does not apply to {family.title}")
    return family.from_options(given)


def _print_json(obj: Any) -> None:
    print(json.dumps(obj, indent=2, allow_nan=False))


def _progress_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--quiet", action="store_true", help="no progress output at all")
    p.add_argument("--progress", nargs="?", type=float, const=HEARTBEAT_SECONDS, default=None, metavar="SECONDS",
                   help=f"when stderr is not a terminal, print a progress line (fraction, rate, ETA) every SECONDS "
                        f"(default {HEARTBEAT_SECONDS:g}); on a terminal a bar is drawn anyway")


def _bar(args: argparse.Namespace, label: str, unit: str = "it") -> ProgressBar:
    """The progress display a command's flags ask for (see proofs.progress)."""
    from proofs.progress import ProgressBar

    return ProgressBar(label, enabled=not args.quiet, unit=unit, heartbeat=args.progress)


def strength_label(mode: str) -> str:
    """Column name of a mode strength, as the report names it: ``pi1`` -> ``a1``, ``omega:pi1`` -> ``omega:a1``."""
    module, _, channel = mode.rpartition(":")
    name = "a" + channel[2:] if channel.startswith("pi") else channel
    return f"{module}:{name}" if module else name


# --------------------------------------------------------------------------- verify
def _sim_cell(t: Any) -> str:
    s = t.simulation
    if s is None:
        return "-"
    if s.worst_tolerance > 0:
        return f"{s.worst_deviation / s.worst_tolerance:.2f} of tol"
    return "exact" if s.worst_deviation == 0 else "FAILED"


def _format_verify(rep: VerifyReport) -> str:
    lines = [f"{'id':<4} {'theorem':<42} {'symbolic':<9} {'samples':>7} {'dps':>4} {'max residual':>13} "
             f"{'GD vs theory':>13}  status"]
    for t in rep.theorems:
        c = t.certified
        lines.append(
            f"{t.id:<4} {t.name:<42} {'proved' if t.symbolic else 'FAILED':<9} {c.samples:>7} {c.dps:>4} "
            f"{c.max_residual:>13.3g} {_sim_cell(t):>13}  {t.status}"
        )
        if not t.symbolic:
            lines.append(f"     {t.symbolic_message}")
        lines += [f"     {f}" for f in c.failures[:5]]
        if t.simulation is not None:
            lines += [f"     {f}" for f in t.simulation.failures[:5]]
    lines.append("'GD vs theory': largest deviation of simulated gradient descent from the theory, as a fraction "
                 "of its derived tolerance (worst check over the simulated datasets)")
    lines.append("all theorems verified" if rep.ok else "VERIFICATION FAILED")
    return "\n".join(lines)


def _verify_catalogue(args: argparse.Namespace) -> tuple:
    """The theorems ``verify`` checks: the family's, or the depth-L restatements with ``--depth``."""
    from proofs.catalogue import CATALOGUE, FAMILY_CATALOGUES, depth_catalogue

    if args.depth is None:
        if args.family != "selection":
            return FAMILY_CATALOGUES[args.family]
        return CATALOGUE if args.catalogue is None else args.catalogue
    if args.family != "selection":
        raise UsageError("--depth applies to the selection family only")
    return depth_catalogue(args.depth)


def _cmd_verify(args: argparse.Namespace) -> int:
    if args.empirical:
        return _cmd_verify_empirical(args)
    from proofs.verify import verify

    with _bar(args, "verify", "theorem") as bar, persist.fresh() as audit:
        # verify derives afresh and checks the derivation cache against it
        rep = verify(args.theorem or None, samples=args.samples, dps=args.dps, seed=args.seed,
                     simulate=not args.no_simulate, progress=lambda i, n, note: bar.update(i, n, note),
                     catalogue=_verify_catalogue(args))
    cache_line = (f"derivation cache: {len(audit.mismatches)} of {audit.compared} stored derivations differ from "
                  "the fresh ones (replaced): " + "; ".join(m.what[:120] for m in audit.mismatches)
                  if audit.mismatches else
                  f"derivation cache: {audit.compared} stored derivations equal the fresh ones")
    if args.json:  # the API's record as it is; a cache mismatch goes to stderr and the exit status
        _print_json(rep.to_json())
        if audit.mismatches:
            print(cache_line, file=sys.stderr)
    else:
        print(_format_verify(rep))
        print(cache_line)
    return 0 if rep.ok and not audit.mismatches else 1


# --------------------------------------------------------------------------- cache
def _cmd_cache(args: argparse.Namespace) -> int:
    if args.action == "clear":
        print(f"removed {persist.clear()} cached derivation file(s)")
        return 0
    info = persist.info()
    if info.root is None:
        print("derivation cache disabled (MODSPEC_NO_CACHE)")
        return 0
    print(f"derivation cache: {info.root}\ncurrent theory: {info.current.name}, "
          f"{info.entries} entr{'y' if info.entries == 1 else 'ies'}, "
          f"{info.bytes} bytes; {info.stale_dirs} stale director{'y' if info.stale_dirs == 1 else 'ies'}")
    return 0


# --------------------------------------------------------------------------- spectrum
def _format_spectrum(rep: SpectrumReport) -> str:
    d = rep.dataset
    lines = [f"D(n1={d.n1}, n2={d.n2}, k1={d.k1}, k2={d.k2}, r={d.r}), P = {d.P}"
             + (f", readout A = {[[str(x) for x in row] for row in d.readout]}" if d.family.name == "readout" else ""),
             f"{'mode':<6} {'mult':>5} {'pi':>21} {'lambda':>21} {'a*':>21}  pi exact"]
    for m in rep.modes:  # 15 significant digits: every difference from the exact value a float64 can show
        lines.append(f"{m.name:<6} {m.multiplicity:>5} {m.singular_value:>21.15g} {m.input_eigenvalue:>21.15g} "
                     f"{m.fixed_point:>21.15g}  {m.exact}")
    lines.append("input eigenvalues: " + ", ".join(f"{e.exact} (x{e.multiplicity})" for e in rep.input_eigenvalues))
    return "\n".join(lines)


def _cmd_spectrum(args: argparse.Namespace) -> int:
    from proofs.spectrum import spectrum_report

    rep = spectrum_report(_dataset(args))
    _print_json(rep.to_json()) if args.json else print(_format_spectrum(rep))
    return 0


# --------------------------------------------------------------------------- trajectory
def _every(args: argparse.Namespace) -> int:
    return args.every if args.every is not None else max(1, args.steps // 100)


def _format_series(t: Any, modes: dict, rho: Any, novel: Any, loss: Any = None) -> str:
    """One row per checkpoint: step, mode strengths (a1, ... or module:a1, ...), rho, novel error, loss."""
    names = list(modes)
    width = max([12] + [len(strength_label(n)) + 1 for n in names])
    head = (f"{'t':>10} " + " ".join(f"{strength_label(n):>{width}}" for n in names)
            + f" {'rho':>10} {'novel_err':>10}" + (f" {'loss':>10}" if loss is not None else ""))
    rows = [head]
    for i, step in enumerate(t):
        vals = " ".join(f"{modes[n][i]:>{width}.6g}" for n in names)
        tail = f" {loss[i]:>10.6g}" if loss is not None else ""
        rows.append(f"{int(step):>10} {vals} {_cell(rho[i]):>10} {_cell(novel[i]):>10}{tail}")
    return "\n".join(rows)


def _cell(x: Any) -> str:
    return "n/a" if x is None or x != x else f"{x:.6g}"  # NaN: undefined (rho where W_OO = 0)


def _check_training(args: argparse.Namespace, seeds: int = 1) -> int:
    """Validate the training flags before any work; returns the checkpoint interval."""
    from numeric.trajectory import check_training_args

    every = _every(args)
    check_training_args(args.lr, args.a0, args.steps, every)
    limits.check_checkpoints(args.steps, every, seeds)
    return every


def _cmd_trajectory(args: argparse.Namespace) -> int:
    from numeric.trajectory import half_times, theory_trajectory

    d = _dataset(args)
    _check_training(args)
    if args.depth is None:  # the default depth's bound, as the simulator documents it
        limits.check_stable_lr(d, args.arch, args.lr, a0=args.a0)
    traj = theory_trajectory(d, args.arch, lr=args.lr, a0=args.a0, steps=args.steps, every=_every(args),
                             depth=args.depth)
    halves = half_times(d, args.arch, lr=args.lr, a0=args.a0, depth=args.depth) if args.half_times else None
    if args.json:
        data = traj.to_json()
        if halves is not None:
            data["half_times"] = halves
        _print_json(data)
    else:
        print(f"{args.arch} network on D(n1={d.n1}, n2={d.n2}, k1={d.k1}, k2={d.k2}, r={d.r}), lr={args.lr}, a0={args.a0}")
        print(_format_series(traj.t, traj.modes, traj.rho, traj.novel_error, getattr(traj, "loss", None)))
        c = traj.converged
        print(f"limit t -> infinity (converged): rho={c['rho']:.6g}, novel error={c['novel_error']:.6g}, "
              + ", ".join(f"||W_{k}||={v:.6g}" for k, v in c["block_norms"].items()))
        if halves is not None:
            print("half-learning times (steps): " + ", ".join(f"{k}={v:.6g}" for k, v in halves.items()))
    return 0


def _training_flags(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("training")
    g.add_argument("--arch", required=True, choices=list(ARCHITECTURES), help="network architecture")
    g.add_argument("--lr", type=float, default=0.05, help="gradient-descent step eta > 0 (tau = 1/eta; default 0.05)")
    g.add_argument("--a0", type=float, default=1e-3, help="initial mode strength a0 > 0 (default 1e-3)")
    g.add_argument("--steps", type=int, default=1000, help="gradient steps T >= 0 (default 1000)")
    g.add_argument("--every", type=int, default=None,
                   help=f"checkpoint interval K >= 1 (default steps/100); at most {limits.MAX_CHECKPOINTS} checkpoints")
    g.add_argument("--depth", type=int, default=None,
                   help="layers L of every module, 1..6 (default: the architecture's own, 2; 1 for shallow)")


# --------------------------------------------------------------------------- simulate
def _cmd_simulate(args: argparse.Namespace) -> int:
    from proofs.simulation import COMPARISON, simulation_report

    d = _dataset(args)
    limits.check_seeds(args.seeds)
    every = _check_training(args, args.seeds)
    limits.check_init_scale(args.init_scale)
    limits.check_hidden(args.hidden)
    limits.check_threads(args.threads)
    with _bar(args, "simulate", "step") as bar:
        rep = simulation_report(d, args.arch, lr=args.lr, a0=args.a0, steps=args.steps, every=every,
                                seeds=args.seeds, init=args.init, init_scale=args.init_scale, hidden=args.hidden,
                                depth=args.depth, progress=bar.update, threads=args.threads)
    if args.json:
        _print_json(rep.to_json())
        return 0
    sim = rep.simulation
    print(f"{args.arch} network, {args.init} init, {args.seeds} seed(s), lr={args.lr}, on "
          f"D(n1={d.n1}, n2={d.n2}, k1={d.k1}, k2={d.k2}, r={d.r}); mean over seeds:")
    mean = {k: v.mean(axis=0) for k, v in sim.modes.items()}
    loss = getattr(sim, "loss", None)
    print(_format_series(sim.t, mean, sim.rho.mean(axis=0), sim.novel_error.mean(axis=0),
                         None if loss is None else loss.mean(axis=0)))  # as in --json
    if rep.above_bound:
        print(f"note: lr is at or above the stability bound {min(map(float, sim.bound)):.6g}; the run did not "
              "diverge, but the closed-form theory does not describe it (no comparison)")
    else:
        print(f"compared with {COMPARISON.get(args.init, COMPARISON['random'])}")
    print("largest deviation from theory over seeds (abs / rel; spectral init: mode strengths over every step, "
          "the rest at checkpoints):")
    dev = rep.deviation()
    for k, v in dev["modes"].items():
        print(f"  {'strength ' + strength_label(k):>22} {_fmt(v['abs'])} / {_fmt(v['rel'])}")
    for k, v in dev["block_norms"].items():
        print(f"  {'||W_' + k + '||':>22} {_fmt(v['abs'])} / {_fmt(v['rel'])}")
    for k in ("rho", "novel_error"):
        print(f"  {k:>22} {_fmt(dev[k]['abs'])} / {_fmt(dev[k]['rel'])}")
    return 0


def _fmt(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.3g}"


# --------------------------------------------------------------------------- report
def _cmd_report(args: argparse.Namespace) -> int:
    from proofs.report.pipeline import make_report  # matplotlib loads only for reports

    d = _dataset(args)
    limits.check_seeds(args.seeds)  # make_report validates everything else before any work
    stages = 2 + 2 * len(ARCHITECTURES) + 1 + 2 + len(ARCHITECTURES) + 1  # ... + held-out curves per arch, T11 table
    done = [0]
    with _bar(args, "report", "stage") as bar:
        def announce(msg: str) -> None:
            bar.update(done[0], stages, msg)
            done[0] += 1

        paths = make_report(args.out, d, lr=args.lr, steps=args.steps, seeds=tuple(range(args.seeds)), a0=args.a0,
                            every=args.every, samples=args.samples, dps=args.dps, seed=args.seed,
                            formats=args.format, progress=announce)
    for path in paths:
        print(path)
    return 0


# --------------------------------------------------------------------------- heldout
def _items(text: str) -> list[int]:
    try:
        return [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise UsageError(f"train must be comma-separated item indices such as 0,3,5; got {text!r}") from None


def _format_heldout(rep: Any) -> str:
    d = rep.dataset
    lines = [f"D(n1={d.n1}, n2={d.n2}, k1={d.k1}, k2={d.k2}, r={d.r}): train on items {list(d.train_items)}, "
             f"test on {list(d.heldout_items)} (seed {rep.seed})",
             "errors: squared error summed over the compositional (omega) / identity (gamma) output units"]
    for a in rep.archs:
        lines.append(f"{a.arch}: gradient descent {a.steps} steps, lr {a.lr:.4g}, distance from least squares "
                     f"<= {a.distance:.2g}")
        lines.append(f"  {'item':>4} {'code':<14} {'omega theory':>13} {'omega GD':>12} {'gamma theory':>13} "
                     f"{'gamma GD':>12}")
        for r in a.rows:
            lines.append(f"  {r.item:>4} {str(r.code):<14} {r.theory_omega:>13.8g} {r.gd_omega:>12.8g} "
                         f"{r.theory_gamma:>13.8g} {r.gd_gamma:>12.8g}")
        lines.append(f"  {'mean':>4} {'':<14} {a.mean('theory_omega'):>13.8g} {a.mean('gd_omega'):>12.8g} "
                     f"{a.mean('theory_gamma'):>13.8g} {a.mean('gd_gamma'):>12.8g}")
    return "\n".join(lines)


def _cmd_heldout(args: argparse.Namespace) -> int:
    from proofs.heldout import heldout_report

    train = None if args.train is None else _items(args.train)
    rep = heldout_report(_dataset(args), train=train, train_size=args.train_size, seed=args.seed,
                         archs=None if args.arch is None else [args.arch])
    _print_json(rep.to_json()) if args.json else print(_format_heldout(rep))
    if not rep.ok:
        raise ArithmeticError("gradient descent did not converge to the least-squares map on the training items")
    return 0


# --------------------------------------------------------------------------- fullrank
def _format_fullrank(rep: Any) -> str:
    lines = [rep.question, f"{'j':>5} {'exact':>24} {'decimal':>12}  estimate [95% Wilson interval]"]
    for row in rep.rows:
        exact = "-" if row.exact is None else str(row.exact)
        dec = "-" if row.exact is None else f"{float(row.exact):.10f}"
        e = row.estimate
        est = "-" if e is None else f"{e.value:.4f} [{e.low:.4f}, {e.high:.4f}] ({e.samples} draws, estimate)"
        lines.append(f"{row.j:>5} {exact:>24} {dec:>12}  {est}")
    if any(r.exact is not None for r in rep.rows):
        lines.append("method: exact rationals by Moebius inversion over the lattice of code-spanned subspaces")
    return "\n".join(lines)


def _cmd_fullrank(args: argparse.Namespace) -> int:
    from proofs.fullrank import fullrank_report

    rep = fullrank_report(args.n1, args.n2, args.j, estimate=args.estimate, samples=args.samples, seed=args.seed)
    _print_json(rep.to_json()) if args.json else print(_format_fullrank(rep))
    return 0


# --------------------------------------------------------------------------- experiment (issue 11)
def _cmd_verify_empirical(args: argparse.Namespace) -> int:
    from proofs.empirical import verify_empirical

    with _bar(args, "verify --empirical") as bar:
        rep = verify_empirical(args.theorem or None, budget=args.budget, progress=bar.update)
    _print_json(rep.to_json()) if args.json else print(rep.to_text())
    return 0 if rep.ok else 1


def _cmd_experiment(args: argparse.Namespace) -> int:
    from proofs.empirical import EXPERIMENTS

    with _bar(args, f"experiment {args.which}") as bar:
        rep = EXPERIMENTS[args.which](seeds=args.seeds, progress=bar.update)
    _print_json(rep.to_json()) if args.json else print(rep.to_text())
    if args.out:
        from proofs.report.empirical import write_experiment  # matplotlib loads only for reports

        for path in write_experiment(args.out, rep):
            print(path, file=sys.stderr if args.json else sys.stdout)
    return 0


# --------------------------------------------------------------------------- sweep
def _cmd_sweep(args: argparse.Namespace) -> int:
    from proofs.sweep import load_spec, plot_sweep, run_sweep  # dask loads only for sweeps

    if args.spec is None and (args.plot is None or args.out is None):
        raise UsageError("give SPEC.toml to run a sweep, or --out DIR --plot X Y to plot stored results")
    out = args.out or f"sweep-{Path(args.spec).stem}"
    data: dict[str, Any] = {}
    if args.spec is not None:
        spec = load_spec(args.spec)
        try:
            summary = run_sweep(spec, out, scheduler=args.scheduler, workers=args.workers, resume=args.resume,
                                progress=not args.quiet)
        except KeyboardInterrupt:
            print(f"modspec sweep: interrupted; finished results are in {out}; continue with --resume",
                  file=sys.stderr)
            return 130
        data = summary.to_json()
    if args.plot is not None:
        data["plot"] = str(plot_sweep(out, *args.plot))
    if args.json:
        _print_json(data)
    else:
        if "total" in data:
            print(f"{data['task']}: {data['total']} tasks, {data['done']} done now, {data['skipped']} already done, "
                  f"{data['failed']} failed ({data['wall_seconds']:.1f} s on {data['workers']} worker(s)); "
                  f"results in {out} (proofs.sweep.load)")
            for f in data["failures"]:
                print(f"  failed {f['params']}: {f['error']}")
        if "plot" in data:
            print(data["plot"])
    return 0 if data.get("failed", 0) == 0 else 1


# --------------------------------------------------------------------------- parser
COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "verify": _cmd_verify,
    "spectrum": _cmd_spectrum,
    "trajectory": _cmd_trajectory,
    "simulate": _cmd_simulate,
    "report": _cmd_report,
    "fullrank": _cmd_fullrank,
    "heldout": _cmd_heldout,
    "experiment": _cmd_experiment,
    "sweep": _cmd_sweep,
    "cache": _cmd_cache,
}


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("modspec")
    except PackageNotFoundError:  # running from a source tree that is not installed
        return "unknown"


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``modspec`` (exposed for tests and docs)."""
    p = argparse.ArgumentParser(
        prog="modspec",
        description="Derive, certify and simulate the theory of module specialization in linear networks.",
        epilog="examples:\n"
               "  modspec verify                      prove and certify T1-T11\n"
               "  modspec spectrum --n1 3 --n2 2 --k1 1 --k2 1 --r 1\n"
               "  modspec trajectory --arch dense --n1 3 --n2 2 --k1 1 --k2 1 --r 1 --steps 2000\n"
               "  modspec simulate --arch split --n1 3 --n2 2 --k1 1 --k2 1 --r 1 --seeds 8 --json\n"
               "  modspec report --out report/\n"
               "  modspec experiment digits --seeds 10\n"
               "  modspec sweep examples/novel_error.toml --out novel/ --plot k1_r2_over_P novel_error\n"
               "exit status: 0 all checks pass, 1 a check fails or numerical trouble, 2 bad usage",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--version", action="version", version=f"modspec {_version()}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    v = sub.add_parser("verify", help="prove the theorems symbolically and certify them numerically",
                       description="Prove each theorem for symbolic parameters and certify it on sampled "
                                   "datasets (the degenerate ones always included) at high precision.")
    v.add_argument("--theorem", action="append", metavar="ID", help="theorem id (T1..T11); repeat for several; default all")
    v.add_argument("--family", choices=_FAMILIES, metavar="FAMILY", default="selection",
                   help="dataset family whose claims to verify: selection (T1-T11) or readout (T1, T2, T4-T6, T9 "
                        "for general linear outputs Y_Omega = A B on sampled rational A); default selection")
    v.add_argument("--depth", type=int, default=None,
                   help="verify the depth-dependent claims (T3, T5, T8, T9) restated for modules of L layers, "
                        "L = 2..6 (docs/theory.md section 8); default: the catalogue at its own depths")
    v.add_argument("--samples", type=int, default=20, help="sampled datasets per theorem (default 20)")
    v.add_argument("--dps", type=int, default=50, help="decimal digits of the certificates (default 50)")
    v.add_argument("--seed", type=int, default=0, help="seed of the dataset sampler (default 0)")
    v.add_argument("--no-simulate", action="store_true",
                   help="skip the gradient-descent checks of the training claims (T3-T10) and the Monte Carlo check of T11")
    v.add_argument("--json", action="store_true", help="print machine-readable JSON")
    _progress_flags(v)
    v.add_argument("--empirical", action="store_true",
                   help="run the empirical claims E1-E8 instead (ReLU modules, digits; statistics over seeds)")
    v.add_argument("--budget", choices=["ci", "short", "full"], default="short",
                   help="seeds and steps of --empirical: ci (3 seeds), short (5, default), full (10)")

    s = sub.add_parser("spectrum", help="singular values and input eigenvalues of one dataset",
                       description="Evaluate the derived spectrum (docs/theory.md section 2) on one dataset.")
    _dataset_flags(s, families=(SELECTION, READOUT))
    s.add_argument("--json", action="store_true", help="print machine-readable JSON")

    t = sub.add_parser("trajectory", help="the theory's prediction of one training run",
                       description="Closed-form mode strengths, block norms, rho and novel-combination error "
                                   "along gradient descent (t counts steps, tau = 1/lr). Mode names: pi1, pi2, "
                                   "pi3 for dense/shallow; <module>:<channel> (omega:pi1, gamma:pi1, gamma:pi2, "
                                   "gamma:pi3) for split/segregated, the channel being the selected-feature (pi1), "
                                   "unselected-feature (pi2) or complement (pi3) subspace.")
    _dataset_flags(t)
    _training_flags(t)
    t.add_argument("--half-times", action="store_true", help="also report each mode's half-learning time "
                   "(needs a0 below half of every fixed point)")
    t.add_argument("--json", action="store_true", help="print machine-readable JSON")

    m = sub.add_parser("simulate", help="gradient descent on the real networks, compared with the theory",
                       description="Batched full-batch gradient descent for seeds 0..N-1, reported as the mean over "
                                   "seeds, the largest value over seeds and the largest deviation from the theory "
                                   "(same flags as trajectory). A step size at or above the stability bound is "
                                   "refused with the bound named.")
    _dataset_flags(m)
    _training_flags(m)
    m.add_argument("--seeds", type=int, default=1, help=f"number of seeds N, 1..{limits.MAX_SEEDS} (default 1)")
    m.add_argument("--init", choices=["spectral", "random"], default="spectral",
                   help="spectral (exact comparison) or small random Gaussian initialization")
    m.add_argument("--init-scale", type=float, default=1e-3,
                   help=f"std of each weight entry for --init random, in (0, {limits.MAX_INIT_SCALE:g}] (default 1e-3)")
    m.add_argument("--hidden", type=int, default=None,
                   help=f"hidden width of deep modules, rank..{limits.MAX_HIDDEN} (default: the rank)")
    m.add_argument("--threads", type=int, default=None,
                   help=f"threads the seeds are split over, 1..{limits.MAX_THREADS}, at least two seeds each; the "
                        "numbers do not depend on it (default: the available cores, once each thread gets enough "
                        "work to gain: about 16 seeds at n1 = 5, 8 at n1 = 6, 4 at n1 = 7)")
    m.add_argument("--json", action="store_true", help="print machine-readable JSON")
    _progress_flags(m)

    rp = sub.add_parser("report", help="write a derivation report (HTML, Markdown, LaTeX)",
                        description="Verify every theorem, compute theory and simulation for all architectures, "
                                    "and write report.html (self-contained) and report.md (+ SVG figures) into "
                                    "--out. Nothing is left behind if a step fails.")
    rp.add_argument("--out", required=True, help="output directory (created if missing; its parent must exist)")
    _dataset_flags(rp, required=False)
    rp.add_argument("--lr", type=float, default=0.05, help="gradient-descent step (default 0.05)")
    rp.add_argument("--a0", type=float, default=1e-3, help="initial mode strength (default 1e-3)")
    rp.add_argument("--steps", type=int, default=2000, help="gradient steps (default 2000)")
    rp.add_argument("--every", type=int, default=None, help="checkpoint interval (default steps/200)")
    rp.add_argument("--seeds", type=int, default=2, help=f"simulation seeds, 1..{limits.MAX_SEEDS} (default 2)")
    rp.add_argument("--format", default="html,md", help="comma-separated formats among html, md, tex (default html,md)")
    rp.add_argument("--samples", type=int, default=20, help="sampled datasets per theorem (default 20)")
    rp.add_argument("--dps", type=int, default=50, help="digits of the certificates (default 50)")
    rp.add_argument("--seed", type=int, default=0, help="seed of the dataset sampler (default 0)")
    _progress_flags(rp)

    ho = sub.add_parser("heldout", help="train on some items, test on the others: theory vs gradient descent",
                        description="Claim T10: train every architecture (or --arch) by gradient descent on the "
                                    "training items and compare its held-out errors with the exact theory. Items "
                                    "are numbered in the order of itertools.product((-1, 1), repeat=n1): item i is "
                                    "the binary digits of i, most significant first, with 0 read as -1.")
    _dataset_flags(ho)
    pick = ho.add_mutually_exclusive_group(required=True)
    pick.add_argument("--train", metavar="ITEMS", help="comma-separated training item indices, e.g. 0,3,5")
    pick.add_argument("--train-size", type=int, metavar="J", help="number of training items drawn with --seed")
    ho.add_argument("--seed", type=int, default=0, help="seed of the drawn subset and of the initial weights (default 0)")
    ho.add_argument("--arch", choices=list(ARCHITECTURES), default=None, help="one architecture (default: all four)")
    ho.add_argument("--json", action="store_true", help="print machine-readable JSON")

    fr = sub.add_parser("fullrank", help="probability that j random training codes allow systematic generalization",
                        description="Exact probability (claim T11) that j distinct codes drawn uniformly from "
                                    "{-1,1}^n1 span R^n1, or with --n2 that the first n2 axes lie in their span "
                                    "(the segregated network then generalizes with zero error). Exact for n1 <= 6; "
                                    "--estimate adds a Monte Carlo estimate (n1 <= 16).")
    fr.add_argument("--n1", type=int, required=True, help="compositional input features")
    fr.add_argument("--n2", type=int, default=None, help="selected axes, 0..n1 (default n1: spanning)")
    fr.add_argument("--j", type=int, default=None, help="number of training codes, 1..2**n1 (default: every j)")
    fr.add_argument("--estimate", action="store_true", help="also estimate by Monte Carlo (the only answer beyond n1 = 6)")
    fr.add_argument("--samples", type=int, default=10_000, help="Monte Carlo draws per j (default 10000)")
    fr.add_argument("--seed", type=int, default=0, help="seed of the Monte Carlo draws (default 0)")
    fr.add_argument("--json", action="store_true", help="print machine-readable JSON")
    ex = sub.add_parser("experiment", help="ReLU modules, compositional digits, learning rules: statistics over seeds",
                        description="Train the arrangements of the linear theory beyond it (docs/theory.md sections 9-10) "
                                    "for seeds 0..N-1 and print each statistic's mean with a 95% bootstrap interval "
                                    "over seeds.")
    ex.add_argument("which", choices=_EXPERIMENTS, metavar="EXPERIMENT", help="which experiment: %(choices)s")
    ex.add_argument("--seeds", type=int, default=5, help="number of seeds N, 1..1000 (default 5)")
    ex.add_argument("--json", action="store_true", help="print machine-readable JSON")
    _progress_flags(ex)
    ex.add_argument("--out", default=None, help="also write the report section (Markdown + SVG figure) into this directory")

    sw = sub.add_parser("sweep", help="run a grid of tasks from a TOML spec on Dask, resumable",
                        description="Run every point of a spec's grid (examples/*.toml) on a local Dask cluster (one "
                                    "worker process per core) or an existing one (--scheduler), storing each result "
                                    "in DIR/results.sqlite as it arrives. Exit 1 if a task failed (its error is "
                                    "stored), 130 after Ctrl-C (continue with --resume).")
    sw.add_argument("spec", nargs="?", metavar="SPEC.toml", help="the sweep spec (omit to only --plot stored results)")
    sw.add_argument("--out", metavar="DIR", help="results directory (default sweep-<spec name>)")
    sw.add_argument("--scheduler", metavar="ADDRESS", help="address of an existing Dask scheduler, e.g. tcp://host:8786")
    sw.add_argument("--workers", type=int, default=None, metavar="N",
                    help="local worker processes (default one per core; 0 runs in this process without Dask)")
    sw.add_argument("--resume", action="store_true", help="continue the sweep stored in --out, skipping finished tasks")
    sw.add_argument("--plot", nargs=2, metavar=("X", "Y"), help="draw column Y against column X into DIR (SVG)")
    sw.add_argument("--json", action="store_true", help="print the summary as JSON")
    sw.add_argument("--quiet", action="store_true", help="no progress bar")
    ca = sub.add_parser("cache", help="show or clear the persistent cache of symbolic derivations",
                        description="Derivations are stored in $MODSPEC_CACHE_DIR, else $XDG_CACHE_HOME/modspec, "
                                    "else ~/.cache/modspec (MODSPEC_NO_CACHE=1 disables it), keyed by the modspec "
                                    "version and a hash of the theory sources; verify re-derives and checks them.")
    ca.add_argument("action", choices=["info", "clear"], help="info: where and how big; clear: remove every entry")
    return p


def main(argv: Sequence[str] | None = None, *, catalogue: Sequence[Theorem] | None = None) -> int:
    """Run ``modspec``; returns the exit status (0 ok, 1 failed check, 2 bad usage, 130/143 interrupted).

    ``catalogue`` replaces the theorems ``verify`` checks (default: ``proofs.catalogue.CATALOGUE``),
    so a test can show that a wrong theorem gives exit status 1.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    args.catalogue = None if catalogue is None else tuple(catalogue)
    with handle_signals():
        try:
            status = COMMANDS[args.command](args)
        except Interrupted as stop:
            return _interrupted(args.command, stop.signum)
        except (ValueError, UsageError) as err:
            print(f"modspec {args.command}: error: {err}", file=sys.stderr)
            return 2
        except ArithmeticError as err:  # numerical trouble found at run time: reported, never printed as numbers
            print(f"modspec {args.command}: numerical error: {err}", file=sys.stderr)
            return 1
        except BrokenPipeError:  # output piped into e.g. head: not an error of ours
            sys.stderr.close()
            return 0
        if received() is not None and status < 128:  # swallowed by a library: it still ends the command
            return _interrupted(args.command, received())
        return status


def _interrupted(command: str, signum: int) -> int:
    name = signal.Signals(signum).name
    print(f"modspec {command}: interrupted by {name}; nothing written", file=sys.stderr)
    return 128 + signum


if __name__ == "__main__":
    sys.exit(main())
