"""Network scale-up and RDS in run configs (examples/network.toml)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from prevalence.datasets import NSUM_KNOWN, NSUM_TOTAL, load
from prevalence.network import RDS, ScaleUp
from prevalence.runs import run, validate
from prevalence.survey import SurveyDesign

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "network.toml"


def test_example_network_config_runs_and_matches_the_api(tmp_path):
    assert validate(EXAMPLE) == []
    result = run(EXAMPLE, tmp_path)
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


def test_rds_input_is_refused_by_survey_estimators(tmp_path):
    text = (
        EXAMPLE.read_text()
        .replace(
            'path = "../data/synthetic/rds_sample.csv"',
            f'path = "{(EXAMPLE.parent / "../data/synthetic/rds_sample.csv").resolve()}"',
        )
        .replace(
            'path = "../data/synthetic/nsum_survey.csv"',
            f'path = "{(EXAMPLE.parent / "../data/synthetic/nsum_survey.csv").resolve()}"',
        )
    )
    text = text.replace('kind = "survey"', 'kind = "rds"')
    config = tmp_path / "bad.toml"
    config.write_text(text)
    problems = validate(config)
    assert problems and any("scale-up" in p for p in problems), problems
    assert pd.Series(problems).str.len().gt(0).all()
