"""[[profits]] sections of run configs: totals beside prevalence, change, validation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from prevalence import LogLinearMSE
from prevalence.mse.data.captures import CaptureHistories
from prevalence.profits import ForcedLabourProfit, IllicitProfits, ProfitAssumption
from prevalence.runs import run, validate
from prevalence.survey import SurveyDesign

SYNTH = Path(__file__).resolve().parents[2] / "data" / "synthetic"
LISTS = ["police", "ngo", "local_authority", "hotline"]

CONFIG = """
[run]
name = "profits"
seed = 11

[[inputs]]
name = "b"
path = "{b}"
kind = "captures"
lists = ["police", "ngo", "local_authority", "hotline"]

[[inputs]]
name = "e"
path = "{e}"
kind = "captures"
lists = ["police", "ngo", "local_authority", "hotline"]

[[inputs]]
name = "victims_survey"
path = "{survey}"
kind = "survey"
weights = "w"

[[estimators]]
name = "independence"
type = "LogLinearMSE"
settings = {{ interval = "profile" }}

[[profits]]
name = "illicit profits"
estimator = "independence"
currency = "USD"
year = 2021
target = 0.1

[[profits.strata]]
name = "sexual exploitation"
baseline = "b"
endline = "e"
per_victim = {{ value = 27252, lower = 20000, upper = 36000, source = "ILO 2024" }}

[[profits.strata]]
name = "forced labour"
baseline = "b"
endline = "e"
per_victim = {{ survey = "victims_survey", hours = "hours", paid = "paid", wage = "wage" }}
"""


@pytest.fixture()
def config(tmp_path):
    rng = np.random.default_rng(3)
    survey = pd.DataFrame(
        {
            "hours": rng.uniform(1500, 2500, 80).round(),
            "paid": rng.uniform(0, 1500, 80).round(),
            "wage": 2.5,
            "w": 10.0,
        }
    )
    path = tmp_path / "victims.csv"
    survey.to_csv(path, index=False)
    cfg = tmp_path / "profits.toml"
    cfg.write_text(
        CONFIG.format(
            b=SYNTH / "captures_baseline.csv", e=SYNTH / "captures_endline.csv", survey=path
        )
    )
    return cfg, survey


def test_profits_scorecard_matches_the_api(config, tmp_path):
    cfg, survey = config
    assert validate(cfg) == []
    result = run(cfg, out=tmp_path / "runs", quiet=True)
    card = pd.read_csv(result.directory / "scorecard.csv")
    card = card[card["kind"] == "profits"].set_index("area")
    assert list(card.index) == ["sexual exploitation", "forced labour", "total"]

    # the same figures from the Python API
    def load(name):
        return CaptureHistories.from_counts(pd.read_csv(SYNTH / name), lists=LISTS, count="count")

    b = LogLinearMSE(interval="profile").fit(load("captures_baseline.csv"))
    e = LogLinearMSE(interval="profile").fit(load("captures_endline.csv"))
    labour = ForcedLabourProfit("hours", "paid", "wage").fit(SurveyDesign(survey, weights="w"))
    per_labour = float(labour.values[0])
    assert card.loc["forced labour", "baseline"] == pytest.approx(b.value * per_labour, rel=1e-9)
    assert card.loc["sexual exploitation", "endline"] == pytest.approx(e.value * 27252, rel=1e-9)
    total = card.loc["total"]
    assert total["baseline"] == pytest.approx(b.value * (27252 + per_labour), rel=1e-9)
    assert total["change"] == pytest.approx((e.value - b.value) * (27252 + per_labour), rel=1e-9)
    assert total["change_lower"] < total["change"] < total["change_upper"]
    assert 0 < total["probability_target"] < 1
    estimates = pd.read_csv(result.directory / "estimates.csv")
    rows = estimates[estimates["type"] == "profits"]
    assert "USD 2021" in rows["method"].iloc[0]
    assert set(rows["quantity"]) >= {"profits at baseline", "change in profits"}
    assert "illicit profits" in (result.directory / "report.html").read_text()
    # the API's own total has the same point value
    api = IllicitProfits(
        {
            "sexual exploitation": ProfitAssumption(27252, 20000, 36000),
            "forced labour": ProfitAssumption(per_labour, distribution="fixed"),
        },
        by="stratum",
        seed=1,
    ).fit({"sexual exploitation": b, "forced labour": b})
    assert api.total.value == pytest.approx(total["baseline"], rel=1e-9)


@pytest.mark.parametrize(
    "edit, message",
    [
        (
            ('estimator = "independence"\ncurrency', 'estimator = "nope"\ncurrency'),
            "estimator 'nope'",
        ),
        (
            (
                'baseline = "b"\nendline = "e"\nper_victim = {{ value',
                'baseline = "x"\nendline = "e"\nper_victim = {{ value',
            ),
            "baseline 'x'",
        ),
        (("value = 27252", "valu = 27252"), "unknown key 'valu' (did you mean 'value'?)"),
        (("target = 0.1", "target = 3"), "target: Input should be less than 1, got 3"),
        (
            ('survey = "victims_survey", hours', 'survey = "victims_survey", hrs'),
            "unknown key 'hrs' (did you mean 'hours'?)",
        ),
    ],
)
def test_validation_names_the_section(config, edit, message):
    cfg, _ = config
    text = cfg.read_text()
    old, new = (x.replace("{{", "{").replace("}}", "}") for x in edit)
    assert old in text, old
    cfg.write_text(text.replace(old, new, 1))
    problems = validate(cfg)
    assert any(message in p and "profits[0]" in p for p in problems), problems
