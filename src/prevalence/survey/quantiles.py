"""Weighted quantile rules of R's ``svyquantile`` (survey >= 4.1, ``qrule=``).

Each rule takes values ``x``, weights ``w`` (zero weights dropped) and a probability ``p``
and returns the estimated quantile, as R's ``qrule_*`` functions in ``R/qrule.R``: ``math``
(``hf1``, the default: the smallest value whose cumulative weight share reaches ``p``),
``school`` (``hf2``: the average of the two values at an exact boundary), ``hf3`` and the
continuous rules ``hf4`` to ``hf9`` and ``shahvaish``, interpolated as R's ``approx``
(``rule=2``: constant beyond the ends). The interval methods are in
:meth:`prevalence.survey.base.Design.quantile` (Woodruff's, Francisco and Fuller's score
interval, replicate quantiles); :func:`zeroin` is the root finder R's ``uniroot`` uses, which
the score interval needs.

Examples
--------
>>> import numpy as np
>>> x, w = np.array([3.0, 1.0, 2.0, 4.0]), np.ones(4)
>>> float(quantile_rule("math")(x, w, 0.5)), float(quantile_rule("school")(x, w, 0.5))
(2.0, 2.5)
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

__all__ = ["QRULES", "quantile_rule", "zeroin"]

Rule = Callable[[np.ndarray, np.ndarray, float], float]


def _nonzero(x: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    keep = w != 0
    return x[keep], w[keep]


def _r_cumsum(w: np.ndarray) -> np.ndarray:
    """Cumulative sums as R's ``cumsum`` forms them: accumulated in extended precision
    (``long double``) and rounded to double at each element. Which value a discrete rule
    picks hangs on ``cumw <= p * total`` at exact ties (equal weights, an even count), so the
    rounding must be R's."""
    return np.cumsum(w.astype(np.longdouble)).astype(float)


def _r_sum(w: np.ndarray) -> float:
    """R's ``sum``: sequential, in extended precision."""
    return float(np.cumsum(w.astype(np.longdouble))[-1])


def _r_mean(w: np.ndarray) -> float:
    """R's ``mean`` of doubles: the extended-precision sum over n, corrected by the mean of
    the residuals (a second pass)."""
    ld = w.astype(np.longdouble)
    m = np.cumsum(ld)[-1] / ld.size
    return float(m + np.cumsum(ld - m)[-1] / ld.size)


def _qs(x: np.ndarray, w: np.ndarray, p: float) -> tuple[float, float, int, float, float]:
    """R's ``qs``: the values and weight shares either side of ``p``."""
    order = np.argsort(x, kind="stable")
    xs, cumw = x[order], _r_cumsum(w[order])
    total = _r_sum(w)
    below = np.flatnonzero(cumw <= p * total)
    pos = int(below[-1]) if below.size else 0  # R's last(): 1 (the first) when none
    nxt = pos if pos == xs.size - 1 else pos + 1
    return xs[pos], xs[nxt], pos + 1, p - cumw[pos] / total, cumw[nxt] / total - p


def _math(x: np.ndarray, w: np.ndarray, p: float) -> float:
    x, w = _nonzero(x, w)
    qlow, qup, _, wlow, _ = _qs(x, w, p)
    return float(qlow if wlow <= 0 else qup)


def _school(x: np.ndarray, w: np.ndarray, p: float) -> float:
    x, w = _nonzero(x, w)
    qlow, qup, _, wlow, _ = _qs(x, w, p)
    return float((qlow + qup) / 2 if wlow <= 0 else qup)


def _hf3(x: np.ndarray, w: np.ndarray, p: float) -> float:
    x, w = _nonzero(x, w)
    values, inverse = np.unique(x, return_inverse=True)
    sums = np.bincount(inverse, weights=w)
    qlow, qup, ilow, wlow, _ = _qs(values, sums, p)
    return float(qlow if (wlow <= 0 and ilow % 2 == 0) else qup)


def _hf4(x: np.ndarray, w: np.ndarray, p: float) -> float:
    x, w = _nonzero(x, w)
    qlow, qup, _, wlow, wup = _qs(x, w, p)
    gamma = wlow / (wup + wlow)
    return float(qlow * (1 - gamma) + qup * gamma)


def _interpolated(
    positions: Callable[[np.ndarray, np.ndarray], np.ndarray], constant: bool = False
) -> Callable[[np.ndarray, np.ndarray, float], float]:
    def rule(x: np.ndarray, w: np.ndarray, p: float) -> float:
        x, w = _nonzero(x, w)
        if x.size == 1:
            return float(x[0])
        order = np.argsort(x, kind="stable")
        xs, ws = x[order], w[order]
        pk = positions(xs, ws)
        # R's approx() first sorts the knots and averages values at tied knots
        # (regularize.values, ties = mean); Shah-Vaish positions need not be increasing
        knots, inverse = np.unique(pk, return_inverse=True)
        if knots.size != pk.size or np.any(np.diff(pk) < 0):
            xs = np.bincount(inverse, weights=xs) / np.bincount(inverse)
            pk = knots
        if constant:  # approx(method="constant", f=0, rule=2): the value at the left knot
            i = int(np.searchsorted(pk, p, side="right")) - 1
            return float(xs[min(max(i, 0), xs.size - 1)])
        return float(np.interp(p, pk, xs))  # np.interp is constant beyond the ends, as rule=2

    return rule


