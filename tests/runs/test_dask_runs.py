"""Survey inputs read out of core in run configs (``engine = "dask"``, #35)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from prevalence.runs import run, validate

SYNTH = Path(__file__).resolve().parents[2] / "data" / "synthetic"

CONFIG = """
[run]
name = "{name}"
seed = 3

[[inputs]]
name = "in_memory"
path = "{csv}"
kind = "survey"
weights = "weight"
strata = "stratum"
clusters = "village"

[[inputs]]
name = "out_of_core"
path = "{directory}"
kind = "survey"
engine = "dask"
weights = "weight"
strata = "stratum"
clusters = "village"
{extra}

[[estimators]]
name = "prevalence"
type = "SurveyPrevalence"
settings = {{ args = ["victim"] }}
{estimators}
"""


def _config(tmp_path: Path, name="dask", extra="", estimators="") -> Path:
    survey = pd.read_csv(SYNTH / "programme_survey.csv")
    directory = tmp_path / "survey_parts"
    directory.mkdir(exist_ok=True)
    for k, part in enumerate(survey.groupby("region", sort=True)):  # one file per region
        part[1].to_parquet(directory / f"part-{k}.parquet", index=False)
    path = tmp_path / f"{name}.toml"
    path.write_text(
        CONFIG.format(
            name=name,
            csv=SYNTH / "programme_survey.csv",
            directory=directory,
            extra=extra,
            estimators=estimators,
        )
    )
    return path


def test_a_dask_survey_input_gives_the_in_memory_estimate_and_is_recorded(tmp_path):
    config = _config(tmp_path)
    first = run(config, tmp_path / "runs", quiet=True)
    est = first.estimates.set_index("input")
    assert est.loc["out_of_core", "value"] == pytest.approx(
        est.loc["in_memory", "value"], rel=1e-12
    )
    assert est.loc["out_of_core", "upper"] == pytest.approx(
        est.loc["in_memory", "upper"], rel=1e-12
    )
    manifest = json.loads((first.directory / "manifest.json").read_text())
    engines = {i["name"]: i["engine"] for i in manifest["inputs"]}
    assert engines == {"in_memory": "pandas", "out_of_core": "dask"}
    files = {i["name"]: i["files"] for i in manifest["inputs"]}
    assert [Path(f).name for f in files["out_of_core"]] == [f"part-{k}.parquet" for k in range(3)]
    assert "read out of core with Dask" in (first.directory / "report.html").read_text()
    second = run(config, tmp_path / "runs", quiet=True)  # the same seed, the same bytes
    for name in ("estimates.json", "estimates.csv"):
        assert (first.directory / name).read_bytes() == (second.directory / name).read_bytes()


def test_a_filter_applies_out_of_core_too(tmp_path):
    config = _config(tmp_path, extra='filter = { period = "baseline" }')
    text = config.read_text().replace(
        'clusters = "village"\n\n[[inputs]]',
        'clusters = "village"\nfilter = { period = "baseline" }\n\n[[inputs]]',
        1,
    )
    config.write_text(text)
    est = run(config, tmp_path / "runs", quiet=True).estimates.set_index("input")
    assert est.loc["out_of_core", "value"] == pytest.approx(
        est.loc["in_memory", "value"], rel=1e-12
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"estimators": '[[estimators]]\nname = "nsum"\ntype = "ScaleUp"\nargs = ["victim"]\n'
             'settings = { total = 20000, known = { nurses = 200 } }\ninputs = ["out_of_core"]'},
            "needs input 'out_of_core' in memory, and it is read with engine = 'dask'",
        ),
        ({"extra": 'fpc = "nothere"'}, r"unknown fpc column\(s\) \['nothere'\]"),
    ],
)  # fmt: skip
def test_what_cannot_run_out_of_core_is_named(tmp_path, change, message):
    problems = validate(_config(tmp_path, **change))
    assert any(re.search(message, p) for p in problems), problems


def test_the_engine_belongs_to_survey_and_case_list_inputs(tmp_path):
    config = _config(tmp_path)
    text = config.read_text().replace('kind = "survey"\nengine', 'kind = "table"\nengine', 1)
    config.write_text(text)
    problems = validate(config)
    assert any("engine: survey/case_lists only" in p for p in problems), problems
