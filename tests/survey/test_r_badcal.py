"""R survey's own tests/badcal.R, ported (issue #16): calibration from badly scaled weights
(population totals 100 times the sample's), where raking needs R's pre-scaling to converge."""

from __future__ import annotations

import pandas as pd
import pytest

from prevalence import EstimationWarning
from prevalence.survey import SurveyDesign


def test_badly_scaled_weights_calibrate_alike():
    data = pd.DataFrame({"x": [1, 1, 1, 1, 2, 2, 2, 2, 2, 2], "w": [10.0] * 10})
    des = SurveyDesign(data, weights="w")
    totals = {"x": {1: 5000, 2: 5000}}  # R: c(`(Intercept)` = 10000, `factor(x)2` = 5000)
    linear, raking = des.calibrate(totals), des.calibrate(totals, calfun="raking")
    # the calibrated totals themselves have no variance, and say so
    with pytest.warns(EstimationWarning, match="the weights were calibrated to it"):
        for d in (linear, raking):
            for level, total in ((1, 5000), (2, 5000)):
                est = d.with_columns(ind=(d.data["x"] == level).astype(float)).total("ind")
                assert est.value == pytest.approx(total, rel=1e-7)
        a = linear.with_columns(ind=(linear.data["x"] == 1).astype(float)).total("ind")
        b = raking.with_columns(ind=(raking.data["x"] == 1).astype(float)).total("ind")
    assert a.std_error == pytest.approx(b.std_error, rel=1e-7, abs=1e-6)
