"""The package's shape (DESIGN.md): every Result class lives in a ``_result.py`` or ``_<analysis>_result.py`` module of
its subpackage and is exported by the subpackage."""

import importlib

import assaystats
from assaystats._result import Result


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_every_result_class_lives_in_a_result_module_and_is_public():
    for name in ("doseresponse", "assays", "survival", "correlates", "scrna"):
        importlib.import_module(f"assaystats.{name}")
    found = {c for c in _subclasses(Result) if c.__module__.startswith("assaystats.")}
    assert len(found) >= 9
    for cls in found:
        module = cls.__module__.rsplit(".", 1)[1]
        assert module == "_result" or module.endswith("_result"), (cls.__name__, cls.__module__)
        package = importlib.import_module(cls.__module__.rsplit(".", 1)[0])
        assert cls.__name__ in package.__all__, (cls.__name__, package.__name__)
    assert "Result" not in assaystats.__all__  # the protocol is internal; the subpackages export their results


def test_analysis_entry_points_are_typed():
    """The functions a script or lesson starts from have annotated data and return types (py.typed is shipped), so
    editors complete ``res.`` and check calls."""
    import inspect
    from pathlib import Path

    import assaystats
    from assaystats import assays, correlates, datasets, doseresponse, io, survival

    assert (Path(assaystats.__file__).parent / "py.typed").exists()
    for f in (doseresponse.fit, doseresponse.fit_many, doseresponse.screen, doseresponse.gr_metrics, assays.compare,
              assays.qpcr, assays.paired_genes, assays.nanostring, survival.analyze, correlates.coexpression,
              correlates.tumour_vs_normal, correlates.expression_by, datasets.load, io.read_table):
        sig = inspect.signature(f)
        assert sig.return_annotation is not inspect.Signature.empty, f.__name__
        first = next(iter(sig.parameters.values()))
        assert first.annotation is not inspect.Parameter.empty, f.__name__
