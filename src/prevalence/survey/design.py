"""Complex survey designs: strata, multi-stage clusters, weights, finite population corrections.

:class:`SurveyDesign` follows R's ``svydesign`` (survey 4.1): cluster identifiers of later
stages are made unique within their parent units, second-stage strata are the first-stage
units, finite population corrections are population sizes (any value above 1) or sampling
fractions, and weights left out follow from them. The statistics come from
:class:`prevalence.survey.base.Design`; this class supplies their variances by Taylor
linearisation (:mod:`prevalence.survey.linearization`) and builds replicate-weight versions
of itself (:meth:`SurveyDesign.replicate`).
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..core.checks import plain
from ..core.errors import DataError, DataWarning
from ..core.random import SeedLike
from .base import Design
from .calibration import cluster_calibration_weights
from .daskdesign import DaskDesign, Source
from .estimation import RatioStatistic
from .linearization import (
    Residualizer,
    calibrated_unit_totals,
    variance_from_unit_totals,
)
from .outofcore import ROWS, WEIGHT, Variable, is_dask_frame
from .replicate import ReplicateDesign, replicate_factors
from .stages import LONELY_PSU, Stage, Stages, first_rows

__all__ = ["DaskSurveyDesign", "SurveyDesign", "LONELY_PSU"]


def _as_list(x: str | Sequence[str] | None) -> list[str]:
    if x is None:
        return []
    if isinstance(x, str):
        return [x]
    return [str(c) for c in x]


def _codes(*arrays: np.ndarray) -> np.ndarray:
    """Dense integer codes of the combination of several arrays (row-wise interaction)."""
    if len(arrays) == 1:
        return pd.factorize(arrays[0], sort=True)[0].astype(np.int64)
    frame = pd.DataFrame({f"c{i}": a for i, a in enumerate(arrays)})
    return frame.groupby(list(frame.columns), sort=True, observed=True).ngroup().to_numpy(np.int64)


class SurveyDesign(Design):
    """A probability sample with its design: weights, strata, clusters and fpc.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent.
    weights : str, optional
        Column of sampling weights (inverse inclusion probabilities). May be omitted when
        ``fpc`` is given: the weights then follow from the sampling fractions, as in R.
    strata : str or list of str, optional
        Stratum column (first stage), or one per stage.
    clusters : str or list of str, optional
        Cluster (PSU) column, or one per stage for multi-stage designs. Default: every row
        is its own unit.
    fpc : str or list of str, optional
        Finite population correction per stage: population sizes (number of units in the
        stratum) or sampling fractions (values at most 1).
    nest : bool
        Cluster identifiers are only unique within strata (re-used across strata).
    lonely_psu : {"fail", "remove", "certainty", "average", "adjust"}
        What to do with strata that have a single sampled unit, as R's
        ``options(survey.lonely.psu)``: fail with an error naming the stratum; contribute
        nothing ("remove", "certainty"); be replaced by the average of the other strata; or
        be centred at the average PSU total instead of the stratum mean ("adjust", as R
        survey >= 4.3).
    adjust_domain_lonely : bool
        Apply ``lonely_psu`` ("adjust", "average") also to strata with several PSUs of which
        only one has rows in the domain being estimated, as R's
        ``options(survey.adjust.domain.lonely = TRUE)``; default False, as R. It applies to a
        :meth:`subset` and to each domain of ``by=`` alike (R's ``svyby`` standard errors); the
        covariance matrix of ``vcov=True`` is the whole design's, as R's ``svyby(covmat=TRUE)``.
    na_weights : {"fail", "warn", "allow"}
        Rows with a missing weight: an error naming the row (default), or dropped from the
        design with a warning or silently, as R's ``svydesign(na_weights=)``.
    pps : {None, "brewer"}
        ``"brewer"``: units sampled with unequal probabilities without replacement, with
        Brewer's approximation to the variance (R's ``pps="brewer"``): ``fpc`` holds each
        unit's inclusion probability at each stage (it may vary within strata), and each unit
        contributes with its own ``1 - pi``. For Overton, Hartley-Rao or exact joint
        probabilities see :class:`~prevalence.survey.pps.PPSDesign`.

    Raises
    ------
    DataError
        Missing or non-positive weights, unknown columns, missing design values, fpc smaller
        than the sample, clusters that cross strata without ``nest=True``, a design with only
        one PSU.

    A Dask DataFrame gives a :class:`DaskSurveyDesign`: the same totals, means, ratios and
    proportions, computed out of core.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"y": [1, 0, 1, 1, 0, 0], "w": [10, 10, 20, 20, 30, 30],
    ...                    "s": ["a", "a", "b", "b", "c", "c"]})
    >>> design = SurveyDesign(df, weights="w", strata="s")
    >>> design.n, design.n_strata
    (6, 3)
    """

    def __new__(cls, data: Any = None, *args: Any, **kwargs: Any) -> Any:
        # a Dask frame gets the out-of-core design (same statistics, computed from cell sums)
        if cls is SurveyDesign and is_dask_frame(data):
            return DaskSurveyDesign(data, *args, **kwargs)
        return super().__new__(cls)

    def __init__(
        self,
        data: pd.DataFrame,
        weights: str | None = None,
        strata: str | Sequence[str] | None = None,
        clusters: str | Sequence[str] | None = None,
        fpc: str | Sequence[str] | None = None,
        nest: bool = False,
        lonely_psu: str = "fail",
        pps: str | None = None,
        na_weights: str = "fail",
        adjust_domain_lonely: bool = False,
    ) -> None:
        if not isinstance(data, pd.DataFrame):
            raise DataError(f"SurveyDesign expects a pandas DataFrame, got {type(data).__name__}")
        if pps not in (None, "brewer"):
            raise DataError(
                f"pps must be None or 'brewer' (for Overton, Hartley-Rao or joint inclusion "
                f"probabilities use PPSDesign), got {pps!r}"
            )
        if pps is not None and fpc is None:
            raise DataError("pps='brewer' needs fpc: the units' inclusion probabilities")
        self.pps = pps
        self.adjust_domain_lonely = bool(adjust_domain_lonely)
        if lonely_psu not in LONELY_PSU:
            raise DataError(f"lonely_psu must be one of {LONELY_PSU}, got {lonely_psu!r}")
        if na_weights not in ("fail", "warn", "allow"):
            raise DataError(f"na_weights must be 'fail', 'warn' or 'allow', got {na_weights!r}")
        if weights is not None and na_weights != "fail" and weights in data.columns:
            missing = data[weights].isna().to_numpy()
            if missing.any():
                if na_weights == "warn":
                    warnings.warn(
                        f"{int(missing.sum())} rows with a missing weight in {weights!r} are "
                        "dropped (na_weights='warn')",
                        DataWarning,
                        stacklevel=2,
                    )
                data = data[~missing]  # as R: the records leave the design
        if len(data) == 0:
            raise DataError("the survey data have no rows")
        self.data = data.reset_index(drop=True)
        self.lonely_psu = lonely_psu
        self.nest = bool(nest)
        self._spec = {"weights": weights, "strata": strata, "clusters": clusters, "fpc": fpc}
        cluster_cols = _as_list(clusters)
        strata_cols = _as_list(strata)
        fpc_cols = _as_list(fpc)
        for role, cols in (("cluster", cluster_cols), ("strata", strata_cols), ("fpc", fpc_cols)):
            self._check_columns(cols, role)
        if weights is not None:
            self._check_columns([weights], "weights")
        n = len(self.data)
        n_stages = max(1, len(cluster_cols))
        if len(strata_cols) > n_stages:
            raise DataError(f"{len(strata_cols)} strata columns for a {n_stages}-stage design")
        if len(fpc_cols) > n_stages:
            raise DataError(f"{len(fpc_cols)} fpc columns for a {n_stages}-stage design")
        self.has_strata = bool(strata_cols)
        raw_ids = [self._nonmissing(c, "cluster") for c in cluster_cols] or [np.arange(n)]
        raw_strata = [self._nonmissing(c, "strata") for c in strata_cols]
        # unit identifiers: stage i is the interaction of stages 1..i (and of strata if nested)
        ids: list[np.ndarray] = []
        for i in range(n_stages):
            parts = raw_ids[: i + 1]
            if self.nest and raw_strata:
                parts = raw_strata[: min(i + 1, len(raw_strata))] + parts
            ids.append(_codes(*parts))
        first_strata = _codes(raw_strata[0]) if raw_strata else np.zeros(n, dtype=np.int64)
        if raw_strata and not self.nest:
            per_unit = pd.Series(first_strata).groupby(ids[0]).nunique()
            if (per_unit > 1).any():
                bad = int(per_unit.index[np.argmax(per_unit.to_numpy() > 1)])
                example = raw_ids[0][ids[0] == bad][0]
                raise DataError(
                    f"cluster {plain(example)!r} of column {cluster_cols[0]!r} appears in more than one "
                    f"stratum: clusters are not nested in strata; use nest=True if cluster "
                    "identifiers are re-used across strata"
                )
        strata_by_stage = [first_strata]
        for i in range(1, n_stages):
            base = raw_strata[min(i, len(raw_strata) - 1)] if raw_strata else np.zeros(n)
            strata_by_stage.append(_codes(base, ids[i - 1]))
        if len(np.unique(ids[0])) == 1 and not (self.nest and self.has_strata):
            raise DataError(
                "the design has only one primary sampling unit: no variance can be estimated"
            )
        # sample and population sizes per stage
        stages = []
        weights_from_fpc = np.ones(n)
        for i in range(n_stages):
            s, u = strata_by_stage[i], ids[i]
            n_units = _units_per_stratum(s, u)
            if i < len(fpc_cols):
                pop = self._fpc_sizes(fpc_cols[i], n_units, s, i)
                weights_from_fpc *= pop / n_units
            else:
                pop = np.full(n, np.inf)
            stages.append(Stage(s, u, n_units, pop))
        self.stages: tuple[Stage, ...] = tuple(stages)
        self._calibrations: tuple[Residualizer, ...] = ()
        self._structure = Stages(
            self.stages,
            lonely_psu,
            self.has_strata,
            self.data[strata_cols[0]].to_numpy() if strata_cols else None,
        )
        self._weights_given = weights is not None  # R: stage weights then are the weights
        if weights is None:
            if fpc_cols:
                w = weights_from_fpc
            else:
                warnings.warn(
                    "no weights or fpc given: assuming equal probability", DataWarning, stacklevel=2
                )
                w = np.ones(n)
        else:
            w = self._weights(weights)
        self.weights = w

    # ------------------------------------------------------------------ validation helpers
    def _check_columns(self, cols: Sequence[str], role: str) -> None:
        missing = [c for c in cols if c not in self.data.columns]
        if missing:
            raise DataError(
                f"unknown {role} column(s) {missing}; the data have columns {list(self.data.columns)}"
            )

    def _nonmissing(self, col: str, role: str) -> np.ndarray:
        s = self.data[col]
        if s.isna().any():
            pos = int(np.flatnonzero(s.isna().to_numpy())[0])
            raise DataError(f"{role} column {col!r} has a missing value at row {pos}")
        return s.to_numpy()

    def _weights(self, col: str) -> np.ndarray:
        s = pd.to_numeric(self.data[col], errors="coerce")
        bad = s.isna().to_numpy()
        if bad.any():
            pos = int(np.flatnonzero(bad)[0])
            raise DataError(
                f"weights column {col!r} has a missing or non-numeric value at row {pos}"
            )
        w = s.to_numpy(dtype=float)
        bad = ~np.isfinite(w) | (w < 0)
        if bad.any():
            pos = int(np.flatnonzero(bad)[0])
            raise DataError(
                f"weights must be finite and not negative: column {col!r} has {float(w[pos])!r} "
                f"at row {pos}"
            )
        if not (w > 0).any():
            raise DataError(f"weights column {col!r} is zero in every row")
        # zero weights are allowed, as in R (probability Inf): the rows stay in the design,
        # carry no weight and do not count towards the degrees of freedom
        return w

    def _fpc_sizes(
        self, col: str, n_units: np.ndarray, strata: np.ndarray, stage: int
    ) -> np.ndarray:
        s = pd.to_numeric(self.data[col], errors="coerce")
        if s.isna().any():
            pos = int(np.flatnonzero(s.isna().to_numpy())[0])
            raise DataError(f"fpc column {col!r} has a missing or non-numeric value at row {pos}")
        f = s.to_numpy(dtype=float)
        if np.any(f <= 0) or not np.all(np.isfinite(f)):
            pos = int(np.flatnonzero((f <= 0) | ~np.isfinite(f))[0])
            raise DataError(
                f"fpc column {col!r} must be positive and finite, found {float(f[pos])!r} at row {pos}"
            )
        is_size = bool(np.any(f > 1))
        if is_size and np.any(f < 1):
            raise DataError(
                f"fpc column {col!r} mixes population sizes (values above 1) and sampling fractions (below 1)"
            )
        pop = f if is_size else n_units / f
        too_small = pop < n_units - 1e-9
        if too_small.any():
            pos = int(np.flatnonzero(too_small)[0])
            raise DataError(
                f"fpc column {col!r} at row {pos} implies a population of {pop[pos]:g} units at stage "
                f"{stage + 1} but {int(n_units[pos])} were sampled in that stratum"
            )
        if self.pps == "brewer":
            if is_size:
                raise DataError(
                    f"with pps='brewer' the fpc column {col!r} holds inclusion probabilities "
                    "(at most 1), as in R"
                )
            return pop  # per unit: Brewer's approximation, (1 - pi_i) for each unit
        varies = pd.Series(pop).groupby(strata).nunique() > 1
        if varies.any():
            warnings.warn(
                f"fpc column {col!r} varies within strata at stage {stage + 1}",
                DataWarning,
                stacklevel=3,
            )
        return pop

    # ------------------------------------------------------------------ properties
    @property
    def n_stages(self) -> int:
        return len(self.stages)

    @property
    def n_strata(self) -> int:
        return int(self.stages[0].strata.max()) + 1  # dense codes

    @property
    def n_psu(self) -> int:
        return int(self.stages[0].units.max()) + 1  # dense codes

    @property
    def calibrations(self) -> tuple[Residualizer, ...]:
        """Calibration records (post-stratification, raking, GREG) applied so far, in order."""
        return self._calibrations

    def domain_degf(self, codes: np.ndarray, use: np.ndarray, D: int) -> np.ndarray:
        """Degrees of freedom (PSUs minus strata) within each of ``D`` domains, all at once."""
        st = self.stages[0]

        def distinct_per_domain(values: np.ndarray) -> np.ndarray:
            k = int(values.max()) + 1
            keys = codes[use] * k + values[use]
            if k * D <= 50_000_000:  # a table of (domain, value) pairs: no sort, no hash
                seen = np.zeros(k * D, dtype=bool)
                seen[keys] = True
                return seen.reshape(D, k).sum(axis=1).astype(float)
            return np.bincount(np.unique(keys) // k, minlength=D).astype(float)

        return distinct_per_domain(st.units) - distinct_per_domain(st.strata)

    def degf(self, mask: np.ndarray | None = None) -> int:
        """Design degrees of freedom: PSUs minus strata (among the rows in ``mask``), as R's ``degf``."""
        st = self.stages[0]
        if mask is None:
            # dense codes 0..max: the counts are the largest codes plus one
            return int(st.units.max() - st.strata.max())
        return int(np.unique(st.units[mask]).size - np.unique(st.strata[mask]).size)

    def with_weights(
        self, weights: np.ndarray, calibration: Residualizer | None = None
    ) -> SurveyDesign:
        """A copy with new weights (and, for calibrated designs, the calibration record)."""
        new = object.__new__(type(self))
        new.__dict__.update(self.__dict__)
        new.weights = np.asarray(weights, dtype=float)
        new._calibrations = self._calibrations + ((calibration,) if calibration else ())
        return new

    # ------------------------------------------------------------------ calibration by stage
    def _aggregation_groups(self, aggregate: int | str) -> np.ndarray:
        if isinstance(aggregate, str):
            return super()._aggregation_groups(aggregate)
        if isinstance(aggregate, bool) or not isinstance(aggregate, int | np.integer):
            raise DataError(f"aggregate must be a stage number or a column, got {aggregate!r}")
        if not 1 <= aggregate <= self.n_stages:
            raise DataError(
                f"aggregate={aggregate}: the design has {self.n_stages} stage(s), numbered from 1"
            )
        return self.stages[int(aggregate) - 1].units

    def _stage_weights(self, stage: int) -> np.ndarray:
        """Per row, the weight of its unit at ``stage`` (1-based), as R's
        ``1/prod(allprob[, 1:stage])``: from the fpc of the stages down to ``stage`` when the
        weights came from the fpc; the weights themselves when they were given (R keeps only
        the final probabilities then)."""
        if self._weights_given:
            return self.weights.copy()
        sw = np.ones(self.n)
        for st in self.stages[:stage]:
            sw = sw * np.where(np.isfinite(st.pop_units), st.pop_units / st.n_units, 1.0)
        return sw

    def _calibrate_within(
        self,
        stage: int,
        totals: Any,
        population_size: Any,
        variance: np.ndarray | None,
    ) -> tuple[np.ndarray, Residualizer]:
        if self._domain is not None:
            raise DataError("calibrate the full design, then take the subset")
        if not 1 <= stage < self.n_stages:
            raise DataError(
                f"stage={stage}: calibration within units needs a stage below it; the design has "
                f"{self.n_stages} stage(s)"
            )
        units = self.stages[stage - 1].units
        sw = self._stage_weights(stage)
        first = first_rows(units)
        labels = self._stage_unit_labels(stage)
        varies = np.abs(sw - sw[first[units]]) > 1e-9 * np.maximum(np.abs(sw), 1.0)
        if varies.any():
            row = int(np.flatnonzero(varies)[0])
            raise DataError(
                f"the weights of the stage-{stage} units vary within unit "
                f"{labels[units[row]]!r} (row {row}): give the weights through the fpc of each stage"
            )
        return cluster_calibration_weights(
            self.data,
            self.variable,
            self.weights,
            sw,
            units,
            labels,
            totals,
            population_size,
            stage=stage,
            variance=variance,
        )

    def _stage_unit_labels(self, stage: int) -> list[Any]:
        """The labels of the units of ``stage`` (1-based), by unit code: their values in that
        stage's clusters column, with the stratum when a value is re-used in several strata."""
        units = self.stages[stage - 1].units
        first = first_rows(units)
        column = _as_list(self._spec["clusters"])[stage - 1]
        values = [plain(v) for v in self.data[column].to_numpy()[first]]
        if len(set(values)) < len(values):
            if stage > 1:  # re-used within the units above: (unit above, this unit)
                above = self._stage_unit_labels(stage - 1)
                parents = self.stages[stage - 2].units[first]
                return [(above[p], v) for p, v in zip(parents, values, strict=True)]
            strata = next(iter(_as_list(self._spec["strata"])), None)
            if strata is not None:  # re-used within strata (nest=True): (stratum, unit)
                svals = [plain(v) for v in self.data[strata].to_numpy()[first]]
                return list(zip(svals, values, strict=True))
        return values

    def __repr__(self) -> str:
        rows = self.n if self._row_counts is None else int(self._row_counts.sum())
        parts = [f"{rows} rows", f"{self.n_psu} PSUs"]
        if self.has_strata:
            parts.append(f"{self.n_strata} strata")
        if self.n_stages > 1:
            parts.append(f"{self.n_stages} stages")
        if any(np.isfinite(st.pop_units).any() for st in self.stages):
            parts.append("fpc")
        if self.calibrations:
            parts.append(f"calibrated ({', '.join(type(c).__name__ for c in self.calibrations)})")
        return f"SurveyDesign({', '.join(parts)})"

    # ------------------------------------------------------------------ variances (Design hooks)
    def _variance_label(self) -> str:
        return "Taylor linearisation"

    def _all_weights(self) -> np.ndarray:
        return self.weights.copy()

    def _reweighted(self, weights: np.ndarray, record: Residualizer | None) -> SurveyDesign:
        return self.with_weights(weights, record)

    def _vcov(
        self,
        influence: np.ndarray,
        refit: Callable[[np.ndarray], np.ndarray],
        estimate: np.ndarray,
    ) -> np.ndarray:
        # through _variance_of_unit_totals, so that PPS and two-phase designs use their own
        # variance forms for every statistic, not only for ratios of totals
        totals = calibrated_unit_totals(self._structure, influence, self._calibrations)
        return self._variance_of_unit_totals(totals, diagonal=False)

    def _ratio_covariance(
        self, stat: RatioStatistic, codes: np.ndarray, D: int, use: np.ndarray, diagonal: bool
    ) -> tuple[np.ndarray, np.ndarray]:
        """Estimates and (co)variances of ratios of totals, every variable and domain at once.

        The linearised value of ``sum w a / sum w b`` in domain ``d`` is
        ``w (a - theta_d b) / B_d`` on the domain's rows and zero elsewhere. Without
        calibration, its totals within the deepest units come from one ``bincount`` keyed by
        unit and domain, so many domains cost one pass over the rows.
        """
        w = self.weights * use
        K = stat.n_variables
        A = np.stack([np.bincount(codes, weights=w * stat.a[:, k], minlength=D) for k in range(K)])
        if stat.b is None:
            B = np.ones((K, D))
            theta: np.ndarray = A
        else:
            B = np.stack(
                [np.bincount(codes, weights=w * stat.b[:, k], minlength=D) for k in range(K)]
            )
            with np.errstate(divide="ignore", invalid="ignore"):
                theta = A / B
        if self._calibrations:
            T = self._calibrated_unit_totals(stat, codes, D, use, theta, B)
        else:
            units = self.stages[self._structure.deepest].units
            n_units = int(units.max()) + 1
            key = units * D + codes
            blocks = []
            for k in range(K):
                Ua = np.bincount(key, weights=w * stat.a[:, k], minlength=n_units * D)
                Ua = Ua.reshape(n_units, D)
                if stat.b is None:
                    blocks.append(Ua)
                    continue
                Ub = np.bincount(key, weights=w * stat.b[:, k], minlength=n_units * D)
                Ub = Ub.reshape(n_units, D)
                with np.errstate(divide="ignore", invalid="ignore"):
                    blocks.append(np.nan_to_num((Ua - theta[k][None, :] * Ub) / B[k][None, :]))
            T = np.hstack(blocks)
        by_domain = self.adjust_domain_lonely or self._structure.lonely_psu == "average"
        if diagonal and by_domain and D > 1 and not self._calibrations:
            # R's svyby estimates each domain on a subset, where the lonely-PSU rules look at
            # that domain's strata (as .subset() does here); its covariance matrix
            # (vcov=True) comes from the whole design, as R's covmat does
            V = np.empty(K * D)
            for d in range(D):
                cols = np.arange(K) * D + d
                T_d = [t[:, cols] for t in T] if isinstance(T, list) else T[:, cols]
                V[cols] = self._variance_of_unit_totals(T_d, True, use & (codes == d))
        else:
            V = self._variance_of_unit_totals(T, diagonal, use)
        return theta.reshape(-1), V

    def _variance_of_unit_totals(
        self, T: np.ndarray | Sequence[np.ndarray], diagonal: bool, use: np.ndarray | None = None
    ) -> np.ndarray:
        """(Co)variance of the estimated totals from deepest-stage unit totals ``T`` (the
        stratified multistage formula; a PPS design replaces it). ``use``: the rows of the
        estimate's domain, where the lonely-PSU rules look at the domain (R drops the rows
        outside a subset of an uncalibrated design; a calibrated design keeps them, and so do
        the rules here)."""
        present = None if self._calibrations else use
        return variance_from_unit_totals(
            self._structure,
            T,
            diagonal=diagonal,
            present=present,
            adjust_domain_lonely=self.adjust_domain_lonely,
        )

    def _calibrated_unit_totals(
        self,
        stat: RatioStatistic,
        codes: np.ndarray,
        D: int,
        use: np.ndarray,
        theta: np.ndarray,
        B: np.ndarray,
    ) -> np.ndarray | list[np.ndarray]:
        """Unit totals of the calibration residuals of each variable-by-domain influence column
        (one array per stage after calibration within units, see
        :func:`~prevalence.survey.linearization.calibrated_unit_totals`).

        Calibration residuals need the row-level values, so these are formed one variable at
        a time (rows x domains), which bounds the memory for many domains.
        """
        rows = np.arange(self.n)
        blocks: list[np.ndarray | list[np.ndarray]] = []
        for k in range(stat.n_variables):
            X = np.zeros((self.n, D))
            if stat.b is None:
                X[rows, codes] = self.weights * stat.a[:, k]
            else:
                with np.errstate(divide="ignore", invalid="ignore"):
                    X[rows, codes] = (
                        self.weights * (stat.a[:, k] - theta[k][codes] * stat.b[:, k]) / B[k][codes]
                    )
            X[~use] = 0.0
            X = np.nan_to_num(X)
            blocks.append(calibrated_unit_totals(self._structure, X, self._calibrations))
        if isinstance(blocks[0], list):  # per stage: stack the variables within each stage
            return [np.hstack([b[s] for b in blocks]) for s in range(len(blocks[0]))]
        return np.hstack(blocks)

    # ------------------------------------------------------------------ replicate weights
    def replicate(
        self,
        type: str = "jk1",
        replicates: int | None = None,
        *,
        seed: SeedLike = None,
        fay_rho: float = 0.5,
        mse: bool = False,
    ) -> ReplicateDesign:
        """A replicate-weight version of this design, as R's ``as.svrepdesign``.

        * ``jk1``: delete-one-PSU jackknife (unstratified designs), scale ``(1-f)(n-1)/n``;
        * ``jkn``: stratified jackknife, ``rscales = (1-f_h)(n_h-1)/n_h``; strata with a single
          PSU follow the design's ``lonely_psu``;
        * ``brr`` / ``fay``: balanced repeated replication (exactly two PSUs per stratum) from
          a Sylvester Hadamard matrix; Fay's method with ``fay_rho``;
        * ``bootstrap``: Canty and Davison's (1999) bootstrap of PSUs within strata (without
          replacement from the finite population when the design has an fpc),
          ``replicates`` (default 50) with ``seed``;
        * ``subbootstrap``: Rao and Wu's bootstrap of ``n_h - 1`` PSUs per stratum.
        """
        if self._calibrations:
            raise DataError("replicate the design first, then calibrate the replicate design")
        factors = replicate_factors(self._structure, type, replicates, seed=seed, fay_rho=fay_rho)
        design = ReplicateDesign(
            self.data,
            self.weights,
            factors.factors,
            self.stages[0].units,
            type=factors.type,
            scale=factors.scale,
            rscales=factors.rscales,
            mse=mse,
        )
        # a subset stays a subset (as R's as.svrepdesign of a subset, whose rows outside keep
        # their place with no weight): the replicates are built from the whole design
        design._domain = self._domain
        return design


