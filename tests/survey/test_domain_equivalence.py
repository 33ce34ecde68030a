"""Domain equivalence (issue #37): estimating on ``design.subset(cond)`` equals estimating the
domain ``cond`` with ``by=``, for every ratio-type statistic and every design class without
calibration, as it does in R (``svyby`` goes through ``subset``).

The two paths are computed separately: ``by=`` forms all domains' influence values at once
(one aggregation keyed by unit and domain), ``subset`` masks the rows and estimates one
domain. They must give the same estimate, standard error, interval and degrees of freedom,
whatever the strata, clusters, fpc, zero weights, lonely PSUs (every rule, with and without
``adjust_domain_lonely``) and replicate weights.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prevalence import DataError
from prevalence.survey import PPSDesign, SurveyDesign, TwoPhaseDesign

from .conftest import twophase_sample
from .strategies import psu_layouts

STATISTICS = ("total", "mean", "ratio", "proportion")


@st.composite
def samples(draw: st.DrawFn) -> pd.DataFrame:
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    df = draw(psu_layouts(max_rows_per_psu=4))
    if df["psu"].nunique() == 1:  # a design needs two PSUs
        df.loc[len(df)] = (df["stratum"].iloc[-1], 2)
    n = len(df)
    df["w"] = rng.choice([0.0, 1.0, 2.5, 10.0], size=n, p=[0.05, 0.35, 0.3, 0.3])
    if not (df["w"] > 0).any():
        df.loc[0, "w"] = 1.0
    df["y"] = rng.normal(10, 3, size=n).round(2)
    df["x"] = rng.uniform(1, 5, size=n).round(2)
    df["b"] = rng.integers(0, 2, size=n)
    df["fpc"] = df.groupby("stratum")["psu"].transform("nunique") * 3
    df["cond"] = rng.random(n) < draw(st.sampled_from([0.3, 0.6, 0.9]))
    weighted = df.index[df["w"] > 0]
    if len(weighted) < 2:  # both domains need a row with weight (by= refuses an empty one)
        df.loc[df.index[:2], "w"] = 1.0
        weighted = df.index[df["w"] > 0]
    if not (df["cond"] & (df["w"] > 0)).any():
        df.loc[weighted[0], "cond"] = True
    if (df["cond"] | (df["w"] == 0)).all():
        df.loc[weighted[-1], "cond"] = False
    return df


def _statistic(design, kind: str, by: str | None, output: str = "frame"):
    if kind == "total":
        return design.total("y", by=by, output=output)
    if kind == "mean":
        return design.mean("y", by=by, output=output)
    if kind == "ratio":
        return design.ratio("y", "x", by=by, output=output)
    return design.proportion("b", by=by, output=output)


def _same(a: float, b: float, what: str) -> None:
    if math.isnan(a) or math.isnan(b):
        assert math.isnan(a) and math.isnan(b), what
    else:
        assert a == pytest.approx(b, rel=1e-9, abs=1e-9), what


def _check(design, kind: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            domain = _statistic(design, kind, "cond", output="estimates")[True]
        except Exception as by_error:  # both paths must refuse alike
            with pytest.raises(type(by_error)):
                _statistic(design.subset(design.data["cond"]), kind, None)
            return
        subset = _statistic(design.subset(design.data["cond"]), kind, None)
    for attr in ("value", "std_error", "lower", "upper"):
        _same(getattr(domain, attr), getattr(subset, attr), f"{kind} {attr}")
    assert domain.details["n_observed"] == subset.details["n_observed"]
    assert domain.details["degf"] == subset.details["degf"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    samples(),
    st.sampled_from(["remove", "certainty", "average", "adjust"]),
    st.booleans(),
    st.booleans(),
)
def test_subset_equals_the_domain_on_taylor_designs(df, lonely, adjust_domain, fpc):
    design = SurveyDesign(
        df,
        weights="w",
        strata="stratum",
        clusters="psu",
        fpc="fpc" if fpc else None,
        lonely_psu=lonely,
        adjust_domain_lonely=adjust_domain,
    )
    for kind in STATISTICS:
        _check(design, kind)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(samples(), st.sampled_from(["jk1", "jkn", "bootstrap"]))
def test_subset_equals_the_domain_on_replicate_designs(df, kind):
    design = SurveyDesign(
        df, weights="w", strata="stratum" if kind != "jk1" else None, clusters="psu",
        lonely_psu="remove",
    )  # fmt: skip
    if design.n_psu < 2:
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            replicate = design.replicate(kind, 20 if kind == "bootstrap" else None, seed=1)
        except DataError:  # no replicates to build (every stratum a lonely PSU, say)
            return
    for statistic in STATISTICS:
        _check(replicate, statistic)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(samples(), st.sampled_from(["jk1", "bootstrap"]))
def test_a_subset_stays_a_subset_when_its_design_is_replicated(df, kind):
    # subset-then-replicate once estimated the whole sample (the subset was dropped)
    design = SurveyDesign(df, weights="w", clusters="psu")
    if design.n_psu < 2 or not (df["cond"] & (df["w"] > 0)).any():
        return
    first_subset = design.subset(df["cond"]).replicate(kind, 20, seed=1)
    first_replicate = design.replicate(kind, 20, seed=1).subset(df["cond"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for kind_ in STATISTICS:
            try:
                expected = _statistic(first_replicate, kind_, None)
            except DataError:
                continue
            got = _statistic(first_subset, kind_, None)
            for attr in ("value", "std_error"):
                _same(getattr(expected, attr), getattr(got, attr), f"{kind_} {attr}")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(samples(), st.sampled_from(["overton", "hartley-rao", "poisson"]))
def test_subset_equals_the_domain_on_pps_designs(df, method):
    units = df.drop_duplicates("psu")
    if len(units) < 3:
        return
    pi = np.linspace(0.2, 0.9, len(units))
    df = df.assign(pi=df["psu"].map(dict(zip(units["psu"], pi, strict=True))))
    design = PPSDesign(df, probs="pi", clusters="psu", strata="stratum", method=method)
    for kind in STATISTICS:
        _check(design, kind)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2**32 - 1), st.sampled_from([0.2, 0.5, 0.8]))
def test_subset_equals_the_domain_on_two_phase_designs(seed, share):
    design = TwoPhaseDesign(
        twophase_sample(), "in2", strata2="screen", strata1="region2", fpc1="N2"
    )
    cond = np.random.default_rng(seed).random(len(design.data)) < share
    design = design.with_columns(cond=cond, b=design.data["victim"], y=design.data["hours"],
                                 x=design.data["age"])  # fmt: skip
    for kind in STATISTICS:
        _check(design, kind)
