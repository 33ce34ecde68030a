"""Hostile input across the public entry points and the command line (issue #17).

Every case either raises an error that names the argument, column or row at fault (a
``DataError``/``ValueError``/``TypeError`` whose message contains the given text), or returns
the correct result. Never a traceback from deep inside numpy, a wrong number or a silent
zero-width interval. The config cases are generated from the run-config schema: a
misspelled key and a value of the wrong type for every key of every section.
"""

from __future__ import annotations

import copy
import math
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import prevalence as pv
from prevalence import (
    BayesThresholdMSE,
    CaptureHistories,
    ClosedPopulationMSE,
    DataError,
    DecomposableBMA,
    Estimate,
    LatentClassMSE,
    LogLinearMSE,
    SurveyDesign,
    SurveyPrevalence,
)
from prevalence.cli import main
from prevalence.core.compare import compare_estimates
from prevalence.core.disclosure import protect_counts
from prevalence.runs import schema as config_schema
from prevalence.runs import validate

pytestmark = pytest.mark.filterwarnings("ignore::prevalence.EstimationWarning")

REPO = Path(__file__).resolve().parents[1]
SYNTH = REPO / "data" / "synthetic"
REFUSED = (DataError, ValueError, TypeError, pv.EstimationError)


@dataclass
class Case:
    id: str
    call: Callable[[], Any]
    match: str | None = None  # text the error must contain (refusal expected)
    check: Callable[[Any], bool] | None = None  # or: the result is right


def _counts(**overrides: Any) -> pd.DataFrame:
    df = pd.DataFrame({"A": [1, 0, 1], "B": [0, 1, 1], "count": [60, 40, 20]})
    for k, v in overrides.items():
        df[k] = v
    return df


def _captures() -> CaptureHistories:
    return CaptureHistories.from_counts(_counts())


def _records() -> pd.DataFrame:
    return pd.DataFrame({"A": [1, 0, 1, 1], "B": [0, 1, 1, 0], "year": [1, 1, 2, 2]})


def _survey(**overrides: Any) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    df = pd.DataFrame(
        {
            "s": np.repeat([1, 2, 3], 20),
            "c": np.repeat(np.arange(12), 5),
            "w": rng.uniform(1, 3, 60),
            "y": rng.integers(0, 2, 60),
        }
    )
    for k, v in overrides.items():
        df[k] = v
    return df


def _design(**kw: Any) -> SurveyDesign:
    return SurveyDesign(_survey(), weights="w", strata="s", clusters="c", **kw)


def _finite_interval(est: Estimate) -> bool:
    return (
        math.isfinite(est.value) and est.lower <= est.value <= est.upper and est.upper > est.lower
    )


# ---------------------------------------------------------------------------- estimates
ESTIMATE_CASES = [
    Case("estimate lower above upper", lambda: Estimate(5.0, 6.0, 4.0), "lower"),
    Case("estimate level 0", lambda: Estimate(5.0, 4.0, 6.0, level=0.0), "level"),
    Case("estimate level 1", lambda: Estimate(5.0, 4.0, 6.0, level=1.0), "level"),
    Case("estimate level 95", lambda: Estimate(5.0, 4.0, 6.0, level=95), "level"),
    Case("estimate bad draws_kind", lambda: Estimate(5.0, draws_kind="magic"), "draws_kind"),
    Case(
        "estimate bad interval_method",
        lambda: Estimate(5.0, interval_method="x"),
        "interval_method",
    ),
    Case(
        "compare counts with proportions",
        lambda: compare_estimates(
            Estimate(10.0, 8.0, 12.0, scale="count"), Estimate(0.1, 0.05, 0.2, scale="proportion")
        ),
        "different scales",
    ),
    Case("compare a number", lambda: compare_estimates(10.0, Estimate(5.0, 4.0, 6.0)), "Estimate"),
    Case(
        "estimate pickles",
        lambda: __import__("pickle").loads(__import__("pickle").dumps(Estimate(5.0, 4.0, 6.0))),
        check=lambda e: e.interval == (4.0, 6.0),
    ),
    Case(
        "details are read-only",
        lambda: __import__("operator").setitem(Estimate(5.0, details={"a": 1}).details, "a", 2),
        "",
    ),
]

# ---------------------------------------------------------------------------- capture data
CAPTURE_CASES = [
    Case(
        "counts: missing count column",
        lambda: CaptureHistories.from_counts(_counts(), count="n"),
        "'n'",
    ),
    Case(
        "counts: negative count",
        lambda: CaptureHistories.from_counts(_counts(count=[60, -1, 20])),
        "count",
    ),
    Case(
        "counts: fractional count",
        lambda: CaptureHistories.from_counts(_counts(count=[60, 1.5, 20])),
        "count",
    ),
    Case(
        "counts: NaN count",
        lambda: CaptureHistories.from_counts(_counts(count=[60, np.nan, 20])),
        "count",
    ),
    Case(
        "counts: text count",
        lambda: CaptureHistories.from_counts(_counts(count=["60", "x", "20"])),
        "count",
    ),
    Case("counts: list value 2", lambda: CaptureHistories.from_counts(_counts(A=[1, 2, 1])), "'A'"),
    Case(
        "counts: list value -1", lambda: CaptureHistories.from_counts(_counts(B=[0, -1, 1])), "'B'"
    ),
    Case(
        "counts: list NaN", lambda: CaptureHistories.from_counts(_counts(A=[1, np.nan, 1])), "'A'"
    ),
    Case(
        "counts: lists a string",
        lambda: CaptureHistories.from_counts(_counts(), lists="AB"),
        "lists",
    ),
    Case(
        "counts: unknown list",
        lambda: CaptureHistories.from_counts(_counts(), lists=["A", "Z"]),
        "'Z'",
    ),
    Case(
        "counts: duplicate list",
        lambda: CaptureHistories.from_counts(_counts(), lists=["A", "A"]),
        "A",
    ),
    Case("counts: one list", lambda: CaptureHistories.from_counts(_counts(), lists=["A"]), "list"),
    Case("counts: empty frame", lambda: CaptureHistories.from_counts(_counts().iloc[:0]), ""),
    Case("counts: not a frame", lambda: CaptureHistories.from_counts([[1, 0, 5]]), "DataFrame"),
    Case(
        "counts: repeated pattern rows add up",
        lambda: (
            CaptureHistories.from_counts(
                pd.DataFrame({"A": [1, 1, 0], "B": [0, 0, 1], "count": [5, 7, 3]})
            ).n_observed
        ),
        check=lambda n: n == 15,
    ),
    Case(
        "counts: pattern seen on no list with people",
        lambda: CaptureHistories.from_counts(
            pd.DataFrame({"A": [1, 0, 0], "B": [0, 1, 0], "count": [5, 7, 3]})
        ),
        "",
    ),
    Case(
        "records: lists a string",
        lambda: CaptureHistories.from_records(_records(), lists="AB"),
        "lists",
    ),
    Case(
        "records: unknown list",
        lambda: CaptureHistories.from_records(_records(), lists=["A", "C"]),
        "'C'",
    ),
    Case(
        "records: list value 3",
        lambda: CaptureHistories.from_records(_records().assign(A=[1, 3, 1, 1]), lists=["A", "B"]),
        "'A'",
    ),
    Case(
        "records: list text",
        lambda: CaptureHistories.from_records(
            _records().assign(A=["y", "n", "y", "y"]), lists=["A", "B"]
        ),
        "'A'",
    ),
    Case(
        "records: not a frame",
        lambda: CaptureHistories.from_records({"A": [1]}, lists=["A", "B"]),
        "DataFrame",
    ),
    Case(
        "records: one list", lambda: CaptureHistories.from_records(_records(), lists=["A"]), "list"
    ),
    Case(
        "records: counted right",
        lambda: CaptureHistories.from_records(_records(), lists=["A", "B"]).n_observed,
        check=lambda n: n == 4,
    ),
    Case("omit an unknown list", lambda: _captures().omit("Z"), "'Z'"),
    Case("merge an unknown list", lambda: _captures().merge(["A", "Z"]), "'Z'"),
]

