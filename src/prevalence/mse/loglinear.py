"""Multiple systems estimation with a fixed Poisson log-linear model."""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pandas as pd

from ..core.errors import DataError, EstimationError, EstimationWarning
from ..core.estimator import Estimator
from ..core.intervals import check_level, log_transformed_interval
from ..core.random import SeedLike
from ..core.results import Estimate
from .captures import CaptureHistories
from .design import ReducedDesign, reduced_design
from .existence import check_design
from .glm import PoissonFit, fit_poisson
from .models import HierarchicalModel, ModelSpec
from .profile import profile_interval

__all__ = ["LogLinearMSE", "as_captures"]

INTERVALS = ("profile", "wald", "none")


def as_captures(data: Any) -> CaptureHistories:
    """Accept :class:`CaptureHistories`, or a counts DataFrame with a ``count`` column."""
    if isinstance(data, CaptureHistories):
        return data
    if isinstance(data, pd.DataFrame):
        if "count" in data.columns:
            return CaptureHistories.from_counts(data, count="count")
        raise DataError(
            "a DataFrame passed to an MSE estimator needs a 'count' column; for other layouts "
            "build CaptureHistories.from_counts(df, count=...) or CaptureHistories.from_records(df, lists=...)"
        )
    raise DataError(
        f"expected CaptureHistories or a DataFrame of counts, got {type(data).__name__}"
    )


def _term_label(term: int, lists: tuple[str, ...]) -> str:
    if term == 0:
        return "(intercept)"
    return ":".join(lists[j] for j in range(len(lists)) if term >> j & 1)


class LogLinearMSE(Estimator):
    """Population size from a fixed hierarchical Poisson log-linear model.

    The model is fitted by Poisson maximum likelihood to the observed cells of the capture
    table; the number of people on no list is ``exp(intercept)``, so ``N = n + exp(intercept)``
    (as in MultipleSystemsEstimation and Rcapture). Terms whose margin is empty are fixed at
    minus infinity (the extended MLE); models whose MLE does not exist or is not identifiable
    raise :class:`~prevalence.EstimationError` (see :func:`prevalence.mse.check_model`).

    Parameters
    ----------
    model : str, sequence of generators, HierarchicalModel or None
        ``"[12,23]"`` (R notation, lists numbered in column order), ``[("LA", "NG")]``
        (generators of list names), or ``None`` for the independence model.
    interval : {"profile", "wald", "none"}
        ``"profile"`` (default): multinomial profile likelihood as Rcapture's ``closedpCI``;
        ``"wald"``: delta method on the log scale of the unobserved count (Chao 1987).
    level : float
        Interval level, default 0.95.
    seed : int or Generator, optional
        Used by :meth:`compare` (no step of ``fit`` is random).

    Examples
    --------
    >>> import pandas as pd
    >>> from prevalence import CaptureHistories, LogLinearMSE
    >>> df = pd.DataFrame({"A": [1, 0, 1], "B": [0, 1, 1], "count": [60, 40, 20]})
    >>> est = LogLinearMSE().fit(CaptureHistories.from_counts(df))
    >>> round(est.value, 6)
    240.0
    """

    def __init__(
        self,
        model: ModelSpec = None,
        *,
        interval: str = "profile",
        level: float = 0.95,
        seed: SeedLike = None,
    ) -> None:
        if interval not in INTERVALS:
            raise ValueError(f"interval must be one of {INTERVALS}, got {interval!r}")
        self.model = model
        self.interval = interval
        self.level = check_level(level)
        self.seed = seed

    # ------------------------------------------------------------------ fitting
    def _design(self, captures: CaptureHistories) -> ReducedDesign:
        model = HierarchicalModel.parse(self.model, lists=captures.lists)
        design = reduced_design(captures.cell_counts, model)
        check = check_design(design, captures.lists)
        if not check.ok:
            raise EstimationError(f"model {model} cannot be fitted to these data: {check.reason}")
        return design

    def fit(self, data: CaptureHistories | pd.DataFrame) -> Estimate:
        """Fit the model and estimate the population size (observed plus unobserved)."""
        captures = as_captures(data)
        design = self._design(captures)
        y = captures.cell_counts
        n = float(captures.n_observed)
        fit = fit_poisson(design.X, y[design.cells])
        notes: list[str] = []
        if not fit.converged:
            notes.append(f"the Poisson fit did not converge in {fit.iterations} iterations")
        a = float(fit.coef[0])
        unobserved = math.exp(a)
        N = n + unobserved
        se = math.sqrt(unobserved + unobserved**2 * fit.cov[0, 0])
        details = self._details(captures, design, fit, N, se)
        lower = upper = math.nan
        method = f"log-linear MSE {design.model}"
        if self.interval == "profile":
            prof = self._profile(design, y, n, N)
            lower, upper = prof.lower, prof.upper
            details["multinomial_estimate"] = prof.estimate
            notes.extend(prof.warnings)
            method += ", profile likelihood interval"
        elif self.interval == "wald":
            lower, upper = log_transformed_interval(N, se, n, self.level)
            method += ", log-scale Wald interval"
        for w in notes:
            warnings.warn(w, EstimationWarning, stacklevel=2)
        return Estimate(
            value=N,
            lower=lower,
            upper=upper,
            level=self.level,
            method=method,
            draws=None,
            details=details,
            warnings=tuple(notes),
        )

    def _profile(self, design: ReducedDesign, y: np.ndarray, n: float, N: float):
        X_aug = np.vstack([design.X, np.eye(1, design.X.shape[1])])
        y_obs = y[design.cells]

        def deviance_at(n0: float) -> float:
            return fit_poisson(X_aug, np.append(y_obs, n0), check_rank=False).deviance

        return profile_interval(deviance_at, n, N, self.level)

    def _details(
        self,
        captures: CaptureHistories,
        design: ReducedDesign,
        fit: PoissonFit,
        N: float,
        se: float,
    ) -> dict[str, Any]:
        lists = captures.lists
        n = float(captures.n_observed)
        k = design.n_parameters
        coefs = {
            _term_label(int(u), lists): float(b)
            for u, b in zip(design.terms, fit.coef, strict=True)
        }
        for u in design.infinite_terms:
            coefs[_term_label(int(u), lists)] = -math.inf
        fitted = captures.counts.copy()
        fitted_values = np.zeros(2**captures.n_lists)
        fitted_values[design.cells] = fit.fitted
        fitted["fitted"] = fitted_values[1:]
        return {
            "model": str(design.model),
            "model_terms": design.model.describe(lists),
            "lists": lists,
            "n_observed": int(n),
            "unobserved": N - n,
            "std_error": se,
            "deviance": fit.deviance,
            "df": int(design.cells.size - design.terms.size),
            "loglik": fit.loglik,
            # MultipleSystemsEstimation's definitions: every model parameter counts, including
            # those fixed at minus infinity, and the BIC sample size is the number observed.
            "AIC": 2.0 * k - 2.0 * fit.loglik,
            "BIC": k * math.log(n) - 2.0 * fit.loglik,
            "coefficients": coefs,
            "infinite_terms": tuple(_term_label(int(u), lists) for u in design.infinite_terms),
            "fitted": fitted,
            "converged": fit.converged,
            "iterations": fit.iterations,
        }
