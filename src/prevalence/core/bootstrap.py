"""Bootstrap intervals shared by the estimators and the comparisons built on them.

* :func:`bca_interval`: Efron's bias-corrected and accelerated (BCa) limits from bootstrap
  replicates, the estimate and an acceleration.
* :class:`Jackknife`: the delete-one values of a statistic, possibly from several
  independent samples (a baseline and an endline, the strata of a total, the four cells of a
  difference in differences). It gives the acceleration of a BCa interval and carries over
  to any smooth function of independent estimates (:meth:`Jackknife.combine`), so that a
  difference of two BCa estimates gets a BCa interval of its own.
* :func:`bca_confidence` and :func:`bca_matched_draws`: the confidence distribution behind a
  BCa interval, as a probability and as draws whose percentiles reproduce the interval.

The acceleration for several independent samples is the one of Davison and Hinkley (1997,
*Bootstrap Methods and their Application*, BCa intervals with several samples),

``a = sum_k n_k^-3 sum_j l_kj^3 / (6 (sum_k n_k^-2 sum_j l_kj^2)^(3/2))``,

with the empirical influence values approximated by the jackknife,
``l_kj = (n_k - 1) (mean_k - value_kj)``; for one sample it reduces to the familiar
``sum d^3 / (6 (sum d^2)^(3/2))``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import ndtr, ndtri

__all__ = [
    "Jackknife",
    "JackknifeSample",
    "jackknife_acceleration",
    "bias_correction",
    "bca_probabilities",
    "bca_interval",
    "bca_confidence",
    "bca_matched_draws",
    "bca_extreme_note",
]


@dataclass(frozen=True)
class JackknifeSample:
    """Delete-one values of a statistic from one sample.

    ``values[j]`` is the statistic with one unit of group ``j`` deleted and ``weights[j]`` the
    number of units in that group (people with the same capture history give the same
    delete-one value, so they are stored once).
    """

    values: np.ndarray
    weights: np.ndarray

    def __post_init__(self) -> None:
        v = np.array(self.values, dtype=float, copy=True).reshape(-1)
        w = np.array(self.weights, dtype=float, copy=True).reshape(-1)
        if v.shape != w.shape:
            raise ValueError(f"jackknife values ({v.size}) and weights ({w.size}) differ in length")
        if np.any(w < 0) or not np.all(np.isfinite(w)):
            raise ValueError("jackknife weights must be finite and non-negative")
        v.setflags(write=False)
        w.setflags(write=False)
        object.__setattr__(self, "values", v)
        object.__setattr__(self, "weights", w)

    @property
    def n(self) -> float:
        """The number of units in the sample."""
        return float(self.weights.sum())


@dataclass(frozen=True)
class Jackknife:
    """Delete-one values of a statistic from one or several independent samples.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([1.0, 2.0, 4.0, 9.0])
    >>> loo = (x.sum() - x) / (x.size - 1)          # delete-one means
    >>> jk = Jackknife.single(loo, np.ones(4))
    >>> round(jk.acceleration(), 4)    # for a mean: sum d^3 / (6 (sum d^2)^1.5), d = x - 4
    0.064
    >>> round(90 / (6 * 38**1.5), 4)
    0.064
    """

    samples: tuple[JackknifeSample, ...]

    @classmethod
    def single(cls, values: Any, weights: Any) -> Jackknife:
        """A one-sample jackknife."""
        return cls((JackknifeSample(values, weights),))

    def acceleration(self) -> float:
        """The BCa acceleration (``nan`` when a delete-one value is missing or all are equal)."""
        num = 0.0
        den = 0.0
        for s in self.samples:
            if not np.all(np.isfinite(s.values)):
                return math.nan
            n = s.n
            if n <= 1:
                continue
            mean = float(np.sum(s.weights * s.values)) / n
            influence = (n - 1.0) * (mean - s.values)
            num += float(np.sum(s.weights * influence**3)) / n**3
            den += float(np.sum(s.weights * influence**2)) / n**2
        if not (math.isfinite(den) and den > 0):
            return math.nan
        return num / (6.0 * den**1.5)

    @staticmethod
    def combine(
        parts: Sequence[tuple[float, Jackknife]], function: Callable[..., Any]
    ) -> Jackknife:
        """The jackknife of ``function(theta_1, ..., theta_m)`` for independent estimates.

        ``parts[i]`` is estimate ``i``'s value and jackknife. Deleting a unit of one sample
        changes only the estimate built from that sample, so the combined statistic's
        delete-one values are ``function`` with that estimate replaced by its own delete-one
        values and the others held at their estimates. ``function`` must accept arrays.
        """
        values = [float(v) for v, _ in parts]
        samples: list[JackknifeSample] = []
        for i, (_, jk) in enumerate(parts):
            for s in jk.samples:
                args = [np.full(s.values.shape, v) for v in values]
                args[i] = s.values
                with np.errstate(divide="ignore", invalid="ignore"):
                    out = np.asarray(function(*args), dtype=float)
                samples.append(JackknifeSample(out, s.weights))
        return Jackknife(tuple(samples))

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python summary: the number of samples, their sizes and the acceleration."""
        return {
            "n_samples": len(self.samples),
            "sizes": [s.n for s in self.samples],
            "acceleration": self.acceleration(),
        }


