"""Which questionnaire items make which part of the ICLS 2018 forced labour definition.

A mapping names, for each dimension of the definition, the questionnaire columns whose "yes"
makes it. The 20th International Conference of Labour Statisticians (ICLS, 2018, *Guidelines
concerning the measurement of forced labour*) defines forced labour as work that is both
*involuntary* (without the worker's free and informed consent) and exacted under *threat or
menace of penalty* (coercion), performed during the reference period; it lists the
circumstances of each, and the dimensions here follow that list. Forced labour of children,
state-imposed forced labour and forced commercial sexual exploitation are reported
separately, so the mapping also names the columns that tell them apart.

:data:`ICLS_2018_MAPPING` is the default: one item per circumstance the guidelines list, named
after it (``recruit_deceived``, ``documents_retained``...). A survey asks each circumstance in
its own words and often in several questions; adapting the mapping means listing those
questions' columns under the dimension they measure (a TOML or JSON file, read by
:meth:`ForcedLabourMapping.from_file`), or renaming the columns to the default names.

Examples
--------
>>> m = ICLS_2018_MAPPING
>>> sorted(m.involuntary)
['impossibility_of_leaving', 'unfree_recruitment', 'work_and_life_under_duress']
>>> m.adult_age
18
>>> custom = m.with_items(coercion={"threats_and_violence": ["q21", "q22"]})
>>> custom.coercion["threats_and_violence"]
('q21', 'q22')
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ..core.errors import DataError

__all__ = ["CONTEXT_ROLES", "ForcedLabourMapping", "ICLS_2018_MAPPING"]

#: The yes/no context items a mapping may name, besides the dimensions and the worst forms.
CONTEXT_ROLES = (
    "in_reference_period",
    "state_imposed",
    "commercial_sexual_exploitation",
    "coercion_by_parents_only",
    "parent_in_forced_labour",
)

Answer = str | int | float | bool


class ForcedLabourMapping(BaseModel):
    """Questionnaire columns for each dimension of the ICLS 2018 forced labour definition.

    Parameters
    ----------
    name : str
        What the mapping is for (shown in traces and reports).
    involuntary : dict of dimension -> item columns
        Circumstances of involuntary work (unfree recruitment; work and life under duress;
        impossibility of leaving the employer). A "yes" to any item makes the work
        involuntary.
    coercion : dict of dimension -> item columns
        Means of coercion (threats and violence; restriction of movement; debt bondage;
        withholding of wages; retention of documents; abuse of vulnerability).
    age : str
        Column of the respondent's age in years (at the time of the work).
    adult_age : int
        Age from which the adult definition applies (18).
    in_reference_period : str
        Yes/no column: the work took place during the reference period.
    state_imposed : str, optional
        Yes/no column: the work was imposed by state authorities (reported separately).
    commercial_sexual_exploitation : str, optional
        Yes/no column: the work was commercial sexual exploitation (reported separately; for
        a child it is forced labour whatever the other answers).
    coercion_by_parents_only : str, optional
        Yes/no column, children: every means of coercion was applied by the child's own
        parents (forced labour of children requires a third party's coercion, on the child
        or the parents).
    parent_in_forced_labour : str, optional
        Yes/no column, children: the child worked with or for parents who are themselves in
        forced labour.
    worst_forms : list of str
        Yes/no columns, children: work in a worst form of child labour that counts as forced
        labour of children (sale and trafficking, illicit activities, armed conflict).
    yes, no : lists
        The answers read as yes and as no (case-insensitive for text); any other non-missing
        answer is an error naming the column and row.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    involuntary: dict[str, tuple[str, ...]]
    coercion: dict[str, tuple[str, ...]]
    age: str = "age"
    adult_age: int = Field(18, ge=1, le=30)
    in_reference_period: str = "worked_in_reference_period"
    state_imposed: str | None = None
    commercial_sexual_exploitation: str | None = None
    coercion_by_parents_only: str | None = None
    parent_in_forced_labour: str | None = None
    worst_forms: tuple[str, ...] = ()
    yes: tuple[Answer, ...] = ("yes", "y", "1", 1, True)
    no: tuple[Answer, ...] = ("no", "n", "0", 0, False)

    @field_validator("involuntary", "coercion")
    @classmethod
    def _non_empty(cls, value: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        if not value:
            raise ValueError("needs at least one dimension")
        for dim, items in value.items():
            if not items:
                raise ValueError(f"dimension {dim!r} lists no item")
        return value

    def items(self) -> dict[str, str]:
        """Every yes/no item column and its role (``involuntary:<dimension>``,
        ``coercion:<dimension>``, or the context it gives)."""
        out: dict[str, str] = {}
        for part, dims in (("involuntary", self.involuntary), ("coercion", self.coercion)):
            for dim, cols in dims.items():
                for c in cols:
                    out[c] = f"{part}:{dim}"
        for role in CONTEXT_ROLES:
            col = getattr(self, role)
            if col is not None:
                out[col] = role
        for c in self.worst_forms:
            out[c] = "worst_form"
        return out

    def with_items(self, **changes: Any) -> ForcedLabourMapping:
        """A copy with some fields replaced; ``involuntary`` and ``coercion`` given as dicts
        replace only the dimensions they name."""
        data = self.model_dump()
        for part in ("involuntary", "coercion"):
            if part in changes:
                data[part] = {**data[part], **changes.pop(part)}
        data.update(changes)
        return _validated(data, "with_items")

    @classmethod
    def from_file(cls, path: str | Path) -> ForcedLabourMapping:
        """Read a mapping from a TOML or JSON file (the fields of this class). The default's
        fields are taken for what the file leaves out, and its ``involuntary`` and
        ``coercion`` tables replace only the dimensions they name, so that a file can list
        only what differs; ``replace_dimensions = true`` makes them replace the default's
        dimensions entirely."""
        p = Path(path)
        try:
            text = p.read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise DataError(f"cannot read the mapping file {str(p)!r}: {exc}") from None
        try:
            raw = json.loads(text) if p.suffix.lower() == ".json" else tomllib.loads(text)
        except (json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
            raise DataError(f"mapping file {str(p)!r} is not valid: {exc}") from None
        if not isinstance(raw, dict):
            raise DataError(f"mapping file {str(p)!r} must hold a table of fields")
        base = ICLS_2018_MAPPING.model_dump()
        if not raw.pop("replace_dimensions", False):
            for part in ("involuntary", "coercion"):
                if isinstance(raw.get(part), dict):
                    raw[part] = {**base[part], **raw[part]}
        return _validated({**base, **raw}, f"mapping file {str(p)!r}")


def _validated(data: dict[str, Any], where: str) -> ForcedLabourMapping:
    try:
        return ForcedLabourMapping.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(x) for x in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise DataError(f"{where}: {problems}") from None


#: The default: one item per circumstance the ICLS 2018 guidelines list, named after it.
ICLS_2018_MAPPING = ForcedLabourMapping(
    name="ICLS 2018 forced labour (one item per circumstance)",
    involuntary={
        "unfree_recruitment": (
            "born_into_bondage",
            "recruit_forced",
            "recruit_deceived",
        ),
        "work_and_life_under_duress": (
            "job_different_than_agreed",
            "forced_overtime",
            "hazardous_without_consent",
            "very_low_or_no_wages",
            "degrading_living_conditions",
            "work_for_other_employers",
            "work_longer_than_agreed",
        ),
        "impossibility_of_leaving": ("cannot_leave_employer",),
    },
    coercion={
        "threats_and_violence": ("threats_or_violence", "threats_to_family"),
        "restriction_of_movement": ("movement_restricted",),
        "debt_bondage": ("debt_manipulated",),
        "withholding_of_wages": ("wages_withheld",),
        "retention_of_documents": ("documents_retained",),
        "abuse_of_vulnerability": ("threat_of_dismissal_or_denunciation",),
    },
    age="age",
    in_reference_period="worked_in_reference_period",
    state_imposed="imposed_by_state",
    commercial_sexual_exploitation="commercial_sexual_exploitation",
    coercion_by_parents_only="coercion_by_parents_only",
    parent_in_forced_labour="parent_in_forced_labour",
    worst_forms=("child_trafficked", "child_in_illicit_activities", "child_in_armed_conflict"),
)
