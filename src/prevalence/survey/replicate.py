"""Replicate-weight designs: jackknife (JK1, JKn), BRR and Fay, bootstrap and subsample bootstrap.

Replicate weights built from a design are stored compressed, as R's ``repweights_compressed``:
one multiplier per primary sampling unit and replicate. A replicate estimate then needs only
the weighted totals of each PSU: ``sum_i w_i m_{psu(i), r} y_i = sum_psu m_{psu, r} t_psu``,
so 200 bootstrap replicates of a million-row survey cost one aggregation and one small matrix
product. Designs whose replicate weights come with the data (:meth:`ReplicateDesign.from_weights`)
keep them in full.

The variance of a statistic is ``scale * sum_r rscales_r (theta_r - centre)**2`` with the
centre the mean of the replicates (or the full-sample estimate when ``mse=True``), as R's
``svrVar``; :func:`replicate_covariance` is the one place it is computed. The replicate
factors built from a design's stages (:func:`replicate_factors`) read only the stage arrays
(:class:`prevalence.survey.stages.Stages`), so this module does not import the Taylor design.
"""

from __future__ import annotations

import copy
import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..core.errors import DataError, DataWarning, EstimationWarning
from ..core.random import SeedLike, as_generator
from .base import Design
from .daskdesign import DaskDesign, Source
from .estimation import RatioStatistic
from .linearization import Residualizer
from .outofcore import (
    ROWS,
    WEIGHT,
    CellSums,
    Replicates,
    Variable,
    is_dask_frame,
)
from .stages import Stages

__all__ = [
    "DaskReplicateDesign",
    "ReplicateDesign",
    "ReplicateFactors",
    "replicate_factors",
    "replicate_covariance",
    "REPLICATE_TYPES",
]

REPLICATE_TYPES = ("jk1", "jkn", "brr", "fay", "bootstrap", "subbootstrap")
WEIGHT_TYPES = ("brr", "fay", "jk1", "jkn", "bootstrap", "successive-difference", "acs", "other")


def replicate_covariance(
    replicates: np.ndarray,
    estimate: np.ndarray,
    scale: float,
    rscales: np.ndarray,
    mse: bool,
    *,
    diagonal: bool = False,
) -> np.ndarray:
    """Replicate (co)variance of estimates, as R's ``svrVar``.

    ``replicates`` is (replicates x estimates); replicates with a non-finite value are
    dropped with a warning. The centre is the mean of the replicates with positive
    ``rscales``, or the full-sample ``estimate`` when ``mse``. The variances alone
    (``diagonal``) drop, for each estimate, only the replicates undefined for it: R's
    ``svyby`` estimates each domain on its own, so a replicate that leaves one domain empty
    does not leave another domain's variance short of it. A covariance matrix needs every
    estimate in each replicate it uses.
    """
    replicates = np.asarray(replicates, dtype=float)
    if replicates.ndim == 1:
        replicates = replicates[:, None]
    finite = np.isfinite(replicates)
    if diagonal and not finite.all():
        warnings.warn(
            f"{int((~finite).any(axis=1).sum())} replicates gave undefined estimates for some "
            "estimates and were discarded for those",
            DataWarning,
            stacklevel=5,
        )
        out = np.empty(replicates.shape[1])
        for j in range(replicates.shape[1]):
            keep = finite[:, j]
            out[j] = replicate_covariance(
                replicates[keep, j : j + 1],
                np.asarray(estimate, dtype=float).reshape(-1)[j : j + 1],
                scale,
                np.asarray(rscales, dtype=float)[keep],
                mse,
                diagonal=True,
            )[0]
        return out
    ok = np.all(finite, axis=1)
    if not ok.all():
        warnings.warn(
            f"{int((~ok).sum())} replicates gave undefined estimates and were discarded",
            DataWarning,
            stacklevel=5,
        )
    rs = np.asarray(rscales, dtype=float)[ok]
    tr = replicates[ok]
    centre = np.asarray(estimate, dtype=float) if mse else tr[rs > 0].mean(axis=0)
    dev = (tr - centre[None, :]) * np.sqrt(rs)[:, None]
    if diagonal:
        return scale * np.sum(dev * dev, axis=0)
    return scale * dev.T @ dev


