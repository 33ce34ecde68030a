"""Change intervals that agree with the estimates' own intervals (issue 21).

Closed forms: bootstrap replicates drawn from known normal distributions, so that the BCa
limits of a difference can be written down with normal quantiles.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from prevalence import Estimate
from prevalence.core.bootstrap import (
    Jackknife,
    bca_confidence,
    bca_interval,
    bca_matched_draws,
)
from prevalence.core.compare import approximate_draws, combine_independent, compare_estimates
from prevalence.core.probability import probability_at_most
from prevalence.mse.data.captures import CaptureHistories
from prevalence.mse.loglinear import LogLinearMSE

Z = stats.norm.ppf(0.975)
B = 200_000


def bca_estimate(value, boot, jack, weights, scale="count") -> Estimate:
    """A BCa bootstrap estimate built the way LogLinearMSE builds one."""
    jk = Jackknife.single(jack, weights)
    a = jk.acceleration()
    (lo, hi), z0 = bca_interval(boot, value, a, [0.025, 0.975])
    return Estimate(
        value,
        lo,
        hi,
        method="test",
        draws=boot,
        details={"jackknife": jk, "bca": {"bias_correction": z0, "acceleration": a}},
        draws_kind="bootstrap",
        scale=scale,
        interval_method="bca",
    )


def symmetric_jackknife(n: int, spread: float) -> tuple[np.ndarray, np.ndarray]:
    """Delete-one values symmetric about their mean: acceleration exactly zero."""
    half = np.linspace(0.1, 1.0, n // 2) * spread
    return np.concatenate([100.0 + half, 100.0 - half]), np.ones(2 * (n // 2))


def test_two_normal_bootstraps_bca_equals_percentile():
    """Unbiased, symmetric bootstraps: z0 = 0 and a = 0, so BCa is the percentile interval,
    mean difference +- z sqrt(sb^2 + se^2)."""
    rng = np.random.default_rng(1)
    sb, se = 100.0, 60.0
    b = bca_estimate(1000.0, rng.normal(1000.0, sb, B), *symmetric_jackknife(40, 3.0))
    e = bca_estimate(800.0, rng.normal(800.0, se, B), *symmetric_jackknife(40, 2.0))
    c = compare_estimates(b, e, seed=2, bootstrap="bca")
    d = c.difference
    assert d.interval_method == "bca" and "BCa interval" in d.method
    assert d.details["bca"]["acceleration"] == pytest.approx(0.0, abs=1e-12)
    assert abs(d.details["bca"]["bias_correction"]) < 0.01
    s = math.hypot(sb, se)
    assert d.lower == pytest.approx(-200.0 - Z * s, abs=3.0)
    assert d.upper == pytest.approx(-200.0 + Z * s, abs=3.0)
    pct = np.quantile(d.draws, [0.025, 0.975])
    assert d.lower == pytest.approx(pct[0], abs=2.0)
    assert d.upper == pytest.approx(pct[1], abs=2.0)
    matched = compare_estimates(b, e, seed=2).difference  # the default rule: the same here
    assert matched.interval_method == "percentile"
    assert matched.interval == pytest.approx(d.interval, abs=4.0)


def test_biased_bootstraps_bca_removes_the_bias_of_the_difference():
    """Replicates centred c above the estimate (z0 = -c / sigma): with a = 0 the BCa limits are
    estimate - c +- z sigma. For the difference of two such bootstraps the shift is
    c_e - c_b, which the percentile interval of the raw differences keeps and BCa removes."""
    rng = np.random.default_rng(3)
    sb, se, cb, ce = 100.0, 60.0, 40.0, -20.0
    b = bca_estimate(1000.0, rng.normal(1000.0 + cb, sb, B), *symmetric_jackknife(40, 3.0))
    e = bca_estimate(800.0, rng.normal(800.0 + ce, se, B), *symmetric_jackknife(40, 2.0))
    # each marginal interval: estimate - c +- z sigma
    assert b.lower == pytest.approx(1000.0 - cb - Z * sb, abs=3.0)
    assert e.upper == pytest.approx(800.0 - ce + Z * se, abs=3.0)
    c = compare_estimates(b, e, seed=4, bootstrap="bca")
    s = math.hypot(sb, se)
    shift = ce - cb
    assert c.difference.details["bca"]["bias_correction"] == pytest.approx(-shift / s, abs=0.01)
    # the upper limit is read at the 0.9986 quantile: Monte Carlo SD about 2
    assert c.difference.lower == pytest.approx(-200.0 - shift - Z * s, abs=4.0)
    assert c.difference.upper == pytest.approx(-200.0 - shift + Z * s, abs=7.0)
    raw = np.quantile(e.draws - b.draws, [0.025, 0.975])
    assert raw[0] == pytest.approx(-200.0 + shift - Z * s, abs=4.0)  # the old, shifted answer
    # the default rule: each BCa distribution is N(estimate - c, sigma), so the difference
    # of matched draws is N(-200 - shift, s): the same closed form
    m = compare_estimates(b, e, seed=4).difference
    assert m.lower == pytest.approx(-200.0 - shift - Z * s, abs=4.0)
    assert m.upper == pytest.approx(-200.0 - shift + Z * s, abs=7.0)


def test_acceleration_of_a_difference_from_both_jackknives():
    """a = sum_k n_k^-3 sum l^3 / (6 (sum_k n_k^-2 sum l^2)^1.5) with l = (n-1)(mean - value),
    the baseline's influence entering the difference with a minus sign."""
    rng = np.random.default_rng(5)
    jb, je = rng.gamma(2.0, 1.0, 30) + 100.0, rng.gamma(1.0, 2.0, 50) + 50.0
    wb, we = rng.integers(1, 5, 30).astype(float), rng.integers(1, 5, 50).astype(float)
    jk = Jackknife.combine(
        [(100.0, Jackknife.single(jb, wb)), (50.0, Jackknife.single(je, we))], lambda b, e: e - b
    )

    def parts(values, weights, sign):
        n = weights.sum()
        lval = sign * (n - 1) * ((weights * values).sum() / n - values)
        return (weights * lval**3).sum() / n**3, (weights * lval**2).sum() / n**2

    cb3, cb2 = parts(jb, wb, -1.0)
    ce3, ce2 = parts(je, we, 1.0)
    assert jk.acceleration() == pytest.approx((cb3 + ce3) / (6 * (cb2 + ce2) ** 1.5), rel=1e-12)
    # one sample: the familiar formula
    d = (wb * jb).sum() / wb.sum() - jb
    one = (wb * d**3).sum() / (6 * (wb * d**2).sum() ** 1.5)
    assert Jackknife.single(jb, wb).acceleration() == pytest.approx(one, rel=1e-12)


