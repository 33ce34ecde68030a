"""Speed of the Bayesian network scale-up model (issue #36): 800 respondents, six known groups
and the hidden one, 4 chains x 1,000 draws after 1,000 tuning steps.

Prints the time of a fit with nutpie (the default when installed): the first fit of a data
shape compiles the model (numba); a second survey of the same shape reuses the compilation, as
a notebook, a bootstrap or a simulation study does. Then PyMC's own NUTS on the same data, the
reference, and the ratio; and the two posteriors' medians and 95% limits of the size, which
must agree within Monte Carlo error.

Run: `.venv/bin/python benchmarks/bench_bayes_scaleup.py [respondents]`.
"""

from __future__ import annotations

import sys
import time

import numpy as np
import pandas as pd

from prevalence.network import BayesianScaleUp

SIZES = {f"k{i}": s for i, s in enumerate([20_000, 50_000, 10_000, 30_000, 15_000, 40_000])}
TOTAL = 1_000_000
HIDDEN = 5_000


def survey(n: int, seed: int) -> pd.DataFrame:
    """Answers with log-normal degrees and barrier effects (gamma exposure per group)."""
    rng = np.random.default_rng(seed)
    d = rng.lognormal(np.log(300), 0.6, n)
    df = pd.DataFrame(
        {k: rng.poisson(d * s / TOTAL * rng.gamma(5, 1 / 5, n)) for k, s in SIZES.items()}
    )
    df["h"] = rng.poisson(d * HIDDEN / TOTAL * rng.gamma(1.5, 1 / 1.5, n))
    return df


def timed(sampler: str, df: pd.DataFrame, seed: int) -> tuple[float, object]:
    t0 = time.perf_counter()
    est = BayesianScaleUp("h", SIZES, TOTAL, seed=seed, sampler=sampler).fit(df)
    return time.perf_counter() - t0, est


def main(n: int = 800) -> None:
    first, second = survey(n, 1), survey(n, 2)
    t_compile, _ = timed("nutpie", first, 1)
    t_nutpie, est = timed("nutpie", second, 1)
    t_pymc, ref = timed("pymc", second, 1)
    print(f"BayesianScaleUp, {n} respondents, 4 chains x 1,000 draws (1,000 tuning)")
    print(f"nutpie, first fit (compiles):     {t_compile:6.1f} s")
    print(f"nutpie, a second survey (reused): {t_nutpie:6.1f} s   (target < 10 s)")
    print(f"PyMC's NUTS (reference):          {t_pymc:6.1f} s   ratio {t_pymc / t_nutpie:.1f} x")
    for label, e in (("nutpie", est), ("pymc", ref)):
        d = e.details["diagnostics"]
        print(
            f"{label:>6}: size {e.value:,.0f} [{e.lower:,.0f}, {e.upper:,.0f}], posterior sd "
            f"{e.details['std_error']:,.0f}; max R-hat {d['max_rhat']:.3f}, min ESS "
            f"{d['min_ess_bulk']:,.0f}, divergences {d['divergences']}"
        )


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:]))
