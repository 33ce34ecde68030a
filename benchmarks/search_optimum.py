"""How often the greedy searches find the exhaustive BIC optimum (issue 19).

On five- and six-list reference data, and on multinomial bootstrap replicates of them (where
the best model varies), compare R's downhill search (from independence) and the multi-start
search with the exhaustive optimum over the same models (pairwise interactions for six lists,
all orders up to four for five lists). Prints, per data set, the share of replicates in which
each search reaches the exhaustive minimum BIC, and the times.

    .venv/bin/python benchmarks/search_optimum.py [n_replicates] [seed]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from prevalence import CaptureHistories
from prevalence.mse.inference.search import downhill_batch, multistart_batch
from prevalence.mse.inference.selection import ModelSet, bootstrap_counts, penalty
from prevalence.mse.kernels.engine import best_fit

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "reference" / "data"
SETS = [
    ("UKdat_5", 4),
    ("NewOrl_5", 4),
    ("Ned_5", 4),
    ("Western", 4),
    ("Kosovo", 3),
    ("UKdat_5", 2),
    ("NewOrl_5", 2),
    ("Ned_5", 2),
    ("UKdat", 2),
    ("Ned", 2),
]


def main(n_rep: int = 200, seed: int = 19) -> None:
    rng = np.random.default_rng(seed)
    print(f"{n_rep} bootstrap replicates per data set, seed {seed}")
    print(
        "data      order  models  original(down/multi)  downhill  multistart   exh s  down s  multi s"
    )
    for name, order in SETS:
        df = pd.read_csv(DATA / f"{name}.csv")
        captures = CaptureHistories.from_counts(df, count=df.columns[-1])
        t = captures.n_lists
        y = np.asarray(captures.cell_counts, dtype=float)
        Y = np.vstack([y, bootstrap_counts(y, n_rep, rng)])
        models = ModelSet.all(t, order)
        t0 = time.perf_counter()
        _, crit, _, _ = best_fit(models.table, models.lengths, Y, t, penalty("bic", Y.sum(axis=1)))
        t_exh = time.perf_counter() - t0
        t0 = time.perf_counter()
        down = downhill_batch(Y, t, max_order=order, exact=False)
        t_down = time.perf_counter() - t0
        t0 = time.perf_counter()
        multi = multistart_batch(Y, t, max_order=order, exact=False)
        t_multi = time.perf_counter() - t0
        hit_d = np.array([r.criterion <= c + 1e-7 for r, c in zip(down, crit, strict=True)])
        hit_m = np.array([r.criterion <= c + 1e-7 for r, c in zip(multi, crit, strict=True)])
        print(
            f"{name:9s} {order:5d} {len(models):7d}  {str(hit_d[0]):>8s}/{str(hit_m[0]):<8s}    "
            f"{hit_d[1:].mean():8.3f}  {hit_m[1:].mean():10.3f}  {t_exh:6.1f}  {t_down:6.1f}  "
            f"{t_multi:7.1f}"
        )


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    main(*args)
