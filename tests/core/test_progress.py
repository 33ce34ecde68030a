"""Progress bars: tqdm where someone is watching, nothing in logs."""

from __future__ import annotations

import io

from prevalence.core import progress
from prevalence.core.progress import Progress


def test_bar_to_a_stream_counts_every_step():
    out = io.StringIO()
    with Progress(3, "bootstrap", enabled=True, stream=out) as bar:
        for _ in range(5):  # more updates than steps: capped at the total
            bar.update()
    text = out.getvalue()
    assert "bootstrap" in text and "3/3" in text
    assert bar.done == 3


def test_silent_off_a_terminal_and_on_in_a_notebook(monkeypatch):
    out = io.StringIO()  # not a terminal
    with Progress(2, "x", stream=out) as bar:
        bar.update(2)
    assert out.getvalue() == "" and not bar.enabled
    monkeypatch.setattr(progress, "_in_notebook", lambda: True)
    bar = Progress(2, "x", enabled=None)
    assert bar.enabled
    bar.close()
