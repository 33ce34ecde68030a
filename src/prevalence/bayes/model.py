"""The PyMC model behind :class:`~prevalence.HierarchicalPrevalence`.

For area ``a`` in period ``t`` (period 0 the baseline), on the logit scale (log scale for
direct estimates with ``scale="log"``)::

    eta[a, t] = alpha + x[a, t]' beta + sigma_area * z_area[a]
                + gamma[t] + sigma_change * z_change[a, t]        (t > 0 only)

* ``gamma[t]`` is the pooled change from the baseline to period ``t``; ``sigma_change *
  z_change[a, t]`` the area's own deviation from it, partially pooled towards zero;
* with a programme indicator ``g[a]`` (1 for programme areas), ``+ delta[t] g[a]`` for
  ``t > 0``: ``delta[t]`` is the programme effect, the extra change of the programme areas
  on the model scale (a difference in differences of logits), prior ``Normal(0,
  period_sd)``; area-specific changes keep absorbing what the effect does not explain;
* counts: ``cases ~ Binomial(trials, invlogit(eta))``, entered as the binomial kernel
  (likelihood up to its constant), which also takes the non-integer effective counts of a
  survey design;
* direct estimates (Fay-Herriot): ``theta_hat ~ Normal(eta, se)`` with the sampling
  standard errors taken as known.

Random effects are non-centred. Default priors (weakly informative, overridable with
``priors=``): ``alpha ~ Normal(pooled logit, 2.5)``, ``beta ~ Normal(0, 1)`` on standardised
covariates, ``sigma_area ~ HalfNormal(1)``, ``gamma ~ Normal(0, 1)``, ``sigma_change ~
HalfNormal(0.5)``. With a single area the area effects are left out (no pooling is possible).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ..core.imports import import_pymc
from ..core.mcmc import prior_scales
from .data import AreaData

__all__ = ["DEFAULT_PRIORS", "build_model"]

DEFAULT_PRIORS: dict[str, float] = {
    "intercept_sd": 2.5,
    "coef_sd": 1.0,
    "area_sd": 1.0,
    "period_sd": 1.0,
    "change_sd": 0.5,
}


def resolve_priors(priors: Mapping[str, float] | None) -> dict[str, float]:
    """:data:`DEFAULT_PRIORS` with the user's overrides (checked by name and sign)."""
    return prior_scales(priors, DEFAULT_PRIORS)


def _pooled_centre(d: AreaData) -> float:
    if d.kind == "counts":
        cases, trials = np.asarray(d.cases), np.asarray(d.trials)
        rate = (cases.sum() + 0.5) / (trials.sum() + 1.0)
        return float(np.log(rate / (1 - rate)))
    return float(np.mean(np.asarray(d.theta_hat)))


def build_model(d: AreaData, priors: Mapping[str, float]) -> Any:
    """Build the PyMC model for the prepared data (``p`` is the prevalence of every row)."""
    import pytensor.tensor as pt

    pm = import_pymc()

    A, T = d.n_areas, d.n_periods
    coords = {"row": np.arange(len(d.area)), "area": [str(a) for a in d.area_labels]}
    # Data enter as pm.Data (shared variables), never as constants: the compiled graph is then
    # the same for every data set of the same shape and PyTensor's compilation cache is reused.
    with pm.Model(coords=coords) as model:
        centre = pm.Data("alpha_centre", np.asarray(_pooled_centre(d)))
        # non-centred so that no starting value depends on the data: a compiled model reused
        # for new data of the same shape then starts where a fresh compilation would
        alpha_z = pm.Normal("alpha_z", 0.0, 1.0)
        alpha = pm.Deterministic("alpha", centre + priors["intercept_sd"] * alpha_z)
        eta = alpha + pt.zeros(len(d.area))
        if d.X.shape[1]:
            X = pm.Data("X", d.X)
            beta = pm.Normal("beta", 0.0, priors["coef_sd"], shape=d.X.shape[1])
            eta = eta + pt.dot(X, beta)
        area = pm.Data("area_index", d.area.astype(np.int64))
        if A > 1:
            sigma_area = pm.HalfNormal("sigma_area", priors["area_sd"])
            z_area = pm.Normal("z_area", 0.0, 1.0, dims="area")
            eta = eta + sigma_area * z_area[area]
        if T > 1:
            later_np = d.period > 0
            later = pm.Data("later", later_np.astype(np.float64))
            idx = pm.Data("period_index", np.where(later_np, d.period - 1, 0).astype(np.int64))
            gamma = pm.Normal("gamma", 0.0, priors["period_sd"], shape=T - 1)
            eta = eta + later * gamma[idx]
            if d.programme is not None:
                g = pm.Data("programme", d.programme.astype(np.float64))
                delta = pm.Normal("programme_effect", 0.0, priors["period_sd"], shape=T - 1)
                eta = eta + later * g * delta[idx]
            if A > 1:
                sigma_change = pm.HalfNormal("sigma_change", priors["change_sd"])
                z_change = pm.Normal("z_change", 0.0, 1.0, shape=(A, T - 1))
                eta = eta + later * sigma_change * z_change[area, idx]
        if d.kind == "counts":
            pm.Deterministic("p", pm.math.invlogit(eta), dims="row")
            # the binomial log likelihood without its constant binomial coefficient, written on
            # the logit scale: the same posterior as pm.Binomial, half the cost per gradient,
            # and it takes the non-integer effective counts of a survey design as they are
            trials = pm.Data("trials", np.asarray(d.trials, dtype=np.float64))
            cases = pm.Data("cases_observed", np.asarray(d.cases, dtype=np.float64))
            loglik = cases * eta - trials * pt.softplus(eta)  # log p = eta - softplus(eta)
            pm.Potential("cases", loglik.sum())
        else:
            se = pm.Data("theta_se", d.theta_se)
            theta = pm.Data("theta_observed", d.theta_hat)
            pm.Normal("theta_hat", mu=eta, sigma=se, observed=theta, dims="row")
            back = pm.math.invlogit(eta) if d.scale == "logit" else pt.exp(eta)
            pm.Deterministic("p", back, dims="row")
    return model
