"""Evidence synthesis, the notebook-sized example of issue 34: three sources (case lists, a
household survey, a network scale-up), six regions, two periods, 4 chains x 1000 draws after
1000 tuning steps.

    .venv/bin/python benchmarks/bench_synthesis.py

Prints the wall time of a first fit (PyMC import and nutpie's compilation included), of a
second fit of new data of the same shape (compilation reused) and of one fit with PyMC's own
sampler for the ratio; the worst R-hat, bulk and tail ESS and divergences. Target (issue 34,
on this 2-core machine): under a minute after compilation.
"""

from __future__ import annotations

import time
import warnings

from prevalence import EstimationWarning, EvidenceSynthesis
from prevalence.simulate.sources import simulate_sources
from prevalence.synthesis import EstimateSource, ListSource


def model(sampler: str) -> EvidenceSynthesis:
    return EvidenceSynthesis(
        "area",
        "period",
        "population",
        sources=[
            ListSource("lists", ["list1", "list2", "list3"], visibility=(0.5, 0.9)),
            EstimateSource(
                "survey", "prevalence", scale="prevalence", effective_n="n", visibility=(0.4, 0.8)
            ),
            EstimateSource("scaleup", "estimate", "se", anchor=True),
        ],
        seed=1,
        progress=False,
        sampler=sampler,
    )


def timed(sampler: str, seed: int) -> tuple[float, object]:
    tables = simulate_sources(6, seed=seed).tables
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EstimationWarning)
        est = model(sampler).fit(tables)
    return time.perf_counter() - start, est


def main() -> int:
    first, _ = timed("nutpie", 1)
    second, est = timed("nutpie", 2)
    pymc, _ = timed("pymc", 2)
    d = est.details["diagnostics"]
    print("evidence synthesis, 3 sources x 6 regions x 2 periods, 4 x 1000 draws")
    print(f"  nutpie first fit (compilation included): {first:6.1f} s")
    print(f"  nutpie second fit (compilation reused):  {second:6.1f} s  (target < 60 s)")
    print(
        f"  PyMC's NUTS:                             {pymc:6.1f} s  ({pymc / second:.1f} x nutpie)"
    )
    print(
        f"  max R-hat {d['max_rhat']:.4f}, min ESS bulk {d['min_ess_bulk']:.0f} / tail "
        f"{d['min_ess_tail']:.0f}, divergences {d['divergences']}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
