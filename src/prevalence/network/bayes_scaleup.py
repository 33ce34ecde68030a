"""A Bayesian network scale-up model (PyMC) with overdispersion and barrier effects.

Following Zheng, Salganik and Gelman (2006) and the barrier-effects model of Maltiel et al.
(2015): respondent ``i`` has an unknown degree ``d_i`` (log-normal across respondents), and
their number of acquaintances in group ``k`` is negative binomial with mean
``tau_k d_i N_k / N`` and a group-specific overdispersion. The overdispersion absorbs barrier
effects (respondents differ in their exposure to a group beyond their degree); ``tau_k``,
transmission, is 1 for the known groups and has a Beta prior for the hidden one (it is not
identified by the data: the prior is the assumption, stated in ``details``). The hidden
group's size has a log-uniform prior between ``size_bounds``. Known populations enter with
their sizes, so they calibrate the degrees.

The posterior of the hidden population's size gives an :class:`~prevalence.Estimate` with
posterior draws, a credible interval and R-hat and effective sample sizes
(:mod:`prevalence.core.mcmc`); ``details["idata"]`` keeps the ArviZ ``InferenceData``.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..core.checks import positive_number, whole_number
from ..core.errors import DataError, EstimationWarning
from ..core.estimator import Estimator
from ..core.imports import import_arviz, import_pymc
from ..core.intervals import check_level
from ..core.mcmc import (
    chain_diagnostics,
    check_sampler,
    convergence_diagnostics,
    convergence_warnings,
    sample_pymc,
)
from ..core.random import SeedLike
from ..core.results import Estimate
from .answers import answer_matrix, check_known_sizes, topcode_answers
from .details import BayesianScaleUpDetails

__all__ = ["BayesianScaleUp"]


def _answer_histogram(answers: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The distinct answers of each group and how often each was given: ``(value, group,
    count)``, padded with zero counts to a power of two (so that surveys of one size usually
    share a shape, and nutpie's compilation)."""
    n, k = answers.shape
    group = np.broadcast_to(np.arange(k), (n, k)).ravel()
    (groups, values), counts = np.unique(
        np.stack([group, answers.ravel()]), axis=1, return_counts=True
    )
    size = 1 << int(np.ceil(np.log2(max(counts.size, 1))))
    pad = size - counts.size
    return (
        np.concatenate([values, np.zeros(pad, dtype=values.dtype)]).astype(np.float64),
        np.concatenate([groups, np.zeros(pad, dtype=groups.dtype)]).astype(np.int64),
        np.concatenate([counts, np.zeros(pad, dtype=counts.dtype)]).astype(np.float64),
    )