def test_bca_with_acceleration_matches_the_formula():
    """Normal replicates, z0 = -c / sigma and acceleration a: the limit at alpha is
    mean + sigma (z0 + (z0 + z_alpha) / (1 - a (z0 + z_alpha)))."""
    rng = np.random.default_rng(6)
    sigma, c, a = 50.0, 20.0, 0.08
    boot = rng.normal(500.0 + c, sigma, B)
    (lo, hi), z0 = bca_interval(boot, 500.0, a, [0.025, 0.975])
    z0_exact = -c / sigma
    for limit, za in ((lo, -Z), (hi, Z)):
        w = z0_exact + za
        expected = 500.0 + c + sigma * (z0_exact + w / (1 - a * w))
        assert limit == pytest.approx(expected, abs=1.5)


def test_matched_draws_reproduce_the_bca_interval_and_confidence_agrees():
    rng = np.random.default_rng(7)
    boot = rng.gamma(4.0, 250.0, 50_000)
    value, a = 900.0, 0.05
    (lo, hi), z0 = bca_interval(boot, value, a, [0.025, 0.975])
    draws = bca_matched_draws(boot, z0, a, 400_000, rng)
    q = np.quantile(draws, [0.025, 0.975])
    assert q[0] == pytest.approx(lo, rel=5e-3) and q[1] == pytest.approx(hi, rel=5e-3)
    # the confidence distribution puts 2.5% below the lower limit and 97.5% below the upper
    assert bca_confidence(boot, z0, a, lo) == pytest.approx(0.025, abs=2e-3)
    assert bca_confidence(boot, z0, a, hi) == pytest.approx(0.975, abs=2e-3)


