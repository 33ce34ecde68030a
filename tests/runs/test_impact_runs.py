"""[[impact]] sections of run configs: scorecards for DiD, targets and trends; validation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from prevalence import SurveyDesign, SurveyPrevalence
from prevalence.impact import DifferenceInDifferences
from prevalence.runs import run, validate

SYNTH = Path(__file__).resolve().parents[2] / "data" / "synthetic"

BASE = """
[run]
name = "impact"
seed = 3

[[inputs]]
name = "programme_survey"
path = "{path}"
kind = "survey"
weights = "weight"
strata = "stratum"
clusters = "village"

[[estimators]]
name = "prevalence"
type = "SurveyPrevalence"
settings = {{ args = ["victim"] }}
"""

DID = """
[[impact]]
name = "programme"
kind = "did"
estimator = "prevalence"
input = "programme_survey"
group = "group"
treated = "programme"
period = "period"
baseline = "baseline"
endline = "endline"
by = "region"
target = 0.2

[[impact]]
name = "own change"
kind = "target"
estimator = "prevalence"
input = "programme_survey"
period = "period"
baseline = "baseline"
endline = "endline"
target = 0.1
"""


def _config(tmp_path: Path, body: str, path: Path | None = None) -> Path:
    cfg = tmp_path / "impact.toml"
    cfg.write_text(BASE.format(path=path or SYNTH / "programme_survey.csv") + body)
    return cfg


def test_did_scorecard_matches_the_library(tmp_path):
    result = run(_config(tmp_path, DID), out=tmp_path / "runs", quiet=True)
    card = pd.read_csv(result.directory / "scorecard.csv")
    assert list(card["area"][card["kind"] == "did"]) == ["coast", "highlands", "capital"]
    design = SurveyDesign(
        pd.read_csv(SYNTH / "programme_survey.csv"),
        weights="weight",
        strata="stratum",
        clusters="village",
    )
    direct = DifferenceInDifferences(
        SurveyPrevalence("victim"),
        group="group",
        period="period",
        treated="programme",
        baseline="baseline",
        endline="endline",
    ).fit_by(design, "region")
    for row in card[card["kind"] == "did"].itertuples():
        d = direct[row.area]
        assert row.did == pytest.approx(d.did.value, rel=1e-9)
        assert row.did_lower == pytest.approx(d.did.lower, rel=1e-9)
        p = d.changes["programme"].probability_reduced(by=0.2)
        assert row.probability_target == pytest.approx(p.value, rel=1e-9)
        assert row.probability_kind == "normal"
    own = card[card["kind"] == "target"].iloc[0]
    assert own["area"] == "all" and np.isnan(own["did"])
    estimates = pd.read_csv(result.directory / "estimates.csv")
    impact_rows = estimates[estimates["type"].str.startswith("impact")]
    assert "difference in differences" in set(impact_rows["quantity"])
    assert "probability of meeting the target" in set(impact_rows["quantity"])
    report = (result.directory / "report.html").read_text()
    assert "<h2>Scorecard</h2>" in report and "change in the programme areas" in report


def test_trend_scorecard(tmp_path):
    rng = np.random.default_rng(8)
    rows = []
    for year in (2021, 2022, 2023, 2024):
        p = 0.25 * 0.88 ** (year - 2021)
        for c in range(40):
            for _ in range(15):
                rows.append((year, f"v{c}", int(rng.random() < p)))
    frame = pd.DataFrame(rows, columns=["period", "village", "victim"]).assign(
        weight=1.0, stratum="all", region="one"
    )
    path = tmp_path / "yearly.csv"
    frame.to_csv(path, index=False)
    body = """
[[impact]]
name = "national trend"
kind = "trend"
estimator = "prevalence"
input = "programme_survey"
period = "period"
target = 0.5
target_at = 2030
"""
    result = run(_config(tmp_path, body, path), out=tmp_path / "runs", quiet=True)
    card = pd.read_csv(result.directory / "scorecard.csv")
    row = card.iloc[0]
    assert row["kind"] == "trend" and row["area"] == "all"
    assert -0.25 < row["change_per_period"] < 0.0
    assert 0.0 < row["probability_target"] < 1.0 and row["projection"] > 0


@pytest.mark.parametrize(
    "edit, message",
    [
        (
            ('kind = "did"', 'kind = "causal"'),
            "kind: Input should be 'did', 'target' or 'trend', got 'causal'",
        ),
        (('estimator = "prevalence"\ninput', 'estimator = "nope"\ninput'), "estimator 'nope'"),
        (("target = 0.2", "target = 2"), "target: Input should be less than 1, got 2"),
        (('group = "group"', 'group = "district"'), "group column 'district'"),
        (
            (
                'baseline = "baseline"\nendline = "endline"\nby',
                'baseline = "2019"\nendline = "endline"\nby',
            ),
            "baseline '2019' does not occur",
        ),
    ],
)
def test_validation_names_the_section(tmp_path, edit, message):
    body = DID.replace(*edit, 1)
    problems = validate(_config(tmp_path, body))
    assert any(message in p and "impact[0]" in p for p in problems), problems


LISTS = """
[run]
name = "lists"
seed = 5

[[inputs]]
name = "p0"
path = "{b}"
kind = "captures"
lists = ["police", "ngo", "local_authority", "hotline"]

[[inputs]]
name = "p1"
path = "{e}"
kind = "captures"
lists = ["police", "ngo", "local_authority", "hotline"]

[[estimators]]
name = "independence"
type = "LogLinearMSE"
inputs = []

[[impact]]
name = "lists"
kind = "did"
estimator = "independence"
cells = {{ programme_baseline = "p0", programme_endline = "p1", comparison_baseline = "p0", comparison_endline = "p0" }}
target = 0.2
"""


def test_did_from_four_list_inputs(tmp_path):
    cfg = tmp_path / "lists.toml"
    cfg.write_text(
        LISTS.format(b=SYNTH / "captures_baseline.csv", e=SYNTH / "captures_endline.csv")
    )
    assert validate(cfg) == []
    result = run(cfg, out=tmp_path / "runs", quiet=True)
    card = pd.read_csv(result.directory / "scorecard.csv")
    row = card.iloc[0]
    # comparison cells identical: the DiD is the programme's own change
    assert row["did"] == pytest.approx(row["change"], rel=1e-12)
    assert row["probability_kind"] == "approximation"
    estimates = pd.read_csv(result.directory / "estimates.csv")
    assert (estimates["quantity"] == "estimate").sum() == 0  # inputs = []: impact only
    bad = cfg.read_text().replace('comparison_endline = "p0"', 'comparison_endline = "nope"')
    cfg.write_text(bad)
    assert any("cells.comparison_endline = 'nope'" in p for p in validate(cfg))
