"""Bench-assay group comparisons, qPCR and NanoString panels (issue 4; not implemented yet)."""

__all__: list[str] = []
