"""Simulated social networks with a hidden population, and the surveys drawn on them.

* :func:`simulate_network`: a population of people with heterogeneous degrees, some in a
  hidden population (who may have fewer ties, a barrier effect, and prefer each other,
  homophily) and some in groups of known size; ties drawn as a Chung-Lu graph.
* :class:`ScaleUpScenario`: a general-population sample asked "how many X do you know?" on
  such a network (ties to the hidden population reported with a transmission rate), for
  :class:`~prevalence.network.ScaleUp`.
* :class:`RDSScenario`: a respondent-driven sample recruited through the network's ties
  (coupons, waves, seeds possibly chosen with a bias), for :class:`~prevalence.network.RDS`
  (the truth the trait's prevalence) or :class:`~prevalence.network.SSPSE` (the truth the
  population size, ``target="size"``).
* :class:`SuccessiveSampleScenario`: SS-PSE's own model, a successive sample (without
  replacement, probability proportional to degree) from a population whose degrees follow a
  Conway-Maxwell-Poisson distribution and whose size may be drawn from a prior.

Both are scenarios for :func:`prevalence.study`: ``scenario(rng) -> (data, truth)``. With
``population_seed`` the population is drawn once and every replicate is a new sample from
it (a finite-population study); without it every replicate draws a new population.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.special import gammaln

from ..core.errors import DataError
from ..core.random import as_generator

__all__ = [
    "NetworkPopulation",
    "simulate_network",
    "ScaleUpScenario",
    "RDSScenario",
    "SuccessiveSampleScenario",
    "VisibilitySampleScenario",
    "cmp_probabilities",
]


@dataclass(frozen=True)
class NetworkPopulation:
    """A simulated population and its ties.

    Attributes
    ----------
    adjacency : scipy.sparse.csr_matrix
        Symmetric 0/1 adjacency matrix (no self-ties).
    hidden : ndarray of bool
        Membership of the hidden population.
    known : DataFrame
        One boolean column per known population.
    """

    adjacency: sparse.csr_matrix
    hidden: np.ndarray
    known: pd.DataFrame

    @property
    def size(self) -> int:
        return int(self.hidden.size)

    @property
    def degree(self) -> np.ndarray:
        return np.asarray(self.adjacency.sum(axis=1)).ravel()


def simulate_network(
    size: int,
    hidden_size: int,
    known_sizes: Mapping[str, int],
    *,
    mean_degree: float = 50.0,
    degree_shape: float = 2.0,
    degree_ratio: float = 1.0,
    homophily: float = 1.0,
    seed: Any = None,
) -> NetworkPopulation:
    """A Chung-Lu network with a hidden population and known populations.

    Parameters
    ----------
    size : int
        Population size.
    hidden_size : int
        Members of the hidden population (chosen at random).
    known_sizes : mapping of str to int
        Sizes of the known populations (members chosen at random, independent of the hidden
        population and of degree: the random-mixing assumption holds for them).
    mean_degree : float
        Average number of ties.
    degree_shape : float
        Gamma shape of the expected degrees (smaller: more unequal).
    degree_ratio : float
        Hidden members' expected degree relative to everyone else's (barrier effect when
        below 1).
    homophily : float
        Odds of a tie between two hidden members relative to a mixed pair (1: none).
    seed : int, Generator or None
        Random numbers.

    Examples
    --------
    >>> pop = simulate_network(2000, 100, {"nurses": 80}, mean_degree=20, seed=1)
    >>> pop.size, int(pop.hidden.sum()), int(pop.known["nurses"].sum())
    (2000, 100, 80)
    """
    rng = as_generator(seed)
    if not 0 < hidden_size < size:
        raise DataError(f"hidden_size must lie between 0 and size ({size}), got {hidden_size}")
    for name, k in known_sizes.items():
        if not 0 < k < size:
            raise DataError(f"known population {name!r}: size {k} must lie between 0 and {size}")
    hidden = np.zeros(size, dtype=bool)
    hidden[rng.choice(size, hidden_size, replace=False)] = True
    known = pd.DataFrame(
        {
            name: np.isin(np.arange(size), rng.choice(size, k, replace=False))
            for name, k in known_sizes.items()
        }
    )
    weight = rng.gamma(degree_shape, mean_degree / degree_shape, size)
    weight[hidden] *= degree_ratio
    total = weight.sum()
    p = weight / total
    # endpoints proportional to weight: E[degree_i] ~ weight_i; hidden-hidden pairs kept
    # always, others with probability 1 / homophily (then oversampled to keep the mean)
    keep_other = 1.0 / max(homophily, 1.0)
    share_hh = (weight[hidden].sum() / total) ** 2
    inflate = 1.0 / (share_hh + (1 - share_hh) * keep_other)
    m = rng.poisson(total / 2.0 * inflate)
    u = rng.choice(size, m, p=p)
    v = rng.choice(size, m, p=p)
    both_hidden = hidden[u] & hidden[v]
    keep = (u != v) & (both_hidden | (rng.random(m) < keep_other))
    u, v = u[keep], v[keep]
    a = sparse.coo_matrix((np.ones(u.size), (u, v)), shape=(size, size)).tocsr()
    a = a + a.T
    a.data[:] = 1.0  # collapse multiple ties
    a.setdiag(0)
    a.eliminate_zeros()
    return NetworkPopulation(a.tocsr(), hidden, known)


class _FixedPopulation:
    """The population of a scenario: drawn once from ``population_seed`` (every replicate a
    new sample of it), or anew for every replicate when there is none."""

    population_seed: int | None
    _population: NetworkPopulation | None

    def _draw(self, rng: np.random.Generator) -> NetworkPopulation:
        raise NotImplementedError

    def population(self, rng: np.random.Generator | None = None) -> NetworkPopulation:
        """The network a replicate samples from."""
        if self.population_seed is None:
            return self._draw(rng if rng is not None else np.random.default_rng())
        if self._population is None:
            self._population = self._draw(np.random.default_rng(self.population_seed))
        return self._population


@dataclass
class ScaleUpScenario(_FixedPopulation):
    """Network scale-up answers from a simulated network, with known hidden-population size.

    Respondents are a simple random sample of ``respondents`` people; each reports how many
    members of each known population and of the hidden population they know (a tie to a
    hidden member is reported with probability ``transmission``). The truth is the hidden
    population's size.

    Parameters
    ----------
    size, hidden_size, known_sizes, mean_degree, degree_shape, degree_ratio, homophily
        The network (see :func:`simulate_network`).
    respondents : int
        Sample size.
    transmission : float
        Probability that a respondent knows an acquaintance belongs to the hidden population.
    population_seed : int, optional
        Draw the network once from this seed; every replicate then samples respondents from it.
    hidden_respondents : int
        With a positive number, a simple random sample of that many hidden members also
        answers the visibility questions (how many members of each known population know
        they are hidden, each tie aware with probability ``transmission``), and the data are
        ``(frame sample, hidden sample)`` for
        :class:`~prevalence.network.GeneralizedScaleUp`.

    Examples
    --------
    >>> scenario = ScaleUpScenario(5000, 100, {"a": 200, "b": 300}, respondents=300,
    ...                            mean_degree=30, population_seed=1)
    >>> data, truth = scenario(np.random.default_rng(2))
    >>> list(data.columns), truth
    (['a', 'b', 'hidden'], 100.0)
    """

    size: int
    hidden_size: int
    known_sizes: Mapping[str, int]
    respondents: int = 500
    mean_degree: float = 50.0
    degree_shape: float = 2.0
    degree_ratio: float = 1.0
    homophily: float = 1.0
    transmission: float = 1.0
    population_seed: int | None = None
    hidden_respondents: int = 0
    _population: NetworkPopulation | None = field(default=None, init=False, repr=False)

    def _draw(self, rng: np.random.Generator) -> NetworkPopulation:
        return simulate_network(
            self.size,
            self.hidden_size,
            self.known_sizes,
            mean_degree=self.mean_degree,
            degree_shape=self.degree_shape,
            degree_ratio=self.degree_ratio,
            homophily=self.homophily,
            seed=rng,
        )

    def __call__(self, rng: np.random.Generator) -> tuple[Any, float]:
        pop = self.population(rng)
        sample = rng.choice(pop.size, self.respondents, replace=False)
        rows = pop.adjacency[sample]
        known = pd.DataFrame(
            rows @ pop.known.to_numpy(dtype=float), columns=list(pop.known.columns)
        ).astype(int)
        ties = np.asarray(rows @ pop.hidden.astype(float)).ravel().astype(int)
        known["hidden"] = rng.binomial(ties, self.transmission)
        if self.hidden_respondents <= 0:
            return known, float(pop.hidden.sum())
        members = np.flatnonzero(pop.hidden)
        chosen = rng.choice(members, min(self.hidden_respondents, members.size), replace=False)
        ties_to_known = np.asarray(pop.adjacency[chosen] @ pop.known.to_numpy(dtype=float))
        visible = pd.DataFrame(
            rng.binomial(ties_to_known.astype(int), self.transmission),
            columns=list(pop.known.columns),
        )
        return (known, visible), float(pop.hidden.sum())


@dataclass
class RDSScenario(_FixedPopulation):
    """A respondent-driven sample recruited through a simulated network.

    Seeds are drawn at random (with probability ∝ ``1 + seed_bias`` for members of the
    trait group, ∝ 1 for others); each respondent, in order of recruitment, passes
    ``coupons`` coupons to randomly chosen acquaintances not yet in the sample, each coupon
    returned with probability ``return_rate``; a new seed is drawn when recruitment dies out.
    The truth is the trait's prevalence in the population (``target="prevalence"``) or the
    population's size (``target="size"``, for population size estimation from the sample).

    Parameters
    ----------
    size : int
        Population size.
    prevalence : float
        Share of the population with the trait.
    sample_size : int
        Respondents to recruit.
    seeds : int
        Initial seeds.
    coupons : int
        Coupons per respondent.
    return_rate : float
        Probability that a coupon brings a recruit.
    mean_degree, degree_shape : float
        Degree distribution (see :func:`simulate_network`).
    activity : float
        Trait members' expected degree relative to others (differential activity).
    homophily : float
        Odds of a tie within the trait group relative to a mixed pair.
    seed_bias : float
        Extra weight of trait members among the seeds (seed dependence).
    population_seed : int, optional
        Draw the network once from this seed.
    target : {"prevalence", "size"}
        What the replicate's truth is.
    """

    size: int
    prevalence: float
    sample_size: int
    seeds: int = 10
    coupons: int = 3
    return_rate: float = 0.7
    mean_degree: float = 10.0
    degree_shape: float = 2.0
    activity: float = 1.0
    homophily: float = 1.0
    seed_bias: float = 0.0
    population_seed: int | None = None
    target: str = "prevalence"
    _population: NetworkPopulation | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.target not in ("prevalence", "size"):
            raise DataError(f"target must be 'prevalence' or 'size', got {self.target!r}")

    def _draw(self, rng: np.random.Generator) -> NetworkPopulation:
        return simulate_network(
            self.size,
            max(1, int(round(self.prevalence * self.size))),
            {},
            mean_degree=self.mean_degree,
            degree_shape=self.degree_shape,
            degree_ratio=self.activity,
            homophily=self.homophily,
            seed=rng,
        )

    def __call__(self, rng: np.random.Generator) -> tuple[pd.DataFrame, float]:
        pop = self.population(rng)
        a = pop.adjacency
        deg = pop.degree
        eligible = deg > 0
        trait = pop.hidden
        in_sample = np.zeros(pop.size, dtype=bool)
        order: list[int] = []
        recruiter: list[int] = []

        def new_seed() -> bool:
            cand = np.flatnonzero(eligible & ~in_sample)
            if cand.size == 0:
                return False
            w = 1.0 + self.seed_bias * trait[cand]
            s = int(rng.choice(cand, p=w / w.sum()))
            in_sample[s] = True
            order.append(s)
            recruiter.append(-1)
            return True

        for _ in range(min(self.seeds, self.sample_size)):
            new_seed()
        head = 0
        while len(order) < self.sample_size:
            if head >= len(order):
                if not new_seed():
                    break
                continue
            r = order[head]
            head += 1
            nbrs = a.indices[a.indptr[r] : a.indptr[r + 1]]
            free = nbrs[~in_sample[nbrs]]
            if free.size == 0:
                continue
            chosen = rng.choice(free, min(self.coupons, free.size), replace=False)
            chosen = chosen[rng.random(chosen.size) < self.return_rate]
            for c in chosen:
                if len(order) >= self.sample_size:
                    break
                in_sample[c] = True
                order.append(int(c))
                recruiter.append(r)
        ids = np.array(order)
        data = pd.DataFrame(
            {
                "id": ids.astype(str),
                "recruiter.id": [("seed" if r < 0 else str(r)) for r in recruiter],
                "degree": deg[ids].astype(int),
                "trait": trait[ids].astype(int),
            }
        )
        return data, float(trait.size if self.target == "size" else trait.mean())


def cmp_probabilities(log_lambda: float, nu: float, top: int) -> np.ndarray:
    """Conway-Maxwell-Poisson probabilities of the sizes ``1..top`` (the distribution on the
    positive whole numbers, ``P(k) ∝ lambda^k / (k!)^nu``; ``top`` large enough that the mass
    beyond it is negligible).

    Examples
    --------
    >>> p = cmp_probabilities(np.log(5.0), 1.0, 200)
    >>> round(float(p @ np.arange(1, 201)), 3)  # a Poisson(5) given at least 1
    5.034
    """
    k = np.arange(1, top + 1)
    logs = k * log_lambda - nu * gammaln(k + 1.0)
    w = np.exp(logs - logs.max())
    return w / w.sum()


@dataclass
class SuccessiveSampleScenario:
    """SS-PSE's model as a scenario: a population of ``N`` units whose degrees follow a
    Conway-Maxwell-Poisson distribution, and a successive sample of ``sample_size`` of them
    (drawn one at a time without replacement, each with probability proportional to its
    degree, as Handcock, Gile and Mar 2014 take an RDS sample to be). The truth is ``N``.

    ``N`` is ``size`` when given, otherwise drawn for each replicate from ``size_log_weights``
    (log weights of ``N = sample_size, sample_size + 1, ...``; for example the estimator's own
    prior, :func:`prevalence.network.size_prior_weights`, so that a Bayesian interval's
    coverage averaged over the replicates is its level when the model holds).

    Parameters
    ----------
    sample_size : int
        Units sampled.
    size : int, optional
        Population size (fixed).
    size_log_weights : array, optional
        Log weights of the population size (drawn per replicate).
    log_lambda, nu : float
        The degree distribution (CMP on 1, 2, ...; ``nu < 1`` more dispersed than Poisson).
    max_degree : int
        Largest degree simulated.

    Examples
    --------
    >>> scenario = SuccessiveSampleScenario(100, size=400, log_lambda=np.log(8.0))
    >>> data, truth = scenario(np.random.default_rng(1))
    >>> len(data), truth
    (100, 400.0)
    """

    sample_size: int
    size: int | None = None
    size_log_weights: Any = None
    log_lambda: float = 2.0
    nu: float = 1.0
    max_degree: int = 500

    def __post_init__(self) -> None:
        if (self.size is None) == (self.size_log_weights is None):
            raise DataError("give the population size as size= or size_log_weights=, not both")
        if self.size is not None and self.size < self.sample_size:
            raise DataError(f"size {self.size} is smaller than the sample size {self.sample_size}")
        self._degree_p = cmp_probabilities(self.log_lambda, self.nu, self.max_degree)
        if self.size_log_weights is not None:
            w = np.asarray(self.size_log_weights, dtype=float)
            w = np.exp(w - w.max())
            self._size_p = w / w.sum()

    def _draw_size(self, rng: np.random.Generator) -> int:
        """The population size: ``size``, or a draw from ``size_log_weights``."""
        if self.size is not None:
            return int(self.size)
        return self.sample_size + int(rng.choice(self._size_p.size, p=self._size_p))

    def __call__(self, rng: np.random.Generator) -> tuple[pd.DataFrame, float]:
        N = self._draw_size(rng)
        degree = 1 + rng.choice(self.max_degree, size=N, p=self._degree_p)
        # successive sampling proportional to degree is the order of Exp(1) / degree
        keys = rng.exponential(size=N) / degree
        order = np.argsort(keys)[: self.sample_size]
        return pd.DataFrame({"degree": degree[order]}), float(N)


@dataclass
class VisibilitySampleScenario(SuccessiveSampleScenario):
    """SS-PSE's measurement-error model as a scenario (``SSPSE(visibility=True)``): every unit
    has a visibility (Conway-Maxwell-Poisson, capped at ``K``), the sample is drawn
    successively with probability proportional to visibility, each respondent reports a
    degree around their visibility (negative binomial with mean the visibility and variance
    ``overdispersion`` times it, localised by ``exp(-|degree - visibility| / scale)``) and
    recruits a Poisson number of others with log rate ``beta[0] + beta[1] log(position) +
    beta[2] log(visibility)``, at most ``coupons``. The data have ``degree``, ``recruits``
    and the true ``visibility``; the truth is ``N``.

    Examples
    --------
    >>> scenario = VisibilitySampleScenario(100, size=400, log_lambda=np.log(8.0))
    >>> data, truth = scenario(np.random.default_rng(1))
    >>> list(data.columns), int(data["recruits"].max()) <= 2, truth
    (['degree', 'recruits', 'visibility'], True, 400.0)
    """

    K: int = 35
    overdispersion: float = 15.0
    scale: float = 2.0
    beta: tuple[float, float, float] = (-0.5, -0.1, 0.5)
    coupons: int = 2

    def __post_init__(self) -> None:
        super().__post_init__()
        from ..network.sspse import reported_degree_probabilities

        if self.overdispersion <= 1.0 or self.scale <= 0.0 or self.coupons < 1 or self.K < 2:
            raise DataError(
                "VisibilitySampleScenario needs overdispersion > 1, scale > 0, coupons >= 1 "
                f"and K >= 2, got {self.overdispersion}, {self.scale}, {self.coupons}, {self.K}"
            )
        probabilities = reported_degree_probabilities(
            self.K, 10 * self.K, self.overdispersion, scale=self.scale
        )
        self._reported_cdf = np.cumsum(probabilities, axis=1)

    def __call__(self, rng: np.random.Generator) -> tuple[pd.DataFrame, float]:
        N = self._draw_size(rng)
        visibility = np.minimum(1 + rng.choice(self.max_degree, size=N, p=self._degree_p), self.K)
        keys = rng.exponential(size=N) / visibility  # successive sampling by visibility
        u = visibility[np.argsort(keys)[: self.sample_size]]
        cdf = self._reported_cdf[u - 1]
        reported = 1 + (cdf < rng.random(u.size)[:, None]).sum(axis=1)
        position = np.arange(1.0, u.size + 1.0)
        rate = np.exp(self.beta[0] + self.beta[1] * np.log(position) + self.beta[2] * np.log(u))
        recruits = np.minimum(rng.poisson(rate), self.coupons)
        data = pd.DataFrame({"degree": reported, "recruits": recruits, "visibility": u})
        return data, float(N)
