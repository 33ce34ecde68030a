"""Network scale-up and RDS in run configs (the shipped example network.toml)."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from prevalence.datasets import NSUM_KNOWN, NSUM_TOTAL, load
from prevalence.demo import write_example
from prevalence.network import RDS, ScaleUp
from prevalence.runs import run, validate
from prevalence.survey import SurveyDesign


@pytest.fixture
def example(tmp_path):
    return write_example("network", tmp_path / "example")


def test_example_network_config_runs_and_matches_the_api(tmp_path, example):
    assert validate(example) == []
    result = run(example, tmp_path / "runs")
    est = result.estimates.set_index(["input", "estimator"])
    survey = load("nsum_survey")
    design = SurveyDesign(survey, weights="weight", strata="region", clusters="village")
    api = ScaleUp("sex_workers", NSUM_KNOWN, NSUM_TOTAL, topcode=30, n_boot=1000, seed=20261127)
    fitted = api.fit(design)
    row = est.loc[("nsum", "scale-up")]
    assert row["value"] == pytest.approx(fitted.value, rel=1e-9)
    assert row["lower"] == pytest.approx(fitted.lower, rel=1e-9)
    rds = load("rds_sample")
    ii = RDS("forced_labour", estimator="RDS-II", population_size=3000).fit(rds)
    assert est.loc[("rds", "RDS-II")]["value"] == pytest.approx(ii.value, rel=1e-9)
    assert est.loc[("rds", "successive sampling")]["value"] == pytest.approx(0.2, abs=0.03)


def test_rds_input_is_refused_by_survey_estimators(tmp_path, example):
    text = example.read_text()
    text = text.replace('kind = "survey"', 'kind = "rds"')
    # an rds input has no design keys (the schema refuses them): drop them, so that the
    # estimator's refusal is what is tested
    text = re.sub(r'\n(weights|strata|clusters) = "[a-z]+"', "", text)
    config = example.parent / "bad.toml"
    config.write_text(text)
    problems = validate(config)
    assert problems and any("scale-up" in p for p in problems), problems
    assert pd.Series(problems).str.len().gt(0).all()
