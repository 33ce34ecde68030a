"""Sampling with probability proportional to size, without replacement (R's ``svydesign(pps=)``).

A single-stage design (units are rows, or clusters given by ``clusters``) whose inclusion
probabilities are known; the variance is the Horvitz-Thompson (``variance="HT"``) or
Yates-Grundy (``"YG"``) form ``x' Delta x`` of the weighted influence totals of the units,
with ``Delta_ij = (pi_ij - pi_i pi_j) / pi_ij`` built as R does:

* a matrix of joint inclusion probabilities (R's ``ppsmat``): exact; entries of Delta below
  the tolerance set to zero;
* ``"overton"``: Overton's approximation, ``pi_ij`` from the average of the two
  probabilities;
* ``"hartley-rao"``: the truncated Hartley-Rao approximation with the sample estimate of
  ``sum(pi^2)/n`` (R's ``HR()``), or a given value per stratum (R's ``HR(psum)``).

Estimates, domains, proportions and subsets are those of every design
(:class:`~prevalence.survey.base.Design`); only the variance of the unit totals differs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..core.errors import DataError
from .design import SurveyDesign

__all__ = ["PPSDesign"]

METHODS = ("overton", "hartley-rao")


class PPSDesign(SurveyDesign):
    """A PPS-without-replacement design with Horvitz-Thompson or Yates-Grundy variances.

    Parameters
    ----------
    data : DataFrame
    probs : str
        Column of inclusion probabilities (of the row's unit; constant within a cluster).
    method : {"overton", "hartley-rao"} or array
        How the joint inclusion probabilities are obtained: an approximation, or the
        ``(units x units)`` matrix of joint inclusion probabilities in the order of the units'
        first rows (diagonal: the inclusion probabilities).
    strata, clusters : str, optional
        One stratum column; one cluster column (single stage).
    variance : {"HT", "YG"}
    hr_psum : float or mapping, optional
        For ``"hartley-rao"``: ``sum(pi^2)/n`` of the population, one value or one per
        stratum label (R's ``HR(psum)``); default its sample estimate, the stratum's mean
        inclusion probability (R's ``HR()``).
    tolerance : float
        For a joint matrix: entries of Delta smaller than this are set to zero (R's
        ``ppsmat(tolerance=)``).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"y": [3.0, 5, 4, 8], "p": [0.2, 0.4, 0.3, 0.6]})
    >>> round(PPSDesign(df, probs="p", method="overton").total("y").value, 2)
    54.17
    """

    def __init__(
        self,
        data: pd.DataFrame,
        probs: str,
        method: str | np.ndarray = "overton",
        *,
        strata: str | None = None,
        clusters: str | None = None,
        variance: str = "HT",
        hr_psum: float | dict[Any, float] | None = None,
        tolerance: float = 1e-4,
    ) -> None:
        if not isinstance(data, pd.DataFrame):
            raise DataError(f"PPSDesign expects a pandas DataFrame, got {type(data).__name__}")
        if probs not in data.columns:
            raise DataError(
                f"unknown probs column {probs!r}; the data have columns {list(data.columns)}"
            )
        p = pd.to_numeric(data[probs], errors="coerce").to_numpy(dtype=float)
        bad = ~np.isfinite(p) | (p <= 0) | (p > 1)
        if bad.any():
            pos = int(np.flatnonzero(bad)[0])
            raise DataError(
                f"inclusion probabilities must lie in (0, 1]: column {probs!r} has "
                f"{data[probs].iloc[pos]!r} at row {pos}"
            )
        if variance not in ("HT", "YG"):
            raise ValueError(f"variance must be 'HT' or 'YG', got {variance!r}")
        weight_col = "__pps_weight__"
        frame = data.assign(**{weight_col: 1.0 / p})
        super().__init__(
            frame, weights=weight_col, strata=strata, clusters=clusters, lonely_psu="certainty"
        )
        if self.n_stages > 1:
            raise DataError("PPSDesign is single-stage: give at most one clusters column")
        self.probs, self.variance_form, self.method = probs, variance, method
        units = self.stages[0].units
        first = np.unique(units, return_index=True)[1]
        unit_p = p[first]
        differs = np.flatnonzero(~np.isclose(p, unit_p[units]))
        if differs.size:
            row = int(differs[0])
            raise DataError(
                f"inclusion probabilities differ within the cluster of row {row} "
                f"(column {clusters!r}): a cluster has one probability"
            )
        unit_strata = self.stages[0].strata[first]
        self._dcheck = _delta_check(unit_p, unit_strata, method, hr_psum, tolerance, self, first)

    def _variance_of_unit_totals(
        self, T: np.ndarray | Sequence[np.ndarray], diagonal: bool, use: np.ndarray | None = None
    ) -> np.ndarray:
        # units are the first stage (single-stage design): T rows are the units' totals
        X = np.asarray(T, dtype=float)
        V = X.T @ self._dcheck @ X  # Horvitz-Thompson
        if self.variance_form == "YG":
            V = V - _yg_correction(self._dcheck, X)
        return np.diag(V).copy() if diagonal else V

    def _variance_label(self) -> str:
        how = self.method if isinstance(self.method, str) else "joint probabilities"
        return f"PPS without replacement, {self.variance_form} variance ({how})"

    def __repr__(self) -> str:
        how = self.method if isinstance(self.method, str) else "joint probabilities"
        return f"PPSDesign({self.n} rows, {how}, {self.variance_form})"


def _yg_correction(dcheck: np.ndarray, X: np.ndarray) -> np.ndarray:
    """R's ygvar correction: sum(Delta (x_k * x_l)) for every pair of columns."""
    row_sums = dcheck.sum(axis=1)  # 1' Delta, Delta symmetric
    return X.T @ (row_sums[:, None] * X)


def _delta_check(
    p: np.ndarray,
    strata: np.ndarray,
    method: str | np.ndarray,
    hr_psum: float | dict[Any, float] | None,
    tolerance: float,
    design: SurveyDesign,
    first: np.ndarray,
) -> np.ndarray:
    """Delta-check: (pi_ij - pi_i pi_j) / pi_ij for the sampled units, as R's *Dcheck."""
    same = strata[:, None] == strata[None, :]
    n = np.bincount(strata)[strata].astype(float)  # units in each unit's stratum
    if isinstance(method, str):
        if method == "overton":
            fbar = (p[:, None] + p[None, :]) / 2
            with np.errstate(divide="ignore", invalid="ignore"):
                d = 1 - (n[:, None] - fbar) / (n[:, None] - 1)
            d[~same | (fbar == 1)] = 0.0
            np.fill_diagonal(d, 1 - np.diag(fbar))
            return d
        if method == "hartley-rao":
            if hr_psum is None:  # the sample estimate: the stratum's mean probability
                p2bar = (np.bincount(strata, weights=p) / np.bincount(strata))[strata]
            elif isinstance(hr_psum, dict):
                labels = design._structure.stratum_labels
                by_code = {}
                for u, code in enumerate(strata):
                    label = labels[first[u]] if labels is not None else 1
                    label = label.item() if isinstance(label, np.generic) else label
                    if label not in hr_psum:
                        raise DataError(f"hr_psum has no value for stratum {label!r}")
                    by_code[code] = float(hr_psum[label])
                p2bar = np.array([by_code[c] for c in strata])
            else:
                p2bar = np.full(p.size, float(hr_psum))
            fbar = p[:, None] + p[None, :]
            with np.errstate(divide="ignore", invalid="ignore"):
                d = 1 - (n[:, None] - fbar + p2bar[:, None]) / (n[:, None] - 1)
            d[~same | (fbar == 1)] = 0.0
            np.fill_diagonal(d, 1 - p)
            return d
        raise ValueError(
            f"method must be one of {METHODS} or a joint-probability matrix, got {method!r}"
        )
    pij = np.asarray(method, dtype=float)
    if pij.shape != (p.size, p.size):
        raise DataError(
            f"the joint inclusion probabilities must be a {p.size} x {p.size} matrix (one row "
            f"and column per sampled unit), got shape {pij.shape}"
        )
    if not np.allclose(pij, pij.T):
        raise DataError("the joint inclusion probability matrix must be symmetric")
    if not np.allclose(np.diag(pij), p):
        raise DataError("the diagonal of the joint inclusion probabilities must be the probs")
    d = (pij - np.outer(np.diag(pij), np.diag(pij))) / pij
    d[np.abs(d) < tolerance] = 0.0
    return d
