"""Convergence diagnostics of MCMC draws of one quantity, and the warnings they trigger."""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Hashable, Mapping
from typing import Any

import numpy as np

from .details import RENAMED_DIAGNOSTICS, Details
from .errors import DataError
from .imports import import_arviz, import_pymc
from .intervals import REPORTED_PROBS

__all__ = [
    "sample_pymc",
    "prior_scales",
    "SAMPLERS",
    "check_sampler",
    "resolve_sampler",
    "nutpie_available",
    "RHAT_LIMIT",
    "MIN_ESS",
    "REPORTED_PROBS",
    "chain_diagnostics",
    "rank_diagnostics",
    "convergence_warnings",
    "convergence_diagnostics",
    "posterior_summary",
    "inference_data",
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


def prior_scales(
    priors: Mapping[str, float] | None, defaults: Mapping[str, float]
) -> dict[str, float]:
    """The prior scales of a Bayesian model: ``defaults`` with the user's overrides.

    Unknown names and scales that are not positive finite numbers are refused by name.

    Examples
    --------
    >>> prior_scales({"b": 2}, {"a": 1.0, "b": 0.5})
    {'a': 1.0, 'b': 2.0}
    """
    import math

    out = dict(defaults)
    for key, value in (priors or {}).items():
        if key not in out:
            raise DataError(f"unknown prior {key!r}; the priors are {sorted(out)}")
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float, np.integer, np.floating))
            or not math.isfinite(value)
            or value <= 0
        ):
            raise DataError(f"prior scale {key!r} must be a positive number, got {value!r}")
        out[key] = float(value)
    return out


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
                pm = import_pymc()

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
    import_arviz()  # nutpie imports ArviZ: through the race-safe import
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
    az = import_arviz()

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


def rank_diagnostics(draws: np.ndarray, *, block: int = 500) -> dict[str, np.ndarray]:
    """Rank-normalised split R-hat and bulk and tail ESS of many quantities at once.

    ``draws`` is ``(chains, draws, quantities)``; returns arrays ``rhat``, ``ess_bulk`` and
    ``ess_tail``, one value per quantity, equal to ArviZ's ``az.rhat(method="rank")`` and
    ``az.ess(method="bulk"/"tail")`` (Vehtari et al. 2021) to rounding. Written out here,
    vectorised over the quantities with a compiled Geyer step, because ArviZ loops over them
    one by one in Python: 8,000 area prevalences of 4 chains x 1000 draws take it about 24 s,
    this about 7 s (most of it sorting for the ranks). Quantities are processed ``block`` at
    a time to bound memory. A constant quantity gets R-hat NaN and the number of draws as its
    ESS, as ArviZ gives. With one chain ArviZ gives no R-hat; this gives the split R-hat of
    the chain's two halves.

    Examples
    --------
    >>> x = np.random.default_rng(0).normal(size=(4, 500, 3))
    >>> d = rank_diagnostics(x)
    >>> bool(np.all(d["rhat"] < 1.01)), d["ess_bulk"].shape
    (True, (3,))
    """
    x = np.asarray(draws, dtype=float)
    if x.ndim != 3:
        raise DataError(f"draws must be shaped (chains, draws, quantities), got {x.shape}")
    if x.shape[1] < 4:
        raise DataError(f"rank diagnostics need at least 4 draws per chain, got {x.shape[1]}")
    out = {k: np.empty(x.shape[2]) for k in ("rhat", "ess_bulk", "ess_tail")}
    for start in range(0, x.shape[2], block):
        part = x[:, :, start : start + block]
        for key, values in _rank_block(part).items():
            out[key][start : start + block] = values
    return out


