"""Cells: numbers in the Vietnamese or English format, booleans and text, read exactly."""

from __future__ import annotations

import decimal
import re
import unicodedata
from fractions import Fraction

from kpirules.data.model import Value
from kpirules.text import MAX_DIGITS


#: the number formats a CSV or spreadsheet cell may be written in
NUMBER_FORMATS = ("vi", "en")
#: (decimal mark, thousands separator) of each format
_MARKS = {"vi": (",", "."), "en": (".", ",")}
_FORMAT_NAMES = {"vi": "Vietnamese", "en": "English"}

#: largest decimal exponent read (``1e400``); beyond, a cell is an error, not a hang
MAX_EXPONENT = 400

# anything made of digits, '.', ',' (and an exponent): a cell that means to be a number
_NUMERIC_RE = re.compile(r"[+-]?[\d.,]*\d[\d.,]*([eE][+-]?\d+)?")
_EXP_RE = re.compile(r"(?P<m>[^eE]*)[eE](?P<e>[+-]?\d+)")
_SPACES = "\u00a0\u202f\u2009 "  # (no-break, narrow and thin) spaces Excel puts before "%"

_TRUE = {"true", "có", "x"}
_FALSE = {"false", "không"}


#: what starts a formula in a spreadsheet cell (OWASP's CSV injection list): text from a plan or data
#: that starts so is written with a leading apostrophe
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutral(text: str) -> str:
    """A CSV cell a spreadsheet will not run as a formula: one starting with = + - @ (or a tab, a CR) gets
    a leading apostrophe; :func:`original_text` takes it off again."""
    return "'" + text if text[:1] in FORMULA_STARTS and text else text


def original_text(cell: str) -> str:
    """A CSV cell as it was before :func:`neutral`: ``'=x`` is ``=x``; any other cell as it is."""
    return cell[1:] if cell[:1] == "'" and cell[1:2] in FORMULA_STARTS and len(cell) > 1 else cell


class AmbiguousNumber(ValueError):
    """A number that the Vietnamese and the English format read differently (``1.234``), no format stated."""


def number_reading(text: str) -> str | None:
    """The one number format that reads ``text`` (a cell, maybe a percentage), if it has a mark (``.`` or ``,``)
    and only one of the formats reads it: ``2.400,5`` → ``"vi"``, ``1.5`` → ``"en"``; else None
    (``1.700`` and ``1234`` are read by both, ``abc`` by neither)."""
    s = text.strip().strip(_SPACES)
    if s.endswith("%"):
        s = s[:-1].strip().strip(_SPACES)
    if "." not in s and "," not in s or not _NUMERIC_RE.fullmatch(s):
        return None
    body = s[1:] if s[0] in "+-" else s
    found = []
    for fmt in NUMBER_FORMATS:
        try:
            if _read_format(body, fmt) is not None:
                found.append(fmt)
        except ValueError:
            return None
    return found[0] if len(found) == 1 else None


def _read_format(body: str, fmt: str) -> Fraction | None:
    """``body`` (no sign, no %) read in one number format, or None if it does not fit."""
    dec, group = _MARKS[fmt]
    m = _EXP_RE.fullmatch(body)
    exp = 0
    if m:
        body, exp_text = m.group("m"), m.group("e")
        if group in body:  # no thousands separators in scientific notation
            return None
        check_exponent(exp_text, f"{body}e{exp_text}")
        exp = int(exp_text)
    whole, _, frac = body.partition(dec)
    if dec in frac or group in frac:
        return None
    if group in whole:
        parts = whole.split(group)
        # 1.234.567: a first group of 1-3 digits not starting with 0, then groups of exactly 3
        if not (1 <= len(parts[0]) <= 3 and parts[0][0] != "0" and all(len(p) == 3 for p in parts[1:])):
            return None
        whole = "".join(parts)
    if not (whole.isdigit() or whole == "") or not (frac.isdigit() or frac == ""):
        return None
    if not whole and not frac or dec in body and not frac and not whole:
        return None
    check_digits(len(whole) + len(frac))
    value = Fraction(int(whole or "0") * 10 ** len(frac) + int(frac or "0"), 10 ** len(frac))
    return value * Fraction(10) ** exp


