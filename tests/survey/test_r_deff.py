"""R survey's own tests/deff.R, ported (issue #16): design effects with and without
replacement, each value of deff.Rout.save to its printed precision."""

from __future__ import annotations

import pandas as pd
import pytest

from prevalence.survey import SurveyDesign

KIGYO = pd.DataFrame(
    {
        "uriage": [15, 143, 21, 51, 337, 50, 274, 145, 15, 86],
        "srs_w": [100] * 10,
        "pps_w": [20, 200, 11, 25, 550, 30, 250, 100, 10, 55],
    }
)


def test_deff_without_replacement():
    d = SurveyDesign(KIGYO, weights="srs_w")
    m = d.mean("uriage", deff=True)
    assert (round(m.value, 3), round(m.std_error, 3), round(m.details["deff"], 4)) == (
        113.700,
        35.626,
        1.0101,
    )
    # R: (SE^2) / ((1 - 10/1000) * svyvar / 10) = 1.010101
    v = d.variance("uriage").value
    assert round(m.std_error**2 / ((1 - 10 / 1000) * v / 10), 6) == 1.010101
    t = d.total("uriage", deff=True)
    assert (round(t.value), round(t.std_error), round(t.details["deff"], 4)) == (
        113700,
        35626,
        1.0101,
    )


def test_deff_with_replacement():
    d = SurveyDesign(KIGYO, weights="pps_w")
    m = d.mean("uriage", deff="replace")
    assert (round(m.value, 3), round(m.std_error, 3), round(m.details["deff"], 4)) == (
        243.914,
        48.752,
        1.9741,
    )
    assert round(m.std_error**2 / (d.variance("uriage").value / 10), 6) == 1.974067
    t = d.total("uriage", deff="replace")
    assert (round(t.value), round(t.std_error), round(t.details["deff"], 3)) == (
        305136,
        184965,
        18.157,
    )
    assert d.weights.sum() == pytest.approx(1251)