def test_approximation_reproduces_an_asymmetric_interval():
    est = Estimate(1000.0, 900.0, 1400.0)
    d = approximate_draws(est, 400_000, np.random.default_rng(8))
    assert np.quantile(d, [0.025, 0.5, 0.975]) == pytest.approx([900.0, 1000.0, 1400.0], rel=4e-3)
    neg = Estimate(-5.0, -9.0, 3.0)
    d = approximate_draws(neg, 400_000, np.random.default_rng(9))
    assert np.quantile(d, [0.025, 0.5, 0.975]) == pytest.approx([-9.0, -5.0, 3.0], abs=0.05)


def test_bca_meets_posterior_through_matched_draws():
    rng = np.random.default_rng(10)
    b = bca_estimate(1000.0, rng.normal(1080.0, 100.0, 4000), *symmetric_jackknife(40, 3.0))
    post = rng.lognormal(math.log(800.0), 0.08, 4000)
    e = Estimate(
        800.0,
        *np.quantile(post, [0.025, 0.975]),
        draws=post,
        draws_kind="posterior",
        interval_method="credible",
        scale="count",
    )
    c = compare_estimates(b, e, seed=11)
    assert c.difference.interval_method == "percentile"
    assert "BCa-adjusted bootstrap replicates" in c.difference.method
    assert c.difference.draws_kind == "mixed"
    # the baseline enters with its BCa distribution (centred near 920, not 1080)
    assert c.difference.lower > e.lower - b.upper
    assert c.difference.upper < e.upper - b.lower
    assert np.median(c.difference.draws) == pytest.approx(800.0 - 920.0, abs=15.0)


def test_posterior_draws_are_used_as_they_are():
    rng = np.random.default_rng(12)
    pb, pe = rng.normal(10.0, 1.0, 3000), rng.normal(8.0, 1.0, 3000)
    b = Estimate(10.0, 8.0, 12.0, draws=pb, draws_kind="posterior", interval_method="credible")
    e = Estimate(8.0, 6.0, 10.0, draws=pe, draws_kind="posterior", interval_method="credible")
    c = compare_estimates(b, e, seed=1)
    assert np.array_equal(c.difference.draws, pe - pb)
    assert c.difference.interval == pytest.approx(tuple(np.quantile(pe - pb, [0.025, 0.975])))


def test_bca_needs_every_estimate_to_be_bca():
    rng = np.random.default_rng(13)
    boot = rng.normal(1000.0, 100.0, 2000)
    b = bca_estimate(1000.0, boot, *symmetric_jackknife(40, 3.0))
    pct = Estimate(
        800.0,
        *np.quantile(boot - 200, [0.025, 0.975]),
        draws=boot - 200,
        draws_kind="bootstrap",
        interval_method="percentile",
    )
    out = combine_independent(
        [b, pct], {"d": lambda x, y: y - x}, level=0.95, rng=np.random.default_rng(1)
    )
    assert out["d"].interval_method == "percentile"


def test_bca_chains_through_a_sum_and_a_difference():
    """A combination of BCa estimates is again a BCa estimate (jackknife carried over)."""
    rng = np.random.default_rng(14)
    parts = [
        bca_estimate(v, rng.normal(v, 30.0, 2000), *symmetric_jackknife(20, 1.0))
        for v in (500.0, 300.0)
    ]
    total = combine_independent(
        parts,
        {"t": lambda x, y: x + y},
        level=0.95,
        rng=np.random.default_rng(2),
        bootstrap="bca",
    )["t"]
    est = total.estimate(0.95, "total", "count")
    assert est.interval_method == "bca" and isinstance(est.details["jackknife"], Jackknife)
    assert len(est.details["jackknife"].samples) == 2
    c = compare_estimates(est, parts[0], seed=3, bootstrap="bca")
    assert c.difference.interval_method == "bca"
    assert len(c.difference.details["jackknife"].samples) == 3


