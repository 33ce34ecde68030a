"""The demo job: baseline and endline synthetic capture data, estimated and compared."""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from .mse.loglinear import LogLinearMSE
from .simulate.capture import simulate_captures

__all__ = ["run_demo", "DEMO_SEED"]

log = logging.getLogger(__name__)

DEMO_SEED = 20261125
DEMO_LISTS = {"police": 0.18, "ngo": 0.12, "local_authority": 0.10, "hotline": 0.08}
DEMO_SIZES = {"baseline": 5000, "endline": 3800}


def _fmt(x: float, digits: int = 0) -> str:
    return f"{x:,.{digits}f}"


def run_demo(out: str | Path | None = None, seed: int = DEMO_SEED) -> pd.DataFrame:
    """Simulate, estimate and compare; print a table; write files only into ``out`` if given.

    Returns the table of estimates as a DataFrame.
    """
    populations = {
        period: simulate_captures(size, DEMO_LISTS, seed=seed + i)
        for i, (period, size) in enumerate(DEMO_SIZES.items())
    }
    estimator = LogLinearMSE(seed=seed)
    estimates = {p: estimator.fit(pop.captures) for p, pop in populations.items()}
    comparison = estimator.compare(
        populations["baseline"].captures, populations["endline"].captures
    )
    rows = []
    for period, est in estimates.items():
        pop = populations[period]
        rows.append(
            {
                "period": period,
                "true_N": pop.true_size,
                "observed": pop.captures.n_observed,
                "estimate": est.value,
                "lower": est.lower,
                "upper": est.upper,
                "covers_truth": est.lower <= pop.true_size <= est.upper,
                "method": est.method,
            }
        )
    table = pd.DataFrame(rows)
    pct = f"{100 * estimator.level:g}%"
    print(
        f"prevalence demo: synthetic capture-recapture data, {len(DEMO_LISTS)} lists "
        f"({', '.join(DEMO_LISTS)}), seed {seed}\n"
    )
    header = f"{'period':<10}{'true N':>8}{'observed':>10}{'estimate':>10}  {pct + ' interval':<20}method"
    print(header)
    print("-" * len(header))
    for r in rows:
        interval = f"[{_fmt(r['lower'])}, {_fmt(r['upper'])}]"
        print(
            f"{r['period']:<10}{_fmt(r['true_N']):>8}{_fmt(r['observed']):>10}"
            f"{_fmt(r['estimate']):>10}  {interval:<20}{r['method']}"
        )
    d, q = comparison.difference, comparison.ratio
    true_diff = DEMO_SIZES["endline"] - DEMO_SIZES["baseline"]
    print()
    print(
        f"change (endline - baseline): {_fmt(d.value)}  {pct} interval "
        f"[{_fmt(d.lower)}, {_fmt(d.upper)}]   true change {_fmt(true_diff)}"
    )
    print(
        f"ratio  (endline / baseline): {q.value:.3f}  {pct} interval "
        f"[{q.lower:.3f}, {q.upper:.3f}]   true ratio {DEMO_SIZES['endline'] / DEMO_SIZES['baseline']:.3f}"
    )
    print(f"({d.method})")
    if out is not None:
        out_dir = Path(out)
        out_dir.mkdir(parents=True, exist_ok=True)
        for period, pop in populations.items():
            pop.captures.counts.to_csv(out_dir / f"{period}_captures.csv", index=False)
        table.to_csv(out_dir / "estimates.csv", index=False)
        comparison.to_frame().to_csv(out_dir / "comparison.csv", index=False)
        print(
            f"\nwrote {out_dir}/: baseline_captures.csv, endline_captures.csv, estimates.csv, comparison.csv"
        )
    return table
