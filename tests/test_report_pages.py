"""The HTML report's pages: MathML, theorem pages and anchors, claim cards, audited digits."""
from __future__ import annotations

import copy
import doctest
import json
import re
from pathlib import Path

import pytest

import verify.report.anchors
import verify.report.cards
import verify.report.fields
import verify.report.html
import verify.report.markup
import verify.report.mathml
import verify.report.prose
from verify.report import render
from verify.report.mathml import math_html

FIXTURE = Path(__file__).parent / "fixtures" / "results_example.json"
THEOREM = "soudry2018-linear"


@pytest.fixture(scope="module")
def results() -> dict:
    data = json.loads(FIXTURE.read_text(encoding="utf-8"))
    for case in data["cases"]:
        case["formalization"] = ("Published: ``w(t)/||w(t)||`` tends to the SVM direction.\n\n"
                                 "* **Our reading.**  The gap :math:`\\hat w` is measured.")
    return data


@pytest.fixture(scope="module")
def page(results: dict, tmp_path_factory: pytest.TempPathFactory) -> str:
    out = tmp_path_factory.mktemp("pages")
    render(copy.deepcopy(results), out)
    return (out / "theorems" / f"{THEOREM}.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("module", [verify.report.anchors, verify.report.cards,
                                    verify.report.fields, verify.report.html,
                                    verify.report.markup, verify.report.mathml,
                                    verify.report.prose])
def test_doctests(module: object) -> None:
    assert doctest.testmod(module).failed == 0  # type: ignore[arg-type]


def test_math_is_mathml(page: str, results: dict) -> None:
    assert page.count("<math") >= 1 + len(results["rows"])  # statement, claims, assumptions
    assert '<math display="block">' in page
    assert r"\hat" not in page.split("<details>")[0].split('<h2 id="formalization"')[0]


@pytest.mark.parametrize("tex", [r"\frac{", r"\unknowncommand x", r"\text{<b>x</b>}",
                                 "\\begin{cases} a"])
def test_unconvertible_latex_falls_back_to_code(tex: str, results: dict, tmp_path: Path) -> None:
    html = math_html(tex)
    assert html.startswith('<code class="tex">') and "<math" not in html and "<b>" not in html
    data = copy.deepcopy(results)
    data["cases"][0]["statement"] = tex
    data["rows"][0]["statement"] = tex
    render(data, tmp_path)  # never crashes the report
    text = (tmp_path / "theorems" / f"{THEOREM}.html").read_text(encoding="utf-8")
    assert text.count('<code class="tex">') >= 2


def test_mathml_output_is_checked() -> None:
    assert "<mi>" in math_html("a + b") and "mspace" in math_html(r"\log t")
    assert math_html("") == ""


def test_pages_and_readable_anchors(results: dict, tmp_path: Path) -> None:
    render(copy.deepcopy(results), tmp_path)
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    page = (tmp_path / "theorems" / f"{THEOREM}.html").read_text(encoding="utf-8")
    ids = re.findall(r' id="([^"]+)"', page)
    assert len(ids) == len(set(ids)) and all(" " not in i for i in ids)
    # several cases: each claim's anchor names theorem, case parameters and claim
    assert f"{THEOREM}/d=3,loss=logistic,n=8,seed=0/direction" in ids
    for href in re.findall(r'href="theorems/([^"#]+)#([^"]+)"', index):
        assert href[0] == f"{THEOREM}.html" and href[1] in ids
    for frag in re.findall(r'href="#([^"]+)"', page):
        assert frag in ids
    assert "<h2 id=\"verdicts\">" in index and "Provenance" in index and "Outcomes" in index


def test_theorem_page_content(page: str, results: dict) -> None:
    case = results["cases"][0]
    assert case["citation"] in page
    assert '<h2 id="formalization">' in page and "<strong>Our reading.</strong>" in page
    assert "<code>w(t)/||w(t)||</code>" in page
    assert '<h2 id="assumptions">' in page and "in 1 of 1 case" not in page
    assert 'class="badge b-HOLDS"' in page


def test_claim_cards(page: str, results: dict) -> None:
    assert page.count('<article class="card"') == len(results["rows"])
    card = page.split('<article class="card"')[1].split("</article>")[0]
    assert "<details><summary>Evidence" in card and "<strong>Why:</strong>" in card
    evidence = card.split("<details>")[1]
    assert "extrapolated limit" in evidence and "(evidence.L_hat)" in evidence
    assert "evidence.L_hat" not in card.split("<details>")[0]  # internals only when opened
    assert "align-items: start" in page and "height: auto" in page  # plots keep their ratio


def test_negative_audited_digits_explained(results: dict, tmp_path: Path) -> None:
    data = copy.deepcopy(results)
    data["cases"][0]["audit"]["digits"]["log_loss"] = -26.3
    render(data, tmp_path)
    page = (tmp_path / "theorems" / f"{THEOREM}.html").read_text(encoding="utf-8")
    digits = page.split("Audited digits per quantity")[1].split("</table>")[0]
    assert "not meaningful in float64" in digits and "-26.3" not in digits
    assert "min -26.3" not in page
