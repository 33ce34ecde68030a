"""Simulation study of change intervals: baseline and endline populations with a known change.

Every replicate draws a baseline and an endline population from a scenario, fits each
estimator to both (independent random streams) and compares them three ways:

* ``"after"``: :func:`~prevalence.core.compare.compare_estimates`, the default rule of
  :mod:`prevalence.core.compare` (draws matched to each estimate's own interval);
* ``"bca"``: ``compare_estimates(..., bootstrap="bca")``, a two-sample BCa interval when
  both estimates are BCa bootstraps (otherwise the same as ``"after"``);
* ``"before"``: the rule the package used before (issue 21), kept here only to measure it:
  percentile interval of the raw paired draws, a symmetric log-normal approximation
  (spread from the interval's width) for an estimate without draws.

For each it records whether the interval covers the true difference and ratio and whether
it lies within the bounds the marginal intervals imply, ``[endline lower - baseline upper,
endline upper - baseline lower]`` (``[endline lower / baseline upper, endline upper /
baseline lower]`` for the ratio). The numbers depend only on ``seed``, as in
:func:`~prevalence.workbench.study`.
"""

from __future__ import annotations

import copy
import math
import time
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..core.compare import compare_estimates
from ..core.errors import DataError
from ..core.intervals import critical_value, percentile_interval
from ..core.results import Estimate
from ..mse.data.captures import CaptureHistories
from ..simulate.scenarios import CaptureScenario
from .study import check_study, run_tasks

__all__ = ["ChangeStudyResult", "change_study", "summarise_change"]

ChangeScenario = Callable[[np.random.Generator], tuple[Any, Any, float, float]]


@dataclass(frozen=True)
class ChangeStudyResult:
    """Tidy per-replicate ``results`` and the per (scenario, estimator, quantity, rule) ``summary``."""

    results: pd.DataFrame
    summary: pd.DataFrame
    seed: int
    replicates: int

    def save(self, directory: str) -> None:
        """Write ``results.csv`` and ``summary.csv`` into ``directory`` (created if needed)."""
        from pathlib import Path

        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        self.results.to_csv(out / "results.csv", index=False)
        self.summary.to_csv(out / "summary.csv", index=False)


@dataclass(frozen=True)
class _CaptureChange:
    """A two-period capture scenario as a change scenario (a class: picklable for workers)."""

    scenario: CaptureScenario

    def __call__(self, rng: np.random.Generator) -> tuple[Any, Any, float, float]:
        rec = self.scenario.records(rng)
        lists = list(self.scenario.probabilities)
        b, e = (CaptureHistories.from_records(rec[rec["period"] == p], lists=lists) for p in (0, 1))
        return b, e, float(self.scenario.sizes[0]), float(self.scenario.sizes[1])


def _two_periods(scenario: Any) -> ChangeScenario:
    if isinstance(scenario, CaptureScenario):
        if scenario.periods != 2:
            raise DataError(f"a change scenario needs 2 periods, this one has {scenario.periods}")
        return _CaptureChange(scenario)
    if callable(scenario):
        return scenario
    raise DataError(
        "a change scenario is a two-period CaptureScenario or f(rng) -> "
        "(baseline data, endline data, true baseline, true endline)"
    )


def _before_draws(est: Estimate, size: int, rng: np.random.Generator) -> np.ndarray:
    """The rule before issue 21: own draws, else a symmetric log-normal from the width."""
    if est.draws is not None and est.draws.size > 0:
        d = np.asarray(est.draws)
        return d if d.size == size else rng.choice(d, size=size, replace=True)
    z = critical_value(est.level, None)
    sd_log = (math.log(est.upper) - math.log(est.lower)) / (2.0 * z)
    return np.exp(rng.normal(math.log(est.value), sd_log, size))


def _before(b: Estimate, e: Estimate, rng: np.random.Generator) -> dict[str, tuple[float, float]]:
    same = b.draws is not None and e.draws is not None and b.draws.size == e.draws.size
    n = int(b.draws.size) if same and b.draws is not None else 10_000
    db, de = _before_draws(b, n, rng), _before_draws(e, n, rng)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(db > 0, de / db, np.nan)
    return {
        "difference": percentile_interval(de - db, b.level),
        "ratio": percentile_interval(ratio, b.level),
    }


def _with_seed(estimator: Any, seed: int) -> Any:
    if not hasattr(estimator, "seed"):
        return estimator
    out = copy.copy(estimator)
    out.seed = seed
    return out


