"""Bayesian hierarchical prevalence by area and period: the estimator of the common interface."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from ..core.checks import column_names
from ..core.details import Details
from ..core.errors import DataError, EstimationWarning
from ..core.estimator import Estimator
from ..core.intervals import check_level
from ..core.mcmc import (
    MIN_ESS,
    RHAT_LIMIT,
    check_sampler,
    convergence_diagnostics,
    rank_diagnostics,
    sample_pymc,
)
from ..core.random import SeedLike
from ..core.results import Comparison, Estimate
from .data import AreaData, prepare
from .details import HierarchicalDetails
from .model import build_model, resolve_priors

__all__ = ["HierarchicalPrevalence"]

log = logging.getLogger(__name__)

RHAT_MAX = RHAT_LIMIT  # the package's one convergence rule (core.mcmc)
ESS_MIN = MIN_ESS


class HierarchicalPrevalence(Estimator):
    """Partially pooled prevalence by area (and period) with PyMC.

    Configure it with the column names of a tidy frame, one row per area and period; give
    either ``cases`` and ``trials`` (counts, possibly effective counts from a survey design)
    or ``estimate`` and ``std_error`` (direct estimates, the Fay-Herriot model). See
    :mod:`prevalence.bayes.model` for the model and its default priors.

    Parameters
    ----------
    area, period : str
        Area and (optional) period columns.
    cases, trials, estimate, std_error, population : str, optional
        Data columns; ``population`` weights the national (or regional) aggregate and gives
        counts of people. Without it, areas are weighted by ``trials`` (counts model) or
        equally (direct estimates).
    covariates : sequence of str
        Area-level covariates (standardised internally).
    scale : {"logit", "log"}
        Scale of the linear predictor for direct estimates.
    draws, tune, chains, cores, target_accept, max_treedepth : sampler settings
        NUTS settings (``cores`` defaults to the number of CPUs, at most ``chains``).
    sampler : {"auto", "nutpie", "pymc"}
        ``"nutpie"`` compiles the model with numba and samples with nutpie (a compiled NUTS,
        several times faster; a refit of data of the same shape in the same session reuses
        the compilation); ``"pymc"`` is PyMC's own NUTS; ``"auto"`` takes nutpie when it is
        installed. A seed gives identical draws within each route
        (:func:`~prevalence.core.mcmc.sample_pymc`).
    seed : int or Generator
        The same seed gives identical draws.
    priors : mapping, optional
        Overrides of the prior scales (``intercept_sd``, ``coef_sd``, ``area_sd``,
        ``period_sd``, ``change_sd``).
    level : float
        Credible interval level (equal-tailed).
    progress : bool, optional
        Show PyMC's progress bar (default: only on a terminal).
    programme : str, optional
        A 0/1 column marking the areas with the programme (constant within an area). The
        model then has a programme effect per later period (``details["programme_effect"]``,
        on the logit scale: the extra change of programme areas) and keeps the posterior
        draws of the weighted prevalence of each group and period in
        ``details["group_draws"]``, from which
        :class:`~prevalence.impact.DifferenceInDifferences` forms the posterior of the DiD.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"region": ["a", "b", "c"], "cases": [3, 10, 6],
    ...                       "n": [50, 120, 80], "pop": [1e5, 3e5, 2e5]})
    >>> model = HierarchicalPrevalence(area="region", cases="cases", trials="n",
    ...                                population="pop", draws=200, tune=200, chains=2, seed=1)
    >>> est = model.fit(frame)  # doctest: +SKIP
    """

    input_kinds = ("areas",)
    details_schema = HierarchicalDetails
    #: What the method assumes, in words (the run report's methods section).
    assumptions = (
        "A Bayesian hierarchical (partially pooled) model of prevalence by area and period "
        "(binomial counts or direct estimates on the logit scale, with PyMC). Assumes the "
        "areas' prevalences are exchangeable given the covariates, so that small areas borrow "
        "strength from the others; the result depends on the priors when areas have little "
        "data."
    )

    def __init__(
        self,
        area: str,
        period: str | None = None,
        cases: str | None = None,
        trials: str | None = None,
        estimate: str | None = None,
        std_error: str | None = None,
        population: str | None = None,
        covariates: Sequence[str] = (),
        *,
        scale: str = "logit",
        draws: int = 1000,
        tune: int = 1000,
        chains: int = 4,
        cores: int | None = None,
        target_accept: float = 0.95,
        max_treedepth: int = 10,
        seed: SeedLike = None,
        priors: Mapping[str, float] | None = None,
        level: float = 0.95,
        progress: bool | None = None,
        programme: str | None = None,
        sampler: str = "auto",
    ) -> None:
        if scale not in ("logit", "log"):
            raise ValueError(f"scale must be 'logit' or 'log', got {scale!r}")
        for name, value, low in (("draws", draws, 1), ("tune", tune, 0), ("chains", chains, 1)):
            if int(value) != value or value < low:
                raise ValueError(f"{name} must be a whole number of at least {low}, got {value!r}")
        if not 0 < target_accept < 1:
            raise ValueError(f"target_accept must lie in (0, 1), got {target_accept!r}")
        self.area = area
        self.period = period
        self.cases = cases
        self.trials = trials
        self.estimate = estimate
        self.std_error = std_error
        self.population = population
        # the arguments as given (get_params returns them); their checked forms, private
        self.covariates = covariates
        self._covariates = column_names("covariates", covariates)
        self.scale = scale
        self.draws = int(draws)
        self.tune = int(tune)
        self.chains = int(chains)
        self.cores = cores
        self.target_accept = float(target_accept)
        self.max_treedepth = int(max_treedepth)
        self.seed = seed
        self.priors = priors
        self._priors = resolve_priors(priors)
        self.level = check_level(level)
        self.progress = progress
        self.programme = programme
        self.sampler = check_sampler(sampler)

    # ------------------------------------------------------------------ fitting
    def _prepare(self, frame: pd.DataFrame, period: str | None = None) -> AreaData:
        d = prepare(
            frame,
            area=self.area,
            period=self.period if period is None else period,
            cases=self.cases,
            trials=self.trials,
            estimate=self.estimate,
            std_error=self.std_error,
            population=self.population,
            covariates=self._covariates,
            scale=self.scale,
        )
        if self.programme is None:
            return d
        return replace(d, programme=_programme_indicator(d, self.programme))

    def _sample(self, d: AreaData) -> Any:
        return sample_pymc(
            build_model(d, self._priors),
            draws=self.draws,
            tune=self.tune,
            chains=self.chains,
            seed=self.seed,
            progress=self.progress,
            target_accept=self.target_accept,
            max_treedepth=self.max_treedepth,
            cores=self.cores,
            sampler=self.sampler,
            compile_key=_compile_key(d, self._priors),
        )

    def fit(self, data: pd.DataFrame) -> Estimate:
        """Fit the model; the estimate is the national prevalence of the last period.

        ``details`` holds ``areas`` (area, period, value, lower, upper, direct, rhat, ess_bulk),
        ``national`` (one row per period, with counts when ``population`` is given),
        ``change`` (last minus first period, nationally and by area) when there are several
        periods, the ArviZ ``idata`` and the convergence ``diagnostics``.
        """
        d = self._prepare(data)
        idata = self._sample(d)
        return self._summarise(d, idata)

    def compare(
        self,
        baseline: pd.DataFrame,
        endline: pd.DataFrame,
        *,
        seed: SeedLike = None,
        n_draws: int | None = None,
    ) -> Comparison:
        """Baseline against endline from the joint posterior of one model over both periods.

        Both frames hold one row per area; they are stacked with a period marker and fitted
        together, so area effects are shared and the change (pooled and by area) is itself
        partially pooled. Difference and ratio come draw by draw from the joint posterior.
        ``seed`` (default: the estimator's) seeds the sampler; the number of draws is the
        posterior's (``draws`` x ``chains``), so ``n_draws`` is refused rather than ignored.
        """
        if n_draws is not None:
            raise ValueError(
                "HierarchicalPrevalence.compare uses every posterior draw (draws x chains); "
                "set draws= in the constructor instead of n_draws"
            )
        if seed is not None:
            return self.clone(seed=seed).compare(baseline, endline)
        marker = "__period__"
        for f, name in ((baseline, "baseline"), (endline, "endline")):
            if not isinstance(f, pd.DataFrame):
                raise DataError(f"{name} must be a DataFrame, got {type(f).__name__}")
            if marker in f.columns:
                raise DataError(f"{name} must not have a column named {marker!r}")
        drop = [self.period] if self.period else []
        both = pd.concat(
            [
                baseline.drop(columns=drop, errors="ignore").assign(**{marker: 0}),
                endline.drop(columns=drop, errors="ignore").assign(**{marker: 1}),
            ],
            ignore_index=True,
        )
        d = self._prepare(both, period=marker)
        idata = self._sample(d)
        est = self._summarise(d, idata)
        return self._comparison(est, 0, 1)

    def compare_periods(self, frame: pd.DataFrame, baseline: Any, endline: Any) -> Comparison:
        """Compare two periods of a frame that has the ``period`` column, from one joint fit."""
        if self.period is None:
            raise DataError("compare_periods needs the estimator's period= column")
        est = self.fit(frame)
        labels = list(est.details["national"]["period"])
        for value in (baseline, endline):
            if value not in labels:
                raise DataError(f"period {value!r} is not in the data (periods: {labels})")
        return self._comparison(est, labels.index(baseline), labels.index(endline))

    # ------------------------------------------------------------------ summaries
    def _summarise(self, d: AreaData, idata: Any) -> Estimate:
        p = idata.posterior["p"].to_numpy()  # (chains, draws, rows)
        flat = p.reshape(-1, p.shape[-1])
        a = (1.0 - self.level) / 2.0
        q = np.quantile(flat, [a, 0.5, 1 - a], axis=0)
        diag = rank_diagnostics(p)  # ArviZ's rank R-hat and ESS, vectorised over the rows
        rhat, ess_bulk, ess_tail = diag["rhat"], diag["ess_bulk"], diag["ess_tail"]
        areas = pd.DataFrame(
            {
                "area": [d.area_labels[i] for i in d.area],
                "period": [d.period_labels[t] for t in d.period],
                "value": q[1],
                "lower": q[0],
                "upper": q[2],
                "direct": d.direct,
                "rhat": rhat,
                "ess_bulk": ess_bulk,
                "ess_tail": ess_tail,
            }
        )
        notes: list[str] = []
        if d.population is not None:
            weights, how = d.population, "population"
        elif d.kind == "counts" and d.trials is not None:
            weights, how = d.trials, "trials"
            notes.append(
                "no population given: areas are weighted by their sample sizes in the aggregate"
            )
        else:
            weights, how = np.ones(len(d.area)), "equal"
            notes.append("no population given: areas are weighted equally in the aggregate")
        national_draws = []
        rows = []
        for t, label in enumerate(d.period_labels):
            m = d.period == t
            w = weights[m]
            draws_t = flat[:, m] @ w / w.sum()
            national_draws.append(draws_t)
            lo, med, hi = np.quantile(draws_t, [a, 0.5, 1 - a])
            row = {"period": label, "value": med, "lower": lo, "upper": hi}
            if d.population is not None:
                counts = flat[:, m] @ d.population[m]
                c_lo, c_med, c_hi = np.quantile(counts, [a, 0.5, 1 - a])
                row.update(count=c_med, count_lower=c_lo, count_upper=c_hi)
            rows.append(row)
        national = pd.DataFrame(rows)
        group_draws = {}
        if d.programme is not None:
            for t, label in enumerate(d.period_labels):
                for role, flag in (("programme", 1), ("comparison", 0)):
                    m = (d.period == t) & (d.programme == flag)
                    group_draws[(role, label)] = flat[:, m] @ weights[m] / weights[m].sum()
        diagnostics = self._diagnostics(idata, rhat, ess_bulk, ess_tail, notes)
        details: dict[str, Any] = {
            "areas": areas,
            "national": national,
            "weights": how,
            "idata": idata,
            "diagnostics": diagnostics,
            "sampler": idata.posterior.attrs.get("sampler", "pymc"),
            "priors": dict(self._priors),
            "model": "Fay-Herriot (direct estimates)" if d.kind == "direct" else "binomial counts",
            "n_areas": d.n_areas,
            "n_periods": d.n_periods,
            "national_draws": np.array(national_draws),
        }
        if d.programme is not None:
            effect = idata.posterior["programme_effect"].to_numpy().reshape(-1, d.n_periods - 1)
            eq = np.quantile(effect, [a, 0.5, 1 - a], axis=0)
            details["programme_effect"] = pd.DataFrame(
                {
                    "period": d.period_labels[1:],
                    "value": eq[1],
                    "lower": eq[0],
                    "upper": eq[2],
                    "probability_negative": (effect < 0).mean(axis=0),
                }
            )
            details["group_draws"] = group_draws
        if d.n_areas == 1:
            notes.append(
                "only one area: no partial pooling is possible, the model reduces to that area's data"
            )
        if d.n_periods > 1:
            change = national_draws[-1] - national_draws[0]
            lo, med, hi = np.quantile(change, [a, 0.5, 1 - a])
            by_area = flat[:, d.period == d.n_periods - 1] - flat[:, d.period == 0]
            aq = np.quantile(by_area, [a, 0.5, 1 - a], axis=0)
            details["change"] = {
                "national": {"value": med, "lower": lo, "upper": hi},
                "areas": pd.DataFrame(
                    {
                        "area": [d.area_labels[i] for i in d.area[d.period == 0]],
                        "value": aq[1],
                        "lower": aq[0],
                        "upper": aq[2],
                    }
                ),
            }
        for w in notes:
            warnings.warn(w, EstimationWarning, stacklevel=3)
        last = national_draws[-1]
        lo, med, hi = np.quantile(last, [a, 0.5, 1 - a])
        period_note = f", period {d.period_labels[-1]!r}" if d.n_periods > 1 else ""
        return Estimate(
            value=med,
            lower=lo,
            upper=hi,
            level=self.level,
            method=f"hierarchical {details['model']} model, national prevalence{period_note} "
            f"(posterior median, equal-tailed credible interval)",
            draws=last,
            details=details,
            warnings=tuple(notes),
            draws_kind="posterior",
            interval_method="credible",
            scale="proportion",
        )

    def _diagnostics(
        self, idata: Any, rhat: Any, ess_bulk: Any, ess_tail: Any, notes: list[str]
    ) -> Details:
        out = convergence_diagnostics(rhat, ess_bulk, ess_tail, idata.sample_stats)
        divergences, depth_hits = out["divergences"], out["max_treedepth_hits"]
        if out["max_rhat"] > RHAT_MAX:
            notes.append(
                f"R-hat up to {out['max_rhat']:.3f} (> {RHAT_MAX}) for {int((rhat > RHAT_MAX).sum())} area "
                "prevalences: the chains have not mixed; run more draws and tuning steps"
            )
        if out["min_ess_bulk"] < ESS_MIN or out["min_ess_tail"] < ESS_MIN:
            notes.append(
                f"effective sample size down to {min(out['min_ess_bulk'], out['min_ess_tail']):.0f} "
                f"(< {ESS_MIN}): intervals are imprecise; increase draws"
            )
        if divergences:
            notes.append(
                f"{divergences} divergent transitions: raise target_accept (now {self.target_accept}) "
                "or check the data for areas with extreme values"
            )
        if depth_hits:
            notes.append(
                f"{depth_hits} transitions hit the maximum tree depth ({self.max_treedepth}): raise "
                "max_treedepth or rescale the covariates"
            )
        return out

    def _comparison(self, est: Estimate, i: int, j: int) -> Comparison:
        draws = est.details["national_draws"]
        level = self.level
        a = (1.0 - level) / 2.0
        national = est.details["national"]

        def period_estimate(k: int) -> Estimate:
            lo, med, hi = np.quantile(draws[k], [a, 0.5, 1 - a])
            return Estimate(
                med,
                lo,
                hi,
                level,
                f"national prevalence, period {national['period'][k]!r} (joint model)",
                draws[k],
                {"period": national["period"][k]},
                draws_kind="posterior",
                interval_method="credible",
                scale="proportion",
            )

        b, e = period_estimate(i), period_estimate(j)
        diff = draws[j] - draws[i]
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = draws[j] / draws[i]
        dq = np.quantile(diff, [a, 0.5, 1 - a])
        rq = np.quantile(ratio[np.isfinite(ratio)], [a, 0.5, 1 - a])
        shared = {
            "source": "joint posterior",
            "idata": est.details["idata"],
            "areas": est.details["areas"],
        }
        difference = Estimate(
            dq[1],
            dq[0],
            dq[2],
            level,
            "change endline - baseline (joint posterior)",
            diff,
            {**shared, "probability_decrease": float(np.mean(diff < 0))},
            est.warnings,
            draws_kind="posterior",
            interval_method="credible",
            scale="proportion",
        )
        ratio_est = Estimate(
            rq[1],
            rq[0],
            rq[2],
            level,
            "ratio endline / baseline (joint posterior)",
            ratio,
            shared,
            est.warnings,
            draws_kind="posterior",
            interval_method="credible",
            scale="ratio",
        )
        return Comparison(b, e, difference, ratio_est)


def _compile_key(d: AreaData, priors: Mapping[str, float]) -> tuple:
    """Everything :func:`~prevalence.bayes.model.build_model` bakes into the graph besides
    its data variables: a compiled model is reused only for data that agree on all of it."""
    return (
        "HierarchicalPrevalence",
        d.kind,
        d.scale,
        d.n_areas,
        d.n_periods,
        len(d.area),
        d.X.shape[1],
        d.programme is not None,
        tuple(sorted(priors.items())),
    )


def _programme_indicator(d: AreaData, column: str) -> np.ndarray:
    """The 0/1 programme indicator per row, checked: constant within areas, both groups present."""
    frame = d.frame
    if column not in frame.columns:
        raise DataError(
            f"unknown programme column {column!r}; the frame has columns {list(frame.columns)}"
        )
    raw = frame[column]
    g = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
    bad = ~np.isin(g, (0.0, 1.0))
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise DataError(
            f"programme column {column!r} must hold 0/1, found {raw.iloc[pos]!r} at row {pos}"
        )
    per_area = pd.Series(g).groupby(d.area).nunique()
    if (per_area > 1).any():
        a = int(per_area.index[np.argmax(per_area.to_numpy() > 1)])
        raise DataError(
            f"programme column {column!r} changes within area {d.area_labels[a]!r}: the programme "
            "indicator belongs to an area, not to a period"
        )
    if d.n_periods < 2:
        raise DataError("a programme effect needs at least two periods (a baseline and later)")
    if g.min() == g.max():
        raise DataError(
            f"programme column {column!r} has only {'programme' if g.max() else 'comparison'} "
            "areas: a programme effect needs both"
        )
    return g
