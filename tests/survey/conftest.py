"""Survey test fixtures: the api data sets from tests/reference/data."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from ..conftest import REFERENCE

HERE = Path(__file__).resolve().parent


def api(name: str) -> pd.DataFrame:
    return pd.read_csv(REFERENCE / "data" / f"survey_{name}.csv")


@pytest.fixture(scope="session")
def survey_reference() -> dict:
    return json.loads((REFERENCE / "values_survey.json").read_text())


@pytest.fixture(scope="session")
def r_values() -> dict:
    """Values computed by R survey 4.1.1 with tests/survey/r_reference.R (each records its R call)."""
    return json.loads((HERE / "r_values.json").read_text())
