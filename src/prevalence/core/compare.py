"""Comparisons of independent estimates: a baseline and an endline, strata, DiD cells.

:func:`compare_estimates` is what every estimator's ``compare`` uses, and
:func:`combine_independent` the rule behind it (also used for sums over strata and for a
difference in differences of four independent cells). The interval of a combination is
computed the way the estimates' own intervals were: every estimate contributes draws whose
equal-tailed percentiles reproduce its own interval, and the combination gets the
percentile interval of the function of those draws:

* posterior draws and percentile-bootstrap replicates as they are;
* BCa bootstrap replicates mapped through their BCa correction
  (:func:`~prevalence.core.bootstrap.bca_matched_draws`): a percentile interval of the raw
  replicates would drop the bias correction the estimates' own intervals rely on;
* an estimate without draws: a split normal centred on the estimate with the lower and
  upper spreads of its interval, on the log scale when the estimate and both limits are
  positive (population sizes, prevalences), on the natural scale otherwise (from the
  standard error when there is no interval).

For two independent estimates with normal sampling distributions the difference's interval
then always lies within ``[endline lower - baseline upper, endline upper - baseline
lower]``, and so does the ratio's within the corresponding ratio bounds.

``bootstrap="bca"`` offers the alternative for estimates that are all BCa bootstraps: a
BCa interval for the combination itself, its replicates the function of the estimates'
replicates (independent bootstraps, paired index by index), the bias correction from the
share of them below the combination's value, the acceleration from the jackknife of every
sample (:meth:`~prevalence.core.bootstrap.Jackknife.combine`). In the simulation study of
docs/comparisons.md both cover the true change about equally often, but the two-sample
BCa interval leaves the marginal bounds in 3-12% of replicates (model selection makes the
bootstrap distributions lumpy, and the bias corrections of baseline and endline partly
cancel in the difference), the matched rule in 1 of 14,400; hence the default.

The estimates must be independent: separate samples or separate lists at two times.
Estimates from one design (a panel's two waves) go through :func:`compare_correlated`.
Every result says in its ``method`` and ``interval_method`` which rule it used.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from .bootstrap import Jackknife, bca_extreme_note, bca_interval, bca_matched_draws
from .errors import DataError, EstimationError
from .intervals import critical_value, percentile_interval
from .probability import normal_sd
from .random import SeedLike, as_generator
from .results import Comparison, Estimate

__all__ = [
    "compare_estimates",
    "note_zero_width",
    "one_posterior",
    "compare_correlated",
    "combine_independent",
    "Combination",
    "approximate_draws",
    "draws_for",
    "matched_draws",
    "combined_draws_kind",
    "same_scale",
]

DEFAULT_COMPARISON_DRAWS = 10_000


def approximate_draws(estimate: Estimate, size: int, rng: np.random.Generator) -> np.ndarray:
    """Draws from a parametric approximation to ``estimate``'s sampling distribution.

    A split normal whose 2.5% and 97.5% points (at the estimate's level) are the interval's
    limits and whose median is the estimate: on the log scale when the value and both limits
    are positive and finite, on the natural scale otherwise; a normal with
    ``details['std_error']`` when there is no usable interval.
    """
    z = critical_value(estimate.level, None)
    v, lo, hi = estimate.value, estimate.lower, estimate.upper
    if not math.isfinite(v):
        raise EstimationError(f"cannot compare: the estimate is not finite ({v})")
    u = rng.normal(0.0, 1.0, size)
    if all(math.isfinite(x) and x > 0 for x in (v, lo, hi)) and hi > lo:
        lv, llo, lhi = math.log(v), math.log(lo), math.log(hi)
        if llo <= lv <= lhi:
            return np.exp(lv + u * np.where(u < 0, (lv - llo) / z, (lhi - lv) / z))
        return np.exp(lv + u * (lhi - llo) / (2.0 * z))
    if math.isfinite(lo) and math.isfinite(hi) and lo <= v <= hi and hi > lo:
        return v + u * np.where(u < 0, (v - lo) / z, (hi - v) / z)
    se = normal_sd(estimate)
    if math.isnan(se):
        raise EstimationError(
            f"cannot compare an estimate without draws, standard error or finite interval "
            f"(method {estimate.method!r})"
        )
    return v + u * se


def combined_draws_kind(estimates: list[Estimate], own: list[bool]) -> str:
    """What draws combined from several estimates are (see ``Estimate.draws_kind``).

    ``own[i]`` says whether estimate ``i`` contributed its own draws (otherwise draws of a
    parametric approximation).
    """
    kinds = {
        (e.draws_kind or "approximation") if mine else "approximation"
        for e, mine in zip(estimates, own, strict=True)
    }
    return kinds.pop() if len(kinds) == 1 else "mixed"


def same_scale(estimates: list[Estimate], what: str) -> str | None:
    """The common ``scale`` of ``estimates``; DataError when two of them differ."""
    for k, e in enumerate(estimates):
        if not isinstance(e, Estimate):
            raise DataError(
                f"{what} takes Estimate objects; argument {k + 1} is a {type(e).__name__} "
                f"({e!r:.60})"
            )
    levels = sorted({e.level for e in estimates})
    if len(levels) > 1:
        raise DataError(
            f"{what} combines estimates with intervals at different levels {levels}: refit them "
            "at one level"
        )
    scales = {e.scale for e in estimates if e.scale is not None}
    if len(scales) > 1:
        raise DataError(
            f"{what} combines estimates on different scales ({', '.join(sorted(scales))}): "
            "a prevalence and a count, say, cannot be subtracted or divided"
        )
    return scales.pop() if scales else None


def _has_draws(estimate: Estimate) -> bool:
    return estimate.draws is not None and estimate.draws.size > 0


def _own_draws(estimate: Estimate, size: int, rng: np.random.Generator) -> np.ndarray:
    d = np.asarray(estimate.draws, dtype=float)
    return d if d.size == size else rng.choice(d, size=size, replace=True)


def draws_for(estimate: Estimate, size: int, rng: np.random.Generator) -> tuple[np.ndarray, bool]:
    """``size`` draws of ``estimate``: its own (resampled when their number differs) or, when it
    has none, of :func:`approximate_draws`; the flag says whether they are its own."""
    if _has_draws(estimate):
        return _own_draws(estimate, size, rng), True
    return approximate_draws(estimate, size, rng), False


def _bca_parts(estimate: Estimate) -> tuple[float, float] | None:
    """``(z0, acceleration)`` of a BCa bootstrap estimate, or ``None``."""
    if estimate.interval_method != "bca" or estimate.draws_kind != "bootstrap":
        return None
    if not _has_draws(estimate):
        return None
    bca = estimate.details.get("bca")
    if not isinstance(bca, Mapping):
        return None
    z0, a = float(bca.get("bias_correction", math.nan)), float(bca.get("acceleration", math.nan))
    return (z0, a) if math.isfinite(z0) and math.isfinite(a) else None


def matched_draws(
    estimate: Estimate, size: int, rng: np.random.Generator
) -> tuple[np.ndarray, str]:
    """``size`` draws whose percentile interval reproduces ``estimate``'s own interval.

    Returns the draws and how they were made: ``"own"`` (posterior draws, percentile
    bootstrap replicates, draws of unrecorded method), ``"bca"`` (BCa bootstrap replicates
    mapped through the BCa correction) or ``"approximation"`` (no draws: a split normal
    matched to the interval, see :func:`approximate_draws`).
    """
    parts = _bca_parts(estimate)
    if parts is not None:
        return bca_matched_draws(np.asarray(estimate.draws), *parts, size, rng), "bca"
    if _has_draws(estimate):
        return _own_draws(estimate, size, rng), "own"
    return approximate_draws(estimate, size, rng), "approximation"


@dataclass(frozen=True)
class Combination:
    """A function of independent estimates with its interval (see :func:`combine_independent`)."""

    value: float
    lower: float
    upper: float
    draws: np.ndarray
    interval_method: str
    draws_kind: str
    source: str
    details: dict[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    @property
    def interval_text(self) -> str:
        return "BCa interval" if self.interval_method == "bca" else "percentile interval"

    def estimate(self, level: float, method: str, scale: str | None, **extra: Any) -> Estimate:
        """The combination as an :class:`Estimate` with ``method`` and extra details."""
        return Estimate(
            self.value,
            self.lower,
            self.upper,
            level,
            method,
            self.draws,
            {**self.details, **extra},
            self.warnings,
            draws_kind=self.draws_kind,
            scale=scale,
            interval_method=self.interval_method,
        )


def _non_finite_note(values: np.ndarray, what: str) -> tuple[str, ...]:
    bad = int(np.count_nonzero(~np.isfinite(values)))
    if bad:
        return (f"{bad} of {values.size} draws gave no finite {what}; its interval ignores them",)
    return ()


def combine_independent(
    estimates: Sequence[Estimate],
    functions: Mapping[str, Callable[..., Any]],
    *,
    level: float,
    rng: np.random.Generator,
    n_draws: int | None = None,
    paired: bool = False,
    bootstrap: str = "matched",
) -> dict[str, Combination]:
    """Functions of independent estimates with intervals by the rule of this module.

    Parameters
    ----------
    estimates : sequence of Estimate
        Independent estimates.
    functions : mapping of name to callable
        Each takes one array per estimate (in order) and returns the combination's values
        element-wise, e.g. ``{"difference": lambda b, e: e - b}``. Return ``nan`` where it is
        undefined (a ratio with a baseline draw at zero).
    level : float
        Interval level.
    rng : Generator
        For resampling draws of unequal length and for the matched draws.
    n_draws : int, optional
        Number of draws. Default: the common number of draws when every estimate has the
        same number and none needs BCa matching, else (at least) 10,000.
    paired : bool
        The estimates' draws are joint (draw ``i`` of every estimate comes from one joint
        posterior): they are combined index by index, never resampled or adjusted.
    bootstrap : {"matched", "bca"}
        For estimates that are all BCa bootstraps: ``"matched"`` (default) combines their
        BCa-matched draws and takes percentiles; ``"bca"`` computes a BCa interval for the
        combination itself (bias correction from the combined replicates, acceleration from
        every jackknife). docs/comparisons.md compares the two in a simulation study: about
        equal coverage, but only ``"matched"`` stays within the bounds the marginal
        intervals imply.

    Examples
    --------
    >>> import numpy as np
    >>> from prevalence import Estimate
    >>> b = Estimate(1000.0, 900.0, 1110.0, scale="count")
    >>> e = Estimate(800.0, 700.0, 915.0, scale="count")
    >>> out = combine_independent([b, e], {"difference": lambda b, e: e - b},
    ...                           level=0.95, rng=np.random.default_rng(1))
    >>> out["difference"].value, out["difference"].interval_method
    (-200.0, 'percentile')
    """
    ests = list(estimates)
    values = [e.value for e in ests]
    own = [_has_draws(e) for e in ests]
    sizes = {int(np.asarray(e.draws).size) for e in ests if _has_draws(e)}
    if paired:
        if not all(own) or len(sizes) != 1:
            raise ValueError("paired (joint) estimates need draws of the same length")
        kinds = {e.draws_kind for e in ests} - {None, "posterior"}
        if kinds:
            raise ValueError(
                f"paired (joint) draws must be posterior draws of one model, not {sorted(map(str, kinds))}"
            )
        n_draws = sizes.pop()
    elif n_draws is None:
        n_draws = sizes.pop() if (len(sizes) == 1 and all(own)) else DEFAULT_COMPARISON_DRAWS
        if bootstrap == "matched" and any(_bca_parts(e) is not None for e in ests):
            # BCa-matched draws are fresh draws from each estimate's confidence distribution,
            # not the replicates themselves: more of them cost little and cut Monte Carlo error.
            n_draws = max(n_draws, DEFAULT_COMPARISON_DRAWS)
    if n_draws < 2:
        raise ValueError(f"n_draws must be at least 2, got {n_draws}")
    if bootstrap not in ("matched", "bca"):
        raise ValueError(f"bootstrap must be 'matched' or 'bca', got {bootstrap!r}")
    jackknives = [e.details.get("jackknife") for e in ests]
    all_bca = (
        bootstrap == "bca"
        and not paired
        and all(
            _bca_parts(e) is not None and isinstance(j, Jackknife)
            for e, j in zip(ests, jackknives, strict=True)
        )
    )
    notes: list[str] = []
    base = {"n_draws": n_draws, "independent": not paired}
    out: dict[str, Combination] = {}
    if all_bca:
        draws = [_own_draws(e, n_draws, rng) for e in ests]
        alpha = (1.0 - level) / 2.0
        for name, f in functions.items():
            with np.errstate(divide="ignore", invalid="ignore"):
                value = float(np.asarray(f(*[np.float64(v) for v in values])))
                comb = np.asarray(f(*draws), dtype=float)
            # all_bca: every jackknife record is a Jackknife
            jk = Jackknife.combine(
                [
                    (v, j)
                    for v, j in zip(values, jackknives, strict=True)
                    if isinstance(j, Jackknife)
                ],
                f,
            )
            accel = jk.acceleration()
            (lo, hi), z0 = bca_interval(comb, value, accel, [alpha, 1.0 - alpha])
            if not (math.isfinite(lo) and math.isfinite(hi)):
                notes.append(
                    f"the BCa interval of the {name} is undefined (bias correction {z0:.3g}, "
                    f"acceleration {accel:.3g}); percentile interval of BCa-matched draws instead"
                )
                break
            warn = _non_finite_note(comb, name)
            extreme = bca_extreme_note(z0, accel, level, int(np.isfinite(comb).sum()), name)
            warn += (extreme,) if extreme else ()
            out[name] = Combination(
                value,
                float(lo),
                float(hi),
                comb,
                "bca",
                "bootstrap",
                "BCa from the estimates' bootstraps",
                {
                    **base,
                    "source": "bootstrap replicates",
                    "jackknife": jk,
                    "bca": {"bias_correction": z0, "acceleration": accel},
                },
                warn,
            )
        else:
            return out
        out = {}
    if paired:
        draws, how = [np.asarray(e.draws, dtype=float) for e in ests], ["own"] * len(ests)
    else:
        made = [matched_draws(e, n_draws, rng) for e in ests]
        draws, how = [d for d, _ in made], [h for _, h in made]
    if paired:
        source = "one joint posterior"
    elif all(h == "own" for h in how):
        source = "from draws"
    elif all(h == "approximation" for h in how):
        source = "parametric bootstrap"
    else:
        parts = []
        if "own" in how:
            parts.append("draws")
        if "bca" in how:
            parts.append("BCa-adjusted bootstrap replicates")
        if "approximation" in how:
            parts.append("parametric bootstrap")
        source = " and ".join(parts) + ", each matched to its estimate's interval"
    kind = combined_draws_kind(ests, own)
    for name, f in functions.items():
        with np.errstate(divide="ignore", invalid="ignore"):
            value = float(np.asarray(f(*[np.float64(v) for v in values])))
            comb = np.asarray(f(*draws), dtype=float)
        lo, hi = percentile_interval(comb, level)
        warn = _non_finite_note(comb, name)
        out[name] = Combination(
            value,
            lo,
            hi,
            comb,
            "percentile",
            kind,
            source,
            {**base, "source": source},
            tuple(notes) + warn,
        )
    return out


def _difference(b: Any, e: Any) -> Any:
    return e - b


def _ratio(b: Any, e: Any) -> Any:
    return np.where(b > 0, e / np.where(b > 0, b, 1.0), np.nan)


def one_posterior(estimates: Sequence[Estimate]) -> bool:
    """Whether ``estimates`` are draws of one joint posterior, to be paired draw by draw.

    Estimators that return several estimates from one posterior (the strata of
    :class:`~prevalence.mse.PooledStratifiedMSE`) mark them with the same
    ``details["posterior_id"]``; equal numbers of draws are required as well.

    Examples
    --------
    >>> from prevalence import Estimate
    >>> one_posterior([Estimate(1.0, method="x"), Estimate(2.0, method="y")])
    False
    """
    ids = {est.details.get("posterior_id") for est in estimates}
    sizes = {None if est.draws is None else len(est.draws) for est in estimates}
    return len(ids) == 1 and None not in ids and len(sizes) == 1 and None not in sizes


def compare_estimates(
    baseline: Estimate,
    endline: Estimate,
    *,
    seed: SeedLike = None,
    n_draws: int | None = None,
    bootstrap: str = "matched",
) -> Comparison:
    """Compare two independent estimates: difference and ratio with intervals.

    The intervals follow the estimates' own method (see the module text): the percentile
    interval of draws matched to each estimate's interval (BCa bootstraps enter with their
    BCa correction, posterior draws as they are); with ``bootstrap="bca"`` and two BCa
    bootstraps, a two-sample BCa interval instead. Two estimates from one joint posterior
    (:func:`one_posterior`) are not independent: their draws are paired index by index.

    Parameters
    ----------
    baseline, endline : Estimate
        The two estimates (treated as independent unless from one joint posterior).
    seed : int, Generator or None
        Seed for resampling draws of unequal length and for the matched draws.
    n_draws : int, optional
        Number of draws of the difference and ratio. Default: the common number of draws when
        both estimates carry the same number, else 10,000.
    bootstrap : {"matched", "bca"}
        How two BCa bootstraps are combined (see :func:`combine_independent`).

    Examples
    --------
    >>> from prevalence import Estimate
    >>> b = Estimate(1000.0, 900.0, 1110.0, method="x")
    >>> e = Estimate(800.0, 700.0, 915.0, method="x")
    >>> c = compare_estimates(b, e, seed=1)
    >>> round(c.ratio.value, 3)
    0.8
    """
    scale = same_scale([baseline, endline], "a comparison")
    level = baseline.level
    out = combine_independent(
        [baseline, endline],
        {"difference": _difference, "ratio": _ratio},
        level=level,
        rng=as_generator(seed),
        n_draws=n_draws,
        bootstrap=bootstrap,
        paired=one_posterior([baseline, endline]),
    )
    d, r = out["difference"], out["ratio"]
    difference = d.estimate(
        level,
        f"difference endline - baseline ({d.source}, {d.interval_text})",
        scale,
    )
    ratio = r.estimate(
        level,
        f"ratio endline / baseline ({r.source}, {r.interval_text})",
        "ratio",
    )
    if baseline.value == 0:
        ratio = Estimate(
            math.nan,
            math.nan,
            math.nan,
            level,
            "ratio undefined (the baseline is zero)",
            warnings=("the baseline is zero: the ratio endline / baseline is undefined",),
        )
    exact = baseline.lower == baseline.upper and endline.lower == endline.upper
    reason = (
        "both estimates are given without uncertainty (as published figures often are): the "
        "change is exact arithmetic"
        if exact
        else "the estimates compared carry no uncertainty that reaches it (an estimate of "
        "exactly zero without an interval, say)"
    )
    difference = note_zero_width(difference, "difference", reason)
    ratio = note_zero_width(ratio, "ratio", reason)
    return Comparison(baseline=baseline, endline=endline, difference=difference, ratio=ratio)


def note_zero_width(est: Estimate, what: str, reason: str) -> Estimate:
    """``est`` with a note when its interval has zero width and nothing says why yet: a
    zero-width interval never goes unexplained.

    Examples
    --------
    >>> from prevalence import Estimate
    >>> note_zero_width(Estimate(2.0, 2.0, 2.0), "change", "no sampling variance").warnings[0][:40]
    'the change is 2 with an interval of zero'
    """
    if est.warnings or not math.isfinite(est.value) or est.lower != est.upper:
        return est
    note = (
        f"the {what} is {est.value:g} with an interval of zero width: {reason}; that does not "
        "mean it is known exactly"
    )
    return replace(est, warnings=(note,))


def compare_correlated(
    baseline: Estimate,
    endline: Estimate,
    var_baseline: float,
    var_endline: float,
    covariance: float,
    *,
    level: float,
    how: str,
    df: float | None = None,
    what: str = "",
) -> Comparison:
    """Difference and ratio of two estimates with a known (co)variance, by the delta method.

    For estimates of one design (a panel's two waves, two domains): the difference has
    variance ``var_b + var_e - 2 cov`` and an interval from t with ``df`` degrees of freedom
    (normal when ``None``); the ratio an interval on the log scale, with variance
    ``var_e / e**2 + var_b / b**2 - 2 cov / (b e)``. ``how`` says where the covariance comes
    from; ``what`` names the quantity (``"prevalences"``) in the method texts.

    Examples
    --------
    >>> from prevalence import Estimate
    >>> b, e = Estimate(0.20, scale="proportion"), Estimate(0.15, scale="proportion")
    >>> c = compare_correlated(b, e, 1e-4, 1e-4, 5e-5, level=0.95, how="one design")
    >>> round(c.difference.std_error, 5)
    0.01
    """
    z = critical_value(level, df)
    interval = "normal interval" if df is None else f"t interval, {df:g} df"
    of = f" of {what}" if what else ""
    scale = same_scale([baseline, endline], "a comparison")
    diff = endline.value - baseline.value
    se_d = math.sqrt(max(var_baseline + var_endline - 2 * covariance, 0.0))
    difference = Estimate(
        diff,
        diff - z * se_d,
        diff + z * se_d,
        level,
        f"difference{of} endline - baseline ({how}, {interval})",
        None,
        {"std_error": se_d, "covariance": covariance, "source": how},
        scale=scale,
        interval_method="wald" if df is None else "t",
    )
    difference = note_zero_width(
        difference, f"difference{of}", "no sampling variance (neither estimate has any)"
    )
    b, e = baseline.value, endline.value
    if b > 0 and e > 0:
        r = e / b
        se_log = math.sqrt(
            max(var_endline / e**2 + var_baseline / b**2 - 2 * covariance / (b * e), 0.0)
        )
        ratio = Estimate(
            r,
            r * math.exp(-z * se_log),
            r * math.exp(z * se_log),
            level,
            f"ratio{of} endline / baseline ({how}, log-scale {interval})",
            None,
            {"std_error_log": se_log, "source": how},
            scale="ratio",
            interval_method="log-normal",
        )
    else:
        nan = math.nan
        ratio = Estimate(
            nan,
            nan,
            nan,
            level,
            f"ratio undefined (an estimate{of} is not positive)",
            warnings=(
                f"the ratio endline / baseline is undefined: an estimate{of} is not positive "
                f"(baseline {b:g}, endline {e:g})",
            ),
        )
    return Comparison(baseline, endline, difference, ratio)
