"""The study report in a real browser (headless Chromium driven by Playwright with the system's browser: Debian's
``chromium`` package; Playwright's own browser download is not used).

A small study is run through the command (``assaystats run``) from bundled data plus a table whose group is named
``<img src=x onerror=alert(1)>``; the report must show every figure, land every contents link on its section, log
no console error, and show that group name as text without running it.
"""

import os
import shutil
from pathlib import Path

import pytest

from assaystats.cli import main

from ._results import EVIL

sync_api = pytest.importorskip("playwright.sync_api", reason="the browser test needs playwright (test extra)")


def _chromium():
    for exe in (os.environ.get("ASSAYSTATS_CHROMIUM"), shutil.which("chromium"), shutil.which("chromium-browser"),
                shutil.which("google-chrome")):
        if exe and Path(exe).exists():
            return exe
    return None


CHROMIUM = _chromium()
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium on this machine (Debian package 'chromium'; "
                                                         "or set ASSAYSTATS_CHROMIUM to a Chrome/Chromium binary)")

STUDY = """\
title = "Browser check: <script>alert('title')</script>"

[[analysis]]
kind = "compare"
title = "Flow cytometry with a hostile group name"
input = "flow.csv"
value = "pct_epcam_cd133"
group = "line"
replicate = "experiment"

[[analysis]]
kind = "qpcr"
title = "qPCR after knockdown"
input = "example:zfas1_qpcr"
reference_gene = ["GAPDH", "ACTB"]
control = "siCtrl"

[[analysis]]
kind = "survival"
title = "Overall survival by ZFAS1"
input = "example:lihc_cohort"
time = "os_months"
event = "os_event"
expression = "ZFAS1"
cutoff = "median"
time_unit = "months"
"""


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    from assaystats import datasets

    d = tmp_path_factory.mktemp("study")
    flow = datasets.load("lcsc_flow")
    flow.assign(line=flow["line"].replace({"Hep3B-R": EVIL})).to_csv(d / "flow.csv", index=False)
    (d / "study.toml").write_text(STUDY, encoding="utf-8")
    assert main(["run", str(d / "study.toml"), "--out", str(d / "out"), "--quiet"]) == 0
    return d / "out" / "report.html"


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            yield b
        finally:
            b.close()


@pytest.fixture(scope="module")
def page(browser, report):
    pg = browser.new_page(viewport={"width": 1200, "height": 900})
    events = {"console": [], "pageerror": [], "dialog": [], "requests": []}
    pg.on("console", lambda m: events["console"].append((m.type, m.text)))
    pg.on("pageerror", lambda e: events["pageerror"].append(str(e)))

    def dialog(d):
        events["dialog"].append(d.message)
        d.dismiss()

    pg.on("dialog", dialog)
    pg.on("request", lambda r: events["requests"].append(r.url))
    pg.goto(report.as_uri(), wait_until="load")  # 'load' waits for every image, loaded or failed
    pg.events = events
    yield pg
    pg.close()


def test_every_figure_is_shown(page, report):
    imgs = page.evaluate("""() => Array.from(document.images).map(i => ({alt: i.alt, complete: i.complete,
                                    w: i.naturalWidth, h: i.naturalHeight, shown: i.getBoundingClientRect().width}))""")
    svgs = page.evaluate("""() => Array.from(document.querySelectorAll('svg')).map(s => {
                                    const r = s.getBoundingClientRect(); return {w: r.width, h: r.height}; })""")
    assert len(imgs) + len(svgs) >= 5  # compare (2), qPCR (2), Kaplan-Meier
    for i in imgs:
        assert i["complete"] and i["w"] > 0 and i["h"] > 0 and i["shown"] > 0, i
    for s in svgs:
        assert s["w"] > 0 and s["h"] > 0, s
    # self-contained: nothing but the report itself (and inline data) was requested
    assert all(u == report.as_uri() or u.startswith("data:") for u in page.events["requests"]), page.events


def test_every_contents_link_lands_on_its_section(page):
    links = page.evaluate("""() => Array.from(document.querySelectorAll('.toc a'))
                                     .map(a => ({href: a.getAttribute('href'), text: a.textContent}))""")
    assert len(links) == 3
    for link in links:
        assert link["href"].startswith("#")
        target = page.locator(link["href"])
        assert target.count() == 1, link
        assert link["text"] in target.locator("h2").inner_text()
        page.evaluate("() => window.scrollTo(0, 0)")
        page.click(f'.toc a[href="{link["href"]}"]')
        page.wait_for_function("h => location.hash === h", arg=link["href"])
        pos = page.evaluate("""h => { const r = document.querySelector(h).getBoundingClientRect();
                                      const end = document.scrollingElement.scrollHeight - window.innerHeight;
                                      return {top: r.top, y: window.scrollY, end: end, vh: window.innerHeight}; }""",
                            link["href"])
        assert pos["y"] > 0, pos  # the page scrolled
        if pos["y"] < pos["end"] - 1:  # not at the bottom of the page: the section is at the top of the window
            assert abs(pos["top"]) <= 2, pos
        else:  # a section near the end: it is in view
            assert 0 <= pos["top"] < pos["vh"], pos


def test_no_console_errors(page):
    assert [m for m in page.events["console"] if m[0] in ("error", "warning")] == []
    assert page.events["pageerror"] == []


def test_hostile_group_name_is_text(page, report, tmp_path):
    assert page.events["dialog"] == []  # neither the group's onerror nor the title's script ran
    assert page.locator('img[src="x"]').count() == 0 and page.locator("body script").count() == 0
    cells = page.get_by_text(EVIL, exact=True)
    assert cells.count() >= 3  # comparisons, descriptives ...
    assert cells.first.is_visible()
    assert page.title() == "Browser check: <script>alert('title')</script>"
    shot = tmp_path / "report.png"
    page.locator(".toc").scroll_into_view_if_needed()
    page.screenshot(path=str(shot), full_page=False)
    assert shot.stat().st_size > 10_000
    if os.environ.get("ASSAYSTATS_SCREENSHOT"):  # to look at it: ASSAYSTATS_SCREENSHOT=/tmp/shot.png
        page.screenshot(path=os.environ["ASSAYSTATS_SCREENSHOT"], full_page=True)


def test_notebook_display_in_the_browser(browser, tmp_path):
    """What a notebook shows (``_repr_html_`` of Results, hostile group name included): the figures load, the
    name is text, nothing runs."""
    from ._results import compare_result, qpcr_result

    html = "".join(r._repr_html_() for r in (compare_result(evil=True), qpcr_result()))
    doc = tmp_path / "notebook.html"
    doc.write_text(f'<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>{html}</body></html>',
                   encoding="utf-8")
    pg = browser.new_page()
    try:
        seen = []
        pg.on("dialog", lambda d: (seen.append(d.message), d.dismiss()))
        pg.on("console", lambda m: seen.append((m.type, m.text)))
        pg.on("pageerror", lambda e: seen.append(str(e)))
        pg.goto(doc.as_uri(), wait_until="load")
        imgs = pg.evaluate("() => Array.from(document.images).map(i => [i.complete, i.naturalWidth])")
        assert len(imgs) == 2 and all(c and w > 0 for c, w in imgs), imgs
        assert pg.get_by_text(EVIL, exact=True).count() >= 1  # table cells
        assert pg.get_by_text(EVIL, exact=True).first.is_visible()
        assert seen == []
    finally:
        pg.close()