def jackknife_acceleration(jack: np.ndarray, weights: np.ndarray) -> float:
    """BCa acceleration from one sample's weighted delete-one estimates (nan if undefined)."""
    return Jackknife.single(jack, weights).acceleration()


def bias_correction(boot: np.ndarray, estimate: float) -> float:
    """BCa bias correction ``z0 = Phi^-1(share of replicates below the estimate)``.

    Replicates equal to the estimate (to 1e-9 relative) count one half: a resample of a
    discrete table can reproduce the original estimate, and rounding noise in the fits
    should not decide on which side it falls. ``-inf``/``inf`` when every replicate lies on
    one side; ``nan`` without finite replicates.
    """
    b = np.asarray(boot, dtype=float)
    b = b[np.isfinite(b)]
    if b.size == 0 or not math.isfinite(estimate):
        return math.nan
    tie = np.abs(b - estimate) <= 1e-9 * abs(estimate)
    below = np.count_nonzero(b < estimate) - np.count_nonzero(tie & (b < estimate))
    prop = float((below + 0.5 * np.count_nonzero(tie)) / b.size)
    if prop <= 0.0 or prop >= 1.0:
        return math.copysign(math.inf, prop - 0.5)
    return float(ndtri(prop))


def bca_probabilities(z0: float, acceleration: float, probs: Any) -> np.ndarray:
    """The bootstrap quantile levels at which BCa reads the limits for levels ``probs``."""
    za = ndtri(np.asarray(probs, dtype=float)) + z0
    with np.errstate(divide="ignore", invalid="ignore"):
        adjusted = z0 + za / (1.0 - acceleration * za)
    # Past the pole of the map (1 - a (z0 + z) <= 0, only for |z| > 1/|a|) the limit is the
    # end of the bootstrap distribution on that side.
    pole = (1.0 - acceleration * za) <= 0
    adjusted = np.where(pole, np.where(za > 0, np.inf, -np.inf), adjusted)
    return ndtr(adjusted)


def bca_interval(
    boot: np.ndarray, estimate: float, acceleration: float, probs: Sequence[float]
) -> tuple[np.ndarray, float]:
    """BCa limits at cumulative probabilities ``probs`` (quantile type 8, as R's ``bcaconfvalues``).

    Returns the limits and the bias correction ``z0`` (see :func:`bias_correction`).

    Examples
    --------
    >>> import numpy as np
    >>> boot = np.random.default_rng(1).normal(10.0, 1.0, 4000)
    >>> limits, z0 = bca_interval(boot, 10.0, 0.0, [0.025, 0.975])
    >>> bool(np.allclose(limits, np.quantile(boot, [0.025, 0.975], method="median_unbiased"), atol=0.05))
    True
    """
    b = np.asarray(boot, dtype=float)
    b = b[np.isfinite(b)]
    p = np.asarray(probs, dtype=float)
    if b.size == 0 or not math.isfinite(acceleration):
        return np.full(p.shape, np.nan), math.nan
    z0 = bias_correction(b, estimate)
    if not math.isfinite(z0):
        return np.full(p.shape, np.nan), z0
    zq = bca_probabilities(z0, acceleration, p)
    return np.quantile(b, zq, method="median_unbiased"), z0


