"""Run-time values of the language and their exact text form.

A value is an exact number (``int`` or ``Fraction``), a ``bool``, text
(``str``), :class:`Undefined` (missing data, a zero denominator: Kleene's
third truth value) or :class:`Invalid` (the data has the wrong type; never
hidden by Kleene logic).  Undefined and invalid values are ordinary values,
never exceptions.
"""

from __future__ import annotations

import datetime
import functools
from fractions import Fraction
from collections.abc import Callable
from typing import Any, TypeGuard, Union

import attrs

__all__ = ["Undefined", "Later", "Invalid", "Number", "format_number", "format_value", "is_number", "ratio_text", "int_text",
           "MAX_DIGITS", "too_many_digits", "BIG_DIGITS", "SIG_DIGITS", "is_big",
           "scientific", "scientific_value", "fmt_scientific", "brief_number"]

#: the most decimal digits a numerator or denominator of any value worked out may have: a bigger one
#: makes the rule's status `error` (reason `too_large`), so that every operation stays fast
MAX_DIGITS = 10_000
_MAX_BITS = int(MAX_DIGITS * 3.3219280948873626) + 1  # (every number of MAX_DIGITS digits has fewer bits)
_LIMIT = 10**MAX_DIGITS


def too_many_digits(v: object) -> bool:
    """Whether the int or Fraction ``v`` has a numerator or denominator of more than :data:`MAX_DIGITS` digits."""
    if type(v) is int:
        return v.bit_length() > _MAX_BITS - 4 and abs(v) >= _LIMIT
    if type(v) is Fraction:
        n, d = v.numerator, v.denominator
        return (n.bit_length() > _MAX_BITS - 4 and abs(n) >= _LIMIT) or (d.bit_length() > _MAX_BITS - 4 and d >= _LIMIT)
    return False


_CHUNK = 2_000  # digits per piece when an int is written past Python's cap on int-to-text conversion


def int_text(n: int) -> str:
    """``str(n)`` for an int of any size (Python refuses more than 4,300 digits unless told otherwise)."""
    if n.bit_length() < 14_000:  # (under 4,215 digits: within the cap)
        return str(n)
    if n < 0:
        return "-" + int_text(-n)
    pieces = []
    unit = 10**_CHUNK
    while n >= unit:
        n, r = divmod(n, unit)
        pieces.append(str(r).rjust(_CHUNK, "0"))
    pieces.append(str(n))
    return "".join(reversed(pieces))

Number = Union[int, Fraction]


@attrs.frozen(eq=False)
class Undefined:
    """No value: ``reasons`` say what was missing (a metric, a denominator of 0)."""

    reasons: tuple[str, ...] = ()

    def __bool__(self) -> bool:  # never let an undefined value pass as false by accident
        raise TypeError("Undefined has no truth value; use Kleene logic")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Undefined):
            return NotImplemented
        return self.reasons == other.reasons

    def __hash__(self) -> int:
        return hash((Undefined, self.reasons))

    def merge(self, other: Undefined) -> Undefined:
        seen = dict.fromkeys(self.reasons + other.reasons)
        return Undefined(tuple(seen))


_REASONS = Undefined.__dict__["reasons"]  # the slot that holds the reasons


