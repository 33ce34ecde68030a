"""Multiple systems estimation with Poisson log-linear models: a fixed model, or one selected
by BIC, AIC or the stepwise rule, with profile-likelihood, Wald or bootstrap intervals."""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any, cast

import numpy as np
import pandas as pd
from scipy import stats

from ..core.bootstrap import Jackknife, bca_extreme_note
from ..core.checks import whole_number
from ..core.errors import DataError, EstimationError, EstimationWarning
from ..core.estimator import Estimator
from ..core.intervals import (
    REPORTED_PROBS,
    check_level,
    log_transformed_interval,
    percentile_interval,
)
from ..core.random import SeedLike, as_generator
from ..core.results import Estimate, coefficient_table
from .algebra.design import reduced_design
from .algebra.existence import check_design
from .algebra.hierarchical import HierarchicalModel, ModelSpec, canonical_string, term_label
from .data.captures import CaptureHistories, as_captures
from .details import LogLinearDetails
from .inference.profile import ProfileResult, profile_interval
from .inference.search import (
    SearchResult,
    aic_wald_terms,
    check_exhaustive,
    downhill_batch,
    exhaustive_size,
    information_criterion,
    multistart_batch,
)
from .inference.selection import (
    ModelSet,
    Procedure,
    SelectionResult,
    bca_interval,
    bootstrap_counts,
    candidate_procedure,
    default_max_order,
    default_n_top,
    jackknife_acceleration,
    jackknife_counts,
    run_replicates,
    select_exhaustive,
    stepwise_terms,
)
from .kernels.engine import FitStatus, ModelFit, fit_model, fit_models, pack_models
from .kernels.glm import fit_poisson

__all__ = ["LogLinearMSE", "as_captures"]

INTERVALS = ("profile", "wald", "lognormal", "bootstrap", "percentile", "none")
SELECTIONS = ("bic", "aic", "stepwise", "aic-wald")
SEARCHES = ("exhaustive", "downhill", "multistart")
# a downhill or multi-start result is compared with the exhaustive optimum up to this size
CHECK_OPTIMUM_MODELS = 10_000
BOOT_MODELS = ("top", "all")


