import os
import tempfile
from pathlib import Path


import matplotlib
import pytest
from hypothesis import settings
from hypothesis.configuration import set_hypothesis_home_dir

# hypothesis keeps caches (constants of the code under test) in a storage folder: outside the checkout
set_hypothesis_home_dir(os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY",
                                       str(Path(tempfile.gettempdir()) / "assaystats-hypothesis")))

# hypothesis: deterministic (the same cases every run, in CI and here) and no example database written into the tree
settings.register_profile("assaystats", derandomize=True, database=None, print_blob=True)
settings.load_profile("assaystats")

matplotlib.use("Agg")
os.environ.setdefault("MPLBACKEND", "Agg")

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "tests" / "reference"
SHARED = ROOT.parent / "shared"


@pytest.fixture
def sorafenib():
    from assaystats import datasets

    return datasets.load("sorafenib_ic50")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")
