"""The standard MSE simulation study: five estimators, four dependence scenarios.

Run it with ``prevalence study --out DIR`` (or :func:`run_standard_study`): it writes
``results.csv``, ``summary.csv`` and ``study.png`` into ``DIR``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..mse.closed import ClosedPopulationMSE
from ..mse.loglinear import LogLinearMSE
from ..simulate.scenarios import CaptureScenario
from .study import StudyResult, study

__all__ = ["standard_estimators", "standard_scenarios", "run_standard_study"]

PROBABILITIES = {"A": 0.25, "B": 0.2, "C": 0.3, "D": 0.15}
SIZE = 2000


def standard_scenarios() -> dict[str, CaptureScenario]:
    """Independent lists; heterogeneous catchability; positive and negative list dependence."""
    return {
        "independent": CaptureScenario(SIZE, PROBABILITIES),
        "heterogeneity": CaptureScenario(SIZE, PROBABILITIES, heterogeneity=1.0),
        "positive dependence": CaptureScenario(
            SIZE, PROBABILITIES, dependence={("A", "B"): 1.5, ("C", "D"): 1.0}
        ),
        "negative dependence": CaptureScenario(
            SIZE, PROBABILITIES, dependence={("A", "B"): -1.5, ("C", "D"): -1.0}
        ),
    }


def standard_estimators() -> dict[str, Any]:
    """Five MSE estimators of the package."""
    return {
        "independence (profile)": LogLinearMSE(),
        "BIC + bootstrap": LogLinearMSE(select="bic", n_boot=200, progress=False),
        "stepwise (profile)": LogLinearMSE(select="stepwise", interval="profile"),
        "Mth Chao": ClosedPopulationMSE("Mth Chao (LB)"),
        "Mh Darroch": ClosedPopulationMSE("Mh Darroch"),
    }


def run_standard_study(
    replicates: int = 200,
    seed: int = 2026,
    executor: Any = None,
    out: str | Path | None = None,
    progress: bool | None = None,
) -> StudyResult:
    """Run the standard study; with ``out``, write results, summary and the figure there."""
    result = study(
        standard_estimators(),
        standard_scenarios(),
        replicates,
        seed=seed,
        executor=executor,
        progress=progress,
    )
    if out is not None:
        result.save(str(out))
        from ..plot import study_summary

        fig = study_summary(result.summary)
        fig.savefig(Path(out) / "study.png", dpi=110)
    return result
