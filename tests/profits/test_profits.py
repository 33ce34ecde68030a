"""Illicit profits (issue 13): per-victim profits from surveys, assumptions, totals, money."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest

from prevalence import DataError, Estimate
from prevalence.core.errors import DataWarning
from prevalence.profits import (
    ForcedLabourProfit,
    IllicitProfits,
    ProfitAssumption,
    ProfitTable,
    SexualExploitationProfit,
    deflate_estimate,
    reproduce_published,
)
from prevalence.survey import SurveyDesign


def victims_survey(seed: int = 1, n: int = 240) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            "psu": np.repeat(np.arange(n // 4), 4),
            "stratum": np.repeat(np.arange(2), n // 2),
            "w": rng.uniform(5, 15, n),
            "sector": rng.choice(["farm", "factory"], n),
            "region": rng.choice(["north", "south"], n),
            "hours": rng.uniform(1500, 3000, n).round(),
            "paid": rng.uniform(0, 1500, n).round(),  # below the 2,400 owed at least
            "costs": rng.uniform(0, 500, n).round(),
        }
    )
    return df


WAGES = pd.DataFrame(
    {
        "sector": ["farm", "farm", "factory", "factory"],
        "region": ["north", "south", "north", "south"],
        "wage": [2.0, 1.6, 3.1, 2.5],
        "std_error": [0.10, 0.08, 0.20, 0.15],
    }
)


def design(df: pd.DataFrame) -> SurveyDesign:
    return SurveyDesign(df, weights="w", clusters="psu", strata="stratum")


def test_wage_table_without_errors_equals_the_design_mean_of_row_profits():
    """With exact wages the estimate is linear in the data: value and covariance equal the
    design's mean of the per-row profit, by stratum."""
    df = victims_survey()
    exact = WAGES.drop(columns="std_error")
    t = ForcedLabourProfit("hours", "paid", exact, costs="costs", by=["region", "sector"]).fit(
        design(df)
    )
    wage = df.merge(exact, on=["sector", "region"], how="left")["wage"].to_numpy()
    direct = design(df.assign(profit=df["hours"] * wage - df["paid"] - df["costs"])).mean(
        "profit", by=["region", "sector"], vcov=True
    )
    order = [tuple(r) for r in direct.labels[["region", "sector"]].itertuples(index=False)]
    assert list(t.keys) == order
    np.testing.assert_allclose(t.values, direct.values.to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(t.vcov, direct.vcov.to_numpy(), rtol=1e-9, atol=1e-6)
    assert t.currency == "USD" and t.n is not None and sum(t.n) == len(df)


def test_wage_uncertainty_adds_hours_squared_times_wage_variance():
    """Each stratum's variance grows by (mean hours)^2 x se(wage)^2 (one wage cell per
    stratum), and strata sharing no wage cell stay uncorrelated through the wages."""
    df = victims_survey(2)
    by = ["region", "sector"]
    with_se = ForcedLabourProfit("hours", "paid", WAGES, by=by).fit(design(df))
    without = ForcedLabourProfit("hours", "paid", WAGES.drop(columns="std_error"), by=by).fit(
        design(df)
    )
    hours = design(df).mean("hours", by=by, vcov=True)
    se = WAGES.set_index(["region", "sector"])["std_error"]
    for i, key in enumerate(with_se.keys):
        extra = hours.values.iloc[i] ** 2 * se[key] ** 2
        assert with_se.vcov[i, i] - without.vcov[i, i] == pytest.approx(extra, rel=1e-9)
    off = with_se.vcov - without.vcov
    np.fill_diagonal(off, 0.0)
    assert np.allclose(off, 0.0, atol=1e-6)


def test_wage_cells_finer_than_strata():
    """Wages by sector and region, profits by region only: each region mixes two wage cells."""
    df = victims_survey(3)
    exact = WAGES.drop(columns="std_error")
    t = ForcedLabourProfit("hours", "paid", exact, by="region").fit(design(df))
    wage = df.merge(exact, on=["sector", "region"], how="left")["wage"].to_numpy()
    direct = design(df.assign(profit=df["hours"] * wage - df["paid"])).mean(
        "profit", by="region", vcov=True
    )
    np.testing.assert_allclose(t.values, direct.values.to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(t.vcov, direct.vcov.to_numpy(), rtol=1e-9, atol=1e-6)


def test_sexual_exploitation_profit_by_hand():
    df = pd.DataFrame(
        {
            "clients": [4, 6, 5, 3],
            "days": [300, 250, 280, 320],
            "costs": [5000, 8000, 6000, 4000],
            "payments": [1000, 2000, 0, 500],
            "city": ["a", "a", "b", "b"],
            "w": [1.0, 3.0, 2.0, 2.0],
        }
    )
    prices = pd.DataFrame({"city": ["a", "b"], "price": [20.0, 25.0], "std_error": [2.0, 1.0]})
    t = SexualExploitationProfit(
        "clients", "days", prices, costs="costs", payments="payments", by="city"
    ).fit(SurveyDesign(df, weights="w"))
    rev = df["clients"] * df["days"] * df["city"].map({"a": 20.0, "b": 25.0})
    profit = rev - df["costs"] - df["payments"]
    expect_a = np.average(profit[:2], weights=df["w"][:2])
    expect_b = np.average(profit[2:], weights=df["w"][2:])
    assert t.values.tolist() == pytest.approx([expect_a, expect_b], rel=1e-12)


def test_negative_profits_are_reported_not_clipped():
    df = victims_survey(4)
    df.loc[5, "paid"] = 99_999  # paid far more than owed
    with pytest.warns(DataWarning, match="paid more than they are owed"):
        t = ForcedLabourProfit("hours", "paid", WAGES, by="region").fit(design(df))
    assert 5 in t.details["negative_rows"]
    assert any("rows [5" in w for w in t.warnings)


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: d.assign(hours=d["hours"].where(d.index != 7, -10)), "negative in row 7"),
        (
            lambda d: d.assign(paid=d["paid"].astype(object).where(d.index != 3, "x")),
            "not numeric in row 3",
        ),
        (lambda d: d.assign(hours=d["hours"].where(d.index != 9)), "missing in row 9"),
        (lambda d: d.assign(region=d["region"].where(d.index != 2, "east")), "row 2 has no wage"),
    ],
)
def test_bad_survey_input_names_the_row(change, message):
    df = change(victims_survey(5))
    with pytest.raises(DataError, match=message):
        ForcedLabourProfit("hours", "paid", WAGES, by="region").fit(design(df))


