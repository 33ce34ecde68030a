"""Shared by the linkage tests: the holders' secret and the identifying columns of the
synthetic case lists."""

from __future__ import annotations

SECRET = "correct horse battery staple 2026, shared by the holders"
FIELDS = dict(
    record_id="record_id",
    given_name="given_name",
    family_name="family_name",
    date_of_birth="date_of_birth",
    sex="sex",
)
