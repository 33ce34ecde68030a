"""Multiple systems estimation by stratum with partial pooling: one Bayesian log-linear model.

Stratum ``s`` (a combination of the ``by`` columns: year, sex, region, type of exploitation)
has its own Poisson log-linear model of the counts of its capture patterns ``h`` (0/1 per list)::

    log mu[s, h] = lambda[s] + sum_k h_k b[s, k] + sum_{j<k} h_j h_k g[s, jk]

``exp(lambda[s])`` is the expected number of the stratum's people on none of its lists, so the
stratum's size is ``N[s] = n[s] + m[s]`` with ``m[s] ~ Poisson(exp(lambda[s]))`` given the
parameters (the conditional Poisson formulation of a log-linear MSE). The list effects and
the pairwise list interactions are shrunk towards shared values::

    b[s, k]  = beta[k] + sum_f u_f[k, level_f(s)] + sigma_b[k] z_b[s, k]
    g[s, jk] = gamma[jk] + sigma_g z_g[s, jk]

where ``f`` runs over the ``structure`` columns (strata crossed by year and sex share year and
sex effects on the lists' catch). Priors: ``lambda[s] ~ Normal(log n[s], missing_sd)``,
``beta ~ Normal(0, list_sd)``, ``gamma ~ Normal(0, interaction_sd)``, ``sigma_b ~
HalfNormal(list_spread)``, ``sigma_g ~ HalfNormal(interaction_spread)``; the stratum
deviations ``z_b[:, k]`` and ``z_g[:, jk]`` are standard normal constrained to sum to zero over
the strata (``ZeroSumNormal``, non-centred: the shared value is then their exact centre);
``z_missing`` standard normal; ``u_f[k, :] ~ ZeroSumNormal(structure_sd)`` over the levels of
``f`` (fixed effects that sum to zero: the handful of years or sexes cannot estimate a spread).

A list that did not operate in a stratum is a structural zero there: the patterns that put
anyone on it are left out of that stratum's likelihood, and its effects in that stratum are
carried by the hierarchy alone.

What it can capture: catch probabilities that differ by list and stratum; pairwise dependence
between lists (referral between agencies, avoidance, and the positive pairwise dependence
that heterogeneous catchability induces), different in every stratum but similar across
strata. What it cannot: interactions of three or more lists (heterogeneity strong enough to
make them matter biases it, as it biases every pairwise log-linear model), people who change
stratum between lists (a stratum must be recorded the same way on every list), and
dependence that is strong in a stratum whose data are too thin to show it (the estimate is
then pulled towards the other strata's dependence).
"""

from __future__ import annotations

import uuid
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd

from ..core.checks import column_names, labels_present
from ..core.errors import DataError, DataWarning, EstimationWarning
from ..core.estimator import Estimator
from ..core.imports import import_pymc
from ..core.intervals import check_level
from ..core.mcmc import (
    chain_diagnostics,
    check_sampler,
    convergence_diagnostics,
    convergence_warnings,
    prior_scales,
    sample_pymc,
)
from ..core.random import SeedLike, as_generator, independent_seed
from ..core.results import Comparison, Estimate
from .algebra.design import design_matrix
from .data.captures import _as_binary, _plain, _row_label
from .details import PooledStratifiedDetails

__all__ = ["PooledStratifiedMSE", "DEFAULT_POOLED_PRIORS"]

DEFAULT_POOLED_PRIORS: dict[str, float] = {
    "missing_sd": 3.0,
    "list_sd": 2.5,
    "interaction_sd": 1.0,
    "list_spread": 1.0,
    "interaction_spread": 0.5,
    "structure_sd": 0.5,
}

# A missing-people mean beyond this (about 1e13) is a posterior the data do not bound.
_MAX_LOG_MISSING = 30.0