class BayesianScaleUp(Estimator):
    """Hidden-population size from scale-up answers by a Bayesian overdispersed model.

    Parameters
    ----------
    hidden : str
        Column of answers about the hidden population.
    known : mapping of str to float
        Known populations and their sizes.
    total : float
        Size of the population respondents report about.
    transmission : (float, float), optional
        Beta(a, b) prior of the hidden population's transmission rate; ``None`` (the default)
        fixes it at 1 (everyone knows who is hidden among their acquaintances).
    size_bounds : (float, float), optional
        Bounds of the log-uniform prior of the hidden population's size (default from 1 to
        10% of ``total``).
    topcode : int, optional
        Known-population answers above this are set to it.
    draws, tune, chains : int
        Posterior draws and tuning steps per chain, number of chains.
    target_accept : float
        NUTS target acceptance (0.8, PyMC's and nutpie's default: no divergences on the
        benchmark's surveys, where 0.9 took a third more steps per draw for the same
        posterior).
    level : float
        Credible level.
    seed : int, Generator or None
        Seed of the sampler.
    progress : bool, optional
        Progress bar (default: only on a terminal).
    sampler : {"auto", "nutpie", "pymc"}
        NUTS implementation (:func:`~prevalence.core.mcmc.sample_pymc`): nutpie when it is
        installed (``"auto"``). Its compilation (about 10 s) is kept and reused for later
        surveys of the same shape (a notebook, a bootstrap, a simulation study); measured on
        800 respondents, 4 chains x 1,000 draws, 2 cores: ``benchmarks/bench_bayes_scaleup.py``
        and docs/network.md.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> d = rng.lognormal(np.log(300), 0.5, 200)
    >>> sizes = {"a": 20_000, "b": 50_000, "c": 10_000}
    >>> df = pd.DataFrame({k: rng.poisson(d * s / 1e6) for k, s in sizes.items()})
    >>> df["h"] = rng.poisson(d * 5000 / 1e6)
    >>> est = BayesianScaleUp("h", sizes, 1e6, draws=300, tune=300, chains=2,
    ...                       seed=1).fit(df)  # doctest: +SKIP
    """

    input_kinds = ("survey",)
    details_schema = BayesianScaleUpDetails
    #: What the method assumes, in words (the run report's methods section).
    assumptions = (
        "A Bayesian overdispersed network scale-up model (Maltiel et al. 2015; Zheng et al. "
        "2006) in PyMC. Carries the scale-up assumptions (transmission, barrier effects, "
        "recall) with overdispersion between respondents; the result depends on the priors."
    )

    def __init__(
        self,
        hidden: str,
        known: Mapping[str, float],
        total: float,
        *,
        transmission: tuple[float, float] | None = None,
        size_bounds: tuple[float, float] | None = None,
        topcode: int | None = None,
        draws: int = 1000,
        tune: int = 1000,
        chains: int = 4,
        target_accept: float = 0.8,
        level: float = 0.95,
        seed: SeedLike = None,
        progress: bool | None = None,
        sampler: str = "auto",
    ) -> None:
        total_value = positive_number("total", total)
        check_known_sizes(known, total_value)
        if transmission is not None:
            a, b = transmission
            if not (a > 0 and b > 0):
                raise ValueError(
                    f"transmission must be Beta(a, b) with a, b > 0, got {transmission!r}"
                )
        bounds = size_bounds if size_bounds is not None else (1.0, 0.1 * total_value)
        if not (0 < bounds[0] < bounds[1] <= total_value):
            raise ValueError(
                f"size_bounds must satisfy 0 < low < high <= total, got {size_bounds!r}"
            )
        for name, v in (("draws", draws), ("tune", tune), ("chains", chains)):
            whole_number(name, v)
        self.hidden = hidden
        self.known = dict(known)
        self.total = total_value
        self.transmission = transmission
        self.size_bounds = size_bounds
        self.topcode = topcode
        self.draws = int(draws)
        self.tune = int(tune)
        self.chains = int(chains)
        self.target_accept = float(target_accept)
        self.level = check_level(level)
        self.seed = seed
        self.progress = progress
        self.sampler = check_sampler(sampler)

    def _data(self, data: Any) -> tuple[np.ndarray, np.ndarray]:
        frame = data.data if hasattr(data, "data") and not isinstance(data, pd.DataFrame) else data
        if not isinstance(frame, pd.DataFrame):
            raise DataError(f"BayesianScaleUp.fit expects a DataFrame, got {type(data).__name__}")
        names, sizes = check_known_sizes(self.known, self.total)
        known = topcode_answers(answer_matrix(frame, names, "known-population"), self.topcode)
        y = answer_matrix(frame, [self.hidden], "hidden-population")
        answers = np.hstack([known, y])
        keep = ~np.isnan(answers).any(axis=1)
        if not keep.any():
            raise DataError("no respondent answered every question")
        return answers[keep].astype(np.int64), sizes

    def build_model(self, data: Any) -> Any:
        """The PyMC model for ``data`` (without sampling).

        The negative binomial likelihood is written out (a ``pm.Potential``) rather than
        declared as ``pm.NegativeBinomial``: its ``lgamma(y + alpha_k)`` terms depend on a
        respondent only through the answer ``y``, so they are summed once per distinct answer
        of each group (a few hundred) instead of once per answer (``n`` x groups), and the
        terms linear in the log mean are sums of the answers. The density is the same up to
        the constant ``-sum(lgamma(y + 1))`` (tested); the gradient costs a third less and
        the sampling with it. Data enter as ``pm.Data``, so nutpie's compilation is reused for
        surveys of the same shape.
        """
        pm = import_pymc()
        import pytensor.tensor as pt

        answers, sizes = self._data(data)
        n, K = answers.shape
        low, high = self.size_bounds or (1.0, 0.1 * self.total)
        values, groups, counts = _answer_histogram(answers)
        with pm.Model() as model:
            y = pm.Data("answers", answers.astype(np.float64))
            row_sums = pm.Data("answers_by_respondent", answers.sum(axis=1).astype(np.float64))
            column_sums = pm.Data("answers_by_group", answers.sum(axis=0).astype(np.float64))
            value = pm.Data("distinct_answer", values)
            group = pm.Data("distinct_answer_group", groups)
            count = pm.Data("distinct_answer_count", counts)
            log_share_known = pm.Data("log_share_known", np.log(sizes / self.total))
            log_total = pm.Data("log_total", np.log(self.total))
            mu_d = pm.Normal("mu_log_degree", mu=np.log(300.0), sigma=2.0)
            sigma_d = pm.HalfNormal("sigma_log_degree", sigma=1.0)
            z = pm.Normal("z", 0.0, 1.0, shape=n)
            log_d = mu_d + sigma_d * z
            pm.Deterministic("mean_degree", pm.math.exp(mu_d + sigma_d**2 / 2))
            log_size = pm.Uniform("log_size", lower=np.log(low), upper=np.log(high))
            pm.Deterministic("size", pm.math.exp(log_size))
            log_hidden = log_size - log_total
            if self.transmission is not None:
                tau = pm.Beta("transmission", alpha=self.transmission[0], beta=self.transmission[1])
                log_hidden = log_hidden + pt.log(tau)
            # log of the mean share of each group among a respondent's acquaintances
            log_share = pt.concatenate([log_share_known, pt.stack([log_hidden])])
            # overdispersion (barrier effects): negative binomial shape per group
            inv_phi = pm.HalfNormal("overdispersion", sigma=1.0, shape=K)
            alpha = 1.0 / (inv_phi + 1e-6)
            log_alpha = pt.log(alpha)
            # the means as an outer product: n + K exponentials and one log per answer (the
            # form log(alpha) + softplus(log mu - log alpha) took an exp and a log1p per answer
            # and made the sampling half as slow again: 11.2 s against 7.2 s for 800 respondents)
            mu = pt.exp(log_d)[:, None] * pt.exp(log_share)[None, :]
            log_alpha_plus_mu = pt.log(alpha[None, :] + mu)
            pm.Potential(
                "answers_loglik",
                pt.sum(count * pt.gammaln(value + alpha[group]))
                - n * pt.sum(pt.gammaln(alpha) - alpha * log_alpha)
                - pt.sum((alpha[None, :] + y) * log_alpha_plus_mu)
                + pt.sum(log_d * row_sums)
                + pt.sum(log_share * column_sums),
            )
        return model

    def fit(self, data: Any) -> Estimate:
        """Sample the posterior; the estimate is the posterior median of the hidden size."""
        az = import_arviz()

        idata = sample_pymc(
            self.build_model(data),
            draws=self.draws,
            tune=self.tune,
            chains=self.chains,
            seed=self.seed,
            progress=self.progress,
            target_accept=self.target_accept,
            sampler=self.sampler,
            compile_key=(
                "bayes_scaleup",
                None if self.transmission is None else tuple(self.transmission),
                tuple(self.size_bounds or (1.0, 0.1 * self.total)),
            ),
        )
        size = idata.posterior["size"].to_numpy()  # (chains, draws)
        diag = chain_diagnostics(size)
        notes = convergence_warnings(
            diag, "the hidden population's size", "run more tuning steps or draws"
        )
        diagnostics = convergence_diagnostics(**diag, sample_stats=idata.sample_stats)
        divergent = diagnostics["divergences"]
        if divergent:
            notes.append(f"{divergent} divergent transitions: the posterior may be biased")
        for note in notes:
            warnings.warn(note, EstimationWarning, stacklevel=2)
        flat = size.ravel()
        a = (1 - self.level) / 2
        lo, med, hi = np.quantile(flat, [a, 0.5, 1 - a])
        summary = az.summary(
            idata,
            var_names=["size", "mean_degree", "sigma_log_degree", "overdispersion"]
            + (["transmission"] if self.transmission is not None else []),
            kind="all",
        )
        details = {
            "std_error": float(flat.std(ddof=1)),
            "posterior_mean": float(flat.mean()),
            "n_observed": int(idata.posterior["z"].shape[-1]),  # one latent degree each
            "diagnostics": diagnostics,
            "sampler": idata.posterior.attrs.get("sampler", "pymc"),
            "summary": pd.DataFrame(summary),
            "transmission_prior": self.transmission or "fixed at 1",
            "size_prior": f"log-uniform on {self.size_bounds or (1.0, 0.1 * self.total)}",
            "idata": idata,
        }
        return Estimate(
            float(med),
            float(lo),
            float(hi),
            self.level,
            "Bayesian network scale-up (overdispersed negative binomial, PyMC model, NUTS)",
            flat,
            details,
            tuple(notes),
            draws_kind="posterior",
            scale="count",
            interval_method="credible",
        )