def _rank_block(x: np.ndarray) -> dict[str, np.ndarray]:
    from scipy.special import ndtri

    from ._kernels import average_ranks_sorted

    n = x.shape[2]
    # quantity first, draws last and contiguous: sorting and FFTs along the last axis
    y = np.ascontiguousarray(np.moveaxis(x, 2, 0))  # (n, chains, draws)

    def split(a: np.ndarray) -> np.ndarray:
        """Each chain's first and last halves as two chains (n, 2 chains, half), as ArviZ."""
        half = a.shape[2] // 2
        return np.concatenate([a[:, :, :half], a[:, :, a.shape[2] - half :]], axis=1)

    def z_scale(a: np.ndarray) -> np.ndarray:
        flat = a.reshape(n, -1)
        rank = average_ranks_sorted(flat, np.argsort(flat, axis=1))  # = scipy's rankdata
        return ndtri((rank - 0.375) / (flat.shape[1] + 0.25)).reshape(a.shape)

    def rhat(a: np.ndarray) -> np.ndarray:
        m = a.shape[2]
        between = m * a.mean(axis=2).var(axis=1, ddof=1)
        within = a.var(axis=2, ddof=1).mean(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.sqrt((between / within + m - 1) / m)

    flat = y.reshape(n, -1)
    constant = (flat.max(axis=1) - flat.min(axis=1)) < np.finfo(float).resolution
    halves = split(y)
    z = z_scale(halves)
    folded = np.abs(halves - np.median(halves.reshape(n, -1), axis=1)[:, None, None])
    r = np.maximum(rhat(z), rhat(z_scale(folded)))
    r[constant] = np.nan
    bulk = _ess_many(z)
    quantiles = np.quantile(flat, [0.05, 0.95], axis=1)  # (2, n)
    tails = [_ess_many(split((y <= q[:, None, None]).astype(float))) for q in quantiles]
    return {"rhat": r, "ess_bulk": bulk, "ess_tail": np.minimum(*tails)}


def _ess_many(a: np.ndarray) -> np.ndarray:
    """ArviZ's ``_ess`` of every quantity of ``a`` (quantities, chains, draws)."""
    from scipy.fft import irfft, next_fast_len, rfft

    n, chains, n_draws = a.shape
    m = next_fast_len(2 * n_draws)
    centred = a - a.mean(axis=2, keepdims=True)
    spectrum = rfft(centred, n=m, axis=2)
    acov = irfft(spectrum * np.conjugate(spectrum), n=m, axis=2)[:, :, :n_draws] / n_draws
    mean_acov = np.ascontiguousarray(acov.mean(axis=1))  # (n, draws)
    mean_var = mean_acov[:, 0] * n_draws / (n_draws - 1.0)
    var_plus = mean_var * (n_draws - 1.0) / n_draws
    if chains > 1:
        var_plus = var_plus + a.mean(axis=2).var(axis=1, ddof=1)
    from ._kernels import geyer_ess

    with np.errstate(divide="ignore", invalid="ignore"):
        ess = geyer_ess(mean_acov, mean_var, var_plus, float(chains * n_draws))
    flat = a.reshape(n, -1)
    constant = (flat.max(axis=1) - flat.min(axis=1)) < np.finfo(float).resolution
    ess[constant] = chains * n_draws
    return ess


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


def convergence_diagnostics(
    rhat: Any, ess_bulk: Any, ess_tail: Any, sample_stats: Any = None
) -> Details:
    """``details["diagnostics"]`` of every MCMC estimator, built here only.

    ``rhat``, ``ess_bulk`` and ``ess_tail`` are one value or one per quantity (from
    :func:`chain_diagnostics` or :func:`rank_diagnostics`); the mapping holds the worst of
    them (``max_rhat``, ``min_ess_bulk``, ``min_ess_tail``; a constant quantity's NaN R-hat is
    skipped), the limits they are judged against (``rhat_limit``, ``min_ess``) and, from a
    Hamiltonian sampler's ``sample_stats``, the number of ``divergences`` and of
    ``max_treedepth_hits`` (``None`` for samplers that have no such thing: Gibbs, Metropolis).

    Examples
    --------
    >>> d = convergence_diagnostics([1.001, 1.004], [900.0, 650.0], [700.0, 800.0])
    >>> d["max_rhat"], d["min_ess_bulk"], d["divergences"]
    (1.004, 650.0, None)
    """
    r = np.asarray(rhat, dtype=float).ravel()
    bulk = np.asarray(ess_bulk, dtype=float).ravel()
    tail = np.asarray(ess_tail, dtype=float).ravel()
    divergences = depth_hits = None
    if sample_stats is not None:
        divergences = int(sample_stats["diverging"].sum()) if "diverging" in sample_stats else 0
        depth_hits = (
            int(sample_stats["reached_max_treedepth"].sum())
            if "reached_max_treedepth" in sample_stats
            else 0
        )
    finite = r[np.isfinite(r)]
    return Details(
        {
            "max_rhat": float(finite.max()) if finite.size else math.nan,
            "min_ess_bulk": float(np.nanmin(bulk)),
            "min_ess_tail": float(np.nanmin(tail)),
            "rhat_limit": RHAT_LIMIT,
            "min_ess": MIN_ESS,
            "divergences": divergences,
            "max_treedepth_hits": depth_hits,
        },
        RENAMED_DIAGNOSTICS,
    )


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


def inference_data(
    posterior: Mapping[str, np.ndarray],
    *,
    coords: Mapping[str, Any] | None = None,
    dims: Mapping[str, list[str]] | None = None,
) -> Any:
    """ArviZ ``InferenceData`` from draws of the package's own samplers (chains x draws
    [x ...]), so that every MCMC estimator's ``details["idata"]`` works with ArviZ's plots
    and summaries as the PyMC-based ones do.

    Examples
    --------
    >>> idata = inference_data({"N": np.ones((2, 5))})
    >>> idata.posterior["N"].shape
    (2, 5)
    """
    az = import_arviz()

    return az.from_dict(
        posterior={k: np.asarray(v) for k, v in posterior.items()},
        coords=dict(coords or {}),
        dims=dict(dims or {}),
    )
