"""Generalised linear models and predictive margins for survey data (R's ``svyglm``, ``svypredmeans``).

The model is fitted by statsmodels (``GLM`` with the sampling weights scaled to mean one as
variance weights, which gives ``svyglm``'s point estimates), on a model matrix built by
formulaic from a Wilkinson formula. The design-based variance is ours, as in R:

* Taylor designs: the estimating function of each row, ``x_i w_i (y_i - mu_i) mu'(eta_i) /
  V(mu_i)``, times the inverse of the weighted information matrix, is a row influence value;
  its design variance (strata, clusters, fpc, calibration) is the coefficients' covariance
  (``svy.varcoef``);
* replicate designs: the model is refitted with each set of replicate weights from the
  full-sample coefficients, and the replicate variance of the coefficients is taken
  (``svyglm.svyrep.design``).

This module knows no design class: it asks the design for those variances through its
``_vcov`` and ``_ratio_covariance`` methods (see :class:`prevalence.survey.base.Design`).
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import formulaic
import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

from ..core.checks import plain
from ..core.errors import DataError, EstimationError, EstimationWarning
from ..core.intervals import check_level
from .estimation import RatioStatistic
from .table import DomainTable

__all__ = [
    "GLM_FAMILIES",
    "NA_ACTIONS",
    "SurveyGLMResults",
    "fit_survey_glm",
    "model_missing_rows",
    "predictive_margins",
]

GLM_FAMILIES = ("gaussian", "binomial", "poisson")
#: What ``glm(na_action=)`` does with rows missing a model value: refuse them (naming the
#: row), or leave them out of the fit as R's default ``na.action = na.omit`` does.
NA_ACTIONS = ("fail", "omit")
PREDICTION_TYPES = ("link", "response")


class _Design(Protocol):
    """What the fitting needs from a design (see :class:`prevalence.survey.base.Design`)."""

    data: pd.DataFrame
    weights: np.ndarray
    _domain: np.ndarray | None  # the rows of a subset (None: every row)

    def degf(self, mask: np.ndarray | None = None) -> int: ...

    def _vcov(
        self,
        influence: np.ndarray,
        refit: Callable[[np.ndarray], np.ndarray],
        estimate: np.ndarray,
    ) -> np.ndarray: ...

    def _ratio_covariance(
        self, stat: RatioStatistic, codes: np.ndarray, D: int, use: np.ndarray, diagonal: bool
    ) -> tuple[np.ndarray, np.ndarray]: ...

    def _variance_label(self) -> str: ...


def _family(name: str) -> sm.families.Family:
    if name == "gaussian":
        return sm.families.Gaussian()
    if name == "binomial":
        return sm.families.Binomial()
    if name == "poisson":
        return sm.families.Poisson()
    raise ValueError(f"family must be one of {GLM_FAMILIES}, got {name!r}")


@dataclass(frozen=True, eq=False)
class SurveyGLMResults:
    """A fitted survey GLM: coefficients with design-based covariance.

    Attributes
    ----------
    params, bse : pandas.Series
        Coefficients and their design-based standard errors, named as formulaic names the
        columns of the model matrix (``"Intercept"``, ``"stype[T.H]"``, ``"meals"``).
    vcov : pandas.DataFrame
        Design-based covariance of the coefficients.
    df_resid : float
        Degrees of freedom for t intervals and tests: the design's minus the number of
        coefficients plus one, as ``svyglm``.
    n_omitted : int
        Rows left out because a model value was missing (``na_action="omit"``; R's
        ``na.action = na.omit``); 0 otherwise.
    """

    params: pd.Series
    bse: pd.Series
    vcov: pd.DataFrame
    df_resid: float
    family: str
    formula: str
    nobs: int
    level: float
    method: str
    naive_vcov: pd.DataFrame
    n_omitted: int = 0
    model_spec: Any = field(default=None, repr=False)

    def table(self) -> DomainTable:
        """The coefficients with their covariance as a
        :class:`~prevalence.survey.table.DomainTable`, for contrasts (R's ``svycontrast`` on a
        ``svyglm``); its degrees of freedom are :attr:`df_resid`."""
        names = [str(n) for n in self.params.index]
        return DomainTable(
            pd.Series(self.params.to_numpy(dtype=float), index=names),
            pd.DataFrame(self.vcov.to_numpy(dtype=float), index=names, columns=names),
            "coefficient",
            pd.DataFrame({"variable": names}),
            self.level,
            f"{self.family} model {self.formula}, {self.method}",
            self.df_resid,
        )

    def contrast(
        self,
        weights: Any,
        name: str | None = None,
        *,
        level: float | None = None,
        df: str | float | None = None,
    ) -> Any:
        """A linear (dict of coefficients by term) or smooth (function of the coefficients)
        contrast of the coefficients with its standard error, as R's
        ``svycontrast(svyglm, ...)``; see :meth:`prevalence.survey.table.DomainTable.contrast`
        (``df="design"`` uses :attr:`df_resid`).

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> from prevalence.survey import SurveyDesign
        >>> rng = np.random.default_rng(1)
        >>> df = pd.DataFrame({"x": rng.normal(size=40), "z": rng.normal(size=40), "w": 1.0})
        >>> df["y"] = 1 + 2 * df["x"] + df["z"] + rng.normal(size=40)
        >>> fit = SurveyDesign(df, weights="w").glm("y ~ x + z")
        >>> c = fit.contrast({"x": 1, "z": -1})
        >>> bool(abs(c.value - (fit.params["x"] - fit.params["z"])) < 1e-12), c.std_error > 0
        (True, True)
        """
        return self.table().contrast(weights, name, level=level, df=df)

    def predict(
        self, newdata: pd.DataFrame, *, type: str = "link", level: float | None = None
    ) -> DomainTable:
        """Predictions for the rows of ``newdata`` with their design-based covariance (R's
        ``predict.svyglm``): the linear predictor (``type="link"``) or the mean
        (``type="response"``, standard errors by the delta method as R). Returns a
        :class:`~prevalence.survey.table.DomainTable` named by ``newdata``'s index, so
        predictions can be contrasted with each other.

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> from prevalence.survey import SurveyDesign
        >>> rng = np.random.default_rng(2)
        >>> df = pd.DataFrame({"x": rng.normal(size=60), "w": 1.0})
        >>> df["y"] = (rng.random(60) < 1 / (1 + np.exp(-df["x"]))).astype(float)
        >>> fit = SurveyDesign(df, weights="w").glm("y ~ x", family="binomial")
        >>> p = fit.predict(pd.DataFrame({"x": [0.0, 1.0]}), type="response")
        >>> bool(((0 < p.values) & (p.values < 1)).all())
        True
        """
        if type not in PREDICTION_TYPES:
            raise ValueError(f"type must be one of {PREDICTION_TYPES}, got {type!r}")
        if self.model_spec is None:
            raise DataError("these results carry no model to predict from")
        if not isinstance(newdata, pd.DataFrame) or newdata.empty:
            raise DataError("newdata must be a pandas DataFrame with at least one row")
        X = _new_model_matrix(self.model_spec, newdata, self.formula)
        beta = self.params.to_numpy(dtype=float)
        V = self.vcov.to_numpy(dtype=float)
        eta = X @ beta
        if type == "link":
            values, J = eta, X
        else:
            fam = _family(self.family)
            values = np.asarray(fam.link.inverse(eta), dtype=float)
            dmu = 1.0 / np.asarray(fam.link.deriv(values), dtype=float)
            J = X * dmu[:, None]
        names = [str(i) for i in newdata.index]
        if len(set(names)) != len(names):
            raise DataError("newdata's index must name each row once (it names the predictions)")
        cov = J @ V @ J.T
        return DomainTable(
            pd.Series(values, index=names),
            pd.DataFrame(cov, index=names, columns=names),
            "prediction",
            pd.DataFrame({"variable": names}),
            self.level if level is None else check_level(level),
            f"{type} predictions of the {self.family} model {self.formula}, {self.method}",
            self.df_resid,
        )

    @property
    def tvalues(self) -> pd.Series:
        """Coefficients over their standard errors."""
        return self.params / self.bse

    @property
    def pvalues(self) -> pd.Series:
        """Two-sided p-values from t with :attr:`df_resid` degrees of freedom (R's ``summary.svyglm``)."""
        if self.df_resid <= 0:
            return pd.Series(np.nan, index=self.params.index)
        return pd.Series(
            2 * stats.t.sf(np.abs(self.tvalues.to_numpy()), self.df_resid), index=self.params.index
        )

    def conf_int(self, level: float | None = None) -> pd.DataFrame:
        """Wald intervals with t quantiles on :attr:`df_resid` degrees of freedom (``confint.svyglm``)."""
        level = self.level if level is None else check_level(level)
        if self.df_resid <= 0:
            q = math.nan
        else:
            q = float(stats.t.ppf(0.5 + level / 2, self.df_resid))
        return pd.DataFrame(
            {"lower": self.params - q * self.bse, "upper": self.params + q * self.bse}
        )

    def summary(self) -> pd.DataFrame:
        """Coefficient table: estimate, standard error, t, p and the interval."""
        ci = self.conf_int()
        return pd.DataFrame(
            {
                "estimate": self.params,
                "std_error": self.bse,
                "t": self.tvalues,
                "p_value": self.pvalues,
                "lower": ci["lower"],
                "upper": ci["upper"],
            }
        )

    def __repr__(self) -> str:
        head = f"SurveyGLMResults({self.formula!r}, family={self.family!r}, {self.method})"
        return head + "\n" + self.summary().to_string()

    def _repr_html_(self) -> str:
        return f"<p>{self.formula} ({self.family}; {self.method})</p>" + self.summary().to_html()


@dataclass(frozen=True)
class _Fit:
    beta: np.ndarray
    influence: np.ndarray
    naive: np.ndarray
    spec: Any
    names: list[str]
    X: np.ndarray
    y: np.ndarray
    family: sm.families.Family
    family_name: str
    inside: np.ndarray | None  # the rows of a subset (None: every row)

    def refit(self, weights: np.ndarray) -> np.ndarray:
        """Coefficients with other weights, started from these (``svyglm.svyrep.design``)."""
        if self.inside is not None:
            weights = weights * self.inside
        if not np.any(weights > 0):
            return np.full(self.beta.size, np.nan)
        w = weights / weights.sum()
        return _irls(self.X, self.y, w, self.family, self.family_name, self.beta).beta


def _new_model_matrix(spec: Any, newdata: pd.DataFrame, formula: str) -> np.ndarray:
    """The model matrix of ``newdata`` under a fitted model's spec (levels as in the fit)."""
    needed = {str(v) for v in spec.required_variables}
    missing_cols = sorted(needed - set(map(str, newdata.columns)))
    if missing_cols:
        raise DataError(
            f"newdata lacks the model's column(s) {missing_cols}; it has {list(newdata.columns)}"
        )
    for v in sorted(needed):
        na = newdata[v].isna().to_numpy()
        if na.any():
            raise DataError(
                f"newdata column {v!r} has a missing value at row {int(np.flatnonzero(na)[0])}"
            )
    try:
        X = np.asarray(spec.get_model_matrix(newdata), dtype=float)
    except Exception as err:  # formulaic raises for levels the fit did not see, and others
        raise DataError(
            f"cannot build the model matrix of {formula!r} for newdata: {err}"
        ) from None
    return X


def model_missing_rows(
    data: pd.DataFrame, formula: str, inside: np.ndarray | None = None
) -> np.ndarray:
    """Rows (of the subset ``inside``) missing a value of a column the model uses."""
    needed = _formula_variables(formula)
    missing = np.zeros(len(data), dtype=bool)
    for v in sorted(needed & set(map(str, data.columns))):
        missing |= data[v].isna().to_numpy()
    return missing if inside is None else missing & inside


def _formula_variables(formula: str) -> set[str]:
    if "~" not in formula:
        raise DataError(f"the formula {formula!r} has no outcome: write it as 'y ~ x + z'")
    try:
        needed = {str(v) for v in formulaic.Formula(formula).required_variables}
    except Exception as err:  # formulaic raises several parser errors
        raise DataError(f"cannot read the formula {formula!r}: {err}") from None
    return needed | set(re.findall(r"`([^`]+)`", formula))  # quoted names such as `api.stu`


def _model_matrices(data: pd.DataFrame, formula: str, inside: np.ndarray | None = None) -> Any:
    """formulaic's model matrices, with DataErrors naming unknown columns and missing values.

    ``inside``: the rows of a subset. Missing values outside it are allowed (those rows carry
    no weight); they are filled with a value from inside so the matrices can be built."""
    needed = _formula_variables(formula)
    fills: dict[str, Any] = {}
    for v in sorted(needed & set(map(str, data.columns))):
        na = data[v].isna().to_numpy()
        bad = na if inside is None else na & inside
        if bad.any():
            raise DataError(
                f"column {v!r} of the model has a missing value at row "
                f"{int(np.flatnonzero(bad)[0])}; pass na_action='omit' to leave such rows out "
                "(R's default)"
            )
        if na.any():  # only outside the subset
            fills[v] = data[v].where(~na, data[v][~na].iloc[0])
    if fills:
        data = data.assign(**fills)
    try:
        return formulaic.model_matrix(formula, data, na_action="raise")
    except Exception as err:  # unknown names surface as formulaic evaluation errors
        missing = sorted(v for v in needed if v not in data.columns and f"`{v}`" not in formula)
        known = [v for v in missing if not any(v in str(c) for c in data.columns)]
        what = f"names {known}, which the data do not have" if known else f"cannot be built: {err}"
        raise DataError(
            f"the formula {formula!r} {what}; the data have columns {list(data.columns)}"
        ) from None


@dataclass(frozen=True)
class _IRLS:
    beta: np.ndarray
    mu: np.ndarray
    eta: np.ndarray
    working_weights: np.ndarray
    naive: np.ndarray


def _start_mu(y: np.ndarray, w: np.ndarray, family: str) -> np.ndarray:
    """R's ``family()$initialize`` starting values."""
    if family == "binomial":
        return (w * y + 0.5) / (w + 1.0)
    if family == "poisson":
        return y + 0.1
    return y.copy()


def _irls(
    X: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    fam: Any,
    family: str,
    start: np.ndarray | None = None,
) -> _IRLS:
    """Iteratively reweighted least squares exactly as R's ``glm.fit``.

    Hand-written rather than statsmodels' ``GLM.fit`` because ``svyglm`` reports standard
    errors computed at R's stopping iterate (relative change of deviance below 1e-8) with the
    working weights of the last least-squares step, which are one iterate behind the final
    coefficients. A fully converged fit differs from R by about 3e-6 relative in the standard
    errors of the reference logistic model; this loop matches it to 1e-14. The family's link,
    variance and deviance are statsmodels'.
    """
    if start is None:
        mu = _start_mu(y, w, family)
        eta = fam.link(mu)
    else:
        eta = X @ start
        mu = fam.link.inverse(eta)
    dev_old = float(fam.deviance(y, mu, var_weights=w))
    beta = np.zeros(X.shape[1]) if start is None else np.asarray(start, dtype=float)
    for _ in range(100):
        mu_eta = 1.0 / fam.link.deriv(mu)
        z = eta + (y - mu) / mu_eta
        ww = w * mu_eta**2 / fam.variance(mu)
        XtW = X.T * ww
        info = XtW @ X
        try:
            beta_new = np.linalg.solve(info, XtW @ z)
        except np.linalg.LinAlgError:
            raise EstimationError("the model could not be fitted: singular information") from None
        eta_new = X @ beta_new
        mu_new = fam.link.inverse(eta_new)
        dev = float(fam.deviance(y, mu_new, var_weights=w))
        halvings = 0
        while not np.isfinite(dev) and halvings < 30:  # R's step halving
            beta_new = (beta_new + beta) / 2
            eta_new = X @ beta_new
            mu_new = fam.link.inverse(eta_new)
            dev = float(fam.deviance(y, mu_new, var_weights=w))
            halvings += 1
        beta, eta, mu = beta_new, eta_new, mu_new
        if abs(dev - dev_old) / (abs(dev) + 0.1) < 1e-8:
            break
        dev_old = dev
    else:
        raise EstimationError("the model did not converge in 100 iterations")
    if not np.all(np.isfinite(beta)):
        raise EstimationError("the model could not be fitted: coefficients are not finite")
    return _IRLS(beta, mu, eta, ww, np.linalg.inv(info))


def _fit(design: _Design, formula: str, family: str) -> _Fit:
    fam = _family(family)
    inside = design._domain  # a subset: rows outside carry no weight
    mm = _model_matrices(design.data, formula, inside)
    y = np.asarray(mm.lhs, dtype=float)
    if y.ndim == 2:
        if y.shape[1] != 1:
            raise DataError(f"the formula {formula!r} must have one numeric outcome")
        y = y[:, 0]
    X = np.asarray(mm.rhs, dtype=float)
    names = [str(c) for c in mm.rhs.columns]
    if family == "binomial" and np.any((y < 0) | (y > 1)):
        pos = int(np.flatnonzero((y < 0) | (y > 1))[0])
        raise DataError(f"a binomial outcome must lie in [0, 1]; row {pos} has {plain(y[pos])!r}")
    if family == "poisson" and np.any(y < 0):
        pos = int(np.flatnonzero(y < 0)[0])
        raise DataError(f"a Poisson outcome must be non-negative; row {pos} has {plain(y[pos])!r}")
    used = design.weights != 0 if inside is None else inside & (design.weights != 0)
    if family in ("binomial", "poisson") and used.any():
        lo, hi = float(y[used].min()), float(y[used].max())
        if lo == hi and (lo == 0 or (family == "binomial" and lo == 1)):
            raise EstimationError(
                f"the outcome of {formula!r} is {lo:g} in every row: a {family} model has no "
                "finite maximum-likelihood estimate (its intercept runs off to "
                f"{'minus ' if lo == 0 else ''}infinity); estimate the proportion instead"
            )
    rank = np.linalg.matrix_rank(X if inside is None else X[inside])
    if rank < X.shape[1]:
        raise EstimationError(
            f"the model matrix of {formula!r} has rank {rank} but {X.shape[1]} columns "
            f"({names}): some terms are collinear or a level is never observed"
        )
    # R's svyglm scales the weights by their mean over every row, those without weight too
    w = design.weights * (1.0 if inside is None else inside) / design.weights.mean()
    fit = _irls(X, y, w, fam, family)
    if family == "binomial" and np.any((fit.mu[used] < 1e-10) | (fit.mu[used] > 1 - 1e-10)):
        warnings.warn(
            f"fitted probabilities numerically 0 or 1 in {formula!r} (separation): some "
            "coefficients have no finite estimate and their standard errors mean nothing, as R "
            "warns; simplify the model or merge the levels that separate the outcome",
            EstimationWarning,
            stacklevel=4,
        )
    # svy.varcoef: estimating functions x * working residual * working weight, times A^-1
    resid = (y - fit.mu) * fam.link.deriv(fit.mu)
    estfun = X * (resid * fit.working_weights)[:, None]
    return _Fit(
        fit.beta,
        estfun @ fit.naive,
        fit.naive,
        mm.rhs.model_spec,
        names,
        X,
        y,
        fam,
        family,
        inside,
    )


def _degf(design: _Design) -> int:
    """Design degrees of freedom among the rows that carry weight (R's ``degf`` of a subset)."""
    inside = design._domain
    if inside is None:
        return int(design.degf())
    return int(design.degf(inside & (design.weights != 0)))


def fit_survey_glm(
    design: _Design, formula: str, family: str, level: float, n_omitted: int = 0
) -> SurveyGLMResults:
    """Fit ``formula`` to ``design`` (see :meth:`prevalence.survey.base.Design.glm`);
    ``n_omitted``: rows the caller left out for missing values (recorded in the result)."""
    level = check_level(level)
    fit = _fit(design, formula, family)
    V = design._vcov(fit.influence, fit.refit, fit.beta)
    idx = pd.Index(fit.names)
    p = len(fit.names)
    return SurveyGLMResults(
        params=pd.Series(fit.beta, index=idx),
        bse=pd.Series(np.sqrt(np.maximum(np.diag(V), 0.0)), index=idx),
        vcov=pd.DataFrame(V, index=idx, columns=idx),
        df_resid=float(_degf(design) + 1 - p),
        family=family,
        formula=formula,
        nobs=int(fit.y.size),
        level=level,
        method=f"design-based standard errors, {design._variance_label()}"
        + (
            f"; {n_omitted} row(s) with a missing model value omitted (na_action='omit')"
            if n_omitted
            else ""
        ),
        naive_vcov=pd.DataFrame(fit.naive, index=idx, columns=idx),
        n_omitted=n_omitted,
        model_spec=fit.spec,
    )


def predictive_margins(
    design: _Design, formula: str, by: str, family: str, level: float
) -> DomainTable:
    """Predictive margins of ``by`` (see :meth:`prevalence.survey.base.Design.predictive_margins`)."""
    level = check_level(level)
    data = design.data
    if by not in data.columns:
        raise DataError(f"unknown group column {by!r}; the data have columns {list(data.columns)}")
    missing = data[by].isna().to_numpy()
    if design._domain is not None:
        missing = missing & design._domain
    if missing.any():
        pos = int(np.flatnonzero(missing)[0])
        raise DataError(f"group column {by!r} has a missing value at row {pos}")
    term = f"C({by})" if pd.api.types.is_numeric_dtype(data[by]) else by
    full = _fit(design, f"{formula} + {term}", family)
    V_beta = design._vcov(full.influence, full.refit, full.beta)
    inside = design._domain
    use = np.ones(len(data), dtype=bool) if inside is None else inside.copy()
    groups = list(pd.unique(data[by][use]))
    w = design.weights * use
    fits = np.empty((len(data), len(groups)))
    grads = np.empty((full.beta.size, len(groups)))
    for i, g in enumerate(groups):
        Xg = np.asarray(full.spec.get_model_matrix(data.assign(**{by: g})), dtype=float)
        eta = Xg @ full.beta
        fits[:, i] = full.family.link.inverse(eta)
        mu_eta = 1.0 / full.family.link.deriv(fits[:, i])
        grads[:, i] = (w * mu_eta) @ Xg / w.sum()
    names = [str(g) for g in groups]
    stat = RatioStatistic("mean", fits, np.ones_like(fits), tuple(names))
    theta, V_cond = design._ratio_covariance(
        stat, np.zeros(len(data), dtype=np.int64), 1, use & (design.weights != 0), False
    )
    V = V_cond + grads.T @ V_beta @ grads
    return DomainTable(
        pd.Series(theta, index=names),
        pd.DataFrame(V, index=names, columns=names),
        "predictive margin",
        pd.DataFrame({by: groups}).assign(variable=formula.split("~")[0].strip()),
        level,
        f"predictive margins of {by} from {family} model {formula} + {by}, "
        f"{design._variance_label()}",
        float(_degf(design)),
    )
