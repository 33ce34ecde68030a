"""Model selection and its bootstrap: timings, ratios to R, peak memory.

Each case runs in its own process (so that its peak memory is its own) after a warm-up that
compiles the numba kernels; the compile time is printed separately. R's timings come from
../shared/reference/values_mse.json where it has them (`bic_maxorder2_seconds`,
`bic_seconds`) and otherwise from the issue text (198 s for R's five-list BIC bootstrap).

Usage: python benchmarks/bench_model_selection.py [--quick] [case ...]
``--quick`` skips the six-list full bootstrap (several minutes).
"""

from __future__ import annotations

import json
import multiprocessing as mp
import resource
import sys
import time
import warnings
from pathlib import Path

REFERENCE = Path(__file__).resolve().parents[1].parent / "shared" / "reference"
TARGETS = {  # seconds
    "ukdat6_bic_point": 2.0,
    "ukdat5_bic_boot_top": 5.0,
    "uk4_full_boot": 5.0,
    "ukdat5_full_boot": 60.0,
    "ukdat6_full_boot": 600.0,
    "uk4_vary_ntop20": None,
    "neworl4_vary_ntop20": None,
    "korea_vary_ntop6": None,
}


def _load(name: str):
    import pandas as pd

    from prevalence import CaptureHistories

    df = pd.read_csv(REFERENCE / "data" / f"{name}.csv")
    return CaptureHistories.from_counts(df, count=df.columns[-1])


def _r_seconds(case: str) -> float | None:
    ref = json.loads((REFERENCE / "values_mse.json").read_text())
    return {
        "ukdat6_bic_point": ref["UKdat"]["bic_maxorder2_seconds"],
        "ukdat5_bic_boot_top": 198.0,  # issue #3: R's five-list BIC bootstrap, 1000 replicates
        "uk4_vary_ntop20": ref["UK_4"]["bic_seconds"],
        "neworl4_vary_ntop20": ref["NewOrl_4"]["bic_seconds"],
        "korea_vary_ntop6": ref["Korea"]["bic_seconds"],
    }.get(case)


def _run(case: str, queue) -> None:
    warnings.simplefilter("ignore")
    from prevalence import LogLinearMSE
    from prevalence.mse.inference.selection import vary_n_top

    jobs = {
        "ukdat6_bic_point": lambda: LogLinearMSE(select="bic", interval="none").fit(_load("UKdat")),
        "ukdat5_bic_boot_top": lambda: LogLinearMSE(
            select="bic", max_order=3, n_top=100, seed=1, progress=False
        ).fit(_load("UKdat_5")),
        "uk4_full_boot": lambda: LogLinearMSE(
            select="bic", boot_models="all", seed=1, progress=False
        ).fit(_load("UK_4")),
        "ukdat5_full_boot": lambda: LogLinearMSE(
            select="bic", boot_models="all", seed=1, progress=False
        ).fit(_load("UKdat_5")),
        "ukdat6_full_boot": lambda: LogLinearMSE(
            select="bic", boot_models="all", seed=1, progress=False
        ).fit(_load("UKdat")),
        "uk4_vary_ntop20": lambda: vary_n_top(_load("UK_4"), 20, max_order=3, seed=1),
        "neworl4_vary_ntop20": lambda: vary_n_top(_load("NewOrl_4"), 20, max_order=3, seed=1),
        "korea_vary_ntop6": lambda: vary_n_top(_load("Korea"), 6, max_order=2, seed=1),
    }
    t0 = time.perf_counter()
    out = jobs[case]()
    seconds = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    summary = repr(out) if not hasattr(out, "to_string") else f"{len(out)} rows"
    queue.put((seconds, peak_mb, summary))


def _warm_up() -> float:
    """Compile (or load from cache) the numba kernels once, outside the timed cases."""
    warnings.simplefilter("ignore")
    from prevalence import LogLinearMSE
    from prevalence.mse.inference.selection import vary_n_top

    t0 = time.perf_counter()
    korea = _load("Korea")
    LogLinearMSE(select="bic", n_boot=10, seed=1, progress=False).fit(korea)
    vary_n_top(korea, 2, n_boot=10, seed=1)
    return time.perf_counter() - t0


def main(argv: list[str]) -> int:
    if not (REFERENCE / "values_mse.json").exists():
        print(f"reference data not found at {REFERENCE}; nothing to time")
        return 0
    quick = "--quick" in argv
    cases = [a for a in argv if not a.startswith("--")] or list(TARGETS)
    if quick:
        cases = [c for c in cases if c != "ukdat6_full_boot"]
    ctx = mp.get_context("spawn")
    print(f"numba compile / cache load: {_warm_up():.1f} s (first run on a machine compiles)")
    print(
        f"{'case':<24}{'seconds':>9}{'target':>8}{'R (s)':>9}{'x faster':>9}{'peak MB':>9}  result"
    )
    failed = False
    for case in cases:
        q = ctx.Queue()
        p = ctx.Process(target=_run, args=(case, q))
        p.start()
        seconds, peak, summary = q.get()
        p.join()
        target = TARGETS[case]
        r = _r_seconds(case)
        ratio = f"{r / seconds:8.0f}x" if r else "        -"
        tgt = f"{target:8.0f}" if target else "       -"
        flag = "" if target is None or seconds <= target else "  OVER TARGET"
        failed |= bool(flag) or peak > 4096
        print(
            f"{case:<24}{seconds:9.2f}{tgt}{(r or float('nan')):9.1f}{ratio}{peak:9.0f}  {summary[:90]}{flag}"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