class ReplicateDesign(Design):
    """A survey design whose variances come from replicate weights.

    Build one with :meth:`SurveyDesign.replicate` or :meth:`from_weights`. It offers the same
    estimators as :class:`SurveyDesign` (``mean``, ``total``, ``ratio``, ``proportion``, with
    ``by=`` domains).
    """

    def __init__(
        self,
        data: pd.DataFrame,
        weights: np.ndarray,
        factors: np.ndarray,
        index: np.ndarray,
        *,
        type: str,
        scale: float,
        rscales: np.ndarray,
        mse: bool = False,
        combined: bool = False,
    ) -> None:
        self.data = data
        self.weights = np.asarray(weights, dtype=float)
        self.factors = np.asarray(factors, dtype=float)  # (groups, replicates)
        self.index = np.asarray(index, dtype=np.int64)  # group of each row
        self.type = type
        self.scale = float(scale)
        self.rscales = np.asarray(rscales, dtype=float)
        self.mse = bool(mse)
        self.combined = bool(combined)
        if self.rscales.shape != (self.factors.shape[1],):
            raise DataError(f"rscales must have one value per replicate ({self.factors.shape[1]})")
        self._degf = self._rank_degf(None)
        self._degf_given = False  # set by with_degf: then it holds for every subset and domain

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_weights(
        cls,
        data: pd.DataFrame,
        weights: str,
        replicate_weights: Sequence[str] | str,
        type: str,
        *,
        scale: float | None = None,
        rscales: Sequence[float] | None = None,
        fay_rho: float | None = None,
        mse: bool = False,
        combined_weights: bool = True,
    ) -> ReplicateDesign:
        """A design from replicate weights shipped with the data (R's ``svrepdesign``).

        Parameters
        ----------
        weights : str
            Full-sample weight column.
        replicate_weights : list of str, or str
            Replicate weight columns, or a prefix: every column starting with it.
        type : {"brr", "fay", "jk1", "jkn", "bootstrap", "successive-difference", "acs", "other"}
            Determines the default ``scale`` as in R: BRR ``1/R``, Fay ``1/(R (1-rho)^2)``,
            JK1 ``(R-1)/R``, bootstrap ``1/(R-1)``, successive difference and ACS ``4/R``;
            JKn needs ``rscales``; "other" needs ``scale``.
        combined_weights : bool
            The replicate columns are full weights (default) rather than multipliers of the
            full-sample weight.
        """
        if not isinstance(data, pd.DataFrame) and not is_dask_frame(data):
            # (``type`` is the weights' type here, not the builtin)
            raise DataError(f"expected a pandas DataFrame, got {data.__class__.__name__}")
        t = type.lower()
        if t not in WEIGHT_TYPES:
            raise DataError(f"type must be one of {WEIGHT_TYPES}, got {type!r}")
        if isinstance(replicate_weights, str):
            cols = [c for c in data.columns if str(c).startswith(replicate_weights)]
            if not cols:
                raise DataError(f"no column starts with {replicate_weights!r}")
        else:
            cols = list(replicate_weights)
        missing = [c for c in cols + [weights] if c not in data.columns]
        if missing:
            raise DataError(
                f"unknown column(s) {missing}; the data have columns {list(data.columns)}"
            )
        if is_dask_frame(data):  # out of core: the statistics from partition-wise sums
            scale, rs = _weights_scale(t, len(cols), scale, rscales, fay_rho)
            return DaskReplicateDesign(  # type: ignore[return-value]
                data, weights, Replicates(tuple(cols), combined_weights), t, scale, rs, mse
            )
        rep = data[cols].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
        if np.isnan(rep).any():
            r, c = np.argwhere(np.isnan(rep))[0]
            raise DataError(f"replicate weight column {cols[c]!r} has a missing value at row {r}")
        if (rep < 0).any():
            r, c = np.argwhere(rep < 0)[0]
            raise DataError(f"replicate weight column {cols[c]!r} is negative at row {r}")
        w = pd.to_numeric(data[weights], errors="coerce").to_numpy(dtype=float)
        if np.isnan(w).any() or (w <= 0).any():
            pos = int(np.flatnonzero(np.isnan(w) | (w <= 0))[0])
            raise DataError(
                f"weights column {weights!r} must be positive: row {pos} has {w[pos]!r}"
            )
        scale, rs = _weights_scale(t, rep.shape[1], scale, rscales, fay_rho)
        # full replicate weights (combined) or multipliers of the full-sample weight, one row each
        return cls(
            data.reset_index(drop=True),
            w,
            rep,
            np.arange(len(data)),
            type=t,
            scale=scale,
            rscales=rs,
            mse=mse,
            combined=combined_weights,
        )

    # ------------------------------------------------------------------ estimation hooks

    @property
    def n_replicates(self) -> int:
        return self.factors.shape[1]

    def _rank_degf(self, mask: np.ndarray | None) -> int:
        """Rank of the replicate weights of the rows in ``mask`` (all rows: None) minus one, as
        R's ``degf`` (``qr(weights(design, "analysis"))$rank - 1``). The rows' weights scale
        the rows of their group's factors, which leaves the rank as it is, so the rank is that
        of the factors of the groups present."""
        if not self.factors.shape[1]:
            return 0
        groups = np.unique(self.index if mask is None else self.index[mask])
        if groups.size == 0:
            return 0
        return max(int(np.linalg.matrix_rank(self.factors[groups])) - 1, 0)

    def degf(self, mask: np.ndarray | None = None) -> int:
        """Degrees of freedom: rank of the replicate weights minus one (R's ``degf``), of the
        rows in ``mask`` when given (R recomputes it for a subset), or the number set with
        :meth:`with_degf`."""
        if self._degf_given or mask is None:
            return self._degf
        return self._rank_degf(mask)

    def with_degf(self, degf: int) -> ReplicateDesign:
        """The same design with user-set degrees of freedom for t intervals (R's
        ``svrepdesign(degf=)``), for replicate weights whose rank overstates them (a public-use
        file with many replicates from few PSUs, say).

        Examples
        --------
        >>> import pandas as pd
        >>> from prevalence.survey import SurveyDesign
        >>> df = pd.DataFrame({"y": [1.0, 0, 1, 1, 0, 1], "w": 1.0, "psu": range(6)})
        >>> SurveyDesign(df, weights="w", clusters="psu").replicate("jk1").with_degf(3).degf()
        3
        """
        if isinstance(degf, bool) or not isinstance(degf, int | np.integer) or degf < 1:
            raise DataError(f"degf must be a whole number of at least 1, got {degf!r}")
        if degf >= self.n_replicates:
            warnings.warn(
                f"degf={degf} with {self.n_replicates} replicates: a variance from "
                f"{self.n_replicates} replicates has at most {self.n_replicates - 1} degrees of "
                f"freedom (their rank gives {self._rank_degf(None)}); t intervals with {degf} "
                "are too narrow unless the replicates are known to carry more",
                DataWarning,
                stacklevel=2,
            )
        new = copy.copy(self)
        new._degf = int(degf)
        new._degf_given = True
        return new

    def domain_degf(self, codes: np.ndarray, use: np.ndarray, D: int) -> np.ndarray:
        """Degrees of freedom within each domain: R's ``svyby`` estimates each domain on a
        subset, whose ``degf`` is the rank of that subset's replicate weights."""
        if self._degf_given:
            return np.full(D, float(self._degf))
        return np.array([float(self._rank_degf(use & (codes == d))) for d in range(D)])

    def replicate_weights(self) -> np.ndarray:
        """The full (rows x replicates) matrix of replicate weights."""
        f = self.factors[self.index]
        return f if self.combined else f * self.weights[:, None]

    def _replicate_ratios(
        self, stat: RatioStatistic, codes: np.ndarray, D: int, use: np.ndarray
    ) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Full-sample and replicate ratios of totals per variable, from per-group totals
        (compressed weights): lists of ``(D,)`` and ``(replicates, D)`` arrays."""
        K = self.factors.shape[0]
        key = self.index * D + codes
        base = (np.ones_like(self.weights) if self.combined else self.weights) * use

        def grouped(v: np.ndarray) -> np.ndarray:
            return np.bincount(key, weights=base * v, minlength=K * D).reshape(K, D)

        w = self.weights * use
        thetas: list[np.ndarray] = []
        replicas: list[np.ndarray] = []
        for k in range(stat.n_variables):
            A = np.bincount(codes, weights=w * stat.a[:, k], minlength=D)
            Ar = self.factors.T @ grouped(stat.a[:, k])
            if stat.b is None:
                thetas.append(A)
                replicas.append(Ar)
                continue
            B = np.bincount(codes, weights=w * stat.b[:, k], minlength=D)
            Br = self.factors.T @ grouped(stat.b[:, k])
            with np.errstate(divide="ignore", invalid="ignore"):
                thetas.append(A / B)
                replicas.append(Ar / Br)
        return thetas, replicas

    def _ratio_covariance(
        self, stat: RatioStatistic, codes: np.ndarray, D: int, use: np.ndarray, diagonal: bool
    ) -> tuple[np.ndarray, np.ndarray]:
        """Full-sample ratios of totals and their replicate (co)variances."""
        theta, V, _ = self._ratio_estimates(stat, codes, D, use, diagonal, logit=False)
        return theta, V

    def _ratio_estimates(
        self,
        stat: RatioStatistic,
        codes: np.ndarray,
        D: int,
        use: np.ndarray,
        diagonal: bool,
        logit: bool,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """As :meth:`_ratio_covariance`, and with ``logit`` the replicate variances of
        logit(p) from the same replicate ratios: R's svyciprop(method="logit") refits its glm
        on every replicate, so the logit's variance comes from the replicate logits."""
        thetas, replicas = self._replicate_ratios(stat, codes, D, use)
        theta = np.concatenate(thetas)
        V = replicate_covariance(
            np.hstack(replicas), theta, self.scale, self.rscales, self.mse, diagonal=diagonal
        )
        if not logit:
            return theta, V, None
        logit_vars = []
        for p, pr in zip(thetas, replicas, strict=True):
            with np.errstate(divide="ignore", invalid="ignore"):
                lg, lg_r = np.log(p / (1 - p)), np.log(pr / (1 - pr))
            logit_vars.append(
                replicate_covariance(lg_r, lg, self.scale, self.rscales, self.mse, diagonal=True)
            )
        return theta, V, np.concatenate(logit_vars)

    def _vcov(
        self,
        influence: np.ndarray,
        refit: Callable[[np.ndarray], np.ndarray],
        estimate: np.ndarray,
    ) -> np.ndarray:
        W = self.replicate_weights()
        reps = np.array([refit(W[:, r]) for r in range(W.shape[1])])
        return replicate_covariance(reps, estimate, self.scale, self.rscales, self.mse)

    _has_replicates = True

    def _replicate_quantile_interval(
        self,
        x: np.ndarray,
        w: np.ndarray,
        p: float,
        rule: Callable[[np.ndarray, np.ndarray, float], float],
        qhat: float,
        crit: float,
    ) -> tuple[float, float]:
        if self.type in ("jk1", "jkn"):
            warnings.warn(
                "jackknife replicate weights may not give valid standard errors for quantiles "
                "(the jackknife is inconsistent for non-smooth statistics); bootstrap "
                "replicates do",
                EstimationWarning,
                stacklevel=4,
            )
        inside = w != 0  # a subset's rows outside it keep no weight in any replicate
        var = self._vcov(
            np.empty((0, 1)), lambda wr: np.array([rule(x, wr * inside, p)]), np.array([qhat])
        )
        half = crit * math.sqrt(float(var[0, 0]))
        return qhat - half, qhat + half

    def _all_weights(self) -> np.ndarray:
        return np.column_stack([self.weights, self.replicate_weights()])

    def _reweighted(self, weights: np.ndarray, record: Residualizer | None) -> ReplicateDesign:
        """Calibrated copy: every replicate weight was calibrated too, so no record is kept.
        The subset and degrees of freedom set with :meth:`with_degf` carry over."""
        new = ReplicateDesign(
            self.data,
            weights[:, 0],
            weights[:, 1:],
            np.arange(len(weights)),
            type=self.type,
            scale=self.scale,
            rscales=self.rscales,
            mse=self.mse,
            combined=True,
        )
        new._domain = self._domain
        if self._degf_given:
            new._degf, new._degf_given = self._degf, True
        return new

    def _variance_label(self) -> str:
        return f"{self.type} replicate weights, {self.n_replicates} replicates"

    def __repr__(self) -> str:
        rows = self.n if self._row_counts is None else int(self._row_counts.sum())
        return f"ReplicateDesign({rows} rows, {self.type}, {self.n_replicates} replicates)"


