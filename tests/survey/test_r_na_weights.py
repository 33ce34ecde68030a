"""R survey's own tests/na_weights.R, ported (issue #16): records with a missing weight are
dropped under na_weights="allow" (and "warn"), leaving every estimate as without them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from prevalence import DataError, DataWarning
from prevalence.survey import SurveyDesign

from .conftest import api


def test_missing_weights_are_dropped_when_allowed():
    srs = api("apisrs")
    doubled = pd.concat([srs, srs.assign(pw=np.nan)], ignore_index=True)
    a = SurveyDesign(srs, weights="pw").total("enroll")
    b = SurveyDesign(doubled, weights="pw", na_weights="allow").total("enroll")
    assert (a.value, a.std_error) == (b.value, b.std_error)
    with pytest.warns(DataWarning, match="200 rows with a missing weight"):
        SurveyDesign(doubled, weights="pw", na_weights="warn")
    with pytest.raises(DataError, match="missing or non-numeric value at row 200"):
        SurveyDesign(doubled, weights="pw")
    with pytest.raises(DataError, match="na_weights must be"):
        SurveyDesign(srs, weights="pw", na_weights="drop")
