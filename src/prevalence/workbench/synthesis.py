"""Simulation study of evidence synthesis: the combined estimate against each source alone.

Each replicate draws areas and periods with a known number of victims and three sources of
them (:func:`~prevalence.simulate.sources.simulate_sources`: case lists that see 70%, a
household survey that sees 60%, an unbiased network scale-up), fits
:class:`~prevalence.synthesis.EvidenceSynthesis` with visibility priors, and scores every
area-period count, the national total of each period and the national change ratio (last
period over first) against the truth. Each source alone is scored too, as an analyst with
that source and the same belief about its visibility would estimate: its count divided by
the centre of its visibility interval (the lists' count is their independence MSE estimate).

Scenarios (:func:`synthesis_scenarios`): priors that hold (each replicate's true
visibilities drawn from the stated priors, so that 95% credible intervals should cover 95%
of the time), and a survey prior that is wrong (stated 0.9-1.3 where the survey sees 0.6).

Every replicate's data and seed come from ``SeedSequence(seed, spawn_key=(scenario,
replicate))``: the results depend on ``seed`` only.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..core.errors import EstimationWarning
from ..simulate.sources import simulate_sources
from ..synthesis import EstimateSource, EvidenceSynthesis, ListSource

__all__ = ["SynthesisScenario", "summarise_synthesis", "synthesis_scenarios", "synthesis_study"]


@dataclass(frozen=True)
class SynthesisScenario:
    """The priors a synthesis is given, and the simulation's settings."""

    lists: tuple[float, float] = (0.5, 0.9)
    survey: tuple[float, float] = (0.4, 0.8)
    #: the sources' true visibilities; None draws them for each replicate from the priors
    #: stated above (the sense in which a 95% credible interval should cover 95% of the time)
    true_visibility: Mapping[str, float] | None = None
    simulation: Mapping[str, Any] = field(default_factory=dict)

    def visibilities(self, rng: np.random.Generator) -> dict[str, float]:
        """The true visibilities of one replicate."""
        if self.true_visibility is not None:
            return dict(self.true_visibility)
        out = {"scaleup": 1.0}
        for name, (low, high) in (("lists", self.lists), ("survey", self.survey)):
            mean = (math.log(low) + math.log(high)) / 2
            sd = (math.log(high) - math.log(low)) / (2 * 1.959963984540054)
            out[name] = float(np.exp(rng.normal(mean, sd)))
        return out


def synthesis_scenarios() -> dict[str, SynthesisScenario]:
    """Priors that hold (lists 0.5-0.9, survey 0.4-0.8; each replicate's true visibilities
    drawn from them), and a wrong survey prior (stated 0.9-1.3, the analyst believing the
    survey unbiased, where it sees 0.6; the lists see 0.7)."""
    return {
        "priors hold": SynthesisScenario(),
        "survey prior wrong": SynthesisScenario(
            survey=(0.9, 1.3), true_visibility={"lists": 0.7, "survey": 0.6, "scaleup": 1.0}
        ),
    }


def _centre(interval: tuple[float, float]) -> float:
    return math.sqrt(interval[0] * interval[1])


