"""Two-phase designs against R survey 4.1.1's twophase (tests/survey/r_twophase.R, issue #16)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from prevalence import DataError
from prevalence.survey.twophase import TwoPhaseDesign

HERE = Path(__file__).parent
R = json.loads((HERE / "r_twophase.json").read_text())
PHASE1 = pd.read_csv(HERE / "twophase_sample.csv")
PHASE1["region2"] = np.repeat(["east", "west"], [200, 200])
PHASE1["N2"] = np.where(PHASE1["region2"] == "east", 5000, 3000)
DESIGNS = {
    "iid": {"strata2": "screen"},
    "strat_fpc": {"strata2": "screen", "strata1": "region", "fpc1": "N1"},
    "strat_nofpc": {"strata2": "screen", "strata1": "region"},
    "strat_fpc_equal": {"strata2": "screen", "strata1": "region2", "fpc1": "N2"},
}


@pytest.mark.parametrize("name", sorted(DESIGNS))
def test_twophase_as_r(name):
    ref = R[name]
    d = TwoPhaseDesign(PHASE1, "in2", **DESIGNS[name])
    m, t, mh = d.mean("victim"), d.total("hours"), d.mean("hours")
    phases = d.phase_variances("hours")
    assert m.value == pytest.approx(ref["mean_victim"], rel=1e-9)
    assert t.value == pytest.approx(ref["total_hours"], rel=1e-9)
    assert mh.value == pytest.approx(ref["mean_hours"], rel=1e-9)
    assert phases["phase2"] == pytest.approx(ref["phase2_var_total"], rel=1e-9)
    assert d.degf() == ref["degf"]
    if name == "strat_fpc":
        # R's phase-one Dcheck indexes the phase-one sample sizes by the position of the unit
        # in the subsample, not by its stratum, so with unequal strata R's phase-one term
        # differs (56,354,779 in R; 43,804,506 here from each unit's own stratum size). With
        # equal strata ("strat_fpc_equal") the two agree.
        assert phases["phase1"] < ref["phase1_var_total"]
        return
    assert m.std_error == pytest.approx(ref["mean_victim_se"], rel=1e-9)
    assert t.std_error == pytest.approx(ref["total_hours_se"], rel=1e-9)
    assert mh.std_error == pytest.approx(ref["mean_hours_se"], rel=1e-9)
    assert phases["phase1"] == pytest.approx(ref["phase1_var_total"], rel=1e-9)


def test_phase_one_term_is_the_stratified_srswor_dcheck():
    """With an fpc at phase one, D1 is stratified SRSWOR's: -(1 - f_h) / (n_h - 1) within a
    stratum and 1 - f_h on the diagonal, f_h = n_h / N_h, each unit with its own stratum."""
    d = TwoPhaseDesign(PHASE1, "in2", **DESIGNS["strat_fpc"])
    sub = PHASE1[PHASE1["in2"]]
    n_h = PHASE1["region"].map(PHASE1["region"].value_counts()).loc[sub.index].to_numpy(float)
    f = n_h / sub["N1"].to_numpy(float)
    same = sub["region"].to_numpy()[:, None] == sub["region"].to_numpy()[None, :]
    d1 = np.where(same, -(1 - f)[:, None] / (n_h[:, None] - 1), 0.0)
    np.fill_diagonal(d1, 1 - f)
    d2 = d._dcheck_phase2
    x = d.variable("hours") * d.weights
    assert d.phase_variances("hours")["phase1"] == pytest.approx(
        x @ (d1 + d2 - d1 * d2) @ x - x @ d2 @ x, rel=1e-12
    )


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"subset": "flag"}, "unknown subset column 'flag'"),
        ({"subset": "screen", "strata2": "nope"}, "unknown strata2 column 'nope'"),
        ({"subset": "victim"}, "missing value"),
        ({"subset": "in2", "fpc1": "nope"}, "unknown fpc1 column"),
    ],
)
def test_bad_twophase_arguments(kwargs, message):
    with pytest.raises(DataError, match=message):
        TwoPhaseDesign(PHASE1, **kwargs)
