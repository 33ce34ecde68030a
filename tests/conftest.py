"""Shared fixtures: the R reference values and data sets in ../shared/reference."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pytest

from prevalence import CaptureHistories

REPO = Path(__file__).resolve().parents[1]
REFERENCE = Path(os.environ.get("PREVALENCE_REFERENCE", REPO.parent / "shared" / "reference"))
SKIP_REASON = (
    f"R reference values not found at {REFERENCE} (the shared/ folder beside the repository; "
    "set PREVALENCE_REFERENCE to point elsewhere)"
)


def reference_available() -> bool:
    return (REFERENCE / "values_mse.json").is_file()


@pytest.fixture(scope="session")
def mse_reference() -> dict:
    if not reference_available():
        pytest.skip(SKIP_REASON)
    return json.loads((REFERENCE / "values_mse.json").read_text())


@pytest.fixture(scope="session")
def contrast_reference() -> dict:
    """values_contrast.json: R survey's contrasts on the stratified api design."""
    path = REFERENCE / "values_contrast.json"
    if not path.exists():
        pytest.skip(SKIP_REASON)
    return json.loads(path.read_text())["dstrat"]


def load_reference_captures(name: str) -> CaptureHistories:
    """A reference data set as CaptureHistories (``hare`` is one row per animal)."""
    if not reference_available():
        pytest.skip(SKIP_REASON)
    data = REFERENCE / "data"
    if name == "hare":
        df = pd.read_csv(data / "rcapture_hare.csv")
        return CaptureHistories.from_records(df, lists=list(df.columns))
    df = pd.read_csv(data / f"{name}.csv")
    return CaptureHistories.from_counts(df, count=df.columns[-1])
