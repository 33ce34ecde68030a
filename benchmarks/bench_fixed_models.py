"""Timing of fixed-model MSE fits on the UK data (six lists, 2,744 people).

Prints wall times of: the independence model with its profile-likelihood interval, the
model R's BIC search selects, and Rcapture's whole closedp.t table. The reference file has
no R timing for these single fits, so no ratio is printed; the model-selection benchmarks
(issue 3) compare with R's figures.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

import pandas as pd

from prevalence import CaptureHistories, LogLinearMSE
from prevalence.mse import closed_population_table

REFERENCE = Path(__file__).resolve().parents[1].parent / "shared" / "reference"


def timed(fn, repeat: int = 5) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> int:
    path = REFERENCE / "data" / "UKdat.csv"
    if not path.exists():
        print(f"reference data not found at {path}; nothing to time")
        return 0
    captures = CaptureHistories.from_counts(pd.read_csv(path), count="count")
    ref = json.loads((REFERENCE / "values_mse.json").read_text())["UKdat"]
    model = ref["bic_maxorder2_model"]
    rows = [
        ("independence model, point estimate", lambda: LogLinearMSE(interval="none").fit(captures)),
        ("independence model, profile interval", lambda: LogLinearMSE().fit(captures)),
        (f"model {model}, profile interval", lambda: LogLinearMSE(model).fit(captures)),
        ("closedp.t table (12 Rcapture models)", lambda: closed_population_table(captures)),
    ]
    print(f"UKdat: {captures.n_lists} lists, {captures.n_observed} observed")
    for label, fn in rows:
        print(f"  {label:<45} {1000 * timed(fn):8.1f} ms")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak memory {peak_mb:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
