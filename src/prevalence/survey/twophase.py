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

import copy
import math
from collections.abc import Mapping, Sequence
from typing import Any, Self

import numpy as np
import pandas as pd

from ..core.checks import plain
from ..core.errors import DataError
from .calibration import Bounds, LinearCalibration, linear_calibration_weights, observed_totals
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
    strata: np.ndarray,
    prob: np.ndarray,
    sampsize: np.ndarray,
    replace: bool,
    units: np.ndarray | None = None,
) -> np.ndarray:
    """R's Dcheck for stratified simple random sampling of ``units`` (rows by default; the
    phase-one clusters otherwise): ``1 - pi`` for two rows of one unit, ``-(1 - pi) / (n_h - 1)``
    for rows of different units in one stratum, 0 across strata; with replacement 1 within a
    unit and 0 otherwise."""
    n = strata.size
    units = np.arange(n) if units is None else units
    same_unit = units[:, None] == units[None, :]
    if replace:
        return same_unit.astype(float)
    same = strata[:, None] == strata[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        off = -(1 - prob)[:, None] / (sampsize[:, None] - 1)
    d = np.where(same, off, 0.0)
    return np.where(same_unit, (1 - prob)[:, None] * np.ones(n), d)


def _phase1_numeric(data: pd.DataFrame, name: str) -> np.ndarray:
    """A numeric phase-one column as float, with the row of the first bad value named."""
    if name not in data.columns:
        raise DataError(
            f"unknown column {name!r}; the phase-one data have columns {list(data.columns)}"
        )
    values = pd.to_numeric(data[name], errors="coerce")
    if values.isna().any():
        pos = int(np.flatnonzero(values.isna().to_numpy())[0])
        raise DataError(
            f"column {name!r} has a missing or non-numeric value at row {pos} of phase one: "
            "calibration at phase one needs it for every phase-one row"
        )
    return values.to_numpy(dtype=float)


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
    clusters1 : str, optional
        Phase-one clusters (R's ``id = list(~cluster, ~id)``): phase one samples whole
        clusters, nested in ``strata1``, and ``fpc1`` then counts clusters. The data hold
        every phase-one row of the sampled clusters.

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
        clusters1: str | None = None,
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
        c1 = _strata_codes(data, clusters1, "clusters1") if clusters1 else np.arange(n1)
        if clusters1 is not None:
            strata_per_cluster = pd.Series(s1).groupby(c1).nunique()
            if (strata_per_cluster > 1).any():
                label = plain(
                    data[clusters1].iloc[int(np.flatnonzero(c1 == strata_per_cluster.idxmax())[0])]
                )
                raise DataError(
                    f"cluster {label!r} of clusters1 {clusters1!r} lies in more than one phase-one stratum"
                )
        # phase one: inclusion probabilities and sample sizes (units) per stratum
        first = np.unique(c1, return_index=True)[1]
        n1h = np.bincount(s1[first], minlength=s1.max() + 1)[s1].astype(float)
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
        d1 = _dcheck(s1[rows], self.pi1, n1h[rows], iid, c1[rows])
        d2 = _dcheck(s2[rows], self.pi2, counts2[s2[rows]], False)
        self._dcheck_full = d1 + d2 - d1 * d2
        self._dcheck_phase2 = d2
        self.phase1_rows = n1
        self.subset_column = subset
        self._phase1_data = data.reset_index(drop=True)
        self._phase2_rows = rows
        self._phase1_weights = 1.0 / pi1  # every phase-one row's (calibrated by phase 1)
        self._phase2_weights = 1.0 / self.pi2  # conditional on phase one (calibrated by phase 2)
        self._phase1_calibration: LinearCalibration | None = None
        self._phase2_calibration: LinearCalibration | None = None

    # ------------------------------------------------------------------ variance
    def _phase_parts(self, T: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Phase-one and phase-two variance matrices of the totals of the columns of ``T``
        (rows: phase-two units, in row order), as R's ``twophase2var``: a phase-one
        calibration is removed from the phase-one part (over every phase-one row), a phase-two
        calibration from the phase-two part."""
        X = np.asarray(T, dtype=float)
        X1 = X
        if self._phase1_calibration is not None:
            Y = np.zeros((self.phase1_rows, X.shape[1]))
            Y[self._phase2_rows] = X
            X1 = self._phase1_calibration.residualize(Y)[self._phase2_rows]
        X2 = X if self._phase2_calibration is None else self._phase2_calibration.residualize(X)
        phase1 = X1.T @ (self._dcheck_full - self._dcheck_phase2) @ X1
        phase2 = X2.T @ self._dcheck_phase2 @ X2
        return phase1, phase2

    def _variance_of_unit_totals(
        self, T: np.ndarray | Sequence[np.ndarray], diagonal: bool, use: np.ndarray | None = None
    ) -> np.ndarray:
        # one unit per phase-two row, in row order (no within-unit calibration here: one array)
        phase1, phase2 = self._phase_parts(np.asarray(T, dtype=float))
        V = phase1 + phase2
        return np.diag(V).copy() if diagonal else V

    def phase_variances(self, column: str) -> dict[str, Any]:
        """The total of ``column`` and its variance split into the phase-one and phase-two
        parts, as R's ``attr(, "phases")``. On a subset, of the subset's rows (a value missing
        outside the subset is not an error)."""
        values = self.variable(column)
        inside = np.ones(self.n, dtype=bool) if self._domain is None else self._domain
        if np.isnan(values[inside]).any():
            pos = int(np.flatnonzero(np.isnan(values) & inside)[0])
            raise DataError(f"column {column!r} has a missing value at row {pos}")
        x = np.where(inside, values, 0.0) * self.weights
        phase1, phase2 = self._phase_parts(x[:, None])
        return {
            "total": float(x.sum()),
            "phase1": float(phase1[0, 0]),
            "phase2": float(phase2[0, 0]),
        }

    # ------------------------------------------------------------------ calibration
    def calibrate(
        self,
        totals: Mapping[Any, Any] | pd.DataFrame,
        population_size: float | Mapping[Any, float] | None = None,
        *,
        calfun: str = "linear",
        bounds: Bounds = (-math.inf, math.inf),
        trim: tuple[float, float] | None = None,
        maxit: int = 50,
        epsilon: float = 1e-7,
        variance: str | np.ndarray | None = None,
        stage: int = 0,
        aggregate: int | str | None = None,
    ) -> Self:
        """Phase one calibrated to population totals (R's ``calibrate(d, phase = 1, ...)``).

        The calibration variables must be known for every phase-one row. The phase-one
        weights of every phase-one row are calibrated, and the calibration is removed from
        the phase-one part of the variance. Options as
        :meth:`prevalence.survey.base.Design.calibrate`; ``stage`` and ``aggregate`` are not
        available for two-phase designs (as in R). To calibrate the subsample to the phase-one
        sample instead (R's default), use :meth:`calibrate_to_phase_one`.
        """
        if stage or aggregate is not None:
            raise DataError("stage= and aggregate= are not available for two-phase designs")
        if self._domain is not None:
            raise DataError("calibrate the full design, then take the subset")
        data = self._phase1_data
        new_w1, record = linear_calibration_weights(
            data,
            lambda name: _phase1_numeric(data, name),
            self._phase1_weights,
            totals,
            population_size,  # type: ignore[arg-type]
            calfun=calfun,
            bounds=bounds,
            trim=trim,
            maxit=maxit,
            epsilon=epsilon,
            variance=_phase1_numeric(data, variance) if isinstance(variance, str) else variance,
        )
        new = copy.copy(self)
        new._phase1_weights = new_w1
        new._phase1_calibration = record
        new.weights = new_w1[self._phase2_rows] * new._phase2_weights
        return new

    def calibrate_to_phase_one(
        self,
        columns: str | Sequence[str],
        *,
        population_size: bool = True,
        calfun: str = "linear",
        bounds: Bounds = (-math.inf, math.inf),
        trim: tuple[float, float] | None = None,
        maxit: int = 50,
        epsilon: float = 1e-7,
    ) -> Self:
        """The subsample calibrated to the phase-one sample (R's ``calibrate(d, phase = 2,
        formula)`` without ``population``): the phase-two weights are adjusted so that the
        subsample reproduces the phase-one sample's counts and totals of ``columns``.

        The usual use: the screening answer (and region, sex...) is known for everyone
        screened, the module only for the subsample; calibrating on it removes the part of
        the phase-two variance that the screening variables explain.

        Parameters
        ----------
        columns : str or sequence of str
            Phase-one columns: numeric ones calibrate their totals, categorical ones
            (non-numeric or ``category``) the counts of their levels.
        population_size : bool
            Also match the number of phase-one rows (R's intercept).
        calfun, bounds, trim, maxit, epsilon
            As :meth:`prevalence.survey.base.Design.calibrate`.

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> rng = np.random.default_rng(3)
        >>> ph1 = pd.DataFrame({"screen": rng.integers(0, 2, 200), "age": rng.integers(18, 60, 200)})
        >>> ph1["module"] = rng.random(200) < np.where(ph1["screen"] == 1, 0.8, 0.3)
        >>> ph1["y"] = np.where(ph1["module"], rng.integers(0, 2, 200), np.nan)
        >>> d = TwoPhaseDesign(ph1, "module", strata2="screen").calibrate_to_phase_one("age")
        >>> bool(np.isclose((d.weights / (1 / d.pi1) * d.data["age"]).sum(), ph1["age"].sum()))
        True
        """
        if self._domain is not None:
            raise DataError("calibrate the full design, then take the subset")
        names = [columns] if isinstance(columns, str) else list(columns)
        data1 = self._phase1_data
        # the phase-one sample's own totals: every phase-one row counts once
        totals = observed_totals(
            data1,
            names,
            np.ones(len(data1)),
            lambda name: _phase1_numeric(data1, name),
            "phase one",
        )
        size = float(self.phase1_rows) if population_size else None
        new_w2, record = linear_calibration_weights(
            self.data,
            self.variable,
            self._phase2_weights,
            totals,
            size,
            calfun=calfun,
            bounds=bounds,
            trim=trim,
            maxit=maxit,
            epsilon=epsilon,
        )
        new = copy.copy(self)
        new._phase2_weights = new_w2
        new._phase2_calibration = record
        new.weights = self._phase1_weights[self._phase2_rows] * new_w2
        return new

    def _refuse(self, what: str) -> DataError:
        return DataError(
            f"{what} is not available for two-phase designs (as in R): use calibrate() for "
            "population totals at phase one, or calibrate_to_phase_one() for the subsample"
        )

    def poststratify(self, by: Any, population: Any, partial: bool = False) -> Self:
        raise self._refuse("poststratify")

    def rake(self, margins: Any, max_iter: int = 10, epsilon: float = 1.0) -> Self:
        raise self._refuse("rake")

    def declare_calibrated(self, columns: Any = (), *, population_size: bool = True) -> Self:
        raise self._refuse("declare_calibrated")

    def replicate(self, *args: Any, **kwargs: Any) -> Any:
        raise DataError("replicate weights for two-phase designs are not available (nor in R)")

    def _variance_label(self) -> str:
        return "two-phase Horvitz-Thompson"

    def __repr__(self) -> str:
        return f"TwoPhaseDesign({self.phase1_rows} phase-one rows, {self.n} in phase two)"
