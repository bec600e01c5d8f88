r"""LaTeX from results.json as MathML, which browsers render natively (no script, no font).

:func:`math_html` converts with :mod:`latex2mathml` and then re-checks what came out: the
result is parsed as XML and written again element by element, keeping only MathML
elements and plain attributes, with every text escaped.  When latex2mathml cannot convert
the string, or leaves a command it does not know as text (``\foo`` comes out as the
identifier ``\foo``), or the output holds anything that is not MathML (``\text{<b>}``
copies the tag), the LaTeX is shown as escaped code text instead: a report never fails
and never shows a half-converted formula.

Examples
--------
>>> math_html(r"\hat w")[:60]
'<math display="inline"><mrow><mover accent="true"><mi>w</mi>'
>>> math_html(r"\arg\min_w f")[:69]
'<math display="inline"><mrow><mi>arg</mi><mspace width="0.1667em"></m'
>>> math_html(r"\frac{")
'<code class="tex">\\frac{</code>'
>>> math_html(r"\text{<script>x</script>}")
'<code class="tex">\\text{&lt;script&gt;x&lt;/script&gt;}</code>'
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from html import escape

from latex2mathml.converter import convert

__all__ = ["code_html", "math_html"]

#: The MathML elements a converted formula may hold (MathML Core and latex2mathml's output).
ELEMENTS = frozenset({
    "math", "mrow", "mi", "mn", "mo", "mtext", "mspace", "ms", "msub", "msup", "msubsup",
    "mfrac", "msqrt", "mroot", "mover", "munder", "munderover", "mtable", "mtr", "mtd",
    "mstyle", "mpadded", "mphantom", "menclose", "merror", "semantics", "annotation",
    "mmultiscripts", "mprescripts", "none", "mfenced", "mlabeledtr"})

#: Attribute names kept (others, e.g. ``href`` or event handlers, are dropped).
_ATTRIBUTE = re.compile(r"^(?!on)[a-z][a-z-]*$")
_DROPPED = frozenset({"href", "src", "style", "xmlns", "class", "id"})


#: Operator names written upright with a thin space after them (latex2mathml writes
#: ``\\log t`` as two identifiers, read "logt"); those it does not know (``\\arg``,
#: ``\\sgn``) it copies with their backslash, which is dropped for these names only.
FUNCTIONS = frozenset({"log", "ln", "exp", "sin", "cos", "tan", "det", "dim", "ker", "deg",
                       "arg", "sup", "inf", "lim", "max", "min", "Pr", "tr", "rank", "sgn",
                       "argmin", "argmax", "diag", "supp", "span", "erf", "sign"})
_THIN = '<mspace width="0.1667em"></mspace>'


class _NotMath(ValueError):
    """The converter's output is not plain MathML."""


def code_html(tex: str) -> str:
    """``tex`` as escaped code text (the fallback of :func:`math_html`)."""
    return f'<code class="tex">{escape(tex, quote=False)}</code>'


def _name(element: ET.Element) -> str:
    tag = element.tag.rsplit("}", 1)[-1]
    if tag not in ELEMENTS:
        raise _NotMath(tag)
    return tag


def _text(text: str | None) -> str:
    if not text:
        return ""
    if "\\" in text:
        raise _NotMath(text)  # a command latex2mathml did not know, copied as text
    return escape(text, quote=False)


def _write(element: ET.Element, display: str) -> str:
    tag = _name(element)
    attrs = {k: v for k, v in element.attrib.items() if _ATTRIBUTE.match(k) and k not in _DROPPED}
    if tag == "math":
        attrs["display"] = display
    head = "".join(f' {k}="{escape(v)}"' for k, v in attrs.items())
    text = element.text
    if tag == "mi" and text and text[:1] == "\\" and text[1:] in FUNCTIONS:
        text = text[1:]  # an operator name latex2mathml does not know (``\\arg``)
    inner = _text(text) + "".join(_write(c, display) + _text(c.tail) for c in element)
    space = _THIN if tag == "mi" and text in FUNCTIONS else ""
    return f"<{tag}{head}>{inner}</{tag}>{space}"


def math_html(tex: str, display: bool = False) -> str:
    r"""``tex`` as a ``<math>`` element, or as escaped code text when it cannot be converted.

    Parameters
    ----------
    tex
        A LaTeX formula without dollars (``\hat w \log t``).
    display
        A block formula (``display="block"``) rather than inline.

    Returns
    -------
    str
        HTML: MathML whose elements, attributes and text were checked, or ``<code>``.
    """
    tex = str(tex)
    if not tex.strip():
        return ""
    try:
        root = ET.fromstring(convert(tex))
        return _write(root, "block" if display else "inline")
    except Exception:  # latex2mathml raises its own errors, ET.ParseError, _NotMath, ...
        return code_html(tex)
