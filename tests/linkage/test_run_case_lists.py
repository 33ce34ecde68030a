"""Run inputs of kind case_lists (issue #15): pseudonymised lists, linked during the run."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from prevalence.linkage import pseudonymise
from prevalence.runs import run, validate
from prevalence.simulate import simulate_case_lists

SECRET = "correct horse battery staple 2026, shared by the holders"

CONFIG = """
[run]
name = "linked"
seed = 3

[[inputs]]
name = "lists"
path = "{path}"
kind = "case_lists"
threshold = {threshold}

[[estimators]]
name = "independence"
type = "LogLinearMSE"
"""


def write_lists(folder, seed=5, n=600):
    pop = simulate_case_lists(n, heterogeneity=0.0, seed=seed)
    folder.mkdir()
    for name, records in pop.records.items():
        pseudonymise(
            records, SECRET, list_name=name, record_id="record_id", given_name="given_name",
            family_name="family_name", date_of_birth="date_of_birth", sex="sex",
        ).to_csv(folder / f"{name}.csv", index=False)  # fmt: skip
    return pop


def test_a_run_links_the_lists_and_estimates(tmp_path):
    pop = write_lists(tmp_path / "lists")
    config = tmp_path / "linked.toml"
    config.write_text(CONFIG.format(path="lists/*.csv", threshold=0.5))
    assert validate(config) == []
    result = run(config, tmp_path / "out", quiet=True)
    row = result.estimates.iloc[0]
    observed = pop.true_histories().n_observed
    # the linked people are close to the true number observed, and N is above it
    assert row["value"] > observed
    assert 0.3 < observed / row["value"] < 1
    again = run(config, tmp_path / "out2", quiet=True)
    pd.testing.assert_frame_equal(
        result.estimates[["value", "lower", "upper"]], again.estimates[["value", "lower", "upper"]]
    )


def test_case_lists_problems_are_reported(tmp_path):
    config = tmp_path / "linked.toml"
    config.write_text(CONFIG.format(path="nothing/*.csv", threshold=0.5))
    problems = validate(config)
    assert any("file not found" in p for p in problems)
    (tmp_path / "plain").mkdir()
    pd.DataFrame({"a": [1, 2]}).to_csv(tmp_path / "plain" / "x.csv", index=False)
    config.write_text(CONFIG.format(path="plain/*.csv", threshold=0.5))
    assert any("output of prevalence.linkage.pseudonymise" in p for p in validate(config))
    config.write_text(CONFIG.format(path="plain/*.csv", threshold=1.5))
    assert any("threshold" in p for p in validate(config))


def test_the_report_shows_the_linkage(tmp_path):
    write_lists(tmp_path / "lists")
    config = tmp_path / "linked.toml"
    config.write_text(CONFIG.format(path="lists/*.csv", threshold=0.5))
    result = run(config, tmp_path / "out", quiet=True)
    report = (result.directory / "report.html").read_text()
    assert "<h2>Linkage: lists</h2>" in report
    assert re.search(
        r"pseudonymised records \(labour \d+, ngo \d+, police \d+, shelter \d+\)", report
    )
    assert "people observed" in report  # the sensitivity table
    assert "(linked on DuckDB)" in report  # the engine, also in the manifest
    manifest = json.loads((result.directory / "manifest.json").read_text())
    assert [i["engine"] for i in manifest["inputs"]] == ["duckdb"]


@pytest.mark.parametrize(
    "extra, message",
    [
        ('engine = "dask"', "engine 'dask' does not apply to an input of kind 'case_lists'"),
        ('engine = "spark"\nfilter = { sex = "F" }', "filter does not apply with engine"),
        ('engine = "spark"', "engine = 'spark' links parquet files"),  # the lists are CSV
    ],
)
def test_the_engine_of_case_lists_is_checked(tmp_path, extra, message):
    write_lists(tmp_path / "lists")
    config = tmp_path / "linked.toml"
    text = CONFIG.format(path="lists/*.csv", threshold=0.5)
    config.write_text(text.replace("threshold = 0.5", f"threshold = 0.5\n{extra}"))
    assert any(message in p for p in validate(config)), validate(config)


def test_a_survey_does_not_take_a_linkage_engine(tmp_path):
    config = tmp_path / "survey.toml"
    config.write_text(
        '[run]\nname = "s"\n\n[[inputs]]\nname = "s"\npath = "s.csv"\nkind = "survey"\n'
        'weights = "w"\nengine = "spark"\n\n[[estimators]]\nname = "p"\n'
        'type = "SurveyPrevalence"\nsettings = { args = ["y"] }\n'
    )
    assert any("engine 'spark' does not apply to an input of kind 'survey'" in p
               for p in validate(config))  # fmt: skip


def test_spark_without_pyspark_is_refused_by_name(monkeypatch):
    import sys

    from prevalence import DataError
    from prevalence.runs.config import _spark_backend

    monkeypatch.setitem(sys.modules, "pyspark.sql", None)  # pyspark not installed
    with pytest.raises(DataError, match=r"needs pyspark: pip install 'prevalence\[spark\]'"):
        _spark_backend()
    # without Java: tests/linkage/test_spark.py (pyspark needed, slow)
