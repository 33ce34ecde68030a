"""Inclusion probabilities under successive sampling (Gile 2011), by simulation.

Under successive sampling a population of ``N`` units is sampled without replacement with
probability proportional to degree. Gile's estimator needs each degree's inclusion
probability in a sample of ``n``; it has no closed form, so (as R's ``RDS``) it is simulated:
a population is built with the estimated number of units of each degree, ``samples``
successive samples of ``n`` are drawn from it, and the share of draws falling on each degree
gives its inclusion probability. The population's composition and the probabilities are
then updated in turn a few times (a fixed-point iteration).

The simulation loop cannot be vectorised (each draw changes the next draw's probabilities),
so it is compiled with numba. The algorithm follows ``RDS``'s ``getestCstacked`` and
``getinclCstacked`` step by step, so that R's setting (500 samples per iteration) reproduces
R's spread across seeds; more samples give the same quantity with less Monte Carlo noise.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba as nb
import numpy as np

__all__ = ["SuccessiveSampling", "successive_sampling"]

#: R's ``control.rds.estimates()$SS.infinity`` (0.01; ``gile.ss.weights`` alone defaults to
#: 0.04, but every estimator passes the control value): below this sampling fraction the
#: successive-sampling weights are those of RDS-II (sampling with replacement).
SS_INFINITY = 0.01


@nb.njit(cache=True)
def adjust_class_counts(
    nbyclass: np.ndarray, props2: np.ndarray, offby: int, N: int, u: np.ndarray
) -> None:  # pragma: no cover - compiled
    """Add or remove ``|offby|`` units, class drawn with probability ∝ the rounding error."""
    K = nbyclass.size
    dif = np.empty(K)
    if offby > 0:
        for t in range(offby):
            total = 0.0
            for j in range(K):
                d = props2[j] - nbyclass[j] / N
                dif[j] = d if d > 0.0 else 0.0
                total += dif[j]
            r = u[t] * total
            acc = 0.0
            for j in range(K):
                acc += dif[j]
                if r <= acc:
                    break
            nbyclass[j] += 1
    elif offby < 0:
        for t in range(-offby):
            total = 0.0
            for j in range(K):
                d = nbyclass[j] / N - props2[j]
                dif[j] = d if (d > 0.0 and nbyclass[j] != 1) else 0.0
                total += dif[j]
            if total == 0.0:
                for j in range(K):
                    d = 1.0 - (props2[j] - nbyclass[j] / N)
                    dif[j] = 0.0 if nbyclass[j] == 1 else d
                    total += dif[j]
            r = u[t] * total
            acc = 0.0
            for j in range(K):
                acc += dif[j]
                if r <= acc:
                    break
            nbyclass[j] -= 1


@nb.njit(cache=True)
def _draw_counts(
    nbyclass: np.ndarray, classes: np.ndarray, n: int, u: np.ndarray
) -> np.ndarray:  # pragma: no cover - compiled
    """How often each class is drawn in ``u.shape[0]`` successive samples of ``n``.

    ``u`` holds one uniform per draw (samples x n).
    """
    K = nbyclass.size
    mass0 = classes * nbyclass
    mass0 = mass0 / mass0.sum()
    counts = np.zeros(K, dtype=np.int64)
    p = np.empty(K)
    left = np.empty(K, dtype=np.int64)
    for s in range(u.shape[0]):
        for j in range(K):
            p[j] = mass0[j]
            left[j] = nbyclass[j]
        total = 1.0
        for i in range(n):
            r = total * u[s, i]
            acc = 0.0
            chosen = -1
            last = 0
            for j in range(K):
                if p[j] > 0.0:
                    last = j
                acc += p[j]
                if r <= acc and p[j] > 0.0:
                    chosen = j
                    break
            if chosen < 0:  # rounding left r just above the total mass
                chosen = last
            counts[chosen] += 1
            share = p[chosen] / left[chosen]
            total -= share
            p[chosen] -= share
            left[chosen] -= 1
            if left[chosen] == 0:
                p[chosen] = 0.0
    return counts


@dataclass(frozen=True)
class SuccessiveSampling:
    """Inclusion probabilities by degree class.

    Attributes
    ----------
    classes : ndarray
        Distinct degrees in the sample, ascending.
    probabilities : ndarray
        Estimated inclusion probability of a unit of each degree.
    proportions : ndarray
        Estimated population share of each degree.
    population_size : int
        The population size used.
    simulated : bool
        False when the sampling fraction is below :data:`SS_INFINITY` and the RDS-II
        probabilities were used.
    """

    classes: np.ndarray
    probabilities: np.ndarray
    proportions: np.ndarray
    population_size: int
    simulated: bool

    def weights(self, degrees: np.ndarray) -> np.ndarray:
        """Inverse inclusion probabilities of each respondent, summing to the population size."""
        idx = np.searchsorted(self.classes, degrees)
        w = 1.0 / self.probabilities[idx]
        return self.population_size * w / w.sum()


def _proportions(counts: np.ndarray, probs: np.ndarray) -> np.ndarray:
    props = counts / probs
    return props / props.sum()


def _inclusion(
    classes: np.ndarray,
    props: np.ndarray,
    counts: np.ndarray,
    N: int,
    n: int,
    samples: int,
    rng: np.random.Generator,
) -> np.ndarray:
    props2 = props / props.sum()
    nbyclass = np.round(N * props2).astype(np.int64)  # half to even, as R's round
    nbyclass[nbyclass == 0] = 1
    offby = int(N - nbyclass.sum())
    adjust_class_counts(nbyclass, props2, offby, float(N), rng.random(abs(offby)))
    drawn = np.zeros(classes.size, dtype=np.int64)
    chunk = max(1, 2_000_000 // max(n, 1))
    done = 0
    while done < samples:
        m = min(chunk, samples - done)
        drawn += _draw_counts(nbyclass, classes.astype(float), n, rng.random((m, n)))
        done += m
    # the observed sample counts as one more draw (as RDS's getinclCstacked)
    share = (drawn + counts) / (drawn.sum() + n)
    return n * share / nbyclass


def successive_sampling(
    degrees: np.ndarray,
    population_size: int,
    *,
    samples: int = 2000,
    iterations: int = 5,
    rng: np.random.Generator,
) -> SuccessiveSampling:
    """Successive-sampling inclusion probabilities for a sample with these degrees.

    Parameters
    ----------
    degrees : array
        Positive degrees of the ``n`` respondents.
    population_size : int
        Population size ``N`` (at least ``n``).
    samples : int
        Successive samples simulated per iteration (R's ``number.ss.samples.per.iteration``,
        500 there).
    iterations : int
        Fixed-point iterations after the first (R's ``number.ss.iterations``, 5).
    rng : Generator
        Random numbers for the simulation.

    Examples
    --------
    >>> import numpy as np
    >>> ss = successive_sampling(np.array([2.0, 4.0, 4.0, 8.0]), 20, samples=200,
    ...                          rng=np.random.default_rng(1))
    >>> bool(ss.probabilities[0] < ss.probabilities[-1])
    True
    """
    degrees = np.asarray(degrees, dtype=float)
    n = degrees.size
    N = int(population_size)
    classes, counts = np.unique(degrees, return_counts=True)
    prob = classes / degrees.sum()
    prob = prob * np.sum(counts / prob) / N
    props = _proportions(counts, prob)
    if N * SS_INFINITY < n:
        probs = _inclusion(classes, props, counts, N, n, samples, rng)
        for _ in range(iterations):
            props = _proportions(counts, probs)
            probs = _inclusion(classes, props, counts, N, n, samples, rng)
        simulated = True
    else:
        probs = n * classes / (N * np.sum(props * classes))
        simulated = False
    props = _proportions(counts, probs)
    return SuccessiveSampling(classes, probs, props, N, simulated)
