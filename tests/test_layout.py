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
