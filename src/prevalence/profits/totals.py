"""Total illicit profits: victims times profit per victim, stratum by stratum, summed.

:class:`IllicitProfits` combines victim numbers (an :class:`~prevalence.Estimate` per stratum,
from any estimator) with a :class:`~prevalence.profits.ProfitTable` (from a survey of victims
or from assumptions) by simulation, with a seed:

* the victims of each stratum are drawn as :func:`~prevalence.core.compare.matched_draws`
  gives them (posterior draws as they are, BCa bootstrap replicates with their correction,
  an estimate without draws as a split log-normal matched to its interval); strata are
  independent samples;
* the profit per victim is drawn jointly over strata (multivariate normal with the survey's
  covariance, or each stratum's assumed distribution);
* each draw's total is ``sum_s victims_s x profit_s``.

The result (:class:`ProfitResult`) has the total with a percentile interval, every stratum's
profits, breakdowns by any stratum column, and a decomposition of the uncertainty: the same
total with only the victims uncertain (profit per victim at its estimate) and with only the
profit per victim uncertain.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..core.compare import compare_estimates, matched_draws, note_zero_width, one_posterior
from ..core.errors import DataError, EstimationError
from ..core.intervals import check_level, percentile_interval
from ..core.random import SeedLike, as_generator
from ..core.results import Comparison, Estimate
from .assumptions import ProfitAssumption
from .money import deflate_estimate, price_factor
from .tables import ProfitTable, stratum_key

__all__ = ["IllicitProfits", "ProfitResult"]


@dataclass(frozen=True)
class ProfitResult:
    """Total illicit profits with their breakdown and the sources of their uncertainty.

    Attributes
    ----------
    total : Estimate
        Total annual profits (``scale`` is the currency and price year, e.g. ``"USD 2021"``).
    strata : DataFrame
        One row per stratum: victims, profit per victim, profits with interval, share.
    decomposition : DataFrame
        The total's standard deviation and interval width with both sources uncertain, with
        only the victims uncertain, and with only the profit per victim uncertain; and the
        share of the variance due to each.
    draws : DataFrame
        The simulated profits of every stratum (one column per stratum).
    by : tuple of str
        The stratum columns.
    """

    total: Estimate
    strata: pd.DataFrame
    decomposition: pd.DataFrame
    draws: pd.DataFrame = field(repr=False)
    by: tuple[str, ...] = ()

    @property
    def currency(self) -> str:
        return str(self.total.scale).split()[0]

    @property
    def year(self) -> int:
        return int(str(self.total.scale).split()[1])

    def by_column(self, column: str) -> pd.DataFrame:
        """Profits summed by one stratum column (region, sector), with intervals from the draws."""
        if column not in self.by:
            raise DataError(
                f"{column!r} is not a stratum column (stratum columns: {list(self.by)})"
            )
        pos = self.by.index(column)
        groups: dict[Any, list[Any]] = {}
        for key in self.draws.columns:
            parts = key if isinstance(key, tuple) else (key,)
            groups.setdefault(parts[pos], []).append(key)
        rows = []
        level = self.total.level
        for g, keys in groups.items():
            d = self.draws[keys].sum(axis=1).to_numpy()
            point = float(self.strata.loc[self.strata["stratum"].isin(keys), "profits"].sum())
            lo, hi = percentile_interval(d, level)
            rows.append(
                {
                    column: g,
                    "profits": point,
                    "lower": lo,
                    "upper": hi,
                    "share": point / self.total.value,
                }
            )
        return pd.DataFrame(rows)

    def deflate(self, index: Mapping[int, float], to_year: int) -> ProfitResult:
        """The result at ``to_year`` prices (``index``: a price index by year)."""
        f = price_factor(index, self.year, int(to_year))
        strata = self.strata.copy()
        for c in ("profit_per_victim", "profits", "lower", "upper"):
            strata[c] = strata[c] * f
        dec = self.decomposition.copy()
        for c in ("std_dev", "lower", "upper", "width"):
            dec[c] = dec[c] * f
        return ProfitResult(
            deflate_estimate(self.total, index, int(to_year)), strata, dec, self.draws * f, self.by
        )

    def compare(self, endline: ProfitResult, *, seed: SeedLike = None) -> Comparison:
        """Baseline (this result) against ``endline``, treated as independent.

        Right when each period has its own profit per victim (a survey of victims at each);
        when both use the same figures, :meth:`IllicitProfits.compare` keeps them equal in
        every draw so that their uncertainty does not inflate the change. Both must be in one
        currency and price year (deflate first); ``probability_reduced`` on the result answers
        "did profits fall?".
        """
        return compare_estimates(self.total, endline.total, seed=seed)

    def __repr__(self) -> str:
        return f"ProfitResult(total={self.total!r}, {len(self.strata)} strata)"


def _victim_estimates(victims: Any) -> dict[Any, Estimate]:
    if isinstance(victims, Estimate):
        return {"all": victims}
    if isinstance(victims, Mapping):
        out = {}
        for k, v in victims.items():
            if not isinstance(v, Estimate):
                raise DataError(
                    f"victims of stratum {k!r}: expected an Estimate, got {type(v).__name__}"
                )
            out[stratum_key(k)] = v
        if not out:
            raise DataError("no victim estimates given")
        return out
    raise DataError(
        "victims must be an Estimate or a mapping of stratum to Estimate "
        f"(e.g. Stratified(...).fit_strata(data)), got {type(victims).__name__}"
    )


class IllicitProfits:
    """Total illicit profits from victims and profit per victim, by stratum.

    Parameters
    ----------
    per_victim : ProfitTable, ProfitAssumption or mapping of stratum to ProfitAssumption
        Profit per victim: from a survey of victims
        (:class:`~prevalence.profits.ForcedLabourProfit`...) or assumed.
    by : str or list of str, optional
        Stratum columns, when ``per_victim`` is a mapping of assumptions.
    level : float
        Interval level.
    n_draws : int
        Simulation draws.
    seed : int, Generator or None
        Seed of the simulation.

    Examples
    --------
    >>> from prevalence import Estimate
    >>> from prevalence.profits import ProfitAssumption
    >>> victims = {"sexual": Estimate(6.3e6, 5.5e6, 7.2e6, scale="count"),
    ...            "other": Estimate(17.3e6, 15.5e6, 19.2e6, scale="count")}
    >>> per = {"sexual": ProfitAssumption(27_252, 20_000, 36_000),
    ...        "other": ProfitAssumption(3_687, 2_500, 5_000)}
    >>> res = IllicitProfits(per, by="type", seed=1).fit(victims)
    >>> round(res.total.value / 1e9, 1), res.total.scale
    (235.5, 'USD 2021')
    """

    def __init__(
        self,
        per_victim: ProfitTable | ProfitAssumption | Mapping[Any, ProfitAssumption],
        *,
        by: str | list[str] | None = None,
        level: float = 0.95,
        n_draws: int = 10_000,
        seed: SeedLike = None,
    ) -> None:
        if isinstance(per_victim, ProfitTable):
            self.table = per_victim
        else:
            self.table = ProfitTable.from_assumptions(per_victim, by=by)
        self.level = check_level(level)
        if int(n_draws) != n_draws or n_draws < 100:
            raise DataError(f"n_draws must be a whole number of at least 100, got {n_draws!r}")
        self.n_draws = int(n_draws)
        self.seed = seed

    def fit(self, victims: Estimate | Mapping[Any, Estimate]) -> ProfitResult:
        """Total profits for ``victims``: one Estimate, or one per stratum of the table (for
        example ``Stratified(estimator, by=["region", "sector"]).fit_strata(records)``)."""
        rng = as_generator(self.seed)
        return self._fit(victims, None, rng)

    def compare(
        self,
        baseline: Estimate | Mapping[Any, Estimate],
        endline: Estimate | Mapping[Any, Estimate],
    ) -> tuple[ProfitResult, ProfitResult, Comparison]:
        """Profits at baseline and endline with the same profit per victim, and their change.

        The profit per victim is one figure for both periods (the same assumption, or one
        survey), so each simulation draw applies the same drawn value to baseline and
        endline: its uncertainty then largely cancels in the change, as it should. Victims
        are independent between periods. (When each period has its own survey of victims,
        fit two models and use :meth:`ProfitResult.compare`, which treats them as
        independent.)

        Returns the two results and the :class:`~prevalence.Comparison` of their totals.
        """
        rng = as_generator(self.seed)
        shared = self.table.draws(self.n_draws, rng)
        b = self._fit(baseline, shared, rng)
        e = self._fit(endline, shared, rng)
        level = self.level
        # both totals are built from draws (see _fit)
        b_draws, e_draws = np.asarray(b.total.draws), np.asarray(e.total.draws)
        d_draws = e_draws - b_draws
        with np.errstate(divide="ignore", invalid="ignore"):
            r_draws = np.where(b_draws > 0, e_draws / b_draws, np.nan)
        how = "same profit per victim in both periods, victims independent; percentile interval"
        d_lo, d_hi = percentile_interval(d_draws, level)
        r_lo, r_hi = percentile_interval(r_draws, level)
        common = {"n_draws": self.n_draws, "source": how}
        difference = Estimate(
            e.total.value - b.total.value,
            d_lo,
            d_hi,
            level,
            f"change in illicit profits, endline - baseline ({how})",
            d_draws,
            {**common, "std_error": float(np.std(d_draws, ddof=1))},
            draws_kind="approximation",
            scale=b.total.scale,
            interval_method="percentile",
        )
        undefined: tuple[str, ...] = ()
        if not b.total.value > 0:
            undefined = ("baseline profits are zero: the ratio endline / baseline is undefined",)
            r_lo = r_hi = math.nan
        ratio = Estimate(
            e.total.value / b.total.value if b.total.value > 0 else math.nan,
            r_lo,
            r_hi,
            level,
            f"ratio of illicit profits, endline / baseline ({how})",
            r_draws,
            common,
            undefined,
            draws_kind="approximation",
            scale="ratio",
            interval_method="percentile",
        )
        exact = (
            "the inputs carry no uncertainty (fixed or published figures without intervals): "
            "the change is exact arithmetic"
        )
        difference = note_zero_width(difference, "change in illicit profits", exact)
        ratio = note_zero_width(ratio, "ratio of illicit profits", exact)
        return b, e, Comparison(b.total, e.total, difference, ratio)

    def _fit(
        self,
        victims: Estimate | Mapping[Any, Estimate],
        profit_draws: np.ndarray | None,
        rng: np.random.Generator,
    ) -> ProfitResult:
        est = _victim_estimates(victims)
        table = self.table
        keys = list(table.keys)
        if len(keys) == 1 and len(est) == 1:
            est = {keys[0]: next(iter(est.values()))}
        missing_profit = [k for k in est if k not in keys]
        missing_victims = [k for k in keys if k not in est]
        if missing_profit or missing_victims:
            parts = []
            if missing_profit:
                parts.append(f"strata with victims but no profit per victim: {missing_profit}")
            if missing_victims:
                parts.append(f"strata with a profit per victim but no victims: {missing_victims}")
            raise DataError("; ".join(parts))
        for k, e in est.items():
            if e.scale not in (None, "count"):
                raise DataError(
                    f"victims of stratum {k!r} are on the scale {e.scale!r}: give numbers of "
                    "victims (scale 'count'; multiply a prevalence by its population first)"
                )
            if not (math.isfinite(e.value) and e.value >= 0):
                raise DataError(
                    f"victims of stratum {k!r} must be a non-negative number, got {e.value}"
                )
        n = self.n_draws
        if one_posterior([est[k] for k in keys]):
            # strata of one joint posterior (PooledStratifiedMSE): the same posterior draws
            # for every stratum, so the total keeps their correlation
            m = np.asarray(est[keys[0]].draws).size
            pick = np.arange(m) if m == n else rng.integers(m, size=n)
            victims_draws = np.column_stack(
                [np.asarray(est[k].draws, dtype=float)[pick] for k in keys]
            )
        else:
            columns = []
            for k in keys:
                try:
                    columns.append(matched_draws(est[k], n, rng)[0])
                except EstimationError as err:
                    raise EstimationError(f"victims of stratum {k!r}: {err}") from None
            victims_draws = np.column_stack(columns)
        if profit_draws is None:
            profit_draws = table.draws(n, rng)
        v_hat = np.array([est[k].value for k in keys])
        p_hat = np.asarray(table.values, dtype=float)
        both = victims_draws * profit_draws
        only_v = victims_draws * p_hat
        only_p = v_hat * profit_draws
        point = v_hat * p_hat
        total_value = float(point.sum())
        totals = {
            "both": both.sum(axis=1),
            "victims": only_v.sum(axis=1),
            "per victim": only_p.sum(axis=1),
        }
        lo, hi = percentile_interval(totals["both"], self.level)
        scale = table.scale
        notes = list(table.warnings)
        var = {s: float(np.var(t, ddof=1)) for s, t in totals.items()}
        sources_variance = var["victims"] + var["per victim"]
        if sources_variance == 0:
            # fixed inputs (published figures without intervals, fixed assumptions): a valid
            # case, the total is exact and how its variance splits is undefined
            notes.append(
                "neither the victims nor the profit per victim carry uncertainty (fixed or "
                "published figures without intervals): the total is exact arithmetic, its "
                "interval has zero width, and the variance shares are undefined (NaN)"
            )
        sources = "; ".join(
            sorted({f"victims: {est[k].method}" for k in keys})
            + [f"profit per victim: {table.method}"]
        )
        total = Estimate(
            total_value,
            lo,
            hi,
            self.level,
            f"total illicit profits, victims x profit per victim over {len(keys)} strata, "
            f"simulated ({n} draws, percentile interval)",
            totals["both"],
            {
                "sources": sources,
                "currency": table.currency,
                "year": table.year,
                "std_error": float(np.std(totals["both"], ddof=1)),
                "n_draws": n,
                "assumed": table.assumptions is not None,
            },
            tuple(notes),
            draws_kind="approximation",
            scale=scale,
            interval_method="percentile",
        )
        rows = []
        for i, k in enumerate(keys):
            key_parts = k if isinstance(k, tuple) else (k,)
            cols = table.by if table.by else ("stratum_label",)
            s_lo, s_hi = percentile_interval(both[:, i], self.level)
            rows.append(
                {
                    "stratum": k,
                    **dict(zip(cols, key_parts, strict=False)),
                    "victims": v_hat[i],
                    "profit_per_victim": p_hat[i],
                    "profits": point[i],
                    "lower": s_lo,
                    "upper": s_hi,
                    "share": point[i] / total_value if total_value else math.nan,
                    "per_victim_source": table.source(k),
                }
            )
        dec_rows = []
        for s, label in (
            ("both", "victims and profit per victim"),
            ("victims", "victims only"),
            ("per victim", "profit per victim only"),
        ):
            d_lo, d_hi = percentile_interval(totals[s], self.level)
            dec_rows.append(
                {
                    "uncertain": label,
                    "std_dev": math.sqrt(var[s]),
                    "lower": d_lo,
                    "upper": d_hi,
                    "width": d_hi - d_lo,
                    "variance_share": (
                        math.nan
                        if sources_variance == 0
                        else (var[s] / sources_variance if s != "both" else 1.0)
                    ),
                }
            )
        return ProfitResult(
            total,
            pd.DataFrame(rows),
            pd.DataFrame(dec_rows),
            pd.DataFrame(both, columns=pd.Index(keys, tupleize_cols=False)),
            table.by,
        )