# ---------------------------------------------------------------------------- construction from a design
def _weights_scale(
    t: str, R: int, scale: float | None, rscales: Sequence[float] | None, fay_rho: float | None
) -> tuple[float, np.ndarray]:
    """The variance's scale and rscales of shipped replicate weights of type ``t``, as R's
    ``svrepdesign``."""
    rs = (
        np.ones(R)
        if rscales is None
        else np.broadcast_to(np.asarray(rscales, dtype=float), (R,)).copy()
    )
    if t == "brr":
        scale = 1.0 / R
    elif t == "fay":
        if fay_rho is None:
            raise DataError("type='fay' needs fay_rho")
        scale = 1.0 / (R * (1.0 - fay_rho) ** 2)
    elif t == "jk1" and scale is None:
        scale = (R - 1) / R
    elif t == "jkn" and rscales is None:
        raise DataError("type='jkn' needs rscales ((n_h - 1)/n_h for each replicate)")
    elif t == "bootstrap" and scale is None:
        scale = 1.0 / (R - 1)
    elif t in ("successive-difference", "acs"):
        scale, rs = 4.0 / R, np.ones(R)
    elif t == "other" and scale is None:
        raise DataError("type='other' needs scale")
    return (1.0 if scale is None else float(scale)), rs


class _CellReplicateDesign(ReplicateDesign):
    """A replicate design on the cell sums of a Dask frame (see :class:`DaskReplicateDesign`):
    the replicate totals of each statistic come from the cells' replicate sums, and the
    degrees of freedom from the rank of the cells' Gram matrices."""

    def __init__(
        self,
        cells: CellSums,
        sources: Sequence[Source],
        *,
        type: str,
        scale: float,
        rscales: np.ndarray,
        mse: bool,
    ) -> None:
        assert cells.replicate_sums is not None and cells.gram is not None
        self._sums = cells.replicate_sums
        self._gram = cells.gram
        self._sources = list(sources)
        frame = cells.frame
        R = self._gram.shape[1]
        super().__init__(
            frame,
            frame[WEIGHT].to_numpy(dtype=float),
            np.zeros((0, R)),
            np.zeros(len(frame), dtype=np.int64),
            type=type,
            scale=scale,
            rscales=rscales,
            mse=mse,
            combined=True,
        )
        self._row_counts = frame[ROWS].to_numpy()

    def _rank_degf(self, mask: np.ndarray | None) -> int:
        # the rank of the rows' replicate weights is that of the sum of their cells' Gram
        # matrices (exact in exact arithmetic; numerically, matrix_rank's threshold on the
        # Gram's eigenvalues is the square of its threshold on the rows' singular values)
        grams = self._gram if mask is None else self._gram[mask]
        if not grams.shape[0] or not grams.shape[1]:
            return 0
        return max(int(np.linalg.matrix_rank(grams.sum(axis=0), hermitian=True)) - 1, 0)

    def _replicate_ratios(
        self, stat: RatioStatistic, codes: np.ndarray, D: int, use: np.ndarray
    ) -> tuple[list[np.ndarray], list[np.ndarray]]:
        w = self.weights * use
        R = self._gram.shape[1]

        def by_domain(sums: np.ndarray) -> np.ndarray:
            out = np.zeros((D, R))
            np.add.at(out, codes[use], sums[use])
            return out.T

        thetas: list[np.ndarray] = []
        replicas: list[np.ndarray] = []
        for k in range(stat.n_variables):
            numerator, denominator = self._sources[k]
            A = np.bincount(codes, weights=w * stat.a[:, k], minlength=D)
            Ar = by_domain(self._sums[numerator])
            if stat.b is None or denominator is None:
                thetas.append(A)
                replicas.append(Ar)
                continue
            B = np.bincount(codes, weights=w * stat.b[:, k], minlength=D)
            Br = by_domain(self._sums[denominator])
            with np.errstate(divide="ignore", invalid="ignore"):
                thetas.append(A / B)
                replicas.append(Ar / Br)
        return thetas, replicas

    def replicate_weights(self) -> np.ndarray:
        raise DataError("the replicate weights of a Dask design stay on disk")

    def _reweighted(self, weights: np.ndarray, record: Residualizer | None) -> Any:
        raise DataError("calibration needs the rows in memory: use data.compute()")


