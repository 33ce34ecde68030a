"""The docs' Sphinx roles become links to the API page (issue #17: no raw :class: text)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

HOOK = Path(__file__).resolve().parents[1] / "docs" / "hooks" / "xrefs.py"


def _hook():
    spec = importlib.util.spec_from_file_location("xrefs", HOOK)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


IDS = {
    "prevalence.core.results.Estimate",
    "prevalence.core.results.Estimate.summary",
    "prevalence.mse.loglinear.LogLinearMSE",
    "prevalence.mse.loglinear.LogLinearMSE.fit",
    "prevalence.survey.prevalence.SurveyPrevalence.fit",
}


def test_roles_become_links_or_plain_code():
    xrefs = _hook()
    html = (
        "See :class:<code>~prevalence.Estimate</code>, :meth:<code>fit</code>, "
        ":class:<code>LogLinearMSE</code> and :func:<code>nowhere.to_be_found</code>."
    )
    out = xrefs.link_roles(html, IDS, "../api/")
    assert ":class:" not in out and ":meth:" not in out and ":func:" not in out
    assert '<a href="../api/#prevalence.core.results.Estimate"><code>Estimate</code></a>' in out
    assert (
        '<a href="../api/#prevalence.mse.loglinear.LogLinearMSE"><code>LogLinearMSE</code></a>'
        in out
    )
    assert "<code>fit</code>" in out and "#prevalence.mse.loglinear.LogLinearMSE.fit" not in out
    assert "<code>nowhere.to_be_found</code>" in out
