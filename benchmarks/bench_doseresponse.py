"""Speed of dose-response fitting against what a Python user would otherwise write, side by side.

Run:  python benchmarks/bench_doseresponse.py

Baselines (same process, same data):
- scipy.optimize.curve_fit with the LL.4 formula (point estimates + J'J covariance, no IC50 interval logic);
- lmfit.Model(...).fit() followed by lmfit's conf_interval() (its profile-likelihood intervals).
Measured: one curve (ryegrass, 24 points) with delta intervals and with profile intervals; a 384-well plate
(16 compounds x 12 doses x 2 wells) through fit() and through the whole command (tables, figures, report);
and `assaystats --help` start-up.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent


def best_of(fn, repeat=5, number=1):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - t) / number)
    return min(times)


def ll4(x, b, c, d, e):
    with np.errstate(divide="ignore", over="ignore"):
        return c + (d - c) / (1 + np.exp(b * (np.log(x) - np.log(e))))


def _drc_times(plate_csv):
    """Seconds per job in R drc, if Rscript with drc is installed here (not needed in CI)."""
    import shutil

    if not shutil.which("Rscript"):
        return None
    r = subprocess.run(["Rscript", str(ROOT / "benchmarks" / "bench_drc.R"), str(plate_csv)], capture_output=True,
                       text=True, cwd=ROOT)
    if r.returncode != 0:
        return None
    vals = [float(line.rsplit(":", 1)[1]) for line in r.stdout.splitlines() if ":" in line]
    return vals if len(vals) == 2 else None


def main():
    from scipy.optimize import curve_fit

    import lmfit
    from assaystats.doseresponse import fit
    from assaystats.doseresponse._estimates import ed_relative, interval
    from assaystats.doseresponse._fit import fit_curve
    from assaystats.doseresponse._models import get_model
    from assaystats.doseresponse._profile import profile_interval

    rg = pd.read_csv(ROOT / "data" / "ryegrass" / "ryegrass.csv")
    x, y = rg.conc.to_numpy(float), rg.rootl.to_numpy(float)
    rows = []

    def ours_delta():
        c = fit_curve(x, y, model=get_model("ll4"))
        est, se = ed_relative(c, 50)
        return interval(est, se, c.t_quantile(), "log")

    def scipy_cf():
        popt, pcov = curve_fit(ll4, x, y, p0=[1, 0.5, 8, 3])
        return popt, np.sqrt(np.diag(pcov))

    def ours_profile():
        c = fit_curve(x, y, model=get_model("ll4"))
        return [profile_interval(c, "param", p) for p in ("b", "c", "d", "le")]

    model = lmfit.Model(ll4)

    def lmfit_profile():
        r = model.fit(y, x=x, b=1, c=0.5, d=8, e=3)
        return lmfit.conf_interval(r, r, sigmas=[0.95])

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_ours = best_of(ours_delta, number=20)
        t_scipy = best_of(scipy_cf, number=20)
        t_prof = best_of(ours_profile, repeat=3)
        t_lmprof = best_of(lmfit_profile, repeat=3)
    rows.append(("one curve, IC50 + delta CI", t_ours, "scipy curve_fit (no CI)", t_scipy))
    rows.append(("one curve, profile CIs of 4 params", t_prof, "lmfit conf_interval", t_lmprof))

    # a 384-well plate: 16 compounds x 12 doses x 2 wells
    rng = np.random.default_rng(7)
    doses = np.r_[0, 0.01 * 3.0 ** np.arange(11)]
    plate = []
    for k in range(16):
        e = 10 ** rng.uniform(-1, 1.5)
        for d in doses:
            for w in range(2):
                plate.append((f"cmpd{k:02d}", d, ll4(np.array([d if d > 0 else 1e-300]), 1.2, 5, 100, e)[0]
                              + rng.normal(0, 4)))
    plate = pd.DataFrame(plate, columns=["compound", "dose", "signal"])

    def ours_plate():
        return fit(plate, dose="dose", response="signal", group="compound", compare="none")

    def scipy_plate():
        out = []
        for _g, sub in plate.groupby("compound"):
            xx = np.where(sub.dose > 0, sub.dose, 1e-300)
            out.append(curve_fit(ll4, xx, sub.signal, p0=[1, 0, 100, 1], maxfev=20000))
        return out

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_plate = best_of(ours_plate, repeat=3)
        t_scipy_plate = best_of(scipy_plate, repeat=3)
    rows.append(("384-well plate, fit() 16 curves", t_plate, "scipy curve_fit loop", t_scipy_plate))

    with tempfile.TemporaryDirectory() as tmp:
        f = Path(tmp) / "plate.csv"
        plate.to_csv(f, index=False)

        def cmd():
            out = Path(tmp) / "out"
            subprocess.run([sys.executable, "-m", "assaystats", "doseresponse", str(f), "--dose", "dose",
                            "--response", "signal", "--group", "compound", "--compare", "none", "--out", str(out),
                            "--force"], check=True, capture_output=True)

        t_cmd = best_of(cmd, repeat=3)
        drc = _drc_times(f)
    rows.append(("384-well plate, whole command + report", t_cmd, "", np.nan))
    if drc:
        rows.insert(1, ("one curve, IC50 + delta CI", t_ours, "R drc drm + ED (Rscript)", drc[0]))
        rows.insert(4, ("384-well plate, fit() 16 curves", t_plate, "R drc drm curveid + ED", drc[1]))

    t_help = best_of(lambda: subprocess.run([sys.executable, "-m", "assaystats", "--help"], check=True,
                                            capture_output=True), repeat=5)
    t_py = best_of(lambda: subprocess.run([sys.executable, "-c", "pass"], check=True), repeat=5)
    rows.append(("assaystats --help (process)", t_help, "python -c pass", t_py))

    print(f"{'task':42s} {'assaystats':>12s}   {'baseline':28s} {'baseline s':>11s} {'ratio':>7s}")
    for task, ours, base_name, base in rows:
        ratio = f"{base / ours:7.2f}" if np.isfinite(base) else "      -"
        base_s = f"{base:11.4f}" if np.isfinite(base) else "          -"
        print(f"{task:42s} {ours:12.4f}   {base_name:28s} {base_s} {ratio}")
    print("ratio = baseline time / assaystats time (> 1: assaystats is faster)")


if __name__ == "__main__":
    main()
