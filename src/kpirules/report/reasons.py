"""Reasons and warnings in the report's language."""

from __future__ import annotations

import datetime
import re
from typing import Any

from kpirules.report.format import fmt_date, fmt_label
from kpirules.report.i18n import TEXT


_ISO = r"(\d{4}-\d{2}-\d{2})"

#: the words of a task's reported progress (the keys of :data:`kpirules.data.TASK_STATUS_WORDS`) for people
TASK_WORDS: dict[str, dict[str, str]] = {
    "vi": {"done": "đã hoàn thành", "in_progress": "đang thực hiện", "not_started": "chưa bắt đầu",
           "delayed": "chậm tiến độ", "stuck": "gặp vướng mắc", "suspended": "tạm dừng"},
    "en": {"done": "done", "in_progress": "in progress", "not_started": "not started",
           "delayed": "delayed", "stuck": "stuck", "suspended": "suspended"},
}

#: one delivery of a task with several deadlines (evaluate._delivery_text)
DELIVERY_RE = re.compile(rf"the (\S+) delivery was done (on|late, on) {_ISO}")


def _lower_year(text: str) -> str:
    """``Năm 2020`` → ``năm 2020`` inside a sentence."""
    return "năm" + text[3:] if text.startswith("Năm") else text


_WARNINGS_VI: list[tuple[str, Any]] = [
    (r"unit (.+) reported for (\S+) but not for (\S+)",
     lambda m, f: f"đơn vị {m[1]} đã báo cáo {f(m[2])} nhưng không báo cáo {f(m[3])}"),
    (r"(\S+) \((\S+)\) is larger than (\S+) \((\S+)\) in (\S+)( for unit (.+))?, "
     r"though rule (\S+) takes ratio\((\S+), (\S+)\) as a share",
     lambda m, f: f"{m[1]} ({m[2]}) lớn hơn {m[3]} ({m[4]}) trong {f(m[5])}"
                  + (f" (đơn vị {m[7]})" if m[7] else "") + f", trong khi chỉ tiêu {m[8]} coi "
                  f"ratio({m[9]}, {m[10]}) là một tỷ lệ"),
    (r"(\S+) is (\S+) in (\S+)( for unit (.+))?: a count cannot be negative",
     lambda m, f: f"{m[1]} bằng {m[2]} trong {f(m[3])}" + (f" (đơn vị {m[5]})" if m[5] else "")
                  + ": số đếm không thể âm"),
    (r"no rule reads the metric (\S+) given in the data(?:; did you mean (\S+)\?)?",
     lambda m, f: f"không chỉ tiêu nào dùng số liệu {m[1]}" + (f"; có phải là {m[2]}?" if m[2] else "")),
    (r"the data reports progress of task (.+), which the plan does not define(?:; did you mean (\S+)\?)?",
     lambda m, f: f"số liệu báo cáo tiến độ nhiệm vụ {m[1]}, nhưng kế hoạch không có nhiệm vụ này"
                  + (f"; có phải là {m[2]}?" if m[2] else "")),
    (r"data for (\S+) lies outside the years the plan speaks of \((\d+)–(\d+)\); a typo in the period label\?",
     lambda m, f: f"số liệu kỳ {f(m[1])} nằm ngoài các năm của kế hoạch ({m[2]}–{m[3]}); "
                  "nhãn kỳ báo cáo bị gõ nhầm?"),
]


def warning_text(message: str, lang: str) -> str:
    """A data warning for people: in Vietnamese for a Vietnamese report, periods in the report's style."""
    if lang != "vi":
        return message
    for pattern, fn in _WARNINGS_VI:
        m = re.fullmatch(pattern, message)
        if m:
            return str(fn(m, lambda label: fmt_label(label, lang)))
    return message


def _value_words_vi(text: str) -> str:
    """``the text "x"`` → ``văn bản "x"`` (the phrases of kpirules.engine.compile._describe)."""
    for en, vi in (("the text ", "văn bản "), ("the number ", "số "), ("the boolean true", "giá trị đúng"),
                   ("the boolean false", "giá trị sai")):
        if text.startswith(en):
            return vi + text[len(en):]
    return text


