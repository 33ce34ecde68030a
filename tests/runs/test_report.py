"""A report a statistician would publish (issue #17): headlines, caveats, methods, fit, keys."""

from __future__ import annotations

import html as html_lib
import re

import numpy as np
import pytest
from scipy import stats

from prevalence import Estimate
from prevalence.core.errors import DataError
from prevalence.demo import write_example
from prevalence.plot import forest
from prevalence.runs import run
from prevalence.runs.report import format_value, human_duration, human_time


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("report")
    config = write_example("demo", tmp / "ex")
    config.write_text(config.read_text().replace("n_boot = 3000", "n_boot = 200"))
    result = run(config, tmp / "runs", quiet=True)
    page = (result.directory / "report.html").read_text()
    text = html_lib.unescape(re.sub(r"<[^>]+>", " ", page))
    return result, page, re.sub(r"\s+", " ", text)


def _fmt_count(x: float) -> str:
    return f"{x:,.0f}"


def test_a_headline_per_compared_result_with_its_verdict(demo_run):
    result, _, text = demo_run
    est = result.estimates
    for estimator in ("independence", "BIC selection", "Mth Chao"):
        rows = est[est["estimator"] == estimator].set_index(["input", "quantity"])
        end = rows.loc[("endline", "estimate")]
        base = rows.loc[("baseline", "estimate")]
        diff = rows.loc[("endline vs baseline", "difference")]
        real = diff["upper"] < 0 or diff["lower"] > 0
        sentence = (
            f"{estimator}: an estimated {_fmt_count(end['value'])} people (95% interval "
            f"{_fmt_count(end['lower'])} to {_fmt_count(end['upper'])}) at endline, down from "
            f"{_fmt_count(base['value'])} people at baseline; the fall of "
            f"{_fmt_count(-diff['value'])} (95% interval {_fmt_count(diff['lower'])} to "
            f"{_fmt_count(diff['upper'])}) is {'' if real else 'not '}distinguishable from zero."
        )
        assert sentence in text, sentence
    survey = est[(est["input"] == "survey_baseline") & (est["quantity"] == "estimate")].iloc[0]
    assert f"an estimated prevalence of {100 * survey['value']:.1f}%" in text


def test_a_note_when_estimators_disagree_about_the_change(demo_run):
    result, _, text = demo_run
    diff = result.estimates[result.estimates["quantity"] == "difference"]
    verdicts = {
        r["estimator"]: int(
            np.sign(r["upper"]) if r["upper"] < 0 else np.sign(r["lower"]) if r["lower"] > 0 else 0
        )
        for _, r in diff.iterrows()
    }
    disagree = len(set(verdicts.values())) > 1
    assert (
        "The estimators disagree about whether the change endline vs baseline is real" in text
    ) == disagree
    assert disagree  # the demo's BIC selection keeps no change, the other two find a fall


def test_caveats_hold_every_warning(tmp_path):
    config = write_example("demo", tmp_path / "ex")
    config.write_text(config.read_text().replace("n_boot = 3000", "n_boot = 50"))
    with pytest.warns(Warning):
        result = run(config, tmp_path / "runs", quiet=True)
    text = (result.directory / "report.html").read_text()
    caveats = text[text.index("<h2>Caveats</h2>") : text.index("<h2>Estimates</h2>")]
    warned = [w for ws in result.estimates["warnings"] if ws for w in ws.split("; ")]
    assert warned, "50 bootstrap replicates should leave a caveat"
    for w in warned:
        assert html_lib.escape(w) in caveats


def test_methods_fit_and_list_key(demo_run):
    result, page, text = demo_run
    from prevalence import ClosedPopulationMSE, LogLinearMSE, SurveyPrevalence

    for cls in (LogLinearMSE, ClosedPopulationMSE, SurveyPrevalence):
        assert cls.assumptions and cls.assumptions in text
    assert "List key, baseline: 1 = police, 2 = ngo, 3 = local_authority, 4 = hotline" in text
    import json

    records = json.loads((result.directory / "estimates.json").read_text())
    indep = next(
        r for r in records if r.get("estimator") == "independence" and r["input"] == "baseline"
    )
    dev, df = indep["details"]["deviance"], indep["details"]["df"]
    fit = page[page.index("Goodness of fit") :]
    row = re.search(
        r"<tr><td class='text'>independence</td><td class='text'>baseline</td>(.*?)</tr>", fit
    ).group(1)
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", row)
    assert cells[1] == "police + ngo + local_authority + hotline"
    assert float(cells[4]) == pytest.approx(stats.chi2.sf(dev, df), rel=1e-3)


def test_filters_times_and_inputs_are_shown(demo_run):
    result, page, text = demo_run
    assert "period = 0" in text  # survey_baseline's filter
    assert re.search(r"Run \d{1,2} [A-Z][a-z]+ 20\d\d, \d\d:\d\d UTC \(\d", text)
    assert not re.search(r"\d{4}-\d\d-\d\dT", text)  # no ISO timestamp


def test_counts_and_proportions_never_share_an_axis(demo_run):
    result, _, _ = demo_run
    names = {p.name for p in result.directory.glob("*.png")}
    assert {"estimates_count.png", "estimates_proportion.png"} <= names
    assert "estimates.png" not in names
    with pytest.raises(DataError, match="one kind of quantity per axis"):
        forest(
            {
                "a": Estimate(10.0, 8.0, 12.0, scale="count"),
                "b": Estimate(0.1, 0.05, 0.2, scale="proportion"),
            }
        )


def test_formatting_helpers():
    assert format_value(4870.4, "count") == "4,870"
    assert format_value(0.0312, "proportion") == "3.1%"
    assert format_value(float("nan"), "count") == "-"
    assert human_time("2026-01-05T07:03:00+00:00") == "5 January 2026, 07:03 UTC"
    assert human_duration(59.94) == "59.9 s" and human_duration(61) == "1 min 1 s"


def test_profits_headline(demo_run):
    result, _, text = demo_run
    rows = result.estimates[result.estimates["input"] == "illicit profits: total"].set_index(
        "quantity"
    )
    end = rows.loc["profits at endline", "value"]
    change = rows.loc["change in profits"]
    assert (
        f"illicit profits: an estimated {end / 1e6:,.1f} million USD of 2021 a year at endline"
        in text
    )
    assert (
        f"(95% interval {change['lower'] / 1e6:,.1f} to {change['upper'] / 1e6:,.1f} million)"
        in text
    )


def test_the_model_table_caption_says_what_its_weight_is():
    from prevalence.runs.report import _models_caption

    assert _models_caption(113, "bic") == (
        "The 10 best of 113 models by BIC (weight: the BIC weight, exp(-ΔBIC/2) normalised "
        "over the table)."
    )
    assert "posterior probability" in _models_caption(61, None)
