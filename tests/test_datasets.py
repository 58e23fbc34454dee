"""Bundled data named as example:NAME or example:FOLDER/FILE."""

import pytest

from assaystats import datasets
from assaystats.cli import main
from assaystats.errors import AssayDataError


def test_every_dataset_loads_and_has_provenance():
    for name in datasets.DATASETS:
        p = datasets.resolve(f"example:{name}")
        assert p == datasets.path(name) and p.exists()
        assert len(datasets.describe(name)) > 100


def test_files_and_folders_inside_the_bundled_data():
    assert datasets.resolve("example:lihc_cohort/clinical.csv").name == "clinical.csv"
    assert datasets.resolve("example:scrna_sim/P").is_dir()


@pytest.mark.parametrize("spec, words", [
    ("example:lihc_cohort/nope.csv", ["lihc_cohort/nope.csv", "clinical.csv"]),
    ("example:../pyproject.toml", ["outside the bundled data"]),
    ("example:nope", ["no bundled data set 'nope'", "sorafenib_ic50"]),
])
def test_bad_example_names(spec, words):
    with pytest.raises(AssayDataError) as e:
        datasets.resolve(spec)
    assert all(w in str(e.value) for w in words)


def test_command_reads_a_file_of_the_bundled_data(tmp_path, capsys):
    out = tmp_path / "o"
    code = main(["expression", "example:lihc_expression", "--clinical", "example:lihc_cohort/clinical.csv",
                 "--gene", "ZFAS1", "--by", "grade", "--out", str(out), "--quiet"])
    assert code == 0 and (out / "report.html").exists()
    code = main(["expression", "example:lihc_expression", "--clinical", "example:lihc_cohort/missing.csv",
                 "--gene", "ZFAS1", "--by", "grade", "--out", str(tmp_path / "p"), "--quiet"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "missing.csv" in err[0] and not (tmp_path / "p").exists()
