"""Headless Chromium for the tests that lay out a report at a phone's or a desktop's width (issue 19:
"screenshots at 1280 and 390 px show no overflow").

Headless Chromium will not make its window narrower than 500 px, so a check at 390 px that asks the
window itself measures a 500 px page. :func:`page_width` puts the report in an ``<iframe>`` exactly
``width`` px wide instead and reads the report's own ``document.documentElement.scrollWidth`` there:
any element wider than the frame makes it larger than ``width``.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from pathlib import Path

import pytest


def chromium() -> str:
    """The Chromium to run, or skip the test."""
    found = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if not found:
        pytest.skip("no Chromium to lay out the page")
    return found


def frame(page: str, width: int) -> str:
    """A page that shows ``page`` (a report's HTML, its Content-Security-Policy taken out so that the probe's
    script runs) in a frame ``width`` px wide, and writes the frame's scroll width and inner width in
    its own title once the frame has loaded."""
    page = re.sub(r"<meta[^>]*Content-Security-Policy[^>]*>", "", page)
    return ("<!DOCTYPE html><html><head><style>body{margin:0}iframe{border:0;display:block;"
            f"width:{width}px;height:3000px}}</style></head><body>"
            f'<iframe id="f" srcdoc="{html.escape(page, quote=True)}"></iframe><script>'
            'const f = document.getElementById("f"); f.addEventListener("load", () => { '
            'document.title = "W=" + f.contentDocument.documentElement.scrollWidth + " " + '
            "f.contentWindow.innerWidth; });</script></body></html>")


def page_width(page: str, width: int, folder: Path) -> tuple[int, int]:
    """(scroll width, frame width) of ``page`` laid out by headless Chromium ``width`` px wide."""
    probe = folder / f"probe-{width}.html"
    probe.write_text(frame(page, width), encoding="utf-8")
    out = subprocess.run([chromium(), "--headless", "--no-sandbox", "--disable-gpu",
                          f"--window-size={max(width, 500) + 100},1000", "--virtual-time-budget=10000",
                          f"--user-data-dir={folder / 'chromium-profile'}", "--dump-dom", probe.as_uri()],
                         capture_output=True, text=True, timeout=180).stdout
    m = re.search(r"<title>W=(\d+) (\d+)</title>", out)
    assert m, out[-500:]
    return int(m.group(1)), int(m.group(2))
