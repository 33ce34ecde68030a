"""Bayesian evidence synthesis: one estimate from case lists, surveys and network data."""

from __future__ import annotations

import logging
import math
import uuid
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import ndtr
from scipy.stats import binom

from ..core.compare import compare_estimates
from ..core.errors import DataError, EstimationWarning
from ..core.estimator import Estimator
from ..core.intervals import check_level
from ..core.mcmc import (
    check_sampler,
    convergence_diagnostics,
    convergence_warnings,
    rank_diagnostics,
    sample_pymc,
)
from ..core.random import SeedLike, as_generator, independent_seed
from ..core.results import Comparison, Estimate
from .details import SynthesisDetails
from .model import build_model, resolve_priors
from .sources import EstimateSource, ListSource, Prepared, prepare

__all__ = ["EvidenceSynthesis"]

log = logging.getLogger(__name__)

#: A source's posterior predictive p-value below this (two-sided) is reported as a conflict.
CONFLICT_P = 0.01


class EvidenceSynthesis(Estimator):
    """One estimate of a hidden population from every source of it, by area and period.

    Case lists (multiple systems estimation), survey prevalences, network scale-up and RDS
    estimates of the same population, each with its own visibility (the share of the truth
    it measures, a prior the user states) or declared the anchor, enter one Bayesian model
    whose areas are partially pooled and whose periods are fitted together, so that the
    change from baseline to endline and its interval come from the joint posterior. The model
    is written out in :mod:`prevalence.synthesis.model`.

    Parameters
    ----------
    area : str
        The area column of every table.
    period : str, optional
        The period column (the first period in sorted order is the baseline).
    population : str, optional
        The population table's column of people per area and period; needed for prevalences
        (and for sources given as prevalences).
    sources : sequence of ListSource or EstimateSource
        The sources; each source's table is given to :meth:`fit` under its name.
    draws, tune, chains, cores, target_accept : sampler settings
        NUTS settings (``cores`` defaults to the CPUs, at most ``chains``).
    sampler : {"auto", "nutpie", "pymc"}
        NUTS implementation (:func:`~prevalence.core.mcmc.sample_pymc`); a refit of data of
        the same shape reuses nutpie's compilation.
    priors : mapping, optional
        Overrides of :data:`~prevalence.synthesis.model.DEFAULT_SYNTHESIS_PRIORS`.
    level : float
        Credible level (equal-tailed intervals).
    seed : int or Generator
        The same seed gives identical draws (within each sampler).
    progress : bool, optional
        Progress bar (default: only on a terminal).

    Examples
    --------
    >>> from prevalence.synthesis import EstimateSource, EvidenceSynthesis, ListSource
    >>> model = EvidenceSynthesis(
    ...     area="region", period="year", population="people",
    ...     sources=[ListSource("lists", ["police", "ngo", "shelter"], visibility=(0.5, 0.9)),
    ...              EstimateSource("survey", "prevalence", "se", scale="prevalence",
    ...                             anchor=True)],
    ...     seed=1)
    >>> est = model.fit({"population": pop, "lists": records, "survey": survey})  # doctest: +SKIP
    >>> est.details["change"]["areas"]  # did it fall, by region  # doctest: +SKIP
    >>> model.compare_periods(est, 2020, 2024, area="north").probability_reduced(
    ...     by=0.2)  # doctest: +SKIP
    """

    input_kinds = ()
    details_schema = SynthesisDetails
    #: What the method assumes, in words (the run report's methods section).
    assumptions = (
        "A Bayesian evidence synthesis: one latent number of people per area and period, "
        "partially pooled across areas, that every source measures with its own visibility "
        "(the share of the truth it sees; a prior stated by the analyst, the same in every "
        "area and period) or without bias (the anchor). Case lists enter through the "
        "log-linear capture-recapture likelihood, estimates through their sampling errors. "
        "The result rests on the stated visibilities: a source whose bias changed between "
        "baseline and endline biases the change."
    )

    def __init__(
        self,
        area: str,
        period: str | None = None,
        population: str | None = None,
        sources: Sequence[ListSource | EstimateSource] = (),
        *,
        draws: int = 1000,
        tune: int = 1000,
        chains: int = 4,
        cores: int | None = None,
        target_accept: float = 0.95,
        sampler: str = "auto",
        priors: Mapping[str, float] | None = None,
        level: float = 0.95,
        seed: SeedLike = None,
        progress: bool | None = None,
    ) -> None:
        for name, column in (("area", area), ("period", period), ("population", population)):
            if column is not None and not isinstance(column, str):
                raise DataError(f"{name} must name a column, got {column!r}")
        if area is None:
            raise DataError("area must name a column")
        self.area, self.period, self.population = area, period, population
        self.sources = sources
        srcs = list(sources)
        for s in srcs:
            if not isinstance(s, ListSource | EstimateSource):
                raise DataError(
                    f"sources holds ListSource and EstimateSource objects, got {type(s).__name__}"
                )
        names = [s.name for s in srcs]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise DataError(f"two sources are named {dup[0]!r}: every source needs its own name")
        if not srcs:
            raise DataError("sources is empty: a synthesis needs at least one source")
        self._sources = tuple(srcs)
        for name, value, low in (("draws", draws, 1), ("tune", tune, 0), ("chains", chains, 1)):
            if isinstance(value, bool) or int(value) != value or value < low:
                raise DataError(f"{name} must be a whole number of at least {low}, got {value!r}")
        if not 0 < target_accept < 1:
            raise DataError(f"target_accept must lie in (0, 1), got {target_accept!r}")
        self.draws, self.tune, self.chains = int(draws), int(tune), int(chains)
        if cores is not None and (isinstance(cores, bool) or int(cores) != cores or cores < 1):
            raise DataError(f"cores must be a whole number of at least 1 or None, got {cores!r}")
        self.cores = cores
        self.target_accept = float(target_accept)
        self.sampler = check_sampler(sampler)
        self.priors = priors
        self._priors = resolve_priors(priors)
        self.level = check_level(level)
        self.seed = seed
        self.progress = progress

    # ------------------------------------------------------------------ fitting
    def prepare(self, data: Mapping[str, Any]) -> Prepared:
        """Check the tables and build the model's arrays (no sampling)."""
        return prepare(
            self._sources, data, area=self.area, period=self.period, population=self.population
        )

    def _compile_key(self, d: Prepared) -> tuple:
        return (
            "EvidenceSynthesis",
            len(d.area_labels),
            len(d.period_labels),
            tuple((type(s).__name__, getattr(s, "interactions", "")) for s in d.sources),
            tuple((lc.source, lc.counts.shape, lc.design.shape) for lc in d.lists),
            int(d.estimates.binomial.sum()),
            int((~d.estimates.binomial).sum()),
            tuple(sorted(self._priors.items())),
        )

    def fit(self, data: Mapping[str, Any]) -> Estimate:
        """Sample the joint posterior; the estimate is the total number of the last period.

        ``data`` maps ``"population"`` to the table of areas and periods (one row each, with
        the population column) and each source's name to its table. ``details`` holds the
        cells (every area and period), the totals by period, the change from the first to
        the last period (national and by area, with the probability that it fell), each
        source's own estimates beside the combined ones with posterior predictive checks,
        the visibilities' posteriors, ``by_cell`` and ``by_period`` estimates for
        comparisons, DiD and targets, the diagnostics and the ``InferenceData``.
        """
        d = self.prepare(data)
        idata = sample_pymc(
            build_model(d, self._priors),
            draws=self.draws,
            tune=self.tune,
            chains=self.chains,
            seed=self.seed,
            progress=self.progress,
            target_accept=self.target_accept,
            cores=self.cores,
            sampler=self.sampler,
            compile_key=self._compile_key(d),
        )
        return self._summarise(d, idata)

    # ------------------------------------------------------------------ results
    def _summarise(self, d: Prepared, idata: Any) -> Estimate:
        a = (1.0 - self.level) / 2.0
        probs = [a, 0.5, 1 - a]
        log_count = idata.posterior["log_count"].to_numpy()  # (chains, draws, C)
        counts = np.exp(log_count)
        chains, n_draws, C = counts.shape
        flat = counts.reshape(-1, C)
        T = len(d.period_labels)
        by_period = np.stack(
            [counts[:, :, d.cell_period == t].sum(axis=2) for t in range(T)], axis=2
        )  # (chains, draws, T)
        diag_cells = rank_diagnostics(log_count)
        diag_total = rank_diagnostics(np.log(by_period))
        notes = convergence_warnings(
            {
                "rhat": float(np.nanmax(diag_cells["rhat"])),
                "ess_bulk": float(np.min(diag_cells["ess_bulk"])),
                "ess_tail": float(np.min(diag_cells["ess_tail"])),
            },
            "the area counts",
            "raise draws and tune",
        )
        diagnostics = convergence_diagnostics(
            np.concatenate([diag_cells["rhat"], diag_total["rhat"]]),
            np.concatenate([diag_cells["ess_bulk"], diag_total["ess_bulk"]]),
            np.concatenate([diag_cells["ess_tail"], diag_total["ess_tail"]]),
            idata.sample_stats,
        )
        if diagnostics["divergences"]:
            notes.append(
                f"{diagnostics['divergences']} divergent transitions: raise target_accept (now "
                f"{self.target_accept}) or tighten the priors"
            )
        q = np.quantile(flat, probs, axis=0)
        people = d.population
        areas = [d.area_labels[i] for i in d.cell_area]
        periods = [d.period_labels[t] for t in d.cell_period]
        cells = pd.DataFrame(
            {
                "area": areas,
                "period": periods,
                "value": q[1],
                "lower": q[0],
                "upper": q[2],
                "rhat": diag_cells["rhat"],
                "ess_bulk": diag_cells["ess_bulk"],
            }
        )
        if d.has_population:
            cells.insert(2, "population", people)
            for col in ("value", "lower", "upper"):
                cells[f"prevalence_{col}" if col != "value" else "prevalence"] = cells[col] / people
        ppc, vis_table, list_own = self._checks(d, idata)
        conflicts = self._conflicts(ppc, vis_table)
        notes += conflicts
        for w in notes:
            warnings.warn(w, EstimationWarning, stacklevel=3)
        method = (
            f"Bayesian evidence synthesis of {len(d.sources)} source"
            f"{'s' if len(d.sources) > 1 else ''} "
            f"({', '.join(s.name for s in d.sources)}), {len(d.area_labels)} areas x "
            f"{T} periods, posterior median and equal-tailed interval"
        )
        posterior_id = f"EvidenceSynthesis:{uuid.uuid4().hex}"

        def estimate(draws: np.ndarray, what: str, extra: Mapping[str, Any]) -> Estimate:
            return _posterior_count(
                draws,
                self.level,
                f"{method}; {what}",
                {"posterior_id": posterior_id, **extra},
                tuple(notes),
            )

        by_cell = {
            (areas[c], periods[c]): estimate(
                flat[:, c],
                f"area {areas[c]!r}, period {periods[c]!r}",
                {"area": areas[c], "period": periods[c]},
            )
            for c in range(C)
        }
        period_flat = by_period.reshape(-1, T)
        by_period_est = {
            d.period_labels[t]: estimate(
                period_flat[:, t],
                f"total of period {d.period_labels[t]!r}",
                {"period": d.period_labels[t]},
            )
            for t in range(T)
        }
        pq = np.quantile(period_flat, probs, axis=0)
        national = pd.DataFrame(
            {"period": d.period_labels, "value": pq[1], "lower": pq[0], "upper": pq[2]}
        )
        if d.has_population:
            pop_t = np.array([people[d.cell_period == t].sum() for t in range(T)])
            national["population"] = pop_t
            national["prevalence"] = pq[1] / pop_t
            national["prevalence_lower"] = pq[0] / pop_t
            national["prevalence_upper"] = pq[2] / pop_t
        details: dict[str, Any] = {
            "cells": cells,
            "national": national,
            "by_cell": by_cell,
            "by_period": by_period_est,
            "sources": ppc,
            "own_estimates": list_own,
            "visibility": vis_table,
            "conflicts": list(conflicts),
            "posterior_id": posterior_id,
            "n_areas": len(d.area_labels),
            "n_periods": T,
            "diagnostics": diagnostics,
            "sampler": idata.posterior.attrs.get("sampler", "pymc"),
            "priors": dict(self._priors),
            "idata": idata,
        }
        if T > 1:
            details["change"] = self._change(d, by_cell, by_period_est)
        last = d.period_labels[-1]
        final = by_period_est[last]
        return Estimate(
            value=final.value,
            lower=final.lower,
            upper=final.upper,
            level=self.level,
            method=f"{method}; total of period {last!r}",
            draws=final.draws,
            details=details,
            warnings=tuple(notes),
            draws_kind="posterior",
            interval_method="credible",
            scale="count",
        )

    def _change(
        self, d: Prepared, by_cell: Mapping[Any, Estimate], by_period: Mapping[Any, Estimate]
    ) -> dict[str, Any]:
        """From the first period to the last: ratio, difference, probability of a fall; the
        same computation as :meth:`compare_periods` (draws paired within the posterior)."""
        first, last = d.period_labels[0], d.period_labels[-1]

        def row(b: Estimate, e: Estimate) -> dict[str, float]:
            comp = compare_estimates(b, e, seed=self.seed)
            return {
                "ratio": comp.ratio.value,
                "ratio_lower": comp.ratio.lower,
                "ratio_upper": comp.ratio.upper,
                "difference": comp.difference.value,
                "difference_lower": comp.difference.lower,
                "difference_upper": comp.difference.upper,
                "probability_decrease": comp.probability_reduced(by=0.0).value,
            }

        by_area = [
            {"area": a, **row(by_cell[(a, first)], by_cell[(a, last)])} for a in d.area_labels
        ]
        return {
            "baseline": first,
            "endline": last,
            "national": row(by_period[first], by_period[last]),
            "areas": pd.DataFrame(by_area),
        }

    def _checks(self, d: Prepared, idata: Any) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        """Each source's own figures beside the combined ones, with posterior predictive
        p-values, and the visibilities' posteriors against their priors."""
        post = idata.posterior
        log_count = post["log_count"].to_numpy().reshape(-1, d.n_cells)
        log_vis = post["log_visibility"].to_numpy().reshape(-1, len(d.sources))
        a = (1.0 - self.level) / 2.0
        combined = np.median(np.exp(log_count), axis=0)
        vis_median = np.exp(np.median(log_vis, axis=0))
        rows: list[dict[str, Any]] = []
        r = d.estimates
        if len(r.cell):
            shift = np.where(r.prevalence, -np.log(d.population[r.cell]), 0.0)
            log_target = log_vis[:, r.source] + log_count[:, r.cell] + shift
            mean = np.where(r.lognormal, log_target, np.exp(log_target))
            # P(replicate > observed) + P(replicate = observed) / 2, averaged over the
            # posterior: exact given the draw (normal, or binomial in the effective trials
            # rounded), so no simulation noise
            upper = ndtr((mean - r.observed) / r.std_error)
            if r.binomial.any():
                b = np.flatnonzero(r.binomial)
                n = np.maximum(np.round(r.trials[b]), 1.0)
                k = np.round(r.value[b] * n)
                q = np.minimum(np.exp(log_target[:, b]), 1.0)
                upper[:, b] = binom.sf(k, n, q) + 0.5 * binom.pmf(k, n, q)
            upper = upper.mean(axis=0)
            p_two = np.minimum(1.0, 2 * np.minimum(upper, 1 - upper))
            for i in range(len(r.cell)):
                c = r.cell[i]
                count = r.value[i] * (d.population[c] if r.prevalence[i] else 1.0)
                s = r.source[i]
                rows.append(
                    {
                        "source": d.sources[s].name,
                        "area": d.area_labels[d.cell_area[c]],
                        "period": d.period_labels[d.cell_period[c]],
                        "given": r.value[i],
                        "count": count,
                        "adjusted": count / vis_median[s],
                        "combined": combined[c],
                        "check": "estimate",
                        "p_value": float(p_two[i]),
                    }
                )
        rng = as_generator(independent_seed(self.seed, 11))
        # the lists' check replicates every pattern of every cell: at most 1,000 draws (evenly
        # spaced) keep its memory bounded (8 lists x 100 cells x 4,000 draws would be 800 MB)
        keep = np.unique(np.linspace(0, log_count.shape[0] - 1, 1000).astype(np.int64))
        for j, lc in enumerate(d.lists):
            src = d.sources[lc.source]
            beta = post[f"list_effect_{j}"].to_numpy().reshape(-1, len(lc.cell), len(src.lists))
            if lc.n_pairs:
                inter = (
                    post[f"list_interaction_{j}"].to_numpy().reshape(-1, len(lc.cell), lc.n_pairs)
                )
                beta = np.concatenate([beta, inter], axis=2)
            beta = beta[keep]
            lin = beta @ lc.design.T  # (D, L, 2^k)
            log_pi = lin - np.logaddexp.reduce(lin, axis=2, keepdims=True)
            log_seen = log_vis[keep, lc.source, None] + log_count[keep][:, lc.cell]
            mu = np.exp(log_seen[:, :, None] + log_pi[:, :, 1:])
            y = lc.counts[None]
            t_obs = ((y - mu) ** 2 / mu).sum(axis=2)
            y_rep = rng.poisson(mu)
            t_rep = ((y_rep - mu) ** 2 / mu).sum(axis=2)
            p_fit = (t_rep >= t_obs).mean(axis=0)
            own = _independence_estimates(src, lc)
            for i, c in enumerate(lc.cell):
                seen = lc.counts[i].sum()
                rows.append(
                    {
                        "source": src.name,
                        "area": d.area_labels[d.cell_area[c]],
                        "period": d.period_labels[d.cell_period[c]],
                        "given": seen,
                        "count": own[i],
                        "adjusted": own[i] / vis_median[lc.source],
                        "combined": combined[c],
                        "check": "lists fit",
                        "p_value": float(np.minimum(1.0, 2 * min(p_fit[i], 1 - p_fit[i]))),
                    }
                )
        vis_rows = []
        for s, src in enumerate(d.sources):
            v = np.exp(log_vis[:, s])
            lo, med, hi = np.quantile(v, [a, 0.5, 1 - a])
            prior = src.visibility
            vis_rows.append(
                {
                    "source": src.name,
                    "anchor": prior is None,
                    "prior_lower": 1.0 if prior is None else prior[0],
                    "prior_upper": 1.0 if prior is None else prior[1],
                    "value": med,
                    "lower": lo,
                    "upper": hi,
                }
            )
        table = pd.DataFrame(rows)
        lists = table[table["check"] == "lists fit"] if len(table) else table
        own = lists.reindex(columns=["source", "area", "period", "given", "count"]).rename(
            columns={"given": "n_observed", "count": "independence_estimate"}
        )
        return table, pd.DataFrame(vis_rows), own.reset_index(drop=True)

    @staticmethod
    def _conflicts(ppc: pd.DataFrame, vis: pd.DataFrame) -> list[str]:
        notes = []
        if len(ppc):
            bad = ppc[ppc["p_value"] < CONFLICT_P]
            for source, part in bad.groupby("source", sort=False):
                where = ", ".join(
                    f"{a!r} {t!r}" for a, t in zip(part["area"], part["period"], strict=True)
                )
                notes.append(
                    f"source {source!r} disagrees with the combined estimate beyond its stated "
                    f"visibility and sampling error in {len(part)} of "
                    f"{int((ppc['source'] == source).sum())} area-periods ({where}; posterior "
                    f"predictive p < {CONFLICT_P}): check its visibility interval and its data "
                    "there, and see leave_one_out()"
                )
        for row in vis.itertuples():
            if row.anchor:
                continue
            if row.value < row.prior_lower or row.value > row.prior_upper:
                notes.append(
                    f"the sources pull the visibility of {row.source!r} to {row.value:.3g}, "
                    f"outside its stated interval ({row.prior_lower:g}, {row.prior_upper:g}): "
                    "the sources disagree beyond their stated biases"
                )
        return notes

    # ------------------------------------------------------------------ change and parts
    def compare_periods(
        self, estimate: Estimate, baseline: Any, endline: Any, *, area: Any = None
    ) -> Comparison:
        """Compare two periods of one fit (national, or one area) from the joint posterior
        (see the class example)."""
        details = estimate.details
        if "by_period" not in details:
            raise DataError("compare_periods takes the Estimate of an EvidenceSynthesis fit")
        if area is None:
            pick = details["by_period"]
            b, e = pick.get(baseline), pick.get(endline)
            what = list(pick)
        else:
            pick = details["by_cell"]
            b, e = pick.get((area, baseline)), pick.get((area, endline))
            what = sorted({k[1] for k in pick if k[0] == area}) or sorted({k[0] for k in pick})
        if b is None or e is None:
            missing = baseline if b is None else endline
            raise DataError(
                f"no period {missing!r}"
                + (f" for area {area!r}" if area is not None else "")
                + f" in the fit; it has {what}"
            )
        return compare_estimates(b, e, seed=self.seed)

    def aggregate(
        self, estimate: Estimate, period: Any, areas: Sequence[Any] | None = None
    ) -> Estimate:
        """The number in ``areas`` (default: all) in ``period``, from the joint posterior.

        Estimates of one fit carry one ``posterior_id``, so comparisons, difference in
        differences (:meth:`~prevalence.impact.DifferenceInDifferences.from_estimates`) and
        targets pair their draws.
        """
        details = estimate.details
        if "by_cell" not in details:
            raise DataError("aggregate takes the Estimate of an EvidenceSynthesis fit")
        by_cell = details["by_cell"]
        known = list(dict.fromkeys(k[0] for k in by_cell))
        chosen = known if areas is None else list(areas)
        parts = []
        for a in chosen:
            if (a, period) not in by_cell:
                raise DataError(
                    f"no area {a!r} in period {period!r} in the fit; areas {known}, periods "
                    f"{list(details['by_period'])}"
                )
            parts.append(by_cell[(a, period)].draws)
        first = by_cell[(chosen[0], period)]
        return _posterior_count(
            np.sum(parts, axis=0),
            self.level,
            first.method.split(";")[0] + f"; total of {len(chosen)} areas, period {period!r}",
            {"posterior_id": details["posterior_id"], "areas": chosen, "period": period},
            first.warnings,
        )

    def leave_one_out(
        self, data: Mapping[str, Any], estimate: Estimate | None = None
    ) -> pd.DataFrame:
        """How much each source pulls the result: refit without it, one source at a time.

        One row per source left out and period: the total without the source (value, lower,
        upper), its shift from the full fit in units of the full fit's posterior standard
        deviation, and, with two or more periods, the national change ratio without the
        source. ``estimate`` is the full fit (fitted here when not given). A source whose
        removal leaves nothing that fixes the scale (no anchor and only wide visibilities) is
        reported with the reason instead of numbers.
        """
        full = self.fit(data) if estimate is None else estimate
        ref = full.details["by_period"]
        rows: list[dict[str, Any]] = []
        for src in self._sources:
            rest = [s for s in self._sources if s is not src]
            base: dict[str, Any] = {"left_out": src.name}
            if not rest:
                rows.append({**base, "note": "the only source"})
                continue
            other = self.clone(sources=rest, progress=False)
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", EstimationWarning)
                    fit = other.fit({k: v for k, v in data.items() if k != src.name})
            except DataError as err:
                rows.append({**base, "note": str(err)})
                continue
            change = fit.details.get("change", {}).get("national", {})
            for period, est in fit.details["by_period"].items():
                with_all = ref[period]
                sd = float(np.std(with_all.draws))
                rows.append(
                    {
                        **base,
                        "period": period,
                        "value": est.value,
                        "lower": est.lower,
                        "upper": est.upper,
                        "full_value": with_all.value,
                        "shift_sd": (est.value - with_all.value) / sd if sd > 0 else math.nan,
                        "change_ratio": change.get("ratio", math.nan),
                        "note": "",
                    }
                )
        return pd.DataFrame(rows)