class DaskReplicateDesign(DaskDesign):
    """Replicate weights shipped with a Dask frame: totals, means, ratios and proportions out
    of core.

    Built by :meth:`ReplicateDesign.from_weights` when its data are a Dask frame. Each
    statistic reads the frame once and sums, per domain, the full-sample and replicate totals
    of its variables (and the Gram matrix of the replicate weights, whose rank gives the
    degrees of freedom, as R's ``degf``); the variance is the in-memory design's
    (:func:`replicate_covariance`), equal to it to rounding (tested to 1e-10). Memory: a
    partition per worker, and per domain the replicates' sums and a replicates x replicates
    matrix. What needs the rows (calibration, GLMs, quantiles, design effects) is refused.

    Examples
    --------
    >>> import dask.dataframe as dd
    >>> import pandas as pd
    >>> df = pd.DataFrame({"y": [1.0, 2, 3, 4], "w": 1.0, "r1": [0.0, 2, 1, 1],
    ...                    "r2": [2.0, 0, 1, 1], "r3": [1.0, 1, 0, 2], "r4": [1.0, 1, 2, 0]})
    >>> big = ReplicateDesign.from_weights(dd.from_pandas(df, npartitions=2), "w", "r", "jk1")
    >>> small = ReplicateDesign.from_weights(df, "w", "r", "jk1")
    >>> round(big.mean("y").std_error, 6) == round(small.mean("y").std_error, 6)
    True
    """

    def __init__(
        self,
        data: Any,
        weights: str,
        replicates: Replicates,
        type: str,
        scale: float,
        rscales: np.ndarray,
        mse: bool,
    ) -> None:
        self._check_frame(data)
        self.data = data
        self._weights = weights
        self._replicates = replicates
        self._settings: dict[str, Any] = dict(type=type, scale=scale, rscales=rscales, mse=mse)
        self._conditions = ()

    def __repr__(self) -> str:
        return (
            f"DaskReplicateDesign({self.data.npartitions} partitions, "
            f"{len(self._replicates.columns)} replicates, {self._settings['type']})"
        )

    def _cells(
        self,
        variables: dict[str, Variable],
        by: str | Sequence[str] | None,
        na_rm: bool,
        binary: Sequence[str],
        sources: Sequence[Source],
    ) -> ReplicateDesign:
        cells = self._sum((), variables, by, na_rm, binary, self._replicates)
        design = _CellReplicateDesign(cells, sources, **self._settings)
        return self._restricted(design, cells)