def parse_number(text: str, number_format: str | None = None) -> int | Fraction | None:
    """Read a number as a spreadsheet shows it, in the Vietnamese or English format.

    ``1.234`` is one thousand two hundred thirty-four in Vietnamese (``vi``)
    and one point two three four in English (``en``); ``12,5`` is twelve and
    a half in Vietnamese and fits no English number.  Without a stated
    ``number_format`` a text that the two formats read differently raises
    :class:`ValueError` (ambiguous); one that only one format reads is read
    that way.  Returns None when the text is not a number at all, raises
    ValueError when it looks like one but fits no format.
    """
    s = text.strip().strip(_SPACES)
    if not _NUMERIC_RE.fullmatch(s):
        return None
    if number_format is not None and number_format not in _MARKS:
        raise ValueError(f"unknown number format {number_format!r}; expected vi or en")
    sign = -1 if s[0] == "-" else 1
    body = s[1:] if s[0] in "+-" else s
    formats = (number_format,) if number_format else NUMBER_FORMATS
    readings = {fmt: _read_format(body, fmt) for fmt in formats}
    found = {fmt: v for fmt, v in readings.items() if v is not None}
    if not found:
        if number_format:
            dec, group = _MARKS[number_format]
            raise ValueError(
                f"{text.strip()!r} is not a number in the {_FORMAT_NAMES[number_format]} format "
                f"(decimal mark {dec!r}, thousands separator {group!r})"
            )
        raise ValueError(f"{text.strip()!r} is not a number in the Vietnamese (1.234,5) or English (1,234.5) format")
    values = set(found.values())
    if len(values) > 1:
        vi, en = found["vi"], found["en"]
        # (only one kind of mark can make a number read two ways: 1.234 or 12,500)
        vi_says, en_says = (("dot groups thousands", "dot is the decimal mark") if "." in text
                            else ("comma is the decimal mark", "comma groups thousands"))
        raise AmbiguousNumber(
            f"{text.strip()!r} is ambiguous: {_plain_number(vi)} in the Vietnamese format ({vi_says}) "
            f"or {_plain_number(en)} in the English format ({en_says}); "
            "state the format with --number-format vi or en"
        )
    return normal_number(sign * values.pop())


def whole_reading(text: str) -> int | None:
    """A number the two formats read differently, as a whole number reads it: its mark groups thousands
    (``1.700`` is 1700, ``5.000`` 5000, ``1,500`` 1500), since nobody writes a count's decimals; None when
    the text is not ambiguous so (a cell of a metric whose kind is a count: the kind decides it)."""
    s = text.strip().strip(_SPACES)
    try:
        parse_number(s)
    except AmbiguousNumber:
        grouped = parse_number(s, "vi" if "." in s else "en")
        return grouped if type(grouped) is int else None
    except ValueError:
        return None
    return None


#: digits grouped by spaces (``5 000``, ``1 234 567``; a no-break or thin space too), maybe with decimals
_SPACE_GROUPED = re.compile(r"[+-]?[1-9]\d{0,2}(?:[ \u00a0\u202f\u2009]\d{3})+(?:[.,]\d+)?")


def _plain_number(f: Fraction) -> str:
    from kpirules.values import format_number

    return format_number(normal_number(f))


def plain_decimal(text: str, number_format: str | None) -> int | Fraction | None:
    """``12.5`` or ``12,5`` (ASCII digits, one mark, no sign or spaces) as parse_cell reads it,
    when that is certain; None when parse_cell must decide (or fails)."""
    for mark, fmt in ((".", "en"), (",", "vi")):
        whole, sep, frac = text.partition(mark)
        if not sep:
            continue
        if not (whole.isdigit() and frac.isdigit() and text.isascii()) or len(text) > 40:
            return None
        if number_format is None:
            # the other format reads the mark as a thousands separator: 1.234 is ambiguous
            if 1 <= len(whole) <= 3 and whole[0] != "0" and len(frac) == 3:
                return None
        elif number_format != fmt:
            return None
        return normal_number(Fraction(int(whole + frac), 10 ** len(frac)))
    return None