# ---------------------------------------------------------------------------- MSE estimators
BAD_NUMBERS = {
    "zero": 0,
    "negative": -5,
    "fraction": 2.5,
    "text": "100",
    "bool": True,
    "nan": float("nan"),
}
LEVELS = {
    "zero": 0.0,
    "one": 1.0,
    "percent": 95,
    "text": "0.95",
    "negative": -0.5,
    "nan": float("nan"),
}


def _estimator_param_cases() -> list[Case]:
    cases = []
    counted = {
        LogLinearMSE: {"n_boot": {"select": "bic"}},
        LatentClassMSE: {"K": {}, "burnin": {}, "samples": {}, "thinning": {}, "chains": {}},
        BayesThresholdMSE: {"burnin": {}, "samples": {}, "chains": {}},
        DecomposableBMA: {"n_draws": {}},
    }
    for cls, params in counted.items():
        for param, extra in params.items():
            for label, value in BAD_NUMBERS.items():
                if param in ("burnin", "n_draws") and label == "zero":
                    continue  # no burn-in, and no draws (an exact summary), are allowed
                cases.append(
                    Case(
                        f"{cls.__name__} {param} {label}",
                        lambda cls=cls, param=param, value=value, extra=extra: cls(
                            **extra, **{param: value}
                        ),
                        param,
                    )
                )
    for cls in (
        LogLinearMSE,
        LatentClassMSE,
        BayesThresholdMSE,
        DecomposableBMA,
        ClosedPopulationMSE,
    ):
        for label, value in LEVELS.items():
            cases.append(
                Case(
                    f"{cls.__name__} level {label}",
                    lambda cls=cls, value=value: cls(level=value),
                    "level",
                )
            )
        for label, value in {"text": "abc", "negative": -1, "fraction": 1.5}.items():
            cases.append(
                Case(
                    f"{cls.__name__} seed {label}",
                    lambda cls=cls, value=value: cls(seed=value),
                    "seed",
                )
            )
    return cases


MSE_CASES = [
    Case("loglinear: select unknown", lambda: LogLinearMSE(select="aicc"), "select"),
    Case("loglinear: model and select", lambda: LogLinearMSE("[12]", select="bic"), "not both"),
    Case("loglinear: interval unknown", lambda: LogLinearMSE(interval="exact"), "interval"),
    Case(
        "loglinear: boot_models unknown",
        lambda: LogLinearMSE(select="bic", boot_models="some"),
        "boot_models",
    ),
    Case("loglinear: max_order 0", lambda: LogLinearMSE(select="bic", max_order=0), "max_order"),
    Case(
        "loglinear: search unknown", lambda: LogLinearMSE(select="bic", search="random"), "search"
    ),
    Case("loglinear: fit a list", lambda: LogLinearMSE().fit([[1, 0, 5]]), "CaptureHistories"),
    Case("loglinear: fit None", lambda: LogLinearMSE().fit(None), "CaptureHistories"),
    Case(
        "loglinear: fit frame without count",
        lambda: LogLinearMSE().fit(_counts().drop(columns="count")),
        "count",
    ),
    Case(
        "loglinear: model names unknown list",
        lambda: LogLinearMSE([("A", "Z")]).fit(_captures()),
        "'Z'",
    ),
    Case(
        "loglinear: model list number too high", lambda: LogLinearMSE("[13]").fit(_captures()), "3"
    ),
    Case(
        "loglinear: no overlap",
        lambda: LogLinearMSE().fit(
            CaptureHistories.from_counts(pd.DataFrame({"A": [1, 0], "B": [0, 1], "count": [5, 7]}))
        ),
        "does not exist",
    ),
    Case(
        "loglinear: right answer",
        lambda: LogLinearMSE().fit(_captures()),
        check=lambda e: abs(e.value - 240.0) < 1e-6,
    ),  # 80 * 60 / 20
    Case("closed: unknown model", lambda: ClosedPopulationMSE("Mq"), "Mq"),
    Case("closed: interval unknown", lambda: ClosedPopulationMSE(interval="bca"), "interval"),
    Case(
        "closed: no overlap",
        lambda: ClosedPopulationMSE("M0").fit(
            CaptureHistories.from_counts(pd.DataFrame({"A": [1, 0], "B": [0, 1], "count": [5, 7]}))
        ),
        "does not exist",
    ),
    Case(
        "threshold: no overlap",
        lambda: BayesThresholdMSE(samples=100, burnin=10).fit(
            CaptureHistories.from_counts(pd.DataFrame({"A": [1, 0], "B": [0, 1], "count": [5, 7]}))
        ),
        "",
    ),
    Case("threshold: prior unknown", lambda: BayesThresholdMSE(prior="flat"), "prior"),
    Case("threshold: max_order 5", lambda: BayesThresholdMSE(max_order=5), "max_order"),
    Case("latent: point unknown", lambda: LatentClassMSE(point="mode"), "point"),
    Case("bma: point unknown", lambda: DecomposableBMA(point="mode"), "point"),
    Case("bma: n_prior unknown", lambda: DecomposableBMA(n_prior="flat"), "n_prior"),
    Case("bma: delta negative", lambda: DecomposableBMA(delta=-1.0), "delta"),
    Case("set_params unknown", lambda: LogLinearMSE().set_params(selct="bic"), "selct"),
    Case(
        "clone keeps settings",
        lambda: LogLinearMSE(select="bic", n_boot=7).clone(),
        check=lambda e: e.n_boot == 7,
    ),
]

