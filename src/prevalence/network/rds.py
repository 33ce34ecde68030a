"""Respondent-driven sampling (RDS): prevalence in a hidden population recruited through coupons.

Respondents recruit each other, so the sample over-represents people with many ties; the
estimators weight by network size (degree). :class:`RDS` offers RDS-I, RDS-II and Gile's
successive-sampling estimator as R's ``RDS`` 0.9-10 computes them, with the standard error
``RDS`` reports (``EL.se``) or Salganik's bootstrap.
"""

from __future__ import annotations

import copy
import math
import warnings
from typing import Any

import numpy as np
import pandas as pd

from ..core.checks import whole_number
from ..core.errors import DataError, DataWarning, EstimationWarning
from ..core.estimator import Estimator
from ..core.intervals import check_level, normal_quantile
from ..core.random import SeedLike, as_generator
from ..core.results import Estimate
from .details import RDSDetails
from .gile_bootstrap import gile_bootstrap
from .rds_weights import (
    el_std_error,
    population_homophily,
    rds1_weights,
    rds2_weights,
    recruitment_homophily,
    transition_counts,
    weighted_variance,
)
from .recruitment import Recruitment
from .successive import SuccessiveSampling, successive_sampling

__all__ = ["RDS", "RDS_ESTIMATORS", "RDS_INTERVALS"]

#: Estimators: ``"RDS-I"`` (Salganik-Heckathorn), ``"RDS-II"`` (Volz-Heckathorn),
#: ``"SS"`` (Gile's successive sampling; needs ``population_size``).
RDS_ESTIMATORS = ("RDS-I", "RDS-II", "SS")
#: Intervals: ``"el"`` (the standard error R's ``RDS.*.estimates`` report, normal interval),
#: ``"salganik"`` (Salganik's 2006 bootstrap of the recruitment chain; RDS-I and RDS-II) and
#: ``"gile"`` (Gile's 2011 successive-sampling bootstrap; SS), the bootstraps with a normal
#: interval on the bootstrap standard error, as ``RDS.bootstrap.intervals``.
RDS_INTERVALS = ("el", "salganik", "gile")