class Later(Undefined):
    """An undefined value whose reasons are worked out when first read, as ``why(arg).reasons``.

    A truth-only scan over many periods or units (the fast conditions of :mod:`kpirules.engine.conditions`) finds undefined values
    without the work of saying why; a result reads the reasons of one of them at most.
    Equal to, and hashed like, the :class:`Undefined` with the same reasons.  The reasons are
    worked out from the data as it is when they are first read: the evaluator reads them
    before the data can change (and a caller who changes a Data should not keep old truths).
    """

    __slots__ = ("_why", "_arg")
    _why: Callable[[Any], Undefined]
    _arg: Any

    def __init__(self, why: Callable[[Any], Undefined], arg: Any) -> None:
        object.__setattr__(self, "_why", why)
        object.__setattr__(self, "_arg", arg)

    @property
    def reasons(self) -> tuple[str, ...]:
        try:
            return _REASONS.__get__(self)  # type: ignore[no-any-return]
        except AttributeError:
            found = self._why(self._arg)
            if not isinstance(found, Undefined):  # pragma: no cover - the fast paths' three-valued logic slipped
                raise AssertionError(f"an undefined truth was worked out again as {found!r}") from None
            _REASONS.__set__(self, found.reasons)
            return found.reasons

    def __repr__(self) -> str:
        return f"Undefined(reasons={self.reasons!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return Undefined, (self.reasons,)


@attrs.frozen
class Invalid:
    """A type error in the data (text where a number is needed, …)."""

    message: str

    def __bool__(self) -> bool:
        raise TypeError("Invalid has no truth value")


def is_number(v: object) -> TypeGuard[int | Fraction]:
    """Whether ``v`` is an exact number of the engine: an int (not a bool) or a Fraction."""
    t = type(v)
    return t is int or t is Fraction


def format_number(v: Number) -> str:
    """An exact decimal string where the fraction terminates, else ``n/d``.

    >>> format_number(Fraction(617, 2500)), format_number(Fraction(1, 3)), format_number(-3)
    ('0.2468', '1/3', '-3')
    """
    t = type(v)
    if t is int:
        return int_text(v)  # type: ignore[arg-type]
    if t is not Fraction:  # (a bool, a Decimal, a subclass: as Fraction reads it)
        v = Fraction(v)
    return ratio_text(v.numerator, v.denominator)


