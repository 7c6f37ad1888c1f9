"""The official layout (Decree 30/2020/NĐ-CP) as HTML, and as PDF made from that HTML.

The HTML comes from the Jinja2 template ``official.html.j2`` (see
:mod:`kpirules.report.templates`) filled with :func:`kpirules.report.document.document`.
The PDF is that HTML laid out by WeasyPrint (the optional extra ``pdf``) in a
Times-metric serif that :func:`find_serif` finds on the system and checks
for every Vietnamese letter: the PDF embeds that font and no other, and when
no such font is found it is an error, never a silent fallback.
"""

from __future__ import annotations

import os
import pathlib
from collections.abc import Iterable
from typing import Any

import attrs

from kpirules.errors import KpiError
from kpirules.report.document import Official, document
from kpirules.report.model import Report
from kpirules.report.templates import render_template

__all__ = ["render_official_html", "render_pdf", "find_serif", "Serif", "VIETNAMESE", "FONT_DIRS"]

#: every letter of Vietnamese, lower and upper case, with each tone mark (and đ/Đ)
VIETNAMESE = (
    "aàáảãạăằắẳẵặâầấẩẫậeèéẻẽẹêềếểễệiìíỉĩịoòóỏõọôồốổỗộơờớởỡợuùúủũụưừứửữựyỳýỷỹỵđ"
)
VIETNAMESE = VIETNAMESE + VIETNAMESE.upper()
#: and the signs the report writes besides letters
SIGNS = "≥≤≠−–—…“”‘’·%"

#: where fonts are looked for (after $KPIRULES_FONT_DIR), in order
FONT_DIRS = (
    "/usr/share/fonts/truetype/crosextra",  # Tinos (Debian: fonts-crosextra-tinos)
    "/usr/share/fonts/truetype/liberation2",  # Liberation Serif 2 (fonts-liberation2)
    "/usr/share/fonts/truetype/msttcorefonts",
    "/usr/share/fonts",
    "/usr/local/share/fonts",
    os.path.expanduser("~/.fonts"),
    os.path.expanduser("~/.local/share/fonts"),
    "/Library/Fonts",
    "/System/Library/Fonts/Supplemental",
    os.path.join(os.environ.get("WINDIR", "C:\\Windows"), "Fonts"),
)

#: the families tried, in order: (name, the file names of regular, bold, italic, bold italic)
_FAMILIES = (
    ("Times New Roman", ("times.ttf", "timesbd.ttf", "timesi.ttf", "timesbi.ttf")),
    ("Times New Roman", ("Times New Roman.ttf", "Times New Roman Bold.ttf", "Times New Roman Italic.ttf",
                         "Times New Roman Bold Italic.ttf")),
    ("Tinos", ("Tinos-Regular.ttf", "Tinos-Bold.ttf", "Tinos-Italic.ttf", "Tinos-BoldItalic.ttf")),
    ("Liberation Serif", ("LiberationSerif-Regular.ttf", "LiberationSerif-Bold.ttf", "LiberationSerif-Italic.ttf",
                          "LiberationSerif-BoldItalic.ttf")),
)


@attrs.frozen
class Serif:
    """A serif family found on the system: its name and the files of its four faces."""

    family: str
    regular: str
    bold: str
    italic: str
    bold_italic: str

    @property
    def files(self) -> tuple[str, str, str, str]:
        return (self.regular, self.bold, self.italic, self.bold_italic)


def _missing(path: str, letters: str = VIETNAMESE) -> str:
    """The letters of ``letters`` that the font file has no glyph for."""
    from fontTools.ttLib import TTFont  # (a dependency of WeasyPrint)

    with TTFont(path, lazy=True) as font:
        cmap = font.getBestCmap() or {}
    return "".join(ch for ch in letters if ord(ch) not in cmap)


def _walk(dirs: Iterable[str]) -> dict[str, str]:
    """File name → path of every font file under ``dirs`` (the first found wins)."""
    found: dict[str, str] = {}
    for d in dirs:
        if not d or not os.path.isdir(d):
            continue
        for root, _, files in os.walk(d):
            for f in sorted(files):
                found.setdefault(f, os.path.join(root, f))
                found.setdefault(f.lower(), os.path.join(root, f))
    return found


def find_serif(dirs: Iterable[str] | None = None) -> Serif:
    """The first Times-metric serif with four faces that has every Vietnamese letter.

    Looks in ``$KPIRULES_FONT_DIR`` (when set) and :data:`FONT_DIRS`.  A family
    found without some letter is skipped, and the error names it and the
    letters it lacks when no family is left.
    """
    if dirs is None:
        env = os.environ.get("KPIRULES_FONT_DIR")
        dirs = ([env] if env else []) + list(FONT_DIRS)
    files = _walk(dirs)
    skipped: list[str] = []
    for family, names in _FAMILIES:
        paths = [files.get(name) or files.get(name.lower()) for name in names]
        if not all(paths):
            continue
        lacking = {p: _missing(p, VIETNAMESE + SIGNS) for p in paths if p}
        bad = {p: m for p, m in lacking.items() if m}
        if bad:
            skipped.extend(f"{p} lacks {m[:20]}" for p, m in bad.items())
            continue
        return Serif(family, *paths)  # type: ignore[arg-type]
    why = ("; ".join(skipped) + ". ") if skipped else ""
    raise KpiError(
        "the PDF needs a Times-metric serif with every Vietnamese letter (Times New Roman, Tinos or Liberation "
        f"Serif 2, its four faces), and none was found. {why}Install one (Debian/Ubuntu: apt-get install "
        "fonts-crosextra-tinos or fonts-liberation2) or set KPIRULES_FONT_DIR to a directory that holds one")


def _font_faces(serif: Serif) -> str:
    """@font-face rules that name the serif's four files as the family KpiSerif."""
    out = []
    for path, weight, style in ((serif.regular, "normal", "normal"), (serif.bold, "bold", "normal"),
                                (serif.italic, "normal", "italic"), (serif.bold_italic, "bold", "italic")):
        url = pathlib.Path(path).resolve().as_uri()
        out.append(f'@font-face {{ font-family: "KpiSerif"; src: url("{url}"); font-weight: {weight}; '
                   f"font-style: {style}; }}")
    return "\n".join(out) + "\n"


def render_official_html(report: Report, official: Official | None = None, template_dir: str | None = None,
                         *, extra: dict[str, Any] | None = None, font_faces: str = "") -> str:
    """The official layout as one HTML file (print it, or make the PDF from it)."""
    doc = document(report, official)
    if extra:
        doc.update(extra)
    return render_template("official.html.j2", {"doc": doc, "font_faces": font_faces}, template_dir)


def render_pdf(report: Report, official: Official | None = None, template_dir: str | None = None) -> bytes:
    """The official layout as PDF bytes (WeasyPrint), in the serif :func:`find_serif` finds, embedded."""
    try:
        import weasyprint
    except ImportError as exc:
        raise KpiError("--format pdf needs WeasyPrint and the system libraries it uses (Pango): "
                       f"pip install 'kpirules[pdf]' ({exc})") from None
    except OSError as exc:  # the Python package without its system libraries
        raise KpiError(f"--format pdf: WeasyPrint cannot load its system libraries ({exc}); install Pango "
                       "(Debian/Ubuntu: apt-get install libpango-1.0-0 libpangoft2-1.0-0)") from None
    serif = find_serif()
    html = render_official_html(report, official, template_dir, font_faces=_font_faces(serif))
    doc = weasyprint.HTML(string=html, base_url=os.getcwd())
    pdf: bytes = doc.write_pdf()
    return pdf
