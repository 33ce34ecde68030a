"""Simulation study of MSE by stratum: partial pooling against separate and complete pooling.

Each replicate draws the people of every stratum of a
:class:`~prevalence.simulate.StratifiedCaptureScenario` afresh and estimates the stratum sizes
and their total four ways:

* ``pooled``: :class:`~prevalence.mse.PooledStratifiedMSE` (partial pooling);
* ``complete pooling``: the same model with the spreads of list effects and interactions
  held near zero (prior scales 0.01): every stratum shares one set of list effects and
  interactions, only its size is its own;
* ``separate log-linear``: :class:`~prevalence.LogLinearMSE` in each stratum on its own, BIC
  selection over hierarchical models with the bootstrap interval;
* ``separate latent class``: :class:`~prevalence.LatentClassMSE` in each stratum on its own.

Separate fits that fail (no estimate exists in a thin stratum) are counted as failures; their
bias, error and coverage are computed over the fits that succeeded, which flatters them. The
totals of separate fits combine the strata as independent estimates
(:func:`~prevalence.core.compare.combine_independent`).

Every replicate's records and every estimator's seed come from
``SeedSequence(seed, spawn_key=(scenario, replicate))``: the results depend on ``seed`` only.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..core.compare import combine_independent
from ..core.errors import DataError, EstimationError
from ..core.progress import Progress
from ..core.results import Estimate
from ..simulate.stratified import StratifiedCaptureScenario

__all__ = ["pooled_scenarios", "pooled_study", "summarise_pooled"]

SMALL = 100  # strata under this many people are "small" in the summary

METHODS = ("pooled", "complete pooling", "separate log-linear", "separate latent class")


def pooled_scenarios(seed: int = 20261127) -> dict[str, StratifiedCaptureScenario]:
    """The study's scenarios: 12 strata (3 regions x 2 sexes x 2 years) of 20-500 people with
    3, 4 and 5 lists; heterogeneity (sd 0-0.8) and referral between the first two lists (0-1
    on the log-odds scale) differ by stratum; with 5 lists the fifth list is absent from
    about a third of the strata."""
    levels: dict[str, list[Any]] = {
        "region": ["north", "centre", "south"],
        "sex": ["f", "m"],
        "year": [2023, 2024],
    }
    return {
        "3 lists": StratifiedCaptureScenario.random(levels, 3, seed=seed),
        "4 lists": StratifiedCaptureScenario.random(levels, 4, seed=seed + 1),
        "5 lists, one absent in some strata": StratifiedCaptureScenario.random(
            levels, 5, absent_share=0.35, seed=seed + 2
        ),
    }


def _stratum_keys(scenario: StratifiedCaptureScenario) -> list[Any]:
    """The strata's labels as pandas groups them and the pooled model keys them: a tuple for
    several ``by`` columns, the value itself for one."""
    rows = scenario.strata[list(scenario.by)].itertuples(index=False, name=None)
    return [row if len(row) > 1 else row[0] for row in rows]


def _absent(scenario: StratifiedCaptureScenario) -> str | dict[str, list[Any]]:
    if scenario.absent is None:
        return "none"
    keys = _stratum_keys(scenario)
    out: dict[str, list[Any]] = {}
    for j, name in enumerate(scenario.lists):
        where = [keys[s] for s in np.flatnonzero(scenario.absent[:, j])]
        if where:
            out[name] = where
    return out


def _fit_separately(
    estimator: Any,
    records: pd.DataFrame,
    scenario: StratifiedCaptureScenario,
    labels: list[Any],
    seed: np.random.SeedSequence,
) -> tuple[list[Estimate | None], Estimate | None]:
    from ..mse.data.captures import CaptureHistories

    by = list(scenario.by)
    fits: list[Estimate | None] = []
    groups = dict(list(records.groupby(by, sort=True)))
    for s, label in enumerate(labels):
        rows = groups.get(label)
        present = [
            name
            for j, name in enumerate(scenario.lists)
            if scenario.absent is None or not scenario.absent[s, j]
        ]
        try:
            if rows is None:
                raise DataError("nobody observed")
            captures = CaptureHistories.from_records(rows, lists=present)
            est = _with_seed(estimator, seed.spawn(1)[0]).fit(captures)
            fits.append(est if np.isfinite(est.value) and np.isfinite(est.upper) else None)
        except (DataError, EstimationError, ValueError, np.linalg.LinAlgError):
            fits.append(None)
    fitted = [f for f in fits if f is not None]
    if len(fitted) < len(fits):
        return fits, None
    combined = combine_independent(
        fitted,
        {"total": lambda *xs: np.sum(xs, axis=0)},
        level=fitted[0].level,
        rng=np.random.default_rng(seed.spawn(1)[0]),
        n_draws=4000,
    )["total"]
    return fits, Estimate(combined.value, combined.lower, combined.upper, fitted[0].level)


def _with_seed(estimator: Any, seed: np.random.SeedSequence) -> Any:
    return estimator.clone(seed=int(seed.generate_state(1)[0]))


def pooled_study(
    replicates: int,
    seed: int,
    *,
    scenarios: Mapping[str, StratifiedCaptureScenario] | None = None,
    methods: tuple[str, ...] = METHODS,
    n_boot: int = 500,
    progress: bool | None = None,
) -> pd.DataFrame:
    """Run the study; one row per (scenario, replicate, method, stratum or total).

    Columns: ``scenario``, ``replicate``, ``method``, ``stratum`` (index, or ``"total"``),
    ``size`` (true), ``n_observed``, ``estimate``, ``lower``, ``upper`` (NaN when the fit
    failed), ``seconds`` (per method and replicate, on the total's row).
    """
    from ..mse.latent_class import LatentClassMSE
    from ..mse.loglinear import LogLinearMSE
    from ..mse.pooled import PooledStratifiedMSE

    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        raise DataError(f"unknown methods {unknown}; the methods are {list(METHODS)}")
    scenarios = dict(scenarios or pooled_scenarios())
    rows: list[dict[str, Any]] = []
    with Progress(len(scenarios) * replicates, "pooled study", enabled=progress) as bar:
        for i, (name, sc) in enumerate(scenarios.items()):
            labels = _stratum_keys(sc)
            common: dict[str, Any] = {"by": list(sc.by), "absent": _absent(sc), "progress": False}
            pooled = PooledStratifiedMSE(list(sc.lists), **common)
            complete = PooledStratifiedMSE(
                list(sc.lists),
                **common,
                priors={"list_spread": 0.01, "interaction_spread": 0.01},
            )
            separate = {
                "separate log-linear": LogLinearMSE(select="bic", n_boot=n_boot),
                "separate latent class": LatentClassMSE(
                    burnin=2000, samples=500, thinning=5, chains=2
                ),
            }
            for r in range(replicates):
                ss = np.random.SeedSequence(seed, spawn_key=(i, r))
                data_seed, *method_seeds = ss.spawn(1 + len(METHODS))
                records = sc.records(np.random.default_rng(data_seed))
                observed = records.groupby(list(sc.by), sort=True).size()
                n_obs = [int(observed.get(lab, 0)) for lab in labels]
                for method in methods:
                    mseed = method_seeds[METHODS.index(method)]
                    t0 = time.perf_counter()
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        if method in ("pooled", "complete pooling"):
                            model = pooled if method == "pooled" else complete
                            est = _with_seed(model, mseed).fit(records)
                            by_label = est.details["by_stratum"]
                            fits = [by_label[lab] for lab in labels]
                            total: Estimate | None = est
                        else:
                            fits, total = _fit_separately(
                                separate[method], records, sc, labels, mseed
                            )
                    seconds = time.perf_counter() - t0
                    for s, fit in enumerate(fits):
                        rows.append(
                            _row(name, r, method, s, int(sc.sizes[s]), n_obs[s], fit, np.nan)
                        )
                    rows.append(
                        _row(
                            name,
                            r,
                            method,
                            "total",
                            int(sc.sizes.sum()),
                            sum(n_obs),
                            total,
                            seconds,
                        )
                    )
                bar.update()
    return pd.DataFrame(rows)


def _row(
    scenario: str,
    replicate: int,
    method: str,
    stratum: Any,
    size: int,
    n_observed: int,
    est: Estimate | None,
    seconds: float,
) -> dict[str, Any]:
    return {
        "scenario": scenario,
        "replicate": replicate,
        "method": method,
        "stratum": stratum,
        "size": size,
        "n_observed": n_observed,
        "estimate": np.nan if est is None else float(est.value),
        "lower": np.nan if est is None else float(est.lower),
        "upper": np.nan if est is None else float(est.upper),
        "seconds": seconds,
    }


def summarise_pooled(results: pd.DataFrame) -> pd.DataFrame:
    """Bias, RMSE, coverage and interval width by scenario, method and stratum class.

    Classes: strata ``under 100`` people, strata of ``100 or more``, and the ``total``.
    ``failed`` is the share of fits with no estimate; the other figures are over the rest.
    """
    r = results.copy()
    is_total = r["stratum"].astype(str) == "total"
    r["class"] = np.where(
        is_total, "total", np.where(r["size"] < SMALL, f"under {SMALL}", f"{SMALL} or more")
    )
    r["error"] = r["estimate"] - r["size"]
    r["covered"] = (r["lower"] <= r["size"]) & (r["size"] <= r["upper"])
    r["width"] = r["upper"] - r["lower"]
    ok = r["estimate"].notna()
    out = []
    for (scenario, method, cls), g in r.groupby(["scenario", "method", "class"], sort=False):
        good = g[ok.loc[g.index]]
        out.append(
            {
                "scenario": scenario,
                "method": method,
                "class": cls,
                "fits": len(g),
                "failed": 1.0 - len(good) / len(g),
                "bias": good["error"].mean(),
                "relative_bias": (good["error"] / good["size"]).mean(),
                "rmse": float(np.sqrt(np.mean(good["error"] ** 2))) if len(good) else np.nan,
                "relative_rmse": float(np.sqrt(np.mean((good["error"] / good["size"]) ** 2)))
                if len(good)
                else np.nan,
                "coverage": good["covered"].mean(),
                "median_width": good["width"].median(),
            }
        )
    return pd.DataFrame(out)
