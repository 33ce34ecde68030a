"""Hypothesis strategies shared by the survey tests."""

from __future__ import annotations

import pandas as pd
from hypothesis import strategies as st


@st.composite
def psu_layouts(draw: st.DrawFn, max_rows_per_psu: int = 5) -> pd.DataFrame:
    """A stratified cluster layout: 1-4 strata of 1-4 PSUs (a stratum of one PSU now and
    then, for the lonely-PSU rules) with 1 to ``max_rows_per_psu`` rows each; columns
    ``stratum`` and ``psu``."""
    rows = []
    psu = 0
    for h in range(draw(st.integers(1, 4))):
        for _ in range(draw(st.integers(1, 4))):
            psu += 1
            rows.extend((h, psu) for _ in range(draw(st.integers(1, max_rows_per_psu))))
    return pd.DataFrame(rows, columns=["stratum", "psu"])