class RDS(Estimator):
    """Prevalence of a trait in a population sampled by respondent-driven sampling.

    Parameters
    ----------
    outcome : str
        Column with the trait: 0/1 (or booleans), or any values together with ``value``.
    value : optional
        The prevalence is the weighted share of respondents whose ``outcome`` equals it.
    estimator : {"RDS-I", "RDS-II", "SS"}
        See :data:`RDS_ESTIMATORS`.
    population_size : int or Estimate, optional
        Size of the hidden population (required by ``"SS"``); adds the finite-population
        correction to the standard error, as R does. An :class:`Estimate` with draws (for
        example from :class:`~prevalence.network.SSPSE` on the same sample) carries its
        uncertainty into the result: the estimate is computed at ``size_nodes`` quantiles of
        the size's draws, and the interval is that of the mixture of their normal
        distributions (the value is the estimate at the size's median).
    size_nodes : int
        Sizes at which the estimate is computed when ``population_size`` is an estimate.
    id, recruiter, degree : str
        Columns with the respondent's id, the recruiter's id and the reported degree.
    seed_marker : object
        Recruiter value marking a seed (``"seed"``; a missing recruiter also does).
    missing_degree : {"max", "error"}
        Degrees that are zero or missing: replaced by the largest degree with a warning
        (R's rule), or refused.
    interval : {"el", "salganik", "gile"}
        See :data:`RDS_INTERVALS`.
    n_boot : int
        Bootstrap replicates for ``"salganik"`` and ``"gile"`` (R's default 500).
    ss_samples : int
        Successive samples simulated per iteration for the SS weights. R uses 500, whose
        Monte Carlo noise moves the estimate in the fourth digit; 2,000 (the default)
        halves that noise (docs/network.md).
    level : float
        Interval level.
    seed : int, Generator or None
        Seed of the SS simulation and the bootstrap.

    Examples
    --------
    >>> import pandas as pd
    >>> from prevalence.network import RDS
    >>> df = pd.DataFrame({"id": [1, 2, 3, 4, 5, 6], "recruiter.id": ["seed", 1, 1, 2, 2, 3],
    ...                    "degree": [10, 4, 5, 2, 8, 4], "hiv": [1, 0, 1, 0, 0, 1]})
    >>> est = RDS("hiv", estimator="RDS-II").fit(df)
    >>> round(est.value, 3)
    0.386
    """

    input_kinds = ("rds",)
    details_schema = RDSDetails
    #: What the method assumes, in words (the run report's methods section).
    assumptions = (
        "Respondent-driven sampling estimators (RDS-I, RDS-II / Volz-Heckathorn, Gile's "
        "successive sampling; as R RDS). Assume recruitment along network ties, accurately "
        "reported personal network sizes, that the recruitment chains have reached "
        "equilibrium and, for successive sampling, a known population size."
    )

    def __init__(
        self,
        outcome: str,
        value: Any = None,
        *,
        estimator: str = "RDS-II",
        population_size: int | Estimate | None = None,
        id: str = "id",
        recruiter: str = "recruiter.id",
        degree: str = "degree",
        seed_marker: object = "seed",
        missing_degree: str = "max",
        interval: str = "el",
        n_boot: int = 500,
        ss_samples: int = 2000,
        level: float = 0.95,
        seed: SeedLike = None,
        size_nodes: int = 20,
    ) -> None:
        if estimator not in RDS_ESTIMATORS:
            raise ValueError(f"estimator must be one of {RDS_ESTIMATORS}, got {estimator!r}")
        if interval not in RDS_INTERVALS:
            raise ValueError(f"interval must be one of {RDS_INTERVALS}, got {interval!r}")
        if estimator == "SS" and population_size is None:
            raise ValueError("the successive-sampling estimator needs population_size")
        if interval == "salganik" and estimator == "SS":
            raise ValueError(
                "Salganik's bootstrap is for RDS-I and RDS-II; the SS estimator's bootstrap is "
                "Gile's (interval='gile')"
            )
        if interval == "gile" and estimator != "SS":
            raise ValueError("Gile's bootstrap is for the SS estimator (estimator='SS')")
        if isinstance(population_size, Estimate):
            _check_size_estimate(population_size)
            if interval != "el":
                raise ValueError(
                    "with an estimated population_size the interval is the mixture of the "
                    "normal intervals at its draws (interval='el'); a bootstrap at every size "
                    f"is not offered (got interval={interval!r})"
                )
        elif population_size is not None:
            whole_number("population_size", population_size)
        whole_number("size_nodes", size_nodes, 5)
        whole_number("n_boot", n_boot, 2)
        whole_number("ss_samples", ss_samples)
        if missing_degree not in ("max", "error"):
            raise ValueError(f"missing_degree must be 'max' or 'error', got {missing_degree!r}")
        self.outcome = outcome
        self.value = value
        self.estimator = estimator
        self.population_size: int | Estimate | None = (
            population_size
            if population_size is None or isinstance(population_size, Estimate)
            else int(population_size)
        )
        self.size_nodes = int(size_nodes)
        self.id = id
        self.recruiter = recruiter
        self.degree = degree
        self.seed_marker = seed_marker
        self.missing_degree = missing_degree
        self.interval = interval
        self.n_boot = int(n_boot)
        self.ss_samples = int(ss_samples)
        self.level = check_level(level)
        self.seed = seed

    # ------------------------------------------------------------------ data
    def recruitment(self, data: pd.DataFrame) -> Recruitment:
        """The checked recruitment forest of ``data`` (waves, seeds, degrees)."""
        return Recruitment.from_frame(
            data, self.id, self.recruiter, self.degree, self.seed_marker, self.missing_degree
        )

    def _outcome(self, data: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, bool]:
        """(indicator with nan for missing, group codes with -1 for missing, numeric path).

        Group codes number the outcome's sorted distinct values (R's factor levels)."""
        if self.outcome not in data.columns:
            raise DataError(f"outcome column {self.outcome!r} not in the data")
        col = data[self.outcome]
        missing = col.isna().to_numpy()
        if self.value is not None:
            ind = np.where(missing, np.nan, (col == self.value).to_numpy(dtype=float))
            codes, _ = pd.factorize(col, sort=True)
            return ind, codes.astype(np.int64), False
        values = pd.to_numeric(col, errors="coerce").to_numpy(dtype=float)
        bad = ~missing & ~np.isin(values, (0.0, 1.0))
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise DataError(
                f"outcome column {self.outcome!r} row {row}: {_plain(col.iloc[row])!r} is not 0 or 1 "
                "(give value= to estimate the share of one category)"
            )
        codes = np.where(missing, -1, values).astype(np.int64)
        numeric = pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col)
        return np.where(missing, np.nan, values), codes, numeric

    def _at_size(self, size: int) -> RDS:
        """This estimator with the population size fixed at ``size``."""
        fixed = copy.copy(self)
        fixed.population_size = int(size)
        return fixed

    def _fixed(self) -> RDS:
        """This estimator with a fixed population size (an estimated one at its median)."""
        if isinstance(self.population_size, Estimate):
            draws = np.asarray(self.population_size.draws, dtype=float)
            return self._at_size(round(float(np.median(draws[np.isfinite(draws)]))))
        return self

    def _check_size(self, n: int) -> None:
        if isinstance(self.population_size, Estimate):
            return
        if self.population_size is not None and self.population_size < n:
            raise DataError(
                f"population_size {self.population_size} is smaller than the sample size {n}"
            )

    def _weights(
        self, tree: Recruitment, codes: np.ndarray, rng: np.random.Generator, samples: int
    ) -> np.ndarray:
        return self._weights_and_mapping(tree, codes, rng, samples)[0]

    def _weights_and_mapping(
        self, tree: Recruitment, codes: np.ndarray, rng: np.random.Generator, samples: int
    ) -> tuple[np.ndarray, SuccessiveSampling | None]:
        size = self._fixed().population_size
        assert not isinstance(size, Estimate)
        if self.estimator == "RDS-I":
            return rds1_weights(codes, tree, size), None
        if self.estimator == "RDS-II":
            return rds2_weights(tree.degree, size), None
        assert size is not None
        ss = successive_sampling(tree.degree, size, samples=samples, rng=rng)
        return ss.weights(tree.degree), ss

    def weights(self, data: pd.DataFrame) -> pd.Series:
        """Each respondent's weight under the chosen estimator (as ``compute.weights``).

        RDS-I and RDS-II weights sum to ``population_size`` when it is given; without it they
        are on R's scale (RDS-II: ``sum(d) / (n d_i)``). SS weights sum to the population size.
        """
        tree = self.recruitment(data)
        self._check_size(tree.n)
        _, codes, _ = self._outcome(data)
        w = self._weights(tree, codes, as_generator(self.seed), self.ss_samples)
        return pd.Series(w, index=data.index, name="weight")

    def point(self, data: pd.DataFrame) -> float:
        """The point estimate alone (no standard error or bootstrap): what the convergence
        and bottleneck diagnostics recompute on growing parts of the sample."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataWarning)
            tree = self.recruitment(data)
        self._check_size(tree.n)
        indicator, codes, _ = self._outcome(data)
        w = self._weights(tree, codes, as_generator(self.seed), self.ss_samples)
        ok = np.isfinite(indicator)
        return float(np.sum(w[ok] * indicator[ok]) / np.sum(w[ok]))

    # ------------------------------------------------------------------ fit
    def fit(self, data: pd.DataFrame) -> Estimate:
        """Estimate the prevalence of the trait.

        Returns an :class:`Estimate` on the proportion scale; ``details`` hold the standard
        error, the design effect (R's definition), the weights, the sample size, the
        estimator and, for SS, the population size used.
        """
        if isinstance(self.population_size, Estimate):
            return self._fit_estimated_size(data)
        tree = self.recruitment(data)
        self._check_size(tree.n)
        indicator, codes, numeric = self._outcome(data)
        rng = as_generator(self.seed)
        w, mapping = self._weights_and_mapping(tree, codes, rng, self.ss_samples)
        ok = np.isfinite(indicator)
        if not ok.any():
            raise DataError(f"outcome column {self.outcome!r} has no values")
        notes: list[str] = []
        n_missing = int((~ok).sum())
        if n_missing:
            notes.append(
                f"{n_missing} of {ok.size} respondents have no {self.outcome!r} value and are "
                "left out of the estimate (they stay in the recruitment tree)"
            )
        if tree.degree_replaced.any():
            notes.append(
                f"{int(tree.degree_replaced.sum())} zero or missing degrees taken to be the "
                f"largest reported degree ({tree.degree.max():g})"
            )
        p = float(np.sum(w[ok] * indicator[ok]) / np.sum(w[ok]))
        n = tree.n
        N = self.population_size
        assert not isinstance(N, Estimate)
        if numeric:
            # R's wtd.var divides by (sum of weights - 1), so it depends on the weights'
            # scale; with a population size the weights sum to it (as R). Without one R's
            # scale is arbitrary (RDS-I weights sum to 1 and the variance divides by zero),
            # so the weights are scaled to sum to the sample size instead.
            wv = w[ok] if N is not None else w[ok] * ok.sum() / w[ok].sum()
            var_outcome = weighted_variance(indicator[ok], wv)
        else:
            var_outcome = p * (1 - p)
        n_obs = int(ok.sum())
        var_srs = var_outcome / n_obs if N is None else (N - n_obs) / (N - 1) * var_outcome / n_obs
        draws = None
        draws_kind = None
        if self.interval == "el":
            se = el_std_error(w, indicator, N, n)
            # R's RDS.*.estimates use 1.96 for their 95% interval; kept at level 0.95
            z = 1.96 if self.level == 0.95 else normal_quantile(self.level)
            what = "standard error as R's RDS (EL.se)"
        else:
            if self.interval == "salganik":
                draws = self._salganik(tree, codes, indicator, rng)
                what = f"Salganik's bootstrap ({self.n_boot} replicates)"
            else:
                draws = self._gile(tree, codes, indicator, rng, mapping)
                what = f"Gile's successive-sampling bootstrap ({self.n_boot} replicates)"
            se = float(np.std(draws[np.isfinite(draws)], ddof=1))
            draws_kind = "bootstrap"
            z = normal_quantile(self.level)
        lo, hi = p - z * se, p + z * se
        if p in (0.0, 1.0):
            notes.append(
                f"every respondent with a value has {self.outcome!r} = {int(p)} (the estimate "
                f"is {p:g}): the interval has zero width and does not mean the prevalence is "
                f"known exactly (by the rule of three, with {n_obs} respondents alike it could "
                f"still be about {3 / n_obs:.2g} {'above 0' if p == 0 else 'below 1'} at 95%, "
                "before any design effect)"
            )
        if lo < 0 or hi > 1:
            notes.append(
                f"the normal interval [{lo:.4g}, {hi:.4g}] reaches outside [0, 1] and is cut there"
            )
            lo, hi = max(lo, 0.0), min(hi, 1.0)
        details: dict[str, Any] = {
            "estimator": self.estimator,
            "std_error": se,
            "design_effect": se**2 / var_srs if var_srs > 0 else math.nan,
            "n_observed": n_obs,
            "n_seeds": int(tree.is_seed.sum()),
            "max_wave": int(tree.wave.max()),
            "population_size": N,
            "weights": w,
        }
        for note in notes:
            warnings.warn(note, EstimationWarning, stacklevel=2)
        return Estimate(
            p,
            lo,
            hi,
            self.level,
            f"respondent-driven sampling, {self.estimator} estimator, {what}",
            draws,
            details,
            tuple(notes),
            draws_kind=draws_kind,
            scale="proportion",
            interval_method="wald",
        )

    def _fit_estimated_size(self, data: pd.DataFrame) -> Estimate:
        """The estimate with the population size's uncertainty carried in: computed at
        ``size_nodes`` quantiles of the size's draws (the same random numbers at each, so that
        the estimates differ by the size alone), the interval from the mixture of the normal
        distributions ``N(p_i, se_i)``, each node weighing ``1 / size_nodes``."""
        size = self.population_size
        assert isinstance(size, Estimate) and size.draws is not None
        sizes = np.asarray(size.draws, dtype=float).ravel()
        sizes = sizes[np.isfinite(sizes)]
        m = self.size_nodes
        nodes = np.round(np.quantile(sizes, (np.arange(m) + 0.5) / m)).astype(np.int64)
        rng = as_generator(self.seed)
        node_seed = int(rng.integers(0, 2**31 - 1))
        n = self.recruitment(data).n
        if nodes.min() < n:
            raise DataError(
                f"population_size: {np.mean(sizes < n):.1%} of its draws lie below the sample "
                f"size {n} (the smallest {sizes.min():g}); a population cannot be smaller than "
                "its sample"
            )
        central = self._fixed()  # at the size's median
        centre = central.population_size
        assert isinstance(centre, int)
        notes: list[str] = []
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", EstimationWarning)
            central.seed = node_seed
            est = central.fit(data)
            values = np.empty(m)
            ses = np.empty(m)
            for i, node in enumerate(nodes):
                at = self._at_size(int(node))
                at.seed = node_seed
                e = at.fit(data)
                values[i], ses[i] = e.value, float(e.details["std_error"])
        for w in caught:
            text = str(w.message)
            if text not in notes:
                notes.append(text)
        per_node = max(200, -(-4000 // m))
        z = rng.standard_normal((m, per_node))
        mixture = np.clip((values[:, None] + ses[:, None] * z).ravel(), 0.0, 1.0)
        a = (1 - self.level) / 2
        lo, hi = np.quantile(mixture, [a, 1 - a])
        within = float(np.mean(ses**2))
        between = float(np.var(values, ddof=1))
        total = within + between
        details = dict(est.details)
        details.update(
            std_error=math.sqrt(total),
            design_effect=(
                details["design_effect"] * total / details["std_error"] ** 2
                if details["std_error"] > 0
                else math.nan
            ),
            population_size=float(centre),
            population_size_interval=(size.lower, size.upper),
            size_variance_share=between / total if total > 0 else math.nan,
            size_nodes=nodes,
            size_node_estimates=pd.DataFrame(
                {"population_size": nodes, "estimate": values, "std_error": ses}
            ),
        )
        for note in notes:
            warnings.warn(note, EstimationWarning, stacklevel=3)
        return Estimate(
            est.value,
            float(min(lo, est.value)),
            float(max(hi, est.value)),
            self.level,
            f"respondent-driven sampling, {self.estimator} estimator at the estimated "
            f"population size ({size.method}), the size's uncertainty carried in over "
            f"{m} of its quantiles",
            mixture,
            details,
            tuple(notes),
            draws_kind="mixed",
            scale="proportion",
            interval_method="percentile",
        )

    # ------------------------------------------------------------------ bootstrap
    def _salganik(
        self,
        tree: Recruitment,
        codes: np.ndarray,
        indicator: np.ndarray,
        rng: np.random.Generator,
    ) -> np.ndarray:
        """Salganik's (2006) bootstrap, vectorised over replicates.

        A replicate is a chain of ``(non-seeds + 1)`` respondents: the first group is drawn
        from the sample's group memberships, each next group from the recruitment transition
        counts of the current one, and within a group a respondent is drawn with probability
        proportional to degree (``salganik.bootstrap.se`` in R). The estimator is then applied
        to the chain (each member recruited by the previous one).
        """
        groups = codes.copy()
        present = groups >= 0
        G = int(groups[present].max()) + 1
        t = transition_counts(groups, tree.recruiter, G)
        # rows of groups that recruited nobody (R: row sums below 0.5) move like the whole
        # sample: the column sums
        empty = t.sum(axis=1) < 0.5
        t[empty] = t.sum(axis=0)
        trans_cdf = np.cumsum(t / t.sum(axis=1, keepdims=True), axis=1)
        deg = tree.degree
        members = [np.flatnonzero(groups == g) for g in range(G)]
        member_cdf = [np.cumsum(deg[m]) / deg[m].sum() for m in members]
        length = int(np.sum(present & ~tree.is_seed)) + 1
        B = self.n_boot
        chain_group = np.empty((B, length), dtype=np.int64)
        chain_deg = np.empty((B, length))
        chain_out = np.empty((B, length))
        first = rng.choice(groups[present], size=B)
        chain_group[:, 0] = first
        for i in range(length):
            if i > 0:
                prev = chain_group[:, i - 1]
                u = rng.random(B)
                chain_group[:, i] = np.minimum((u[:, None] > trans_cdf[prev]).sum(axis=1), G - 1)
            u = rng.random(B)
            for g in range(G):
                sel = chain_group[:, i] == g
                if not sel.any():
                    continue
                k = np.minimum(np.searchsorted(member_cdf[g], u[sel]), members[g].size - 1)
                rows = members[g][k]
                chain_deg[sel, i] = deg[rows]
                chain_out[sel, i] = indicator[rows]
        if self.estimator == "RDS-II":
            inv_deg = 1.0 / chain_deg
            return np.sum(chain_out * inv_deg, axis=1) / np.sum(inv_deg, axis=1)
        # RDS-I on each chain
        out = np.empty(B)
        for r in range(B):
            tr = np.zeros((G, G))
            np.add.at(tr, (chain_group[r, :-1], chain_group[r, 1:]), 1.0)
            tr[tr.sum(axis=1) == 0] = 0.1
            mle = tr / tr.sum(axis=1, keepdims=True)
            vals, vecs = np.linalg.eig(mle.T)
            j = int(np.argmin(np.abs(vals - 1.0)))
            q = np.real(vecs[:, j])
            q = q / q.sum()
            cnt = np.bincount(chain_group[r], minlength=G).astype(float)
            inv = np.bincount(chain_group[r], weights=1.0 / chain_deg[r], minlength=G)
            with np.errstate(invalid="ignore", divide="ignore"):
                h = cnt / inv
                share = np.where(cnt > 0, q / h, 0.0)
            share = share / share.sum()
            with np.errstate(invalid="ignore", divide="ignore"):
                w = share[chain_group[r]] / cnt[chain_group[r]]
            out[r] = np.sum(w * chain_out[r]) / np.sum(w)
        return out

    def _gile(
        self,
        tree: Recruitment,
        codes: np.ndarray,
        indicator: np.ndarray,
        rng: np.random.Generator,
        mapping: SuccessiveSampling | None,
    ) -> np.ndarray:
        """Gile's bootstrap replicates of the prevalence (the share of the trait's group)."""
        if (codes < 0).any():
            row = int(np.flatnonzero(codes < 0)[0])
            raise DataError(
                f"Gile's bootstrap needs {self.outcome!r} for every respondent; row {row} has none"
            )
        assert isinstance(self.population_size, int)
        boot = gile_bootstrap(
            codes,
            tree,
            self.population_size,
            replicates=self.n_boot,
            samples=self.ss_samples,
            rng=rng,
            mapping=mapping,
        )
        target = codes[np.flatnonzero(indicator == 1)[0]] if (indicator == 1).any() else None
        if target is None:
            return np.zeros(self.n_boot)
        return boot.replicates[:, target]

    # ------------------------------------------------------------------ homophily
    def homophily(self, data: pd.DataFrame) -> float:
        """Population homophily of the (binary) trait, with the estimator's weights
        (``homophily.estimates``; R simulates SS weights with 5,000 samples here)."""
        tree = self.recruitment(data)
        self._check_size(tree.n)
        indicator, codes, _ = self._outcome(data)
        if np.isnan(indicator).any():
            raise DataError(f"homophily needs {self.outcome!r} for every respondent")
        w = self._weights(tree, codes, as_generator(self.seed), max(self.ss_samples, 5000))
        return population_homophily(indicator, w, tree)

    def recruitment_homophily(self, data: pd.DataFrame) -> float:
        """Recruitment homophily: within-group recruitments over those expected by chance."""
        tree = self.recruitment(data)
        _, codes, _ = self._outcome(data)
        return recruitment_homophily(codes, tree)


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python value, so messages read ``2`` rather than ``np.int64(2)``."""
    return value.item() if isinstance(value, np.generic) else value


def _check_size_estimate(size: Estimate) -> None:
    """An estimated population size must carry draws of a count."""
    if size.scale not in (None, "count"):
        raise DataError(
            f"population_size: the estimate measures a {size.scale}, not a count of people"
        )
    draws = None if size.draws is None else np.asarray(size.draws, dtype=float).ravel()
    if draws is None or np.isfinite(draws).sum() < 20:
        raise DataError(
            "population_size: an estimated size carries its uncertainty through its draws "
            "(a posterior or bootstrap, at least 20); this one has none. Give a number, or an "
            "estimate with draws such as SSPSE's"
        )
