"""Extract thunor's real screen hts007 and thunor's own fits of it (run with thunor installed; see README.md).

thunor 1.0.3 needs pandas >= 3, which the assaystats environment cannot have (lifelines and anndata need pandas < 3),
so this script runs in its own virtualenv:

    python -m venv /tmp/thunor-venv && /tmp/thunor-venv/bin/pip install thunor==1.0.3
    /tmp/thunor-venv/bin/python tests/reference/thunor/make_thunor_hts007.py

It writes, next to itself:
  hts007_viability_wells.csv  one row per drug-treated well: cell_line, drug, dose (M), plate, well_id, viability
                              (thunor.viability.viability: the cell count at the time point closest to 72 h over the
                              mean of the control wells of the same plate, cell line and time point)
  thunor_hts007_fits.csv      one row per (cell line, drug) and thunor model (fit_params with HillCurveLL4, its
                              default, and with HillCurveLL3u, its viability model with top fixed to 1): thunor's
                              reported IC50/EC50 (clipped to the tested range), Emax (fit at the top dose), AA, hill,
                              E0, Einf, and the unclipped IC50/EC50 of the fitted curve
"""

import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import thunor
from thunor.curve_fit import HillCurveLL3u, HillCurveLL4, fit_params
from thunor.io import read_hdf
from thunor.viability import viability

HERE = Path(__file__).resolve().parent


def main():
    path = os.path.join(os.path.dirname(thunor.__file__), "testdata", "hts007.h5")
    ds = read_hdf(path)
    via, ctrl = viability(ds)  # defaults: time_hrs=72, the proliferation assay, controls returned
    wells = via.reset_index()
    wells["drug"] = wells["drug"].map(lambda t: t[0])
    wells["dose"] = wells["dose"].map(lambda t: t[0])
    wells = wells[["cell_line", "drug", "dose", "plate", "well_id", "viability"]]
    wells = wells.sort_values(["cell_line", "drug", "dose", "well_id"], kind="stable").reset_index(drop=True)
    wells.to_csv(HERE / "hts007_viability_wells.csv", index=False, float_format="%.17g")

    rows = []
    for name, cls in (("LL4", HillCurveLL4), ("LL3u", HillCurveLL3u)):
        fp = fit_params(ctrl, via, fit_cls=cls)
        for (_, line, drug), r in fp.iterrows():
            fo = r["fit_obj"]
            fitted = fo is not None
            val = lambda v: np.nan if v is None else float(v)
            rows.append({
                "cell_line": line, "drug": drug, "thunor_model": name, "fitted": fitted,
                "ic50": val(r["ic50"]), "ec50": val(r["ec50"]), "emax": val(r["emax"]), "aa": val(r["aa"]),
                "hill": val(r["hill"]), "einf": val(r["einf"]),
                "e0": float(fo.e0) if fitted else np.nan,
                "ec50_unclipped": float(fo.ec50) if fitted else np.nan,
                "ic50_unclipped": val(fo.ic(50)) if fitted else np.nan,
                "min_dose": float(r["min_dose_measured"]), "max_dose": float(r["max_dose_measured"]),
                "emax_obs": float(r["emax_obs"]), "aa_obs": val(r["aa_obs"]),
                "thunor_version": thunor.__version__,
            })
    out = pd.DataFrame(rows)
    out.to_csv(HERE / "thunor_hts007_fits.csv", index=False, float_format="%.17g")
    print(f"thunor {thunor.__version__}, pandas {pd.__version__}, python {sys.version.split()[0]}: "
          f"{len(wells)} wells, {out.groupby('thunor_model').size().to_dict()} curves")


if __name__ == "__main__":
    main()
