"""Teaching example: is the resistant line really less sensitive, and by how much?

Question: the study reports that sorafenib-resistant Huh7 cells need ~2.3x the dose of parental cells to
lose half their viability. How do we estimate that ratio, its uncertainty, and test it with the right n?

Run: python examples/ic50_parental_vs_resistant.py
"""

import assaystats

df = assaystats.datasets.load("sorafenib_ic50")
huh7 = df[df.line.isin(["Huh7-P", "Huh7-R"])]

res = assaystats.doseresponse.fit(huh7, dose="dose_uM", response="viability", group="line",
                                  replicate="experiment", compare=[("Huh7-R", "Huh7-P")], dose_unit="uM")

print("1. One curve per line (all wells pooled):")
print(res.fits[["group", "ic50", "ic50_ci_low", "ic50_ci_high", "hill", "flag"]].to_string(index=False))

c = res.comparisons.iloc[0]
print(f"\n2. Resistance index Huh7-R / Huh7-P = {c.ratio:.2f} (95% CI {c.ci_low:.2f} to {c.ci_high:.2f}); "
      f"F test of a shared log IC50: F = {c.f_stat:.1f}, p = {c.p_value:.2g}")
print("   This p value counts wells as independent: too optimistic when experiments differ.")

r = res.replicate_comparisons.iloc[0]
print(f"\n3. With the experiment as the unit ({r.test}, n = {r.n_group} experiments): "
      f"ratio {r.ratio:.2f} (95% CI {r.ci_low:.2f} to {r.ci_high:.2f}), p = {r.p_value:.2g}")
print("   Report this one: three experiments are three observations, however many wells each had.")
