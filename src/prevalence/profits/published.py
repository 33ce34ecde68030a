"""The ILO's published profit figures and their arithmetic, reproduced from the published inputs.

Sources: ILO (2014), *Profits and Poverty: The Economics of Forced Labour*, Geneva (victims
from the ILO 2012 Global Estimate of Forced Labour); ILO (2024), *Profits and Poverty: The
Economics of Forced Labour*, second edition, Geneva (victims from the Global Estimates of
Modern Slavery 2021). Neither publishes intervals. The inputs are published rounded (victims
to 0.1 million, profits per victim to the dollar or the hundred dollars, totals to US$0.1 or
1 billion), so a reproduction is exact only up to that rounding: :func:`reproduce_published`
computes each total from the rounded inputs together with the range the rounding allows, and
checks that the published figure lies in it.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["PUBLISHED", "reproduce_published"]

#: Published inputs and totals. ``victims`` in people (rounded to ``victims_rounding``),
#: ``per_victim`` in US$ a year (rounded to ``per_victim_rounding``), totals in US$ billion
#: (rounded to ``total_rounding``).
PUBLISHED: dict[int, dict] = {
    2024: {
        "currency": "USD",
        "year": 2021,
        "types": {
            "forced commercial sexual exploitation": {"victims": 6.3e6, "per_victim": 27_252},
            "other privately imposed forced labour": {"victims": 17.3e6, "per_victim": 3_687},
        },
        "victims_rounding": 0.1e6,
        "per_victim_rounding": 1.0,
        "total": 236.0,
        "total_rounding": 1.0,
        "share_sexual": 0.73,
        "share_rounding": 0.01,
        "regions": {
            "Europe and Central Asia": 84.0,
            "Asia and the Pacific": 62.0,
            "Americas": 52.0,
            "Africa": 20.0,
            "Arab States": 18.0,
        },
    },
    2014: {
        "currency": "USD",
        "year": 2012,
        "types": {
            "forced commercial sexual exploitation": {"victims": 4.5e6, "per_victim": 21_800},
        },
        "victims_rounding": 0.1e6,
        "per_victim_rounding": 100.0,
        "sexual_total": 99.0,
        "sexual_total_rounding": 1.0,
        # forced labour exploitation is published by sector only (US$ billion)
        "labour_sectors": {
            "construction, manufacturing, mining and utilities": 34.0,
            "agriculture, forestry and fishing": 9.0,
            "domestic work": 8.0,
        },
        "labour_total": 51.2,
        "total": 150.2,
        "total_rounding": 0.1,
    },
}


def _range(victims: float, per_victim: float, dv: float, dp: float) -> tuple[float, float]:
    """Product of two rounded positive numbers: the value and the range rounding allows (US$ bn)."""
    lo = (victims - dv / 2) * (per_victim - dp / 2) / 1e9
    hi = (victims + dv / 2) * (per_victim + dp / 2) / 1e9
    return lo, hi


def reproduce_published(edition: int) -> pd.DataFrame:
    """Each published total computed from the published inputs, with the rounding range.

    Columns: ``quantity``, ``computed`` (from the rounded inputs), ``low`` and ``high`` (the
    range the inputs' rounding allows), ``published`` and its rounding, and ``consistent``:
    the published figure, widened by its own rounding, overlaps the range.

    Examples
    --------
    >>> t = reproduce_published(2024)
    >>> row = t.set_index("quantity").loc["total (US$ bn)"]
    >>> float(row["computed"]), float(row["published"]), bool(row["consistent"])
    (235.473, 236.0, True)
    """
    if edition not in PUBLISHED:
        raise ValueError(f"edition must be one of {sorted(PUBLISHED)}, got {edition!r}")
    p = PUBLISHED[edition]
    dv, dp = p["victims_rounding"], p["per_victim_rounding"]
    rows = []

    def add(
        quantity: str, computed: float, lo: float, hi: float, published: float, rnd: float
    ) -> None:
        rows.append(
            {
                "quantity": quantity,
                "computed": round(computed, 3),
                "low": lo,
                "high": hi,
                "published": published,
                "published_rounding": rnd,
                "consistent": bool(lo <= published + rnd / 2 and published - rnd / 2 <= hi),
            }
        )

    parts = {}
    for name, t in p["types"].items():
        value = t["victims"] * t["per_victim"] / 1e9
        parts[name] = (value, *_range(t["victims"], t["per_victim"], dv, dp))
    sexual = parts["forced commercial sexual exploitation"]
    if edition == 2024:
        value, low, high = (sum(x[i] for x in parts.values()) for i in range(3))
        add("total (US$ bn)", value, low, high, p["total"], p["total_rounding"])
        # share of sexual exploitation: extremes at the ends of each part's range
        other = parts["other privately imposed forced labour"]
        share = sexual[0] / value
        lo = sexual[1] / (sexual[1] + other[2])
        hi = sexual[2] / (sexual[2] + other[1])
        add("share of sexual exploitation", share, lo, hi, p["share_sexual"], p["share_rounding"])
        regions = sum(p["regions"].values())
        n = len(p["regions"])
        add(
            "sum of the regional totals (US$ bn)",
            regions,
            regions - n / 2,
            regions + n / 2,
            p["total"],
            p["total_rounding"],
        )
    else:
        add("sexual exploitation (US$ bn)", *sexual, p["sexual_total"], p["sexual_total_rounding"])
        sectors = sum(p["labour_sectors"].values())
        n = len(p["labour_sectors"])
        add(
            "forced labour exploitation, sum of sectors (US$ bn)",
            sectors,
            sectors - n / 2,
            sectors + n / 2,
            p["labour_total"],
            0.1,
        )
        total = p["sexual_total"] + p["labour_total"]
        add(
            "total = sexual + labour exploitation (US$ bn)",
            total,
            total - p["sexual_total_rounding"] / 2 - 0.05,
            total + p["sexual_total_rounding"] / 2 + 0.05,
            p["total"],
            p["total_rounding"],
        )
    return pd.DataFrame(rows)