def _units_per_stratum(strata: np.ndarray, units: np.ndarray) -> np.ndarray:
    """For every row, the number of distinct units sampled in its stratum."""
    frame = pd.DataFrame({"s": strata, "u": units})
    counts = frame.drop_duplicates().groupby("s")["u"].size()
    return counts.reindex(strata).to_numpy(dtype=float)


class DaskSurveyDesign(DaskDesign):
    """A survey design on a Dask DataFrame: totals, means, ratios and proportions out of core.

    Built by :class:`SurveyDesign` when its data are a Dask frame (``SurveyDesign(ddf,
    weights=..., strata=..., clusters=...)``). Each statistic reads the frame once, partition
    by partition, and sums it to one row per design cell (strata x clusters x domains; see
    :mod:`prevalence.survey.outofcore`); the in-memory :class:`SurveyDesign` on those cells
    gives the estimates, intervals, design degrees of freedom and ``by=`` covariances, equal
    to the in-memory design on the rows to rounding (tested to 1e-10), and :meth:`replicate`
    its replicate-weight versions. Peak memory is a partition per worker plus the cells.

    What it needs: ``weights`` and ``clusters`` (the final-stage units whose totals the
    variance uses; a design whose rows are its own units would not shrink). What stays in
    memory (an error says so): design effects, GLMs, calibration, quantiles, variances of a
    variable, Rao-Scott tests, ``pps``; ``compute()`` the frame, or the columns needed, and use
    :class:`SurveyDesign` for those.

    Parameters
    ----------
    data : dask.dataframe.DataFrame
        One row per respondent.
    weights, strata, clusters, fpc, nest, lonely_psu, adjust_domain_lonely
        As :class:`SurveyDesign`.

    Examples
    --------
    >>> import dask.dataframe as dd
    >>> import pandas as pd
    >>> df = pd.DataFrame({"y": [1.0, 2, 3, 4, 5, 6], "w": [1.0, 1, 2, 2, 3, 3],
    ...                    "psu": [1, 1, 2, 2, 3, 3]})
    >>> big = SurveyDesign(dd.from_pandas(df, npartitions=2), weights="w", clusters="psu")
    >>> type(big).__name__, round(big.mean("y").value, 4)
    ('DaskSurveyDesign', 4.1667)
    >>> round(SurveyDesign(df, weights="w", clusters="psu").mean("y").value, 4)
    4.1667
    """

    def __init__(
        self,
        data: Any,
        weights: str | None = None,
        strata: str | Sequence[str] | None = None,
        clusters: str | Sequence[str] | None = None,
        fpc: str | Sequence[str] | None = None,
        nest: bool = False,
        lonely_psu: str = "fail",
        pps: str | None = None,
        na_weights: str = "fail",
        adjust_domain_lonely: bool = False,
    ) -> None:
        self._check_frame(data)
        if weights is None:
            raise DataError(
                "a survey design on a Dask frame needs weights= (weights derived from fpc need "
                "the rows in memory: use SurveyDesign on data.compute())"
            )
        if clusters is None:
            raise DataError(
                "a survey design on a Dask frame needs clusters=: its statistics are computed "
                "from the cluster sums, and a design whose rows are their own units has as "
                "many as rows (use SurveyDesign on data.compute())"
            )
        if pps is not None:
            raise DataError("pps= needs the rows in memory: use SurveyDesign on data.compute()")
        if na_weights != "fail":
            raise DataError(
                "na_weights= other than 'fail' is not available on a Dask frame: drop the rows "
                "without a weight first (data[data[weights].notna()])"
            )
        if lonely_psu not in LONELY_PSU:
            raise DataError(f"lonely_psu must be one of {LONELY_PSU}, got {lonely_psu!r}")
        self.data = data
        self._check_columns("weights", [weights])
        self._check_columns("strata", _as_list(strata))
        self._check_columns("cluster", _as_list(clusters))
        self._check_columns("fpc", _as_list(fpc))
        self._design_columns = list(
            dict.fromkeys(_as_list(strata) + _as_list(clusters) + _as_list(fpc))
        )
        self._weights = weights
        self._options: dict[str, Any] = {
            "strata": strata,
            "clusters": clusters,
            "fpc": fpc,
            "nest": nest,
            "lonely_psu": lonely_psu,
            "adjust_domain_lonely": adjust_domain_lonely,
        }
        self._conditions = ()
        self._replicates: dict[str, Any] | None = None

    def __repr__(self) -> str:
        return (
            f"DaskSurveyDesign({self.data.npartitions} partitions, columns "
            f"{list(self.data.columns)})"
        )

    def replicate(
        self,
        type: str = "jk1",
        replicates: int | None = None,
        *,
        seed: SeedLike = None,
        fay_rho: float = 0.5,
        mse: bool = False,
    ) -> DaskSurveyDesign:
        """Replicate-weight variances for every statistic, as :meth:`SurveyDesign.replicate`
        (the replicates are built per PSU, so they are the same on the cells as on the rows;
        an integer ``seed`` gives the same bootstrap replicates as the in-memory design)."""
        if self._replicates is not None:
            raise DataError("the design already has replicate weights")
        new = copy.copy(self)
        new._replicates = dict(
            type=type, replicates=replicates, seed=seed, fay_rho=fay_rho, mse=mse
        )
        return new

    def _cells(
        self,
        variables: dict[str, Variable],
        by: str | Sequence[str] | None,
        na_rm: bool,
        binary: Sequence[str],
        sources: Sequence[Source],
    ) -> Design:
        """The in-memory design on the cell sums (``sources`` matter to replicate weights
        shipped with the data only: here the replicates are built on the cells)."""
        cells = self._sum(self._design_columns, variables, by, na_rm, binary)
        frame = cells.frame
        # the cells keep the rows' strata, clusters and fpc: the design's checks (one PSU,
        # lonely PSUs, clusters across strata, fpc below the sample) come out as on the rows
        taylor = SurveyDesign(frame, weights=WEIGHT, **self._options)
        taylor._row_counts = frame[ROWS].to_numpy()
        design: Design = taylor
        if self._replicates is not None:
            design = taylor.replicate(**self._replicates)
            design._row_counts = taylor._row_counts
        return self._restricted(design, cells)