def reason_text(text: str | None, lang: str, deadline_shown: bool = False, period_shown: str | None = None) -> str:
    """A result's reason for people: dates and periods in the report's style, data words readable,
    common phrases in Vietnamese.  ``deadline_shown``: the deadline is already next to the reason, so
    "deadline … not reached" keeps only the latest data, and nothing when that is ``period_shown``."""
    if not text:
        return ""
    m = re.fullmatch(rf"deadline {_ISO} \((\S+)\) not reached; latest data (\S+)", text)
    if m and deadline_shown and period_shown is not None and m[3] == period_shown:
        return ""

    def d(iso: str) -> str:
        return fmt_date(datetime.date.fromisoformat(iso), lang)

    def lab(label: str) -> str:
        return fmt_label(label, lang)

    words = TASK_WORDS[lang]
    latest = TEXT[lang]["latest_data"]
    table: list[tuple[str, Any]]
    if lang == "vi":
        table = [
            (rf"due {_ISO} \(([^)]*)\), done on {_ISO}, (\d+) days? late",
             lambda m: f"hạn {d(m[1])} ({lab(m[2])}), hoàn thành ngày {d(m[3])}, muộn {m[4]} ngày"),
            (rf"due {_ISO}, done on {_ISO}, (\d+) days? late",
             lambda m: f"hạn {d(m[1])}, hoàn thành ngày {d(m[2])}, muộn {m[3]} ngày"),
            (rf"due {_ISO}, not done; last reported (\S+) on {_ISO}(?: \((.*)\))?",
             lambda m: f"hạn {d(m[1])}, chưa hoàn thành; báo cáo gần nhất ngày {d(m[3])}: "
                       f"{words.get(m[2], m[2])}" + (f" ({m[4]})" if m[4] else "")),
            (rf"waiting for task (.+?) \(not done yet\)(?:; due {_ISO})?",
             lambda m: f"chờ nhiệm vụ {m[1]} hoàn thành" + (f"; hạn {d(m[2])}" if m[2] else "")),
            (rf"due {_ISO}; nothing reported", lambda m: f"hạn {d(m[1])}; chưa có báo cáo tiến độ"),
            (rf"the (\S+) delivery was done on {_ISO}",
             lambda m: f"phần việc {_lower_year(lab(m[1]))} đã hoàn thành ngày {d(m[2])}"),
            (rf"the (\S+) delivery was done late, on {_ISO}",
             lambda m: f"phần việc {_lower_year(lab(m[1]))} hoàn thành muộn, ngày {d(m[2])}"),
            (rf"due {_ISO}", lambda m: f"hạn {d(m[1])}"),
            (rf"done on {_ISO}", lambda m: f"hoàn thành ngày {d(m[1])}"),
            (rf"deadline {_ISO} \((\S+)\) not reached; latest data (\S+)",
             lambda m: latest.format(label=lab(m[3])) if deadline_shown else
             f"chưa đến hạn {d(m[1])} ({lab(m[2])}); " + latest.format(label=lab(m[3]))),
            (r"the span (\S+)…(\S+) has not started; latest data (\S+)",
             lambda m: f"giai đoạn {lab(m[1])} – {lab(m[2])} chưa bắt đầu; "
                       + latest.format(label=lab(m[3]))),
            (r"holds in every period (\S+)…(\S+)",
             lambda m: f"đạt trong mọi kỳ từ {lab(m[1])} đến {lab(m[2])}"),
            (r"holds in every period (\S+)…(\S+) so far \(span ends (\S+)\)",
             lambda m: f"đạt trong mọi kỳ từ {lab(m[1])} đến {lab(m[2])} "
                       f"(giai đoạn kết thúc {lab(m[3])})"),
            (r"the denominator (\S+) is 0 in (\S+) for unit (.+)",
             lambda m: f"mẫu số {m[1]} bằng 0 trong {lab(m[2])} (đơn vị {m[3]})"),
            (r"the denominator (\S+) is 0 in (\S+)",
             lambda m: f"mẫu số {m[1]} bằng 0 trong {lab(m[2])}"),
            (r"unit (.+) did not report for (\S+)",
             lambda m: f"đơn vị {m[1]} không báo cáo {lab(m[2])}"),
            (r"no value for (\S+) in (\S+) for unit (.+)",
             lambda m: f"thiếu số liệu {m[1]} trong {lab(m[2])} (đơn vị {m[3]})"),
            (r"no value for (\S+) in (\S+)", lambda m: f"thiếu số liệu {m[1]} trong {lab(m[2])}"),
            (r"no unit appears in the data, so this `for each unit:` rule has no unit to judge",
             lambda m: "số liệu không có đơn vị nào, nên chỉ tiêu `for each unit:` này không có đơn vị để đánh giá"),
            (r"(`.+`) needs (numbers|true/false), but (?:got|unit (.+) gives) (.+)",
             lambda m: f"{m[1]} cần {'số' if m[2] == 'numbers' else 'giá trị đúng/sai'}, nhưng số liệu"
                       + (f" của đơn vị {m[3]}" if m[3] else "") + f" là {_value_words_vi(m[4])}"),
            (r"(`.+`) must be true or false, but the data gives (.+)",
             lambda m: f"{m[1]} phải là đúng/sai, nhưng số liệu là {_value_words_vi(m[2])}"),
        ]
    else:
        table = [
            (rf"due {_ISO}, not done; last reported (\S+) on {_ISO}(?: \((.*)\))?",
             lambda m: f"due {d(m[1])}, not done; last reported {words.get(m[2], m[2])} on {d(m[3])}"
                       + (f" ({m[4]})" if m[4] else "")),
            (rf"due {_ISO} \(([^)]*)\), done on {_ISO}, (\d+) days? late",
             lambda m: f"due {d(m[1])} ({lab(m[2])}), done on {d(m[3])}, {m[4]} day{'s' if m[4] != '1' else ''} late"),
            (rf"the (\S+) delivery was done (on|late, on) {_ISO}",
             lambda m: f"the {lab(m[1])} delivery was done {m[2]} {d(m[3])}"),
            (rf"deadline {_ISO} \((\S+)\) not reached; latest data (\S+)",
             lambda m: latest.format(label=lab(m[3])) if deadline_shown else
             f"deadline {d(m[1])} ({lab(m[2])}) not reached; " + latest.format(label=lab(m[3]))),
            (r"the span (\S+)…(\S+) has not started; latest data (\S+)",
             lambda m: f"the span {lab(m[1])} – {lab(m[2])} has not started; " + latest.format(label=lab(m[3]))),
            (r"holds in every period (\S+)…(\S+)", lambda m: f"holds in every period {lab(m[1])} – {lab(m[2])}"),
            (r"holds in every period (\S+)…(\S+) so far \(span ends (\S+)\)",
             lambda m: f"holds in every period {lab(m[1])} – {lab(m[2])} so far (the span ends {lab(m[3])})"),
            (r"unit (.+) did not report for (\S+)", lambda m: f"unit {m[1]} did not report for {lab(m[2])}"),
            (r"the denominator (\S+) is 0 in (\S+)( for unit .+)?",
             lambda m: f"the denominator {m[1]} is 0 in {lab(m[2])}{m[3] or ''}"),
            (r"no value for (\S+) in (\S+)( for unit .+)?",
             lambda m: f"no value for {m[1]} in {lab(m[2])}{m[3] or ''}"),
        ]
    def one(part: str, whole: bool) -> str | None:
        for pattern, fn in table:
            m = re.fullmatch(pattern, part)
            if m:
                return str(fn(m))
        return None if whole else re.sub(_ISO, lambda m: d(m[1]), part)

    # the deliveries come last ("…; the 2020 delivery was done on …"); the rest is matched whole first
    # (some patterns span a "; "), then part by part
    parts = text.split("; ")
    tail: list[str] = []
    while len(parts) > 1 and DELIVERY_RE.fullmatch(parts[-1]):
        tail.insert(0, parts.pop())
    head = "; ".join(parts)
    whole = one(head, True)
    out = [whole] if whole is not None else [str(one(p, False)) for p in parts]
    return "; ".join(out + [str(one(p, False)) for p in tail])