def bca_extreme_note(
    z0: float, acceleration: float, level: float, n_replicates: int, what: str
) -> str | None:
    """A warning when a BCa limit is read beyond the most extreme of ``n_replicates``.

    A large bias correction or acceleration moves the quantile BCa reads far into a tail
    (``Phi(2 z0 - 1.96)`` for the lower limit when ``a = 0``); past ``1 / n`` the limit is
    simply the smallest (or largest) replicate and says little. ``None`` when both limits
    are resolved.

    Examples
    --------
    >>> bca_extreme_note(0.0, 0.0, 0.95, 1000, "estimate") is None
    True
    >>> bca_extreme_note(-0.8, 0.0, 0.95, 500, "estimate")[:36]
    'the BCa lower limit of the estimate '
    """
    if not (math.isfinite(z0) and math.isfinite(acceleration)) or n_replicates < 1:
        return None
    alpha = (1.0 - level) / 2.0
    lo, hi = bca_probabilities(z0, acceleration, [alpha, 1.0 - alpha])
    edge = 1.0 / n_replicates
    sides = [
        name for name, p, out in (("lower", lo, lo < edge), ("upper", hi, hi > 1 - edge)) if out
    ]
    if not sides:
        return None
    p = lo if sides[0] == "lower" else hi
    return (
        f"the BCa {sides[0]} limit of the {what} is read at the {p:.5f} quantile of "
        f"{n_replicates} replicates (bias correction {z0:.2f}), beyond the most extreme "
        "replicate, so it is that replicate: more bootstrap replicates would resolve it"
    )


def bca_confidence(boot: np.ndarray, z0: float, acceleration: float, threshold: float) -> float:
    """The BCa confidence distribution at ``threshold``: the level ``alpha`` at which the
    one-sided BCa limit equals ``threshold``.

    With ``u`` the share of replicates at or below the threshold and ``w = Phi^-1(u) - z0``,
    ``alpha = Phi(w / (1 + a w) - z0)`` (the inverse of the BCa map). With ``z0 = a = 0`` it is
    the share of replicates, the percentile method's answer.

    Examples
    --------
    >>> import numpy as np
    >>> boot = np.random.default_rng(2).normal(0.0, 1.0, 10000)
    >>> p = bca_confidence(boot, 0.0, 0.0, 0.0)      # no correction: the share of replicates
    >>> bool(abs(p - np.mean(boot <= 0.0)) < 1e-12)
    True
    """
    b = np.asarray(boot, dtype=float)
    b = b[np.isfinite(b)]
    if b.size == 0:
        return math.nan
    u = float(np.mean(b <= threshold))
    if u <= 0.0 or u >= 1.0:
        return u
    w = float(ndtri(u)) - z0
    denom = 1.0 + acceleration * w
    if denom <= 0:
        return 0.0 if w < 0 else 1.0
    return float(ndtr(w / denom - z0))


def bca_matched_draws(
    boot: np.ndarray, z0: float, acceleration: float, size: int, rng: np.random.Generator
) -> np.ndarray:
    """Draws from the BCa confidence distribution: their percentile interval is the BCa
    interval (up to Monte Carlo error).

    A uniform ``u`` is mapped through the BCa map ``u -> Phi(z0 + (z0 + z_u) / (1 - a (z0 +
    z_u)))`` and read off the bootstrap distribution. Used where a BCa estimate meets an
    estimate of another kind (a posterior, an interval only), so that each contributes the
    distribution its own interval came from.
    """
    b = np.asarray(boot, dtype=float)
    b = b[np.isfinite(b)]
    u = np.clip(rng.uniform(size=size), 1e-12, 1.0 - 1e-12)
    q = bca_probabilities(z0, acceleration, u)
    return np.quantile(b, q, method="median_unbiased")
