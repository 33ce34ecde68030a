"""EvidenceSynthesis: posteriors checked against closed forms and against the MSE it contains,
the joint posterior's change, comparisons and DiD, conflicts, and bad input."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prevalence import CaptureHistories, DataError, Estimate, EstimationWarning, LogLinearMSE
from prevalence.core.details import check_details
from prevalence.impact import DifferenceInDifferences
from prevalence.synthesis import (
    DEFAULT_SYNTHESIS_PRIORS,
    EstimateSource,
    EvidenceSynthesis,
    ListSource,
    estimates_table,
)
from prevalence.synthesis.sources import Z95

POP = pd.DataFrame({"area": ["a"], "people": [1e6]})


def _quiet_fit(model, data):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EstimationWarning)
        return model.fit(data)


def _log_visibility(low, high):
    return (math.log(low) + math.log(high)) / 2, (math.log(high) - math.log(low)) / (2 * Z95)


def _normal_posterior(prior_mean, prior_sd, obs):
    """Posterior mean and sd of a normal mean from a normal prior and normal observations
    [(value, sd)]."""
    precision = 1 / prior_sd**2 + sum(1 / s**2 for _, s in obs)
    mean = (prior_mean / prior_sd**2 + sum(v / s**2 for v, s in obs)) / precision
    return mean, precision**-0.5


def _moments_agree(draws, mean, sd, ess):
    """Mean within 4 Monte Carlo standard errors, sd within 8% (ESS of a few hundred at least)."""
    log_n = np.log(draws)
    assert abs(log_n.mean() - mean) < 4 * sd / math.sqrt(ess), (log_n.mean(), mean)
    assert log_n.std() == pytest.approx(sd, rel=0.08)


def test_one_estimate_with_a_visibility_prior_is_the_conjugate_normal_posterior():
    # log y ~ N(log v + log N, se), log v ~ N(m, s): log y ~ N(m + log N, sqrt(se^2 + s^2)); the
    # prior of log N is N(log P + centre, intercept_sd) with centre = log(y / exp(m) / P)
    y, se = 5000.0, 0.2
    m, s = _log_visibility(0.5, 0.9)
    model = EvidenceSynthesis(
        "area",
        population="people",
        sources=[EstimateSource("s", "estimate", "se", visibility=(0.5, 0.9))],
        draws=2000,
        chains=2,
        seed=1,
    )
    est = _quiet_fit(
        model, {"population": POP, "s": pd.DataFrame({"area": ["a"], "estimate": [y], "se": [se]})}
    )
    centre = math.log(y) - m
    mean, sd = _normal_posterior(
        centre, DEFAULT_SYNTHESIS_PRIORS["intercept_sd"], [(math.log(y) - m, math.hypot(se, s))]
    )
    _moments_agree(est.draws, mean, sd, est.details["diagnostics"]["min_ess_bulk"])
    # the source's own figure is shown beside the combined one, and its visibility learned
    # nothing (one source cannot check its own bias)
    row = est.details["sources"].iloc[0]
    assert row["given"] == y and row["count"] == y
    vis = est.details["visibility"].iloc[0]
    assert vis["prior_lower"] == 0.5 and vis["prior_upper"] == 0.9
    assert math.log(vis["value"]) == pytest.approx(m, abs=0.03)


@pytest.mark.slow  # a model structure of its own: nutpie compiles it (about 30 s)
def test_two_anchors_are_weighted_by_their_precision():
    # a survey prevalence (normal likelihood on the prevalence scale, near-normal in log N at
    # this precision) and a scale-up count (log-normal), both unbiased
    model = EvidenceSynthesis(
        "area",
        population="people",
        sources=[
            EstimateSource("scaleup", "estimate", "se", anchor=True),
            EstimateSource("survey2", "estimate", "se", anchor=True),
        ],
        draws=2000,
        chains=2,
        seed=2,
    )
    data = {
        "population": POP,
        "scaleup": pd.DataFrame({"area": ["a"], "estimate": [4000.0], "se": [0.3]}),
        "survey2": pd.DataFrame({"area": ["a"], "estimate": [5000.0], "se": [0.15]}),
    }
    est = _quiet_fit(model, data)
    centre = float(np.median([math.log(4000.0), math.log(5000.0)]))
    mean, sd = _normal_posterior(centre, 2.5, [(math.log(4000.0), 0.3), (math.log(5000.0), 0.15)])
    _moments_agree(est.draws, mean, sd, est.details["diagnostics"]["min_ess_bulk"])
    assert not est.details["conflicts"]
    assert check_details(est.details, EvidenceSynthesis.details_schema) == []


def _lists_frame(counts, lists=("l1", "l2", "l3")):
    rows = []
    k = len(lists)
    for h, c in enumerate(counts, start=1):
        rows.append({"area": "a", **{lists[j]: (h >> j) & 1 for j in range(k)}, "n": c})
    return pd.DataFrame(rows)


@pytest.mark.slow  # a model structure of its own: nutpie compiles it (about 30 s)
def test_lists_alone_give_the_log_linear_mse():
    # patterns 100, 010, 110, 001, 101, 011, 111 (bit j: list j)
    counts = [300, 250, 60, 200, 45, 40, 9]
    frame = _lists_frame(counts)
    model = EvidenceSynthesis(
        "area",
        sources=[ListSource("lists", ["l1", "l2", "l3"], count="n", anchor=True)],
        draws=2000,
        chains=2,
        seed=3,
    )
    est = _quiet_fit(model, {"population": POP[["area"]], "lists": frame.drop(columns=[])})
    mse = LogLinearMSE("[1,2,3]").fit(
        CaptureHistories.from_counts(frame.drop(columns="area"), count="n")
    )
    # the posterior under weak priors sits on the likelihood: median within 1% of the
    # maximum, limits within 3% of the profile interval
    assert est.value == pytest.approx(mse.value, rel=0.01)
    assert est.lower == pytest.approx(mse.lower, rel=0.03)
    assert est.upper == pytest.approx(mse.upper, rel=0.03)
    own = est.details["own_estimates"].iloc[0]
    assert own["independence_estimate"] == pytest.approx(mse.value, rel=1e-9)
    assert own["n_observed"] == sum(counts)


@pytest.fixture(scope="module")
def two_periods():
    """Four areas, two periods, two sources; area 'd' has no scale-up at the endline."""
    areas, periods = ["a", "b", "c", "d"], [2020, 2024]
    truth = {("a", 2020): 800, ("b", 2020): 1200, ("c", 2020): 500, ("d", 2020): 900}
    truth.update({(a, 2024): v * (0.6 if a in ("a", "b") else 1.0) for (a, _), v in truth.items()})
    pop = pd.DataFrame(
        [(a, t, 2e5) for t in periods for a in areas], columns=["region", "year", "people"]
    )
    rng = np.random.default_rng(7)
    scale = pd.DataFrame(
        [
            (a, t, truth[a, t] * math.exp(rng.normal(0, 0.1)), 0.1)
            for (a, t) in truth
            if (a, t) != ("d", 2024)
        ],
        columns=["region", "year", "estimate", "se"],
    )
    survey = pd.DataFrame(
        [
            (
                a,
                t,
                0.5 * truth[a, t] / 2e5 * math.exp(rng.normal(0, 0.1)),
                0.1 * 0.5 * truth[a, t] / 2e5,
            )
            for (a, t) in truth
        ],
        columns=["region", "year", "p", "se"],
    )
    model = EvidenceSynthesis(
        "region",
        "year",
        "people",
        sources=[
            EstimateSource("scaleup", "estimate", "se", anchor=True),
            EstimateSource("survey", "p", "se", scale="prevalence", visibility=(0.3, 0.8)),
        ],
        draws=1000,
        chains=2,
        seed=4,
    )
    data = {"population": pop, "scaleup": scale, "survey": survey}
    return model, data, _quiet_fit(model, data), truth


def test_change_comes_from_the_joint_posterior(two_periods):
    model, data, est, truth = two_periods
    details = est.details
    assert list(details["national"]["period"]) == [2020, 2024]
    assert est.value == details["by_period"][2024].value
    change = details["change"]
    areas = change["areas"].set_index("area")
    # a and b fell by 40%, c and d did not: the posterior says so
    assert areas.loc["a", "probability_decrease"] > 0.99
    assert areas.loc["b", "ratio"] == pytest.approx(0.6, abs=0.1)
    assert areas.loc["c", "ratio_lower"] < 1 < areas.loc["c", "ratio_upper"]
    # area d's endline has the survey only (visibility 0.3-0.8): wider than area c's
    width = areas["ratio_upper"] / areas["ratio_lower"]
    assert width["d"] > width["c"]
    # comparisons pair the draws of the one posterior: the same as the change table
    comp = model.compare_periods(est, 2020, 2024, area="a")
    ratio = details["by_cell"][("a", 2024)].draws / details["by_cell"][("a", 2020)].draws
    b, e = details["by_cell"][("a", 2020)], details["by_cell"][("a", 2024)]
    assert comp.ratio.value == pytest.approx(e.value / b.value, rel=1e-12)
    np.testing.assert_allclose(
        [comp.ratio.lower, comp.ratio.upper], np.quantile(ratio, [0.025, 0.975]), rtol=1e-9
    )
    assert comp.ratio.value == pytest.approx(areas.loc["a", "ratio"], rel=1e-12)
    assert comp.probability_reduced(by=0.0).value == pytest.approx(
        areas.loc["a", "probability_decrease"]
    )
    national = model.compare_periods(est, 2020, 2024)
    assert national.ratio.value == pytest.approx(change["national"]["ratio"], rel=1e-9)
    # the totals of groups of areas feed a DiD of one joint posterior
    did = DifferenceInDifferences(
        None, group="group", period="year", treated="programme", baseline=2020, endline=2024
    ).from_estimates(
        {
            ("programme", 2020): model.aggregate(est, 2020, ["a", "b"]),
            ("programme", 2024): model.aggregate(est, 2024, ["a", "b"]),
            ("comparison", 2020): model.aggregate(est, 2020, ["c", "d"]),
            ("comparison", 2024): model.aggregate(est, 2024, ["c", "d"]),
        }
    )
    assert "one joint posterior" in did.did.method
    assert did.did.upper < 0  # the programme areas fell by 800, the others not
    total = model.aggregate(est, 2024)
    assert total.value == pytest.approx(est.value, rel=1e-9)


def test_same_seed_same_draws(two_periods):
    model, data, est, _ = two_periods
    again = _quiet_fit(model, data)
    np.testing.assert_array_equal(again.draws, est.draws)


def test_sources_that_disagree_beyond_their_biases_are_named():
    model = EvidenceSynthesis(
        "area",
        sources=[
            EstimateSource("one", "estimate", "se", anchor=True),
            EstimateSource("two", "estimate", "se", anchor=True),
        ],
        draws=500,
        chains=2,
        seed=5,
    )
    data = {
        "population": POP[["area"]],
        "one": pd.DataFrame({"area": ["a"], "estimate": [1000.0], "se": [0.05]}),
        "two": pd.DataFrame({"area": ["a"], "estimate": [3000.0], "se": [0.05]}),
    }
    with pytest.warns(EstimationWarning, match="disagrees with the combined estimate"):
        est = model.fit(data)
    assert {c.split("'")[1] for c in est.details["conflicts"]} == {"one", "two"}
    loo = model.leave_one_out(data, est)
    assert set(loo["left_out"]) == {"one", "two"}
    # without 'two', the estimate is 'one' alone: a shift of many posterior sds
    row = loo.set_index("left_out").loc["two"]
    assert row["value"] == pytest.approx(1000, rel=0.05)
    assert row["shift_sd"] < -10


def test_estimates_table_from_estimates():
    table = estimates_table(
        {("a", 1): Estimate(100.0, 80.0, 125.0), ("b", 1): Estimate(50.0, 40.0, 62.5)},
        period="year",
    )
    source = EstimateSource("rds", lower="lower", upper="upper", anchor=True)
    model = EvidenceSynthesis("area", "year", sources=[source])
    pop = pd.DataFrame({"area": ["a", "b"], "year": [1, 1]})
    prepared = model.prepare({"population": pop, "rds": table})
    np.testing.assert_allclose(
        prepared.estimates.std_error, np.log(125 / 80) / (2 * Z95), rtol=1e-12
    )


# ---------------------------------------------------------------------- bad input
def _model(*sources, **kw):
    return EvidenceSynthesis("area", "year", "people", sources=list(sources), **kw)


GOOD_POP = pd.DataFrame({"area": ["a", "b"], "year": [1, 1], "people": [1e5, 2e5]})
GOOD = pd.DataFrame(
    {"area": ["a", "b"], "year": [1, 1], "estimate": [100.0, 50.0], "se": [0.2, 0.3]}
)


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: EstimateSource("s", "estimate", "se"), "state its visibility"),
        (
            lambda: EstimateSource("s", "estimate", "se", anchor=True, visibility=(0.5, 1)),
            "not both",
        ),
        (lambda: EstimateSource("s", "estimate", "se", visibility=(0.9, 0.5)), "0 < low < high"),
        (lambda: EstimateSource("s", "estimate", "se", visibility=0.5), "a pair"),
        (lambda: EstimateSource("s", "estimate", anchor=True), "std_error= or as lower="),
        (lambda: EstimateSource("s", "estimate", lower="l", anchor=True), "go together"),
        (lambda: EstimateSource("s", "e", "se", scale="share", anchor=True), "scale must be"),
        (lambda: EstimateSource("population", "e", "se", anchor=True), "a name"),
        (lambda: ListSource("l", ["a"], anchor=True), "at least two"),
        (lambda: ListSource("l", ["a", "b"], interactions="pairs", anchor=True), "three lists"),
        (lambda: _model(), "sources is empty"),
        (
            lambda: _model(
                EstimateSource("s", "e", "se", anchor=True),
                EstimateSource("s", "e", "se", anchor=True),
            ),
            "two sources are named 's'",
        ),
    ],
)
def test_bad_settings_are_named(make, match):
    with pytest.raises(DataError, match=match):
        make()


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (lambda d: d.pop("population"), "'population' table"),
        (lambda d: d.pop("s"), "no table for source 's'"),
        (lambda d: d.update(x=GOOD), r"name tables of no source: \['x'\]"),
        (lambda d: d.update(s=GOOD.assign(area=["a", "z"])), "row 1: area 'z' in period 1 is not"),
        (
            lambda d: d.update(s=GOOD.assign(se=[0.2, 0.0])),
            "column 'se', row 1: the sampling error",
        ),
        (lambda d: d.update(s=GOOD.assign(estimate=[100.0, 0.0])), "row 1: 0 is not positive"),
        (lambda d: d.update(s=GOOD.assign(estimate=[100.0, np.nan])), "row 1: nan is not a finite"),
        (lambda d: d.update(s=GOOD.assign(area=["a", "a"])), "row 1: a second estimate"),
        (lambda d: d.update(population=GOOD_POP.assign(people=[1e5, -1])), "row 1: a population"),
        (lambda d: d.update(population=GOOD_POP.iloc[[0, 0]]), "twice"),
        (
            lambda d: d.update(population=pd.concat([GOOD_POP, GOOD_POP.assign(year=2).iloc[:1]])),
            "no row for area 'b' in period 2",
        ),
        (lambda d: d.update(s=GOOD.drop(columns="se")), "no column 'se'"),
    ],
)
def test_bad_tables_are_named(change, match):
    data = {"population": GOOD_POP, "s": GOOD}
    change(data)
    with pytest.raises(DataError, match=match):
        _model(EstimateSource("s", "estimate", "se", anchor=True)).prepare(data)


def test_bad_lists_and_unidentified_scale_are_named():
    lists = pd.DataFrame({"area": ["a", "b"], "year": [1, 1], "x": [1, 0], "y": [0, 0]})
    with pytest.raises(DataError, match="row 1: on no list"):
        _model(ListSource("l", ["x", "y"], anchor=True)).prepare(
            {"population": GOOD_POP, "l": lists}
        )
    with pytest.raises(DataError, match="list column 'y', row 0: a list column holds 0 or 1"):
        _model(ListSource("l", ["x", "y"], anchor=True)).prepare(
            {"population": GOOD_POP, "l": lists.assign(y=[2, 1])}
        )
    with pytest.raises(DataError, match="no source is the anchor"):
        _model(EstimateSource("s", "estimate", "se", visibility=(0.1, 1.0))).prepare(
            {"population": GOOD_POP, "s": GOOD}
        )
    prev = EstimateSource("s", "estimate", "se", scale="prevalence", anchor=True)
    with pytest.raises(DataError, match="needs population="):
        EvidenceSynthesis("area", "year", sources=[prev]).prepare(
            {"population": GOOD_POP, "s": GOOD}
        )


@pytest.mark.slow  # a model structure of its own: nutpie compiles it (about 30 s)
def test_a_rare_survey_prevalence_has_the_binomial_posterior():
    # three cases in 2,000 effective trials, the survey the anchor: the posterior of log N is
    # the binomial kernel times the normal prior of log N, integrated here on a fine grid
    k, n, people = 3.0, 2000.0, 1e6
    p = k / n
    model = EvidenceSynthesis(
        "area",
        population="people",
        sources=[EstimateSource("survey", "p", scale="prevalence", effective_n="n", anchor=True)],
        draws=2000,
        chains=2,
        seed=6,
    )
    frame = pd.DataFrame({"area": ["a"], "p": [p], "n": [n]})
    est = _quiet_fit(model, {"population": POP, "survey": frame})
    centre = math.log(p)  # the crude log prevalence of the one source
    grid = np.linspace(centre - 6, centre + 4, 20001)  # log prevalence
    log_post = k * grid + (n - k) * np.log1p(-np.exp(grid)) - 0.5 * ((grid - centre) / 2.5) ** 2
    w = np.exp(log_post - log_post.max())
    cdf = np.cumsum(w) / w.sum()
    exact = np.exp(np.interp([0.025, 0.5, 0.975], cdf, grid)) * people
    # Monte Carlo error of posterior quantiles from ~1,000 effective draws: a few percent
    np.testing.assert_allclose([est.lower, est.value, est.upper], exact, rtol=0.06)
    # skewed as the binomial is (a normal likelihood would be symmetric about 1,500)
    assert est.upper - est.value > 1.5 * (est.value - est.lower)
    # a prevalence of 0 enters with its effective sample size
    zero = EvidenceSynthesis(
        "area",
        "year",
        sources=[EstimateSource("survey", "p", scale="prevalence", effective_n="n", anchor=True)],
        population="people",
    )
    two = pd.DataFrame({"area": ["a", "b"], "year": [1, 1], "p": [0.0, 0.01], "n": [500, 400]})
    prepared = zero.prepare({"population": GOOD_POP, "survey": two})
    np.testing.assert_allclose(prepared.estimates.trials, [500, 400])
    with pytest.raises(DataError, match="row 0: a prevalence of 0 has no effective sample size"):
        EvidenceSynthesis(
            "area",
            "year",
            "people",
            sources=[EstimateSource("survey", "p", "se", scale="prevalence", anchor=True)],
        ).prepare({"population": GOOD_POP, "survey": two.assign(se=[0.01, 0.005])})


def test_pairwise_lists_have_their_design():
    frame = _lists_frame(
        [30, 25, 6, 20, 4, 5, 2, 9, 3, 1, 2, 4, 1, 2, 1], lists=("a", "b", "c", "d")
    )
    model = EvidenceSynthesis(
        "area",
        sources=[
            ListSource("l", ["a", "b", "c", "d"], count="n", interactions="pairs", anchor=True)
        ],
    )
    lc = model.prepare({"population": POP[["area"]], "l": frame}).lists[0]
    assert lc.design.shape == (16, 4 + 6) and lc.n_pairs == 6
    # pattern 1 + 2 + 8 (lists a, b, d): main effects a, b, d and the pairs ab, ad, bd
    np.testing.assert_array_equal(lc.design[11], [1, 1, 0, 1, 1, 0, 1, 0, 1, 0])
    np.testing.assert_array_equal(lc.counts[0], [30, 25, 6, 20, 4, 5, 2, 9, 3, 1, 2, 4, 1, 2, 1])


@settings(max_examples=30, deadline=None)
@given(st.randoms(use_true_random=False), st.integers(1, 4), st.integers(1, 3))
def test_prepared_arrays_do_not_depend_on_row_order(rnd, n_areas, n_periods):
    """Shuffling the rows of every table changes nothing the model sees."""
    rng = np.random.default_rng(rnd.randint(0, 2**32 - 1))
    cells = [(f"r{a}", 2000 + t) for t in range(n_periods) for a in range(n_areas)]
    pop = pd.DataFrame(
        [(a, t, float(rng.integers(1000, 10**6))) for a, t in cells],
        columns=["area", "year", "people"],
    )
    est = pd.DataFrame(
        [(a, t, float(rng.uniform(1, 100)), float(rng.uniform(0.05, 0.5))) for a, t in cells],
        columns=["area", "year", "estimate", "se"],
    )
    records = pd.DataFrame(
        [
            (a, t, *row)
            for a, t in cells
            for row in rng.integers(0, 2, size=(int(rng.integers(3, 30)), 3))
            if row.any()
        ],
        columns=["area", "year", "x", "y", "z"],
    )
    model = EvidenceSynthesis(
        "area",
        "year",
        "people",
        sources=[
            EstimateSource("s", "estimate", "se", anchor=True),
            ListSource("l", ["x", "y", "z"], visibility=(0.5, 0.9)),
        ],
    )

    def arrays(p, e, r):
        d = model.prepare({"population": p, "s": e, "l": r})
        keys = [
            (d.area_labels[a], d.period_labels[t])
            for a, t in zip(d.cell_area, d.cell_period, strict=True)
        ]
        order = np.argsort(d.estimates.cell)
        lc = d.lists[0]
        return (
            sorted(keys) == sorted(cells),
            dict(zip(keys, d.population, strict=True)),
            {
                keys[c]: v
                for c, v in zip(d.estimates.cell[order], d.estimates.observed[order], strict=True)
            },
            {keys[c]: tuple(row) for c, row in zip(lc.cell, lc.counts, strict=True)},
            d.centre,
        )

    shuffle = lambda f: f.sample(frac=1, random_state=int(rng.integers(0, 2**31)))  # noqa: E731
    a = arrays(pop, est, records)
    b = arrays(shuffle(pop), shuffle(est), shuffle(records))
    assert a[0] and b[0]
    assert a[1:] == b[1:]
