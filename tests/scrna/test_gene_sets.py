"""Gene sets of scrna.run reach the tables and figures (issue 10): the user's sets replace the bundled ones in every
figure; bundled sets without a gene in the data are skipped with a note, the user's are an error; symbols differing
only by case match, with a note; the run reports one progress line per step."""

import io

import numpy as np
import pytest

from assaystats import _progress
from assaystats.datasets import path as dpath
from assaystats.errors import AssayDataError

pytest.importorskip("scanpy")

SIM = dpath("scrna_sim").parent
BUNDLED_SETS = ("STEMNESS", "EMT", "NOTCH", "HYPOXIA")
# the genes the study's figures name (before issue 10 they were hard-coded in the plotting code)
STUDY_GENES = ("ZFAS1", "MKI67", "CD44", "PROM1", "EPCAM", "KRT19", "ALDH2", "VIM", "CDH2", "ZEB1", "NOTCH1", "NOTCH2",
               "NOTCH3", "HES1")
USER_GMT = ("REPLICATION_FORKS\tuser set one\tMCM4\tDTL\tRPA2\tCCNE2\tRRM2\n"
            "RESISTANCE_BLOCK\t\tRESIST01\tRESIST02\tRESIST03\tRESIST04\tRESIST05\tRESIST06\n"  # empty description
            "BACKGROUND_TRIO\tuser set three\tGENE001\tGENE007\tGENE013\tNOT_A_GENE\n")
USER_SETS = ("REPLICATION_FORKS", "RESISTANCE_BLOCK", "BACKGROUND_TRIO")


def _figure_texts(result) -> dict:
    import matplotlib.pyplot as plt
    from matplotlib.text import Text

    out = {}
    for name, make in result.figures().items():
        fig = make()
        out[name] = " | ".join(t.get_text() for t in fig.findobj(Text) if t.get_text())
        plt.close(fig)
    return out


@pytest.fixture(scope="module")
def user_run(tmp_path_factory):
    """A run with the user's GMT, under progress reporting with no delay: (result, the progress text, the file)."""
    from assaystats.scrna import run

    gmt = tmp_path_factory.mktemp("sets") / "my_sets.gmt"
    gmt.write_text(USER_GMT)
    buf = io.StringIO()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_progress, "DELAY_S", 0)
        with _progress.reporting(stream=buf):
            res = run({"P": str(SIM / "P"), "R": str(SIM / "R")}, reference="P", seed=0, gene_sets=str(gmt),
                      stability_seeds=0, tsne=False)
    return res, buf.getvalue(), gmt


def test_user_sets_replace_the_bundled_ones_in_the_tables(user_run):
    res, _progress_text, gmt = user_run
    assert list(res.meta["gene_sets"]) == list(USER_SETS)
    assert res.meta["gene_sets_source"] == str(gmt)
    assert res.meta["gene_set_genes"]["BACKGROUND_TRIO"] == ["GENE001", "GENE007", "GENE013"]
    assert res.meta["gene_set_genes"]["RESISTANCE_BLOCK"] == [f"RESIST0{i}" for i in range(1, 7)]
    cols = set(res.cells.columns)
    assert {f"score_{s}" for s in USER_SETS} <= cols
    assert not any(f"score_{s}" in cols for s in BUNDLED_SETS)
    gs = res.tables()["gene_sets"]
    assert list(gs["set"]) == list(USER_SETS) and gs["scored"].all() and (gs["source"] == str(gmt)).all()
    assert gs.set_index("set").loc["BACKGROUND_TRIO", ["n_genes", "n_in_data"]].tolist() == [4, 3]
    for name, df in res.tables().items():  # (de and markers list every gene, NOTCH1 among them)
        text = " ".join(map(str, df.columns))
        if name in ("gene_sets", "qc_summary", "cells"):
            text += " " + " ".join(df[c].astype(str).str.cat(sep=" ") for c in df.columns if df[c].dtype == object)
        for s in BUNDLED_SETS:
            assert s not in text, (name, s)
    assert isinstance(res.meta["notes"], list) and all(isinstance(n, str) for n in res.meta["notes"])
    assert "REPLICATION_FORKS" in res.methods() and "my_sets.gmt" in res.methods()
    assert "STEMNESS" not in res.methods()


