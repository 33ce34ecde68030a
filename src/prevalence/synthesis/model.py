"""The PyMC model behind :class:`~prevalence.synthesis.EvidenceSynthesis`.

For area ``a`` in period ``t`` (period 0 the baseline), the expected number of people in the
hidden population ``N[a, t]`` (with a population ``P[a, t]``, the prevalence ``N / P``)::

    log N[a, t] = log P[a, t] + alpha + sigma_area * z_area[a]
                  + gamma[t] + sigma_change * z_change[a, t]             (t > 0 only)

as :class:`~prevalence.HierarchicalPrevalence` (on the log scale: prevalences of hidden
populations are small). Source ``s`` sees ``v[s] * N`` (its visibility ``v[s]``, the same in
every area and period, so that it cancels from a change: a bias that changes between
baseline and endline is not identified and is not modelled); ``log v[s] ~ Normal(m, sd)``
from the stated 95% interval, ``v = 1`` for an anchor. The likelihoods:

* an estimate ``y`` with standard error ``se`` (both on the likelihood's scale) of a count:
  ``log y ~ Normal(log(v N), se)`` (log-normal) or ``y ~ Normal(v N, se)``; of a prevalence
  the same with ``v N / P``, or (the default for prevalences) ``n y ~ Binomial(n, v N / P)``
  with the effective sample size ``n = y (1 - y) / se^2`` (effective counts need not be
  whole numbers: the binomial kernel without its coefficient);
* case lists of a cell: the Poisson log-linear model of the capture patterns,
  ``y[h] ~ Poisson(v N pi[h])`` for every pattern ``h`` but the unobserved one, with
  ``log pi[h] = x[h]' beta - log sum_h' exp(x[h']' beta)`` (main effects of the lists and,
  with ``interactions="pairs"``, their pairwise products), the list effects of each cell its
  own, ``beta ~ Normal(0, list_sd)``, interactions ``~ Normal(0, interaction_sd)``. With a
  flat prior on ``N`` this is the Poisson log-linear MSE: its maximum is the MSE estimate.

Default priors: ``alpha ~ Normal(centre, 2.5)`` (centre: the median of the sources' crude
log prevalences, each divided by its visibility's centre), ``sigma_area ~ HalfNormal(1)``,
``gamma ~ Normal(0, 1)``, ``sigma_change ~ HalfNormal(0.5)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ..core.imports import import_pymc
from ..core.mcmc import prior_scales
from .sources import Prepared

__all__ = ["DEFAULT_SYNTHESIS_PRIORS", "build_model", "resolve_priors"]

DEFAULT_SYNTHESIS_PRIORS: dict[str, float] = {
    "intercept_sd": 2.5,
    "area_sd": 1.0,
    "period_sd": 1.0,
    "change_sd": 0.5,
    "list_sd": 2.5,
    "interaction_sd": 1.0,
}


def resolve_priors(priors: Mapping[str, float] | None) -> dict[str, float]:
    """:data:`DEFAULT_SYNTHESIS_PRIORS` with the user's overrides (checked by name and sign)."""
    return prior_scales(priors, DEFAULT_SYNTHESIS_PRIORS)


