"""Probabilities of reduction: closed forms in the normal case, long simulations, labels, errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from prevalence import Comparison, DataError, Estimate
from prevalence.core.compare import compare_estimates
from prevalence.core.probability import probability_at_most


def _normal_comparison(d: float, se: float, r: float, se_log: float) -> Comparison:
    b = Estimate(0.2, 0.18, 0.22, scale="proportion")
    e = Estimate(0.2 + d, 0.16, 0.20, scale="proportion")
    z = stats.norm.ppf(0.975)
    diff = Estimate(d, d - z * se, d + z * se, details={"std_error": se}, scale="proportion")
    ratio = Estimate(
        r, r * math.exp(-z * se_log), r * math.exp(z * se_log), details={"std_error_log": se_log}
    )
    return Comparison(b, e, diff, ratio)


@pytest.mark.parametrize("d, se, a", [(-0.03, 0.01, 0.02), (0.01, 0.02, 0.0), (-0.1, 0.03, 0.05)])
def test_absolute_reduction_normal_closed_form(d, se, a):
    c = _normal_comparison(d, se, 0.9, 0.05)
    p = c.probability_reduced(absolute=a)
    assert p.value == pytest.approx(stats.norm.cdf((-a - d) / se), abs=1e-14)
    assert p.kind == "normal" and p.n_draws is None
    assert "frequentist" in p.explanation


@pytest.mark.parametrize("r, se_log, by", [(0.85, 0.06, 0.2), (0.7, 0.1, 0.2), (1.05, 0.04, 0.1)])
def test_relative_reduction_normal_closed_form(r, se_log, by):
    c = _normal_comparison(-0.01, 0.01, r, se_log)
    p = c.probability_reduced(by=by)
    expected = stats.norm.cdf((math.log(1 - by) - math.log(r)) / se_log)
    assert p.value == pytest.approx(expected, abs=1e-14)
    # the ratio's interval alone gives the same log-scale spread
    ratio = Estimate(c.ratio.value, c.ratio.lower, c.ratio.upper)
    q = probability_at_most(ratio, 1 - by, log=True)
    assert q.value == pytest.approx(expected, abs=1e-12)


def test_posterior_draws_against_long_simulation():
    """Normal posteriors: the share of draws converges to the closed form."""
    rng = np.random.default_rng(7)
    n = 400_000
    b = Estimate(1000.0, 900.0, 1100.0, draws=rng.normal(1000, 50, n), draws_kind="posterior")
    e = Estimate(800.0, 720.0, 880.0, draws=rng.normal(800, 40, n), draws_kind="posterior")
    c = compare_estimates(b, e, seed=1)
    p = c.probability_reduced(absolute=150)
    expected = stats.norm.cdf((-150 + 200) / math.hypot(50, 40))
    mc_se = math.sqrt(expected * (1 - expected) / n)
    assert abs(p.value - expected) < 4 * mc_se
    assert p.kind == "posterior" and p.n_draws == n
    # relative: P(e/b <= 0.85), by a direct simulation of the two normals
    sim = np.random.default_rng(99)
    ratio = sim.normal(800, 40, 2_000_000) / sim.normal(1000, 50, 2_000_000)
    expected_r = float(np.mean(ratio <= 0.85))
    got = c.probability_reduced(by=0.15).value
    assert abs(got - expected_r) < 4 * math.sqrt(expected_r * (1 - expected_r) / n)


def test_kinds_follow_the_draws():
    rng = np.random.default_rng(1)
    boot = Estimate(100.0, 80.0, 120.0, draws=rng.normal(100, 10, 500), draws_kind="bootstrap")
    post = Estimate(90.0, 70.0, 110.0, draws=rng.normal(90, 10, 500), draws_kind="posterior")
    plain = Estimate(95.0, 80.0, 112.0)
    assert compare_estimates(boot, boot).probability_reduced(by=0.1).kind == "bootstrap"
    assert compare_estimates(boot, post).probability_reduced(by=0.1).kind == "mixed"
    assert compare_estimates(plain, plain, seed=1).probability_reduced(by=0.1).kind == (
        "approximation"
    )
    assert compare_estimates(post, post).difference.draws_kind == "posterior"


def test_bad_questions():
    c = _normal_comparison(-0.02, 0.01, 0.9, 0.05)
    with pytest.raises(ValueError, match="exactly one of by"):
        c.probability_reduced(by=0.2, absolute=0.01)
    with pytest.raises(ValueError, match="exactly one of by"):
        c.probability_reduced()
    with pytest.raises(ValueError, match="fraction"):
        c.probability_reduced(by=1.5)
    with pytest.raises(ValueError, match="absolute"):
        c.probability_reduced(absolute=-1)


def test_different_scales_are_refused():
    count = Estimate(1000.0, 900.0, 1100.0, scale="count")
    share = Estimate(0.1, 0.08, 0.12, scale="proportion")
    with pytest.raises(DataError, match="different scales.*count.*proportion"):
        compare_estimates(count, share, seed=1)
