"""SSPSE: the sampler against the exact posterior of N with the degree distribution held fixed,
the posterior against sspse 1.1.0-6 on fauxmadrona, coverage on its own model, bad input, and
an RDS estimate at an estimated population size."""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.special import gammaln, logsumexp

from prevalence import DataError, Estimate, EstimationWarning
from prevalence.core.details import check_details
from prevalence.network import RDS, SSPSE
from prevalence.network.sspse import _degree_distribution, _sspse_chain, size_prior_weights
from prevalence.simulate.network import (
    RDSScenario,
    SuccessiveSampleScenario,
    cmp_probabilities,
)
from prevalence.workbench.network import sspse_study

from .conftest import load_rds


def _exact_quantiles(d, p, log_prior_m, qs):
    """P(m | data, pi) ∝ prior(m) (n+m)!/m! E[prod_k 1/(T_m + after_k)], T_m the total size
    of m units drawn from pi (its distribution by repeated convolution)."""
    n, K = d.size, p.size
    after = np.cumsum(d[::-1])[::-1].astype(float)
    maxm = log_prior_m.size - 1
    t = np.arange(maxm * K + 1, dtype=float)
    L = -np.log(t[:, None] + after[None, :]).sum(axis=1)
    dist = np.zeros(t.size)
    dist[0] = 1.0
    post = np.empty(maxm + 1)
    for m in range(maxm + 1):
        hi = m * K + 1
        with np.errstate(divide="ignore"):
            post[m] = (log_prior_m[m] + gammaln(n + m + 1) - gammaln(m + 1)
                       + logsumexp(np.log(dist[:hi]) + L[:hi]))  # fmt: skip
        new = np.zeros(t.size)
        for k in range(K):
            new[k + 1 : k + 1 + hi] += p[k] * dist[:hi][: max(0, t.size - k - 1)]
        dist = new
    post = np.exp(post - post.max())
    cdf = np.cumsum(post / post.sum())
    return [n + int(np.searchsorted(cdf, q)) for q in qs]


def _fixed_theta_draws(d, K, log_prior_m, log_lam, nu, draws, seed):
    out = _sspse_chain(d, K, log_prior_m, 3.0, 1.0, 2.0, 3.0, log_lam, nu, 0.1, 0.15, 0,
                       2000, draws, 1, seed, 0, False, d, np.zeros(d.size, dtype=np.int64),
                       np.zeros(d.size), 1, np.ones((K, 1)), np.zeros(3), np.zeros(3), 1.0,
                       1.0)  # fmt: skip
    return out[0]


def test_sampler_matches_the_exact_posterior_of_n_on_a_small_sample():
    K = 6
    d = np.array([3, 2, 4, 2, 1, 3, 2, 2, 5, 1, 2, 3, 2, 1, 4, 2, 3, 2, 1, 2], dtype=np.int64)
    prior = size_prior_weights(d.size, maximum=d.size + 400, kind="flat")
    log_factorial = np.array([math.lgamma(j + 2.0) for j in range(max(2 * K, K + 200))])
    p = _degree_distribution(math.log(2.5), 1.0, K, log_factorial)
    exact = _exact_quantiles(d, p, prior, (0.1, 0.5, 0.9))
    draws = _fixed_theta_draws(d, K, prior, math.log(2.5), 1.0, 100_000, 7)
    got = np.quantile(draws, [0.1, 0.5, 0.9])
    assert got[0] == exact[0] and got[1] == exact[1]
    assert got[2] == pytest.approx(exact[2], rel=0.05)  # a long tail: MC error


# ---------------------------------------------------------------------------- against sspse
# tests/network/r_sspse.R: sspse 1.1.0-6's posteriorsize(visibility = FALSE) on fauxmadrona,
# six seeds per prior. Its cap K is 35 (no degree is capped), as this estimator's default.
R_SSPSE = json.loads((Path(__file__).resolve().parent / "r_sspse.json").read_text())


