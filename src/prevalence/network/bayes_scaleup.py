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
        NUTS target acceptance.
    level : float
        Credible level.
    seed : int, Generator or None
        Seed of the sampler.
    progress : bool, optional
        Progress bar (default: only on a terminal).
    sampler : {"auto", "nutpie", "pymc"}
        NUTS implementation (:func:`~prevalence.core.mcmc.sample_pymc`). PyMC's own by
        default: this model is compiled anew for every data set, and nutpie's compilation
        (about 10 s) then costs what its faster sampling saves (measured: 11-14 s with
        either on 600 respondents, 2 chains x 400 draws).

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
        target_accept: float = 0.9,
        level: float = 0.95,
        seed: SeedLike = None,
        progress: bool | None = None,
        sampler: str = "pymc",
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
        """The PyMC model for ``data`` (without sampling)."""
        pm = import_pymc()

        answers, sizes = self._data(data)
        n, K = answers.shape
        low, high = self.size_bounds or (1.0, 0.1 * self.total)
        log_share_known = np.log(sizes / self.total)
        with pm.Model() as model:
            mu_d = pm.Normal("mu_log_degree", mu=np.log(300.0), sigma=2.0)
            sigma_d = pm.HalfNormal("sigma_log_degree", sigma=1.0)
            z = pm.Normal("z", 0.0, 1.0, shape=n)
            log_d = mu_d + sigma_d * z
            pm.Deterministic("mean_degree", pm.math.exp(mu_d + sigma_d**2 / 2))
            log_size = pm.Uniform("log_size", lower=np.log(low), upper=np.log(high))
            pm.Deterministic("size", pm.math.exp(log_size))
            log_share = pm.math.concatenate(
                [log_share_known, pm.math.stack([log_size - np.log(self.total)])]
            )
            if self.transmission is not None:
                tau = pm.Beta("transmission", alpha=self.transmission[0], beta=self.transmission[1])
                log_tau = pm.math.concatenate([np.zeros(K - 1), pm.math.stack([pm.math.log(tau)])])
            else:
                log_tau = np.zeros(K)
            # overdispersion (barrier effects): negative binomial shape per group
            inv_phi = pm.HalfNormal("overdispersion", sigma=1.0, shape=K)
            mu = pm.math.exp(log_d[:, None] + log_share[None, :] + log_tau[None, :])
            pm.NegativeBinomial(
                "answers", mu=mu, alpha=1.0 / (inv_phi[None, :] + 1e-6), observed=answers
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
            "Bayesian network scale-up (overdispersed negative binomial, PyMC NUTS)",
            flat,
            details,
            tuple(notes),
            draws_kind="posterior",
            scale="count",
            interval_method="credible",
        )