def parse_cell(text: str, number_format: str | None = None) -> Value | None:
    """Read one CSV or spreadsheet cell (see docs/data.md).

    A number (``1.234,5`` or ``1,234.5``; see :func:`parse_number`), a
    percentage (``20%`` is 1/5, ``12,5%`` is 1/8), a boolean (``true``,
    ``có``, ``x`` / ``false``, ``không``, any case), empty or blank (None:
    missing, never false) or, anything else, text.  Raises
    :class:`ValueError` for an ambiguous or malformed number.
    """
    s = text.strip().strip(_SPACES)
    if not s:
        return None
    if s.endswith("%"):
        try:
            pct = parse_number(s[:-1], number_format)
        except ValueError as exc:
            raise type(exc)(str(exc).replace(repr(s[:-1].strip().strip(_SPACES)), repr(s), 1)) from None
        if pct is not None:
            return normal_number(Fraction(pct) / 100)
    number = parse_number(s, number_format)
    if number is not None:
        return number
    if _SPACE_GROUPED.fullmatch(s):
        digits = re.sub(r"\s", "", s)
        raise ValueError(
            f"{s!r} groups its digits with spaces, which kpirules does not read as one number (a space may as "
            f"well part two numbers): write it without spaces ({digits}) "
            "or with the format's thousands separator (5.000 in Vietnamese, 5,000 in English)")
    low = unicodedata.normalize("NFC", s).lower()
    if low in _TRUE:
        return True
    if low in _FALSE:
        return False
    return s


def exact_number(text: str) -> int | Fraction:
    """A JSON number, exactly, from its decimal text."""
    mantissa, _, exp = text.lower().partition("e")
    if exp:
        check_exponent(exp, text)
    check_digits(sum(c.isdigit() for c in mantissa))
    return normal_number(Fraction(text))


# --- the limits every number read obeys (docs/data.md#limits): a file's text and a Python value alike ---


def check_exponent(exp_text: str, number: str) -> None:
    """ValueError when the exponent ``exp_text`` (``+400``, ``-12``) of the number written ``number``
    is beyond :data:`MAX_EXPONENT`: ``1e999999999`` is an error, never a hang."""
    if len(exp_text.lstrip("+-")) > 6 or abs(int(exp_text)) > MAX_EXPONENT:
        raise ValueError(f"the exponent of {number} is too large (more than {MAX_EXPONENT})")


def check_digits(count: int) -> None:
    """ValueError when a number has more than :data:`~kpirules.text.MAX_DIGITS` digits."""
    if count > MAX_DIGITS:
        raise ValueError(f"a number of more than {MAX_DIGITS} digits")


_BIG_BITS = int(MAX_DIGITS * 3.3219280948873626)  # (an int of fewer bits has at most MAX_DIGITS digits)


def _check_int(n: int, what: str) -> None:
    if n.bit_length() > _BIG_BITS and abs(n) >= 10**MAX_DIGITS:
        raise ValueError(f"{what} of more than {MAX_DIGITS} digits")


def bounded_number(v: int | Fraction | decimal.Decimal) -> int | Fraction:
    """A Python number given as data, exactly, within the limits of the numbers of a data file: a
    ``Decimal`` is read as its text would be in a JSON data file (``Decimal("1e999999999")`` is
    refused, its exponent too large, rather than expanded), an ``int`` or a ``Fraction``'s numerator
    and denominator have at most :data:`~kpirules.text.MAX_DIGITS` digits.  ValueError otherwise
    (also for a Decimal NaN or infinity)."""
    if isinstance(v, decimal.Decimal):
        if not v.is_finite():
            raise ValueError(f"Decimal({str(v)!r}) is not a number kpirules accepts")
        digits, exp = v.as_tuple()[1:]
        check_digits(len(digits))
        assert isinstance(exp, int)  # (finite)
        if exp > MAX_EXPONENT or exp < -(MAX_EXPONENT + MAX_DIGITS):  # (str(v) would have a larger exponent)
            raise ValueError(f"the exponent of {v} is too large (more than {MAX_EXPONENT})")
        return exact_number(str(v))
    if isinstance(v, Fraction):
        _check_int(v.numerator, "a fraction whose numerator is a number")
        _check_int(v.denominator, "a fraction whose denominator is a number")
        return normal_number(v)
    _check_int(int(v), "a number")
    return int(v)


def exact_int(text: str) -> int | Fraction:
    """A JSON integer (``-?\\d+``), exactly; exact_number for the long ones and their errors."""
    return int(text) if len(text) <= 30 else exact_number(text)


def normal_number(f: Fraction) -> int | Fraction:
    return f.numerator if f.denominator == 1 else f