@pytest.mark.slow  # two fits of 4 x 12,000 sweeps (about 25 s)
@pytest.mark.parametrize("prior", ["beta", "flat"])
def test_posterior_of_n_as_sspse_on_fauxmadrona(prior):
    ref = R_SSPSE["results"][prior]
    kw = (
        dict(median_size=1000, max_size=ref["maxN"])
        if prior == "beta"
        else dict(size_prior="flat", max_size=ref["maxN"])
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EstimationWarning)
        est = SSPSE(
            "degree", mean_prior_degree=6, sd_prior_degree=4, draws=1000, warmup=2000,
            chains=4, seed=36, **kw,
        ).fit(load_rds("fauxmadrona"))  # fmt: skip
    assert est.details["K"] == ref["K"] == 35
    # Monte Carlo error: the spread of sspse's medians over its six seeds (each 4,000 draws,
    # as ours); the pooled median has 1/6 of that variance, ours (ESS higher) at most all of it
    spread = float(np.std(ref["seed_medians"], ddof=1))
    tolerance = 4 * spread * math.sqrt(1 / 6 + 1)
    q = np.quantile(est.draws, R_SSPSE["levels"])
    assert abs(q[2] - ref["quantiles"][2]) < tolerance, (q, ref["quantiles"], tolerance)
    for k in (1, 3):  # the quartiles: their noise is of the median's order
        assert abs(q[k] - ref["quantiles"][k]) < 1.5 * tolerance, (q, ref["quantiles"])
    assert est.details["mean_degree"] == pytest.approx(ref["mean_degree_median"], rel=0.02)


# ---------------------------------------------------------------------------- the estimator
def _successive_sample(n=300, size=1000, seed=1):
    data, _ = SuccessiveSampleScenario(n, size=size, log_lambda=math.log(1.5), nu=0.2)(
        np.random.default_rng(seed)
    )
    return data


def _quiet(model, data):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EstimationWarning)
        return model.fit(data)


def test_estimate_structure_reproducible_and_usable_downstream():
    data = _successive_sample()
    model = SSPSE("degree", median_size=1000, max_size=4000, draws=300, warmup=300, thin=5,
                  chains=2, seed=5)  # fmt: skip
    est = _quiet(model, data)
    again = _quiet(model, data)
    np.testing.assert_array_equal(est.draws, again.draws)
    assert est.scale == "count" and est.draws_kind == "posterior"
    assert est.interval_method == "credible"
    assert 300 <= est.lower < est.value < est.upper <= 4000
    assert check_details(est.details, SSPSE.details_schema) == []
    assert est.details["idata"].posterior["N"].shape == (2, 300)
    # baseline and endline: two independent posteriors, their draws combined
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EstimationWarning)
        change = model.compare(data, _successive_sample(size=2000, seed=2))
    assert change.baseline.value == est.value
    assert change.ratio.draws_kind == "posterior"
    assert change.ratio.lower < change.ratio.value < change.ratio.upper


def test_order_column_and_cap():
    data = _successive_sample(n=200, seed=3)
    shuffled = data.assign(when=np.arange(len(data))).sample(frac=1.0, random_state=1)
    a = _quiet(SSPSE("degree", median_size=800, draws=200, chains=1, seed=1), data)
    b = _quiet(SSPSE("degree", order="when", median_size=800, draws=200, chains=1, seed=1),
               shuffled)  # fmt: skip
    np.testing.assert_array_equal(a.draws, b.draws)
    capped = _quiet(SSPSE("degree", K=5, median_size=800, draws=50, chains=1, seed=1), data)
    assert capped.details["K"] == 5
    assert capped.details["capped"] == int((data["degree"] > 5).sum()) > 0


@pytest.mark.parametrize(
    ("kwargs", "data", "match"),
    [
        ({}, None, "prior information on the population size"),
        ({"median_size": 100}, None, "must exceed the sample size"),
        ({"size_prior": "flat"}, None, "needs max_size"),
        ({"size_prior": "flat", "max_size": 250}, None, "maximum > the sample size"),
        ({"median_size": 900, "K": 1}, None, "K must be"),
        ({"median_size": 900}, pd.DataFrame({"deg": [3] * 20}), "column 'degree' not found"),
        ({"median_size": 900}, pd.DataFrame({"degree": [3] * 5}), "at least 10 respondents"),
        ({"median_size": 900}, pd.DataFrame({"degree": [3] * 19 + [-1]}), "row 19"),
        ({"median_size": 900}, pd.DataFrame({"degree": [3] * 19 + [2.5]}), "whole numbers"),
    ],
)
def test_bad_input_is_refused_with_a_named_reason(kwargs, data, match):
    frame = _successive_sample() if data is None else data
    with pytest.raises(DataError, match=match):
        SSPSE("degree", **kwargs).fit(frame)