def _hf5(xs: np.ndarray, ws: np.ndarray) -> np.ndarray:
    cumw = _r_cumsum(ws)
    return (cumw - ws / 2) / cumw[-1]


def _hf6(xs: np.ndarray, ws: np.ndarray) -> np.ndarray:
    cumw = _r_cumsum(ws)
    return cumw / (cumw[-1] + ws[-1])


def _hf7(xs: np.ndarray, ws: np.ndarray) -> np.ndarray:
    cumw = _r_cumsum(ws)
    return np.concatenate([[0.0], cumw[:-1]]) / cumw[-2]


def _hf8(xs: np.ndarray, ws: np.ndarray) -> np.ndarray:
    cumw = _r_cumsum(ws)
    return (np.concatenate([[0.0], cumw[:-1]]) / 3 + cumw * 2 / 3) / (cumw[-1] + ws[-1] / 3)


def _hf9(xs: np.ndarray, ws: np.ndarray) -> np.ndarray:
    cumw = _r_cumsum(ws)
    return (np.concatenate([[0.0], cumw[:-1]]) * 3 / 8 + cumw * 5 / 8) / (cumw[-1] + ws[-1] / 4)


def _shahvaish(xs: np.ndarray, ws: np.ndarray) -> np.ndarray:
    n = xs.size
    s = _r_cumsum(ws / _r_mean(ws))
    return (s + 0.5 - ws / 2) / (n + 1)


QRULES: dict[str, Rule] = {
    "math": _math,
    "hf1": _math,
    "school": _school,
    "hf2": _school,
    "hf3": _hf3,
    "hf4": _hf4,
    "hf5": _interpolated(_hf5),
    "hf6": _interpolated(_hf6),
    "hf7": _interpolated(_hf7),
    "hf8": _interpolated(_hf8),
    "hf9": _interpolated(_hf9),
    "shahvaish": _interpolated(_shahvaish, constant=True),
}


def quantile_rule(name: str) -> Rule:
    """The rule called ``name`` (R's ``qrule=``); ValueError naming the known rules."""
    if name not in QRULES:
        raise ValueError(f"qrule must be one of {sorted(QRULES)}, got {name!r}")
    return QRULES[name]


def zeroin(
    f: Callable[[float], float],
    lower: float,
    upper: float,
    tol: float,
    maxiter: int = 1000,
) -> float:
    """A root of ``f`` in ``[lower, upper]`` by Brent's method, step for step as R's
    ``uniroot`` (its C routine ``zeroin2``): the same interpolation choices, the same
    minimum step ``2 eps |b| + tol/2`` and the same stopping rule.

    Hand-written rather than scipy's ``brentq`` because the score interval of a quantile
    searches a step function: where the search stops on a flat stretch decides which data
    value the interval limit becomes, so matching R means taking R's steps. Returns NaN when
    ``f`` has the same sign at both ends (R stops with an error there).

    Examples
    --------
    >>> round(zeroin(lambda x: x * x - 2, 0.0, 2.0, 1e-10), 9)
    1.414213562
    """
    eps = np.finfo(float).eps
    a, b = float(lower), float(upper)
    fa, fb = float(f(a)), float(f(b))
    if fa == 0.0:
        return a
    if fb == 0.0:
        return b
    if fa * fb > 0:
        return math.nan
    c, fc = a, fa
    for _ in range(maxiter + 1):
        previous_step = b - a
        if abs(fc) < abs(fb):  # keep b the best guess so far, c the other end of the bracket
            a, b, c = b, c, b
            fa, fb, fc = fb, fc, fb
        tol_act = 2 * eps * abs(b) + tol / 2
        new_step = (c - b) / 2
        if abs(new_step) <= tol_act or fb == 0.0:
            return b
        if abs(previous_step) >= tol_act and abs(fa) > abs(fb):
            cb = c - b
            if a == c:  # two points: the secant
                t1 = fb / fa
                p, q = cb * t1, 1.0 - t1
            else:  # three points: inverse quadratic interpolation
                q, t1, t2 = fa / fc, fb / fc, fb / fa
                p = t2 * (cb * q * (q - t1) - (b - a) * (t1 - 1.0))
                q = (q - 1.0) * (t1 - 1.0) * (t2 - 1.0)
            if p > 0:
                q = -q
            else:
                p = -p
            if p < 0.75 * cb * q - abs(tol_act * q) / 2 and p < abs(previous_step * q / 2):
                new_step = p / q
        if abs(new_step) < tol_act:
            new_step = tol_act if new_step > 0 else -tol_act
        a, fa = b, fb
        b += new_step
        fb = float(f(b))
        if (fb > 0 and fc > 0) or (fb < 0 and fc < 0):
            c, fc = a, fa
    return b
