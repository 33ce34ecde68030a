"""Progress bars for long runs (bootstrap, simulation studies, runs): tqdm, shown only where
someone is watching."""

from __future__ import annotations

import sys
from typing import Any, TextIO

__all__ = ["Progress"]


def _in_notebook() -> bool:
    """Whether the code runs in a Jupyter kernel (where stderr is not a terminal)."""
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return False
    shell = ipython.get_ipython()
    return shell is not None and "IPKernelApp" in getattr(shell, "config", {})


class Progress:
    """Progress over ``total`` steps with tqdm; silent unless enabled.

    ``enabled=None`` shows the bar on a terminal and in Jupyter (a widget when ipywidgets is
    installed, text otherwise: tqdm's auto mode), never in logs and CI output; ``True``
    forces it on and ``False`` off. ``stream`` writes a text bar there instead.

    Examples
    --------
    >>> with Progress(3, "bootstrap", enabled=False) as bar:
    ...     for _ in range(3):
    ...         bar.update()
    >>> bar.done
    3
    """

    def __init__(
        self,
        total: int,
        label: str = "",
        *,
        enabled: bool | None = None,
        stream: TextIO | None = None,
    ) -> None:
        self.total = max(int(total), 1)
        self.label = label
        self.done = 0
        if enabled is None:
            terminal = bool(getattr(stream or sys.stderr, "isatty", lambda: False)())
            enabled = terminal or (stream is None and _in_notebook())
        self.enabled = bool(enabled)
        self._bar: Any = None
        if self.enabled:
            self._bar = self._make_bar(stream)

    def _make_bar(self, stream: TextIO | None) -> Any:
        from importlib.util import find_spec

        if stream is None and _in_notebook() and find_spec("ipywidgets") is not None:
            from tqdm.auto import tqdm  # a Jupyter widget
        else:
            from tqdm import tqdm  # text (tqdm.auto would warn in Jupyter without ipywidgets)
        return tqdm(total=self.total, desc=self.label, file=stream, mininterval=0.1, leave=True)

    def update(self, n: int = 1) -> None:
        step = min(self.total, self.done + n) - self.done
        self.done += step
        if self._bar is not None and step:
            self._bar.update(step)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
