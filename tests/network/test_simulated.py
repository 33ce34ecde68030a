"""Simulated networks: the scenarios' truth, and the estimators on them (a quick check here;
the coverage studies are in test_coverage_slow.py)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from prevalence import DataError, study
from prevalence.network import RDS, ScaleUp
from prevalence.simulate import RDSScenario, ScaleUpScenario, simulate_network

KNOWN = {"k0": 200, "k1": 400, "k2": 600, "k3": 800, "k4": 1000}


def test_network_has_the_requested_composition():
    pop = simulate_network(5000, 250, KNOWN, mean_degree=30, degree_ratio=0.5, seed=3)
    assert int(pop.hidden.sum()) == 250
    assert {k: int(v) for k, v in pop.known.sum().items()} == KNOWN
    a = pop.adjacency
    assert (a != a.T).nnz == 0 and a.diagonal().sum() == 0
    deg = pop.degree
    assert deg.mean() == pytest.approx(30, rel=0.1)
    # barrier: hidden members have about half the ties
    assert deg[pop.hidden].mean() / deg[~pop.hidden].mean() == pytest.approx(0.5, rel=0.15)
    with pytest.raises(DataError, match="hidden_size"):
        simulate_network(100, 100, {})


def test_scenarios_are_reproducible_and_sample_from_one_population():
    sc = ScaleUpScenario(5000, 150, KNOWN, respondents=200, mean_degree=30, population_seed=4)
    a, truth = sc(np.random.default_rng(1))
    b, _ = sc(np.random.default_rng(1))
    assert truth == 150 and a.equals(b)
    rds = RDSScenario(1500, 0.25, 300, population_seed=2)
    d1, p1 = rds(np.random.default_rng(5))
    d2, p2 = rds(np.random.default_rng(6))
    assert p1 == p2 and len(d1) == len(d2) == 300
    assert (d1["recruiter.id"] == "seed").sum() >= 10


def test_estimators_recover_the_truth_on_average():
    sc = ScaleUpScenario(20_000, 300, KNOWN, respondents=800, mean_degree=60, population_seed=1)
    res = study(
        {"scale-up": ScaleUp("hidden", KNOWN, 20_000, n_boot=200)}, {"mixing": sc}, 30, seed=2
    )
    assert abs(res.summary["relative_bias"].iloc[0]) < 0.05
    rds = RDSScenario(3000, 0.2, 500, activity=2.0, population_seed=7)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = study({"RDS-II": RDS("trait", population_size=3000)}, {"activity": rds}, 30, seed=3)
    assert abs(res.summary["relative_bias"].iloc[0]) < 0.1
