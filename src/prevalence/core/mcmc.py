"""Convergence diagnostics of MCMC draws of one quantity, and the warnings they trigger."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

import numpy as np

from .errors import DataError

__all__ = [
    "sample_pymc",
    "SAMPLERS",
    "check_sampler",
    "resolve_sampler",
    "nutpie_available",
    "RHAT_LIMIT",
    "MIN_ESS",
    "REPORTED_PROBS",
    "chain_diagnostics",
    "convergence_warnings",
    "posterior_summary",
]


SAMPLERS = ("auto", "nutpie", "pymc")

# Compiled nutpie models by the caller's structural key (see sample_pymc); a few are kept so
# that alternating between two models in one session does not recompile either.
_COMPILED: OrderedDict[Hashable, Any] = OrderedDict()
_COMPILED_MAX = 8


def check_sampler(sampler: str) -> str:
    """Check a ``sampler=`` argument: ``"auto"``, ``"nutpie"`` or ``"pymc"``."""
    if sampler not in SAMPLERS:
        raise DataError(f"sampler must be one of {SAMPLERS}, got {sampler!r}")
    return sampler


def nutpie_available() -> bool:
    """Whether the compiled NUTS sampler nutpie can be imported."""
    from importlib.util import find_spec

    return find_spec("nutpie") is not None and find_spec("numba") is not None


def resolve_sampler(sampler: str) -> str:
    """The sampler that ``sampler=`` selects: ``"auto"`` is nutpie when it is installed."""
    check_sampler(sampler)
    if sampler == "auto":
        return "nutpie" if nutpie_available() else "pymc"
    if sampler == "nutpie" and not nutpie_available():
        raise DataError(
            "sampler='nutpie' needs the packages nutpie and numba (pip install nutpie); "
            "sampler='pymc' uses PyMC's own NUTS"
        )
    return sampler


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
    sampler: str = "auto",
    compile_key: Hashable | None = None,
) -> Any:
    """Sample a PyMC model with NUTS the way every Bayesian estimator of the package does.

    ``sampler="nutpie"`` compiles the model's log density with numba and runs nutpie's NUTS
    (in Rust, chains in threads): the same posterior as PyMC's sampler, several times faster
    once compiled. ``"pymc"`` is PyMC's own NUTS; ``"auto"`` (the default) takes nutpie when it
    is installed and PyMC's sampler otherwise. Within each route a seed gives identical draws
    whatever ``cores`` is; the two routes give different draws of the same posterior.

    ``compile_key`` (nutpie only) reuses compilation: a compiled model is kept under the key
    and a later call with the same key swaps in the new model's data (its ``pm.Data``
    variables) instead of compiling again. The key must determine everything in the model
    except the values of its data variables (structure, shapes and any constant such as a
    prior scale); the shapes of the data variables are added to it here. Models whose
    starting values do not depend on the data then give the same draws reused or fresh.

    ``seed`` (int, Generator or None) becomes one integer through
    :func:`~prevalence.core.random.as_generator`; the progress bar shows only on a terminal
    unless ``progress`` says otherwise; the samplers' logs and warnings are kept quiet (the
    estimators report convergence themselves). Returns the ArviZ ``InferenceData`` with
    ``sample_stats`` named as PyMC names them (``diverging``, ``reached_max_treedepth``) and
    ``posterior.attrs["sampler"]`` saying which sampler ran.
    """
    import logging
    import os
    import sys
    import warnings

    from .random import as_generator

    route = resolve_sampler(sampler)
    if seed is not None:
        seed = int(as_generator(seed).integers(2**31 - 1))
    show = (
        progress if progress is not None else bool(getattr(sys.stderr, "isatty", lambda: False)())
    )
    cores = cores or min(chains, os.cpu_count() or 1)
    log = logging.getLogger("pymc")
    old = log.level
    if not show:
        log.setLevel(logging.ERROR)
    try:
        with model, warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            warnings.simplefilter("ignore", FutureWarning)
            warnings.simplefilter("ignore", RuntimeWarning)
            if route == "nutpie":
                idata = _sample_nutpie(
                    model,
                    draws=draws,
                    tune=tune,
                    chains=chains,
                    cores=cores,
                    seed=seed,
                    show=show,
                    target_accept=target_accept,
                    max_treedepth=max_treedepth,
                    compile_key=compile_key,
                )
            else:
                import pymc as pm

                kwargs = {} if max_treedepth is None else {"max_treedepth": max_treedepth}
                idata = pm.sample(
                    draws=draws,
                    tune=tune,
                    chains=chains,
                    cores=cores,
                    target_accept=target_accept,
                    random_seed=seed,
                    progressbar=show,
                    compute_convergence_checks=False,
                    **kwargs,
                )
    finally:
        log.setLevel(old)
    idata.posterior.attrs["sampler"] = route
    return idata


def _sample_nutpie(
    model: Any,
    *,
    draws: int,
    tune: int,
    chains: int,
    cores: int,
    seed: int | None,
    show: bool,
    target_accept: float,
    max_treedepth: int | None,
    compile_key: Hashable | None,
) -> Any:
    import nutpie

    data = {v.name: np.asarray(v.get_value()) for v in model.data_vars}
    compiled = None
    if compile_key is not None:
        key = (compile_key, tuple((k, v.shape, v.dtype.str) for k, v in sorted(data.items())))
        compiled = _COMPILED.get(key)
        if compiled is not None:
            _COMPILED.move_to_end(key)
            compiled = compiled.with_data(**data)
    if compiled is None:
        compiled = nutpie.compile_pymc_model(model, backend="numba")
        if compile_key is not None:
            _COMPILED[key] = compiled
            while len(_COMPILED) > _COMPILED_MAX:
                _COMPILED.popitem(last=False)
    settings: dict[str, Any] = {"target_accept": target_accept}
    if max_treedepth is not None:
        settings["maxdepth"] = max_treedepth
    idata = nutpie.sample(
        compiled,
        draws=draws,
        tune=tune,
        chains=chains,
        cores=cores,
        seed=seed,
        progress_bar=show,
        save_warmup=False,
        **settings,
    )
    # nutpie keeps the unconstrained copies (``sigma_log__``) and names the tree-depth flag
    # its own way; give back what PyMC's sampler gives, with this model's coordinates (a
    # reused compiled model carries the labels of the data it was compiled for)
    transformed = [name for name in idata.posterior.data_vars if name.endswith("__")]
    idata.posterior = idata.posterior.drop_vars(transformed)
    coords = {k: list(v) for k, v in model.coords.items() if k in idata.posterior.coords}
    idata.posterior = idata.posterior.assign_coords(coords)
    if "maxdepth_reached" in idata.sample_stats:
        idata.sample_stats = idata.sample_stats.rename(
            {"maxdepth_reached": "reached_max_treedepth"}
        )
    return idata


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