def _task(args: tuple) -> list[dict[str, Any]]:
    """One scenario draw, every estimator on it (top-level: picklable for workers)."""
    scenario_index, scenario_name, scenario, replicate, seed, estimators = args
    ss = np.random.SeedSequence(seed, spawn_key=(scenario_index, replicate))
    data_seq, est_seq = ss.spawn(2)
    rows: list[dict[str, Any]] = []
    base = {"scenario": scenario_name, "replicate": replicate}
    data_b, data_e, true_b, true_e = scenario(np.random.default_rng(data_seq))
    truth = {"difference": true_e - true_b, "ratio": true_e / true_b}
    seeds = est_seq.generate_state(3 * len(estimators))
    for k, (name, estimator) in enumerate(estimators.items()):
        t0 = time.perf_counter()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                b = _with_seed(estimator, int(seeds[3 * k])).fit(data_b)
                e = _with_seed(estimator, int(seeds[3 * k + 1])).fit(data_e)
                after = compare_estimates(b, e, seed=int(seeds[3 * k + 2]))
                bca = compare_estimates(b, e, seed=int(seeds[3 * k + 2]), bootstrap="bca")
            before = _before(b, e, np.random.default_rng(int(seeds[3 * k + 2])))
            error = ""
        except Exception as exc:  # a failing fit is recorded, not fatal
            error = f"{type(exc).__name__}: {exc}"
        seconds = time.perf_counter() - t0
        for quantity in ("difference", "ratio"):
            row: dict[str, Any] = {
                **base,
                "estimator": name,
                "quantity": quantity,
                "truth": truth[quantity],
                "error": error,
                "seconds": seconds,
            }
            if not error:
                new = after.difference if quantity == "difference" else after.ratio
                two = bca.difference if quantity == "difference" else bca.ratio
                if quantity == "difference":
                    bound = (e.lower - b.upper, e.upper - b.lower)
                else:
                    bound = (e.lower / b.upper, e.upper / b.lower)
                row.update(
                    estimate=new.value,
                    baseline=b.value,
                    baseline_lower=b.lower,
                    baseline_upper=b.upper,
                    true_baseline=true_b,
                    endline=e.value,
                    endline_lower=e.lower,
                    endline_upper=e.upper,
                    true_endline=true_e,
                    bound_lower=bound[0],
                    bound_upper=bound[1],
                    lower_before=before[quantity][0],
                    upper_before=before[quantity][1],
                    lower_after=new.lower,
                    upper_after=new.upper,
                    interval_after=new.interval_method,
                    lower_bca=two.lower,
                    upper_bca=two.upper,
                    interval_bca=two.interval_method,
                )
            rows.append(row)
    return rows


def summarise_change(results: pd.DataFrame) -> pd.DataFrame:
    """Coverage, its Monte Carlo error, width and the share within the marginal bounds.

    One row per scenario, estimator, quantity and rule (``before``, ``bca``, ``after``). ``miss_low``
    and ``miss_high``: shares of intervals lying wholly below / above the truth.
    ``within_bounds``: share of intervals inside the bounds the marginal intervals imply
    (with a tolerance of 1e-9 relative for rounding).
    """
    rows = []
    ok = results[results["error"].fillna("") == ""]
    for (sc, est, q), g in ok.groupby(["scenario", "estimator", "quantity"], sort=False):
        for rule in ("before", "bca", "after"):
            lo, hi = g[f"lower_{rule}"].to_numpy(), g[f"upper_{rule}"].to_numpy()
            t = g["truth"].to_numpy()
            valid = np.isfinite(lo) & np.isfinite(hi)
            cover = (lo <= t) & (t <= hi)
            n = int(valid.sum())
            p = float(cover[valid].mean()) if n else math.nan
            tol = 1e-9 * np.maximum(np.abs(g["bound_lower"]), np.abs(g["bound_upper"])).to_numpy()
            inside = (lo >= g["bound_lower"].to_numpy() - tol) & (
                hi <= g["bound_upper"].to_numpy() + tol
            )
            rows.append(
                {
                    "scenario": sc,
                    "estimator": est,
                    "quantity": q,
                    "rule": rule,
                    "replicates": n,
                    "coverage": p,
                    "coverage_mcse": math.sqrt(p * (1 - p) / n) if n else math.nan,
                    "miss_low": float((hi < t)[valid].mean()) if n else math.nan,
                    "miss_high": float((lo > t)[valid].mean()) if n else math.nan,
                    "median_width": float(np.median((hi - lo)[valid])) if n else math.nan,
                    "within_bounds": float(inside[valid].mean()) if n else math.nan,
                    "bias": float(np.mean(g["estimate"] - g["truth"])),
                    "interval": ", ".join(sorted(set(g[f"interval_{rule}"].dropna())))
                    if rule != "before"
                    else "percentile of raw draws",
                }
            )
    failures = (
        results.assign(failed=results["error"].fillna("") != "")
        .groupby(["scenario", "estimator", "quantity"], sort=False)["failed"]
        .sum()
        .rename("failures")
        .reset_index()
    )
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    return out.merge(failures, on=["scenario", "estimator", "quantity"], how="left")


