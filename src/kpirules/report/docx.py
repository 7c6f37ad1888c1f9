"""The official layout as a Word file (python-docx, the optional extra ``docx``).

The same content in the same order as the official HTML
(:func:`kpirules.report.document.document`): the header block, the title, the
summary, the changes, what needs attention, the results section by section,
the data warnings, Nơi nhận and the signature block; A4 with the margins of
Decree 30/2020/NĐ-CP, Times New Roman (Word and LibreOffice use a metric
twin where it is missing), page numbers at the top from page 2, the short
digest in the footer. Every paragraph and table is ordinary, editable text.
"""

from __future__ import annotations

import io
import re
from typing import Any

from kpirules.errors import KpiError
from kpirules.report.document import Official, document
from kpirules.report.model import Report
from kpirules.text import escape_controls

__all__ = ["render_docx", "FONT"]

FONT = "Times New Roman"


def render_docx(report: Report, official: Official | None = None) -> bytes:
    """The official report as the bytes of a .docx file."""
    try:
        import docx  # noqa: F401
    except ImportError:
        raise KpiError("--format docx needs python-docx: pip install 'kpirules[docx]'") from None
    return _Writer(document(report, official)).bytes()


class _Writer:
    def __init__(self, doc: dict[str, Any]) -> None:
        import docx
        from docx.enum.section import WD_ORIENT
        from docx.shared import Mm, Pt

        self.d = doc
        self.w = docx.Document()
        sec = self.w.sections[0]
        sec.orientation = WD_ORIENT.PORTRAIT
        sec.page_width, sec.page_height = Mm(210), Mm(297)
        sec.top_margin, sec.bottom_margin = Mm(22), Mm(22)
        sec.left_margin, sec.right_margin = Mm(32), Mm(18)
        sec.header_distance = sec.footer_distance = Mm(10)
        style = self.w.styles["Normal"]
        style.font.name = FONT
        style.font.size = Pt(13)
        rpr = style.element.get_or_add_rPr()
        fonts = rpr.find(self._qn("w:rFonts"))
        if fonts is None:
            fonts = rpr.makeelement(self._qn("w:rFonts"), {})
            rpr.append(fonts)
        for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
            fonts.set(self._qn(attr), FONT)
        pf = style.paragraph_format
        pf.space_after = Pt(6)
        pf.space_before = Pt(0)
        pf.line_spacing = 1.15
        self._header_footer(sec)
        self._build()

    @staticmethod
    def _qn(tag: str) -> str:
        from docx.oxml.ns import qn

        return str(qn(tag))

    # --- pieces
    def para(self, text: str = "", *, bold: bool = False, italic: bool = False, size: float | None = None,
             align: str = "justify", indent: bool = False, space_after: float | None = None, cell: Any = None,
             first: bool = False) -> Any:
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.shared import Cm, Pt

        if cell is not None:
            p = cell.paragraphs[0] if first else cell.add_paragraph()
        else:
            p = self.w.add_paragraph()
        p.alignment = {"justify": WD_ALIGN_PARAGRAPH.JUSTIFY, "center": WD_ALIGN_PARAGRAPH.CENTER,
                       "left": WD_ALIGN_PARAGRAPH.LEFT, "right": WD_ALIGN_PARAGRAPH.RIGHT}[align]
        if indent:
            p.paragraph_format.first_line_indent = Cm(1.27)
        if space_after is not None:
            p.paragraph_format.space_after = Pt(space_after)
        if text:
            self.run(p, text, bold=bold, italic=italic, size=size)
        return p

    def run(self, p: Any, text: str, *, bold: bool = False, italic: bool = False, size: float | None = None,
            color: str | None = None) -> Any:
        from docx.shared import Pt, RGBColor

        r = p.add_run(escape_controls(text))  # (Word's XML refuses control characters)
        r.bold, r.italic = bold or None, italic or None
        if size:
            r.font.size = Pt(size)
        if color:
            r.font.color.rgb = RGBColor.from_string(color)
        return r

    def _field(self, p: Any, code: str) -> None:
        """A Word field (PAGE) in paragraph ``p``."""
        from docx.oxml import OxmlElement

        for kind, text in (("begin", None), (None, code), ("separate", None), (None, "2"), ("end", None)):
            r = p.add_run()
            if kind is not None:
                el = OxmlElement("w:fldChar")
                el.set(self._qn("w:fldCharType"), kind)
            elif text == code:
                el = OxmlElement("w:instrText")
                el.set(self._qn("xml:space"), "preserve")
                el.text = f" {code} "
            else:
                el = OxmlElement("w:t")
                el.text = text
            r._r.append(el)

    def _header_footer(self, sec: Any) -> None:
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.shared import Pt

        sec.different_first_page_header_footer = True  # no number on page 1 (Decree 30: from page 2)
        p = sec.header.paragraphs[0]
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        self._field(p, "PAGE")
        for footer in (sec.footer, sec.first_page_footer):
            f = footer.paragraphs[0]
            f.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            r = f.add_run(escape_controls(self.d["stamp"]))
            r.font.size = Pt(8)

    def table(self, rows: int, widths: list[float], *, grid: bool = True) -> Any:
        from docx.oxml import OxmlElement
        from docx.shared import Mm

        t = self.w.add_table(rows=rows, cols=len(widths))
        if grid:
            t.style = self.w.styles["Table Grid"]
        t.autofit = False
        for col, wd in zip(t.columns, widths):  # (LibreOffice reads the grid, Word the cells)
            col.width = Mm(wd)
        found = list(t.rows)
        for row in found:
            for c, wd in zip(row.cells, widths):
                c.width = Mm(wd)
        if grid and found:  # the head row printed again at the top of each page the table runs onto
            head = OxmlElement("w:tblHeader")
            head.set(self._qn("w:val"), "true")
            found[0]._tr.get_or_add_trPr().append(head)
        return _Cells(t, found)

    # --- the document
    def _build(self) -> None:
        d, lab = self.d, self.d["labels"]
        head = self.table(1, [62, 98], grid=False)
        left, right = head.rows[0].cells
        first = True
        for line in d["issuer_above"]:
            self.para(line, size=12, align="center", space_after=0, cell=left, first=first)
            first = False
        self.para(d["issuer"], bold=True, size=12, align="center", space_after=0, cell=left, first=first)
        self.para("―――――", size=8, align="center", space_after=2, cell=left)
        self.para(d["number"], size=13, align="center", space_after=0, cell=left)
        self.para(d["nation"], bold=True, size=12, align="center", space_after=0, cell=right, first=True)
        p = self.para(d["motto"], bold=True, size=13, align="center", space_after=0, cell=right)
        p.runs[0].underline = True
        self.para("", size=6, space_after=0, cell=right)
        self.para(d["place_date"], italic=True, size=13, align="center", space_after=0, cell=right)
        self.para("")
        self.para(d["kind"], bold=True, size=14, align="center", space_after=0)
        self.para(d["subject"], bold=True, size=14, align="center", space_after=0)
        self.para("―――――", size=8, align="center", space_after=8)
        self.para(d["intro"], indent=True)

        self.heading(lab["part_summary"])
        rows = max(len(g["rows"]) for g in d["counts"])
        t = self.table(rows + 1, [50, 30, 50, 30])
        for gi, g in enumerate(d["counts"]):
            a = t.cell(0, gi * 2).merge(t.cell(0, gi * 2 + 1))
            self.para(g["head"], bold=True, align="center", size=12, cell=a, first=True, space_after=0)
            for i, c in enumerate(g["rows"]):
                self.para(c["label"], size=12, align="left", cell=t.cell(i + 1, gi * 2), first=True, space_after=0)
                self.para(str(c["count"]), size=12, align="right", cell=t.cell(i + 1, gi * 2 + 1), first=True,
                          space_after=0)
        self.para("", space_after=0)
        if d["deliveries"]["text"]:
            p = self.para(indent=True)
            self.run(p, d["deliveries"]["text"], color="0B5A1F" if d["deliveries"]["good"] else None)
        for line in d["reporting"]:
            self.para(line, indent=True)
        self.para(lab["results_note"], indent=True)

        self.heading(lab["part_changes"])
        if d["changes"]:
            ch = d["changes"][0]
            self.para(ch["note"], italic=True, indent=True)
            for g in ch["groups"]:
                p = self.para(indent=True)
                self.run(p, f"{g['head']} ({g['count']}): ", bold=True)
                self.run(p, ("; ".join(g["items"]) if g["items"] else g["none"]) + g["stop"])
        else:
            self.para(lab["h_no_previous"], indent=True)

        self.heading(lab["part_attention"])
        if not d["attention"] and not d["later"]:
            self.para(lab["attention_none"], indent=True)
        for i, a in enumerate(d["attention"], 1):
            p = self.para(indent=True)
            self.run(p, f"{i}. ")
            self.run(p, a["label"], bold=True, color=_COLOURS.get(a["status"]))
            self.run(p, " — ")
            self.run(p, a["id"], bold=True)
            text = (f" — {a['title']}" if a["title"] else "")
            self.run(p, text)
            if a["numbers"]:
                self.run(p, ": ")
                self.run(p, a["numbers"], bold=True)
            tail = (f"; {lab['deadline'].lower()} {a['deadline']}" if a["deadline"] else "") + \
                   (f" ({a['why']})" if a["why"] else "") + a["stop"]
            self.run(p, tail)
        if d["attention_more"]:
            self.para(d["attention_more"], indent=True)
        if d["attention"]:
            self.para(lab["attention_note"], italic=True, indent=True)
        if d["later"]:
            p = self.para(indent=True)
            self.run(p, f"{lab['later']} ({d['later_count']}). ", bold=True)
            self.run(p, lab["later_note"])
            self.para("; ".join(d["later"]) + (f"; {d['later_more']}" if d["later_more"] else "") + d["later_stop"],
                      indent=True)

        self.heading(lab["part_results"])
        self.section(d["sections"])
        if d["trends"]:
            self.trend_table()

        if d["warnings"]:
            self.heading(lab["part_warnings"])
            self.para(lab["warnings_note"], italic=True, indent=True)
            for w in d["warnings"]:
                self.para("- " + w["text"] + (f" ({lab['source']}: {w['source']})" if w["source"] else "") + w["stop"],
                          indent=True, align="left")

        # the signature never stands on a page alone: the last lines written (up to the last one with text, a
        # data warning, a result) keep with it, and its row does not split across pages
        from docx.text.paragraph import Paragraph

        for el in reversed(list(self.w.element.body.iterchildren())):
            if el.tag == self._qn("w:tbl"):  # (a table's last row is kept by its own rows, not from here)
                break
            if el.tag == self._qn("w:p"):
                p = Paragraph(el, self.w._body)
                p.paragraph_format.keep_with_next = True
                if p.text.strip():
                    break
        self.para("").paragraph_format.keep_with_next = True
        sign = self.table(1, [72, 88], grid=False)
        self._cant_split(sign.rows[0])
        left, right = sign.rows[0].cells
        self.para(d["recipients_head"], bold=True, italic=True, size=12, align="left", cell=left, first=True,
                  space_after=0)
        for line in d["recipients"]:
            self.para("- " + line, size=11, align="left", cell=left, space_after=0)
        first = True
        for line in d["signer_title"]:
            self.para(line, bold=True, size=13.5, align="center", cell=right, first=first, space_after=0)
            first = False
        for _ in range(4):
            self.para("", cell=right, first=first, space_after=0)
            first = False
        self.para(d["signer_name"], bold=True, size=13.5, align="center", cell=right, space_after=0)

    def _cant_split(self, row: Any) -> None:
        """A table row kept whole on one page (``w:cantSplit``)."""
        from docx.oxml import OxmlElement

        tr_pr = row._tr.get_or_add_trPr()
        tr_pr.append(OxmlElement("w:cantSplit"))

    def trend_table(self) -> None:
        """The targets' values over the last reporting periods: one row a target (Word has no sparkline)."""
        d, lab = self.d, self.d["labels"]
        self.heading(lab["h_trend_heading"], level=1)
        labels = list(d["trend_labels"])
        widths = [22] + [15] * len(labels) + [18]
        scale = 160 / sum(widths)
        t = self.table(1 + len(d["trends"]), [w * scale for w in widths])
        for c, text in enumerate([lab["id"], *labels, lab["h_since"]]):
            self.para(text, bold=True, size=8.5, align="center", cell=t.cell(0, c), first=True, space_after=0)
        for i, row in enumerate(d["trends"], 1):
            rid, sep, unit = row["id"].partition(" (")  # ("II.2.c.1.units (Vụ Pháp chế)": the id's dots)
            for c, text in enumerate([_breakable(rid) + sep + unit, *row["values"], row["stale"] or row["delta"]]):
                self.para(text, size=8.5, align="left" if c == 0 else "right", cell=t.cell(i, c), first=True,
                          space_after=0)
        self.para("", space_after=0)

    def heading(self, text: str, level: int = 0) -> None:
        p = self.para(text, bold=True, italic=level > 0, align="left", space_after=4)
        p.paragraph_format.keep_with_next = True
        from docx.shared import Pt

        p.paragraph_format.space_before = Pt(10 if level == 0 else 6)

    def section(self, s: dict[str, Any]) -> None:
        lab = self.d["labels"]
        if s["id"] is not None:
            self.heading(f"{s['id']}. {s['title']}", level=1)
        elif s["rules"] or s["tasks"]:
            self.heading(lab["other"], level=1)
        if s["rules"]:
            n = 1 + sum(1 + (len(r["units"]) if r["per_unit"] else 0) for r in s["rules"])
            t = self.table(n, [20, 60, 27, 21, 32])
            for c, text in enumerate((lab["id"], lab["rules"], lab["value"], lab["target"], lab["status"])):
                self.para(text, bold=True, size=11.5, align="center", cell=t.cell(0, c), first=True, space_after=0)
            i = 1
            for r in s["rules"]:
                self._cell(t.cell(i, 0), _breakable(r["id"]))
                cell = t.cell(i, 1)
                self._titled(cell, r, lab, ("deadline", "note"))
                if r["per_unit"]:
                    self._sub(cell, f"{lab['units']}: {r['summary']}")
                    self._sub(cell, f"{lab['units_legend']}.")
                    i += 1
                    for u in r["units"]:  # one line a unit, as in the PDF
                        cell = t.cell(i, 0).merge(t.cell(i, 1))
                        self._cell(cell, u["line"])
                        self._numbers(t, i, dict(u, margin=""))
                        i += 1
                else:
                    self._numbers(t, i, r)
                    i += 1
            self.para("", space_after=0)
        if s["tasks"]:
            t = self.table(1 + len(s["tasks"]), [14, 78, 28, 40])
            for c, text in enumerate((lab["id"], lab["tasks"], lab["deadline"], lab["status"])):
                self.para(text, bold=True, size=11.5, align="center", cell=t.cell(0, c), first=True, space_after=0)
            for i, k in enumerate(s["tasks"], 1):
                self._cell(t.cell(i, 0), _breakable(k["id"]))
                cell = t.cell(i, 1)
                self._titled(cell, k, lab, ("product", "note"))
                self._cell(t.cell(i, 2), "; ".join(k["deadlines"]))
                cell = t.cell(i, 3)
                self._cell(cell, k["label"], bold=True, color=_COLOURS.get(k["status"]))
                if k["why"]:
                    self._sub(cell, k["why"])
                for line in k["deliveries"]:
                    self._sub(cell, line)
            self.para("", space_after=0)
        for c in s["children"]:
            self.section(c)

    def _numbers(self, t: Any, i: int, r: dict[str, Any]) -> None:
        self._cell(t.cell(i, 2), r["value"], align="right")
        if r["margin"]:
            self._sub(t.cell(i, 2), r["margin"], align="right")
        self._cell(t.cell(i, 3), r["target"], align="right")
        cell = t.cell(i, 4)
        self._cell(cell, r["label"], bold=True, color=_COLOURS.get(r["status"]))
        if r["why"]:
            self._sub(cell, r["why"])

    def _titled(self, cell: Any, item: dict[str, Any], lab: dict[str, str], fields: tuple[str, ...]) -> None:
        """A target's or task's title, with who leads it (and supports it) and ``fields`` on lines below."""
        self._cell(cell, item["title"])
        if item["lead"]:
            self._sub(cell, f"{lab['lead']}: {item['lead']}"
                      + (f"; {lab['support'].lower()}: {item['support']}" if item["support"] else ""))
        for field in fields:
            if item[field]:
                self._sub(cell, f"{lab[field]}: {item[field]}")

    def _cell(self, cell: Any, text: str, *, bold: bool = False, align: str = "left", color: str | None = None
              ) -> None:
        p = cell.paragraphs[0]
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.shared import Pt

        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT if align == "right" else WD_ALIGN_PARAGRAPH.LEFT
        p.paragraph_format.space_after = Pt(0)
        self.run(p, text, bold=bold, size=11.5, color=color)

    def _sub(self, cell: Any, text: str, align: str = "left") -> None:
        self.para(text, size=10.5, align=align, cell=cell, space_after=0)

    def bytes(self) -> bytes:
        out = io.BytesIO()
        self.w.save(out)
        return out.getvalue()


def _breakable(rid: str) -> str:
    """An identifier that may break after each dot in a narrow cell (``II.1.c.3.`` / ``units``, as in the PDF, not
    ``II.1.c.3.u`` / ``nits``): a zero-width space (U+200B) after each ``.`` but the last character."""
    return re.sub(r"\.(?=.)", ".\u200b", rid)


_COLOURS = {"not_met": "A00000", "overdue": "A00000", "error": "A00000", "at_risk": "7A4D00",
            "done_late": "7A4D00", "met": "0B5A1F", "done": "0B5A1F"}


class _Cells:
    """A table's cells found a row at a time, each row's once: python-docx's ``Table.cell`` builds the
    whole table's grid on every call, so filling a table of n rows that way takes n² steps (a 700-unit
    report's trend table ran for minutes). A merge leaves the row's other cells as they were found."""

    def __init__(self, table: Any, rows: list[Any]) -> None:
        self.table = table
        self.rows = rows
        self._found: dict[int, tuple[Any, ...]] = {}

    def cell(self, row: int, col: int) -> Any:
        cells = self._found.get(row)
        if cells is None:
            cells = self._found[row] = self.rows[row].cells
        return cells[col]
