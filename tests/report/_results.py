"""Small real Results from the bundled data, shared by the report tests (PDF, browser)."""

#: a group name that is HTML: it must show as text and run nothing
EVIL = "<img src=x onerror=alert(1)>"


def compare_result(evil: bool = False, name: str = EVIL):
    """The flow-cytometry comparison of four lines; with ``evil``, the line Hep3B-R is renamed ``name``."""
    from assaystats import assays, datasets

    df = datasets.load("lcsc_flow")
    if evil:
        df = df.assign(line=df["line"].replace({"Hep3B-R": name}))
    return assays.compare(df, value="pct_epcam_cd133", group="line", replicate="experiment", posthoc="holm-sidak")


def qpcr_result():
    from assaystats import assays, datasets

    return assays.qpcr(datasets.load("zfas1_qpcr"), reference_genes=["GAPDH", "ACTB"], control="siCtrl")


def survival_result():
    from assaystats import datasets, survival

    return survival.analyze(datasets.load("lihc_cohort"), time="os_months", event="os_event", expression="ZFAS1",
                            cutoff="median", time_unit="months")


def doseresponse_result():
    from assaystats import datasets, doseresponse

    return doseresponse.fit(datasets.load("sorafenib_ic50"), dose="dose_uM", response="viability", group="line")