def test_sampler_settings_are_checked():
    with pytest.raises(ValueError, match="draws must be a whole number of at least 1"):
        SSPSE("degree", median_size=900, draws=0)
    with pytest.raises(ValueError, match="thin must be a whole number"):
        SSPSE("degree", median_size=900, thin=1.5)


def test_a_sample_that_says_little_returns_the_prior_with_a_warning():
    # equal degrees: no decline over the sample, nothing about N beyond the prior
    data = pd.DataFrame({"degree": np.full(200, 6)})
    with pytest.warns(EstimationWarning, match="largest size the prior allows"):
        est = SSPSE("degree", size_prior="flat", max_size=2000, draws=300, chains=2,
                    seed=1).fit(data)  # fmt: skip
    assert est.upper > 1800


# ---------------------------------------------------------------------------- RDS at that size
def _rds_sample(seed=4):
    scenario = RDSScenario(size=1500, prevalence=0.3, sample_size=400, mean_degree=10,
                           population_seed=2, activity=1.5)  # fmt: skip
    data, _ = scenario(np.random.default_rng(seed))
    return data


def _size_estimate(draws):
    draws = np.asarray(draws, dtype=float)
    return Estimate(float(np.median(draws)), float(draws.min()), float(draws.max()),
                    method="given", draws=draws, scale="count", draws_kind="posterior")  # fmt: skip


def test_a_known_size_given_as_draws_gives_the_fixed_size_estimate():
    data = _rds_sample()
    fixed = RDS("trait", estimator="SS", population_size=1500, seed=3).fit(data)
    same = RDS("trait", estimator="SS", population_size=_size_estimate(np.full(400, 1500)),
               size_nodes=5, seed=3).fit(data)  # fmt: skip
    # the same size at every node: the mixture is the normal interval (up to its draws)
    assert same.details["size_variance_share"] == pytest.approx(0.0, abs=1e-20)
    # (the SS weights are simulated: another stream of the same seed moves them by ~1e-3)
    assert same.value == pytest.approx(fixed.value, rel=2e-3)
    assert same.details["std_error"] == pytest.approx(fixed.details["std_error"], rel=5e-3)
    half = fixed.upper - fixed.value
    assert same.lower == pytest.approx(fixed.lower, abs=0.04 * half)
    assert same.upper == pytest.approx(fixed.upper, abs=0.04 * half)


def test_an_uncertain_size_widens_the_interval_by_the_spread_of_the_estimates():
    data = _rds_sample()
    rng = np.random.default_rng(1)
    # a size near the sample's: the SS estimate depends on it most there
    sizes = np.exp(rng.normal(math.log(600), 0.3, 2000)).round().clip(410, None)
    est = RDS("trait", estimator="SS", population_size=_size_estimate(sizes), size_nodes=10,
              seed=3).fit(data)  # fmt: skip
    nodes = est.details["size_node_estimates"]
    assert len(nodes) == 10 and nodes["population_size"].is_monotonic_increasing
    # the SS estimate moves with N; its variance across the nodes is the added part
    between = nodes["estimate"].var(ddof=1)
    within = (nodes["std_error"] ** 2).mean()
    assert est.details["std_error"] == pytest.approx(math.sqrt(between + within), rel=1e-12)
    assert 0.1 < est.details["size_variance_share"] < 1
    fixed = RDS("trait", estimator="SS", population_size=int(np.median(sizes)), seed=3).fit(data)
    assert est.value == pytest.approx(fixed.value, rel=2e-3)  # at the median (MC noise of SS)
    assert est.upper - est.lower > fixed.upper - fixed.lower
    assert est.draws_kind == "mixed" and est.interval_method == "percentile"
    assert check_details(est.details, RDS.details_schema) == []
    # weights and the diagnostics use the size's median
    np.testing.assert_allclose(
        RDS("trait", estimator="RDS-II", population_size=_size_estimate(sizes)).weights(data),
        RDS("trait", estimator="RDS-II", population_size=int(np.median(sizes))).weights(data),
    )


