"""Estimates combined over linkage configurations (issue #15): Rubin's rules on the log scale."""

from __future__ import annotations

import dataclasses
import math
import warnings

import numpy as np
import pytest
from scipy import stats

from prevalence import DataError, Estimate, EstimationWarning, LogLinearMSE
from prevalence.linkage import estimate_with_linkage_uncertainty, link_case_lists, pseudonymise
from prevalence.simulate import simulate_case_lists

SECRET = "correct horse battery staple 2026, shared by the holders"


@pytest.fixture(scope="module")
def result():
    # typos in three records of ten, so that some links are uncertain: with the default
    # rate the linkage of these 800 people is certain since #38 (all 20 drawn
    # configurations alike), and the tests of combining configurations would test nothing
    pop = simulate_case_lists(800, heterogeneity=0.0, typo_rate=0.3, seed=4)
    lists = [
        pseudonymise(
            r, SECRET, list_name=k, record_id="record_id", given_name="given_name",
            family_name="family_name", date_of_birth="date_of_birth", sex="sex",
        )
        for k, r in pop.records.items()
    ]  # fmt: skip
    return link_case_lists(lists, seed=1)


def combine(*args, **kwargs):
    """The combined estimate; its caveats are the configurations' own and the linkage share's
    (the blanket "not yet reliable" warning went when the coverage study reached 95%)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        est = estimate_with_linkage_uncertainty(*args, **kwargs)
    assert not any("not yet reliable" in str(w.message) for w in caught)
    assert all(str(w.message) in est.warnings for w in caught)
    return est


class Observed:
    """A stand-in estimator: N = 2 x observed, a log-scale interval of half-width 0.1."""

    def fit(self, histories):
        n = 2.0 * histories.n_observed
        z = stats.norm.ppf(0.975)
        return Estimate(n, n * math.exp(-0.1 * z), n * math.exp(0.1 * z), method="stand-in")


def test_rubins_rules_on_the_log_scale(result):
    est = combine(result, Observed(), draws=12, seed=5)
    counts = np.array([2.0 * h.n_observed for h in result.draw_histories(12, seed=5)])
    logs = np.log(counts)
    W, B, D = 0.01, logs.var(ddof=1), 12
    T = W + (1 + 1 / D) * B
    share = (1 + 1 / D) * B / T
    df = (D - 1) / share**2
    half = stats.t.ppf(0.975, df) * math.sqrt(T)
    assert est.value == pytest.approx(math.exp(logs.mean()), rel=1e-12)
    assert est.lower == pytest.approx(math.exp(logs.mean() - half), rel=1e-10)
    assert est.upper == pytest.approx(math.exp(logs.mean() + half), rel=1e-10)
    assert est.details["within_variance"] == pytest.approx(W, rel=1e-9)
    assert est.details["linkage_share"] == pytest.approx(share, rel=1e-12)
    assert est.details["configuration_estimates"] == pytest.approx(counts.tolist())


def test_linkage_uncertainty_widens_the_interval(result):
    model = LogLinearMSE()
    combined = combine(result, model, draws=20, seed=2)
    # wider (log scale) than the configurations' own intervals: the between-configuration
    # variance is added to theirs (a single linkage's interval is not the comparison: each
    # configuration's width differs with its own N)
    within = 2 * stats.norm.ppf(0.975) * math.sqrt(combined.details["within_variance"])
    assert combined.details["between_variance"] > 0
    assert math.log(combined.upper / combined.lower) > within
    again = combine(result, model, draws=20, seed=2)
    assert (again.value, again.lower, again.upper) == (
        combined.value,
        combined.lower,
        combined.upper,
    )
    assert "20 linkage configurations" in combined.method


def test_bad_arguments(result):
    with pytest.raises(DataError, match="draws must be a whole number of at least 2"):
        estimate_with_linkage_uncertainty(result, LogLinearMSE(), draws=1)
    with pytest.raises(DataError, match="must be the LinkageResult"):
        estimate_with_linkage_uncertainty("links", LogLinearMSE())
    with pytest.raises(DataError, match="must have a fit method"):
        estimate_with_linkage_uncertainty(result, object())


def test_an_estimator_without_an_interval_is_refused(result):
    class NoInterval:
        def fit(self, histories):
            return Estimate(float(histories.n_observed))

    with pytest.raises(DataError, match="positive estimates with intervals"):
        estimate_with_linkage_uncertainty(result, NoInterval(), draws=3, seed=1)


def test_a_linkage_that_dominates_is_flagged(result):
    class Tight(Observed):
        def fit(self, histories):
            n = 2.0 * histories.n_observed
            return Estimate(n, n * 0.99999, n * 1.00001, method="tight")

    # every pair a coin toss: the configurations differ a lot
    uncertain = dataclasses.replace(result, pairs=result.pairs.assign(match_probability=0.5))
    with pytest.warns(EstimationWarning, match="linkage uncertainty makes up"):
        estimate_with_linkage_uncertainty(uncertain, Tight(), draws=5, seed=1)