def change_study(
    estimators: Mapping[str, Any],
    scenarios: Mapping[str, Any],
    replicates: int,
    *,
    seed: int = 0,
    executor: Any = None,
    progress: bool | None = None,
    chunksize: int = 1,
) -> ChangeStudyResult:
    """Coverage of change intervals, before and after issue 21's rule.

    Parameters
    ----------
    estimators : mapping of name to estimator
        Objects with ``fit(data) -> Estimate``.
    scenarios : mapping of name to scenario
        Two-period :class:`~prevalence.simulate.CaptureScenario` objects, or callables
        ``f(rng) -> (baseline data, endline data, true baseline, true endline)``.
    replicates : int
        Draws per scenario.
    seed : int
        Same seed, same numbers, however the tasks run.
    executor : concurrent.futures.Executor or dask.distributed.Client, optional
        Where to run the tasks (``spawn`` process pools; default: serially).
    progress : bool, optional
        Progress bar (default: only on a terminal).

    Examples
    --------
    >>> from prevalence import LogLinearMSE
    >>> from prevalence.simulate import CaptureScenario
    >>> sc = CaptureScenario([3000, 2400], {"A": 0.3, "B": 0.3, "C": 0.3}, periods=2)
    >>> res = change_study({"independence": LogLinearMSE(interval="wald")}, {"easy": sc},
    ...                    replicates=2, seed=1)
    >>> sorted(set(res.summary["rule"]))
    ['after', 'bca', 'before']
    """
    check_study(estimators, scenarios, replicates, executor)
    draws = {name: _two_periods(sc) for name, sc in scenarios.items()}
    tasks = [
        (i, name, sc, r, int(seed), dict(estimators))
        for i, (name, sc) in enumerate(draws.items())
        for r in range(int(replicates))
    ]
    rows = run_tasks(
        _task, tasks, executor, progress=progress, chunksize=chunksize, label="change study"
    )
    results = pd.DataFrame(rows)
    return ChangeStudyResult(results, summarise_change(results), int(seed), int(replicates))


def change_scenarios() -> dict[str, CaptureScenario]:
    """The scenarios of the study in docs/comparisons.md: baseline and endline populations
    with heterogeneous catchability and dependence between lists."""
    from ..datasets import CAPTURES

    lists = {"A": 0.25, "B": 0.2, "C": 0.3, "D": 0.15}
    return {
        "demo population (5000 -> 3800)": CAPTURES,
        "smaller population (1500 -> 1100)": CaptureScenario(
            [1500, 1100], lists, heterogeneity=0.4, dependence={("A", "B"): 0.8}, periods=2
        ),
        "strong heterogeneity (1500 -> 1100)": CaptureScenario(
            [1500, 1100],
            {"A": 0.15, "B": 0.12, "C": 0.2, "D": 0.1},
            heterogeneity=0.8,
            dependence={("A", "B"): 1.0},
            periods=2,
        ),
    }


def change_estimators(n_boot: int = 1000) -> dict[str, Any]:
    """BIC selection with bootstrap, the independence model two ways, and a Bayesian model."""
    from ..mse.latent_class import LatentClassMSE
    from ..mse.loglinear import LogLinearMSE

    return {
        "BIC selection (BCa bootstrap)": LogLinearMSE(select="bic", n_boot=n_boot, progress=False),
        "independence (BCa bootstrap)": LogLinearMSE(
            interval="bootstrap", n_boot=n_boot, progress=False
        ),
        "independence (profile likelihood)": LogLinearMSE(interval="profile"),
        "latent classes (posterior)": LatentClassMSE(
            burnin=2000, samples=1000, thinning=5, chains=1
        ),
    }