def test_bad_tables_and_arguments():
    df = victims_survey(6)
    bad = WAGES.assign(wage=[2.0, -1.0, 3.0, 2.0])
    with pytest.raises(DataError, match="negative wage in row 1"):
        ForcedLabourProfit("hours", "paid", bad).fit(design(df))
    with pytest.raises(DataError, match="several rows"):
        ForcedLabourProfit("hours", "paid", pd.concat([WAGES, WAGES.iloc[:1]])).fit(design(df))
    with pytest.raises(DataError, match="no column 'hrs'"):
        ForcedLabourProfit("hrs", "paid", WAGES).fit(design(df))
    with pytest.raises(DataError, match="three-letter"):
        ForcedLabourProfit("hours", "paid", WAGES, currency="dollars")
    with pytest.raises(DataError, match="survey design"):
        ForcedLabourProfit("hours", "paid", WAGES).fit(df)


def test_assumptions_validate_and_label():
    with pytest.raises(DataError, match="must contain the value"):
        ProfitAssumption(100.0, 120.0, 150.0)
    with pytest.raises(DataError, match="needs lower and upper"):
        ProfitAssumption(100.0)
    with pytest.raises(DataError, match="mix currencies or price years"):
        ProfitTable.from_assumptions(
            {"a": ProfitAssumption(1.0, 0.5, 2.0, year=2014), "b": ProfitAssumption(1.0, 0.5, 2.0)}
        )
    fixed = ProfitAssumption(5.0, distribution="fixed", source="my guess")
    assert "assumption: 5" in fixed.label and "my guess" in fixed.label
    tri = ProfitAssumption(10.0, 5.0, 20.0, distribution="triangular")
    d = tri.draws(200_000, np.random.default_rng(1))
    assert d.min() >= 5.0 and d.max() <= 20.0
    assert d.mean() == pytest.approx((5 + 10 + 20) / 3, rel=5e-3)


def test_total_with_fixed_profit_scales_the_victims_interval():
    """One stratum, profit per victim fixed: the total's interval is the victims' interval
    times the profit (the victims enter with draws matched to their interval)."""
    victims = Estimate(10_000.0, 8_000.0, 13_000.0, scale="count")
    res = IllicitProfits(
        ProfitAssumption(500.0, distribution="fixed"), seed=1, n_draws=200_000
    ).fit(victims)
    assert res.total.value == 5_000_000.0
    assert res.total.lower == pytest.approx(4_000_000.0, rel=5e-3)
    assert res.total.upper == pytest.approx(6_500_000.0, rel=5e-3)
    dec = res.decomposition.set_index("uncertain")
    assert dec.loc["profit per victim only", "width"] == 0.0
    assert dec.loc["victims only", "variance_share"] == pytest.approx(1.0)
    assert res.total.scale == "USD 2021"
    assert "assumption" in res.strata["per_victim_source"].iloc[0]


