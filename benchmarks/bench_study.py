"""Simulation-study throughput: replicates per second, serially and on a local Dask cluster.

Runs the standard study (5 MSE estimators x 4 scenarios) with ``REPLICATES`` replicates per
scenario, once in this process and once on a ``LocalCluster`` of 2 worker processes, checks
that both give the same numbers, and prints replicates (scenario draws, each fitted by all
five estimators) per second.
"""

from __future__ import annotations

import sys
import time

import pandas as pd

REPLICATES = 25


def main() -> int:
    from dask.distributed import Client, LocalCluster

    from prevalence.workbench.standard import run_standard_study

    t0 = time.perf_counter()
    serial = run_standard_study(REPLICATES, seed=7, progress=False)
    t_serial = time.perf_counter() - t0
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        client.run(
            lambda: __import__("prevalence.workbench.standard")
        )  # workers import the package first
        t0 = time.perf_counter()
        distributed = run_standard_study(REPLICATES, seed=7, executor=client, progress=False)
        t_dask = time.perf_counter() - t0
    same = serial.results.drop(columns="seconds").equals(
        distributed.results.drop(columns="seconds")
    )
    n = 4 * REPLICATES
    print(f"standard study, {n} scenario draws x 5 estimators ({5 * n} fits)")
    print(f"  serial:              {t_serial:6.1f} s  {n / t_serial:6.1f} replicates/s")
    print(
        f"  Dask, 2 workers:     {t_dask:6.1f} s  {n / t_dask:6.1f} replicates/s  (speed-up {t_serial / t_dask:.2f}x)"
    )
    print(f"  identical numbers:   {same}")
    pd.set_option("display.width", 120)
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
