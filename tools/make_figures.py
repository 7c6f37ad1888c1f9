"""Draw docs/img/windows.svg: Decree 09 reporting windows (15th to 14th) against calendar months.

Hand-written SVG, no plotting library: one row of calendar months, one row of
the plan's monthly windows, one of its quarters and one of its years, from
September 2019 to April 2020, with a marker on 2019-12-15 — the first day of
month 2020-01, of quarter 2020-Q1 and of year 2020.

Run from the repository root: ``python tools/make_figures.py`` (``--check``
exits 1 when the file on disk is not what the script draws).
"""

from __future__ import annotations

import datetime
import pathlib
import sys

from kpirules.periods import DEFAULT_SCHEME, Kind, Period, containing

OUT = pathlib.Path(__file__).resolve().parent.parent / "docs" / "img" / "windows.svg"

FIRST = datetime.date(2019, 9, 1)
LAST = datetime.date(2020, 4, 30)
MARK = datetime.date(2019, 12, 15)
LEFT, TOP, DAY, ROW, GAP = 150, 50, 4, 34, 12
COLOURS = ("#dbe9f6", "#fde2c8")


def x(d: datetime.date) -> float:
    return LEFT + (d - FIRST).days * DAY


def clip(a: datetime.date, b: datetime.date) -> tuple[datetime.date, datetime.date]:
    return max(a, FIRST), min(b, LAST)


def esc(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def row(y: float, label: str, spans: list[tuple[datetime.date, datetime.date, str]]) -> list[str]:
    out = [f'<text x="{LEFT - 10}" y="{y + ROW / 2 + 5}" text-anchor="end" class="head">{esc(label)}</text>']
    for i, (a, b, text) in enumerate(spans):
        a, b = clip(a, b)
        if a > b:
            continue
        x0, x1 = x(a), x(b + datetime.timedelta(days=1))
        out.append(f'<rect x="{x0:.0f}" y="{y}" width="{x1 - x0:.0f}" height="{ROW}" '
                   f'fill="{COLOURS[i % 2]}" stroke="#555" stroke-width="0.8"/>')
        out.append(f'<text x="{(x0 + x1) / 2:.0f}" y="{y + ROW / 2 + 5}" text-anchor="middle">{esc(text)}</text>')
    return out


def windows(kind: Kind) -> list[tuple[datetime.date, datetime.date, str]]:
    p = containing(FIRST, kind, DEFAULT_SCHEME)
    out = []
    while p.start <= LAST:
        out.append((p.start, p.end, p.label))
        p = p.next()
    return out


def calendar_months() -> list[tuple[datetime.date, datetime.date, str]]:
    out = []
    d = FIRST
    while d <= LAST:
        nxt = datetime.date(d.year + d.month // 12, d.month % 12 + 1, 1)
        out.append((d, nxt - datetime.timedelta(days=1), d.strftime("%b %Y")))
        d = nxt
    return out


def draw() -> str:
    rows = [
        ("calendar months", calendar_months()),
        ("months (15th–14th)", windows(Kind.MONTH)),
        ("quarters", windows(Kind.QUARTER)),
        ("years", windows(Kind.YEAR)),
    ]
    width = x(LAST) + 40
    height = TOP + len(rows) * (ROW + GAP) + 60
    body: list[str] = []
    for i, (label, spans) in enumerate(rows):
        body += row(TOP + i * (ROW + GAP), label, spans)
    mx = x(MARK)
    bottom = TOP + len(rows) * (ROW + GAP)
    q = Period.quarter(2020, 1)
    body.append(f'<line x1="{mx}" y1="{TOP - 12}" x2="{mx}" y2="{bottom}" stroke="#c0392b" stroke-width="2"/>')
    body.append(f'<text x="{mx}" y="{TOP - 16}" text-anchor="middle" class="mark">{MARK.isoformat()}: calendar December 2019, '
                f'but month 2020-01, quarter {q.label} ({q.start:%d/%m/%Y}–{q.end:%d/%m/%Y}) and year 2020</text>')
    body.append(f'<text x="{LEFT}" y="{bottom + 24}" class="note">Decree 09/2019/NĐ-CP windows '
                f'(reporting quarterly cutoff 15): every window runs from the 15th to the 14th; '
                f'drawn by tools/make_figures.py</text>')
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height}" '
            f'viewBox="0 0 {width:.0f} {height}" font-family="sans-serif" font-size="12">\n'
            '<title>Reporting windows from the 15th to the 14th against calendar months</title>\n'
            '<style>.head{font-weight:bold}.mark{fill:#c0392b;font-weight:bold}.note{fill:#555}</style>\n'
            '<rect width="100%" height="100%" fill="white"/>\n')
    return head + "\n".join(body) + "\n</svg>\n"


def main(argv: list[str]) -> int:
    svg = draw()
    if "--check" in argv:
        if not OUT.exists() or OUT.read_text(encoding="utf-8") != svg:
            print(f"{OUT} is out of date: run python tools/make_figures.py", file=sys.stderr)
            return 1
        return 0
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(svg, encoding="utf-8")
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