def test_total_by_stratum_breakdown_and_decomposition():
    victims = {
        ("north", "farm"): Estimate(1000.0, 800.0, 1250.0, scale="count"),
        ("north", "factory"): Estimate(600.0, 450.0, 800.0, scale="count"),
        ("south", "farm"): Estimate(1500.0, 1200.0, 1900.0, scale="count"),
        ("south", "factory"): Estimate(300.0, 200.0, 450.0, scale="count"),
    }
    df = victims_survey(7)
    table = ForcedLabourProfit("hours", "paid", WAGES, by=["region", "sector"]).fit(design(df))
    res = IllicitProfits(table, seed=3).fit(victims)
    point = sum(victims[k].value * table.values[table.keys.index(k)] for k in victims)
    assert res.total.value == pytest.approx(point, rel=1e-12)
    assert res.strata["share"].sum() == pytest.approx(1.0)
    by_region = res.by_column("region")
    assert by_region["profits"].sum() == pytest.approx(res.total.value, rel=1e-12)
    assert set(by_region["region"]) == {"north", "south"}
    dec = res.decomposition.set_index("uncertain")
    shares = dec.loc[["victims only", "profit per victim only"], "variance_share"]
    assert shares.sum() == pytest.approx(1.0)
    assert dec.loc["victims and profit per victim", "width"] > dec.loc["victims only", "width"]
    again = IllicitProfits(table, seed=3).fit(victims)
    assert again.total.interval == res.total.interval
    with pytest.raises(DataError, match="is not a stratum column"):
        res.by_column("sector ")


def test_strata_must_match_and_victims_must_be_counts():
    per = {"a": ProfitAssumption(10.0, 5.0, 20.0), "b": ProfitAssumption(10.0, 5.0, 20.0)}
    with pytest.raises(DataError, match="no profit per victim: \\['c'\\]"):
        IllicitProfits(per).fit({"a": Estimate(5.0, 4.0, 6.0), "c": Estimate(5.0, 4.0, 6.0)})
    with pytest.raises(DataError, match="profit per victim but no victims: \\['b'\\]"):
        IllicitProfits(per).fit({"a": Estimate(5.0, 4.0, 6.0)})
    with pytest.raises(DataError, match="scale 'proportion'"):
        IllicitProfits(per).fit(
            {k: Estimate(0.05, 0.04, 0.06, scale="proportion") for k in ("a", "b")}
        )


def test_money_scales_refuse_mixing_and_deflate():
    per = ProfitAssumption(1000.0, 800.0, 1300.0, year=2014)
    b = IllicitProfits(per, seed=1).fit(Estimate(100.0, 80.0, 125.0, scale="count"))
    per_e = ProfitAssumption(1000.0, 800.0, 1300.0, year=2021)
    e = IllicitProfits(per_e, seed=2).fit(Estimate(80.0, 65.0, 100.0, scale="count"))
    with pytest.raises(DataError, match="USD 2014, USD 2021"):
        b.compare(e)
    index = {2014: 100.0, 2021: 112.0}
    b21 = b.deflate(index, 2021)
    assert b21.total.scale == "USD 2021"
    assert b21.total.value == pytest.approx(b.total.value * 1.12)
    assert b21.strata["profits"].iloc[0] == pytest.approx(b.strata["profits"].iloc[0] * 1.12)
    c = b21.compare(e, seed=1)
    assert c.difference.scale == "USD 2021"
    p = c.probability_reduced(by=0.0)
    assert 0.5 < p.value < 1.0
    est = deflate_estimate(
        Estimate(10.0, 9.0, 11.0, scale="EUR 2020"), {2020: 1.0, 2021: 1.05}, 2021
    )
    assert est.scale == "EUR 2021" and est.upper == pytest.approx(11.55)
    with pytest.raises(DataError, match="no value for 2030"):
        deflate_estimate(est, {2021: 1.0}, 2030)
    with pytest.raises(DataError, match="not a monetary estimate"):
        deflate_estimate(Estimate(1.0, scale="count"), index, 2021)


def test_published_totals_are_reproduced_to_their_rounding():
    for edition in (2014, 2024):
        t = reproduce_published(edition)
        assert t["consistent"].all(), t
    t = reproduce_published(2024).set_index("quantity")
    # 6.3 million x 27,252 + 17.3 million x 3,687 = 235.47 billion; published 236 (rounded
    # inputs allow 233.9-237.0)
    assert t.loc["total (US$ bn)", "computed"] == pytest.approx(235.473, abs=1e-3)
    assert round(t.loc["share of sexual exploitation", "computed"], 2) == 0.73
    t14 = reproduce_published(2014).set_index("quantity")
    assert t14.loc["total = sexual + labour exploitation (US$ bn)", "computed"] == pytest.approx(
        150.2
    )