# ---------------------------------------------------------------------------- surveys
SURVEY_CASES = [
    Case("design: not a frame", lambda: SurveyDesign([[1, 2]]), "DataFrame"),
    Case("design: empty", lambda: SurveyDesign(_survey().iloc[:0], weights="w"), "no rows"),
    Case("design: unknown weights", lambda: SurveyDesign(_survey(), weights="wt"), "'wt'"),
    Case(
        "design: unknown strata",
        lambda: SurveyDesign(_survey(), weights="w", strata="region"),
        "'region'",
    ),
    Case(
        "design: unknown clusters",
        lambda: SurveyDesign(_survey(), weights="w", clusters="psu"),
        "'psu'",
    ),
    Case("design: negative weight", lambda: SurveyDesign(_survey(w=-1.0), weights="w"), "weight"),
    Case(
        "design: NaN weight",
        lambda: SurveyDesign(_survey(w=np.where(np.arange(60) == 3, np.nan, 1.0)), weights="w"),
        "weight",
    ),
    Case("design: text weight", lambda: SurveyDesign(_survey(w="x"), weights="w"), "weight"),
    Case("design: infinite weight", lambda: SurveyDesign(_survey(w=np.inf), weights="w"), "weight"),
    Case(
        "design: missing stratum",
        lambda: SurveyDesign(
            _survey(s=np.where(np.arange(60) == 0, np.nan, 1)), weights="w", strata="s"
        ),
        "s",
    ),
    Case(
        "design: missing cluster",
        lambda: SurveyDesign(
            _survey(c=np.where(np.arange(60) == 0, np.nan, 1.0)), weights="w", clusters="c"
        ),
        "c",
    ),
    Case("design: lonely_psu unknown", lambda: _design(lonely_psu="ignore"), "lonely_psu"),
    Case(
        "design: one PSU",
        lambda: SurveyDesign(_survey(c=1), weights="w", clusters="c"),
        "one primary sampling unit",
    ),
    Case(
        "design: clusters across strata",
        lambda: SurveyDesign(_survey(c=np.arange(60) % 7), weights="w", strata="s", clusters="c"),
        "nest",
    ),
    Case(
        "design: fpc below sample size",
        lambda: SurveyDesign(_survey(N=2), weights="w", strata="s", clusters="c", fpc="N"),
        "fpc",
    ),
    Case(
        "design: fpc column unknown",
        lambda: SurveyDesign(_survey(), weights="w", strata="s", clusters="c", fpc="N"),
        "'N'",
    ),
    Case(
        "design: too many strata columns",
        lambda: SurveyDesign(_survey(t=1), weights="w", strata=["s", "t"], clusters="c"),
        "strata",
    ),
    Case("proportion: unknown column", lambda: _design().proportion("z"), "'z'"),
    Case(
        "proportion: values 0/1/2",
        lambda: (
            _design().proportion("y2")
            if False
            else SurveyDesign(
                _survey(y=np.arange(60) % 3), weights="w", strata="s", clusters="c"
            ).proportion("y")
        ),
        "0",
    ),
    Case(
        "proportion: text values",
        lambda: SurveyDesign(_survey(y="yes"), weights="w", strata="s", clusters="c").proportion(
            "y"
        ),
        "y",
    ),
    Case("proportion: ci unknown", lambda: _design().proportion("y", ci="exact"), "ci"),
    Case("proportion: level 95", lambda: _design().proportion("y", level=95), "level"),
    Case("mean: unknown column", lambda: _design().mean("z"), "'z'"),
    Case("total: unknown column", lambda: _design().total("z"), "'z'"),
    Case("by: unknown column", lambda: _design().proportion("y", by="region"), "'region'"),
    Case("prevalence: unknown column", lambda: SurveyPrevalence("z").fit(_design()), "'z'"),
    Case("prevalence: not a design", lambda: SurveyPrevalence("y").fit(_survey()), "SurveyDesign"),
    Case(
        "prevalence: negative population",
        lambda: SurveyPrevalence("y", population=-10),
        "population",
    ),
    Case("prevalence: level 0", lambda: SurveyPrevalence("y", level=0.0), "level"),
    Case(
        "prevalence: all zero is not a silent zero-width interval",
        lambda: SurveyPrevalence("y").fit(
            SurveyDesign(_survey(y=0), weights="w", strata="s", clusters="c")
        ),
        check=lambda e: e.value == 0 and (e.upper > 0 or "does not exist at 0" in e.warnings[0]),
    ),
    Case(
        "prevalence: right answer",
        lambda: SurveyPrevalence("y").fit(_design()),
        check=lambda e: abs(e.value - np.average(_survey()["y"], weights=_survey()["w"])) < 1e-12,
    ),
    Case(
        "lonely PSU under fail names the stratum",
        lambda: SurveyPrevalence("y").fit(
            SurveyDesign(_survey().iloc[:45], weights="w", strata="s", clusters="c")
        ),
        "stratum 3",
    ),
]

# ---------------------------------------------------------------------------- other entry points
OTHER_CASES = [
    Case("disclosure: negative count", lambda: protect_counts([5, -1], 5), "counts"),
    Case("disclosure: fractional count", lambda: protect_counts([5, 1.5], 5), "counts"),
    Case("datasets: unknown", lambda: pv.datasets.load("nope"), "nope"),
    Case(
        "plot: mixed scales",
        lambda: pv.plot.forest(
            {
                "a": Estimate(1.0, 0.5, 2.0, scale="count"),
                "b": Estimate(0.1, 0.0, 0.2, scale="proportion"),
            }
        ),
        "scales" if False else "quantity",
    ),
    Case(
        "example: unknown",
        lambda: __import__("prevalence.demo", fromlist=["x"]).write_example("nope", "/tmp"),
        "nope",
    ),
]


def _areas(**overrides: Any) -> pd.DataFrame:
    df = pd.DataFrame(
        {
            "area": np.repeat(["a", "b", "c"], 2),
            "period": [0, 1] * 3,
            "cases": [3, 2, 5, 4, 1, 1],
            "trials": [50, 50, 60, 60, 40, 40],
        }
    )
    for k, v in overrides.items():
        df[k] = v
    return df


