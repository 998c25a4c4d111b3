"""Write docs/training_replay.png, the README's frame of the training replay page.

Trains the README's moons example with ``record=True``, opens ``history.save(...)`` in
headless Chromium (Debian's ``/usr/bin/chromium`` through playwright), goes to step 24, clicks
one weight and takes a screenshot of the page. Run from the repository root:
``python docs/playback_frame.py``.
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

from PIL import Image
from playwright.sync_api import sync_playwright

import autograd_lite as al
from autograd_lite.datasets import make_moons

OUT = Path(__file__).resolve().parent / "training_replay.png"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]


def main() -> None:
    X, y = make_moons(n_samples=100, noise=0.1, random_state=0)
    model = al.MLP(2, [16, 16, 1], seed=0)
    history = al.fit(
        model,
        X,
        y,
        loss="hinge",
        optimizer=al.Adam(model.parameters(), lr=0.02),
        epochs=80,
        progress=False,
        record=True,
    )
    with tempfile.TemporaryDirectory() as folder:
        page_path = Path(history.save(Path(folder) / "training.html", title="two moons"))
        with sync_playwright() as driver:
            browser = driver.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
            tab = browser.new_page(viewport={"width": 1100, "height": 900})
            tab.goto(page_path.as_uri())
            tab.evaluate("window.autogradLitePlayback.go(24)")
            weight = history.recording.names.index("layers.1.neurons.3.w.5")
            tab.locator(f'line.hit[data-param="{weight}"]').dispatch_event("click")
            shot = tab.screenshot(full_page=True)
            browser.close()
    # 256 colours keep the picture small enough to commit (about a third of the full PNG).
    picture = Image.open(io.BytesIO(shot)).convert("RGB")
    picture.quantize(colors=256, method=Image.Quantize.FASTOCTREE).save(OUT, optimize=True)
    print(f"wrote {OUT} ({OUT.stat().st_size / 1e3:.0f} kB)")


if __name__ == "__main__":
    main()
