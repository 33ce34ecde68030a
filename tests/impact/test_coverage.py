"""Coverage of difference-in-differences intervals on simulated programmes with known effect (slow).

1,000 survey programmes and 400 list programmes, 95% intervals:

* a stratified cluster survey, panel (the same people at baseline and endline), analysed as
  one design (covariance between periods) and, for comparison, with the periods treated as
  independent;
* the same survey as repeated cross-sections (new people at the endline, same villages);
* four independent list systems (multiple systems estimation, independence model) per
  programme.

Run with ``make test-slow`` (about a minute); the figures are in docs/impact.md.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from prevalence import LogLinearMSE, SurveyDesign, SurveyPrevalence
from prevalence.impact import DifferenceInDifferences
from prevalence.simulate import simulate_programme_lists, simulate_programme_survey

REPLICATES = 400  # the list study: 4 MSE fits per programme
SURVEY_REPLICATES = 1000  # survey programmes are cheap: a smaller Monte Carlo error
SEED = 20261127


def _band(covered: int, n: int) -> None:
    rate = covered / n
    assert 0.93 <= rate <= 0.97, f"coverage {rate:.4f} ({covered}/{n}) outside 93-97%"


def survey_study(panel: bool, replicates: int = SURVEY_REPLICATES, seed: int = SEED) -> dict:
    seeds = np.random.SeedSequence(seed).spawn(replicates)
    hits = {"design": 0, "independent": 0}
    widths = {"design": [], "independent": []}
    for s in seeds:
        sim = simulate_programme_survey(panel=panel, seed=np.random.default_rng(s))
        design = SurveyDesign(sim.data, weights="weight", strata="group", clusters="village")
        for how, indep in (("design", False), ("independent", True)):
            did = DifferenceInDifferences(
                SurveyPrevalence("victim"),
                group="group",
                period="period",
                treated="programme",
                baseline="baseline",
                endline="endline",
                independent_periods=indep,
            ).fit(design)
            hits[how] += did.did.lower <= sim.true_did <= did.did.upper
            widths[how].append(did.did.upper - did.did.lower)
    return {
        "coverage": {k: v / replicates for k, v in hits.items()},
        "covered": hits,
        "mean_width": {k: float(np.mean(v)) for k, v in widths.items()},
    }


def lists_study(replicates: int = REPLICATES, seed: int = SEED) -> dict:
    sizes = {
        ("programme", "baseline"): 2000,
        ("programme", "endline"): 1400,
        ("comparison", "baseline"): 1800,
        ("comparison", "endline"): 1700,
    }
    lists = {"police": 0.3, "ngo": 0.25, "labour_inspection": 0.2}
    seeds = np.random.SeedSequence(seed).spawn(replicates)
    covered, widths, ratio_covered = 0, [], 0
    true_ror = (1400 / 2000) / (1700 / 1800)
    for i, s in enumerate(seeds):
        sim = simulate_programme_lists(sizes, lists, seed=np.random.default_rng(s))
        did = DifferenceInDifferences(
            LogLinearMSE(),
            group="group",
            period="period",
            treated="programme",
            baseline="baseline",
            endline="endline",
            seed=i,
        ).fit(sim.captures)
        covered += did.did.lower <= sim.true_did <= did.did.upper
        ratio_covered += did.ratio_of_ratios.lower <= true_ror <= did.ratio_of_ratios.upper
        widths.append(did.did.upper - did.did.lower)
    return {
        "coverage": covered / replicates,
        "covered": covered,
        "ratio_coverage": ratio_covered / replicates,
        "mean_width": float(np.mean(widths)),
    }


@pytest.mark.slow
def test_panel_survey_did_coverage_and_width():
    out = survey_study(panel=True)
    _band(out["covered"]["design"], SURVEY_REPLICATES)
    assert out["mean_width"]["design"] < out["mean_width"]["independent"]


@pytest.mark.slow
def test_repeated_cross_sections_did_coverage():
    out = survey_study(panel=False)
    _band(out["covered"]["design"], SURVEY_REPLICATES)


@pytest.mark.slow
def test_mse_lists_did_coverage():
    out = lists_study()
    _band(out["covered"], REPLICATES)
    _band(round(out["ratio_coverage"] * REPLICATES), REPLICATES)


if __name__ == "__main__":  # the documented command: python -m tests.impact.test_coverage
    import time

    for name, run in (
        ("survey panel", lambda: survey_study(panel=True)),
        ("survey repeated cross-sections", lambda: survey_study(panel=False)),
        ("MSE lists", lists_study),
    ):
        start = time.perf_counter()
        result = run()
        print(f"{name}: {result} ({time.perf_counter() - start:.1f} s, seed {SEED})")
    for n in (REPLICATES, SURVEY_REPLICATES):
        print(f"Monte Carlo SE of a 95% coverage from {n}: {math.sqrt(0.95 * 0.05 / n):.4f}")
