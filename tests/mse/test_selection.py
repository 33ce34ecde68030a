"""Model selection, the selection bootstrap and the sensitivity table on synthetic data."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from prevalence import CaptureHistories, DataError, LogLinearMSE
from prevalence.mse.inference.selection import bca_interval, jackknife_acceleration
from prevalence.simulate import simulate_captures

LISTS = {"A": 0.25, "B": 0.2, "C": 0.3, "D": 0.15}


@pytest.fixture(scope="module")
def captures() -> CaptureHistories:
    return simulate_captures(4000, LISTS, heterogeneity=0.8, seed=12).captures


def test_bootstrap_is_reproducible_and_seed_dependent(captures):
    a = LogLinearMSE(select="bic", n_boot=200, seed=3).fit(captures)
    b = LogLinearMSE(select="bic", n_boot=200, seed=3).fit(captures)
    c = LogLinearMSE(select="bic", n_boot=200, seed=4).fit(captures)
    np.testing.assert_array_equal(a.draws, b.draws)
    assert a.interval == b.interval
    assert not np.array_equal(a.draws, c.draws)
    boot = a.details["bootstrap"]
    assert boot["n_boot"] == 200 and a.draws.size == 200 - boot["n_failed"]
    assert set(boot["bca_quantiles"]) >= {0.025, 0.1, 0.9, 0.975}
    assert sum(boot["model_frequencies"].values()) == pytest.approx(1.0)
    assert a.lower < a.value < a.upper


def test_full_search_bootstrap_and_top_agree_when_top_is_everything(captures):
    top = LogLinearMSE(select="bic", n_boot=100, n_top=10_000, seed=1).fit(captures)
    full = LogLinearMSE(select="bic", n_boot=100, boot_models="all", seed=1).fit(captures)
    np.testing.assert_allclose(top.draws, full.draws, rtol=1e-9)


def test_percentile_and_none_intervals(captures):
    p = LogLinearMSE(select="aic", interval="percentile", n_boot=200, seed=2).fit(captures)
    lo, hi = np.quantile(p.draws, [0.025, 0.975])
    assert p.interval == pytest.approx((lo, hi))
    n = LogLinearMSE(select="aic", interval="none").fit(captures)
    assert math.isnan(n.lower) and n.draws is None
    assert n.details["selection"] == "aic"
    assert n.details["models"]["AIC"].is_monotonic_increasing


def test_fixed_model_bootstrap(captures):
    est = LogLinearMSE("[12,3,4]", interval="bootstrap", n_boot=300, seed=5).fit(captures)
    assert est.details["bootstrap"]["model_frequencies"] == {"[12,3,4]": 1.0}
    assert est.lower < est.value < est.upper


def test_stepwise_bootstrap(captures):
    est = LogLinearMSE(select="stepwise", n_boot=60, seed=1).fit(captures)
    assert est.draws.size > 50
    assert est.lower < est.value < est.upper


@pytest.mark.parametrize("select", ["bic", "aic", "stepwise"])
def test_choice_does_not_depend_on_list_order(captures, select):
    est = LogLinearMSE(select=select, interval="none")
    a = est.fit(captures)
    b = est.fit(captures.reorder(["D", "B", "A", "C"]))
    assert a.value == pytest.approx(b.value, rel=1e-8)
    terms_a = {frozenset(t.split("*")) for t in a.details["model_terms"].split(" + ")}
    terms_b = {frozenset(t.split("*")) for t in b.details["model_terms"].split(" + ")}
    assert terms_a == terms_b


def test_selection_recovers_dependence():
    # lists A and B share catchability (positive dependence): BIC must add the AB interaction
    rng = np.random.default_rng(0)
    N = 20000
    z = rng.random(N) < 0.3
    a = rng.random(N) < np.where(z, 0.6, 0.1)
    b = rng.random(N) < np.where(z, 0.5, 0.1)
    c = rng.random(N) < 0.2
    seen = a | b | c
    df = pd.DataFrame({"A": a[seen], "B": b[seen], "C": c[seen]}).astype(int)
    captures = CaptureHistories.from_records(df, lists=["A", "B", "C"])
    est = LogLinearMSE(select="bic", interval="none").fit(captures)
    assert "A*B" in est.details["model_terms"]
    assert est.value == pytest.approx(N, rel=0.1)


def test_sensitivity_table(captures):
    table = LogLinearMSE(select="bic", interval="none").sensitivity(captures, merge=[["A", "B"]])
    assert list(table["scenario"]) == [
        "all lists",
        "without A",
        "without B",
        "without C",
        "without D",
        "merge A + B",
    ]
    assert table.loc[1, "lists"] == "B, C, D"
    assert table.loc[5, "lists"] == "A+B, C, D"
    # models name their lists: numbers would mean other lists once one is omitted
    for _, row in table.iterrows():
        terms = {name for t in row["model"].split(" + ") for name in t.split("*")}
        assert terms <= set(row["lists"].split(", ")), row
    assert "A" not in {n for t in table.loc[1, "model"].split(" + ") for n in t.split("*")}
    assert (table["estimate"] > table["n_observed"]).all()
    assert (table["error"] == "").all()


def test_bad_selection_arguments():
    with pytest.raises(ValueError, match="not both"):
        LogLinearMSE("[12]", select="bic")
    with pytest.raises(ValueError, match="select"):
        LogLinearMSE(select="lasso")
    with pytest.raises(ValueError, match="boot_models"):
        LogLinearMSE(select="bic", boot_models="some")
    with pytest.raises(ValueError, match="n_boot"):
        LogLinearMSE(select="bic", n_boot=1)
    pop = simulate_captures(500, {"A": 0.3, "B": 0.3, "C": 0.3}, seed=1)
    with pytest.raises(DataError, match="max_order"):
        LogLinearMSE(select="bic", max_order=3).fit(pop.captures)


def test_bca_formula_against_hand_computation():
    boot = np.arange(1, 101, dtype=float)
    limits, z0 = bca_interval(boot, 50.5, 0.0, [0.5])
    # half the replicates lie below the estimate: no bias correction, median of 1..100
    assert z0 == 0.0 and limits[0] == pytest.approx(50.5)
    limits, z0 = bca_interval(boot, 30.5, 0.1, [0.025, 0.975])
    from scipy.stats import norm

    z0_exp = norm.ppf(0.3)
    za = norm.ppf([0.025, 0.975]) + z0_exp
    q = norm.cdf(z0_exp + za / (1 - 0.1 * za))
    assert z0 == pytest.approx(z0_exp)
    np.testing.assert_allclose(limits, np.quantile(boot, q, method="median_unbiased"))
    assert jackknife_acceleration(np.array([1.0, 2.0, 3.0]), np.ones(3)) == pytest.approx(0.0)