def ratio_text(numerator: int, denominator: int) -> str:
    """:func:`format_number` of the fraction ``numerator/denominator``, given in lowest terms
    with ``denominator > 0`` (no Fraction is built)."""
    if denominator == 1:
        return int_text(numerator)
    places = _places(denominator)
    if not places:  # the decimal never ends
        return f"{int_text(numerator)}/{int_text(denominator)}"
    digits = int_text(abs(numerator) * 10**places // denominator).rjust(places + 1, "0")
    return ("-" if numerator < 0 else "") + digits[:-places] + "." + digits[-places:]


@functools.lru_cache(maxsize=4096)  # (the same denominators recur across units and periods)
def _places(denominator: int) -> int:
    """The decimal places of 1/denominator (> 1), or 0 when it has a prime factor other than 2 and 5."""
    twos = (denominator & -denominator).bit_length() - 1  # the factors 2
    d = denominator >> twos
    fives = 0
    while d % 5 == 0:
        d //= 5
        fives += 1
    return max(twos, fives) if d == 1 else 0


def format_value(v: object) -> str | None:
    """The JSON text of a value: numbers exact, booleans ``true``/``false``, a date ``YYYY-MM-DD`` (``min``
    or ``max`` of a date column), None when undefined."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, datetime.date):
        return (v.date() if isinstance(v, datetime.datetime) else v).isoformat()
    if is_number(v):
        return format_number(v)
    if isinstance(v, str):
        return v
    return None


# --- the scientific form, for people ------------------------------------------

#: a number whose whole part has more digits than this is shown for people as ``m × 10ⁿ`` (the exact
#: value stays in the JSON): 4,000 digits in a table cell help nobody, and took a PDF a minute to lay out
BIG_DIGITS = 21
#: the significant digits of ``m`` (more where they are needed to show on which side of its target a
#: value is: :func:`kpirules.report.model.shown_numbers`)
SIG_DIGITS = 6
_BIG: int = 10**BIG_DIGITS
_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def is_big(f: int | Fraction) -> bool:
    """Whether ``f`` is shown in scientific form: its whole part has more than :data:`BIG_DIGITS` digits."""
    a = abs(Fraction(f))
    whole: int = a.numerator // a.denominator
    return whole >= _BIG


def scientific(f: int | Fraction, sig: int = SIG_DIGITS) -> tuple[int, int, bool]:
    """``f`` (not 0) as ``(m, n, exact)``: ``|f|`` ≈ ``m`` × 10^(n − sig + 1), ``m`` of ``sig`` digits and
    ``n`` the exponent of its first digit, rounded half away from zero; whether that is ``|f|`` exactly."""
    a = abs(Fraction(f))
    n = len(int_text(a.numerator)) - len(int_text(a.denominator))
    if a < Fraction(10) ** n:
        n -= 1
    scaled = a / Fraction(10) ** (n - sig + 1)
    m = (scaled.numerator * 2 + scaled.denominator) // (2 * scaled.denominator)
    if m == 10**sig:  # (9.9999… rounded up to 10.000…)
        m, n = m // 10, n + 1
    return m, n, m * Fraction(10) ** (n - sig + 1) == a


def scientific_value(f: int | Fraction, sig: int = SIG_DIGITS) -> Fraction:
    """The number a person reads from ``f`` written in scientific form (:func:`fmt_scientific`)."""
    if f == 0:
        return Fraction(0)
    m, n, _ = scientific(f, sig)
    return (-1 if f < 0 else 1) * m * Fraction(10) ** (n - sig + 1)


def fmt_scientific(f: int | Fraction, lang: str, sig: int = SIG_DIGITS, sign: bool = False) -> str:
    """``f`` as ``m × 10ⁿ`` with at most ``sig`` significant digits, ``≈ `` before it unless exact:
    ``10**4399`` → ``1 × 10⁴³⁹⁹``, ``2/3 × 10**30`` → ``≈ 6.66667 × 10²⁹`` (``6,66667`` in Vietnamese)."""
    m, n, exact = scientific(f, sig)
    digits = int_text(m)
    rest = digits[1:].rstrip("0")
    text = digits[0] + (("," if lang == "vi" else ".") + rest if rest else "") + " × 10" + str(n).translate(_SUPERSCRIPT)
    text = ("−" if f < 0 else "+" if sign and f > 0 else "") + text
    return text if exact else "≈ " + text


#: the longest exact text of a number that the engine's messages for people (warnings, explain) print
#: whole; a longer one is written in scientific form with its length (the JSON keeps it exact)
BRIEF_CHARS = 60


_BRIEF_KINDS = {
    "en": ("a number of {:,} digits", "a number of {:,} characters", "a fraction of {:,} characters"),
    "vi": ("một số có {:,} chữ số", "một số dài {:,} ký tự", "một phân số dài {:,} ký tự"),
}


def brief_number(v: Number, lang: str = "en") -> str:
    """:func:`format_number` of ``v``, or, past :data:`BRIEF_CHARS` characters, its scientific form (or,
    near 1, twelve decimals) and how long the exact text is: ``≈ 1 × 10³⁰⁰⁰, a number of 3,000 digits``
    (``≈ 1 × 10³⁰⁰⁰, một số có 3.000 chữ số``); a line of a warning or an explanation stays readable
    whatever the data, and ``≈`` says the shown number is not the value."""
    text = format_number(v)
    if len(text) <= BRIEF_CHARS:
        return text
    digits, decimal, fraction = _BRIEF_KINDS[lang]
    kind = (fraction if "/" in text else decimal if "." in text else digits).format(len(text.lstrip("-")))
    if is_big(v) or abs(Fraction(v)) < Fraction(1, 10**6):
        shown = fmt_scientific(v, lang)
    else:  # (a fraction of long terms near 1: twelve decimals say more than a power of ten)
        near = round(Fraction(v), 12)
        shown = ("" if near == v else "≈ ") + format_number(near.numerator if near.denominator == 1 else near)
        shown = shown.replace(".", ",") if lang == "vi" else shown
    return f"{shown}, {kind.replace(',', '.') if lang == 'vi' else kind}"
