"""A message as data: a code and its arguments, rendered in a language from that language's catalog.

A :class:`Message` is also the English text it renders to in the plain style (ISO dates,
period labels as written, ``A…B`` spans), so code that joins or compares reasons as text
keeps working; its ``code`` and ``args`` are the data that every other rendering starts from.

A template is a :meth:`str.format` string over the argument names.  ``[[ … ]]`` marks an
optional piece: it is left out when an argument it names is None or empty.  ``{to}`` is
the style's separator of a span (``…`` plain, `` – `` for people).  Specs: ``{x:id}`` a
metric's id even where the style would show its title; ``{x:lower}`` the first letter in
lower case (a period label inside a sentence); ``{x:day|days}`` the word for the number
``x`` (the singular only in a style that asks for it); ``{x:!row|rows}`` the word for the number ``x``
in every style (a count of the data's rows: "1 row", "3 rows", in the JSON too).
"""

from __future__ import annotations

import datetime
import importlib
import re
import string
from collections.abc import Mapping
from typing import Any

__all__ = ["Message", "Label", "Metric", "Expr", "Value", "Word", "Progress", "Count", "Style", "PLAIN", "LANGUAGES",
           "catalog_of"]


class Label(str):
    """A period label (``2020-Q4``) or a deadline written as an ISO date: shown in the style's way."""

    __slots__ = ()


class Metric(str):
    """A metric's id: shown as the id, or by a style that knows titles, as the title."""

    __slots__ = ()


class Expr(str):
    """An expression of the plan as written (``ratio(a, b)``): in backticks, or, by a style that knows the
    plan's metric titles, as the data it reads in the reader's words."""

    __slots__ = ()


class Word(str):
    """One of a closed set of words (``number``, ``boolean``), looked up in the catalog's ``words``."""

    __slots__ = ()


class Progress(str):
    """A task's reported progress (``in_progress``): in the catalog's ``words``, except in a style that keeps
    the data's own words in English (the plain style: the JSON says ``in_progress``)."""

    __slots__ = ()


class Count(int):
    """A count of things (``999980`` warnings more): written with the language's digit grouping, 999,980 in
    English (and the plain style), 999.980 in Vietnamese; a plain number in JSON."""

    __slots__ = ()


class Value:
    """A value of the data as a message shows it (``the text "x"``, ``the number 3``): its kind
    (``text``, ``number``, ``boolean``) and its exact text (``0.25``, ``true``)."""

    __slots__ = ("kind", "text")

    def __init__(self, kind: str, text: str) -> None:
        self.kind = kind
        self.text = text

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Value) and (self.kind, self.text) == (other.kind, other.text)

    def __hash__(self) -> int:
        return hash((Value, self.kind, self.text))

    def __repr__(self) -> str:
        return f"Value({self.kind!r}, {self.text!r})"


class Style:
    """How a rendering writes dates, period labels, metrics and spans (plain: as in the JSON)."""

    span = "…"
    #: "1 day" rather than "1 days" (the plain English of the JSON always says "days")
    singular = False
    #: in English, progress as the data writes it (``in_progress``), not in words
    data_words = True

    def date(self, d: datetime.date, lang: str) -> str:
        return d.isoformat()

    def label(self, label: str, lang: str) -> str:
        return label

    def metric(self, metric: str, lang: str) -> str:
        return metric

    def expr(self, expr: str, lang: str) -> str:
        return f"`{expr}`"


PLAIN = Style()

#: the languages that have a catalog: the module kpirules.messages.<lang> holds it as CATALOG
LANGUAGES = ("en", "vi")
_CATALOGS: dict[str, Mapping[str, Any]] = {}


def catalog_of(lang: str) -> Mapping[str, Any]:
    """The catalog of ``lang``: ``templates`` (code → template), ``words`` and ``value`` (how a data value is said)."""
    catalog = _CATALOGS.get(lang)
    if catalog is None:
        if lang not in LANGUAGES:
            raise KeyError(f"no message catalog for the language {lang!r}")
        catalog = _CATALOGS[lang] = importlib.import_module(f"kpirules.messages.{lang}").CATALOG
    return catalog


_OPTIONAL = re.compile(r"\[\[(.*?)\]\]", re.S)  # (over our own templates, never over rendered text)
_FIELDS = string.Formatter()