def test_profits_difference_in_differences():
    """Profit totals are Estimates: the impact tools take them as they are."""
    from prevalence.impact import DifferenceInDifferences
    from prevalence.survey import SurveyPrevalence

    cells = {}
    for g, p, v in [
        ("prog", 0, 1000.0),
        ("prog", 1, 700.0),
        ("comp", 0, 900.0),
        ("comp", 1, 850.0),
    ]:
        res = IllicitProfits(ProfitAssumption(500.0, 400.0, 620.0), seed=len(cells)).fit(
            Estimate(v, 0.85 * v, 1.18 * v, scale="count")
        )
        cells[(g, p)] = res.total
    did = DifferenceInDifferences(
        SurveyPrevalence("x"),
        group="g",
        period="p",
        treated="prog",
        baseline=0,
        endline=1,
        comparison="comp",
        seed=1,
    ).from_estimates(cells)
    assert did.did.value == pytest.approx((700 - 1000) * 500 - (850 - 900) * 500)
    assert did.did.scale == "USD 2021"
    assert did.did.lower < did.did.value < did.did.upper
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert math.isfinite(did.ratio_of_ratios.value)


def test_same_profit_per_victim_cancels_in_the_ratio():
    """With one profit per victim for both periods, the ratio of profits is the ratio of
    victims in every draw: its interval is that of the victims alone, and the independent
    comparison (right only for separate surveys) is wider."""
    per = ProfitAssumption(1000.0, 600.0, 1600.0)
    b = Estimate(5000.0, 4200.0, 6000.0, scale="count")
    e = Estimate(3800.0, 3100.0, 4600.0, scale="count")
    base, end, shared = IllicitProfits(per, seed=4, n_draws=50_000).compare(b, e)
    fixed = ProfitAssumption(1000.0, distribution="fixed")
    _, _, victims_only = IllicitProfits(fixed, seed=4, n_draws=50_000).compare(b, e)
    assert shared.ratio.value == pytest.approx(0.76)
    assert shared.ratio.interval == pytest.approx(victims_only.ratio.interval, rel=0.02)
    separate_b = IllicitProfits(per, seed=6, n_draws=50_000).fit(b)
    separate_e = IllicitProfits(per, seed=7, n_draws=50_000).fit(e)
    independent = separate_b.compare(separate_e, seed=5)
    width = shared.ratio.upper - shared.ratio.lower
    assert independent.ratio.upper - independent.ratio.lower > 1.5 * width
    assert shared.difference.value == pytest.approx(-1_200_000.0)
    assert "same profit per victim" in shared.difference.method


def test_victims_without_uncertainty_name_the_stratum():
    from prevalence import EstimationError

    per = {"a": ProfitAssumption(10.0, 5.0, 20.0)}
    with pytest.raises(EstimationError, match="victims of stratum 'a'"):
        IllicitProfits(per).fit({"a": Estimate(100.0, scale="count")})


def test_joined_table_keeps_each_stratums_source():
    """A survey stratum beside an assumed one: each keeps its own label, error and draws."""
    survey = ForcedLabourProfit("hours", "paid", "wage").fit(
        SurveyDesign(victims_survey(8).assign(wage=2.4), weights="w")
    )
    assumed = ProfitAssumption(27_252, 20_000, 36_000, source="ILO 2024")
    table = ProfitTable.join({"labour": survey, "sexual": assumed})
    assert table.source("labour") == "survey"
    assert table.source("sexual").startswith("assumption: 27,252")
    frame = table.to_frame().set_index("stratum")
    assert (
        frame.loc["labour", "source"] == "survey" and frame.loc["sexual", "source"] == "assumption"
    )
    assert frame.loc["labour", "std_error"] == pytest.approx(float(survey.std_errors[0]))
    res = IllicitProfits(table, seed=1).fit(
        {
            "labour": Estimate(100.0, 80.0, 125.0, scale="count"),
            "sexual": Estimate(50.0, 40.0, 62.0, scale="count"),
        }
    )
    sources = res.strata.set_index("stratum")["per_victim_source"]
    assert sources["labour"] == "survey" and "ILO 2024" in sources["sexual"]
    later = table.deflate({2021: 100.0, 2024: 110.0}, 2024)
    assert later.values == pytest.approx(table.values * 1.1)
    assert later.source("sexual").startswith("assumption: 29,977")
    assert later.draws(10, np.random.default_rng(1)).shape == (10, 2)