def _hadamard(order: int) -> np.ndarray:
    """Sylvester Hadamard matrix of at least ``order`` rows, as 0/1."""
    H = np.array([[1]])
    while H.shape[0] < order:
        H = np.block([[H, H], [H, -H]])
    return (H > 0).astype(int)


@dataclass(frozen=True)
class ReplicateFactors:
    """Replicate multipliers per first-stage unit (units x replicates) with their scales."""

    factors: np.ndarray
    type: str
    scale: float
    rscales: np.ndarray


def replicate_factors(
    design: Stages,
    type: str = "jk1",
    replicates: int | None = None,
    *,
    seed: SeedLike = None,
    fay_rho: float = 0.5,
) -> ReplicateFactors:
    """Replicate multipliers for a design's first-stage units, as R's ``as.svrepdesign``.

    See :meth:`prevalence.survey.SurveyDesign.replicate` for the types.
    """
    t = type.lower()
    if t not in REPLICATE_TYPES:
        raise DataError(f"type must be one of {REPLICATE_TYPES}, got {type!r}")
    st = design.stages[0]
    psu = st.units
    first = np.unique(psu, return_index=True)[1]
    psu_strata = st.strata[first]
    n_h = st.n_units[first]
    N_h = st.pop_units[first]
    has_fpc = bool(np.all(np.isfinite(N_h)))
    K = first.size
    fpc_factor = np.where(np.isfinite(N_h), (N_h - n_h) / np.where(np.isfinite(N_h), N_h, 1.0), 1.0)
    if t == "jk1":
        if design.has_strata:
            raise DataError("JK1 is for unstratified designs: use type='jkn'")
        n = K
        F = np.full((K, K), n / (n - 1))
        np.fill_diagonal(F, 0.0)
        f = float(fpc_factor[0]) if has_fpc else 1.0
        return ReplicateFactors(F, "jk1", f * (n - 1) / n, np.ones(K))
    if t == "jkn":
        if not design.has_strata:
            raise DataError("JKn is for stratified designs: use type='jk1'")
        cols, rscales = [], []
        strata = np.unique(psu_strata)
        skipped = 0
        for h in strata:
            members = np.flatnonzero(psu_strata == h)
            nh = members.size
            fh = float(fpc_factor[members[0]]) if has_fpc else 1.0
            if nh == 1 and fh != 0:
                if design.lonely_psu == "fail":
                    label = design.stratum_label(0, int(first[members[0]]))
                    raise DataError(f"stratum {label} has only one PSU; choose another lonely_psu")
                if design.lonely_psu == "adjust":
                    col = np.full(K, strata.size / (strata.size - 1))
                    col[members] = 0.0
                    cols.append(col)
                    rscales.append((strata.size - 1) / strata.size)
                else:
                    skipped += 1
                continue
            if fh == 0:
                continue  # a census stratum contributes no variance
            for k in members:
                col = np.ones(K)
                col[members] = nh / (nh - 1)
                col[k] = 0.0
                cols.append(col)
                rscales.append(fh * (nh - 1) / nh)
        if not cols:
            raise DataError("every stratum was sampled exhaustively: there is no sampling variance")
        scale = K / len(cols) if (design.lonely_psu == "average" and skipped) else 1.0
        return ReplicateFactors(np.column_stack(cols), "jkn", scale, np.array(rscales))
    if t in ("brr", "fay"):
        if not design.has_strata:
            raise DataError("BRR needs a stratified design with two PSUs per stratum")
        strata = np.unique(psu_strata)
        sizes = np.array([np.count_nonzero(psu_strata == h) for h in strata])
        if np.any(sizes != 2):
            bad = strata[np.flatnonzero(sizes != 2)[0]]
            raise DataError(
                f"BRR needs exactly two PSUs per stratum; stratum {bad} has {sizes[sizes != 2][0]}"
            )
        if has_fpc:
            warnings.warn(
                "the finite population correction is dropped for BRR", DataWarning, stacklevel=3
            )
        rho = 0.0 if t == "brr" else float(fay_rho)
        if not 0 <= rho < 1:
            raise DataError(f"fay_rho must lie in [0, 1), got {fay_rho}")
        H = _hadamard(strata.size + 1)
        R = H.shape[1]
        F = np.empty((K, R))
        for j, h in enumerate(strata):
            a, b = np.flatnonzero(psu_strata == h)
            sel = H[1 + j]
            F[a] = np.where(sel == 1, 2 - rho, rho)
            F[b] = np.where(sel == 1, rho, 2 - rho)
        return ReplicateFactors(F, t, 1.0 / (R * (1 - rho) ** 2), np.ones(R))
    # bootstraps
    R = 50 if replicates is None else int(replicates)
    if R < 2:
        raise DataError(f"replicates must be at least 2, got {replicates}")
    rng = as_generator(seed)
    F = np.empty((K, R))
    strata = np.unique(psu_strata)
    for h in strata:
        members = np.flatnonzero(psu_strata == h)
        nh = members.size
        if t == "subbootstrap":
            if nh < 2:
                label = design.stratum_label(0, int(first[members[0]]))
                raise DataError(
                    f"the subsample bootstrap needs two PSUs per stratum; stratum {label} has one"
                )
            counts = rng.multinomial(nh - 1, np.full(nh, 1.0 / nh), size=R)
            F[members] = (counts * nh / (nh - 1)).T
        elif has_fpc:
            Nh = int(round(N_h[members[0]]))
            # draw n_h units without replacement from the population, each sampled PSU
            # standing for ~N_h/n_h population units (R's bootstratum with popsize)
            copies = np.bincount(np.arange(Nh) % nh, minlength=nh)
            counts = rng.multivariate_hypergeometric(copies, nh, size=R)
            F[members] = counts.T
        else:
            counts = rng.multinomial(nh, np.full(nh, 1.0 / nh), size=R)
            F[members] = counts.T
    if t == "subbootstrap":
        scale = 1.0 / (R - 1)
    else:
        per_stratum = np.array([np.count_nonzero(psu_strata == h) for h in strata], dtype=float)
        psu_per_stratum = float(1.0 / np.mean(1.0 / per_stratum))
        if psu_per_stratum <= 1:
            raise DataError("the bootstrap needs at least two PSUs per stratum on average")
        scale = psu_per_stratum / ((psu_per_stratum - 1) * (R - 1))
    return ReplicateFactors(F, t, scale, np.ones(R))
