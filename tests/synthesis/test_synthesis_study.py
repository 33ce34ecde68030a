"""The evidence synthesis study, reduced (slow): the full one is benchmarks/synthesis_study.py
and its figures are in docs/synthesis.md."""

from __future__ import annotations

import pytest

from prevalence.workbench.synthesis import (
    summarise_synthesis,
    synthesis_scenarios,
    synthesis_study,
)


@pytest.mark.slow
def test_reduced_synthesis_study():
    """Twenty replicates with priors that hold (240 area-period intervals, 40 period totals,
    20 changes), and five with the survey's prior wrong.

    With priors that hold, the area-period intervals cover at least 85% (at a true 95%, 240
    intervals, correlated within a replicate, fall below 85% with probability well under
    1e-3) and at most 99.5%, and the synthesis's relative RMSE is below every single source's.
    With the wrong survey prior the fit warns of the conflict in at least four of five
    replicates (the sources pull the survey's visibility outside its stated interval)."""
    scenarios = synthesis_scenarios()
    results = synthesis_study(20, 20261207, scenarios={"priors hold": scenarios["priors hold"]})
    summary = summarise_synthesis(results).set_index(["method", "quantity"])
    print(summary.round(3).to_string())
    cell = summary.loc[("synthesis", "cell")]
    assert 0.85 <= cell["coverage"] <= 0.995
    for alone in ("lists alone", "survey alone", "scale-up alone"):
        assert cell["relative_rmse"] < summary.loc[(alone, "cell"), "relative_rmse"]
    assert summary.loc[("synthesis", "total"), "coverage"] >= 0.8
    assert summary.loc[("synthesis", "change"), "coverage"] >= 0.8
    wrong = synthesis_study(5, 20261207, scenarios={"wrong": scenarios["survey prior wrong"]})
    flagged = wrong.groupby("replicate")["conflict"].first()
    print(flagged.to_string())
    assert flagged.sum() >= 4
