"""Weighted quantile rules of R's ``svyquantile`` (survey >= 4.1, ``qrule=``).

Each rule takes values ``x``, weights ``w`` (zero weights dropped) and a probability ``p``
and returns the estimated quantile, as R's ``qrule_*`` functions in ``R/qrule.R``: ``math``
(``hf1``, the default: the smallest value whose cumulative weight share reaches ``p``),
``school`` (``hf2``: the average of the two values at an exact boundary), ``hf3`` and the
continuous rules ``hf4`` to ``hf9`` and ``shahvaish``, interpolated as R's ``approx``
(``rule=2``: constant beyond the ends). The interval methods are in
:meth:`prevalence.survey.base.Design.quantile` (Woodruff's).

Examples
--------
>>> import numpy as np
>>> x, w = np.array([3.0, 1.0, 2.0, 4.0]), np.ones(4)
>>> float(quantile_rule("math")(x, w, 0.5)), float(quantile_rule("school")(x, w, 0.5))
(2.0, 2.5)
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["QRULES", "quantile_rule"]

Rule = Callable[[np.ndarray, np.ndarray, float], float]


def _nonzero(x: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    keep = w != 0
    return x[keep], w[keep]


def _qs(x: np.ndarray, w: np.ndarray, p: float) -> tuple[float, float, int, float, float]:
    """R's ``qs``: the values and weight shares either side of ``p``."""
    order = np.argsort(x, kind="stable")
    xs, cumw = x[order], np.cumsum(w[order])
    total = cumw[-1]
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


def _interpolated(positions: Callable[[np.ndarray, np.ndarray], np.ndarray], constant=False):
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
            i = np.searchsorted(pk, p, side="right") - 1
            return float(xs[min(max(i, 0), xs.size - 1)])
        return float(np.interp(p, pk, xs))  # np.interp is constant beyond the ends, as rule=2

    return rule


def _hf5(xs: np.ndarray, ws: np.ndarray) -> np.ndarray:
    cumw = np.cumsum(ws)
    return (cumw - ws / 2) / cumw[-1]


def _hf6(xs: np.ndarray, ws: np.ndarray) -> np.ndarray:
    cumw = np.cumsum(ws)
    return cumw / (cumw[-1] + ws[-1])


def _hf7(xs: np.ndarray, ws: np.ndarray) -> np.ndarray:
    cumw = np.cumsum(ws)
    return np.concatenate([[0.0], cumw[:-1]]) / cumw[-2]


def _hf8(xs: np.ndarray, ws: np.ndarray) -> np.ndarray:
    cumw = np.cumsum(ws)
    return (np.concatenate([[0.0], cumw[:-1]]) / 3 + cumw * 2 / 3) / (cumw[-1] + ws[-1] / 3)


def _hf9(xs: np.ndarray, ws: np.ndarray) -> np.ndarray:
    cumw = np.cumsum(ws)
    return (np.concatenate([[0.0], cumw[:-1]]) * 3 / 8 + cumw * 5 / 8) / (cumw[-1] + ws[-1] / 4)


def _shahvaish(xs: np.ndarray, ws: np.ndarray) -> np.ndarray:
    n = xs.size
    s = np.cumsum(ws / ws.mean())
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
