"""Command line: ``prevalence demo | init | validate | run | study``.

Errors a user can act on (a problem with the config or data, a model that cannot be fitted,
a file that cannot be read or written) print one clear message and exit with status 1;
``--debug`` shows the traceback instead. Ctrl-C exits with 130 and SIGTERM with 143, after the
run's staging directory is removed.
"""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Sequence

from . import __version__


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="prevalence",
        description="Estimate hidden populations and their change between a baseline and an endline.",
    )
    parser.add_argument("--version", action="version", version=f"prevalence {__version__}")
    parser.add_argument("--debug", action="store_true", help="show the full traceback of an error")
    sub = parser.add_subparsers(dest="command")
    demo = sub.add_parser(
        "demo",
        help="estimate baseline and endline population sizes on built-in synthetic capture data",
    )
    demo.add_argument(
        "--out",
        metavar="DIR",
        help="directory for the data and result files (default: write nothing)",
    )
    run = sub.add_parser(
        "run", help="run the estimation declared in a TOML config; writes a new output directory"
    )
    run.add_argument("config", help="the TOML config file")
    run.add_argument(
        "--out", metavar="DIR", default="runs", help="parent directory of the run (default ./runs)"
    )
    run.add_argument(
        "--quiet", action="store_true", help="no progress bar; print only the output directory"
    )
    val = sub.add_parser("validate", help="check a config and its inputs without estimating")
    val.add_argument("config", help="the TOML config file")
    init = sub.add_parser(
        "init",
        help="write a commented config template with every key (or an example with its data)",
    )
    init.add_argument(
        "path",
        nargs="?",
        help="the config file to write (default prevalence.toml); with --example, a directory "
        "(default .)",
    )
    init.add_argument(
        "--reference",
        action="store_true",
        help="print the reference of every config key (Markdown) instead",
    )
    init.add_argument(
        "--example",
        choices=("demo", "network"),
        help="write this example config and the synthetic data it reads instead of a template",
    )
    st = sub.add_parser(
        "study", help="run the standard MSE simulation study (5 estimators x 4 scenarios)"
    )
    st.add_argument(
        "--out", metavar="DIR", default="build/study", help="output directory (default build/study)"
    )
    st.add_argument(
        "--replicates", type=int, default=200, help="replicates per scenario (default 200)"
    )
    st.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")
    st.add_argument(
        "--workers", type=int, default=0, help="process-pool workers (default: run serially)"
    )
    st.add_argument(
        "--dask", action="store_true", help="run on a local Dask cluster with --workers workers"
    )
    st.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def _study(args: argparse.Namespace) -> int:
    import contextlib
    from concurrent.futures import ProcessPoolExecutor

    from .workbench.standard import run_standard_study

    with contextlib.ExitStack() as stack:
        executor = None
        if args.dask:
            from dask.distributed import Client, LocalCluster

            cluster = stack.enter_context(
                LocalCluster(
                    n_workers=max(args.workers, 1),
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                )
            )
            executor = stack.enter_context(Client(cluster))
        elif args.workers > 0:
            import multiprocessing

            spawn = multiprocessing.get_context("spawn")
            executor = stack.enter_context(ProcessPoolExecutor(args.workers, mp_context=spawn))
        result = run_standard_study(
            args.replicates, args.seed, executor, args.out, progress=False if args.quiet else None
        )
    cols = [
        "scenario",
        "estimator",
        "relative_bias",
        "rmse",
        "coverage",
        "mean_width",
        "failure_rate",
        "mean_seconds",
    ]
    print(result.summary[cols].to_string(index=False, float_format=lambda x: f"{x:.3f}"))
    print(f"\nwrote {args.out}/: results.csv, summary.csv, study.png")
    return 0


def _on_signal(signum: int, frame: object) -> None:
    # remove the run's staging directory and exit now: an exception raised here could land
    # inside compiled code (numba) and come out as some other error
    import os

    from .runs.staging import remove_active

    remove_active()
    name = "interrupted" if signum == signal.SIGINT else "terminated"
    sys.stderr.write(f"prevalence run: {name}; nothing was written\n")
    sys.stderr.flush()
    os._exit(128 + signum)


def _run(args: argparse.Namespace) -> int:
    import threading

    previous = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            previous[sig] = signal.signal(sig, _on_signal)
    try:
        return _run_config(args)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _run_config(args: argparse.Namespace) -> int:
    from .runs import ConfigProblem, run

    try:
        result = run(args.config, args.out, quiet=True if args.quiet else None)
    except ConfigProblem as exc:
        print(f"{len(exc.problems)} problem(s) with {args.config}:", file=sys.stderr)
        for p in exc.problems:
            print(f"  - {p}", file=sys.stderr)
        return 1
    if not args.quiet:
        cols = ["input", "estimator", "quantity", "value", "lower", "upper"]
        print(result.estimates[cols].to_string(index=False, float_format=lambda x: f"{x:,.4g}"))
    print(f"wrote {result.directory}")
    return 0


def _validate(args: argparse.Namespace) -> int:
    from .runs import validate

    problems = validate(args.config)
    if problems:
        print(f"{len(problems)} problem(s) with {args.config}:", file=sys.stderr)
        for p in problems:
            print(f"  - {p}", file=sys.stderr)
        return 1
    print(f"{args.config}: no problems found")
    return 0


def _init(args: argparse.Namespace) -> int:
    from pathlib import Path

    if args.reference:
        from .runs.schema import reference_markdown

        print(reference_markdown())
        return 0
    if args.example:
        from .demo import write_example

        config = write_example(args.example, args.path or ".")
        print(f"wrote {config} and its data in {config.parent / 'data'}")
        print(f"run it with: prevalence run {config}")
        return 0
    from .runs.schema import template

    path = Path(args.path or "prevalence.toml")
    if path.exists():
        raise FileExistsError(f"{path} exists: not overwritten")
    path.write_text(template())
    print(f"wrote {path}: edit the inputs, then: prevalence validate {path}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.debug:
        return _dispatch(parser, args)
    from .core.errors import DataError, EstimationError

    try:
        return _dispatch(parser, args)
    except (DataError, EstimationError) as exc:
        print(f"prevalence {args.command}: {type(exc).__name__}: {exc}", file=sys.stderr)
    except OSError as exc:
        what = f"{exc.strerror or exc}" + (f": {exc.filename}" if exc.filename else "")
        print(f"prevalence {args.command}: {what}", file=sys.stderr)
    except KeyboardInterrupt:
        print(f"prevalence {args.command}: interrupted", file=sys.stderr)
        return 130
    print("(run again with --debug for the traceback)", file=sys.stderr)
    return 1


def _dispatch(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    if args.command in ("study", "run", "demo"):
        # a batch job writes its figures to files: the file backend, in this process only
        # (the library itself never switches a user's backend)
        import matplotlib

        matplotlib.use("Agg")
    if args.command == "study":
        return _study(args)
    if args.command == "run":
        return _run(args)
    if args.command == "validate":
        return _validate(args)
    if args.command == "init":
        return _init(args)
    if args.command == "demo":
        from .demo import run_demo

        run_demo(out=args.out)
        return 0
    parser.print_help()
    return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