def test_interval_method_is_validated():
    with pytest.raises(ValueError, match="interval_method"):
        Estimate(1.0, interval_method="bootstrap-t")
    with pytest.raises(ValueError, match="BCa interval comes from bootstrap"):
        Estimate(1.0, draws=[1.0, 2.0], draws_kind="posterior", interval_method="bca")
    with pytest.raises(ValueError, match="credible interval comes from a posterior"):
        Estimate(1.0, draws=[1.0, 2.0], draws_kind="bootstrap", interval_method="credible")


def test_joint_draws_must_be_posterior():
    boot = Estimate(1.0, draws=[1.0, 2.0, 3.0], draws_kind="bootstrap")
    with pytest.raises(ValueError, match="posterior draws of one model"):
        combine_independent(
            [boot, boot],
            {"d": lambda a, b: b - a},
            level=0.95,
            rng=np.random.default_rng(1),
            paired=True,
        )


@pytest.fixture(scope="module")
def demo_captures():
    from prevalence.datasets import generate

    lists = ["police", "ngo", "local_authority", "hotline"]

    def load(name):
        return CaptureHistories.from_counts(generate(name), lists=lists, count="count")

    return load("captures_baseline"), load("captures_endline")


def test_demo_change_lies_within_the_marginal_bounds(demo_captures):
    """The issue's sanity check on the demo: the change interval lies inside
    [endline lower - baseline upper, endline upper - baseline lower] (it did not before)."""
    b, e = demo_captures
    est = LogLinearMSE(select="bic", n_boot=500, seed=20261125, progress=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        c = est.compare(b, e)
    d, r = c.difference, c.ratio
    assert d.interval_method == "percentile" and "BCa-adjusted" in d.method
    assert c.endline.lower - c.baseline.upper <= d.lower <= d.value <= d.upper
    assert d.upper <= c.endline.upper - c.baseline.lower
    assert c.endline.lower / c.baseline.upper <= r.lower <= r.value <= r.upper
    assert r.upper <= c.endline.upper / c.baseline.lower
    raw = np.quantile(c.endline.draws - c.baseline.draws, 0.025)
    assert raw < c.endline.lower - c.baseline.upper  # the percentile rule broke the bound
    # probabilities agree with the interval
    assert probability_at_most(d, d.lower).value == pytest.approx(0.025, abs=0.005)
    assert probability_at_most(d, d.upper).value == pytest.approx(0.975, abs=0.005)
    two_sample = compare_estimates(c.baseline, c.endline, seed=1, bootstrap="bca").difference
    assert two_sample.interval_method == "bca"
    assert probability_at_most(two_sample, two_sample.lower).value == pytest.approx(0.025, abs=0.01)


def test_same_data_twice_gives_an_honest_interval(demo_captures):
    """Baseline and endline are fitted with independent bootstrap streams: comparing a data
    set with itself gives an interval around zero, not the zero-width interval of shared
    random numbers."""
    b, _ = demo_captures
    est = LogLinearMSE(select="bic", n_boot=300, seed=1, progress=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        c = est.compare(b, b)
    assert c.difference.value == 0.0
    assert c.difference.lower < -100 and c.difference.upper > 100
    assert not np.array_equal(c.baseline.draws, c.endline.draws)


def test_interval_method_is_reported_in_tables():
    e = Estimate(1.0, 0.5, 1.5, interval_method="profile")
    assert e.to_dict()["interval_method"] == "profile"
    assert isinstance(pd.DataFrame([e.to_dict()]), pd.DataFrame)
