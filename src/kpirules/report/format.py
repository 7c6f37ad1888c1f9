"""Numbers, dates and periods written for people, from exact values, in Vietnamese or English."""

from __future__ import annotations

import datetime
from fractions import Fraction

from kpirules.errors import KpiError
from kpirules.periods import ROMAN_NUMERALS, Kind, Period, parse_period
from kpirules.report.i18n import MONTHS_EN
from kpirules.values import SIG_DIGITS, fmt_scientific, int_text, is_big  # (the scientific form: engine texts use it too)


def fmt_date(d: datetime.date, lang: str) -> str:
    """``15/9/2020`` in Vietnamese, ``15 September 2020`` in English."""
    if lang == "vi":
        return f"{d.day}/{d.month}/{d.year}"
    return f"{d.day} {MONTHS_EN[d.month - 1]} {d.year}"


def fmt_period(p: Period, lang: str) -> str:
    """``Quý IV/2020`` / ``Q4 2020``, ``Năm 2020`` / ``2020``, …"""
    if lang == "vi":
        if p.kind is Kind.QUARTER:
            return f"Quý {ROMAN_NUMERALS[p.index - 1]}/{p.year}"
        if p.kind is Kind.HALF:
            return f"6 tháng {'đầu' if p.index == 1 else 'cuối'} năm {p.year}"
        if p.kind is Kind.MONTH:
            return f"Tháng {p.index}/{p.year}"
        if p.kind is Kind.NINE_MONTH:
            return f"9 tháng năm {p.year}"
        return f"Năm {p.year}"
    if p.kind is Kind.QUARTER:
        return f"Q{p.index} {p.year}"
    if p.kind is Kind.HALF:
        return f"H{p.index} {p.year}"
    if p.kind is Kind.MONTH:
        return f"{MONTHS_EN[p.index - 1]} {p.year}"
    if p.kind is Kind.NINE_MONTH:
        return f"nine months {p.year}"
    return str(p.year)


def fmt_label(label: str | None, lang: str) -> str:
    """A result's period label (``2020-Q4``, ``2025``, ``2020-06-30``) for people."""
    if not label:
        return ""
    try:
        return fmt_date(datetime.date.fromisoformat(label), lang)
    except ValueError:
        pass
    try:
        return fmt_period(parse_period(label), lang)
    except KpiError:
        return label


def round_places(f: Fraction, places: int) -> tuple[int, bool]:
    """``f`` × 10^places rounded half away from zero, and whether that is exact."""
    scaled = f * 10**places
    q = (abs(scaled.numerator) * 2 + scaled.denominator) // (2 * scaled.denominator)
    return (-q if scaled < 0 else q), scaled.denominator == 1


def fmt_decimal(v: int | Fraction, lang: str, places: int = 2, sign: bool = False, sig: int = SIG_DIGITS) -> str:
    """An exact number rounded to at most ``places`` decimals, trailing zeros dropped, with grouping; a
    number of more than :data:`BIG_DIGITS` digits before its point in scientific form, to ``sig`` digits."""
    if is_big(v):
        return fmt_scientific(v, lang, sig, sign)
    q, _ = round_places(Fraction(v), places)
    neg = q < 0
    digits = int_text(abs(q)).rjust(places + 1, "0")
    whole, frac = (digits[:-places], digits[-places:].rstrip("0")) if places else (digits, "")
    group, point = (".", ",") if lang == "vi" else (",", ".")
    parts: list[str] = []
    while len(whole) > 3:
        parts.insert(0, whole[-3:])
        whole = whole[:-3]
    parts.insert(0, whole)
    text = group.join(parts) + (point + frac if frac else "")
    if neg and text.strip("0.,") != "":
        return "−" + text
    return ("+" + text) if sign and q > 0 else text


def fmt_percent(v: int | Fraction, lang: str, places: int = 2, sign: bool = False, sig: int = SIG_DIGITS) -> str:
    """``Fraction(617, 2500)`` → ``24.68%`` (``24,68%`` in Vietnamese)."""
    return fmt_decimal(Fraction(v) * 100, lang, places, sign, sig) + "%"


#: what ends a sentence already: a stop, an ellipsis, a question or exclamation mark
_ENDS = (".", "…", "?", "!")


def capital(text: str) -> str:
    """``text`` with its first letter a capital (after any opening quote or bracket): the start of a sentence."""
    for i, c in enumerate(text):
        if c.isalnum():
            return text[:i] + c.upper() + text[i + 1:]
        if c not in "“\"'‘([ ":
            return text
    return text


def ended(text: str) -> str:
    """``text`` with one final stop: none added after a stop already there or an ellipsis (never ``….``)."""
    text = text.rstrip()
    return text if not text or text.endswith(_ENDS) else text + "."


def sentence(text: str) -> str:
    """``text`` as a sentence: a capital first letter and one final stop."""
    return ended(capital(text.strip()))


def stop_after(text: str, more: str = "") -> str:
    """The final stop to write after ``text`` and then ``more`` (a source in brackets): ``.``, or nothing when
    ``more`` is empty and ``text`` already ends a sentence."""
    return "" if not more and text.rstrip().endswith(_ENDS) else "."
