"""Command line: ``prevalence demo [--out DIR] [--seed N]``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from . import __version__


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="prevalence",
        description="Estimate hidden populations and their change between a baseline and an endline.",
    )
    parser.add_argument("--version", action="version", version=f"prevalence {__version__}")
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
    demo.add_argument("--seed", type=int, default=None, help="random seed of the synthetic data")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "demo":
        from .demo import DEMO_SEED, run_demo

        run_demo(out=args.out, seed=DEMO_SEED if args.seed is None else args.seed)
        return 0
    parser.print_help()
    return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