def _hier(**kw: Any) -> Any:
    return pv.HierarchicalPrevalence("area", "period", "cases", "trials", **kw)


def _pooled_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "A": [1, 0, 1] * 2,
            "B": [0, 1, 1] * 2,
            "year": [1, 1, 1, 2, 2, 2],
            "count": [30, 20, 10] * 2,
        }
    )


def _did(**kw: Any) -> Any:
    args = {"group": "g", "period": "t", "treated": 1, "baseline": 0, "endline": 1}
    args.update(kw)
    return pv.impact.DifferenceInDifferences(SurveyPrevalence("y"), **args)


MORE_CASES = [
    Case(
        "compare: intervals at different levels",
        lambda: compare_estimates(Estimate(10.0, 8.0, 12.0, level=0.9), Estimate(9.0, 7.0, 11.0)),
        "different levels",
    ),
    Case(
        "design: negative weight named plainly",
        lambda: SurveyDesign(_survey(w=-2.0), weights="w"),
        "column 'w' has -2.0 at row 0",
    ),
    Case(
        "did: estimator not an estimator",
        lambda: pv.impact.DifferenceInDifferences(
            "SurveyPrevalence", group="g", period="t", treated=1, baseline=0, endline=1
        ),
        "estimator",
    ),
    Case("did: group not a column name", lambda: _did(group=["g"]), "group"),
    Case("did: period not a column name", lambda: _did(period=3), "period"),
    Case("did: same baseline and endline", lambda: _did(endline=0), "same period"),
    Case("did: level 2", lambda: _did(level=2.0), "level"),
    Case("did: seed text", lambda: _did(seed="x"), "seed"),
    Case("did: n_draws 1", lambda: _did(n_draws=1), "n_draws"),
    Case("trend: level 0", lambda: pv.impact.Trend(level=0.0), "level"),
    Case("trend: level text", lambda: pv.impact.Trend(level="high"), "level"),
    Case(
        "trend: times of another length",
        lambda: pv.impact.Trend().fit(
            [
                Estimate(0.1, 0.05, 0.2, scale="proportion"),
                Estimate(0.08, 0.04, 0.15, scale="proportion"),
            ],
            [2020],
        ),
        "times",
    ),
    Case(
        "trend: unlike scales",
        lambda: pv.impact.Trend().fit(
            [
                Estimate(10.0, 8.0, 12.0, scale="count"),
                Estimate(0.1, 0.05, 0.2, scale="proportion"),
            ],
            [2020, 2022],
        ),
        "different scales",
    ),
    Case(
        "profit: negative", lambda: pv.profits.ProfitAssumption(-5.0, distribution="fixed"), "value"
    ),
    Case(
        "profit: text",
        lambda: pv.profits.ProfitAssumption("a lot", distribution="fixed"),
        "must be a number",
    ),
    Case(
        "profit: lower above value",
        lambda: pv.profits.ProfitAssumption(100.0, 150.0, 200.0),
        "lower",
    ),
    Case(
        "profit: distribution unknown",
        lambda: pv.profits.ProfitAssumption(100.0, 50.0, 150.0, distribution="uniform"),
        "distribution",
    ),
    Case(
        "profits: n_draws 5",
        lambda: pv.profits.IllicitProfits(
            pv.profits.ProfitAssumption(100.0, distribution="fixed"), n_draws=5
        ),
        "n_draws",
    ),
    Case(
        "profits: level 1.5",
        lambda: pv.profits.IllicitProfits(
            pv.profits.ProfitAssumption(100.0, distribution="fixed"), level=1.5
        ),
        "level",
    ),
    Case("scaleup: hidden not a name", lambda: pv.ScaleUp(["x"], {"a": 10.0}, 1000.0), "hidden"),
    Case("scaleup: total negative", lambda: pv.ScaleUp("x", {"a": 10.0}, -1000.0), "total"),
    Case("scaleup: known size negative", lambda: pv.ScaleUp("x", {"a": -10.0}, 1000.0), "a"),
    Case("scaleup: no known groups", lambda: pv.ScaleUp("x", {}, 1000.0), "known"),
    Case("scaleup: n_boot 0", lambda: pv.ScaleUp("x", {"a": 10.0}, 1000.0, n_boot=0), "n_boot"),
    Case(
        "scaleup: missing rule unknown",
        lambda: pv.ScaleUp("x", {"a": 10.0}, 1000.0, missing="ignore"),
        "missing",
    ),
    Case("rds: estimator unknown", lambda: pv.RDS("y", estimator="RDS-III"), "estimator"),
    Case(
        "rds: population negative",
        lambda: pv.RDS("y", estimator="SS", population_size=-5),
        "population_size",
    ),
    Case("rds: n_boot 0", lambda: pv.RDS("y", n_boot=0), "n_boot"),
    Case("rds: fit a list", lambda: pv.RDS("y").fit([1, 2, 3]), "DataFrame"),
    Case("hierarchical: draws 0", lambda: _hier(draws=0), "draws"),
    Case("hierarchical: chains 0", lambda: _hier(chains=0), "chains"),
    Case("hierarchical: target_accept 1", lambda: _hier(target_accept=1.0), "target_accept"),
    Case("hierarchical: scale unknown", lambda: _hier(scale="probit"), "scale"),
    Case(
        "hierarchical: cases above trials",
        lambda: _hier(draws=10, tune=10, chains=1).fit(_areas(cases=[3, 2, 500, 4, 1, 1])),
        "cases",
    ),
    Case(
        "hierarchical: negative cases",
        lambda: _hier(draws=10, tune=10, chains=1).fit(_areas(cases=[3, -2, 5, 4, 1, 1])),
        "cases",
    ),
    Case(
        "hierarchical: unknown column",
        lambda: pv.HierarchicalPrevalence(
            "region", "period", "cases", "trials", draws=10, tune=10, chains=1
        ).fit(_areas()),
        "region",
    ),
    Case("pooled: lists a string", lambda: pv.PooledStratifiedMSE("AB", by="year"), "lists"),
    Case(
        "pooled: interactions unknown",
        lambda: pv.PooledStratifiedMSE(["A", "B"], by="year", interactions="all"),
        "interactions",
    ),
    Case(
        "pooled: draws 0",
        lambda: pv.PooledStratifiedMSE(["A", "B", "C"], by="year", draws=0),
        "draws",
    ),
    Case(
        "pooled: unknown by column",
        lambda: pv.PooledStratifiedMSE(
            ["A", "B", "C"], by="region", count="count", draws=10, tune=10, chains=1
        ).fit(_pooled_frame()),
        "region",
    ),
]


