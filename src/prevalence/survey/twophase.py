"""Two-phase designs (R's ``twophase``, method "full"): a screening sample, a subsample.

The usual way forced labour and trafficking modules are fielded: a short screening question
for everyone in a phase-one sample, the detailed module for a phase-two subsample drawn
within phase-one strata (often strata defined by the screening answer). Estimates use the
phase-two rows with weights ``1 / (pi1 pi2)``; the variance is the two-phase
Horvitz-Thompson form ``x' Dcheck x`` with ``Dcheck = D1 + D2 - D1 D2`` (element-wise), where
``D1`` is phase one's ``(pi_ij - pi_i pi_j) / pi_ij`` among the phase-two units and ``D2``
phase two's, as R survey's ``twophase2``. Both phases sample elements (no clusters); phase
one may be stratified with a finite population correction, phase two is stratified simple
random sampling of the phase-one sample, its sampling fractions computed from the phase-one
counts as R does.

Examples
--------
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(1)
>>> phase1 = pd.DataFrame({"screen": rng.integers(0, 2, 300)})
>>> phase1["module"] = np.where(rng.random(300) < np.where(phase1["screen"] == 1, 0.8, 0.2), 1, 0)
>>> phase1["victim"] = np.where(phase1["module"] == 1, rng.integers(0, 2, 300), np.nan)
>>> design = TwoPhaseDesign(phase1, subset="module", strata2="screen")
>>> est = design.proportion("victim")
>>> 0 < est.value < 1 and est.lower < est.value < est.upper
True
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..core.errors import DataError
from .design import SurveyDesign

__all__ = ["TwoPhaseDesign"]


def _strata_codes(frame: pd.DataFrame, column: str | None, role: str) -> np.ndarray:
    if column is None:
        return np.zeros(len(frame), dtype=np.int64)
    if column not in frame.columns:
        raise DataError(
            f"unknown {role} column {column!r}; the data have columns {list(frame.columns)}"
        )
    if frame[column].isna().any():
        pos = int(np.flatnonzero(frame[column].isna().to_numpy())[0])
        raise DataError(f"{role} column {column!r} has a missing value at row {pos} of phase one")
    return pd.factorize(frame[column], sort=True)[0].astype(np.int64)


def _dcheck(
    strata: np.ndarray, prob: np.ndarray, sampsize: np.ndarray, replace: bool
) -> np.ndarray:
    """R's Dcheck_subset: -(1 - pi_i) / (n_h - 1) within a stratum, 1 - pi_i on the diagonal."""
    d = np.zeros((strata.size, strata.size))
    if not replace:
        same = strata[:, None] == strata[None, :]
        with np.errstate(divide="ignore", invalid="ignore"):
            off = -(1 - prob)[:, None] / (sampsize[:, None] - 1)
        d = np.where(same, off, 0.0)
    np.fill_diagonal(d, 1 - prob)
    return d