def test_an_estimated_size_is_refused_where_it_cannot_be_carried():
    data = _rds_sample()
    no_draws = Estimate(1500.0, 1200.0, 1900.0, method="published", scale="count")
    with pytest.raises(DataError, match="population_size: an estimated size"):
        RDS("trait", estimator="SS", population_size=no_draws)
    with pytest.raises(DataError, match="measures a proportion"):
        RDS("trait", estimator="SS",
            population_size=Estimate(0.2, 0.1, 0.3, draws=np.full(50, 0.2), scale="proportion"))  # fmt: skip
    with pytest.raises(ValueError, match="interval='el'"):
        RDS("trait", estimator="SS", population_size=_size_estimate(np.full(50, 1500)),
            interval="gile")  # fmt: skip
    with pytest.raises(DataError, match="below the sample size 400"):
        RDS("trait", estimator="SS", population_size=_size_estimate(np.full(50, 300))).fit(data)


# ---------------------------------------------------------------------------- scenario, coverage
def test_successive_sample_scenario_draws_by_degree():
    scenario = SuccessiveSampleScenario(200, size=2000, log_lambda=math.log(1.5), nu=0.2)
    data, truth = scenario(np.random.default_rng(1))
    assert truth == 2000.0 and len(data) == 200
    p = cmp_probabilities(math.log(1.5), 0.2, 500)
    mean = float(p @ np.arange(1, 501))
    # sampled in proportion to degree: the sample's mean degree is near E[d^2] / E[d], and the
    # first half's above the second's (the decline SS-PSE reads)
    biased = float(p @ np.arange(1, 501) ** 2) / mean
    assert data["degree"].mean() == pytest.approx(biased, rel=0.15)
    assert data["degree"][:100].mean() > data["degree"][100:].mean()
    prior = size_prior_weights(200, median=600, maximum=1500)
    drawn = [SuccessiveSampleScenario(200, size_log_weights=prior)(np.random.default_rng(s))[1]
             for s in range(40)]  # fmt: skip
    assert 200 <= min(drawn) and max(drawn) <= 1500
    with pytest.raises(DataError, match="not both"):
        SuccessiveSampleScenario(200, size=500, size_log_weights=prior)
    with pytest.raises(DataError, match="smaller than the sample size"):
        SuccessiveSampleScenario(200, size=100)


@pytest.mark.slow  # 40 fits (about 3 minutes)
def test_coverage_when_the_model_holds_and_n_comes_from_the_prior():
    # a Bayesian interval covers at its level on average over the prior (the full study:
    # benchmarks/sspse_coverage.py, docs/network.md)
    summary = sspse_study(40, 3636, scenarios=["model holds, N from the prior"])
    row = summary.iloc[0]
    assert row["failures"] == 0
    assert 0.85 <= row["coverage"] <= 1.0


# ---------------------------------------------------------------------------- the prior on N
# tests/network/r_sspse_prior.R: sspse 1.1.0-6's dsizeprior, n = 500
R_PRIOR = json.loads((Path(__file__).resolve().parent / "r_sspse_prior.json").read_text())


def _quantile(log_w, n, q):
    """sspse's reading of a prior quantile: the first N + 0.5 whose cumulative weight reaches q."""
    return n + int(np.searchsorted(np.cumsum(np.exp(log_w)), q)) + 0.5


@pytest.mark.parametrize("case", ["median", "mode", "quartiles"])
def test_the_beta_prior_is_sspses_density(case):
    ref = R_PRIOR["results"][case]
    n = R_PRIOR["n"]
    # the same alpha, beta and support: the same normalised weights
    w = size_prior_weights(n, beta_parameters=(ref["alpha"], ref["beta"]), maximum=ref["maxN"])
    at = np.asarray(ref["at"]) - n
    np.testing.assert_allclose(np.exp(w[at]), ref["prior"], rtol=1e-10)
    assert _quantile(w, n, 0.5) == ref["median"]


