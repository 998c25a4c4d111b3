"""The grader's pages as a teacher and a student see them: rendered in headless Chromium.

The class report and a feedback page are opened from disk with every request outside the
page refused: the charts and the drawing are inline SVG, their bars and cells have the sizes and
colours the records say.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from autograd_lite.grade import Limits, grade
from autograd_lite.grade.sample import sample_class


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Path]:
    base = tmp_path_factory.mktemp("pages")
    sample_class(base / "subs", 5, mix={"correct": 1, "buggy": 3, "crash": 1})
    result = grade(base / "subs", "two_layer", base / "out", limits=Limits(seconds=4), workers=2)
    return result, base / "out"


def _open(browser: Any, path: Path) -> tuple[Any, list[str]]:
    page = browser.new_page()
    outside: list[str] = []

    def route(r: Any) -> None:
        if r.request.url.startswith("file://"):
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.goto(path.as_uri())
    return page, outside


def test_the_class_report_draws_the_pass_rates(browser: Any, report: Any) -> None:
    result, out = report
    page, outside = _open(browser, out / "class.html")
    widths = page.eval_on_selector_all(
        "#pass-rates rect", "els => els.map(e => e.getBoundingClientRect().width)"
    )
    rates = list(result.summary.pass_rates.values())
    assert len(widths) == len(rates) == 7
    full = max(w / r for w, r in zip(widths, rates, strict=True) if r > 0)
    for width, rate in zip(widths, rates, strict=True):
        assert width == pytest.approx(full * rate, abs=1.0)
    causes = page.eval_on_selector_all("#root-causes rect", "els => els.length")
    assert causes == len(result.summary.root_causes) >= 2
    links = page.eval_on_selector_all("#students a", "els => els.map(e => e.textContent)")
    assert links == [e.label for e in result.entries]
    page.screenshot(path=str(out / "class.png"), full_page=True)
    assert outside == []
    page.close()


def test_a_feedback_page_draws_wrong_entries_red(browser: Any, report: Any) -> None:
    result, out = report
    entry = next(e for e in result.entries if e.record["root_causes"])
    page, outside = _open(browser, out / entry.page)
    wrong = sum(row["cells"].count("WRONG") for row in entry.record["gradients"])
    fills = page.eval_on_selector_all(
        ".drawing rect.cell", "els => els.map(e => getComputedStyle(e).fill)"
    )
    assert fills.count("rgb(214, 39, 40)") == wrong > 0
    assert page.inner_text("#score") == f"{entry.record['score']:g}"
    assert entry.record["root_causes"][0] in page.inner_text("#root-causes")
    assert page.inner_text("#mistakes")
    # The package's own drawing of the check, as an image (an SVG in <img> runs no script).
    width = page.eval_on_selector("#check-drawing", "img => img.complete && img.naturalWidth")
    assert width > 300
    drawing = (out / "students" / f"{entry.label}.svg").read_text(encoding="utf-8")
    assert drawing.count('class="cell verdict-wrong"') == wrong
    assert entry.record["drawing"] == ""  # kept on disk, not in the grader's memory
    page.screenshot(path=str(out / "student.png"), full_page=True)
    assert outside == []
    page.close()