# ---------------------------------------------------------------------------- zero cases (#38)
# Every division by a variance, a total, a count or a sum of weights, at zero: an answer with
# a note, or a named error. Found by searching the code for such divisions; each case below
# raised a bare ZeroDivisionError, gave an infinite or silently zero-width result, or gave
# meaningless numbers before issue #38.
def _notes(est: Estimate, *texts: str) -> bool:
    joined = " ".join(est.warnings)
    return all(t in joined for t in texts)


def _exact(value: float) -> Estimate:
    return Estimate(value, value, value, method="published")


def _fixed_profits(**kw: Any) -> Any:
    per = {
        "sexual": pv.profits.ProfitAssumption(27252.0, 27252.0, 27252.0, distribution="fixed"),
        "forced": pv.profits.ProfitAssumption(3687.0, 3687.0, 3687.0, distribution="fixed"),
    }
    return pv.profits.IllicitProfits(per, seed=1, **kw)


def _rds(outcome: int, estimator: str) -> Estimate:
    sample = pv.datasets.load("rds_sample").assign(forced_labour=outcome)
    size = 3000 if estimator == "SS" else None
    rds = pv.RDS("forced_labour", estimator=estimator, population_size=size, seed=1, n_boot=20)
    return rds.fit(sample)


def _did_design(y: Any) -> SurveyDesign:
    n = 80
    df = pd.DataFrame(
        {
            "g": np.repeat([1, 0], n // 2),
            "t": np.tile([0, 1], n // 2),
            "village": np.repeat(np.arange(16), 5),
            "w": 1.0,
            "y": y,
        }
    )
    return SurveyDesign(df, weights="w", clusters="village")


ZERO_CASES = [
    Case(
        "profits: published figures without intervals",
        lambda: _fixed_profits().fit({"sexual": _exact(6.3e6), "forced": _exact(17.3e6)}),
        check=lambda r: (
            r.total.value == pytest.approx(6.3e6 * 27252 + 17.3e6 * 3687)
            and r.total.lower == r.total.upper
            and _notes(r.total, "total is exact", "undefined")
            and r.decomposition["variance_share"].isna().all()
        ),
    ),
    Case(
        "profits: change of published figures",
        lambda: _fixed_profits().compare(
            {"sexual": _exact(6.3e6), "forced": _exact(17.3e6)},
            {"sexual": _exact(5.0e6), "forced": _exact(17.3e6)},
        )[2],
        check=lambda c: _notes(c.difference, "exact arithmetic") and c.ratio.value < 1,
    ),
    Case(
        "profits: ratio of a zero baseline",
        lambda: (
            pv.profits.IllicitProfits(pv.profits.ProfitAssumption(100.0, 50.0, 150.0), seed=1)
            .compare(Estimate(0.0, 0.0, 0.0), Estimate(10.0, 5.0, 15.0))[2]
            .ratio
        ),
        check=lambda r: math.isnan(r.value) and _notes(r, "undefined"),
    ),
    Case(
        "compare: ratio of a zero baseline",
        lambda: compare_estimates(Estimate(0.0, 0.0, 0.0), Estimate(5.0, 4.0, 6.0)).ratio,
        check=lambda r: math.isnan(r.value) and _notes(r, "baseline is zero"),
    ),
    Case(
        "compare: published figures without intervals",
        lambda: compare_estimates(_exact(5.0), _exact(4.0)).difference,
        check=lambda d: d.value == -1.0 and _notes(d, "exact arithmetic"),
    ),
    Case(
        "compare: a panel with no variance",
        lambda: SurveyPrevalence("y").compare_panel(_did_design(0), "t", 0, 1).difference,
        check=lambda d: d.value == 0 and _notes(d, "no sampling variance"),
    ),
    Case(
        "did: all outcomes zero",
        lambda: _did().fit(_did_design(0)),
        check=lambda r: (
            r.did.value == 0
            and _notes(r.did, "no sampling variance")
            and math.isnan(r.ratio_of_ratios.value)
            and _notes(r.ratio_of_ratios, "undefined")
        ),
    ),
    Case(
        "trend: published figures without intervals",
        lambda: pv.impact.Trend().fit([_exact(5.0), _exact(4.0), _exact(3.0)], [2020, 2021, 2022]),
        "t=2020 has none",
    ),
    Case(
        "trend: a zero estimate",
        lambda: pv.impact.Trend().fit(
            [Estimate(0.0, 0.0, 0.0), Estimate(1.0, 0.5, 2.0)], [2020, 2021]
        ),
        "t=2020 is 0",
    ),
    Case(
        "rds: RDS-I with every respondent in the trait",
        lambda: _rds(1, "RDS-I"),
        check=lambda e: e.value == 1.0 and _notes(e, "zero width", "rule of three"),
    ),
    Case(
        "rds: RDS-II with nobody in the trait",
        lambda: _rds(0, "RDS-II"),
        check=lambda e: e.value == 0.0 and _notes(e, "zero width"),
    ),
    Case(
        "rds: SS with nobody in the trait",
        lambda: _rds(0, "SS"),
        check=lambda e: e.value == 0.0 and _notes(e, "zero width"),
    ),
    Case(
        "survey: ratio with a zero denominator",
        lambda: _design().with_columns(x=0.0).ratio("y", "x"),
        check=lambda e: math.isnan(e.value) and _notes(e, "undefined", "'x'"),
    ),
    Case(
        "survey: ratio with a zero denominator in one domain",
        lambda: (
            _design()
            .with_columns(x=np.where(np.arange(60) < 20, 0.0, 1.0))
            .ratio("y", "x", by="s", output="estimates")
        ),
        check=lambda r: math.isnan(r[1].value) and _notes(r[1], "domain") and r[2].value >= 0,
    ),
    Case(
        "survey: post-stratum with no weight",
        lambda: SurveyDesign(
            _survey(w=np.where(np.arange(60) < 20, 0.0, 1.0)), weights="w", clusters="c"
        ).poststratify("s", {1: 100, 2: 100, 3: 100}),
        "weight zero",
    ),
    Case(
        "survey: calibration column zero everywhere",
        lambda: _design().with_columns(x=0.0).calibrate({"x": 100.0}, 1000),
        "'x'",
    ),
    Case(
        "survey: binomial model of an outcome zero everywhere",
        lambda: _design().with_columns(y=0.0).glm("y ~ w", family="binomial"),
        "0 in every row",
    ),
    Case(
        "survey: poisson model of an outcome zero everywhere",
        lambda: _design().with_columns(y=0.0).glm("y ~ w", family="poisson"),
        "0 in every row",
    ),
    Case(
        "survey: predictive margins of an outcome zero everywhere",
        lambda: _design().with_columns(y=0).predictive_margins("y ~ w", by="s"),
        "0 in every row",
    ),
    Case(
        "survey: by= on replicates, a replicate empty in one domain",
        lambda: (
            SurveyDesign(
                pd.DataFrame(
                    {
                        "psu": [1, 1, 1, 2],
                        "w": [1, 2.5, 2.5, 1.0],
                        "y": [8.0, 10.0, 13.0, 12.0],
                        "g": [0, 1, 0, 1],
                    }
                ),
                weights="w",
                clusters="psu",
            )
            .replicate("jk1")
            .mean("y", by="g", output="estimates")[1]
        ),
        check=lambda e: e.std_error == pytest.approx(1.0),  # was 0: one replicate of two
    ),  # fmt: skip
    Case(
        "survey: 'average' with every stratum of a domain lonely",
        lambda: SurveyDesign(
            pd.DataFrame(
                {
                    "s": [1, 1, 2, 2, 3],
                    "psu": [1, 2, 3, 4, 5],
                    "w": 1.0,
                    "y": [1.0, 2, 3, 4, 5],
                    "g": ["a", "a", "a", "a", "b"],
                }
            ),
            weights="w",
            strata="s",
            clusters="psu",
            lonely_psu="average",
        ).mean("y", by="g", output="estimates")["b"],
        check=lambda e: math.isnan(e.std_error) and _notes(e, "could not be estimated"),
    ),  # fmt: skip
    Case(
        "survey: a calibration bound excluding 1 in one row",
        lambda: _design().calibrate(
            {"y": 30.0}, 100.0, bounds=(np.where(np.arange(60) == 4, 1.5, 0.5), 3.0)
        ),
        "row 4",
    ),
]


def _no_numpy_traceback(exc: BaseException) -> bool:
    """The error was raised by prevalence (or names the argument), not leaked from numpy."""
    return type(exc).__module__.split(".")[0] != "numpy"


ALL = (
    ESTIMATE_CASES
    + CAPTURE_CASES
    + _estimator_param_cases()
    + MSE_CASES
    + SURVEY_CASES
    + OTHER_CASES
    + MORE_CASES
    + ZERO_CASES
)


@pytest.mark.parametrize("case", ALL, ids=[c.id for c in ALL])
def test_library_entry_point(case):
    if case.check is not None:
        assert case.check(case.call()), case.id
        return
    with pytest.raises(REFUSED) as info:
        case.call()
    assert _no_numpy_traceback(info.value)
    assert case.match is None or case.match in str(info.value), str(info.value)


# ---------------------------------------------------------------------------- configs
BASE = f"""
[run]
name = "hostile"
seed = 1

[[inputs]]
name = "baseline"
path = "{SYNTH / "captures_baseline.csv"}"
kind = "captures"
lists = ["police", "ngo", "local_authority", "hotline"]

[[inputs]]
name = "survey"
path = "{SYNTH / "survey.csv"}"
kind = "survey"
weights = "weight"
strata = "stratum"
clusters = "cluster"
filter = {{ period = 0 }}

[[estimators]]
name = "independence"
type = "LogLinearMSE"
inputs = ["baseline"]

[[estimators]]
name = "prevalence"
type = "SurveyPrevalence"
args = ["victim"]
inputs = ["survey"]

[disclosure]
threshold = 5
"""
RAW = tomllib.loads(BASE)
WHERE = {  # a place in the base config that holds each section (added when missing)
    "run": ("run",),
    "inputs": ("inputs", 1),
    "estimators": ("estimators", 0),
    "disclosure": ("disclosure",),
}


def _misspell(key: str) -> str:
    return key[:-1] if len(key) > 3 else key + "x"  # drop the last letter


def _wrong_value(annotation: Any) -> Any:
    text = str(annotation)
    if "list" in text and "str" in text:
        return 5
    if "bool" in text and "str" not in text:
        return "yes"
    if "int" in text or "float" in text:
        return "many"
    if "dict" in text:
        return "not a table"
    return 123


def _config_cases() -> list[tuple[str, dict, str]]:
    cases = []
    for section, path in WHERE.items():
        model = config_schema.SECTIONS[section]
        for key, field in model.model_fields.items():
            raw = copy.deepcopy(RAW)
            node = raw
            for p in path:
                node = node[p]
            node[_misspell(key)] = node.pop(key) if key in node else "x"
            expected = f"did you mean {key!r}?" if len(key) > 3 else "unknown key"
            cases.append((f"{section}.{key} misspelled", raw, expected))
            if (
                section == "inputs"
                and key in config_schema.KIND_KEYS
                and key not in ("weights", "strata", "clusters", "fpc", "nest", "lonely_psu")
            ):
                continue  # keys of another kind: refused for the kind, tested elsewhere
            raw = copy.deepcopy(RAW)
            node = raw
            for p in path:
                node = node[p]
            node[key] = _wrong_value(field.annotation)
            cases.append((f"{section}.{key} wrong type", raw, key))
    return cases


def _dump(raw: dict) -> str:
    def value(v: Any) -> str:
        return config_schema._toml(v)

    out = []
    for section in ("run", "disclosure"):
        if section in raw:
            out.append(f"[{section}]")
            out += [f"{k} = {value(v)}" for k, v in raw[section].items()]
    for section in ("inputs", "estimators", "compare", "impact"):
        entries = raw.get(section) if isinstance(raw.get(section), list) else []
        for entry in entries:
            if not isinstance(entry, dict):
                continue  # written by the caller as it is
            out.append(f"[[{section}]]")
            out += [f"{k} = {value(v)}" for k, v in entry.items()]
    return "\n".join(out) + "\n"


CONFIG_CASES = _config_cases()


@pytest.mark.parametrize("label, raw, expected", CONFIG_CASES, ids=[c[0] for c in CONFIG_CASES])
def test_config_key(tmp_path, label, raw, expected):
    path = tmp_path / "c.toml"
    path.write_text(_dump(raw))
    problems = validate(path)
    assert problems, f"{label}: accepted"
    assert any(expected in p for p in problems), problems


def test_base_config_is_valid(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text(_dump(RAW))
    assert validate(path) == []


MORE_CONFIGS = [
    ("no inputs", lambda r: r.pop("inputs"), "missing 'inputs'"),
    ("no estimators", lambda r: r.pop("estimators"), "missing 'estimators'"),
    ("duplicate input name", lambda r: r["inputs"][1].update(name="baseline"), "used twice"),
    (
        "duplicate estimator name",
        lambda r: r["estimators"][1].update(name="independence"),
        "used twice",
    ),
    (
        "unknown estimator type",
        lambda r: r["estimators"][0].update(type="LogLinearMS"),
        "did you mean 'LogLinearMSE'",
    ),
    (
        "unknown setting",
        lambda r: r["estimators"][0].update(settings={"n_bot": 10}),
        "did you mean 'n_boot'",
    ),
    (
        "bad setting value",
        lambda r: r["estimators"][0].update(settings={"select": "aicc"}),
        "select",
    ),
    (
        "estimator on unknown input",
        lambda r: r["estimators"][0].update(inputs=["baselin"]),
        "did you mean 'baseline'",
    ),
    (
        "estimator on wrong kind",
        lambda r: r["estimators"][1].update(inputs=["baseline"]),
        "cannot take input",
    ),
    ("kind unknown", lambda r: r["inputs"][0].update(kind="lists"), "kind"),
    ("format unknown", lambda r: r["inputs"][0].update(format="sas"), "format"),
    ("file missing", lambda r: r["inputs"][0].update(path="/nonexistent/x.csv"), "file not found"),
    ("file a directory", lambda r: r["inputs"][0].update(path=str(SYNTH)), "cannot be read"),
    (
        "list column missing",
        lambda r: r["inputs"][0].update(lists=["police", "ngo", "courts"]),
        "courts",
    ),
    ("count column missing", lambda r: r["inputs"][0].update(count="n"), "'n'"),
    ("weights column missing", lambda r: r["inputs"][1].update(weights="wt"), "'wt'"),
    ("filter column missing", lambda r: r["inputs"][1].update(filter={"year": 1}), "year"),
    ("filter keeps nothing", lambda r: r["inputs"][1].update(filter={"period": 9}), "keeps no row"),
    ("survey keys on captures", lambda r: r["inputs"][0].update(weights="w"), "do not apply"),
    ("records without lists", lambda r: r["inputs"][0].update(kind="records", lists=[]), "lists"),
    ("run name with slash", lambda r: r["run"].update(name="a/b"), "may not contain"),
    ("run name dots", lambda r: r["run"].update(name=".."), "may not start"),
    ("run name empty", lambda r: r["run"].update(name=""), "non-empty"),
    ("level 1", lambda r: r["run"].update(level=1.0), "level"),
    ("seed negative", lambda r: r["run"].update(seed=-3), "seed"),
    ("seed float", lambda r: r["run"].update(seed=1.5), "seed"),
    ("threshold negative", lambda r: r["disclosure"].update(threshold=-1), "threshold"),
    ("threshold float", lambda r: r["disclosure"].update(threshold=5.5), "threshold"),
    (
        "compare same input",
        lambda r: r.update(compare={"baseline": "baseline", "endline": "baseline"}),
        "same input",
    ),
    (
        "compare unknown input",
        lambda r: r.update(compare={"baseline": "baseline", "endline": "endlin"}),
        "endlin",
    ),
    (
        "compare missing endline",
        lambda r: r.update(compare={"baseline": "baseline"}),
        "missing 'endline'",
    ),
    (
        "impact unknown kind",
        lambda r: r.update(impact=[{"name": "i", "kind": "rdd", "estimator": "prevalence"}]),
        "kind",
    ),
    (
        "impact did missing keys",
        lambda r: r.update(
            impact=[{"name": "i", "kind": "did", "estimator": "prevalence", "input": "survey"}]
        ),
        "needs",
    ),
    (
        "impact unknown estimator",
        lambda r: r.update(
            impact=[
                {
                    "name": "i",
                    "kind": "trend",
                    "estimator": "prevalenc",
                    "input": "survey",
                    "period": "period",
                }
            ]
        ),
        "did you mean 'prevalence'",
    ),
    (
        "impact target 20",
        lambda r: r.update(
            impact=[
                {
                    "name": "i",
                    "kind": "trend",
                    "estimator": "prevalence",
                    "input": "survey",
                    "period": "period",
                    "target": 20,
                    "target_at": 2030,
                }
            ]
        ),
        "target",
    ),
    (
        "profits without strata",
        lambda r: r.update(profits=[{"name": "p", "estimator": "independence"}]),
        "strata",
    ),
]


@pytest.mark.parametrize("label, edit, expected", MORE_CONFIGS, ids=[c[0] for c in MORE_CONFIGS])
def test_config_content(tmp_path, label, edit, expected):
    raw = copy.deepcopy(RAW)
    edit(raw)
    path = tmp_path / "c.toml"
    text = _dump(raw)
    if "profits" in raw:
        text += "[[profits]]\n" + "\n".join(
            f"{k} = {config_schema._toml(v)}" for k, v in raw["profits"][0].items()
        )
    if isinstance(raw.get("compare"), dict):
        text += "[compare]\n" + "\n".join(
            f"{k} = {config_schema._toml(v)}" for k, v in raw["compare"].items()
        )
    path.write_text(text)
    problems = validate(path)
    assert any(expected in p for p in problems), problems


# ---------------------------------------------------------------------------- command line
CLI_CASES = [
    (["run", "/nonexistent.toml"], 1, "no such config file"),
    (["validate", "/nonexistent.toml"], 1, "no such config file"),
    (["validate", str(SYNTH)], 1, "is a directory"),
    (["validate", str(SYNTH / "captures_baseline.csv")], 1, "not valid TOML"),
    (["init", "--example", "nope"], 2, "invalid choice"),
    (["bogus"], 2, "invalid choice"),
    (["study", "--replicates", "many"], 2, "invalid int value"),
    (["run"], 2, "required"),
]


@pytest.mark.parametrize(
    "argv, status, message", CLI_CASES, ids=[" ".join(c[0]) for c in CLI_CASES]
)
def test_command_line(capsys, argv, status, message):
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse refuses bad arguments with status 2
        code = exc.code
    err = capsys.readouterr().err
    assert code == status and message in err, err
    assert "Traceback" not in err


def test_the_suite_is_large():
    n = len(ALL) + len(CONFIG_CASES) + len(MORE_CONFIGS) + len(CLI_CASES)
    assert n >= 300, n


# ---------------------------------------------------------------------------- unseen cases
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

CONFIG_KEYS = [
    "name",
    "seed",
    "level",
    "path",
    "kind",
    "lists",
    "weights",
    "filter",
    "type",
    "settings",
    "args",
    "inputs",
    "threshold",
    "count",
    "strata",
    "nest",
    "zzz",
    "compare",
    "impact",
    "profits",
]
TOML_VALUES = st.recursive(
    st.none().map(lambda _: "x")
    | st.booleans()
    | st.integers(-(10**6), 10**6)
    | st.floats(allow_nan=False, allow_infinity=False, width=32)
    | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text("abcdefgh_", min_size=1, max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    section=st.sampled_from(["run", "inputs", "estimators", "disclosure", "top"]),
    key=st.sampled_from(CONFIG_KEYS),
    value=TOML_VALUES,
)
def test_any_value_anywhere_gives_problems_not_a_crash(tmp_path_factory, section, key, value):
    raw = copy.deepcopy(RAW)
    if section == "top":
        raw[key] = value
    else:
        node = raw[section] if section in ("run", "disclosure") else raw[section][0]
        node[key] = value
    path = tmp_path_factory.mktemp("h") / "c.toml"
    text = _dump(raw)
    if section == "top":  # a top-level key goes before the first table
        text = f"{key} = {config_schema._toml(value)}\n" + text
    path.write_text(text)
    problems = validate(path)  # a value TOML cannot hold twice, say, gives "not valid TOML"
    assert isinstance(problems, list) and all(isinstance(p, str) and p for p in problems)


@settings(max_examples=150, deadline=None)
@given(
    a=st.lists(
        st.one_of(st.integers(-2, 3), st.floats(allow_nan=True), st.text(max_size=2)),
        min_size=3,
        max_size=3,
    ),
    count=st.lists(
        st.one_of(st.integers(-5, 50), st.floats(allow_nan=True), st.text(max_size=2)),
        min_size=3,
        max_size=3,
    ),
)
def test_capture_tables_of_anything_are_refused_by_name_or_accepted(a, count):
    df = pd.DataFrame({"A": a, "B": [0, 1, 1], "count": count})
    try:
        ch = CaptureHistories.from_counts(df)
    except REFUSED as exc:
        assert _no_numpy_traceback(exc)
        assert any(
            word in str(exc)
            for word in ("'A'", "count", "list", "pattern", "no one", "nobody", "people")
        ), str(exc)
        return
    # accepted: every count a whole number >= 0 and every list value 0/1; row 0 is on a list
    # only if A is 1 there (B is 0), the other rows are on B
    on_a_list = [a[0] == 1, True, True]
    assert ch.n_observed == sum(int(c) for c, on in zip(count, on_a_list, strict=True) if on)


# ---------------------------------------------------------------------------- generated zero cases (#38)
def _answer_or_named_error(call: Callable[[], Any]) -> list[Estimate]:
    """Run ``call``: a refusal must be a named error (not numpy's); an answer is returned as
    its estimates for the checks below."""
    try:
        result = call()
    except REFUSED as err:
        assert _no_numpy_traceback(err)
        assert str(err), "an error without a message"
        return []
    if isinstance(result, Estimate):
        return [result]
    if isinstance(result, dict):
        return list(result.values())
    raise AssertionError(f"unexpected result {type(result).__name__}")


def _said(est: Estimate) -> None:
    """Never a silent zero-width interval, a silent NaN, or an infinite value."""
    assert not math.isinf(est.value), est
    if math.isnan(est.value) or math.isnan(est.lower) or math.isnan(est.upper):
        assert est.warnings, f"NaN without a note: {est}"
        return
    assert est.lower <= est.value <= est.upper, est
    if est.upper == est.lower:
        assert est.warnings, f"a zero-width interval without a note: {est}"


@st.composite
def _degenerate_surveys(draw: st.DrawFn) -> pd.DataFrame:
    n_strata = draw(st.integers(1, 3))
    psus_per = draw(st.integers(1, 3))
    rows_per = draw(st.integers(1, 3))
    rows = [(h, h * 10 + c) for h in range(n_strata) for c in range(psus_per)] * rows_per
    df = pd.DataFrame(rows, columns=["s", "c"])
    n = len(df)
    outcome = draw(st.sampled_from(["zeros", "ones", "constant", "mixed"]))
    rng = np.random.default_rng(draw(st.integers(0, 1000)))
    df["y"] = {
        "zeros": np.zeros(n),
        "ones": np.ones(n),
        "constant": np.full(n, 3.5),
        "mixed": rng.integers(0, 2, n).astype(float),
    }[outcome]
    df["x"] = draw(st.sampled_from([0.0, 1.0, 2.5]))
    df["w"] = draw(st.sampled_from([1.0, 7.0]))
    df["d"] = np.arange(n) if draw(st.booleans()) else np.arange(n) % 2  # one row per domain
    return df


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_degenerate_surveys(), st.sampled_from(["remove", "certainty", "average", "adjust"]))
def test_degenerate_surveys_answer_with_a_note_or_refuse_by_name(df, lonely):
    """Single strata, single PSUs, all-zero or constant outcomes, zero denominators and one
    respondent per domain: every statistic answers with a note or refuses by name."""
    try:
        design = SurveyDesign(df, weights="w", strata="s", clusters="c", lonely_psu=lonely)
    except REFUSED as err:  # one PSU in all: refused by name
        assert _no_numpy_traceback(err) and "primary sampling unit" in str(err)
        return
    calls = [
        lambda: design.mean("y"),
        lambda: design.total("y"),
        lambda: design.ratio("y", "x"),
        lambda: design.mean("y", by="d", output="estimates"),
        lambda: design.ratio("y", "x", by="d", output="estimates"),
        lambda: design.variance("y"),
        lambda: design.quantile("y", 0.5),
    ]
    if set(df["y"].unique()) <= {0.0, 1.0}:
        calls += [
            lambda: design.proportion("y"),
            lambda: design.proportion("y", ci="beta"),
            lambda: design.proportion("y", by="d", output="estimates"),
        ]
    for call in calls:
        for est in _answer_or_named_error(call):
            _said(est)


@settings(max_examples=60, deadline=None)
@given(
    st.one_of(st.just(0.0), st.floats(1e-6, 1e6)),
    st.one_of(st.just(0.0), st.floats(1e-6, 1e6)),
    st.booleans(),
    st.booleans(),
)
def test_comparisons_of_zero_and_exact_figures_say_so(b, e, b_exact, e_exact):
    """Zero-width inputs (published figures) and zero baselines: differences and ratios are
    answered with a note where they are exact or undefined."""
    base = Estimate(b, b, b) if b_exact else Estimate(b, b * 0.8, b * 1.25 + 1)
    end = Estimate(e, e, e) if e_exact else Estimate(e, e * 0.8, e * 1.25 + 1)
    comparison = compare_estimates(base, end, seed=1, n_draws=200)
    for est in (comparison.difference, comparison.ratio):
        _said(est)
