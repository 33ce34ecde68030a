"""Survey estimation out of core: 100 million rows in parquet on disk, a Dask design (#35).

Writes a synthetic two-stage survey (200 strata, 10,000 PSUs, 5 regions) as parquet files of
one million rows each (generated one file at a time, so the generator never holds more than
a file), then reads it with ``dask.dataframe.read_parquet`` and estimates, with
``SurveyDesign(dask_frame, ...)``: a proportion overall, means by region with their
covariance, a ratio, and a mean within a subset. Prints each step's time, the rows per
second, and the peak memory (resident set) of the process: Dask runs with its threaded
scheduler on ``--workers`` threads in this process, so the peak covers everything.

Goal (issue #35): under 10 minutes and under 4 GB peak on 2 cores for 100 million rows.

    python benchmarks/bench_dask_survey.py                          # 100 million rows
    python benchmarks/bench_dask_survey.py --rows 10_000_000        # a quicker look
    python benchmarks/bench_dask_survey.py --check 1_000_000        # and compare in memory
    python benchmarks/bench_dask_survey.py --rows 10_000_000 --replicate-weights 40

The data go to ``--path`` (default: a folder in the system's temporary directory), reused
when they are already there with the same size and seed.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

import dask
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from prevalence.survey import ReplicateDesign, SurveyDesign

STRATA, PSUS_PER_STRATUM, REGIONS = 200, 50, 5
ROWS_PER_FILE = 1_000_000


def _part(seed: int, k: int, rows: int, replicate_weights: int = 0) -> pd.DataFrame:
    """File ``k`` of the synthetic survey: its own random stream, so any file can be rebuilt.
    With ``replicate_weights``, that many bootstrap-like replicate weights that differ row by
    row (as calibrated replicate weights shipped with a public-use file do)."""
    rng = np.random.default_rng([seed, k])
    stratum = rng.integers(0, STRATA, rows).astype(np.int16)
    psu = (stratum.astype(np.int32) * PSUS_PER_STRATUM) + rng.integers(0, PSUS_PER_STRATUM, rows)
    region = rng.integers(0, REGIONS, rows).astype(np.int8)
    psu_effect = np.sin(psu.astype(float))  # a fixed effect per PSU (the same in every file)
    x = rng.gamma(2.0, 1.0, rows)
    y = 0.5 * x + psu_effect + 0.1 * region + rng.normal(0, 1, rows)
    y[rng.random(rows) < 0.01] = np.nan
    logit = -1.5 + 0.5 * psu_effect + 0.1 * region
    victim = (rng.random(rows) < 1 / (1 + np.exp(-logit))).astype(np.int8)
    w = rng.uniform(50, 150, rows)
    frame = pd.DataFrame(
        {
            "stratum": stratum,
            "psu": psu,
            "psu_count": np.full(rows, 2 * PSUS_PER_STRATUM, dtype=np.int32),  # fpc: 100 a stratum
            "w": w,
            "x": x,
            "y": y,
            "victim": victim,
            "region": region,
        }
    )
    if replicate_weights:
        per_psu = np.random.default_rng([seed, 10**6]).choice(
            [0.0, 1.0, 2.0], size=(STRATA * PSUS_PER_STRATUM, replicate_weights), p=[0.3, 0.4, 0.3]
        )
        factors = per_psu[psu] * rng.uniform(0.95, 1.05, size=(rows, replicate_weights))
        for r in range(replicate_weights):
            frame[f"rep{r:03d}"] = factors[:, r] * w
    return frame


def write_survey(
    path: Path, rows: int, seed: int, replicate_weights: int = 0, rows_per_file: int = ROWS_PER_FILE
) -> float:
    """Write ``rows`` rows to ``path`` (parquet, one file a million rows); seconds taken."""
    stamp = path / "_survey.json"
    meta = {
        "rows": rows,
        "seed": seed,
        "rows_per_file": rows_per_file,
        "replicates": replicate_weights,
    }
    if stamp.exists() and json.loads(stamp.read_text()) == meta:
        return 0.0
    path.mkdir(parents=True, exist_ok=True)
    for old in path.glob("*.parquet"):
        old.unlink()
    t0 = time.perf_counter()
    for k, start in enumerate(range(0, rows, rows_per_file)):
        part = _part(seed, k, min(rows_per_file, rows - start), replicate_weights)
        pq.write_table(
            pa.Table.from_pandas(part, preserve_index=False), path / f"part-{k:05d}.parquet"
        )
    stamp.write_text(json.dumps(meta))
    return time.perf_counter() - t0


def _numbers(result: object) -> np.ndarray:
    """The numbers of a result (an estimate, a frame, a table with covariance)."""
    if isinstance(result, pd.DataFrame):
        return result.select_dtypes("number").to_numpy(dtype=float)
    if hasattr(result, "vcov"):
        return np.concatenate([result.values.to_numpy(), result.vcov.to_numpy().ravel()])
    return np.array([result.value, result.lower, result.upper])


def peak_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=lambda s: int(s.replace("_", "")), default=100_000_000)
    parser.add_argument("--seed", type=int, default=35)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--path", type=Path, default=Path(tempfile.gettempdir()) / "prevalence-dask-survey"
    )
    parser.add_argument(
        "--check",
        type=lambda s: int(s.replace("_", "")),
        default=0,
        help="also compare with the in-memory design on the first N rows",
    )
    parser.add_argument(
        "--rows-per-file",
        type=lambda s: int(s.replace("_", "")),
        default=ROWS_PER_FILE,
        help="rows per parquet file (a Dask partition): memory grows with it",
    )
    parser.add_argument(
        "--replicate-weights",
        type=int,
        default=0,
        help="also ship this many replicate weights in the data and use them",
    )
    args = parser.parse_args()

    path = args.path / f"{args.rows}-{args.replicate_weights}-{args.rows_per_file}"
    t_write = write_survey(path, args.rows, args.seed, args.replicate_weights, args.rows_per_file)
    written = f"written in {t_write:.0f} s" if t_write else "already there"
    print(
        f"{args.rows:,} rows in {path} ({written}); "
        f"{args.workers} threads; peak after writing {peak_gb():.2f} GB"
    )
    frame = dd.read_parquet(path)
    options = dict(weights="w", strata="stratum", clusters="psu", fpc="psu_count")
    design = SurveyDesign(frame, **options)
    steps = {
        "proportion of victims": lambda d: d.proportion("victim"),
        "means of y and x by region (covariance)": lambda d: d.mean(
            ["y", "x"], by="region", na_rm=True, vcov=True
        ),
        "ratio y / x by region": lambda d: d.ratio("y", "x", by="region", na_rm=True),
        "mean of y in one region (subset)": lambda d: d.subset("region == 2").mean("y", na_rm=True),
        "proportions by region, 50 bootstrap replicates": lambda d: d.replicate(
            "bootstrap", 50, seed=1
        ).proportion("victim", by="region"),
    }
    checked = dict(steps)  # the steps the in-memory design can repeat (--check)
    if args.replicate_weights:
        shipped = ReplicateDesign.from_weights(frame, "w", "rep", "bootstrap")
        steps[f"proportions by region, {args.replicate_weights} shipped replicate weights"] = (
            lambda _: shipped.proportion("victim", by="region")
        )
    total = 0.0
    results = {}
    with dask.config.set(scheduler="threads", num_workers=args.workers):
        for name, step in steps.items():
            t0 = time.perf_counter()
            results[name] = step(design)
            seconds = time.perf_counter() - t0
            total += seconds
            print(
                f"  {name:<42} {seconds:7.1f} s  {args.rows / seconds / 1e6:6.1f} M rows/s  "
                f"peak so far {peak_gb():.2f} GB"
            )
    print(
        f"total {total:.0f} s ({total / 60:.1f} min; goal 10 min), peak {peak_gb():.2f} GB (goal 4 GB)"
    )
    print(results["proportion of victims"])
    if args.check:
        files = sorted(path.glob("*.parquet"))
        first = pd.concat(pd.read_parquet(f) for f in files[: -(-args.check // args.rows_per_file)])
        first = first.iloc[: args.check].reset_index(drop=True)
        in_memory = SurveyDesign(first, **options)
        out_of_core = SurveyDesign(dd.from_pandas(first, npartitions=8), **options)
        worst = 0.0
        for step in checked.values():
            a, b = (_numbers(step(design)) for design in (in_memory, out_of_core))
            worst = max(worst, float(np.max(np.abs(b - a) / np.where(a == 0, 1.0, np.abs(a)))))
        print(f"in memory vs Dask on the first {args.check:,} rows: largest relative difference {worst:.1e}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
