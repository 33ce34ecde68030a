"""Several estimates from one design with their covariance, and contrasts of them (R's ``svycontrast``).

A :class:`DomainTable` is what ``design.mean([...], by=..., vcov=True)`` (and ``total``,
``proportion``, ``ratio``, ``predictive_margins``) return: the estimates named as R's
``svyby`` names them (``"E:hi00"``: domain level, colon, variable), their full covariance
matrix, and :meth:`DomainTable.contrast`, which turns a linear combination (a dict of
coefficients) or any smooth function of the estimates (a callable, by the delta method) into
an :class:`~prevalence.Estimate`. Because the covariance comes from one design, estimates
that share PSUs (the same people at two times, domains in the same clusters) have the
covariance between them counted, which is what makes a panel's change or a difference in
differences narrower than treating the parts as independent.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..core.errors import DataError, EstimationError
from ..core.intervals import check_level, critical_value, normal_quantile
from ..core.results import Estimate

__all__ = ["DomainTable", "ContrastWeights"]

ContrastWeights = Mapping[str, float] | Callable[[pd.Series], float]


@dataclass(frozen=True, eq=False)
class DomainTable:
    """Estimates from one design, their covariance matrix and contrasts.

    Attributes
    ----------
    values : pandas.Series
        The estimates, indexed by R ``svyby`` names (``"E:hi00"``; the variable name alone
        without domains).
    vcov : pandas.DataFrame
        Their covariance matrix, rows and columns in the order of ``values``.
    statistic : str
        What the estimates are: ``"mean"``, ``"total"``, ``"proportion"``, ``"ratio"`` or
        ``"predictive margin"``. Contrasts are formed within one table, so on one scale.
    labels : pandas.DataFrame
        One row per estimate: the domain columns and ``variable``.
    level : float
        Level of the intervals in :meth:`to_frame` and of contrasts.
    method : str
        How the estimates and their covariance were obtained.
    degf : float or None
        The design's degrees of freedom (PSUs minus strata, or the replicate rank), for t
        intervals (``contrast(..., df="design")``).

    Examples
    --------
    >>> import pandas as pd
    >>> from prevalence.survey import SurveyDesign
    >>> df = pd.DataFrame({"before": [1, 1, 0, 1, 0, 1], "after": [0, 1, 0, 1, 0, 0],
    ...                    "psu": [1, 2, 3, 4, 5, 6], "w": [10.0] * 6})
    >>> table = SurveyDesign(df, weights="w", clusters="psu").mean(["before", "after"], vcov=True)
    >>> table.values.round(4).tolist()
    [0.6667, 0.3333]
    >>> change = table.contrast({"after": 1, "before": -1}, name="change")
    >>> round(change.value, 4), round(change.std_error, 4)
    (-0.3333, 0.2108)
    """

    values: pd.Series
    vcov: pd.DataFrame
    statistic: str
    labels: pd.DataFrame
    level: float = 0.95
    method: str = ""
    degf: float | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if list(self.vcov.index) != list(self.values.index) or list(self.vcov.columns) != list(
            self.values.index
        ):
            raise ValueError("vcov must have the rows and columns of values, in the same order")

    @property
    def names(self) -> list[str]:
        """The names of the estimates, in order."""
        return [str(n) for n in self.values.index]

    @property
    def std_errors(self) -> pd.Series:
        """Standard errors (square roots of the diagonal of :attr:`vcov`)."""
        return pd.Series(
            np.sqrt(np.maximum(np.diag(self.vcov.to_numpy()), 0.0)), index=self.values.index
        )

    def subset(self, names: list[str]) -> DomainTable:
        """The table of the estimates ``names`` only (their covariance kept)."""
        unknown = [n for n in names if n not in self.values.index]
        if unknown:
            raise DataError(f"the table has no estimates {unknown}; it has {self.names}")
        pos = [self.names.index(n) for n in names]
        return DomainTable(
            self.values[names],
            self.vcov.loc[names, names],
            self.statistic,
            self.labels.iloc[pos].reset_index(drop=True),
            self.level,
            self.method,
            self.degf,
            self.extra,
        )

    def to_frame(self) -> pd.DataFrame:
        """One row per estimate: domain columns, ``variable``, ``name``, value, standard error, interval."""
        z = normal_quantile(self.level)
        se = self.std_errors.to_numpy()
        v = self.values.to_numpy()
        out = self.labels.reset_index(drop=True).copy()
        out.insert(len(out.columns), "name", self.names)
        out["value"] = v
        out["std_error"] = se
        out["lower"] = v - z * se
        out["upper"] = v + z * se
        return out

    def estimate(self, name: str, *, df: str | float | None = None) -> Estimate:
        """One entry of the table as an :class:`~prevalence.Estimate` (``df`` as in :meth:`contrast`)."""
        return self.contrast({name: 1.0}, name=name, df=df)

    def contrast(
        self,
        weights: ContrastWeights,
        name: str | None = None,
        *,
        level: float | None = None,
        df: str | float | None = None,
    ) -> Estimate:
        """A contrast of the estimates with its delta-method standard error (R's ``svycontrast``).

        Parameters
        ----------
        weights : dict or callable
            A dict of coefficients by estimate name (names left out have coefficient 0): the
            linear combination ``sum c_j theta_j``. Or a function of the estimates (a pandas
            Series indexed by name) returning a number: a non-linear contrast, whose standard
            error uses the gradient at the estimates (central differences with Richardson
            extrapolation, accurate to about 1e-9 relative for smooth functions).
        name : str, optional
            Label of the contrast (it goes into the method text and ``details["name"]``).
        level : float, optional
            Interval level (default: the table's).
        df : None, "design" or float
            Degrees of freedom of the interval: normal by default (as ``confint`` of a
            ``svycontrast`` in R), ``"design"`` for t with the design's degrees of freedom
            (as ``svyciprop`` and ``svyglm`` intervals), or a number.

        Raises
        ------
        DataError
            A coefficient names an estimate that is not in the table.
        """
        level = self.level if level is None else check_level(level)
        theta = self.values.to_numpy(dtype=float)
        V = self.vcov.to_numpy(dtype=float)
        if callable(weights):
            value = _call(weights, self.values)
            grad = _gradient(weights, self.values)
            kind = "non-linear contrast (delta method)"
        elif isinstance(weights, Mapping):
            unknown = [k for k in weights if k not in self.values.index]
            if unknown:
                raise DataError(
                    f"the contrast names {unknown}, which the table does not have; its estimates "
                    f"are {self.names}"
                )
            if not weights:
                raise DataError("the contrast has no coefficients")
            grad = np.array([float(weights.get(n, 0.0)) for n in self.values.index])
            if not np.all(np.isfinite(grad)):
                raise DataError(
                    f"contrast coefficients must be finite numbers, got {dict(weights)}"
                )
            value = float(grad @ theta)
            kind = "linear contrast"
        else:
            raise DataError(
                "weights must be a dict of coefficients by estimate name or a function of the "
                f"estimates, got {type(weights).__name__}"
            )
        var = float(grad @ V @ grad)
        se = math.sqrt(max(var, 0.0))
        z = self._quantile(level, df)
        label = name or "contrast"
        details = {
            "std_error": se,
            "variance": var,
            "name": label,
            "coefficients": dict(zip(self.names, grad.tolist(), strict=True)),
            "statistic": self.statistic,
        }
        return Estimate(
            value,
            value - z * se,
            value + z * se,
            level,
            f"{label}: {kind} of survey {self.statistic}s ({self.method}, "
            f"{'normal' if df is None else 't'} interval)",
            None,
            details,
            (),
            scale=None if callable(weights) else self.statistic,
            interval_method="wald" if df is None else "t",
        )

    def contrasts(
        self, contrasts: Mapping[str, ContrastWeights], *, level: float | None = None
    ) -> DomainTable:
        """Several contrasts at once, with their joint covariance (R's ``svycontrast`` with a
        list): a table of the contrasts, named by the keys of ``contrasts``, each a dict of
        coefficients or a function of the estimates as in :meth:`contrast`. Their covariance
        is ``G V G'`` with ``G`` the contrasts' coefficients (gradients), so contrasts of
        contrasts keep every covariance.

        Examples
        --------
        >>> import pandas as pd
        >>> from prevalence.survey import SurveyDesign
        >>> df = pd.DataFrame({"a": [1.0, 3, 2, 4], "b": [2.0, 2, 3, 5], "psu": [1, 2, 3, 4],
        ...                    "w": 1.0})
        >>> t = SurveyDesign(df, weights="w", clusters="psu").mean(["a", "b"], vcov=True)
        >>> c = t.contrasts({"diff": {"a": 1, "b": -1}, "sum": {"a": 1, "b": 1}})
        >>> c.names, c.values.tolist()
        (['diff', 'sum'], [-0.5, 5.5])
        """
        if not isinstance(contrasts, Mapping) or not contrasts:
            raise DataError(
                "contrasts must be a non-empty dict of named contrasts, each a dict of "
                "coefficients or a function of the estimates"
            )
        names = [str(n) for n in contrasts]
        values, rows = [], []
        for name, weights in contrasts.items():
            one = self.contrast(weights, name=str(name))  # its gradient: details["coefficients"]
            values.append(one.value)
            rows.append([one.details["coefficients"][n] for n in self.names])
        linear = not any(callable(w) for w in contrasts.values())
        G = np.array(rows)
        V = G @ self.vcov.to_numpy(dtype=float) @ G.T
        return DomainTable(
            pd.Series(values, index=names),
            pd.DataFrame(V, index=names, columns=names),
            self.statistic if linear else "contrast",
            pd.DataFrame({"variable": names}),
            self.level if level is None else check_level(level),
            f"contrasts of survey {self.statistic}s ({self.method})",
            self.degf,
        )

    def _quantile(self, level: float, df: str | float | None) -> float:
        if df is None:
            return normal_quantile(level)
        if df == "design":
            if self.degf is None:
                raise ValueError("this table has no design degrees of freedom; give df=number")
            df = self.degf
        return critical_value(level, float(df))

    def __repr__(self) -> str:
        return f"DomainTable({self.statistic}, {len(self.values)} estimates)\n" + repr(
            self.to_frame()
        )

    def _repr_html_(self) -> str:
        return self.to_frame()._repr_html_()


def _call(f: Callable[[pd.Series], float], values: pd.Series) -> float:
    try:
        out = float(f(values.copy()))
    except KeyError as err:
        raise DataError(
            f"the contrast function asked for {err.args[0]!r}, which the table does not have; "
            f"its estimates are {[str(n) for n in values.index]}"
        ) from None
    if not math.isfinite(out):
        raise EstimationError(f"the contrast function gave {out} at the estimates")
    return out


def _gradient(f: Callable[[pd.Series], float], values: pd.Series) -> np.ndarray:
    """Gradient of ``f`` at ``values``: central differences, one Richardson step."""
    theta = values.to_numpy(dtype=float)
    grad = np.empty(theta.size)
    for j in range(theta.size):
        h = 1e-4 * max(abs(theta[j]), 1e-2)

        def central(step: float, j: int = j) -> float:
            up, down = theta.copy(), theta.copy()
            up[j] += step
            down[j] -= step
            return (
                _call(f, pd.Series(up, index=values.index))
                - _call(f, pd.Series(down, index=values.index))
            ) / (2 * step)

        grad[j] = (4.0 * central(h / 2) - central(h)) / 3.0
    return grad
