"""The HTML report opened in a real browser (headless Chromium): what a reader of a paper sees.

Renders the example results, loads index.html and the theorem page with ``--dump-dom`` and
checks the DOM the browser built: math is MathML and no raw LaTeX command is left in the
text; every image decodes (SVG that parses, or PNG) and is allowed by the page's
Content-Security-Policy; every link resolves (``#id`` on its page, other pages to an
existing file and id); and the browser logged no console message (a CSP violation, a
blocked script or image).  The last test injects each kind of defect and checks that it
is reported, so the checks can fail.  Skipped only when no browser binary is on PATH.
"""
from __future__ import annotations

import base64
import binascii
import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from verify.report import render

FIXTURE = Path(__file__).parent / "fixtures" / "results_example.json"
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
BROWSER = next((p for p in map(shutil.which, BROWSERS) if p), None)

pytestmark = pytest.mark.skipif(
    BROWSER is None, reason="no browser binary (chromium, chromium-browser or google-chrome) on "
    "PATH; .ci/run installs Debian's chromium")

#: A LaTeX command left as text: MathML conversion failed or was skipped.
RAW_LATEX = re.compile(r"\\[A-Za-z]+")
_HIDDEN = {"style", "title", "script", "head"}


@dataclass
class Dom:
    """What the browser built from one page."""

    ids: set[str] = field(default_factory=set)
    hrefs: list[str] = field(default_factory=list)
    images: list[str] = field(default_factory=list)
    n_math: int = 0
    text: list[str] = field(default_factory=list)


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.dom, self._hidden = Dom(), 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.dom.ids.add(a["id"] or "")
        if tag == "a" and a.get("href") is not None:
            self.dom.hrefs.append(a["href"] or "")
        if tag == "img":
            self.dom.images.append(a.get("src") or "")
        self.dom.n_math += tag == "math"
        self._hidden += tag in _HIDDEN

    def handle_endtag(self, tag: str) -> None:
        self._hidden -= tag in _HIDDEN

    def handle_data(self, data: str) -> None:
        if not self._hidden and data.strip():
            self.dom.text.append(data)


def browse(page: Path, profile: Path) -> tuple[Dom, list[str]]:
    """The DOM Chromium built from ``page`` and its console messages."""
    cmd = [BROWSER, "--headless", "--disable-gpu", "--no-sandbox", "--no-first-run",
           f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
           "--virtual-time-budget=3000", "--dump-dom", page.resolve().as_uri()]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=90, check=False)
    assert done.returncode == 0 and "<html" in done.stdout, done.stderr[-2000:]
    collector = _Collector()
    collector.feed(done.stdout)
    console = [line for line in done.stderr.splitlines() if ":CONSOLE" in line]
    return collector.dom, console


def _image_problem(src: str, base: Path) -> str | None:
    if not src.startswith("data:"):
        return None if (base / unquote(urlsplit(src).path)).is_file() else f"missing image {src}"
    head, _, data = src.partition(",")
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        return f"image data URI does not decode: {src[:60]}"
    if head.startswith("data:image/svg+xml"):
        try:
            root = ET.fromstring(raw)
        except ET.ParseError as exc:
            return f"image is not valid SVG ({exc}): {src[:60]}"
        return None if root.tag.endswith("svg") else f"image root is not <svg>: {src[:60]}"
    return None if raw[:8] == b"\x89PNG\r\n\x1a\n" else f"image is neither SVG nor PNG: {src[:60]}"


def check(root: Path, pages: list[Path], profile: Path) -> list[str]:
    """Every problem a reader would meet on ``pages`` (and the pages they link to)."""
    doms: dict[Path, Dom] = {}
    problems: list[str] = []
    for page in pages:
        dom, console = browse(page, profile)
        doms[page.resolve()] = dom
        name = page.relative_to(root)
        problems += [f"{name}: console: {line.split(':CONSOLE', 1)[1][:200]}" for line in console]
        problems += [f"{name}: raw LaTeX in text: {t.strip()[:80]!r}" for t in dom.text
                     if RAW_LATEX.search(t)]
        bad = (_image_problem(s, page.parent) for s in dom.images)
        problems += [f"{name}: {p}" for p in bad if p]
    for page in pages:
        dom = doms[page.resolve()]
        for href in dom.hrefs:
            parts = urlsplit(href)
            if parts.scheme or parts.netloc:
                problems.append(f"{page.relative_to(root)}: external link {href}")
                continue
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page.resolve()
            if not target.is_file():
                problems.append(f"{page.relative_to(root)}: link to a missing file {href}")
                continue
            if target not in doms:
                doms[target] = browse(target, profile)[0]
            if parts.fragment and unquote(parts.fragment) not in doms[target].ids:
                problems.append(f"{page.relative_to(root)}: anchor not found {href}")
    return problems


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    results = json.loads(FIXTURE.read_text(encoding="utf-8"))
    for case in results["cases"]:
        case["formalization"] = ("Published: the direction :math:`w(t)/\\|w(t)\\|` tends to "
                                 "``w_hat``.\n\n* **Our reading.** measured as a gap.")
    out = tmp_path_factory.mktemp("browser-report")
    render(results, out)
    return out


def test_report_in_browser(report: Path, tmp_path: Path) -> None:
    pages = [report / "index.html", *sorted((report / "theorems").glob("*.html"))]
    assert len(pages) == 2
    assert check(report, pages, tmp_path / "profile") == []
    dom, _ = browse(pages[1], tmp_path / "profile")
    assert dom.n_math >= 10 and len(dom.images) == 8 and len(dom.ids) > 10


def test_checks_can_fail(report: Path, tmp_path: Path) -> None:
    out = tmp_path / "broken"
    shutil.copytree(report, out)
    page = out / "theorems" / "soudry2018-linear.html"
    html = page.read_text(encoding="utf-8")
    html = html.replace("<h2>Contents</h2>",
                        '<p>raw \\hat w here</p><a href="#no-such-anchor">x</a>'
                        '<a href="../nowhere.html">y</a><img src="data:image/svg+xml;base64,'
                        + base64.b64encode(b"<svg").decode() + '"><script>var x;</script>'
                        "<h2>Contents</h2>", 1)
    page.write_text(html, encoding="utf-8")
    found = "\n".join(check(out, [page], tmp_path / "profile"))
    assert "raw LaTeX in text: 'raw \\\\hat w here'" in found
    assert "anchor not found #no-such-anchor" in found
    assert "link to a missing file ../nowhere.html" in found
    assert "image is not valid SVG" in found
    assert "console:" in found and "Content Security Policy" in found
