"""Simulation studies: run estimators on many draws of scenarios with known truth.

Every (scenario, replicate) pair is one task with its own random stream,
``SeedSequence(seed, spawn_key=(scenario index, replicate))``; estimators that take a ``seed``
get one derived from the same key. The numbers therefore depend only on ``seed``, never on
the order in which tasks run nor on where: serially, on a ``concurrent.futures`` executor, or
on a Dask cluster give identical results (the ``seconds`` column, a wall-clock measurement,
excepted).
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

from ..core.errors import DataError
from ..core.progress import Progress

__all__ = ["StudyResult", "study", "summarise"]

Scenario = Callable[[np.random.Generator], tuple[Any, float]]
RESULT_COLUMNS = [
    "scenario",
    "estimator",
    "replicate",
    "truth",
    "estimate",
    "lower",
    "upper",
    "seconds",
    "error",
]


@dataclass(frozen=True)
class StudyResult:
    """Tidy per-fit ``results`` and the per (scenario, estimator) ``summary``."""

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


def _task(args: tuple) -> list[dict[str, Any]]:
    """One scenario draw, every estimator on it (a top-level function: picklable for workers)."""
    scenario_index, scenario_name, scenario, replicate, seed, estimators = args
    ss = np.random.SeedSequence(seed, spawn_key=(scenario_index, replicate))
    data_seq, est_seq = ss.spawn(2)
    rows: list[dict[str, Any]] = []
    try:
        data, truth = scenario(np.random.default_rng(data_seq))
    except Exception as exc:  # a scenario that fails is recorded, not fatal
        for name in estimators:
            rows.append(
                {
                    "scenario": scenario_name,
                    "estimator": name,
                    "replicate": replicate,
                    "truth": math.nan,
                    "estimate": math.nan,
                    "lower": math.nan,
                    "upper": math.nan,
                    "seconds": 0.0,
                    "error": f"scenario failed: {type(exc).__name__}: {exc}",
                }
            )
        return rows
    est_seeds = est_seq.generate_state(len(estimators))
    for k, (name, estimator) in enumerate(estimators.items()):
        est = estimator
        if hasattr(estimator, "seed"):
            est = copy.copy(estimator)
            est.seed = int(est_seeds[k])
        t0 = time.perf_counter()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                result = est.fit(data)
            row = {
                "estimate": result.value,
                "lower": result.lower,
                "upper": result.upper,
                "error": "",
            }
        except Exception as exc:  # a failing fit is recorded, not fatal
            row = {
                "estimate": math.nan,
                "lower": math.nan,
                "upper": math.nan,
                "error": f"{type(exc).__name__}: {exc}",
            }
        rows.append(
            {
                "scenario": scenario_name,
                "estimator": name,
                "replicate": replicate,
                "truth": float(truth),
                **row,
                "seconds": time.perf_counter() - t0,
            }
        )
    return rows


def summarise(results: pd.DataFrame) -> pd.DataFrame:
    """One row per scenario and estimator: bias, relative bias, RMSE, coverage, width, failures, time."""
    rows = []
    for (scenario, estimator), g in results.groupby(["scenario", "estimator"], sort=False):
        ok = g[(g["error"] == "") & np.isfinite(g["estimate"])]
        err = ok["estimate"] - ok["truth"]
        has_interval = ok[np.isfinite(ok["lower"]) & np.isfinite(ok["upper"])]
        covered = (has_interval["lower"] <= has_interval["truth"]) & (
            has_interval["truth"] <= has_interval["upper"]
        )
        rows.append(
            {
                "scenario": scenario,
                "estimator": estimator,
                "replicates": len(g),
                "failures": int(len(g) - len(ok)),
                "failure_rate": (len(g) - len(ok)) / len(g),
                "bias": float(err.mean()) if len(ok) else math.nan,
                "relative_bias": float((err / ok["truth"]).mean()) if len(ok) else math.nan,
                "rmse": float(np.sqrt((err**2).mean())) if len(ok) else math.nan,
                "coverage": float(covered.mean()) if len(has_interval) else math.nan,
                "mean_width": float((has_interval["upper"] - has_interval["lower"]).mean())
                if len(has_interval)
                else math.nan,
                "mean_seconds": float(g["seconds"].mean()),
            }
        )
    return pd.DataFrame(rows)


def _is_dask_client(executor: Any) -> bool:
    return (
        type(executor).__name__ == "Client"
        and hasattr(executor, "gather")
        and hasattr(executor, "map")
    )


def check_study(
    estimators: Mapping[str, Any], scenarios: Mapping[str, Any], replicates: Any, executor: Any
) -> None:
    """Input checks shared by the studies: replicates, estimators, and a forking pool."""
    if int(replicates) != replicates or replicates < 1:
        raise DataError(f"replicates must be a positive whole number, got {replicates!r}")
    if not estimators or not scenarios:
        raise DataError("a study needs at least one estimator and one scenario")
    for name, est in estimators.items():
        if not hasattr(est, "fit"):
            raise DataError(f"estimator {name!r} has no fit method")
    context = getattr(executor, "_mp_context", None)
    if context is not None and context.get_start_method() == "fork":
        warnings.warn(
            "the process pool forks: numba's OpenMP threads (used by the MSE engine) are not fork-safe; "
            "create it with mp_context=multiprocessing.get_context('spawn')",
            RuntimeWarning,
            stacklevel=3,
        )


def run_tasks(
    task: Callable[[tuple], list[dict[str, Any]]],
    tasks: list[tuple],
    executor: Any,
    *,
    progress: bool | None,
    chunksize: int,
    label: str,
) -> list[dict[str, Any]]:
    """Run ``task`` on every element of ``tasks`` (serially, on an executor or on Dask)."""
    rows: list[dict[str, Any]] = []
    with Progress(len(tasks), label, enabled=progress) as bar:
        if executor is None:
            outputs: Any = map(task, tasks)
        elif _is_dask_client(executor):
            outputs = executor.gather(executor.map(task, tasks, pure=False))
        else:
            outputs = executor.map(task, tasks, chunksize=chunksize)
        for out in outputs:
            rows.extend(out)
            bar.update()
    return rows


def study(
    estimators: Mapping[str, Any],
    scenarios: Mapping[str, Scenario],
    replicates: int,
    *,
    seed: int = 0,
    executor: Any = None,
    progress: bool | None = None,
    chunksize: int = 1,
) -> StudyResult:
    """Run every estimator on ``replicates`` draws of every scenario.

    Parameters
    ----------
    estimators : mapping of name to estimator
        Objects with ``fit(data) -> Estimate`` (any estimator of the package, or your own).
    scenarios : mapping of name to callable
        ``f(rng) -> (data, truth)``, for example a :class:`~prevalence.simulate.CaptureScenario`.
    replicates : int
        Draws per scenario.
    seed : int
        Same seed, same numbers, however the tasks are executed.
    executor : concurrent.futures.Executor or dask.distributed.Client, optional
        Where to run the tasks (default: serially in this process). Create process pools with
        the ``spawn`` start method (numba's OpenMP threads are not fork-safe).
    progress : bool, optional
        Progress bar (default: only on a terminal).

    Returns
    -------
    StudyResult
        ``.results``: scenario, estimator, replicate, truth, estimate, lower, upper, seconds,
        error; ``.summary``: see :func:`summarise`.

    Examples
    --------
    >>> from prevalence import LogLinearMSE
    >>> from prevalence.simulate import CaptureScenario
    >>> res = study({"independence": LogLinearMSE(interval="wald")},
    ...             {"easy": CaptureScenario(3000, {"A": 0.3, "B": 0.3, "C": 0.3})}, replicates=3, seed=1)
    >>> list(res.summary.columns)[:4]
    ['scenario', 'estimator', 'replicates', 'failures']
    """
    check_study(estimators, scenarios, replicates, executor)
    for name, sc in scenarios.items():
        if not callable(sc):
            raise DataError(f"scenario {name!r} is not callable (expected f(rng) -> (data, truth))")
    est = dict(estimators)
    tasks = [
        (i, name, sc, r, int(seed), est)
        for i, (name, sc) in enumerate(scenarios.items())
        for r in range(int(replicates))
    ]
    rows = run_tasks(_task, tasks, executor, progress=progress, chunksize=chunksize, label="study")
    results = pd.DataFrame(rows, columns=RESULT_COLUMNS)
    order = {name: i for i, name in enumerate(scenarios)}
    eorder = {name: i for i, name in enumerate(estimators)}
    results = results.sort_values(
        ["scenario", "estimator", "replicate"],
        key=lambda s: (
            s.map(order)
            if s.name == "scenario"
            else (s.map(eorder) if s.name == "estimator" else s)
        ),
    ).reset_index(drop=True)
    return StudyResult(results, summarise(results), int(seed), int(replicates))