class TwoPhaseDesign(SurveyDesign):
    """A two-phase design: phase-one rows, and the phase-two subsample flagged by ``subset``.

    Parameters
    ----------
    data : DataFrame
        Every phase-one row (the phase-two variables may be missing outside the subsample).
    subset : str
        Column of true/false (or 1/0): the row is in the phase-two subsample.
    strata2 : str, optional
        Phase-two strata (known for every phase-one row: the screening answer, say).
    strata1, fpc1 : str, optional
        Phase-one strata and finite population correction (population sizes or sampling
        fractions); without them phase one is a simple random sample with replacement.

    Estimates (``mean``, ``total``, ``proportion``, domains, ``subset``...) are those of every
    design, over the phase-two rows.
    """

    def __init__(
        self,
        data: pd.DataFrame,
        subset: str,
        *,
        strata2: str | None = None,
        strata1: str | None = None,
        fpc1: str | None = None,
    ) -> None:
        if not isinstance(data, pd.DataFrame):
            raise DataError(f"TwoPhaseDesign expects a pandas DataFrame, got {type(data).__name__}")
        if subset not in data.columns:
            raise DataError(
                f"unknown subset column {subset!r}; the data have columns {list(data.columns)}"
            )
        flag = data[subset]
        if flag.isna().any():
            raise DataError(
                f"subset column {subset!r} has a missing value at row {int(np.flatnonzero(flag.isna())[0])}"
            )
        if flag.dtype != bool:
            if not set(pd.unique(flag)) <= {0, 1}:
                raise DataError(f"subset column {subset!r} must hold true/false or 1/0")
            flag = flag.astype(bool)
        in2 = flag.to_numpy()
        if in2.sum() < 2:
            raise DataError("the phase-two subsample needs at least two rows")
        n1 = len(data)
        s1 = _strata_codes(data, strata1, "strata1")
        s2 = _strata_codes(data, strata2, "strata2")
        # phase one: inclusion probabilities and sample sizes per stratum
        n1h = np.bincount(s1)[s1].astype(float)
        if fpc1 is not None:
            if fpc1 not in data.columns:
                raise DataError(f"unknown fpc1 column {fpc1!r}")
            f = pd.to_numeric(data[fpc1], errors="coerce").to_numpy(dtype=float)
            if not np.all(np.isfinite(f) & (f > 0)):
                raise DataError(f"fpc1 column {fpc1!r} must be positive numbers")
            pi1 = n1h / f if np.any(f > 1) else f
            if np.any(pi1 > 1 + 1e-12):
                raise DataError(f"fpc1 column {fpc1!r} implies more units sampled than exist")
        else:
            pi1 = np.ones(n1)
        # without a finite population correction phase one is sampled with replacement: its
        # Dcheck is the identity, stratified or not (what R's twophase gives)
        iid = fpc1 is None
        # phase two: stratified simple random subsample of the phase-one sample
        counts1 = np.bincount(s2, minlength=s2.max() + 1).astype(float)
        counts2 = np.bincount(s2[in2], minlength=s2.max() + 1).astype(float)
        if np.any(counts2 == 0):
            raise DataError("some phase-two strata have no phase-two rows (zero sampling fraction)")
        pi2_all = counts2[s2] / counts1[s2]
        rows = np.flatnonzero(in2)
        self.pi1, self.pi2 = pi1[rows], pi2_all[rows]
        weights = 1.0 / (self.pi1 * self.pi2)
        frame = data.iloc[rows].reset_index(drop=True).assign(__twophase_weight__=weights)
        super().__init__(frame, weights="__twophase_weight__", strata=strata2)
        d1 = np.eye(rows.size) if iid else _dcheck(s1[rows], self.pi1, n1h[rows], False)
        d2 = _dcheck(s2[rows], self.pi2, counts2[s2[rows]], False)
        self._dcheck_full = d1 + d2 - d1 * d2
        self._dcheck_phase2 = d2
        self.phase1_rows = n1
        self.subset_column = subset

    def _variance_of_unit_totals(
        self, T: np.ndarray, diagonal: bool, use: np.ndarray | None = None
    ) -> np.ndarray:
        X = np.asarray(T, dtype=float)  # one unit per phase-two row, in row order
        V = X.T @ self._dcheck_full @ X
        return np.diag(V).copy() if diagonal else V

    def phase_variances(self, column: str) -> dict[str, Any]:
        """The total of ``column`` and its variance split into the phase-one and phase-two
        parts, as R's ``attr(, "phases")``."""
        x = self.variable(column) * self.weights
        full = float(x @ self._dcheck_full @ x)
        phase2 = float(x @ self._dcheck_phase2 @ x)
        return {"total": float(x.sum()), "phase1": full - phase2, "phase2": phase2}

    def _variance_label(self) -> str:
        return "two-phase Horvitz-Thompson"

    def __repr__(self) -> str:
        return f"TwoPhaseDesign({self.phase1_rows} phase-one rows, {self.n} in phase two)"
