"""``[[synthesis]]`` sections of a run config: checked, fitted, written and reported."""

from __future__ import annotations

import textwrap

import pandas as pd
import pytest

from prevalence.runs.config import ConfigProblem, load_config
from prevalence.runs.runner import run
from prevalence.simulate.sources import simulate_sources

CONFIG = """
[run]
name = "synthesis"
seed = 7

[[inputs]]
name = "regions"
path = "regions.csv"
kind = "table"

[[inputs]]
name = "lists"
path = "lists.csv"
kind = "table"

[[inputs]]
name = "survey"
path = "survey.csv"
kind = "table"

[[inputs]]
name = "nsum"
path = "nsum.csv"
kind = "table"

[[inputs]]
name = "captures"
path = "captures.csv"
kind = "captures"

[[estimators]]
name = "independence"
type = "LogLinearMSE"
inputs = ["captures"]

[[synthesis]]
name = "all sources"
population = "regions"
area = "area"
period = "period"
people = "population"
settings = {{ draws = 300, tune = 300, chains = 2 }}

[[synthesis.sources]]
name = "case lists"
input = "lists"
kind = "lists"
lists = ["list1", "list2", "list3"]
visibility = [0.5, 0.9]

[[synthesis.sources]]
name = "household survey"
input = "survey"
kind = "estimates"
estimate = "prevalence"
scale = "prevalence"
effective_n = "n"
visibility = [0.4, 0.8]

[[synthesis.sources]]
name = "scale-up"
input = "nsum"
kind = "estimates"
std_error = "se"
{anchor}
"""


def _write(tmp_path, anchor="anchor = true"):
    sim = simulate_sources(3, seed=11)
    t = sim.tables
    t["population"].to_csv(tmp_path / "regions.csv", index=False)
    t["lists"].to_csv(tmp_path / "lists.csv", index=False)
    t["survey"].to_csv(tmp_path / "survey.csv", index=False)
    t["scaleup"].to_csv(tmp_path / "nsum.csv", index=False)
    pd.DataFrame({"a": [1, 0, 1], "b": [0, 1, 1], "count": [30, 25, 8]}).to_csv(
        tmp_path / "captures.csv", index=False
    )
    path = tmp_path / "run.toml"
    path.write_text(textwrap.dedent(CONFIG.format(anchor=anchor)))
    return path, sim


@pytest.mark.filterwarnings("ignore::prevalence.EstimationWarning")  # a short chain, on purpose
def test_a_synthesis_section_is_fitted_written_and_reported(tmp_path):
    path, sim = _write(tmp_path)
    result = run(path, tmp_path / "out", quiet=True)
    est = pd.read_csv(result.directory / "estimates.csv")
    rows = est[est["type"] == "synthesis"].set_index("quantity")
    assert list(rows.index) == ["total 2020", "total 2024", "ratio 2024 / 2020"]
    assert (rows["input"] == "all sources").all()
    truth = sim.national
    for period in (2020, 2024):
        row = rows.loc[f"total {period}"]
        assert row["lower"] < row["value"] < row["upper"]
        assert row["lower"] < 1.5 * truth[period] and row["upper"] > truth[period] / 1.5
    report = (result.directory / "report.html").read_text()
    assert "Evidence synthesis: all sources" in report
    for name in ("case lists", "household survey", "scale-up", "change by area", "visibility"):
        assert name in report
    manifest = (result.directory / "manifest.json").read_text()
    assert "synthesis" in manifest


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda c: c.replace('input = "nsum"', 'input = "nsmu"'), "'nsmu' is not one of"),
        (
            lambda c: c.replace('input = "nsum"', 'input = "captures"'),
            "input 'captures' is an input of kind 'captures'",
        ),
        (lambda c: c.replace("anchor = true", ""), "give visibility = \\[low, high\\] or anchor"),
        (
            lambda c: c.replace('lists = ["list1", "list2", "list3"]', ""),
            "a lists source needs 'lists'",
        ),
        (
            lambda c: c.replace('std_error = "se"', 'std_error = "se"\nlists = ["x"]'),
            "do not apply to a source of kind 'estimates'",
        ),
        (lambda c: c.replace('name = "scale-up"', 'name = "case lists"'), "appear twice"),
        (lambda c: c.replace("draws = 300", "sources = 1, draws = 300"), "may not hold"),
    ],
)
def test_bad_synthesis_sections_are_named(tmp_path, edit, message):
    path, _ = _write(tmp_path)
    path.write_text(edit(path.read_text()))
    with pytest.raises(ConfigProblem, match=message):
        load_config(path)