class LogLinearMSE(Estimator):
    """Population size from hierarchical Poisson log-linear models of the capture table.

    A model is fitted by Poisson maximum likelihood to the observed cells; the number of
    people on no list is ``exp(intercept)``, so ``N = n + exp(intercept)`` (as in
    MultipleSystemsEstimation and Rcapture). Terms whose margin is empty are fixed at minus
    infinity (the extended MLE); models whose MLE does not exist or is not identifiable are
    refused (see :func:`prevalence.mse.check_model`).

    Parameters
    ----------
    model : str, sequence of generators, HierarchicalModel or None
        A fixed model: ``"[12,23]"`` (R notation, lists numbered in column order),
        ``[("LA", "NG")]`` (generators of list names), or ``None`` for the independence model.
        Must be ``None`` when ``select`` is given.
    select : {"bic", "aic", "stepwise", "aic-wald"} or None
        Choose the model from the data: by BIC or AIC over the hierarchical models with
        interactions up to ``max_order`` (the search is set by ``search``); the stepwise rule
        of Chan, Silverman and Vincent (2021) (as ``estimate_population_stepwise``); or
        ``"aic-wald"``, the rule of the first UK estimate (Silverman 2014; Bales, Hesketh and
        Silverman 2015): add the interaction that most lowers AIC while its Wald p-value is
        below ``p_threshold`` (see :func:`prevalence.mse.search.aic_wald_terms`).
    search : {"exhaustive", "downhill", "multistart"}
        How ``"bic"``/``"aic"`` search: every model (as ``estimate_population_bic``; refused
        beyond 100,000 models, for example pairwise models of seven or more lists, with the
        estimated time in the message); R's greedy ``downhill_fit`` from the independence
        model (Silverman, Chan and Vincent 2024, section 5.2); or that search from the
        independence model and from every single-interaction model, keeping the best. Up to
        five lists a greedy result is compared with the exhaustive optimum
        (``details["search"]["exhaustive_optimum"]``), with a warning when it missed it.
        The bootstrap repeats the same search in every replicate.
    max_order : int, optional
        Highest interaction order searched. Default for ``"bic"``/``"aic"``: number of lists - 1
        up to five lists, 2 from six on; for ``"stepwise"`` and ``"aic-wald"``: 2, as R.
        ``None`` with stepwise means the default; pass the number of lists to allow every order.
    p_threshold : float, optional
        Threshold of the stepwise rules: default 0.02 for ``"stepwise"`` (R's ``pthresh``),
        0.05 for ``"aic-wald"`` (the UK analysis).
    interval : {"profile", "wald", "lognormal", "bootstrap", "percentile", "none"}, optional
        ``"profile"``: multinomial profile likelihood of the (chosen) model, as Rcapture's
        ``closedpCI`` (ignores model-selection uncertainty); ``"wald"``: delta method on the
        log scale of the unobserved count; ``"lognormal"``: the model-based interval of
        SparseMSE's ``estimatepopulation.0``: ``n + exp(b0 +- z se(b0))`` from the intercept
        ``b0`` and its standard error (Chan, Silverman and Vincent 2021); ``"bootstrap"``: BCa
        limits from a multinomial bootstrap in which every replicate repeats the model
        selection, with jackknife acceleration (Silverman, Chan and Vincent 2024);
        ``"percentile"``: percentile limits of the same bootstrap. Default: ``"profile"`` for
        a fixed model, ``"bootstrap"`` when the model is selected.
    n_boot : int
        Bootstrap replicates (default 1000).
    boot_models : {"top", "all"}
        Candidate models in each replicate of an exhaustive search: the ``n_top`` best models
        of the original data (R's procedure) or every valid model (a full search per replicate).
    n_top : int, optional
        Number of best models kept with ``boot_models="top"``; default as R: all for up to
        three lists, 20 for four, 100 for five or six.
    level : float
        Interval level, default 0.95.
    seed : int or Generator, optional
        Seed of the bootstrap and of :meth:`compare`.
    progress : bool, optional
        Show a progress bar during the bootstrap (default: only on a terminal).

    Examples
    --------
    >>> import pandas as pd
    >>> from prevalence import CaptureHistories, LogLinearMSE
    >>> df = pd.DataFrame({"A": [1, 0, 1], "B": [0, 1, 1], "count": [60, 40, 20]})
    >>> est = LogLinearMSE().fit(CaptureHistories.from_counts(df))
    >>> round(est.value, 6)
    240.0
    """

    input_kinds = ("captures", "records", "case_lists")
    details_schema = LogLinearDetails
    #: What the method assumes, in words (the run report's methods section).
    assumptions = (
        "Multiple systems estimation with a Poisson log-linear model of the capture patterns "
        "(Fienberg 1972; Bishop, Fienberg and Holland 1975). Assumes a closed population over "
        "the period, that each person is recorded correctly on each list and matched "
        "correctly across lists, and that the dependence between lists and any heterogeneity "
        "of people's catchability are captured by the interactions in the model; the "
        "highest-order interaction is assumed absent. With model selection the interval "
        "accounts for the selection (bootstrap)."
    )

    def __init__(
        self,
        model: ModelSpec = None,
        *,
        select: str | None = None,
        search: str = "exhaustive",
        max_order: int | None = None,
        p_threshold: float | None = None,
        interval: str | None = None,
        n_boot: int = 1000,
        boot_models: str = "top",
        n_top: int | None = None,
        level: float = 0.95,
        seed: SeedLike = None,
        progress: bool | None = None,
    ) -> None:
        if select is not None and select not in SELECTIONS:
            raise ValueError(f"select must be one of {SELECTIONS} or None, got {select!r}")
        if select is not None and model is not None:
            raise ValueError("give either a fixed model or select=..., not both")
        if interval is None:
            interval = "profile" if select is None else "bootstrap"
        if interval not in INTERVALS:
            raise ValueError(f"interval must be one of {INTERVALS}, got {interval!r}")
        if boot_models not in BOOT_MODELS:
            raise ValueError(f"boot_models must be one of {BOOT_MODELS}, got {boot_models!r}")
        whole_number("n_boot", n_boot, 2)
        if n_top is not None and (int(n_top) != n_top or n_top < 1):
            raise ValueError(f"n_top must be a positive whole number, got {n_top!r}")
        if max_order is not None and (int(max_order) != max_order or max_order < 1):
            raise ValueError(f"max_order must be a positive whole number, got {max_order!r}")
        if p_threshold is not None and not 0.0 <= float(p_threshold) <= 1.0:
            raise ValueError(f"p_threshold must lie in [0, 1], got {p_threshold!r}")
        if search not in SEARCHES:
            raise ValueError(f"search must be one of {SEARCHES}, got {search!r}")
        if search != "exhaustive" and select not in ("bic", "aic"):
            raise ValueError(
                f'search="{search}" applies to select="bic" or "aic", not select={select!r}'
            )
        self.model = model
        self.select = select
        self.search = search
        self.max_order = max_order
        self.p_threshold = None if p_threshold is None else float(p_threshold)
        self.interval = interval
        self.n_boot = int(n_boot)
        self.boot_models = boot_models
        self.n_top = n_top
        self.level = check_level(level)
        self.seed = seed
        self.progress = progress

    # ------------------------------------------------------------------ fitting
    def check_input(self, data: CaptureHistories | pd.DataFrame) -> list[str]:
        """The fixed model's existence on ``data`` (with selection: the independence model's)."""
        from .algebra.existence import fit_problems

        try:
            captures = as_captures(data)
        except DataError as exc:
            return [str(exc)]
        return fit_problems(captures, self.model if self.select is None else None)

    def fit(self, data: CaptureHistories | pd.DataFrame) -> Estimate:
        """Fit (or select and fit) the model and estimate the population size."""
        captures = as_captures(data)
        t = captures.n_lists
        y = np.asarray(captures.cell_counts, dtype=float)
        notes: list[str] = []
        selection = None
        search_record: dict[str, Any] | None = None
        if self.select is None:
            model = HierarchicalModel.parse(self.model, lists=captures.lists)
        elif self.select in ("stepwise", "aic-wald"):
            order = self._stepwise_order(t)
            model = HierarchicalModel(self._rule(y, t, order), t)
        else:
            order = self._search_order(t)
            if self.search == "exhaustive":
                check_exhaustive(t, order, self.select)
                selection = select_exhaustive(captures, ModelSet.all(t, order), self.select)
                model = HierarchicalModel(selection.best_terms, t)
            else:
                found = self._greedy(y, t, order)
                if not found.terms:
                    raise EstimationError(
                        "the independence model has no finite, identifiable maximum likelihood "
                        "estimate on these data, so the search cannot start"
                    )
                model = HierarchicalModel(found.terms, t)
                search_record = self._search_record(captures, found, order, notes)
        if self.select is None:
            # a fixed model is checked once, exactly; a selected one was checked by the search
            self._check_exists(captures, model)
        # the engine that ranked the models fits the chosen one: one iteration, one result
        fit = fit_model(model.terms, y, t)
        if fit.status & (FitStatus.SINGULAR | FitStatus.DIVERGING):
            raise EstimationError(
                f"model {model} cannot be fitted to these data: the maximum likelihood estimate "
                "is not finite or the parameters are not identifiable"
            )
        if fit.status & FitStatus.NOT_CONVERGED:
            notes.append(f"the Poisson fit did not converge in {fit.iterations} iterations")
        n = float(captures.n_observed)
        unobserved = math.exp(float(fit.coef[0]))
        N = n + unobserved
        se = math.sqrt(unobserved + unobserved**2 * fit.cov[0, 0])
        details = self._details(captures, model, fit, N, se)
        if selection is not None:
            details["selection"] = self.select
            details["max_order"] = order
            details["models"] = selection.table
            details["n_models"] = len(selection.models) + selection.n_invalid
            details["n_models_skipped"] = selection.n_invalid
        elif search_record is not None:
            details["selection"] = self.select
            details["max_order"] = order
            details["search"] = search_record
            details["n_models"] = search_record["n_models"]
        elif self.select in ("stepwise", "aic-wald"):
            details["selection"] = self.select
            details["p_threshold"] = self._threshold()
            details["max_order"] = order
        lower = upper = math.nan
        interval_method = None
        how = {
            "bic": "BIC-selected",
            "aic": "AIC-selected",
            "stepwise": "stepwise-selected",
            "aic-wald": "AIC-Wald stepwise-selected",
        }
        method = (
            f"log-linear MSE {model}"
            if self.select is None
            else (f"log-linear MSE, {how[self.select]} {model}")
        )
        if self.search != "exhaustive":
            method += f" ({self.search} search)"
        if self.interval == "profile":
            prof = self._profile(model, y, n, N)
            lower, upper = prof.lower, prof.upper
            details["multinomial_estimate"] = prof.estimate
            notes.extend(prof.warnings)
            method += ", profile likelihood interval"
            interval_method = "profile"
        elif self.interval == "wald":
            lower, upper = log_transformed_interval(N, se, n, self.level)
            method += ", log-scale Wald interval"
            interval_method = "log-wald"
        elif self.interval == "lognormal":
            z = float(stats.norm.ppf(0.5 + self.level / 2.0))
            # SparseMSE reads the intercept's variance from the working weights of R's last
            # IRLS step, which stops before the maximum: reproducing it needs R's iteration
            design = reduced_design(captures.cell_counts, model)
            r_fit = fit_poisson(design.X, y[design.cells], like_r=True)
            b0, sd0 = float(r_fit.coef[0]), math.sqrt(float(r_fit.cov[0, 0]))
            lower, upper = n + math.exp(b0 - z * sd0), n + math.exp(b0 + z * sd0)
            method += ", log-normal interval on the intercept"
            interval_method = "log-normal"
        draws = None
        if self.interval in ("bootstrap", "percentile"):
            boot = self._bootstrap(captures, N, model, selection)
            draws = boot.pop("draws")
            details["bootstrap"] = boot
            notes.extend(boot.pop("notes"))
            details["jackknife"] = boot.pop("jackknife_record")
            if self.interval == "bootstrap":
                lower, upper = boot["bca"]
                method += f", BCa bootstrap interval ({self.n_boot} replicates)"
                interval_method = "bca"
                details["bca"] = {
                    "bias_correction": boot["bias_correction"],
                    "acceleration": boot["acceleration"],
                }
            else:
                lower, upper = percentile_interval(draws, self.level)
                method += f", percentile bootstrap interval ({self.n_boot} replicates)"
                interval_method = "percentile"
        for w in notes:
            warnings.warn(w, EstimationWarning, stacklevel=2)
        return Estimate(
            value=N,
            lower=lower,
            upper=upper,
            level=self.level,
            method=method,
            draws=draws,
            details=details,
            warnings=tuple(notes),
            draws_kind=None if draws is None else "bootstrap",
            scale="count",
            interval_method=interval_method,
        )

    def _stepwise_order(self, t: int) -> int:
        return min(self.max_order if self.max_order is not None else 2, t)

    def _candidate_bootstrap(self) -> bool:
        """True when the bootstrap selects among candidate models of the original data."""
        return self.select in ("bic", "aic") and self.search == "exhaustive"

    def _search_order(self, t: int) -> int:
        order = self.max_order if self.max_order is not None else default_max_order(t)
        if order > t - 1:
            raise DataError(
                f"max_order {order} leaves no degree of freedom with {t} lists; use at most {t - 1}"
            )
        return order

    def _threshold(self) -> float:
        if self.p_threshold is not None:
            return self.p_threshold
        return 0.05 if self.select == "aic-wald" else 0.02

    def _rule(self, y: np.ndarray, t: int, order: int) -> tuple[int, ...]:
        """Terms chosen by a stepwise rule (``"stepwise"`` or ``"aic-wald"``)."""
        if self.select == "aic-wald":
            return aic_wald_terms(y, t, self._threshold(), order)
        return stepwise_terms(y, t, self._threshold(), order)

    def _greedy(self, y: np.ndarray, t: int, order: int) -> SearchResult:
        return self._greedy_batch(np.asarray(y, dtype=float)[None, :], t, order)[0]

    def _greedy_batch(
        self, Y: np.ndarray, t: int, order: int, exact: bool = True
    ) -> list[SearchResult]:
        assert self.select in ("bic", "aic")
        if self.search == "downhill":
            return downhill_batch(Y, t, criterion=self.select, max_order=order, exact=exact)
        return multistart_batch(Y, t, criterion=self.select, max_order=order, exact=exact)

    def _search_record(
        self, captures: CaptureHistories, found: SearchResult, order: int, notes: list[str]
    ) -> dict[str, Any]:
        """What a greedy search did, and whether it found the exhaustive optimum (<= 5 lists)."""
        t = captures.n_lists
        record: dict[str, Any] = {
            "search": self.search,
            "n_models": found.n_models,
            "steps": found.steps,
            "starts": found.starts,
            "path": list(found.path),
            "exhaustive_optimum": None,
        }
        if found.stopped_at_limit:
            notes.append(
                f"the {self.search} search stopped after its limit of 20 moves; the model may "
                "not be a local optimum"
            )
        if exhaustive_size(t, order)[0] <= CHECK_OPTIMUM_MODELS:
            best = select_exhaustive(captures, ModelSet.all(t, order), cast(str, self.select))
            found_it = bool(found.criterion <= float(best.criterion[0]) + 1e-7)
            record["exhaustive_optimum"] = found_it
            record["exhaustive_model"] = best.models.name(0)
            record["exhaustive_N"] = float(best.N[0])
            if not found_it:
                notes.append(
                    f"the {self.search} search stopped at a local optimum: the exhaustive search "
                    f"finds {best.models.name(0)} with {str(self.select).upper()} lower by "
                    f"{found.criterion - float(best.criterion[0]):.3g} (N = {float(best.N[0]):.6g})"
                )
        return record

    @staticmethod
    def _check_exists(captures: CaptureHistories, model: HierarchicalModel) -> None:
        check = check_design(reduced_design(captures.cell_counts, model), captures.lists)
        if not check.ok:
            raise EstimationError(f"model {model} cannot be fitted to these data: {check.reason}")

    def _profile(
        self, model: HierarchicalModel, y: np.ndarray, n: float, N: float
    ) -> ProfileResult:
        table, lengths = pack_models([model.terms])
        y_aug = np.array(y, dtype=float)

        def deviance_at(n0: float) -> float:
            # the same model with the unobserved cell fixed at n0 and counted as observed
            y_aug[0] = n0
            res = fit_models(table, lengths, y_aug, model.n_lists, zero_cell=True)
            return float(res["deviance"][0, 0])

        return profile_interval(deviance_at, n, N, self.level)

    # ------------------------------------------------------------------ bootstrap
    def _procedure(
        self,
        captures: CaptureHistories,
        model: HierarchicalModel,
        selection: SelectionResult | None,
    ) -> tuple[Procedure, list[str]]:
        """Map a matrix of count vectors to (estimates, selected-model labels)."""
        t = captures.n_lists
        if self.select in ("stepwise", "aic-wald") or self.search != "exhaustive":
            rule = self.select in ("stepwise", "aic-wald")
            order = self._stepwise_order(t) if rule else self._search_order(t)
            names: dict[tuple[int, ...], int] = {}
            labels: list[str] = []

            def procedure(Y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
                N = np.empty(Y.shape[0])
                idx = np.empty(Y.shape[0], dtype=np.int64)
                found = None if rule else self._greedy_batch(Y, t, order, exact=False)
                for b, yb in enumerate(Y):
                    if found is not None:
                        terms, N[b] = found[b].terms, found[b].N
                    else:
                        terms = self._rule(yb, t, order)
                    if not terms:  # no valid starting model in this replicate
                        N[b], idx[b] = math.nan, -1
                        continue
                    if found is None:
                        ms = ModelSet.from_terms(t, [terms])
                        N[b] = candidate_procedure(ms, "bic", None)(yb[None, :])[0][0]
                    if terms not in names:
                        names[terms] = len(labels)
                        labels.append(canonical_string(terms, t))
                    idx[b] = names[terms]
                return N, idx

            return procedure, labels
        if selection is None:
            models = ModelSet.from_terms(t, [model.terms])
            return candidate_procedure(models, "bic", None), [str(model)]
        models, starts = selection.models, selection.betas
        if self.boot_models == "top":
            top = self.n_top if self.n_top is not None else default_n_top(t)
            if top is not None and top < len(models):
                models, starts = models.subset(np.arange(top)), starts[:top]
        labels = [models.name(k) for k in range(len(models))]
        return candidate_procedure(models, cast(str, self.select), starts), labels

    def _bootstrap(
        self,
        captures: CaptureHistories,
        N: float,
        model: HierarchicalModel,
        selection: SelectionResult | None,
    ) -> dict[str, Any]:
        rng = as_generator(self.seed)
        y = np.asarray(captures.cell_counts, dtype=float)
        procedure, labels = self._procedure(captures, model, selection)
        Y = bootstrap_counts(y, self.n_boot, rng)
        boot, chosen = run_replicates(procedure, Y, progress=self.progress)
        Yj, weights = jackknife_counts(y)
        jack, _ = procedure(Yj)
        notes: list[str] = []
        usable = np.isfinite(boot)
        n_failed = int((~usable).sum())
        if n_failed:
            notes.append(
                f"{n_failed} of {self.n_boot} bootstrap replicates had no valid model and were dropped"
            )
        accel = jackknife_acceleration(jack, weights)
        if not math.isfinite(accel):
            notes.append(
                "the jackknife acceleration is undefined: a delete-one data set has no valid model"
            )
        alpha = round((1.0 - self.level) / 2.0, 12)
        probs = sorted(set(REPORTED_PROBS) | {alpha, round(1.0 - alpha, 12)})
        limits, z0 = bca_interval(boot[usable], N, accel, probs)
        quantiles = dict(zip(probs, limits.tolist(), strict=True))
        if not np.all(np.isfinite(limits)) and math.isfinite(accel):
            notes.append(
                "the BCa interval is undefined: all bootstrap replicates lie on one side of the estimate"
            )
        if self.interval == "bootstrap":
            extreme = bca_extreme_note(z0, accel, self.level, int(usable.sum()), "estimate")
            if extreme:
                notes.append(extreme)
        freq = pd.Series(
            [labels[k] for k in chosen[usable & (chosen >= 0)]], dtype=object
        ).value_counts(normalize=True)
        return {
            "draws": boot[usable],
            "notes": notes,
            "n_boot": self.n_boot,
            "n_failed": n_failed,
            "acceleration": accel,
            "bias_correction": z0,
            "bca": (quantiles[alpha], quantiles[round(1.0 - alpha, 12)]),
            "bca_quantiles": quantiles,
            "jackknife": jack,
            "jackknife_record": Jackknife.single(jack, weights),
            "boot_models": self.boot_models if self._candidate_bootstrap() else None,
            "n_candidates": len(labels) if self._candidate_bootstrap() else None,
            "model_frequencies": freq.to_dict(),
        }

    # ------------------------------------------------------------------ sensitivity
    def sensitivity(
        self,
        data: CaptureHistories | pd.DataFrame,
        merge: Sequence[Sequence[str]] = (),
    ) -> pd.DataFrame:
        """Estimates with each list omitted in turn and with chosen lists merged.

        Parameters
        ----------
        data : CaptureHistories or DataFrame
        merge : sequence of list-name sequences
            Groups of lists to merge (one scenario per group), as in the published UK analysis
            (Bales, Hesketh and Silverman 2015).

        Returns
        -------
        DataFrame with one row per scenario: ``scenario, lists, n_observed, estimate, lower,
        upper, model, error``. ``model`` names the lists (``police*ngo + hotline``): list
        numbers would mean different lists in different rows once a list is omitted. A
        scenario whose model cannot be fitted keeps its error message.
        """
        captures = as_captures(data)
        scenarios: list[tuple[str, CaptureHistories | None, str]] = [("all lists", captures, "")]
        for name in captures.lists:
            scenarios.append((f"without {name}", None, name))
        for group in merge:
            scenarios.append((f"merge {' + '.join(group)}", None, "|".join(group)))
        rows = []
        for label, ch, arg in scenarios:
            error = ""
            try:
                if ch is None:
                    ch = (
                        captures.omit(arg)
                        if label.startswith("without")
                        else captures.merge(arg.split("|"), into="+".join(arg.split("|")))
                    )
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", EstimationWarning)
                    est = self.fit(ch)
                row = {
                    "estimate": est.value,
                    "lower": est.lower,
                    "upper": est.upper,
                    "model": est.details["model_terms"],
                }
            except (EstimationError, DataError) as exc:
                row = {"estimate": math.nan, "lower": math.nan, "upper": math.nan, "model": ""}
                error = str(exc)
            rows.append(
                {
                    "scenario": label,
                    "lists": ", ".join(ch.lists) if ch is not None else "",
                    "n_observed": ch.n_observed if ch is not None else 0,
                    **row,
                    "error": error,
                }
            )
        return pd.DataFrame(rows)

    # ------------------------------------------------------------------ details
    def _details(
        self,
        captures: CaptureHistories,
        model: HierarchicalModel,
        fit: ModelFit,
        N: float,
        se: float,
    ) -> dict[str, Any]:
        lists = captures.lists
        n = float(captures.n_observed)
        k = model.n_parameters
        # estimated terms with their Wald intervals, then those fixed at minus infinity
        infinite = fit.infinite_terms.size
        coefs = coefficient_table(
            [term_label(int(u), lists) for u in (*fit.terms, *fit.infinite_terms)],
            np.concatenate([fit.coef, np.full(infinite, -np.inf)]),
            np.concatenate([np.sqrt(np.diag(fit.cov)), np.full(infinite, np.nan)]),
            level=self.level,
        )
        fitted = captures.counts.copy()
        fitted["fitted"] = fit.fitted[1:].copy()  # the observable cells, in pattern order
        return {
            "model": str(model),
            "model_terms": model.describe(lists),
            "lists": lists,
            "n_observed": int(n),
            "unobserved": N - n,
            "std_error": se,
            "deviance": fit.deviance,
            "df": fit.df_residual,
            "loglik": fit.loglik,
            "AIC": float(information_criterion("aic", fit.loglik, k, n)),
            "BIC": float(information_criterion("bic", fit.loglik, k, n)),
            "coefficients": coefs,
            "infinite_terms": tuple(term_label(int(u), lists) for u in fit.infinite_terms),
            "fitted": fitted,
            "converged": not fit.status & FitStatus.NOT_CONVERGED,
            "iterations": fit.iterations,
        }
