"""Public exceptions and warnings of assaystats.

Users catch :class:`AssayDataError` for bad inputs and filter :class:`FitWarning` /
:class:`AssayWarning` with the standard :mod:`warnings` machinery.
"""

from __future__ import annotations

__all__ = ["AssayDataError", "AssayWarning", "FitWarning", "OutputExistsError"]


class AssayDataError(ValueError):
    """A table or an argument cannot be analysed as given.

    The message names the file (when there is one), the column, the first offending rows
    and what was expected, so that it can be shown to a user as a single line.
    """

    def __init__(self, message: str, *, file: str | None = None, column: str | None = None,
                 rows: list[int] | None = None):
        self.file = file
        self.column = column
        self.rows = list(rows) if rows else []
        self.detail = message
        prefix = f"{file}: " if file else ""
        super().__init__(prefix + message)


class OutputExistsError(FileExistsError):
    """The output folder exists and ``force`` was not given."""


class AssayWarning(UserWarning):
    """Something in the data deserves the user's attention but does not stop the analysis."""


class FitWarning(AssayWarning):
    """A model fit is questionable (not converged, on a bound, ambiguous); see the ``flag`` column."""