def synthesis_study(
    n_replicates: int,
    seed: int,
    *,
    scenarios: Mapping[str, SynthesisScenario] | None = None,
    n_areas: int = 6,
    draws: int = 1000,
    tune: int = 1000,
    chains: int = 4,
) -> pd.DataFrame:
    """Run the study: one row per scenario, replicate, method and quantity.

    Columns: scenario, replicate, method (``"synthesis"``, ``"lists alone"``, ``"survey
    alone"``, ``"scale-up alone"``), quantity (``"cell"``, ``"total"`` or ``"change"``),
    area, period, truth, value, lower, upper (intervals for the synthesis only), conflict
    (whether the fit warned that sources disagree beyond their stated biases) and seconds (the
    synthesis fit's time).
    """
    scenarios = dict(scenarios or synthesis_scenarios())
    rows: list[dict[str, Any]] = []
    for s_index, (name, scenario) in enumerate(scenarios.items()):
        model = EvidenceSynthesis(
            "area",
            "period",
            "population",
            sources=[
                ListSource("lists", ("list1", "list2", "list3"), visibility=scenario.lists),
                EstimateSource(
                    "survey",
                    "prevalence",
                    scale="prevalence",
                    effective_n="n",
                    visibility=scenario.survey,
                ),
                EstimateSource("scaleup", "estimate", "se", anchor=True),
            ],
            draws=draws,
            tune=tune,
            chains=chains,
            progress=False,
        )
        for r in range(n_replicates):
            ss = np.random.SeedSequence(seed, spawn_key=(s_index, r))
            data_seed, fit_seed, vis_seed = (int(x) for x in ss.generate_state(3))
            vis = scenario.visibilities(np.random.default_rng(vis_seed))
            sim = simulate_sources(
                n_areas, seed=data_seed, visibility=vis, **dict(scenario.simulation)
            )
            start = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", EstimationWarning)
                est = model.set_params(seed=fit_seed).fit(sim.tables)
            seconds = time.perf_counter() - start
            base = {
                "scenario": name,
                "replicate": r,
                "conflict": bool(est.details["conflicts"]),
            }
            truth = sim.truth.set_index(["area", "period"])["victims"]
            cells = est.details["cells"].set_index(["area", "period"])
            sources = est.details["sources"]
            for key, true in truth.items():
                c = cells.loc[key]
                rows.append(
                    {
                        **base,
                        "method": "synthesis",
                        "quantity": "cell",
                        "area": key[0],
                        "period": key[1],
                        "truth": true,
                        "value": c["value"],
                        "lower": c["lower"],
                        "upper": c["upper"],
                        "seconds": seconds,
                    }
                )
            alone = {
                "lists alone": ("lists", _centre(scenario.lists)),
                "survey alone": ("survey", _centre(scenario.survey)),
                "scale-up alone": ("scaleup", 1.0),
            }
            for method, (source, centre) in alone.items():
                part = sources[sources["source"] == source].set_index(["area", "period"])
                for key, true in truth.items():
                    value = part["count"].get(key, math.nan) / centre
                    rows.append(
                        {
                            **base,
                            "method": method,
                            "quantity": "cell",
                            "area": key[0],
                            "period": key[1],
                            "truth": true,
                            "value": value,
                            "lower": math.nan,
                            "upper": math.nan,
                            "seconds": math.nan,
                        }
                    )
            national = sim.national
            periods = list(national.index)
            for period, total in national.items():
                e = est.details["by_period"][period]
                rows.append(
                    {
                        **base,
                        "method": "synthesis",
                        "quantity": "total",
                        "area": None,
                        "period": period,
                        "truth": total,
                        "value": e.value,
                        "lower": e.lower,
                        "upper": e.upper,
                        "seconds": seconds,
                    }
                )
            if len(periods) > 1:
                ch = est.details["change"]["national"]
                rows.append(
                    {
                        **base,
                        "method": "synthesis",
                        "quantity": "change",
                        "area": None,
                        "period": periods[-1],
                        "truth": national[periods[-1]] / national[periods[0]],
                        "value": ch["ratio"],
                        "lower": ch["ratio_lower"],
                        "upper": ch["ratio_upper"],
                        "seconds": seconds,
                    }
                )
    return pd.DataFrame(rows)


def summarise_synthesis(results: pd.DataFrame) -> pd.DataFrame:
    """Coverage, relative bias and relative RMSE by scenario, method and quantity.

    ``relative_rmse`` is the root mean square of ``value / truth - 1``; ``coverage`` the share
    of intervals containing the truth (synthesis only); ``n`` the number of values scored;
    ``conflict_share`` the share of replicates whose fit warned of a conflict.
    """
    r = results.assign(rel=results["value"] / results["truth"] - 1)
    r = r.assign(covered=(r["lower"] <= r["truth"]) & (r["truth"] <= r["upper"]))
    out = []
    for (scenario, method, quantity), g in r.groupby(
        ["scenario", "method", "quantity"], sort=False
    ):
        ok = g[np.isfinite(g["rel"])]
        has_interval = bool(np.isfinite(g["lower"]).any())
        out.append(
            {
                "scenario": scenario,
                "method": method,
                "quantity": quantity,
                "n": len(ok),
                "coverage": float(ok["covered"].mean()) if has_interval else math.nan,
                "relative_bias": float(ok["rel"].mean()),
                "relative_rmse": float(np.sqrt((ok["rel"] ** 2).mean())),
                "conflict_share": float(g.groupby("replicate")["conflict"].first().mean()),
                "seconds_per_fit": float(g["seconds"].dropna().mean())
                if has_interval
                else math.nan,
            }
        )
    return pd.DataFrame(out)
