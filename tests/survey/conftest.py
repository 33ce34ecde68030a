"""Survey test fixtures: the api data sets from ../shared/reference/data."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from ..conftest import REFERENCE, SKIP_REASON

HERE = Path(__file__).resolve().parent


def api(name: str) -> pd.DataFrame:
    path = REFERENCE / "data" / f"survey_{name}.csv"
    if not path.exists():
        pytest.skip(SKIP_REASON)
    return pd.read_csv(path)


@pytest.fixture(scope="session")
def survey_reference() -> dict:
    path = REFERENCE / "values_survey.json"
    if not path.exists():
        pytest.skip(SKIP_REASON)
    return json.loads(path.read_text())


@pytest.fixture(scope="session")
def r_values() -> dict:
    """Values computed by R survey 4.1.1 with tests/survey/r_reference.R (each records its R call)."""
    return json.loads((HERE / "r_values.json").read_text())
