"""Task progress rows: the status words and the checks of a row's fields."""

from __future__ import annotations

import datetime
from typing import Any

from kpirules.data.model import DONE, EventRow, Source, TaskRow, unit_name
from kpirules.errors import KpiPeriodError
from kpirules.periods import parse_date, parse_period
from kpirules.text import fold


#: the status words a task row may carry, by canonical word; matched ignoring case,
#: Vietnamese diacritics, and `_`/`-`/space differences
TASK_STATUS_WORDS: dict[str, tuple[str, ...]] = {
    "done": ("done", "hoàn thành", "đã hoàn thành", "completed", "finished", "xong", "đã xong"),
    "in_progress": ("in_progress", "đang thực hiện", "đang triển khai", "in progress", "ongoing", "started"),
    "not_started": ("not_started", "chưa thực hiện", "chưa triển khai", "not started", "planned",
                    "chưa bắt đầu"),
    "delayed": ("delayed", "chậm tiến độ", "chậm", "behind schedule"),
    "stuck": ("stuck", "vướng mắc", "gặp khó khăn", "blocked"),
    "suspended": ("suspended", "tạm dừng", "tạm dừng thực hiện", "on hold", "paused"),
}


def _fold(text: str) -> str:
    """Lower case, no Vietnamese diacritics (đ → d), words joined by single spaces."""
    return " ".join(fold(text).replace("_", " ").replace("-", " ").split())


_STATUS_BY_WORD = {_fold(w): key for key, words in TASK_STATUS_WORDS.items() for w in words}


def _words(words: tuple[str, ...]) -> list[str]:
    """The words of a status, one of those that fold alike (``in progress`` is ``in_progress``)."""
    seen: dict[str, str] = {}
    for w in words:
        seen.setdefault(_fold(w), w)
    return list(seen.values())


#: every status word a row may carry, for the message on one that is none of them
_STATUS_LIST = "; ".join(f"{k} ({', '.join(_words(v)[1:])})" for k, v in TASK_STATUS_WORDS.items())


def task_status(word: str) -> str | None:
    """The canonical status of a task row's word (``"Hoàn thành"`` → ``"done"``), or None."""
    return _STATUS_BY_WORD.get(_fold(word))



def read_date(raw: str, name: str, bad: Any) -> datetime.date | None:
    """A date of a task or event row: ``2020-12-17`` or ``17/12/2020`` (day first); None after ``bad``."""
    try:
        return parse_date(raw)
    except KpiPeriodError as exc:
        bad(name, str(exc).splitlines()[0])
        return None


_EVENT_FIELDS = {"event", "date", "note", "source"}


def _fields_known(fields: dict[str, Any], known: set[str], listed: str, bad: Any) -> bool:
    """Whether every field of a row is one it may have (each other one told to ``bad``)."""
    for k in sorted(set(fields) - known):
        bad(k, f"unknown field; {listed}")
    return set(fields) <= known


def _text_field(fields: dict[str, Any], name: str, expected: str, bad: Any) -> bool:
    """Whether ``fields[name]`` is a text that is not blank (else ``expected`` told to ``bad``)."""
    value = fields.get(name)
    if isinstance(value, str) and value.strip():
        return True
    bad(name, expected)
    return False


def read_event_row(fields: dict[str, Any], source: Source, bad: Any) -> EventRow | None:
    """An event reported in data: ``{"event": "ND138", "date": "2020-05-15"}`` (or a CSV row ``event,date,note``)."""
    ok = _fields_known(fields, _EVENT_FIELDS, "an event row has event, date, note", bad)
    ok = _text_field(fields, "event", "expected the event's id, as the plan declares it (`event ND138 …`)", bad) and ok
    event = fields.get("event")
    raw = fields.get("date")
    date = None
    if raw in (None, ""):
        bad("date", "an event needs the date it happened")
        ok = False
    elif not isinstance(raw, str):
        bad("date", "expected a date YYYY-MM-DD or dd/mm/yyyy")
        ok = False
    else:
        date = read_date(raw, "date", bad)
        ok = ok and date is not None
    note = fields.get("note")
    if not ok:
        return None
    return EventRow(event.strip(), date, note if isinstance(note, str) and note else None, source)  # type: ignore[union-attr, arg-type]


_TASK_FIELDS = {"task", "status", "date", "done_on", "period", "unit", "note", "source"}


def read_task_row(fields: dict[str, Any], source: Source, bad: Any, form: bool = False) -> TaskRow | None:
    """A task row from its fields; ``form``: a form's row, whose status cell offers the Vietnamese words
    (an unknown word's message lists them first)."""
    ok = _fields_known(fields, _TASK_FIELDS, "a task row has task, status, date (or done_on), period, unit, note",
                       bad)
    ok = _text_field(fields, "task", "expected the task's id", bad) and ok
    ok = _text_field(fields, "status", 'expected a status word such as "done" or "in_progress"', bad) and ok
    task = fields.get("task")
    status = fields.get("status")
    date = None
    for name in ("done_on", "date"):
        raw = fields.get(name)
        if raw in (None, ""):
            continue
        if not isinstance(raw, str):
            bad(name, "expected a date YYYY-MM-DD or dd/mm/yyyy")
            ok = False
            continue
        d = read_date(raw, name, bad)
        if d is None:
            ok = False
            continue
        if date is not None and d != date:
            bad(name, "done_on and date disagree")
            ok = False
        date = d
    period = None
    raw_period = fields.get("period")
    if raw_period not in (None, ""):
        if not isinstance(raw_period, str):
            bad("period", "expected a period label")
            ok = False
        else:
            try:
                period = parse_period(raw_period)
            except KpiPeriodError as exc:
                bad("period", str(exc).splitlines()[0])
                ok = False
    word = task_status(status) if isinstance(status, str) and status.strip() else None
    if ok and date is None and period is None and word == DONE:
        # a progress row without a date is the unit's report as of the as-of date; a delivery's
        # lateness depends on its date
        bad("date", "a `done` row needs a date (or the period it delivers): whether it was on time depends on it")
        ok = False
    if ok and word is None:
        bad("status", f"{status!r} is not a task status kpirules knows; write one of: " + (
            "; ".join(f"{v[1][:1].upper()}{v[1][1:]} ({k})" for k, v in TASK_STATUS_WORDS.items())
            + " (the words of the cell's drop-down)" if form else
            f"{_STATUS_LIST} (any case, with or without diacritics)"))
        ok = False
    unit = fields.get("unit")
    note = fields.get("note")
    if not ok or word is None:
        return None
    return TaskRow(
        task.strip(),  # type: ignore[union-attr]
        word,
        date,
        period,
        unit_name(unit) if isinstance(unit, str) else None,
        note if isinstance(note, str) and note else None,
        source,
    )
