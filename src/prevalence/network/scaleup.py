"""The network scale-up method (NSUM): hidden-population size from "how many X do you know?".

A general-population sample reports how many people it knows in populations of known size
(giving each respondent's degree, :mod:`~prevalence.network.answers`) and in the hidden
population. The scale-up estimator is

    N_H = N * sum_i w_i y_iH / sum_i w_i d_i / (degree_ratio * transmission)

(Killworth et al. 1998; weighted as Feehan and Salganik's ``networkreporting``), with
``degree_ratio`` the hidden population's average degree relative to everyone's (barrier
effects) and ``transmission`` the share of ties through which membership is known
(visibility). Checked against ``networkreporting`` 0.3.1 on its Rwanda survey.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..core.checks import positive_number, whole_number
from ..core.compare import combine_independent
from ..core.errors import DataError, EstimationWarning
from ..core.estimator import Estimator
from ..core.intervals import check_level, normal_quantile, percentile_interval
from ..core.random import SeedLike, as_generator
from ..core.results import Estimate
from ..survey.base import Design
from ..survey.design import SurveyDesign
from ..survey.replicate import ReplicateDesign, replicate_covariance
from .answers import (
    MISSING_RULES,
    answer_matrix,
    check_known_sizes,
    known_population_degrees,
    topcode_answers,
)
from .consistency import Consistency
from .details import ScaleUpDetails

__all__ = ["ScaleUp", "SCALEUP_INTERVALS"]

#: Interval methods of :class:`ScaleUp`: ``"bootstrap"`` (Rao and Wu's rescaled bootstrap of
#: PSUs within strata, percentiles, as ``surveybootstrap``), ``"replicate"`` (the variance of a
#: :class:`ReplicateDesign`'s own replicate weights, normal interval), ``"linearization"``
#: (Taylor variance of the ratio of totals from the design, as R ``svyratio``) and
#: ``"killworth"`` (Killworth's binomial standard error, normal interval).
SCALEUP_INTERVALS = ("bootstrap", "replicate", "linearization", "killworth")


@dataclass(frozen=True)
class _Prepared:
    design: Design
    weights: np.ndarray
    y: np.ndarray  # hidden-population answers (0 where unused)
    d: np.ndarray  # degrees (0 where unused)
    use: np.ndarray  # rows in the estimate
    degrees: np.ndarray  # degrees with nan for rows without one


class ScaleUp(Estimator):
    """Size of a hidden population by the network scale-up method.

    Parameters
    ----------
    hidden : str
        Column with each respondent's answer to "how many people do you know who are in the
        hidden population?".
    known : mapping of str to float
        Known-population columns and their sizes (``{"widower": 36147, ...}``).
    total : float
        Size of the population the respondents report about (the frame population).
    topcode : int, optional
        Answers about known populations above this are set to it (``topcode.data``); the
        hidden-population answers are left as given, as in ``networkreporting``.
    missing : {"drop", "available", "zero", "error"}
        Rows with a missing known-population answer: ``"drop"`` (the default, R's
        ``dropmiss=TRUE``, ``missing="complete.obs"``) leaves them out of the estimate (R
        gives such a row degree 0, which has the same effect on the estimate; here its
        degree is ``nan``); ``"available"`` computes their degree from the questions they
        answered; ``"zero"`` counts a missing answer as knowing nobody (R's
        ``dropmiss=FALSE``, what ``nsum.internal.consistency`` uses). Rows with a missing
        hidden-population answer are always left out. The number left out is in
        ``details["n_dropped"]`` and a warning.
    degree_ratio, transmission : float or Estimate
        Adjustment factors for barrier effects (hidden members' average degree relative to
        everyone's) and transmission (visibility). An :class:`Estimate` (from a study of the
        hidden population) carries its uncertainty into the interval.
    interval : {"bootstrap", "replicate", "linearization", "killworth"}, optional
        See :data:`SCALEUP_INTERVALS`. Default: ``"replicate"`` for a
        :class:`ReplicateDesign`, else ``"bootstrap"``.
    n_boot : int
        Rescaled-bootstrap replicates (default 1000).
    level : float
        Interval level.
    seed : int, Generator or None
        Seed of the bootstrap and of the draws that carry adjustment uncertainty.

    Examples
    --------
    >>> import pandas as pd
    >>> from prevalence.network import ScaleUp
    >>> df = pd.DataFrame({"nurses": [1, 0, 2, 1], "teachers": [2, 1, 3, 2],
    ...                    "hidden": [0, 1, 0, 1]})
    >>> est = ScaleUp("hidden", {"nurses": 1000, "teachers": 2000}, total=100_000,
    ...               interval="killworth").fit(df)
    >>> round(est.value)
    500
    """

    input_kinds = ("survey",)
    details_schema = ScaleUpDetails
    #: What the method assumes, in words (the run report's methods section).
    assumptions = (
        "The network scale-up method (Killworth et al. 1998): respondents' personal network "
        "sizes are estimated from how many people they know in groups of known size, and the "
        "hidden population from how many members of it they know. Assumes respondents know "
        "about their contacts' membership (transmission), that their networks mix randomly "
        "with the hidden population (barrier effects) and accurate recall; adjustment factors "
        "correct for these where given."
    )

    def __init__(
        self,
        hidden: str,
        known: Mapping[str, float],
        total: float,
        *,
        topcode: int | None = None,
        missing: str = "drop",
        degree_ratio: float | Estimate = 1.0,
        transmission: float | Estimate = 1.0,
        interval: str | None = None,
        n_boot: int = 1000,
        level: float = 0.95,
        seed: SeedLike = None,
    ) -> None:
        if not isinstance(hidden, str):
            raise ValueError(f"hidden must name a column, got {hidden!r}")
        total_value = positive_number("total", total)
        names, _ = check_known_sizes(known, total_value)
        if hidden in names:
            raise ValueError(f"hidden column {hidden!r} is also listed as a known population")
        if topcode is not None:
            whole_number("topcode", topcode)
        if missing not in MISSING_RULES:
            raise ValueError(f"missing must be one of {MISSING_RULES}, got {missing!r}")
        for name, factor in (("degree_ratio", degree_ratio), ("transmission", transmission)):
            _check_factor(name, factor)
        if interval is not None and interval not in SCALEUP_INTERVALS:
            raise ValueError(f"interval must be one of {SCALEUP_INTERVALS}, got {interval!r}")
        whole_number("n_boot", n_boot, 2)
        self.hidden = hidden
        self.known = dict(known)
        self.total = total_value
        self.topcode = None if topcode is None else int(topcode)
        self.missing = missing
        self.degree_ratio = degree_ratio
        self.transmission = transmission
        self.interval = interval
        self.n_boot = int(n_boot)
        self.level = check_level(level)
        self.seed = seed

    # ------------------------------------------------------------------ data
    def _design(self, data: Any) -> Design:
        if isinstance(data, Design):
            return data
        if isinstance(data, pd.DataFrame):
            # an unweighted sample: every row its own PSU, weight 1 (R's weights=NULL)
            if "_scaleup_weight" in data.columns:
                raise DataError("the column name '_scaleup_weight' is reserved")
            return SurveyDesign(data.assign(_scaleup_weight=1.0), weights="_scaleup_weight")
        raise DataError(
            f"ScaleUp.fit expects a DataFrame, SurveyDesign or ReplicateDesign, got "
            f"{type(data).__name__}"
        )

    def _prepare(self, data: Any, exclude: str | None = None) -> _Prepared:
        design = self._design(data)
        names, sizes = check_known_sizes(self.known, self.total)
        if exclude is not None:
            keep = [i for i, n in enumerate(names) if n != exclude]
            names, sizes = [names[i] for i in keep], sizes[keep]
        frame = design.data
        known_answers = topcode_answers(
            answer_matrix(frame, names, "known-population"), self.topcode
        )
        target = exclude if exclude is not None else self.hidden
        y = answer_matrix(frame, [target], "hidden-population")[:, 0]
        if exclude is not None:
            y = topcode_answers(y, self.topcode)
        degrees = known_population_degrees(known_answers, sizes, self.total, self.missing)
        use = np.isfinite(degrees) & np.isfinite(y)
        if not use.any():
            raise DataError(
                "no respondent has both a degree and an answer about the hidden population"
            )
        weights = np.asarray(design.weights, dtype=float)
        return _Prepared(
            design,
            weights,
            np.where(use, y, 0.0),
            np.where(use, degrees, 0.0),
            use,
            degrees,
        )

    def degrees(self, data: Any) -> pd.Series:
        """Each respondent's degree by the known-population method (``nan``: no degree).

        Survey weights do not enter: this estimates each respondent's own network size
        (``kp.individual.estimator_``).
        """
        prep = self._prepare(data)
        return pd.Series(prep.degrees, index=prep.design.data.index, name="degree")

    def mean_degree(self, data: Any) -> float:
        """The weighted average degree ``sum w d / sum w`` over respondents with a degree
        (``kp.estimator_``)."""
        prep = self._prepare(data)
        ok = np.isfinite(prep.degrees)
        return float(np.sum(prep.weights[ok] * prep.degrees[ok]) / np.sum(prep.weights[ok]))

    # ------------------------------------------------------------------ fit
    def fit(self, data: Any) -> Estimate:
        """Estimate the hidden population's size.

        ``data`` is a DataFrame (an unweighted sample, each row its own PSU), a
        :class:`SurveyDesign` (weights, strata and clusters for the estimate and the
        bootstrap) or a :class:`ReplicateDesign`.
        """
        prep = self._prepare(data)
        interval = self.interval or (
            "replicate" if isinstance(prep.design, ReplicateDesign) else "bootstrap"
        )
        if interval == "replicate" and not isinstance(prep.design, ReplicateDesign):
            raise DataError("interval='replicate' needs a ReplicateDesign (replicate weights)")
        w = prep.weights
        ty, td = float(np.sum(w * prep.y)), float(np.sum(w * prep.d))
        if td <= 0:
            raise DataError("the respondents' degrees sum to zero: no tie to scale up from")
        p = ty / td
        raw = self.total * p
        n_used = int(prep.use.sum())
        n_dropped = int(prep.use.size - n_used)
        notes: list[str] = []
        if n_dropped:
            notes.append(
                f"{n_dropped} of {prep.use.size} respondents left out for missing answers "
                f"(missing={self.missing!r})"
            )
        if ty == 0:
            notes.append(
                f"no respondent reports knowing anyone in {self.hidden!r}: the estimate is 0 and "
                "a scale-up survey cannot bound the population from above"
            )
        raw_d = float(np.sum(prep.d))
        killworth = (
            self.total * math.sqrt(max(p * (1.0 - p), 0.0) / raw_d) if raw_d > 0 else math.nan
        )
        unweighted = self.total * float(np.sum(prep.y) / raw_d) if raw_d > 0 else math.nan
        details: dict[str, Any] = {
            "hidden": self.hidden,
            "proportion": p,
            "unadjusted": raw,
            "sum_weighted_reports": ty,
            "sum_weighted_degree": td,
            "mean_degree": td / float(np.sum(w[prep.use])),
            "unweighted_estimate": unweighted,
            "killworth_std_error": killworth,
            "n_observed": n_used,
            "n_dropped": n_dropped,
            "total": self.total,
            "topcode": self.topcode,
            "interval": interval,
        }
        z = normal_quantile(self.level)
        draws: np.ndarray | None = None
        draws_kind: str | None = None
        if interval == "bootstrap":
            reps = self._bootstrap_replicates(prep)
            draws, draws_kind = reps, "bootstrap"
            se = float(np.std(reps[np.isfinite(reps)], ddof=1))
            lo, hi = percentile_interval(reps, self.level)
            interval_method, what = "percentile", f"rescaled bootstrap ({self.n_boot} replicates)"
        elif interval == "replicate":
            design = prep.design
            assert isinstance(design, ReplicateDesign)
            reps = self._replicate_estimates(prep, design)
            var = replicate_covariance(
                reps[:, None],
                np.array([raw]),
                design.scale,
                design.rscales,
                design.mse,
                diagonal=True,
            )
            se = float(math.sqrt(var[0]))
            lo, hi = raw - z * se, raw + z * se
            interval_method, what = "wald", f"{design.type} replicate weights"
        elif interval == "linearization":
            tmp = prep.design.with_columns(_nsum_y=prep.y, _nsum_d=prep.d)
            ratio = tmp.ratio("_nsum_y", "_nsum_d", level=self.level)
            se = self.total * ratio.std_error
            lo, hi = self.total * ratio.lower, self.total * ratio.upper
            interval_method = ratio.interval_method
            what = "Taylor linearization of the ratio of totals"
        else:
            se = killworth
            lo, hi = max(raw - z * se, 0.0), raw + z * se
            interval_method, what = "wald", "Killworth's binomial standard error"
        details["std_error"] = se
        weighted = not isinstance(data, pd.DataFrame)
        method = (
            f"network scale-up ({'weighted' if weighted else 'unweighted'}, known-population "
            f"degrees), {what}"
        )
        est = Estimate(
            raw,
            lo,
            hi,
            self.level,
            method,
            draws,
            details,
            (),
            draws_kind=draws_kind,
            scale="count",
            interval_method=interval_method,
        )
        est = self._adjust(est)
        if notes:
            for note in notes:
                warnings.warn(note, EstimationWarning, stacklevel=2)
            est = Estimate(
                est.value,
                est.lower,
                est.upper,
                est.level,
                est.method,
                est.draws,
                est.details,
                (*est.warnings, *notes),
                draws_kind=est.draws_kind,
                scale=est.scale,
                interval_method=est.interval_method,
            )
        return est

    def _adjust(self, est: Estimate) -> Estimate:
        """Divide by the adjustment factors; uncertain factors enter by independent draws."""
        factors = {"degree_ratio": self.degree_ratio, "transmission": self.transmission}
        uncertain = {k: v for k, v in factors.items() if isinstance(v, Estimate)}
        fixed = math.prod(float(v) for v in factors.values() if not isinstance(v, Estimate))
        details = dict(est.details)
        for k, v in factors.items():
            details[k] = v.value if isinstance(v, Estimate) else float(v)
        if not uncertain:
            if fixed == 1.0:
                return est
            details["std_error"] = est.std_error / fixed
            draws = None if est.draws is None else est.draws / fixed
            return Estimate(
                est.value / fixed,
                est.lower / fixed,
                est.upper / fixed,
                est.level,
                est.method + f", adjusted (factor {fixed:g})",
                draws,
                details,
                est.warnings,
                draws_kind=est.draws_kind,
                scale="count",
                interval_method=est.interval_method,
            )
        ests = [est, *uncertain.values()]

        def adjusted(n: np.ndarray, *a: np.ndarray) -> np.ndarray:
            with np.errstate(divide="ignore", invalid="ignore"):
                return n / (fixed * math.prod(a) if a else fixed)

        out = combine_independent(
            ests, {"adjusted": adjusted}, level=self.level, rng=as_generator(self.seed)
        )["adjusted"]
        details["std_error"] = float(np.std(out.draws[np.isfinite(out.draws)], ddof=1))
        details["unadjusted_interval"] = (est.lower, est.upper)
        return out.estimate(
            self.level,
            est.method + ", adjusted for " + " and ".join(uncertain) + " with their uncertainty",
            "count",
            **details,
        )

    def _group_totals(
        self, prep: _Prepared, index: np.ndarray, groups: int
    ) -> tuple[np.ndarray, np.ndarray]:
        w = prep.weights
        ty = np.bincount(index, weights=w * prep.y, minlength=groups)
        td = np.bincount(index, weights=w * prep.d, minlength=groups)
        return ty, td

    def _replicate_estimates(self, prep: _Prepared, design: ReplicateDesign) -> np.ndarray:
        factors = design.factors
        ty, td = self._group_totals(prep, design.index, factors.shape[0])
        with np.errstate(divide="ignore", invalid="ignore"):
            return self.total * (factors.T @ ty) / (factors.T @ td)

    def _bootstrap_replicates(self, prep: _Prepared) -> np.ndarray:
        """Rao and Wu's rescaled bootstrap: ``n_h - 1`` PSUs drawn with replacement in each
        stratum, weights times ``n_h / (n_h - 1)`` times the number of draws (as
        ``surveybootstrap``'s ``rescaled.bootstrap.sample``); PSU totals are aggregated once,
        so a replicate costs one small matrix product."""
        design = prep.design
        if isinstance(design, ReplicateDesign):
            raise DataError(
                "interval='bootstrap' needs a SurveyDesign (strata and PSUs); this design "
                "carries replicate weights: use interval='replicate'"
            )
        assert isinstance(design, SurveyDesign)
        rep = design.replicate("subbootstrap", replicates=self.n_boot, seed=self.seed)
        return self._replicate_estimates(prep, rep)

    # ------------------------------------------------------------------ checks
    def internal_consistency(self, data: Any) -> Consistency:
        """Each known population estimated as if hidden, from degrees without it.

        Uses the fit's weights, top-coding and missing-answer rule; the held-out
        population's answers are top-coded like the other known populations. Returns a
        :class:`Consistency` (table, RMSE, mean absolute relative error, plot).
        """
        rows = []
        for name, size in self.known.items():
            prep = self._prepare(data, exclude=name)
            w = prep.weights
            td = float(np.sum(w * prep.d))
            est = self.total * float(np.sum(w * prep.y)) / td if td > 0 else math.nan
            rows.append(
                {
                    "known_population": name,
                    "size": float(size),
                    "estimate": est,
                    "error": est - float(size),
                    "relative_error": (est - float(size)) / float(size),
                }
            )
        return Consistency(pd.DataFrame(rows))


def _check_factor(name: str, factor: Any) -> None:
    if isinstance(factor, Estimate):
        if not (math.isfinite(factor.value) and factor.value > 0):
            raise ValueError(f"{name} must be positive, got an estimate of {factor.value!r}")
        return
    try:
        value = float(factor)
    except (TypeError, ValueError):
        raise ValueError(
            f"{name} must be a positive number or an Estimate, got {factor!r}"
        ) from None
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a positive number or an Estimate, got {factor!r}")
