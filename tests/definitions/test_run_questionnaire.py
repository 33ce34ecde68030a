"""Run inputs of kind questionnaire (issue #15): answers classified during the run."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from prevalence.runs import run, validate

CONFIG = """
[run]
name = "survey"
seed = 1

[[inputs]]
name = "answers"
path = "answers.csv"
kind = "questionnaire"
weights = "w"
clusters = "psu"
{extra}

[[estimators]]
name = "forced labour"
type = "SurveyPrevalence"
settings = {{ indicator = "{indicator}" }}
"""


def answers(n=60, seed=4):
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "age": rng.integers(10, 70, n),
            "worked_in_reference_period": rng.choice(["yes", "no"], n, p=[0.8, 0.2]),
            "recruit_deceived": rng.choice(["yes", "no"], n),
            "documents_retained": rng.choice(["yes", "no"], n),
            "w": rng.uniform(50, 150, n),
            "psu": np.arange(n) % 12,
        }
    )
    # by the definition, worked out here without the classifier: adults need both, children
    # (no parent or worst-form items asked) a third party's coercion; both in the period
    adult = frame["age"] >= 18
    period = frame["worked_in_reference_period"] == "yes"
    inv = frame["recruit_deceived"] == "yes"
    coe = frame["documents_retained"] == "yes"
    truth = period & np.where(adult, inv & coe, coe)
    return frame, truth.astype(int)


def test_a_run_classifies_and_estimates(tmp_path):
    frame, truth = answers()
    frame.to_csv(tmp_path / "answers.csv", index=False)
    config = tmp_path / "survey.toml"
    config.write_text(CONFIG.format(extra="", indicator="forced_labour"))
    assert validate(config) == []
    result = run(config, tmp_path / "out", quiet=True)
    expected = float((frame["w"] * truth).sum() / frame["w"].sum())
    assert result.estimates.iloc[0]["value"] == pytest.approx(expected, rel=1e-12)


def test_children_indicator_and_mapping_file(tmp_path):
    frame, truth = answers()
    frame = frame.rename(columns={"documents_retained": "q7"})
    frame.to_csv(tmp_path / "answers.csv", index=False)
    (tmp_path / "map.toml").write_text(
        'name = "national"\n[coercion]\nretention_of_documents = ["q7"]\n'
    )
    config = tmp_path / "survey.toml"
    config.write_text(
        CONFIG.format(extra='mapping = "map.toml"', indicator="forced_labour_children")
    )
    result = run(config, tmp_path / "out", quiet=True)
    child = truth * (frame["age"] < 18)
    expected = float((frame["w"] * child).sum() / frame["w"].sum())
    assert result.estimates.iloc[0]["value"] == pytest.approx(expected, rel=1e-12)


def test_unanswered_items_are_refused_or_counted_as_no(tmp_path):
    frame, _ = answers()
    frame.loc[3, "recruit_deceived"] = None
    frame.loc[3, ["age", "worked_in_reference_period", "documents_retained"]] = [40, "yes", "yes"]
    frame.to_csv(tmp_path / "answers.csv", index=False)
    config = tmp_path / "survey.toml"
    config.write_text(CONFIG.format(extra="", indicator="forced_labour"))
    problems = validate(config)
    assert any("1 respondent(s) cannot be classified" in p and "[3]" in p for p in problems)
    config.write_text(CONFIG.format(extra='missing = "no"', indicator="forced_labour"))
    assert validate(config) == []


def test_questionnaire_problems_are_reported(tmp_path):
    frame, _ = answers()
    frame.loc[5, "recruit_deceived"] = "perhaps"
    frame.to_csv(tmp_path / "answers.csv", index=False)
    config = tmp_path / "survey.toml"
    config.write_text(CONFIG.format(extra="", indicator="forced_labour"))
    assert any("'recruit_deceived'" in p and "'perhaps'" in p for p in validate(config))
    config.write_text(CONFIG.format(extra='mapping = "absent.toml"', indicator="forced_labour"))
    assert any("cannot read the mapping file" in p for p in validate(config))
    config.write_text(CONFIG.format(extra="threshold = 0.5", indicator="forced_labour"))
    assert any("threshold" in p for p in validate(config))