def test_the_prior_set_by_its_median_mode_or_quartiles():
    n = R_PRIOR["n"]
    res = R_PRIOR["results"]
    # the mode in closed form: beta = mode (alpha + 1) / n - alpha = 4 (sspse's optimize: 4.0056)
    mode = size_prior_weights(n, mode=1000, maximum=res["mode"]["maxN"])
    assert n + np.argmax(mode) + 0.5 == res["mode"]["mode"] == 1000.5
    assert abs(_quantile(mode, n, 0.5) - res["mode"]["median"]) <= 3
    # the median solved on the weights themselves
    assert _quantile(size_prior_weights(n, median=1000), n, 0.5) == 1000.5
    # quartiles solved exactly for the prior without its cut (sspse's optim: to about 10, here
    # 805.5 and 1594.5); the cut at 1e-3 of the mode moves the upper one by 0.2%
    q = size_prior_weights(n, quartiles=(800, 1600))
    assert _quantile(q, n, 0.25) == pytest.approx(800, abs=1)
    assert _quantile(q, n, 0.75) == pytest.approx(1600, rel=0.005)
    for kwargs, match in (
        ({"median": 1000, "mode": 900}, "one of median=, mode="),
        ({}, "got none"),
        ({"quartiles": (400, 900)}, "must exceed the sample size 500"),
        ({"quartiles": (800,)}, "two numbers"),
        ({"mode": 300}, "prior mode of the population size must exceed"),
        ({"beta_parameters": (2.0, -1.0)}, "two positive numbers"),
        ({"median": 1000, "maximum": 400}, "must exceed the sample size"),
    ):
        with pytest.raises(DataError, match=match):
            size_prior_weights(n, **kwargs)


def test_sspse_takes_the_prior_by_mode_or_quartiles():
    data = _successive_sample(n=200, seed=4)
    for kwargs, text in (({"mode_size": 700}, "prior mode 700"),
                         ({"quartiles_size": (500, 1200)}, "prior quartiles 500, 1200")):  # fmt: skip
        est = _quiet(
            SSPSE("degree", draws=100, warmup=100, thin=2, chains=1, seed=1, **kwargs), data
        )
        assert text in est.details["size_prior"]
    with pytest.raises(DataError, match="got 2 of the first three"):
        SSPSE("degree", median_size=900, mode_size=800)


def test_negative_binomial_prior_on_n_has_the_stated_mean_and_sd():
    # sspse 1.1.0-6 documents this prior but its dsizeprior fails for it ("'prob' and 'mu'
    # both specified"): checked against its definition instead, with the truncation at n
    # negligible
    w = size_prior_weights(100, mean=1500, sd=600, kind="nbinom", maximum=20_000)
    N = 100 + np.arange(w.size)
    p = np.exp(w)
    assert p.sum() == pytest.approx(1.0)
    mean = float(p @ N)
    assert mean == pytest.approx(1500, rel=1e-3)
    assert math.sqrt(float(p @ (N - mean) ** 2)) == pytest.approx(600, rel=1e-3)
    default = size_prior_weights(100, mean=1500, kind="nbinom")  # sd = mean, to 99.5%
    assert np.exp(default).sum() == pytest.approx(1.0)
    with pytest.raises(DataError, match="sd\\^2 > mean"):
        size_prior_weights(100, mean=1500, sd=30, kind="nbinom")
    with pytest.raises(DataError, match="mean > the sample size"):
        size_prior_weights(100, mean=50, kind="nbinom")
    est = _quiet(
        SSPSE("degree", size_prior="nbinom", mean_size=1000, sd_size=500, draws=100, chains=1,
              seed=1),
        _successive_sample(),
    )  # fmt: skip
    assert est.details["size_prior"].startswith("negative binomial, mean 1000, sd 500")
    with pytest.raises(DataError, match="needs mean_size"):
        SSPSE("degree", size_prior="nbinom")
