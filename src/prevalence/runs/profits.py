"""The ``[[profits]]`` sections of a run config: total illicit profits beside prevalence.

Each section adds up strata (regions, sectors) whose victims come from an estimator of the
config fitted to an input (a count: multiple systems estimation, for example), and whose
profit per victim is an assumption or a survey of victims::

    [[profits]]
    name = "illicit profits"
    estimator = "BIC selection"     # estimates the victims of every stratum
    currency = "USD"
    year = 2021
    target = 0.2                    # optional: a fall of profits of at least 20%

    [[profits.strata]]
    name = "north"
    baseline = "lists_north_2020"   # input with the stratum's victims at baseline
    endline = "lists_north_2024"    # optional: gives the change
    per_victim = { value = 3687, lower = 2700, upper = 5000, distribution = "lognormal",
                   source = "ILO 2024" }

    [[profits.strata]]
    name = "south"
    baseline = "lists_south_2020"
    endline = "lists_south_2024"
    per_victim = { survey = "victims_survey", hours = "hours", paid = "paid", wage = "wage",
                   costs = "costs" }        # or clients/days/price/costs/payments

A survey ``per_victim`` names a survey input and columns (``hours``, ``paid``, ``wage``,
``costs`` for forced labour; ``clients``, ``days``, ``price``, ``costs``, ``payments`` for
sexual exploitation); market-wage tables with standard errors are for the Python API
(:class:`~prevalence.profits.ForcedLabourProfit`).

Scorecard rows (the columns of :mod:`prevalence.runs.impact`, ``kind = "profits"``): one per
stratum and one for the total (``area = "total"``) with baseline and endline profits, the
change with its interval and, with a target, the probability that profits fell by at least
that much.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from ..core.errors import DataError
from ..core.intervals import percentile_interval
from ..core.random import independent_seed
from ..core.results import Estimate
from ..profits import (
    ForcedLabourProfit,
    IllicitProfits,
    ProfitAssumption,
    ProfitTable,
    SexualExploitationProfit,
)
from ..survey.base import Design
from ..survey.daskdesign import DaskDesign
from .impact import SCORECARD_COLUMNS, card_rows
from .schema import LABOUR

__all__ = ["run_profits", "card_scale", "profits_estimates"]


def _per_victim(
    per: dict[str, Any], spec: dict[str, Any], inputs: dict[str, Any], level: float
) -> ProfitAssumption | ProfitTable:
    currency, year = spec.get("currency", "USD"), int(spec.get("year", 2021))
    if "value" in per:
        return ProfitAssumption(
            per["value"],
            per.get("lower"),
            per.get("upper"),
            per.get("distribution", "lognormal"),
            currency,
            year,
            per.get("source", "assumption in the run config"),
        )
    design = inputs[per["survey"]]
    if isinstance(design, DaskDesign):
        raise DataError(
            f"profits {spec['name']!r}: per_victim survey {per['survey']!r} is read with "
            "engine = 'dask'; profits per victim need it in memory (engine = 'pandas')"
        )
    if not isinstance(design, Design):
        raise DataError(
            f"profits {spec['name']!r}: per_victim survey {per['survey']!r} is not a survey input"
        )
    if all(k in per for k in LABOUR):
        model: Any = ForcedLabourProfit(
            per["hours"],
            per["paid"],
            per["wage"],
            costs=per.get("costs"),
            currency=currency,
            year=year,
            level=level,
        )
    else:
        model = SexualExploitationProfit(
            per["clients"],
            per["days"],
            per["price"],
            costs=per.get("costs"),
            payments=per.get("payments"),
            currency=currency,
            year=year,
            level=level,
        )
    return model.fit(design)


def card_scale(spec: dict[str, Any]) -> str:
    """The money scale of a section's figures, ``"USD 2021"``."""
    return f"{str(spec.get('currency', 'USD')).upper()} {int(spec.get('year', 2021))}"


def run_profits(
    spec: dict[str, Any],
    victims_for: Callable[[str], Estimate],
    inputs: dict[str, Any],
    level: float,
    seed: int,
) -> pd.DataFrame:
    """The scorecard rows of one ``[[profits]]`` section.

    ``victims_for(input_name)`` returns the victims' estimate of an input (the run fits it
    with the section's estimator, reusing fits it already has).
    """
    strata = spec["strata"]
    parts = {st["name"]: _per_victim(st["per_victim"], spec, inputs, level) for st in strata}
    table = ProfitTable.join(parts)
    model = IllicitProfits(table, level=level, seed=independent_seed(seed, 100))
    base_victims = {st["name"]: victims_for(st["baseline"]) for st in strata}
    has_endline = all("endline" in st for st in strata)
    rows = []
    target = spec.get("target")
    if has_endline:
        # one profit per victim for both periods: drawn once, applied to both
        end_victims = {st["name"]: victims_for(st["endline"]) for st in strata}
        base, end, comparison = model.compare(base_victims, end_victims)
    else:
        base, end, comparison = model.fit(base_victims), None, None
    areas = [st["name"] for st in strata] + ["total"]
    for area in areas:
        row: dict[str, Any] = {"impact": spec["name"], "kind": "profits", "area": str(area)}
        if area == "total":
            row["baseline"] = base.total.value
            if comparison is not None and end is not None:
                row.update(
                    endline=end.total.value,
                    change=comparison.difference.value,
                    change_lower=comparison.difference.lower,
                    change_upper=comparison.difference.upper,
                )
                if target is not None:
                    p = comparison.probability_reduced(by=float(target))
                    row.update(target=target, probability_target=p.value, probability_kind=p.kind)
        else:
            b_row = base.strata.set_index("stratum").loc[area]
            row["baseline"] = float(b_row["profits"])
            if end is not None:
                e_row = end.strata.set_index("stratum").loc[area]
                row["endline"] = float(e_row["profits"])
                row["change"] = row["endline"] - row["baseline"]
                diff = end.draws[area].to_numpy() - base.draws[area].to_numpy()  # paired draws
                row["change_lower"], row["change_upper"] = percentile_interval(diff, level)
        rows.append(row)
    frame = pd.DataFrame(rows)
    for col in SCORECARD_COLUMNS:
        if col not in frame.columns:
            frame[col] = np.nan
    return frame[SCORECARD_COLUMNS]


def profits_estimates(card: pd.DataFrame) -> list[dict[str, Any]]:
    """A profits scorecard as rows of estimates.csv (input = "section: area")."""
    return card_rows(
        card,
        [
            ("profits at baseline", "baseline", None, None),
            ("profits at endline", "endline", None, None),
            ("change in profits", "change", "change_lower", "change_upper"),
            ("probability of meeting the target", "probability_target", None, None),
        ],
    )