def _posterior_count(
    draws: np.ndarray,
    level: float,
    method: str,
    details: Mapping[str, Any],
    notes: tuple[str, ...],
) -> Estimate:
    """A count's posterior median and equal-tailed interval with its draws: every estimate a
    fit or ``aggregate`` returns for a cell, a period or a group of areas."""
    a = (1.0 - level) / 2.0
    lo, med, hi = np.quantile(draws, [a, 0.5, 1 - a])
    return Estimate(
        value=float(med),
        lower=float(lo),
        upper=float(hi),
        level=level,
        method=method,
        draws=np.asarray(draws, dtype=float),
        details=details,
        warnings=notes,
        draws_kind="posterior",
        interval_method="credible",
        scale="count",
    )


def _independence_estimates(source: ListSource, lc: Any) -> np.ndarray:
    """Each cell's lists alone: the Poisson log-linear MSE under independence (``LogLinearMSE``
    with main effects only), NaN where that estimate does not exist."""
    from ..core.errors import EstimationError
    from ..mse.data.captures import CaptureHistories
    from ..mse.loglinear import LogLinearMSE

    k = len(source.lists)
    patterns = lc.design[1:, :k].astype(int)
    model = "[" + ",".join(str(j + 1) for j in range(k)) + "]"
    out = np.full(len(lc.cell), math.nan)
    for i in range(len(lc.cell)):
        frame = pd.DataFrame(patterns, columns=list(source.lists))
        frame["count"] = lc.counts[i]
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                out[i] = (
                    LogLinearMSE(model)
                    .fit(CaptureHistories.from_counts(frame, count="count"))
                    .value
                )
        except (EstimationError, DataError, ValueError):
            log.debug("no independence estimate for a cell of %s", source.name)
    return out
