"""Exceptions and warnings shared by every estimator.

Bad input raises :class:`DataError` (a :class:`ValueError`) with a message that
names the column and row at fault; a model that cannot be fitted raises
:class:`EstimationError` saying why. Fits that succeed with caveats emit an
:class:`EstimationWarning`, and the same text is kept in ``Estimate.warnings``.
"""

from __future__ import annotations

__all__ = ["DataError", "DataWarning", "EstimationError", "EstimationWarning"]


class DataError(ValueError):
    """The input data are unusable as given (the message says where and why)."""


class EstimationError(RuntimeError):
    """The requested model cannot be fitted to these data (the message says why)."""


class EstimationWarning(UserWarning):
    """A fit succeeded, but its result comes with a caveat worth reading."""


class DataWarning(UserWarning):
    """The input was usable but was changed on the way in (for example a list that caught nobody was dropped)."""