class _Renderer(string.Formatter):
    def __init__(self, lang: str, style: Style, catalog: Mapping[str, Any]) -> None:
        self.lang, self.style, self.catalog = lang, style, catalog

    def get_value(self, key: Any, args: Any, kwargs: Any) -> Any:
        if key == "to":
            return _Raw(self.style.span)
        return kwargs[key]

    def format_field(self, value: Any, spec: str) -> str:
        if spec == "id":
            return str(value)
        if spec.startswith("!") and "|" in spec:
            one, many = spec[1:].split("|", 1)
            return one if value == 1 else many
        if "|" in spec:
            one, many = spec.split("|", 1)
            return one if self.style.singular and value == 1 else many
        text = self.show(value)
        if spec == "lower":
            return text[:1].lower() + text[1:]
        return text

    def show(self, v: Any) -> str:  # noqa: C901 - one case per kind of argument
        if v is None:
            return ""
        if isinstance(v, _Raw):
            return str(v)
        if isinstance(v, Exact):
            return v.brief.get(self.lang, str.__str__(v))
        if isinstance(v, Message):
            return v.render(self.lang, self.style)
        if isinstance(v, Label):
            return self.style.label(v, self.lang)
        if isinstance(v, Metric):
            return self.style.metric(v, self.lang)
        if isinstance(v, Expr):
            return self.style.expr(v, self.lang)
        if isinstance(v, Progress) and self.lang == "en" and self.style.data_words:
            return str(v)
        if isinstance(v, (Word, Progress)):
            return str(self.catalog["words"].get(v, v))
        if isinstance(v, Value):
            return str(self.catalog["value"][v.text if v.kind == "boolean" else v.kind].format(v.text))
        if isinstance(v, datetime.date):
            return self.style.date(v, self.lang)
        if isinstance(v, Count):
            grouped = f"{int(v):,}"
            return grouped.replace(",", ".") if self.lang == "vi" else grouped
        if isinstance(v, tuple):
            if v and isinstance(v[0], Message):
                return "; ".join(self.show(x) for x in v)
            return ", ".join(self.show(x) for x in v)
        return str(v)


class _Raw(str):
    __slots__ = ()


class Exact(str):
    """A number's exact text, which a message's JSON arguments carry, shown in the message as its
    ``brief`` text of the message's language (a value of thousands of digits is written shortly for
    people: :func:`kpirules.values.brief_number`)."""

    brief: Mapping[str, str]

    def __new__(cls, text: str, brief: Mapping[str, str]) -> Exact:
        self = str.__new__(cls, text)
        self.brief = brief
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return Exact, (str.__str__(self), self.brief)


def _empty(v: Any) -> bool:
    return v is None or v == () or v == ""


def _fill(template: str, renderer: _Renderer, args: Mapping[str, Any]) -> str:
    def optional(m: re.Match[str]) -> str:
        names = {f for _, f, _, _ in _FIELDS.parse(m[1]) if f}
        names = {f.split(".")[0].split("[")[0] for f in names} - {"to"}
        return "" if any(_empty(args.get(f)) for f in names) else m[1]

    if "[[" in template:
        template = _OPTIONAL.sub(optional, template)
    return renderer.vformat(template, (), args)


class Message(str):
    """A reason or warning: ``code`` and ``args``, and (as a str) its plain English text."""

    __slots__ = ("code", "args")
    code: str
    args: Mapping[str, Any]

    def __new__(cls, code: str, /, **args: Any) -> Message:
        self = str.__new__(cls, _render(code, args, "en", PLAIN))
        self.code = code
        self.args = args
        return self

    def render(self, lang: str = "en", style: Style = PLAIN) -> str:
        """The text of the message in ``lang``, its dates, periods and metrics written the ``style``'s way."""
        if lang == "en" and style is PLAIN:
            return str.__str__(self)
        return _render(self.code, self.args, lang, style)

    def json_args(self) -> dict[str, Any]:
        """The arguments as JSON values: dates ISO, values ``{"type", "value"}``, messages ``{"code", "args"}``."""
        return {k: _json(v) for k, v in self.args.items()}

    def __reduce__(self) -> tuple[Any, ...]:
        return _rebuild, (self.code, dict(self.args))

    # (repr: the text's, so that a reason reads in a repr as the text it is; ``code`` tells the rest)


def _rebuild(code: str, args: dict[str, Any]) -> Message:
    return Message(code, **args)


def _json(v: Any) -> Any:
    if isinstance(v, Count):
        return int(v)
    if isinstance(v, Message):
        return {"code": v.code, "args": v.json_args()}
    if isinstance(v, Value):
        return {"type": v.kind, "value": v.text}
    if isinstance(v, datetime.date):
        return v.isoformat()
    if isinstance(v, tuple):
        return [_json(x) for x in v]
    if isinstance(v, str):
        return str.__str__(v)
    return v


def _render(code: str, args: Mapping[str, Any], lang: str, style: Style) -> str:
    catalog = catalog_of(lang)
    template = catalog["templates"].get(code)
    if template is None:
        raise KeyError(f"the {lang} message catalog has no template for {code!r}")
    renderer = _Renderer(lang, style, catalog)
    if callable(template):
        return str(template(renderer, args))
    return _fill(template, renderer, args)

