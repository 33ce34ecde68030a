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
  ``sum(pi^2)/n`` (R's ``HR()``), or a given value per stratum (R's ``HR(psum)``);
* ``"poisson"``: Poisson sampling, units drawn independently (R's ``poisson_sampling``):
  ``pi_ij = pi_i pi_j``, so Delta is diagonal, ``1 - pi_i``.

The two approximations give Delta a structure, ``Delta_ij = a_i + a_j + c`` for two units of
one stratum and zero across strata, so ``x' Delta x`` is formed from per-stratum sums of the
unit totals without the units-by-units matrix (:class:`ApproximateDelta`): 4,000 units need
no 4,000 x 4,000 matrix (128 MB) and the cost is linear in the units. A matrix of joint
probabilities may be given as a SciPy sparse matrix; Delta then stays sparse (entries where
``pi_ij`` is given and off the tolerance).

Estimates, domains, proportions and subsets are those of every design
(:class:`~prevalence.survey.base.Design`); only the variance of the unit totals differs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse

from ..core.errors import DataError
from .calibration import group_sums
from .design import SurveyDesign

__all__ = ["PPSDesign", "ApproximateDelta"]

METHODS = ("overton", "hartley-rao", "poisson")


@dataclass(frozen=True)
class ApproximateDelta:
    """Delta of Overton's or Hartley-Rao's approximation (or of Poisson sampling), kept as
    its structure instead of a units-by-units matrix.

    For two units ``i != j`` of one stratum ``Delta_ij = a_i + a_j + c_h``, across strata 0,
    on the diagonal ``diag_i``; pairs whose approximate ``pi_ij`` R sets to zero (Overton: two
    certainty units; Hartley-Rao: probabilities adding up to exactly 1) are listed by their
    classes of equal probability, ``zero_classes``: pairs of unit-index arrays whose cross
    pairs (or, for one array given twice, whose pairs within) are zero.
    """

    strata: np.ndarray  # per unit, dense stratum code
    a: np.ndarray
    c: np.ndarray  # per unit, its stratum's c
    diag: np.ndarray
    zero_classes: tuple[tuple[np.ndarray, np.ndarray], ...] = ()

    def _pair_sum(self, U: np.ndarray, W: np.ndarray, X: np.ndarray) -> np.ndarray:
        """sum over i in U, j in W (i != j when U is W) of Delta_ij x_i x_j'."""
        xs_u, xs_w = X[U], X[W]
        S_u, S_w = xs_u.sum(axis=0), xs_w.sum(axis=0)
        A_u, A_w = (self.a[U][:, None] * xs_u).sum(axis=0), (self.a[W][:, None] * xs_w).sum(axis=0)
        c = float(self.c[U[0]])
        out = np.outer(A_u, S_w) + np.outer(S_u, A_w) + c * np.outer(S_u, S_w)
        if U is W:
            out -= (xs_u * (2 * self.a[U] + c)[:, None]).T @ xs_u
        return out

    def quadratic(self, X: np.ndarray) -> np.ndarray:
        """``X' Delta X`` (the Horvitz-Thompson form), linear in the number of units."""
        X = np.asarray(X, dtype=float)
        H = int(self.strata.max()) + 1
        S = group_sums(self.strata, X, H)
        A = group_sums(self.strata, self.a[:, None] * X, H)
        c_h = np.zeros(H)
        c_h[self.strata] = self.c
        V = A.T @ S + S.T @ A + (S * c_h[:, None]).T @ S  # every pair of a stratum, i = j too
        V -= (X * (2 * self.a + self.c)[:, None]).T @ X  # the pairs i = j out ...
        V += (X * self.diag[:, None]).T @ X  # ... and the diagonal in
        for U, W in self.zero_classes:
            pairs = self._pair_sum(U, W, X)
            V -= pairs if U is W else pairs + pairs.T
        return V

    def row_sums(self) -> np.ndarray:
        """``Delta 1``: each unit's row sum (the Yates-Grundy correction uses it)."""
        H = int(self.strata.max()) + 1
        n_h = np.bincount(self.strata, minlength=H).astype(float)[self.strata]
        a_h = np.bincount(self.strata, weights=self.a, minlength=H)[self.strata]
        out = self.diag + (n_h - 1) * (self.a + self.c) + (a_h - self.a)
        for U, W in self.zero_classes:
            if U is W:
                out[U] -= (len(U) - 1) * (self.a[U] + self.c[U]) + (self.a[U].sum() - self.a[U])
            else:
                out[U] -= len(W) * (self.a[U] + self.c[U]) + self.a[W].sum()
                out[W] -= len(U) * (self.a[W] + self.c[W]) + self.a[U].sum()
        return out


def _zero_classes(
    p: np.ndarray, strata: np.ndarray, method: str
) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
    """Classes of units of equal probability within a stratum whose pairs R's approximate
    ``pi_ij`` sets to zero: Overton's ``(pi_i + pi_j)/2 == 1`` holds only between certainty
    units (one class, its pairs within); Hartley-Rao's ``pi_i + pi_j == 1`` between a value
    and its complement (found by a sorted search, then checked with the same float sum as
    the matrix form). Linear in the units, up to the sort."""
    out: list[tuple[np.ndarray, np.ndarray]] = []
    order = np.lexsort((p, strata))
    s_sorted, p_sorted = strata[order], p[order]
    for h in np.unique(strata):
        lo, hi = np.searchsorted(s_sorted, [h, h + 1])
        if hi - lo < 2:
            continue
        values, starts, counts = np.unique(p_sorted[lo:hi], return_index=True, return_counts=True)
        classes = [order[lo + a : lo + a + c] for a, c in zip(starts, counts, strict=True)]
        if method == "overton":
            if values[-1] == 1.0 and counts[-1] > 1:
                out.append((classes[-1], classes[-1]))
            continue
        for k, v in enumerate(values):
            near = int(np.searchsorted(values, 1.0 - v))
            for m in range(max(near - 1, k), min(near + 2, values.size)):
                if v + values[m] == 1 and (m != k or counts[k] > 1):
                    out.append((classes[k], classes[k]) if m == k else (classes[k], classes[m]))
    return tuple(out)


class PPSDesign(SurveyDesign):
    """A PPS-without-replacement design with Horvitz-Thompson or Yates-Grundy variances.

    Parameters
    ----------
    data : DataFrame
    probs : str
        Column of inclusion probabilities (of the row's unit; constant within a cluster).
    method : {"overton", "hartley-rao", "poisson"} or array or sparse matrix
        How the joint inclusion probabilities are obtained: an approximation (kept as its
        structure, no units-by-units matrix), Poisson sampling (independent draws), or the
        ``(units x units)`` matrix of joint inclusion probabilities in the order of the units'
        first rows (diagonal: the inclusion probabilities), dense or SciPy sparse (pairs not
        stored are independent).
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
        delta = self._dcheck
        if isinstance(delta, ApproximateDelta):
            V = delta.quadratic(X)
            row_sums = delta.row_sums() if self.variance_form == "YG" else None
        else:
            V = np.asarray(X.T @ (delta @ X))  # Horvitz-Thompson (dense or sparse Delta)
            row_sums = np.asarray(delta.sum(axis=1)).ravel() if self.variance_form == "YG" else None
        if row_sums is not None:  # R's ygvar: minus sum(Delta (x_k x_l))
            V = V - X.T @ (row_sums[:, None] * X)
        return np.diag(V).copy() if diagonal else V

    def _variance_label(self) -> str:
        how = self.method if isinstance(self.method, str) else "joint probabilities"
        return f"PPS without replacement, {self.variance_form} variance ({how})"

    def __repr__(self) -> str:
        how = self.method if isinstance(self.method, str) else "joint probabilities"
        return f"PPSDesign({self.n} rows, {how}, {self.variance_form})"


def _delta_check(
    p: np.ndarray,
    strata: np.ndarray,
    method: str | np.ndarray,
    hr_psum: float | dict[Any, float] | None,
    tolerance: float,
    design: SurveyDesign,
    first: np.ndarray,
) -> ApproximateDelta | np.ndarray | sparse.csr_matrix:
    """Delta-check: (pi_ij - pi_i pi_j) / pi_ij for the sampled units, as R's *Dcheck: the
    structure of an approximation, or a dense or sparse matrix from joint probabilities.

    Overton: ``1 - (n - fbar)/(n - 1)`` with ``fbar = (pi_i + pi_j)/2``, that is
    ``a_i = pi_i / (2 (n - 1))``, ``c = -1/(n - 1)``; Hartley-Rao: ``fbar = pi_i + pi_j``
    and ``psum`` added, ``a_i = pi_i/(n - 1)``, ``c = -(1 + psum)/(n - 1)``; zero where
    ``fbar`` is 1, and ``1 - pi_i`` on the diagonal."""
    n = np.bincount(strata)[strata].astype(float)  # units in each unit's stratum
    alone = n < 2  # a unit alone in its stratum has no pairs
    span = np.where(alone, 1.0, n - 1)
    if isinstance(method, str):
        if method == "poisson":
            zeros = np.zeros(p.size)
            return ApproximateDelta(strata, zeros, zeros, 1 - p)
        if method == "overton":
            return ApproximateDelta(
                strata,
                np.where(alone, 0.0, p / (2 * span)),
                np.where(alone, 0.0, -1.0 / span),
                1 - p,
                _zero_classes(p, strata, "overton"),
            )
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
            return ApproximateDelta(
                strata,
                np.where(alone, 0.0, p / span),
                np.where(alone, 0.0, -(1.0 + p2bar) / span),
                1 - p,
                _zero_classes(p, strata, "hartley-rao"),
            )
        raise ValueError(
            f"method must be one of {METHODS} or a joint-probability matrix, got {method!r}"
        )
    if sparse.issparse(method):
        return _sparse_delta(sparse.csr_matrix(method, dtype=float), p, tolerance)
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


def _sparse_delta(pij: sparse.csr_matrix, p: np.ndarray, tolerance: float) -> sparse.csr_matrix:
    """Delta from a sparse matrix of joint probabilities: the entries given (the diagonal,
    and the pairs whose joint probability is stored); a pair not stored is taken as
    independent, ``pi_ij = pi_i pi_j``, so its Delta is zero."""
    if pij.shape != (p.size, p.size):
        raise DataError(
            f"the joint inclusion probabilities must be a {p.size} x {p.size} matrix (one row "
            f"and column per sampled unit), got shape {pij.shape}"
        )
    if abs(pij - pij.T).max() > 1e-8:
        raise DataError("the joint inclusion probability matrix must be symmetric")
    if not np.allclose(pij.diagonal(), p):
        raise DataError("the diagonal of the joint inclusion probabilities must be the probs")
    coo = pij.tocoo()
    if (coo.data <= 0).any():
        raise DataError("stored joint inclusion probabilities must be positive")
    d = (coo.data - p[coo.row] * p[coo.col]) / coo.data
    d[np.abs(d) < tolerance] = 0.0
    out = sparse.csr_matrix((d, (coo.row, coo.col)), shape=pij.shape)
    out.eliminate_zeros()
    return out
