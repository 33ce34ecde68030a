"""Convergence diagnostics of MCMC draws of one quantity, and the warnings they trigger."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = [
    "sample_pymc",
    "RHAT_LIMIT",
    "MIN_ESS",
    "REPORTED_PROBS",
    "chain_diagnostics",
    "convergence_warnings",
    "posterior_summary",
]


def sample_pymc(
    model: Any,
    *,
    draws: int,
    tune: int,
    chains: int,
    seed: Any,
    progress: bool | None,
    target_accept: float = 0.9,
    max_treedepth: int | None = None,
    cores: int | None = None,
) -> Any:
    """Sample a PyMC model with NUTS the way every Bayesian estimator of the package does.

    ``seed`` (int, Generator or None) becomes one integer for PyMC through
    :func:`~prevalence.core.random.as_generator`; the progress bar shows only on a terminal
    unless ``progress`` says otherwise; PyMC's log and its warnings are kept quiet (the
    estimators report convergence themselves). Returns the ArviZ ``InferenceData``.
    """
    import logging
    import os
    import sys
    import warnings

    import pymc as pm

    from .random import as_generator

    if seed is not None:
        seed = int(as_generator(seed).integers(2**31 - 1))
    show = (
        progress if progress is not None else bool(getattr(sys.stderr, "isatty", lambda: False)())
    )
    log = logging.getLogger("pymc")
    old = log.level
    if not show:
        log.setLevel(logging.ERROR)
    kwargs = {} if max_treedepth is None else {"max_treedepth": max_treedepth}
    try:
        with model, warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            warnings.simplefilter("ignore", FutureWarning)
            warnings.simplefilter("ignore", RuntimeWarning)
            return pm.sample(
                draws=draws,
                tune=tune,
                chains=chains,
                cores=cores or min(chains, os.cpu_count() or 1),
                target_accept=target_accept,
                random_seed=seed,
                progressbar=show,
                compute_convergence_checks=False,
                **kwargs,
            )
    finally:
        log.setLevel(old)


RHAT_LIMIT = 1.01
MIN_ESS = 400


def chain_diagnostics(draws: np.ndarray) -> dict[str, float]:
    """R-hat and bulk/tail effective sample sizes (ArviZ) of draws shaped ``(chains, draws)``.

    One chain is split into halves, so R-hat still compares its beginning with its end.

    Examples
    --------
    >>> d = chain_diagnostics(np.random.default_rng(0).normal(size=(2, 500)))
    >>> d["rhat"] < 1.01
    True
    """
    import arviz as az

    x = np.asarray(draws, dtype=float)
    if x.shape[0] == 1:  # one chain: compare its two halves (split R-hat)
        half = x.shape[1] // 2
        x = np.stack([x[0, :half], x[0, half : 2 * half]])
    if np.ptp(x) == 0:
        return {"rhat": 1.0, "ess_bulk": float(x.size), "ess_tail": float(x.size)}
    return {
        "rhat": float(az.rhat(x, method="rank")),
        "ess_bulk": float(az.ess(x, method="bulk")),
        "ess_tail": float(az.ess(x, method="tail")),
    }


def convergence_warnings(diag: dict[str, float], what: str, advice: str) -> list[str]:
    """Warnings for R-hat above :data:`RHAT_LIMIT` or effective sample size below :data:`MIN_ESS`.

    Examples
    --------
    >>> convergence_warnings({"rhat": 1.2, "ess_bulk": 900, "ess_tail": 900}, "N", "run longer")
    ['the chains have not mixed: R-hat of N is 1.200 (> 1.01); run longer']
    """
    notes = []
    if diag["rhat"] > RHAT_LIMIT:
        notes.append(
            f"the chains have not mixed: R-hat of {what} is {diag['rhat']:.3f} (> {RHAT_LIMIT}); "
            f"{advice}"
        )
    if diag["ess_bulk"] < MIN_ESS or diag["ess_tail"] < MIN_ESS:
        notes.append(
            f"effective sample size of {what} is low (bulk {diag['ess_bulk']:.0f}, tail "
            f"{diag['ess_tail']:.0f}; want {MIN_ESS}); {advice}"
        )
    return notes


REPORTED_PROBS = (0.025, 0.1, 0.5, 0.9, 0.975)


def posterior_summary(draws: np.ndarray) -> dict[str, object]:
    """Posterior mean, median and the quantiles at 2.5, 10, 50, 90 and 97.5% of ``draws``.

    Quantiles are keyed as R prints them (``"2.5%"``...) and interpolated as R's default
    (type 7).

    Examples
    --------
    >>> posterior_summary(np.arange(101.0))["quantiles"]["10%"]
    10.0
    """
    d = np.asarray(draws, dtype=float).ravel()
    q = np.quantile(d, REPORTED_PROBS)
    return {
        "posterior_mean": float(d.mean()),
        "posterior_median": float(np.median(d)),
        "quantiles": {f"{100 * p:g}%": float(v) for p, v in zip(REPORTED_PROBS, q, strict=True)},
    }
