"""PPS designs without a units-by-units matrix (issue #37).

Overton's and Hartley-Rao's approximations give Delta the structure a_i + a_j + c within a
stratum, so the Horvitz-Thompson variance is formed from per-stratum sums of the unit totals;
before, a dense units x units matrix was built (4,000 units: 128 MB, and its product with the
unit totals for every estimate). Prints, for 4,000 and 100,000 units, the time of the design,
of a mean and of a 20-domain mean, and the peak memory of the process; for 4,000 units also
the time of the dense form (the matrix written out, as before) for the ratio.

    python benchmarks/bench_pps.py
"""

from __future__ import annotations

import resource
import time

import numpy as np
import pandas as pd

from prevalence.survey import PPSDesign


def sample(n: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    p = rng.uniform(0.02, 0.6, n)
    return pd.DataFrame(
        {"p": p, "y": rng.gamma(2, 5, n), "g": rng.integers(0, 20, n), "s": rng.integers(0, 4, n)}
    )


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def dense_overton(p: np.ndarray, strata: np.ndarray) -> np.ndarray:
    """The units x units Delta of Overton's approximation, as it was built before."""
    same = strata[:, None] == strata[None, :]
    n = np.bincount(strata)[strata].astype(float)
    fbar = (p[:, None] + p[None, :]) / 2
    d = 1 - (n[:, None] - fbar) / (n[:, None] - 1)
    d[~same | (fbar == 1)] = 0.0
    np.fill_diagonal(d, 1 - p)
    return d


def compare_dense(design: PPSDesign, df: pd.DataFrame) -> None:
    """The dense form's build and product against the structured product, same numbers."""
    strata = design.stages[0].strata
    X = (df[["y"]].to_numpy() / df[["p"]].to_numpy()) - 1.0
    dense, t_build = timed(lambda: dense_overton(df["p"].to_numpy(), strata))
    _, t_quad = timed(lambda: X.T @ dense @ X)
    _, t_struct = timed(lambda: design._dcheck.quadratic(X))
    print(
        f"         dense Delta: {dense.nbytes / 2**20:.0f} MB, built in {t_build:.3f} s, "
        f"x'Dx {t_quad * 1000:.1f} ms; structured x'Dx {t_struct * 1000:.2f} ms "
        f"({t_quad / t_struct:.0f}x faster without the build)"
    )
    np.testing.assert_allclose(design._dcheck.quadratic(X), X.T @ dense @ X, rtol=1e-10)


def main() -> int:
    for n in (4_000, 100_000):
        df = sample(n)
        design, t_design = timed(lambda df=df: PPSDesign(df, probs="p", strata="s"))
        est, t_mean = timed(lambda d=design: d.mean("y"))
        _, t_domains = timed(lambda d=design: d.mean("y", by="g"))
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"{n:>7,} units: design {t_design:.3f} s, mean {t_mean * 1000:.1f} ms, "
            f"20 domains {t_domains * 1000:.1f} ms (peak memory so far {peak:.0f} MB)"
        )
        if n == 4_000:
            compare_dense(design, df)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
