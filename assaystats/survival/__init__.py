"""Kaplan-Meier, log-rank, Cox and cut-points (issue 5; not implemented yet)."""

__all__: list[str] = []