@dataclass(frozen=True)
class StrataCounts:
    """Capture-pattern counts by stratum, ready for the model."""

    labels: list[Any]  # one label per stratum (a tuple when ``by`` has several columns)
    levels: pd.DataFrame  # the ``by`` columns, one row per stratum
    counts: np.ndarray  # (strata, 2**K - 1): count of pattern code c + 1 (bit j = list j)
    possible: np.ndarray  # (strata, 2**K - 1): 1 where every list of the pattern operated
    present: np.ndarray  # (strata, K) bool: the list operated in the stratum
    lists: tuple[str, ...]

    @property
    def n_observed(self) -> np.ndarray:
        return self.counts.sum(axis=1).astype(np.int64)


def _patterns(k: int, terms: list[tuple[int, ...]]) -> np.ndarray:
    """0/1 design of the observable patterns (rows, codes 1..2**k - 1) on list ``terms``
    (tuples of list indices): the model algebra's :func:`~prevalence.mse.design.design_matrix`."""
    masks = np.array([sum(1 << j for j in term) for term in terms], dtype=np.int64)
    return design_matrix(np.arange(1, 2**k, dtype=np.int64), masks)


class PooledStratifiedMSE(Estimator):
    """Partially pooled multiple systems estimation by stratum (a Bayesian log-linear model).

    Every stratum has its own list effects and pairwise list interactions, shrunk towards
    values shared by all strata; the stratum sizes and their total come from one posterior.
    Thin strata (a few dozen people) borrow strength from the others instead of giving an
    unstable or no estimate; strata with plenty of data keep their own dependence. See
    :mod:`prevalence.mse.pooled` for the model and what it can and cannot capture.

    Parameters
    ----------
    lists : sequence of str
        The 0/1 list columns (at least three).
    by : str or sequence of str
        Stratum columns (year, sex, region, type of exploitation...).
    count : str, optional
        Column of counts when each row is a capture pattern within a stratum rather than a
        person.
    structure : sequence of str
        Columns of ``by`` whose levels share effects on the lists' catch across the strata
        they cross (``structure=["year"]``: every stratum of a year shares that year's shift).
    interactions : {"pairs", "none"}
        Pairwise list interactions (default) or lists independent within a stratum.
    absent : {"empty", "none"} or mapping
        Lists that did not operate in a stratum. ``"empty"`` (default): a list with nobody in
        a stratum did not operate there (a warning names every such case); ``"none"``: every
        list operated everywhere, zeros are zeros; a mapping from list name to the stratum
        labels where it did not operate.
    draws, tune, chains, cores, target_accept : sampler settings
        NUTS settings (``cores`` defaults to the CPUs, at most ``chains``).
    sampler : {"auto", "nutpie", "pymc"}
        NUTS implementation (:func:`~prevalence.core.mcmc.sample_pymc`); a refit of data of
        the same shape reuses nutpie's compilation.
    priors : mapping, optional
        Overrides of :data:`DEFAULT_POOLED_PRIORS` (scales of the priors above).
    level : float
        Credible level (equal-tailed intervals).
    seed : int or Generator
        The same seed gives identical draws (within each sampler).
    progress : bool, optional
        Progress bar (default: only on a terminal).

    Examples
    --------
    >>> import pandas as pd
    >>> rows = [(r, a, b, c) for r in ("north", "south")
    ...         for a, b, c in [(1, 0, 0)] * 30 + [(0, 1, 0)] * 25 + [(0, 0, 1)] * 20
    ...         + [(1, 1, 0)] * 8 + [(1, 0, 1)] * 6 + [(0, 1, 1)] * 5 + [(1, 1, 1)] * 2]
    >>> records = pd.DataFrame(rows, columns=["region", "police", "ngo", "shelter"])
    >>> model = PooledStratifiedMSE(["police", "ngo", "shelter"], by="region", seed=1)
    >>> model.prepare(records).n_observed.tolist()
    [96, 96]
    >>> est = model.fit(records)  # doctest: +SKIP
    >>> est.details["strata"][["region", "value", "lower", "upper"]]  # doctest: +SKIP
    """

    input_kinds = ()
    details_schema = PooledStratifiedDetails

    def __init__(
        self,
        lists: Sequence[str],
        by: str | Sequence[str],
        *,
        count: str | None = None,
        structure: Sequence[str] = (),
        interactions: str = "pairs",
        absent: str | Mapping[str, Sequence[Any]] = "empty",
        draws: int = 1000,
        tune: int = 1000,
        chains: int = 4,
        cores: int | None = None,
        target_accept: float = 0.9,
        sampler: str = "auto",
        priors: Mapping[str, float] | None = None,
        level: float = 0.95,
        seed: SeedLike = None,
        progress: bool | None = None,
    ) -> None:
        # the arguments as given (get_params returns them); their checked forms, private
        self.lists, self.by, self.structure, self.priors = lists, by, structure, priors
        self._lists = column_names("lists", lists, single=True)
        if len(self._lists) < 3:
            raise DataError(
                f"lists needs at least three list columns for a pooled model with list "
                f"interactions, got {list(self._lists)}"
            )
        self._by = column_names("by", by, single=True, allow_empty=False)
        if set(self._by) & set(self._lists):
            raise DataError(
                f"a column cannot be both a list and a stratum: {sorted(set(self._by) & set(self._lists))}"
            )
        self.count = count
        self._structure = column_names("structure", structure, single=True)
        unknown = [c for c in self._structure if c not in self._by]
        if unknown:
            raise DataError(f"structure columns must be among by={list(self._by)}, got {unknown}")
        if interactions not in ("pairs", "none"):
            raise DataError(f"interactions must be 'pairs' or 'none', got {interactions!r}")
        self.interactions = interactions
        if isinstance(absent, str) and absent not in ("empty", "none"):
            raise DataError(
                f"absent must be 'empty', 'none' or a mapping from list to strata, got {absent!r}"
            )
        if isinstance(absent, Mapping):
            bad = [k for k in absent if k not in self._lists]
            if bad:
                raise DataError(f"absent names lists that are not in lists: {bad}")
        elif not isinstance(absent, str):
            raise DataError(
                f"absent must be 'empty', 'none' or a mapping, got {type(absent).__name__}"
            )
        self.absent = absent
        for name, value, low in (("draws", draws, 1), ("tune", tune, 0), ("chains", chains, 1)):
            if isinstance(value, bool) or int(value) != value or value < low:
                raise DataError(f"{name} must be a whole number of at least {low}, got {value!r}")
        if not 0 < target_accept < 1:
            raise DataError(f"target_accept must lie in (0, 1), got {target_accept!r}")
        self.draws, self.tune, self.chains = int(draws), int(tune), int(chains)
        if cores is not None and (isinstance(cores, bool) or int(cores) != cores or cores < 1):
            raise DataError(f"cores must be a whole number of at least 1 or None, got {cores!r}")
        self.cores = cores
        self.target_accept = float(target_accept)
        self.sampler = check_sampler(sampler)
        self._priors = prior_scales(priors, DEFAULT_POOLED_PRIORS)
        self.level = check_level(level)
        self.seed = seed
        self.progress = progress

    # ------------------------------------------------------------------ data
    def prepare(self, data: pd.DataFrame) -> StrataCounts:
        """Check ``data`` and count its capture patterns by stratum (no sampling)."""
        if not isinstance(data, pd.DataFrame):
            raise DataError(
                f"PooledStratifiedMSE.fit expects a DataFrame of records or pattern counts, "
                f"got {type(data).__name__}"
            )
        needed = [*self._lists, *self._by, *([self.count] if self.count else [])]
        missing = [c for c in needed if c not in data.columns]
        if missing:
            raise DataError(
                f"columns {missing} are not in the data (columns: {[str(c) for c in data.columns]})"
            )
        doubled = sorted({str(c) for c in needed if (data.columns == c).sum() > 1})
        if doubled:
            raise DataError(f"columns {doubled} appear more than once in the data")
        if len(data) == 0:
            raise DataError("the data have no rows")
        labels_present(data, self._by)
        what = "pattern counts" if self.count else "one row per person"
        bits = np.column_stack([_as_binary(data, c, what) for c in self._lists])
        if self.count:
            weight = pd.to_numeric(data[self.count], errors="coerce").to_numpy(dtype=float)
            bad = ~np.isfinite(weight) | (weight < 0) | (weight != np.round(weight))
            if bad.any():
                pos = int(np.flatnonzero(bad)[0])
                raise DataError(
                    f"count column {self.count!r} must hold non-negative whole numbers, found "
                    f"{_plain(data[self.count].iloc[pos])!r} at {_row_label(data.index, pos)}"
                )
        else:
            weight = np.ones(len(data))
        nobody = (bits.sum(axis=1) == 0) & (weight > 0)
        if nobody.any():
            pos = int(np.flatnonzero(nobody)[0])
            raise DataError(
                f"{int(nobody.sum())} row(s) are on none of the lists (first: "
                f"{_row_label(data.index, pos)}): the people on no list are what the model "
                "estimates, they cannot be counted"
            )
        k = len(self._lists)
        code = bits @ (1 << np.arange(k))
        frame = data[list(self._by)].astype(object).reset_index(drop=True)
        frame["_code"] = code
        frame["_w"] = weight
        table = (
            frame.groupby([*self._by, "_code"], sort=True)["_w"]
            .sum()
            .unstack("_code", fill_value=0.0)
            .reindex(columns=range(2**k), fill_value=0.0)
        )
        levels = table.index.to_frame(index=False)
        labels = list(table.index)
        counts = table.to_numpy(dtype=float)[:, 1:]
        n_obs = counts.sum(axis=1)
        empty = np.flatnonzero(n_obs == 0)
        if empty.size:
            raise DataError(
                f"stratum {labels[empty[0]]!r} has no observed people: its size cannot be "
                "estimated from these lists; drop it or merge it with a neighbouring stratum"
                + (f" ({empty.size} such strata)" if empty.size > 1 else "")
            )
        pats = _patterns(k, [(j,) for j in range(k)])  # (C, K)
        on_list = counts @ pats  # (S, K) people on each list
        everywhere = [self._lists[j] for j in range(k) if on_list[:, j].sum() == 0]
        if everywhere:
            raise DataError(
                f"list(s) {everywhere} record nobody in any stratum: drop them from lists"
            )
        present = self._present(labels, on_list)
        possible = np.all((pats[None, :, :] == 0) | present[:, None, :], axis=2).astype(float)
        return StrataCounts(labels, levels, counts, possible, present, self._lists)

    def _present(self, labels: list[Any], on_list: np.ndarray) -> np.ndarray:
        present = np.ones(on_list.shape, dtype=bool)
        if self.absent == "empty":
            present = on_list > 0
            cases = [
                f"{self._lists[j]!r} in {labels[s]!r}"
                for s, j in zip(*np.nonzero(~present), strict=True)
            ]
            if cases:
                warnings.warn(
                    f"lists with nobody in a stratum are taken as not operating there "
                    f"(absent='empty'): {', '.join(cases[:10])}"
                    f"{' ...' if len(cases) > 10 else ''}; absent='none' treats them as zeros",
                    DataWarning,
                    stacklevel=4,
                )
        elif isinstance(self.absent, Mapping):
            where = {(lab if isinstance(lab, tuple) else (lab,)): s for s, lab in enumerate(labels)}
            for name, strata in self.absent.items():
                j = self._lists.index(name)
                for lab in [strata] if isinstance(strata, str) else strata:
                    key = lab if isinstance(lab, tuple) else (lab,)
                    if key not in where:
                        raise DataError(
                            f"absent: list {name!r} names stratum {lab!r}, which is not in the data"
                        )
                    s = where[key]
                    if on_list[s, j] > 0:
                        raise DataError(
                            f"absent: list {name!r} is declared absent from stratum {lab!r} but "
                            f"records {int(on_list[s, j])} people there"
                        )
                    present[s, j] = False
        few = [labels[s] for s in np.flatnonzero(present.sum(axis=1) < 2)]
        if few:
            warnings.warn(
                f"strata {few} have fewer than two operating lists: their sizes rest on the "
                "other strata's list effects (the pooled structure), not on their own overlaps",
                EstimationWarning,
                stacklevel=4,
            )
        return present

    # ------------------------------------------------------------------ model
    def build_model(self, data: StrataCounts) -> Any:
        """The PyMC model for prepared counts (see :mod:`prevalence.mse.pooled`)."""
        import pytensor.tensor as pt

        pm = import_pymc()

        k = len(data.lists)
        pairs: list[tuple[int, ...]] = list(combinations(range(k), 2))
        pats = _patterns(k, [(j,) for j in range(k)])
        pr = self._priors
        coords = {
            "stratum": [str(lab) for lab in data.labels],
            "list": list(data.lists),
            "pair": [f"{data.lists[a]}:{data.lists[b]}" for a, b in pairs],
        }
        with pm.Model(coords=coords) as model:
            counts = pm.Data("counts", data.counts)
            possible = pm.Data("possible", data.possible)
            centre = pm.Data("log_observed", np.log(data.n_observed.astype(np.float64)))
            z0 = pm.Normal("z_missing", 0.0, 1.0, dims="stratum")
            log_missing = pm.Deterministic(
                "log_missing", centre + pr["missing_sd"] * z0, dims="stratum"
            )
            beta = pm.Normal("list_effect", 0.0, pr["list_sd"], dims="list")
            sigma_b = pm.HalfNormal("list_spread", pr["list_spread"], dims="list")
            # deviations that sum to zero over the strata: the shared effect is then their
            # exact centre rather than a direction the sampler must find (a non-centred
            # hierarchy with informative strata otherwise mixes slowly along it)
            z_b = pm.ZeroSumNormal("z_list", 1.0, dims=("list", "stratum"))
            b = beta[None, :] + sigma_b[None, :] * z_b.T
            for col in self._structure:
                codes = pd.Categorical(data.levels[col]).codes.astype(np.int64)
                n_levels = int(codes.max()) + 1
                index = pm.Data(f"level_{col}", codes)
                # fixed effects that sum to zero over the factor's levels: a spread estimated
                # from two or three levels (years, sexes) would be a funnel for the sampler,
                # and the zero sum keeps them apart from the shared list effects
                shift = pm.ZeroSumNormal(
                    f"shift_{col}", sigma=pr["structure_sd"], shape=(k, n_levels)
                )
                b = b + shift[:, index].T
            log_mu = log_missing[:, None] + pt.dot(b, pats.T)
            if self.interactions == "pairs":
                pair_design = _patterns(k, pairs)
                gamma = pm.Normal("interaction", 0.0, pr["interaction_sd"], dims="pair")
                sigma_g = pm.HalfNormal("interaction_spread", pr["interaction_spread"])
                z_g = pm.ZeroSumNormal("z_interaction", 1.0, dims=("pair", "stratum"))
                g = gamma[None, :] + sigma_g * z_g.T
                log_mu = log_mu + pt.dot(g, pair_design.T)
            # Poisson log likelihood of the observed patterns (without log y!), structural
            # zeros left out
            pm.Potential("patterns", pt.sum(possible * (counts * log_mu - pt.exp(log_mu))))
        return model

    def _compile_key(self, data: StrataCounts) -> tuple:
        levels = tuple(int(pd.Categorical(data.levels[c]).codes.max()) + 1 for c in self._structure)
        return (
            "PooledStratifiedMSE",
            data.counts.shape,
            self.interactions,
            self._structure,
            levels,
            tuple(sorted(self._priors.items())),
        )

    # ------------------------------------------------------------------ fitting
    def fit(self, data: pd.DataFrame) -> Estimate:
        """Sample the posterior; the estimate is the total over the strata.

        ``details["strata"]`` is a table with one row per stratum (its ``by`` values,
        ``n_observed``, posterior median ``value``, ``lower``, ``upper``, ``rhat``,
        ``ess_bulk``, the lists absent there); ``details["by_stratum"]`` maps each stratum's
        label to its own :class:`~prevalence.Estimate` with posterior draws (for
        :meth:`compare_strata`, ``compare``, profits and DiD); ``details["stratum_draws"]``
        holds the joint draws (draws x strata); ``details["idata"]`` the ArviZ
        ``InferenceData``.
        """
        prepared = self.prepare(data)
        idata = sample_pymc(
            self.build_model(prepared),
            draws=self.draws,
            tune=self.tune,
            chains=self.chains,
            seed=self.seed,
            progress=self.progress,
            target_accept=self.target_accept,
            cores=self.cores,
            sampler=self.sampler,
            compile_key=self._compile_key(prepared),
        )
        return self._summarise(prepared, idata)

    def _summarise(self, data: StrataCounts, idata: Any) -> Estimate:
        log_missing = idata.posterior["log_missing"].to_numpy()  # (chains, draws, S)
        notes: list[str] = []
        if np.any(log_missing > _MAX_LOG_MISSING):
            notes.append(
                "the posterior of the number of people on no list is unbounded in some draws "
                f"(more than e^{_MAX_LOG_MISSING:.0f}): the data do not identify a stratum's "
                "size; use interactions='none' or tighter priors"
            )
        rng = as_generator(independent_seed(self.seed, 7))
        mean = np.exp(np.minimum(log_missing, _MAX_LOG_MISSING))
        sizes = data.n_observed[None, None, :] + rng.poisson(mean)  # (chains, draws, S)
        total = sizes.sum(axis=2)
        a = (1.0 - self.level) / 2.0
        flat = sizes.reshape(-1, sizes.shape[-1])
        q = np.quantile(flat, [a, 0.5, 1 - a], axis=0)
        diags = [chain_diagnostics(sizes[:, :, s]) for s in range(sizes.shape[2])]
        total_diag = chain_diagnostics(total)
        every = [*diags, total_diag]  # the strata and their total, judged together
        diagnostics = convergence_diagnostics(
            [d["rhat"] for d in every],
            [d["ess_bulk"] for d in every],
            [d["ess_tail"] for d in every],
            idata.sample_stats,
        )
        divergences = diagnostics["divergences"]
        worst = max(diags, key=lambda d: d["rhat"])
        notes += convergence_warnings(
            {
                "rhat": worst["rhat"],
                "ess_bulk": min(d["ess_bulk"] for d in diags),
                "ess_tail": min(d["ess_tail"] for d in diags),
            },
            "the stratum sizes",
            "raise draws and tune",
        )
        notes += convergence_warnings(total_diag, "the total", "raise draws and tune")
        if divergences:
            notes.append(
                f"{divergences} divergent transitions: raise target_accept (now "
                f"{self.target_accept}) or simplify the model (interactions='none')"
            )
        table = data.levels.copy()
        table["n_observed"] = data.n_observed.astype(np.int64)
        table["value"] = q[1]
        table["lower"] = q[0]
        table["upper"] = q[2]
        table["rhat"] = [d["rhat"] for d in diags]
        table["ess_bulk"] = [d["ess_bulk"] for d in diags]
        table["lists_absent"] = [
            ", ".join(data.lists[j] for j in np.flatnonzero(~row)) for row in data.present
        ]
        method = (
            f"pooled stratified log-linear MSE ({len(data.labels)} strata, "
            f"{'pairwise interactions' if self.interactions == 'pairs' else 'independent lists'}"
            f"{', structure ' + '+'.join(self._structure) if self._structure else ''}), "
            "posterior median and equal-tailed interval"
        )
        # marks the strata's draws as one joint posterior (DiD and comparisons pair them)
        posterior_id = f"PooledStratifiedMSE:{uuid.uuid4().hex}"
        by_stratum = {
            label: Estimate(
                value=float(q[1, s]),
                lower=float(q[0, s]),
                upper=float(q[2, s]),
                level=self.level,
                method=f"{method}; stratum {label!r}",
                draws=flat[:, s].astype(float),
                details={
                    "stratum": label,
                    "n_observed": int(data.n_observed[s]),
                    "posterior_id": posterior_id,
                    "diagnostics": convergence_diagnostics(
                        **diags[s], sample_stats=idata.sample_stats
                    ),
                },
                warnings=tuple(notes),
                draws_kind="posterior",
                interval_method="credible",
                scale="count",
            )
            for s, label in enumerate(data.labels)
        }
        for w in notes:
            warnings.warn(w, EstimationWarning, stacklevel=3)
        tq = np.quantile(total.ravel(), [a, 0.5, 1 - a])
        details = {
            "strata": table,
            "by_stratum": by_stratum,
            "stratum_draws": flat.astype(float),
            "labels": list(data.labels),
            "posterior_id": posterior_id,
            "n_observed": int(data.n_observed.sum()),
            "diagnostics": diagnostics,
            "sampler": idata.posterior.attrs.get("sampler", "pymc"),
            "priors": dict(self._priors),
            "idata": idata,
        }
        return Estimate(
            value=float(tq[1]),
            lower=float(tq[0]),
            upper=float(tq[2]),
            level=self.level,
            method=method + "; total over the strata",
            draws=total.ravel().astype(float),
            details=details,
            warnings=tuple(notes),
            draws_kind="posterior",
            interval_method="credible",
            scale="count",
        )

    def compare_strata(self, estimate: Estimate, baseline: Any, endline: Any) -> Comparison:
        """Compare two strata (or two sets of strata) of one fit from their joint posterior.

        ``baseline`` and ``endline`` are stratum labels, or lists of labels whose sizes are
        added (for example every stratum of 2023 against every stratum of 2024). The draws
        are paired, so the comparison keeps the correlation the shared structure creates.
        """
        draws = estimate.details.get("stratum_draws")
        labels = estimate.details.get("labels")
        if draws is None or labels is None:
            raise DataError("compare_strata needs an estimate returned by PooledStratifiedMSE.fit")

        def pick(which: Any, name: str) -> tuple[np.ndarray, str]:
            chosen = which if isinstance(which, list) else [which]
            idx = []
            for lab in chosen:
                if lab not in labels:
                    raise DataError(f"{name}: stratum {lab!r} is not among the strata {labels}")
                idx.append(labels.index(lab))
            return draws[:, idx].sum(axis=1), ", ".join(repr(x) for x in chosen)

        b_draws, b_name = pick(baseline, "baseline")
        e_draws, e_name = pick(endline, "endline")
        a = (1.0 - self.level) / 2.0

        def summary(x: np.ndarray, method: str, scale: str, extra: dict[str, Any]) -> Estimate:
            lo, med, hi = np.quantile(x, [a, 0.5, 1 - a])
            return Estimate(
                float(med),
                float(lo),
                float(hi),
                self.level,
                method,
                x,
                extra,
                estimate.warnings,
                draws_kind="posterior",
                interval_method="credible",
                scale=scale,
            )

        diff = e_draws - b_draws
        ratio = e_draws / b_draws
        return Comparison(
            summary(b_draws, f"strata {b_name} (pooled MSE)", "count", {}),
            summary(e_draws, f"strata {e_name} (pooled MSE)", "count", {}),
            summary(
                diff,
                "change endline - baseline (joint posterior of the pooled MSE)",
                "count",
                {"probability_decrease": float(np.mean(diff < 0))},
            ),
            summary(ratio, "ratio endline / baseline (joint posterior)", "ratio", {}),
        )