def test_user_sets_reach_every_figure(user_run):
    res, _progress_text, _gmt = user_run
    spec = res.meta["figure_genes"]
    assert spec["study"] is False and spec["sets"] == list(USER_SETS)
    texts = _figure_texts(res)
    assert set(texts) == {"scrna_qc", "scrna_embedding", "scrna_heatmap", "scrna_dotplot", "scrna_scatter",
                          "scrna_volcano"}
    for s in USER_SETS:  # each set: its score in the embedding, its name in the heatmap's title
        assert f"{s} score" in texts["scrna_embedding"] and s in texts["scrna_heatmap"], s
    assert "REPLICATION_FORKS score" in texts["scrna_scatter"] and "RESISTANCE_BLOCK score" in texts["scrna_scatter"]
    for g in ("MCM4", "RESIST01", "GENE013"):
        assert g in texts["scrna_dotplot"] and g in texts["scrna_heatmap"], g
    for name, text in texts.items():
        for s in BUNDLED_SETS:
            assert s not in text, (name, s)
        if name != "scrna_volcano":  # the volcano names the data's top genes (ZFAS1 is planted)
            words = set(text.replace("|", " ").replace("(", " ").replace(")", " ").split())
            assert not words & set(STUDY_GENES), (name, words & set(STUDY_GENES))


def test_progress_lines_for_each_step(user_run):
    _res, text, _gmt = user_run
    lines = text.splitlines()
    assert all(line.startswith("assaystats: [") for line in lines)
    for step in ("reading the counts", "QC and doublet scores", "normalisation, PCA", "gene-set and cell-cycle scores",
                 "differential expression", "cluster markers", "candidate cells"):
        assert sum(step in line for line in lines) == 1, (step, text)


def test_no_progress_output_without_reporting(capsys):
    from assaystats.scrna import run

    # the check of the gene sets fails right after reading: quick, and nothing is printed on the way
    with pytest.raises(AssayDataError):
        run({"P": str(SIM / "P"), "R": str(SIM / "R")}, reference="P", gene_sets={"NOPE": ["FOO1"]})
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out == ""


def _mouse(name: str) -> str:
    """Mouse-style symbols: 'ZFAS1' -> 'Zfas1', 'MT-ND2' -> 'mt-Nd2'."""
    return "mt-" + name[3:].capitalize() if name.startswith("MT-") else name.capitalize()


@pytest.fixture(scope="module")
def mouse_run():
    """The simulation with mouse-style symbols and without the bundled hypoxia genes (a targeted panel)."""
    from assaystats.scrna import read_gene_sets, run
    from assaystats.scrna._io import read_sample

    hypoxia = {g.upper() for g in read_gene_sets()["HYPOXIA"]}
    samples = {}
    for s in ("P", "R"):
        a = read_sample(SIM / s, s)
        a.obs_names = [n.split("_", 1)[1] for n in a.obs_names]
        del a.obs["sample"]
        a = a[:, ~a.var_names.isin(list(hypoxia))].copy()
        a.var_names = [_mouse(g) for g in a.var_names]
        samples[s] = a
    assert "Zfas1" in samples["P"].var_names and "Vegfa" not in samples["P"].var_names
    return run(samples, reference="P", seed=0, stability_seeds=0, tsne=False)


def test_bundled_set_without_genes_is_skipped_with_a_note(mouse_run):
    res = mouse_run
    notes = res.meta["notes"]
    assert isinstance(notes, list) and all(isinstance(n, str) for n in notes)
    skipped = [n for n in notes if "'HYPOXIA'" in n]
    assert len(skipped) == 1 and "no gene in the data" in skipped[0] and "skipped" in skipped[0]
    assert list(res.meta["gene_sets"]) == ["STEMNESS", "EMT", "NOTCH"]
    assert "score_HYPOXIA" not in res.cells and {"score_STEMNESS", "score_EMT", "score_NOTCH"} <= set(res.cells)
    gs = res.gene_sets.set_index("set")
    assert not gs.loc["HYPOXIA", "scored"] and gs.loc["HYPOXIA", "n_in_data"] == 0
    assert res.cells.loc[res.cells.passed_qc, "score_NOTCH"].notna().all()


def test_symbols_differing_only_by_case_match_with_a_note(mouse_run):
    res = mouse_run
    notes = res.meta["notes"]
    stem = [n for n in notes if n.startswith("gene set 'STEMNESS'")]
    assert len(stem) == 1 and "only by case" in stem[0] and "CD44 as Cd44" in stem[0]
    assert any(n.startswith("cell-cycle genes") and "only by case" in n and "MCM5 as Mcm5" in n for n in notes)
    assert "Cd44" in res.meta["gene_set_genes"]["STEMNESS"]
    assert "CD44=Cd44" in res.gene_sets.set_index("set").loc["STEMNESS", "matched_by_case"].split()
    # the planted effects are still found under the mouse-style names
    kept = res.cells[res.cells.passed_qc]
    cyc = kept.groupby("sample")["phase"].apply(lambda s: (s != "G1").mean())
    assert cyc["P"] - cyc["R"] > 0.25
    spec = res.meta["figure_genes"]
    assert spec["study"] and spec["embedding"] == ["Mki67", "Zfas1"] and spec["scatter"] == ["Notch1", "Notch2"]
    assert "Zfas1" in spec["dotplot"] and "ZFAS1" not in spec["dotplot"]
    texts = _figure_texts(res)
    assert "scrna_notch_scatter" in texts and "Notch1 (log expression)" in texts["scrna_notch_scatter"]
    assert "Zfas1" in texts["scrna_embedding"] and "STEMNESS (S)" in texts["scrna_heatmap"]
    assert "HYPOXIA" not in texts["scrna_heatmap"]


