"""ICLS 2018 forced labour classification: hand-classified respondents covering every rule.

Each case's expected classification was worked out by hand from the ICLS 2018 guidelines
(adults: involuntary and under coercion in the reference period; children: third-party
coercion, a parent in forced labour, or a worst form; state-imposed and forced commercial
sexual exploitation reported apart), not produced by the code.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from prevalence.core.errors import DataError, DataWarning
from prevalence.definitions import (
    ICLS_2018_MAPPING,
    INDICATORS,
    ForcedLabourMapping,
    classify_forced_labour,
)

ITEMS = list(ICLS_2018_MAPPING.items())

# case: (age, in period, answers "yes", answers missing) ->
#   (forced_labour, adults, children, state, forced CSE, exploitation, rule starts with)
CASES = {
    "adult deceived and documents kept": (
        34, "yes", {"recruit_deceived", "documents_retained"}, set(),
        (1, 1, 0, 0, 0, 1), "adult: involuntary and under coercion",
    ),
    "adult involuntary without coercion": (
        40, "yes", {"forced_overtime", "very_low_or_no_wages"}, set(),
        (0, 0, 0, 0, 0, 0), "adult: involuntary without coercion",
    ),
    "adult coercion without involuntariness": (
        29, "yes", {"threats_or_violence"}, set(),
        (0, 0, 0, 0, 0, 0), "adult: coercion without involuntariness",
    ),
    "adult both, outside the reference period": (
        51, "no", {"recruit_forced", "movement_restricted"}, set(),
        (0, 0, 0, 0, 0, 0), "not forced labour: the work was outside the reference period",
    ),
    "adult neither": (
        23, "yes", set(), set(),
        (0, 0, 0, 0, 0, 0), "adult: neither involuntary nor under coercion",
    ),
    "adult both, imposed by the state": (
        45, "yes", {"cannot_leave_employer", "threats_or_violence", "imposed_by_state"}, set(),
        (1, 1, 0, 1, 0, 0), "adult: involuntary and under coercion",
    ),
    "adult both, commercial sexual exploitation": (
        22, "yes", {"recruit_deceived", "debt_manipulated", "commercial_sexual_exploitation"},
        set(), (1, 1, 0, 0, 1, 0), "adult: involuntary and under coercion",
    ),
    "adult commercial sex without coercion": (
        26, "yes", {"commercial_sexual_exploitation", "degrading_living_conditions"}, set(),
        (0, 0, 0, 0, 0, 0), "adult: involuntary without coercion",
    ),
    "age 18 is an adult: coercion alone is not enough": (
        18, "yes", {"wages_withheld"}, set(),
        (0, 0, 0, 0, 0, 0), "adult: coercion without involuntariness",
    ),
    "child (17) coerced by a third party": (
        17, "yes", {"wages_withheld"}, set(),
        (1, 0, 1, 0, 0, 1), "child: forced labour of children (coercion by a third party)",
    ),
    "child coerced by the parents only": (
        12, "yes", {"threats_or_violence", "coercion_by_parents_only"}, set(),
        (0, 0, 0, 0, 0, 0), "child: coercion by the parents only",
    ),
    "child working for parents in forced labour": (
        10, "yes", {"parent_in_forced_labour"}, set(),
        (1, 0, 1, 0, 0, 1), "child: forced labour of children (parent in forced labour)",
    ),
    "child trafficked (worst form)": (
        14, "yes", {"child_trafficked"}, set(),
        (1, 0, 1, 0, 0, 1), "child: forced labour of children (worst form: child_trafficked)",
    ),
    "child in commercial sexual exploitation": (
        16, "yes", {"commercial_sexual_exploitation"}, set(),
        (1, 0, 1, 0, 1, 0),
        "child: forced labour of children (commercial sexual exploitation of a child)",
    ),
    "child involuntary without coercion": (
        15, "yes", {"forced_overtime", "recruit_deceived"}, set(),
        (0, 0, 0, 0, 0, 0), "child: no third-party coercion",
    ),
    "child coerced, outside the reference period": (
        13, "no", {"documents_retained", "child_in_armed_conflict"}, set(),
        (0, 0, 0, 0, 0, 0), "not forced labour: the work was outside the reference period",
    ),
    "child in state-imposed forced labour": (
        16, "yes", {"threats_or_violence", "imposed_by_state"}, set(),
        (1, 0, 1, 1, 0, 0), "child: forced labour of children (coercion by a third party)",
    ),
    "adult coerced, involuntariness unanswered": (
        30, "yes", {"threats_to_family"}, {"recruit_deceived"},
        # not state-imposed and not commercial sex whatever the answer: those are settled
        (None, None, 0, 0, 0, None), "undetermined",
    ),
    "adult coerced, one involuntary yes settles an unanswered other": (
        30, "yes", {"threats_to_family", "forced_overtime"}, {"recruit_deceived"},
        (1, 1, 0, 0, 0, 1), "adult: involuntary and under coercion",
    ),
    "adult unanswered involuntariness, no coercion: settled as not forced": (
        30, "yes", set(), {"recruit_deceived"},
        (0, 0, 0, 0, 0, 0), "adult: neither",
    ),
}  # fmt: skip


def _answers() -> pd.DataFrame:
    rows = []
    for age, period, yes, blank, _, _ in CASES.values():
        row = {c: ("yes" if c in yes else "no") for c in ITEMS}
        for c in blank:
            row[c] = None
        row["age"] = age
        row["worked_in_reference_period"] = period
        rows.append(row)
    return pd.DataFrame(rows, index=list(CASES))


def _classify(**kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        return classify_forced_labour(_answers(), **kw)


@pytest.mark.parametrize("case", list(CASES))
def test_hand_classified_respondents(case):
    result = _classify()
    expected, rule = CASES[case][4], CASES[case][5]
    got = result.indicators.loc[case, list(INDICATORS[:6])].tolist()
    assert [None if pd.isna(v) else int(v) for v in got] == list(expected)
    assert result.trace.loc[case, "rule"].startswith(rule), result.trace.loc[case, "rule"]


def test_categories_add_up_to_forced_labour():
    ind = _classify(missing="no").indicators
    parts = ind[["state_imposed", "forced_commercial_sexual_exploitation",
                 "forced_labour_exploitation"]].sum(axis=1)  # fmt: skip
    assert (parts == ind["forced_labour"]).all()
    assert (
        ind["forced_labour_adults"] + ind["forced_labour_children"] == ind["forced_labour"]
    ).all()


def test_trace_names_the_items_that_decided():
    result = _classify()
    trace = result.trace.loc["adult deceived and documents kept"]
    assert trace["involuntary_items"] == "unfree_recruitment: recruit_deceived"
    assert trace["coercion_items"] == "retention_of_documents: documents_retained"
    assert result.trace.loc["adult coerced, involuntariness unanswered", "unanswered"] == (
        "recruit_deceived"
    )
    assert result.indicators.loc["adult deceived and documents kept",
                                 "involuntary_unfree_recruitment"] == 1  # fmt: skip


def test_missing_counts_as_no_when_asked():
    result = _classify(missing="no")
    assert result.indicators.loc["adult coerced, involuntariness unanswered", "forced_labour"] == 0
    assert result.indicators["forced_labour"].notna().all()


def test_undetermined_respondents_are_warned():
    with pytest.warns(DataWarning, match="1 respondent.*undetermined"):
        classify_forced_labour(_answers())


def test_answer_codings_and_unasked_items():
    answers = pd.DataFrame(
        {"age": [30.0, 30.0], "worked_in_reference_period": [1, True],
         "recruit_deceived": ["YES", "Yes "], "documents_retained": [1.0, 0]}
    )  # fmt: skip
    with pytest.warns(DataWarning, match="not asked"):
        result = classify_forced_labour(answers)
    assert result.indicators["forced_labour"].tolist() == [1, 0]


def test_summary_counts():
    table = _classify().summary().set_index("indicator")
    assert table.loc["forced_labour", "undetermined"] == 1
    assert table.loc["forced_labour", "yes"] == sum(1 for c in CASES.values() if c[4][0] == 1)


def test_join_for_survey_prevalence():
    from prevalence.survey import SurveyDesign, SurveyPrevalence

    answers = _answers().drop(index="adult coerced, involuntariness unanswered")
    answers["w"] = np.arange(1, len(answers) + 1, dtype=float)
    answers["psu"] = np.arange(len(answers)) % 4
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        data = classify_forced_labour(answers).join(answers)
    data["forced_labour"] = data["forced_labour"].astype(int)
    est = SurveyPrevalence("forced_labour").fit(SurveyDesign(data, weights="w", clusters="psu"))
    expected = float((answers["w"] * data["forced_labour"]).sum() / answers["w"].sum())
    assert est.value == pytest.approx(expected)


def test_custom_mapping_from_a_file(tmp_path):
    path = tmp_path / "mapping.toml"
    path.write_text(
        'name = "national survey"\nage = "q1_age"\nin_reference_period = "q2_last12m"\n'
        '[coercion]\nthreats_and_violence = ["q31", "q32"]\n'
    )
    m = ForcedLabourMapping.from_file(path)
    assert m.coercion["threats_and_violence"] == ("q31", "q32")
    assert m.coercion["debt_bondage"] == ICLS_2018_MAPPING.coercion["debt_bondage"]
    answers = pd.DataFrame({"q1_age": [40], "q2_last12m": ["yes"], "recruit_forced": ["yes"],
                            "q31": ["no"], "q32": ["yes"]})  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        result = classify_forced_labour(answers, m)
    assert result.indicators["forced_labour"].tolist() == [1]
    assert result.trace["coercion_items"].tolist() == ["threats_and_violence: q32"]


def test_replacing_the_dimensions(tmp_path):
    path = tmp_path / "mapping.json"
    path.write_text(
        '{"name": "short form", "replace_dimensions": true,'
        ' "involuntary": {"any": ["inv"]}, "coercion": {"any": ["coe"]}}'
    )
    m = ForcedLabourMapping.from_file(path)
    assert list(m.involuntary) == ["any"] and list(m.coercion) == ["any"]


@pytest.mark.parametrize(
    "change, message",
    [
        ({"recruit_deceived": ["maybe"]}, r"column 'recruit_deceived'.*row 0.*'maybe'"),
        ({"age": [None]}, r"column 'age'.*without a valid age"),
        ({"age": ["thirty"]}, r"column 'age'"),
    ],
)
def test_bad_answers_named(change, message):
    answers = pd.DataFrame({"age": [30], "worked_in_reference_period": ["yes"],
                            "recruit_deceived": ["yes"], "documents_retained": ["no"]})  # fmt: skip
    for k, v in change.items():
        answers[k] = v
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        with pytest.raises(DataError, match=message):
            classify_forced_labour(answers)


def test_bad_inputs():
    with pytest.raises(DataError, match="lack the column"):
        classify_forced_labour(pd.DataFrame({"age": [30]}))
    with pytest.raises(DataError, match="none of the mapping's items"):
        classify_forced_labour(pd.DataFrame({"age": [30], "worked_in_reference_period": [1]}))
    with pytest.raises(DataError, match="no rows"):
        classify_forced_labour(pd.DataFrame())
    with pytest.raises(DataError, match="missing must be"):
        classify_forced_labour(_answers(), missing="maybe")
    with pytest.raises(DataError, match="dimension 'x' lists no item"):
        ICLS_2018_MAPPING.with_items(coercion={"x": []})
    with pytest.raises(DataError, match="not valid"):
        bad = ForcedLabourMapping.from_file
        import tempfile
        from pathlib import Path

        with tempfile.TemporaryDirectory() as d:
            p = Path(d) / "m.toml"
            p.write_text("name = ")
            bad(p)