def build_model(d: Prepared, priors: Mapping[str, float]) -> Any:
    """Build the PyMC model for prepared sources (``log_count`` is every cell's log N)."""
    import pytensor.tensor as pt

    pm = import_pymc()

    A, T = len(d.area_labels), len(d.period_labels)
    coords = {
        "cell": np.arange(d.n_cells),
        "area": [str(a) for a in d.area_labels],
        "source": [s.name for s in d.sources],
    }
    vis_mean, vis_sd = d.visibility_prior
    # Data enter as pm.Data so that nutpie's compilation is reused for data of the same shape
    with pm.Model(coords=coords) as model:
        centre = pm.Data("centre", np.asarray(d.centre))
        log_people = pm.Data("log_population", np.log(d.population))
        alpha_z = pm.Normal("alpha_z", 0.0, 1.0)
        eta = centre + priors["intercept_sd"] * alpha_z + pt.zeros(d.n_cells)
        if A > 1:  # every pm.Data must enter the graph (nutpie swaps in only what it uses)
            area = pm.Data("cell_area", d.cell_area)
            sigma_area = pm.HalfNormal("sigma_area", priors["area_sd"])
            z_area = pm.Normal("z_area", 0.0, 1.0, dims="area")
            eta = eta + sigma_area * z_area[area]
        if T > 1:
            later_np = d.cell_period > 0
            later = pm.Data("later", later_np.astype(np.float64))
            idx = pm.Data("period_index", np.where(later_np, d.cell_period - 1, 0))
            gamma = pm.Normal("gamma", 0.0, priors["period_sd"], shape=T - 1)
            eta = eta + later * gamma[idx]
            if A > 1:
                sigma_change = pm.HalfNormal("sigma_change", priors["change_sd"])
                z_change = pm.Normal("z_change", 0.0, 1.0, shape=(A, T - 1))
                eta = eta + later * sigma_change * z_change[area, idx]
        log_count = pm.Deterministic("log_count", log_people + eta, dims="cell")
        z_vis = pm.Normal("z_visibility", 0.0, 1.0, dims="source")
        log_vis = pm.Deterministic(
            "log_visibility",
            pm.Data("visibility_mean", vis_mean) + pm.Data("visibility_sd", vis_sd) * z_vis,
            dims="source",
        )
        rows = d.estimates
        gauss, binom = np.flatnonzero(~rows.binomial), np.flatnonzero(rows.binomial)
        shift_np = np.where(rows.prevalence, -np.log(d.population[rows.cell]), 0.0)
        if gauss.size:
            r_src = pm.Data("estimate_source", rows.source[gauss])
            r_cell = pm.Data("estimate_cell", rows.cell[gauss])
            log_target = (
                log_vis[r_src] + log_count[r_cell] + pm.Data("estimate_shift", shift_np[gauss])
            )
            lognormal = pm.Data("estimate_lognormal", rows.lognormal[gauss].astype(np.float64))
            # one normal likelihood for these estimates: on the log scale for log-normal rows
            # (log y observed), on the natural scale for the others
            mean = lognormal * log_target + (1 - lognormal) * pt.exp(log_target)
            pm.Normal(
                "estimates",
                mu=mean,
                sigma=pm.Data("estimate_se", rows.std_error[gauss]),
                observed=pm.Data("estimate_observed", rows.observed[gauss]),
            )
        if binom.size:
            b_src = pm.Data("binomial_source", rows.source[binom])
            b_cell = pm.Data("binomial_cell", rows.cell[binom])
            log_q = log_vis[b_src] + log_count[b_cell] + pm.Data("binomial_shift", shift_np[binom])
            trials = pm.Data("binomial_trials", rows.trials[binom])
            cases = pm.Data("binomial_cases", rows.value[binom] * rows.trials[binom])
            # the binomial kernel of effective counts (non-integer, as a design gives them);
            # log(1 - q) from log q without cancellation, and no prevalence at or above 1
            pm.Potential(
                "prevalences",
                pt.sum(cases * log_q + (trials - cases) * pt.log1mexp(pt.minimum(log_q, -1e-12))),
            )
        for j, lc in enumerate(d.lists):
            k = len(d.sources[lc.source].lists)
            counts = pm.Data(f"list_counts_{j}", lc.counts)
            design = pm.Data(f"list_design_{j}", lc.design)
            main = pm.Normal(f"list_effect_{j}", 0.0, priors["list_sd"], shape=(len(lc.cell), k))
            beta = main
            if lc.n_pairs:
                inter = pm.Normal(
                    f"list_interaction_{j}",
                    0.0,
                    priors["interaction_sd"],
                    shape=(len(lc.cell), lc.n_pairs),
                )
                beta = pt.concatenate([main, inter], axis=1)
            lin = pt.dot(beta, design.T)  # (L, 2^k)
            log_pi = lin - pt.logsumexp(lin, axis=1, keepdims=True)
            pm.Deterministic(f"list_log_unseen_{j}", log_pi[:, 0])
            cell = pm.Data(f"list_cell_{j}", lc.cell)
            log_mu = (log_vis[lc.source] + log_count[cell])[:, None] + log_pi[:, 1:]
            # Poisson log likelihood of the observed patterns without log y!
            pm.Potential(f"lists_{j}", pt.sum(counts * log_mu - pt.exp(log_mu)))
    return model