def test_user_set_without_genes_names_the_file_and_the_set(tmp_path):
    from assaystats.scrna import run

    gmt = tmp_path / "panel.gmt"
    gmt.write_text("GOOD\tfine\tZFAS1\tMKI67\nMOUSE_ONLY\tnone of these\tFoo1\tBar2\n")
    with pytest.raises(AssayDataError) as err:
        run({"P": str(SIM / "P"), "R": str(SIM / "R")}, reference="P", gene_sets=str(gmt))
    msg = str(err.value)
    assert str(gmt) in msg and "gene set 'MOUSE_ONLY' has no gene in the data" in msg and "Foo1" in msg
    assert "GOOD" not in msg
    plain = tmp_path / "my_genes.txt"  # one gene per line: the set is named after the file
    plain.write_text("# my genes\nNOPE1\nNOPE2\n")
    with pytest.raises(AssayDataError, match="gene set 'my_genes' has no gene in the data") as err:
        run({"P": str(SIM / "P"), "R": str(SIM / "R")}, reference="P", gene_sets=str(plain))
    assert str(plain) in str(err.value)
    empty = tmp_path / "empty.gmt"
    empty.write_text("\n")
    with pytest.raises(AssayDataError, match="holds no gene set") as err:
        run({"P": str(SIM / "P"), "R": str(SIM / "R")}, reference="P", gene_sets=str(empty))
    assert str(empty) in str(err.value)
    with pytest.raises(AssayDataError, match="gene-set file not found"):
        run({"P": str(SIM / "P"), "R": str(SIM / "R")}, reference="P", gene_sets=str(tmp_path / "absent.gmt"))
    with pytest.raises(AssayDataError, match="highlight gene\\(s\\) 'NOPE9' not in the data"):
        run({"P": str(SIM / "P"), "R": str(SIM / "R")}, reference="P", highlight=["ZFAS1", "NOPE9"])


def test_match_sets_unit():
    from assaystats.scrna._sets import match_genes, match_sets

    var = ["Zfas1", "CD44", "Abc", "ABC", "Mki67"]
    found, by_case, ambiguous = match_genes(["ZFAS1", "cd44", "CD44", "aBc", "NONE"], var)
    assert found == ["Zfas1", "CD44"] and by_case == [("ZFAS1", "Zfas1"), ("cd44", "CD44")]
    assert ambiguous == ["aBc"]
    used, notes, table = match_sets({"A": ["ZFAS1", "MKI67", "CD44"], "B": ["XYZ"]}, var, bundled=True,
                                    source="the bundled study sets")
    assert used == {"A": ["CD44", "Mki67", "Zfas1"]}
    assert any("'B'" in n and "skipped" in n for n in notes)
    assert any("'A'" in n and "2 of 3 genes matched the data only by case" in n and "ZFAS1 as Zfas1" in n
               for n in notes)
    assert table["scored"].tolist() == [True, False]
    with pytest.raises(AssayDataError, match="gene set 'B' has no gene in the data") as err:
        match_sets({"A": ["ZFAS1"], "B": ["XYZ"]}, var, bundled=False, source="f.gmt", file="f.gmt")
    assert str(err.value).startswith("f.gmt: ")


def test_score_sets_matches_case_only_differences():
    import anndata as ad
    import pandas as pd
    import scipy.sparse as sp

    from assaystats.scrna import score_sets

    rng = np.random.default_rng(0)
    genes = [f"Gene{i}" for i in range(60)]
    a = ad.AnnData(X=sp.csr_matrix(rng.poisson(2.0, (40, 60)).astype(np.float32)),
                   var=pd.DataFrame(index=genes))
    b = a.copy()
    used = score_sets(a, {"S": ["GENE1", "GENE2", "GENE3"]}, seed=0)
    score_sets(b, {"S": ["Gene1", "Gene2", "Gene3"]}, seed=0)
    assert used == {"S": ["Gene1", "Gene2", "Gene3"]}
    assert np.allclose(a.obs["score_S"], b.obs["score_S"])
