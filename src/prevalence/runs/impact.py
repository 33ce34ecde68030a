"""The ``[[impact]]`` sections of a run config: difference in differences, targets and trends.

Each section names an estimator of the config and one input spanning groups and periods (a
survey design with a period column, or an area or records frame), and gives a scorecard:
one row per area (the levels of ``by``, or ``"all"``)::

    [[impact]]
    name = "programme districts"
    kind = "did"                 # did | target | trend
    estimator = "survey prevalence"
    input = "programme_survey"
    group = "group"              # did only: the programme and comparison groups
    treated = "programme"
    comparison = "comparison"    # only when the group column has more than two values
    period = "period"
    baseline = "baseline"        # did and target; a trend uses every period (numbers)
    endline = "endline"
    by = "region"                # optional: one scorecard row per region
    target = 0.2                 # a fall of at least 20% (relative to the baseline)
    target_at = 2030             # trend only: the date of the target

A DiD can instead take four independent inputs (lists of the programme and comparison areas
at baseline and endline, estimated by multiple systems estimation, say) in place of
``input``, ``group`` and ``period``::

    cells = { programme_baseline = "lists_p0", programme_endline = "lists_p1",
              comparison_baseline = "lists_c0", comparison_endline = "lists_c1" }

Scorecard columns: ``impact``, ``kind``, ``area``, ``baseline``, ``endline``, ``change`` with
its interval, ``did`` with its interval and ``probability_did_negative`` (did),
``change_per_period`` and ``projection`` (trend), ``target`` and ``probability_target`` with
``probability_kind`` (posterior, bootstrap, normal...: see
:mod:`prevalence.core.probability`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from ..core.errors import DataError
from ..impact import DifferenceInDifferences, Trend
from ..impact.cells import change_between
from ..survey.base import Design
from ..survey.prevalence import SurveyPrevalence
from ..survey.table import DomainTable
from .schema import IMPACT_KINDS

__all__ = [
    "IMPACT_KINDS",
    "card_rows",
    "SCORECARD_COLUMNS",
    "run_impact",
    "scorecard_estimates",
]

SCORECARD_COLUMNS = [
    "impact",
    "kind",
    "area",
    "baseline",
    "endline",
    "change",
    "change_lower",
    "change_upper",
    "did",
    "did_lower",
    "did_upper",
    "probability_did_negative",
    "change_per_period",
    "projection",
    "target",
    "probability_target",
    "probability_kind",
]
CELL_KEYS = ("programme_baseline", "programme_endline", "comparison_baseline", "comparison_endline")


def run_impact(
    spec: dict[str, Any], estimator: Any, inputs: dict[str, Any], level: float, seed: int
) -> pd.DataFrame:
    """The scorecard rows of one ``[[impact]]`` section (``inputs``: every input by name)."""
    kind = spec["kind"]
    if "cells" in spec:
        data: Any = {tuple(key.split("_")): inputs[spec["cells"][key]] for key in CELL_KEYS}
        spec = {  # the cell keys name the roles
            **spec,
            "group": "group",
            "period": "period",
            "treated": "programme",
            "comparison": "comparison",
            "baseline": "baseline",
            "endline": "endline",
        }
    else:
        data = inputs[spec["input"]]
    if kind == "did":
        rows = _did(spec, estimator, data, level, seed)
    elif kind == "target":
        rows = _target(spec, estimator, data, level)
    else:
        rows = _trend(spec, estimator, data, level)
    frame = pd.DataFrame(rows)
    for col in SCORECARD_COLUMNS:
        if col not in frame.columns:
            frame[col] = np.nan
    return frame[SCORECARD_COLUMNS]


def _base_row(spec: dict[str, Any], area: Any) -> dict[str, Any]:
    return {"impact": spec["name"], "kind": spec["kind"], "area": str(area)}


def _change_columns(comparison: Any, target: float | None) -> dict[str, Any]:
    out = {
        "baseline": comparison.baseline.value,
        "endline": comparison.endline.value,
        "change": comparison.difference.value,
        "change_lower": comparison.difference.lower,
        "change_upper": comparison.difference.upper,
    }
    if target is not None:
        p = comparison.probability_reduced(by=target)
        out.update(target=target, probability_target=p.value, probability_kind=p.kind)
    return out


def _did(spec: dict[str, Any], estimator: Any, data: Any, level: float, seed: int) -> list[dict]:
    did = DifferenceInDifferences(
        estimator,
        group=spec["group"],
        period=spec["period"],
        treated=spec["treated"],
        comparison=spec.get("comparison"),
        baseline=spec["baseline"],
        endline=spec["endline"],
        level=level,
        seed=seed,
    )
    by = spec.get("by")
    results = did.fit_by(data, by) if by else {"all": did.fit(data)}
    rows = []
    for area, res in results.items():
        row = _base_row(spec, area)
        row.update(_change_columns(res.changes["programme"], spec.get("target")))
        row.update(
            did=res.did.value,
            did_lower=res.did.lower,
            did_upper=res.did.upper,
            probability_did_negative=res.probability_reduced(absolute=0.0).value,
        )
        rows.append(row)
    return rows


def _survey_table(spec: dict[str, Any], estimator: Any, data: Any, cols: list[str]) -> DomainTable:
    if not isinstance(data, Design) or not isinstance(estimator, SurveyPrevalence):
        raise DataError(
            f"impact {spec['name']!r}: a {spec['kind']!r} section needs a survey input and a "
            "SurveyPrevalence estimator (one design spanning the periods)"
        )
    for c in cols:
        if c not in data.data.columns:
            raise DataError(
                f"impact {spec['name']!r}: unknown column {c!r}; the data have columns "
                f"{list(data.data.columns)}"
            )
    return estimator.cell_table(data, cols)


def _areas(spec: dict[str, Any], table: Any) -> list[tuple[Any, np.ndarray]]:
    by = spec.get("by")
    if not by:
        return [("all", np.ones(len(table.labels), dtype=bool))]
    return [(v, (table.labels[by] == v).to_numpy()) for v in pd.unique(table.labels[by])]


def _target(spec: dict[str, Any], estimator: Any, data: Any, level: float) -> list[dict]:
    by = spec.get("by")
    table = _survey_table(spec, estimator, data, ([by] if by else []) + [spec["period"]])
    theta = table.values.to_numpy()
    V = table.vcov.to_numpy()
    rows = []
    for area, inside in _areas(spec, table):
        period = table.labels[spec["period"]].to_numpy()
        idx = []
        for when in ("baseline", "endline"):
            hit = np.flatnonzero(inside & (period == spec[when]))
            if hit.size != 1:
                raise DataError(
                    f"impact {spec['name']!r}: no estimate for {spec['period']}={spec[when]!r} in area {area!r}"
                )
            idx.append(int(hit[0]))
        comp = change_between(
            theta[idx],
            V[np.ix_(idx, idx)],
            0,
            1,
            level,
            "one survey design",
            table.statistic,
            table.degf,
        )
        row = _base_row(spec, area)
        row.update(_change_columns(comp, spec.get("target")))
        rows.append(row)
    return rows


def _trend(spec: dict[str, Any], estimator: Any, data: Any, level: float) -> list[dict]:
    by = spec.get("by")
    table = _survey_table(spec, estimator, data, ([by] if by else []) + [spec["period"]])
    rows = []
    for area, inside in _areas(spec, table):
        sub_names = [n for n, keep in zip(table.names, inside, strict=True) if keep]
        times = pd.to_numeric(table.labels[spec["period"]][inside], errors="coerce").to_numpy()
        if np.isnan(times).any():
            raise DataError(
                f"impact {spec['name']!r}: a trend needs numeric periods in {spec['period']!r}"
            )
        sub = table.subset(sub_names)
        fit = Trend(level=level, unit="period").fit(sub, times)
        row = _base_row(spec, area)
        first, last = fit.fitted.iloc[0], fit.fitted.iloc[-1]
        row.update(
            baseline=first["estimate"],
            endline=last["estimate"],
            change=last["estimate"] - first["estimate"],
            change_per_period=fit.change_per_unit.value,
        )
        target, at = spec.get("target"), spec.get("target_at")
        if at is not None:
            row["projection"] = fit.project(at).value
        if target is not None and at is not None:  # the schema asks target_at with target
            p = fit.probability_on_track(by=target, at=at)
            row.update(target=target, probability_target=p.value, probability_kind=p.kind)
        rows.append(row)
    return rows


def card_rows(
    card: pd.DataFrame, quantities: list[tuple[str, str, str | None, str | None]]
) -> list[dict[str, Any]]:
    """Scorecard figures as rows of estimates.csv (input = "section: area").

    ``quantities`` lists ``(quantity, value column, lower column, upper column)``; missing
    figures are left out.
    """
    rows = []
    for rec in card.to_dict("records"):
        for quantity, value_col, lo_col, hi_col in quantities:
            value = rec[value_col]
            if value is None or pd.isna(value):
                continue
            rows.append(
                {
                    "input": f"{rec['impact']}: {rec['area']}",
                    "quantity": quantity,
                    "value": value,
                    "lower": rec[lo_col] if lo_col else math.nan,
                    "upper": rec[hi_col] if hi_col else math.nan,
                }
            )
    return rows


def scorecard_estimates(card: pd.DataFrame) -> list[dict[str, Any]]:
    """The scorecard as rows of estimates.csv (input = "impact: area", quantity per figure)."""
    return card_rows(
        card,
        [
            ("change", "change", "change_lower", "change_upper"),
            ("difference in differences", "did", "did_lower", "did_upper"),
            ("relative change per period", "change_per_period", None, None),
            ("projection", "projection", None, None),
            ("probability of meeting the target", "probability_target", None, None),
        ],
    )
