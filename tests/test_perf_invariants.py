"""The speed-ups of issue 7 change no answer.

Periods work out their dates once (cached by window) and labels are read once;
data keeps value sources compactly and builds Source objects on demand; CSV
value rows are read on a fast path.  Each test here compares the fast form
with a plain one worked out independently.
"""

from __future__ import annotations

import itertools

import datetime
import json
from fractions import Fraction

import attrs
import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import given, settings
from hypothesis import strategies as st

from kpirules import KpiDataError
from kpirules.data import Data, Source, load_data, parse_cell, parse_csv_data, parse_json_data
from kpirules.data.cells import plain_decimal
from kpirules.data.table import Table
from kpirules.errors import KpiPeriodError
from kpirules.periods import Kind, Period, Scheme, parse_period

SPAN = {Kind.MONTH: 1, Kind.QUARTER: 3, Kind.HALF: 6, Kind.NINE_MONTH: 9, Kind.YEAR: 12}
PER_YEAR = {Kind.MONTH: 12, Kind.QUARTER: 4, Kind.HALF: 2, Kind.NINE_MONTH: 1, Kind.YEAR: 1}


def reference_window(kind: Kind, year: int, index: int, scheme: Scheme) -> tuple[datetime.date, datetime.date,
                                                                                  datetime.date | None]:
    """Start, end and due date from the definition (docs/periods), with no cache."""
    first = (index - 1) * SPAN[kind] + 1
    last = first + SPAN[kind] - 1
    if scheme.cutoff == 1:
        start = datetime.date(year, first, 1)
        end = datetime.date(year, last, 1) + relativedelta(day=31)
    else:
        start = datetime.date(year, first, scheme.cutoff) - relativedelta(months=1)
        end = datetime.date(year, last, scheme.cutoff) - datetime.timedelta(days=1)
    if scheme.due is None:
        due = None
    elif scheme.due > end.day:
        due = end.replace(day=scheme.due)
    else:
        due = end + relativedelta(months=1, day=scheme.due)
    return start, end, due


schemes = st.builds(lambda c, d: Scheme(c, d if d is None or d > c else None),
                    st.integers(1, 27), st.one_of(st.none(), st.integers(2, 28)))


@st.composite
def periods(draw):  # type: ignore[no-untyped-def]
    kind = draw(st.sampled_from(list(Kind)))
    return Period(kind, draw(st.integers(1990, 2040)), draw(st.integers(1, PER_YEAR[kind])), draw(schemes))


@settings(max_examples=150, deadline=None)
@given(periods(), periods())
def test_cached_dates_and_order_match_the_definition(a: Period, b: Period) -> None:
    for p in (a, b):
        assert (p.start, p.end, p.due) == reference_window(p.kind, p.year, p.index, p.scheme)
        assert p.key == (p.kind, p.year, p.index)
    key = lambda p: (p.end, p.start, list(Kind).index(p.kind), p.year, p.index,  # noqa: E731
                     (p.scheme.cutoff, p.scheme.due or 0))
    assert (a < b, a <= b, a > b, a >= b) == (key(a) < key(b), key(a) <= key(b), key(a) > key(b), key(a) >= key(b))
    assert (a == b) == ((a.kind, a.year, a.index, a.scheme) == (b.kind, b.year, b.index, b.scheme))
    if a == b:
        assert hash(a) == hash(b)


def test_the_cached_dates_are_not_part_of_equality_repr_or_evolve() -> None:
    p = Period(Kind.QUARTER, 2020, 1)
    assert repr(p) == "Period(kind=<Kind.QUARTER: 'quarter'>, year=2020, index=1, scheme=Scheme(cutoff=15, due=20))"
    later = attrs.evolve(p, year=2021)
    assert (later.start, later.end) == (datetime.date(2020, 12, 15), datetime.date(2021, 3, 14))
    calendar = p.with_scheme(Scheme.calendar())
    assert calendar != p and calendar.key == p.key
    assert (calendar.start, calendar.end, calendar.due) == (datetime.date(2020, 1, 1), datetime.date(2020, 3, 31),
                                                           datetime.date(2020, 4, 20))
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        p.year = 2030  # type: ignore[misc]


def test_parse_period_cache_keeps_schemes_apart_and_errors_uncached() -> None:
    default = parse_period("Quý I/2020")
    calendar = parse_period("Quý I/2020", Scheme.calendar())
    assert default.start == datetime.date(2019, 12, 15)
    assert calendar.start == datetime.date(2020, 1, 1)
    assert parse_period("Quý I/2020") == default and parse_period("quy 1/2020") == default
    for _ in range(2):  # an error is raised every time, with the same message
        with pytest.raises(KpiPeriodError, match="not a reporting period: 'Q9/2020x'"):
            parse_period("Q9/2020x")
    with pytest.raises(KpiPeriodError, match="falls outside the dates"):
        Period(Kind.YEAR, 1, 1)  # starts in year 0 under cut-off 15


# --- sources ------------------------------------------------------------------------------------


def test_csv_sources_name_file_and_row_and_merge_keeps_each_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    a = tmp_path / "a.csv"
    a.write_text('period,unit,metric,value\n2020-Q1,U1,x,1\n2020-Q1,U1,y,"2,5"\n2020-Q1,,z,3\n', encoding="utf-8")
    b = tmp_path / "b.json"
    b.write_text(json.dumps({"snapshots": [{"period": "2020-Q2", "unit": "U1", "values": {"x": 4}},
                                           {"period": "2020-Q1", "unit": "U1", "values": {"x": 1, "w": 5}}]}),
                 encoding="utf-8")
    data = load_data([a, b])
    q1, q2 = (Kind.QUARTER, 2020, 1), (Kind.QUARTER, 2020, 2)
    assert data.source("x", q1, "U1") == Source(str(a), "row 2")
    assert data.source("y", q1, "U1") == Source(str(a), "row 3")
    assert data.value("y", q1, "U1") == Fraction(5, 2)
    assert data.source("z", q1) == Source(str(a), "row 4")
    assert data.source("x", q2, "U1") == Source(str(b), "$.snapshots[0].values.x")
    assert data.source("w", q1, "U1") == Source(str(b), "$.snapshots[1].values.w")
    assert data.source("nope", q1, "U1") is None and data.source("x", q1, "U9") is None
    assert dict(data.sources) == {
        (q1, "U1", "x"): Source(str(a), "row 2"), (q1, "U1", "y"): Source(str(a), "row 3"),
        (q1, None, "z"): Source(str(a), "row 4"), (q2, "U1", "x"): Source(str(b), "$.snapshots[0].values.x"),
        (q1, "U1", "w"): Source(str(b), "$.snapshots[1].values.w"),
    }


def test_conflicts_name_both_places() -> None:
    text = json.dumps({"snapshots": [{"period": "2020-Q1", "values": {"a": 1, "b": 2}},
                                     {"period": "2020-Q1", "values": {"a": 1, "b": 3}}]})
    with pytest.raises(KpiDataError) as info:
        parse_json_data(text, "d.json")
    assert str(info.value) == ("error: d.json: $.snapshots[1].values.b: b for 2020-Q1 (the plan level) is 3 here "
                               "but 2 at d.json: $.snapshots[0].values.b")
    with pytest.raises(KpiDataError) as info:
        parse_csv_data("period,unit,metric,value\n2020-Q1,U,a,1\n2020-Q1,U,a,1\n2020-Q1,U,a,true\n", "d.csv")
    assert str(info.value) == "error: d.csv: row 4: a for 2020-Q1 (unit U) is true here but 1 at d.csv: row 2"


ops = st.lists(st.tuples(st.sampled_from(["set", "pop", "del", "get", "in"]),
                         st.sampled_from(["a", "b", "c"]), st.sampled_from([None, "U"]), st.integers(0, 3)),
               max_size=12)


Q1 = (Kind.QUARTER, 2020, 1)


@settings(max_examples=60, deadline=None)
@given(ops)
def test_sources_behave_like_a_dict(operations) -> None:  # type: ignore[no-untyped-def]
    """data.sources (compact, JSON snapshots sharing one int) against a plain dict of Source objects."""
    text = json.dumps({"snapshots": [{"period": "2020-Q1", "values": {"a": 1, "b": 2}},
                                     {"period": "2020-Q1", "unit": "U", "values": {"a": 3}}]})
    model = {(Q1, None, "a"): Source("f.json", "$.snapshots[0].values.a"),
             (Q1, None, "b"): Source("f.json", "$.snapshots[0].values.b"),
             (Q1, "U", "a"): Source("f.json", "$.snapshots[1].values.a")}
    _same_as_a_dict(parse_json_data(text, "f.json"), model, operations)


@settings(max_examples=60, deadline=None)
@given(ops)
def test_csv_run_sources_behave_like_a_dict(operations) -> None:  # type: ignore[no-untyped-def]
    """The same for CSV snapshots on consecutive rows (one first row and the metric names a snapshot)."""
    text = "period,unit,metric,value\n2020-Q1,,a,1\n2020-Q1,,b,2\n2020-Q1,U,a,3\n"
    model = {(Q1, None, "a"): Source("f.csv", "row 2"), (Q1, None, "b"): Source("f.csv", "row 3"),
             (Q1, "U", "a"): Source("f.csv", "row 4")}
    data = parse_csv_data(text, "f.csv")
    assert {type(s) for s in data.sources.by_snapshot.values()} == {int}  # runs of rows:
    assert {type(n) for n in data.sources.names.values()} == {tuple}  # a first row and the names in order
    _same_as_a_dict(data, model, operations)


def _same_as_a_dict(data: Data, model: dict, operations) -> None:  # type: ignore[no-untyped-def,type-arg]
    q1 = Q1
    assert dict(data.sources) == model
    for op, metric, unit, n in operations:
        k = (q1, unit, metric)
        if op == "set":  # as kpitest does: the value, then its source
            data.snapshots.setdefault((q1, unit), {})[metric] = n
            data.sources[k] = model[k] = Source("t", f"line {n}")
        elif op == "pop":
            data.snapshots.get((q1, unit), {}).pop(metric, None)
            assert data.sources.pop(k, None) == model.pop(k, None)
        elif op == "del":
            if k in model:
                data.snapshots[(q1, unit)].pop(metric)
                del data.sources[k], model[k]
            else:
                with pytest.raises(KeyError):
                    del data.sources[k]
        elif op == "get":
            assert data.sources.get(k) == model.get(k) == data.source(metric, q1, unit)
        else:
            assert (k in data.sources) == (k in model)
        assert dict(data.sources) == model and len(data.sources) == len(model)


# --- the CSV fast path --------------------------------------------------------------------------


def _general(text: str, number_format: str | None) -> Data:
    """parse_csv_data with every row read by the general code (no fast path)."""
    original = Table._common_rows
    Table._common_rows = lambda self, rows, ncells, col: rows  # type: ignore[method-assign,assignment]
    try:
        return parse_csv_data(text, "f.csv", number_format)
    finally:
        Table._common_rows = original  # type: ignore[method-assign]


def _outcome(text: str, number_format: str | None, reader) -> object:  # type: ignore[no-untyped-def]
    try:
        d = reader(text, number_format)
    except KpiDataError as exc:
        return str(exc)
    return repr((list(d.snapshots.items()), sorted(repr((k, str(v))) for k, v in d.sources.items()),
                 list(d.periods.items()), list(d.units)))


CELLS = {
    "period": ["2020-Q1", " Q1/2020", "quý II/2020", "2020", "2020-Q5", "", "x"],
    "unit": ["U1", " U1 ", "", "Đơn vị 2", '"U\r\n1"'],
    "metric": ["a", "b", " a", "", "c d"],
    "value": ["1", "0012", "2", "1.5", "12,5", "1.234", "1,234", '"1,234.5"', '"3\n"', "20%", "true", "có", "", " ",
              "-3", "1e3", "text", "١٢", "5.", "1.234.567", "99999999999999999999"],
}


@st.composite
def csv_texts(draw):  # type: ignore[no-untyped-def]
    cols = draw(st.sampled_from([["period", "unit", "metric", "value"], ["metric", "value", "period"]]))
    rows = [",".join(cols)]
    last: dict[str, str] = {}
    for _ in range(draw(st.integers(0, 14))):
        cells = [draw(st.sampled_from(CELLS[c])) for c in cols]
        if last and draw(st.booleans()):  # the snapshot of the row before: runs of rows, as files have them
            cells = [last.get(c, cell) if c in ("period", "unit") else cell for c, cell in zip(cols, cells)]
        last = dict(zip(cols, cells))
        cells = cells[: draw(st.sampled_from([len(cells)] * 8 + [len(cells) - 1, 0]))]
        cells += draw(st.sampled_from([[]] * 8 + [[""], ["x"]]))
        rows.append(",".join(cells))
    end = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    text = end.join(rows) + end
    # as spreadsheets write them: ';' (with or without Excel's sep= line) and a byte-order mark
    if draw(st.booleans()) and '"' not in text:
        text = draw(st.sampled_from(["", "sep=;" + end])) + text.replace(",", ";")
    return draw(st.sampled_from(["", "\ufeff"])) + text


@settings(max_examples=120, deadline=None)
@given(csv_texts(), st.sampled_from([None, "vi", "en"]))
def test_csv_fast_path_reads_what_the_general_code_reads(text: str, number_format: str | None) -> None:
    fast = _outcome(text, number_format, lambda t, f: parse_csv_data(t, "f.csv", f))
    assert fast == _outcome(text, number_format, _general)


@st.composite
def long_form_texts(draw):  # type: ignore[no-untyped-def]
    """Snapshots of a few metrics again and again, as long-form files have them, so that most rows go on
    a run with a metric and a value cell read before (the loop of runs), and now and then a row that breaks it.

    A metric has the same value wherever its snapshot is given again (so a file is mostly without errors
    and its data is compared, not only a message); once in a while a row has another value, a blank, or
    another shape.  Some metrics are named like values, so that reading the columns of another header as
    the usual one's would be seen."""
    # the usual header most of the time, or its columns in another order
    cols = draw(st.sampled_from([["period", "unit", "metric", "value"]] * 3 + [list(c) for c in itertools.permutations(
        ["period", "unit", "metric", "value"])]))
    periods, units, metrics = ["2020-Q1", "2020-Q2", " 2020-Q2", "Q1/2020"], ["U1", "U2", " U1", ""], list("abcd12")
    values = ["1", "2", "7", "1.5", "20%", "x"]
    rows = [",".join(cols)]
    rare = draw(st.sampled_from([0, 15]))  # half the files without a row that breaks a run, half with some
    for _ in range(draw(st.integers(1, 8))):
        p, u = draw(st.sampled_from(periods)), draw(st.sampled_from(units))
        names = draw(st.lists(st.sampled_from(metrics), min_size=1, max_size=6, unique=True))
        for m in draw(st.sampled_from([names, names + [draw(st.sampled_from(metrics))]])):
            # (the same value for the same period, unit and metric, however their cells are written)
            v = values[([0, 1, 1, 0][periods.index(p)] * 2 + [0, 1, 0, 2][units.index(u)] * 3 + metrics.index(m)) % 6]
            cells = {"period": p, "unit": u, "metric": m, "value": v}
            if rare and draw(st.integers(0, rare)) == 0:
                cells = {**cells, draw(st.sampled_from(list(cells))): draw(st.sampled_from(["", " ", "9", "1e3"]))}
            row = ",".join(cells[c] for c in cols)
            if rare and draw(st.integers(0, rare)) == 0:
                row = draw(st.sampled_from([row + ",", row + ",x", row.rsplit(",", 1)[0], "", "2020-Q5,U1,a,1"]))
            rows.append(row)
    end = draw(st.sampled_from(["\n", "\r\n"]))
    return end.join(rows) + end


@settings(max_examples=300, deadline=None)
@given(long_form_texts())
def test_rows_that_go_on_a_run_are_read_as_the_general_code_reads_them(text: str) -> None:
    assert _outcome(text, None, lambda t, f: parse_csv_data(t, "f.csv", f)) == _outcome(text, None, _general)


def test_another_header_order_is_not_read_as_the_usual_one() -> None:
    # metrics named like values: read as period,unit,metric,value, the last row would give metric 9 the value 5
    text = "period,unit,value,metric\n2020-Q1,U,5,7\n2020-Q1,U,7,9\n2020-Q1,U,9,5\n2020-Q2,U,5,7\n2020-Q2,U,9,5\n"
    data = parse_csv_data(text, "f.csv")
    assert data.snapshots[(parse_period("2020-Q2").key, "U")] == {"7": 5, "5": 9}
    assert _outcome(text, None, lambda t, f: parse_csv_data(t, "f.csv", f)) == _outcome(text, None, _general)


RUN_BREAKERS = {
    "a quoted line break (rows are records, not lines)": 'P,U,a,"1\n"\nP,U,b,2\nP,U,c,3\n',
    "a blank value": "P,U,a,1\nP,U,b,\nP,U,c,2\nP,U,d,3\n",
    "a bad period, then the run's label again": "P,U,a,1\n2020-Q5,U,b,2\nP,U,c,3\nP,U,d,4\n",
    "a ragged row": "P,U,a,1\nP,U,b,2,x\nP,U,c,3\n",
    "a row the general code reads": "P,U,a,1\nP,U,b,2,\nP,U,c,3\nP,U,d,4\n",
    "a metric twice, same value": "P,U,a,1\nP,U,b,2\nP,U,a,1\nP,U,c,3\n",
    "a metric twice, other value": "P,U,a,1\nP,U,b,2\nP,U,a,9\nP,U,c,3\n",
    "a snapshot met again": "P,U,a,1\nP,V,a,2\nP,U,b,3\nP,U,c,4\n",
    "two labels of one period": "P,U,a,1\nQ1/2020,U,b,2\nP,U,c,3\n",
    "a bad value": "P,U,a,1\nP,U,b,1e3\nP,U,c,3\n",
    "an empty metric": "P,U,a,1\nP,U, ,2\nP,U,c,3\n",
    "a blank row": "P,U,a,1\n\nP,U,c,3\n",
    # for the loop of runs, whose metrics and value cells are ones read before
    "a blank value met before": "P,U,b,\n2020-Q2,U,a,1\n2020-Q2,U,b,\n",
    "another unit, the same period": "P,W,b,1\nP,U,a,1\nP,V,b,1\n",
    "another period, the same unit": "P,W,b,1\nP,U,a,1\n2020-Q2,U,b,1\n",
}


@pytest.mark.parametrize("body", RUN_BREAKERS.values(), ids=RUN_BREAKERS.keys())
def test_what_breaks_a_run_of_rows_is_read_as_the_general_code_reads_it(body: str) -> None:
    # with and without later conflicts, whose messages name where the first values were
    text = "period,unit,metric,value\n" + body.replace("P,", "2020-Q1,")
    assert _outcome(text, None, lambda t, f: parse_csv_data(t, "f.csv", f)) == _outcome(text, None, _general)
    text += "2020-Q1,U,a,7\n2020-Q1,U,c,8\n"
    assert _outcome(text, None, lambda t, f: parse_csv_data(t, "f.csv", f)) == _outcome(text, None, _general)


@settings(max_examples=300, deadline=None)
@given(st.from_regex(r"[0-9]{0,5}[.,][0-9]{0,5}", fullmatch=True) | st.text("0123456789.,٣ e-", max_size=8),
       st.sampled_from([None, "vi", "en"]))
def test_plain_decimal_agrees_with_parse_cell(text: str, number_format: str | None) -> None:
    quick = plain_decimal(text, number_format)
    if quick is not None:
        value = parse_cell(text, number_format)
        assert quick == value and type(quick) is type(value)


# --- parsing --------------------------------------------------------------------------------


def test_the_depth_check_skips_only_nodes_without_children() -> None:
    from kpirules import nodes as n
    from kpirules.lang.parser import _LEAVES, _depth

    samples = [n.Metric("a"), n.Number(Fraction(1), "1"), n.Percent(Fraction(1, 5), "20%"), n.Bool(True),
               n.Text("x"), n.PeriodRef(parse_period("2020"), "2020"), n.DateRef(datetime.date(2020, 1, 1), "2020-01-01")]
    assert {type(s) for s in samples} == set(_LEAVES)
    for leaf in samples:
        assert list(n.children(leaf)) == [] and _depth(leaf) == 1
    expr: n.Expr = n.Metric("a")
    for _ in range(5):
        expr = n.Not(expr)
    assert _depth(n.Logic("and", n.Metric("b"), expr)) == 7


# --- sanity warnings, the JSON text and the numbers of `check --format json` ------------------------


def sanity_reference(plan, data, current):  # type: ignore[no-untyped-def]
    """The sanity warnings value by value over every snapshot (kpirules.engine.warnings._all before it
    worked per snapshot, per set of names and per metric)."""
    import difflib

    from kpirules.engine.warnings import Warning_, _plan_metrics, _ratio_pairs, plan_years, _show, _stopped, _where

    def num(v: object) -> bool:
        return isinstance(v, (int, Fraction)) and not isinstance(v, bool)

    pairs = _ratio_pairs(plan)
    ratio_metrics = {m for a, b, _ in pairs for m in (a, b)}
    whole: dict[str, bool] = {}
    for snap in data.snapshots.values():
        for metric, v in snap.items():
            if num(v):
                whole[metric] = whole.get(metric, True) and isinstance(v, int)
    seen: set[object] = set()
    out = []
    for (key, unit), snap in data.snapshots.items():
        label = data.periods[key].label
        who = f" for unit {unit}" if unit is not None else ""
        for a, b, rule_id in pairs:
            va, vb = snap.get(a), snap.get(b)
            if num(va) and num(vb) and vb > 0 and va > vb and (a, b, key, unit) not in seen:
                seen.add((a, b, key, unit))
                out.append(Warning_("numerator_exceeds_denominator",
                                    f"{a} ({_show(va)}) is larger than {b} ({_show(vb)}) in {label}{who}, "
                                    f"though rule {rule_id} takes ratio({a}, {b}) as a share",
                                    _where(data.source(a, key, unit))))
        for metric, v in snap.items():
            if num(v) and v < 0 and (metric in ratio_metrics or whole.get(metric)):
                out.append(Warning_("negative_count", f"{metric} is {_show(v)} in {label}{who}: a count cannot be "
                                    "negative", _where(data.source(metric, key, unit))))
    out += _stopped(plan, data, current)
    used = _plan_metrics(plan)
    first: dict[str, object] = {}
    for (key, unit), snap in data.snapshots.items():
        for metric in snap:
            if used and metric not in used and metric not in first:
                first[metric] = data.source(metric, key, unit)
    for metric, src in first.items():
        close = difflib.get_close_matches(metric, sorted(used), n=1)
        hint = f"; did you mean {close[0]}?" if close else ""
        out.append(Warning_("unused_metric", f"no rule reads the metric {metric} given in the data{hint}", _where(src)))
    # (no task rows here: unknown_task is left out)
    span = plan_years(plan, current)
    if span is not None:
        lo, hi = span
        for (key, unit), snap in data.snapshots.items():
            period = data.periods[key]
            if period.year < lo or period.year > hi:
                src = next((data.source(m, key, unit) for m in snap), None)
                out.append(Warning_("period_outside_plan", f"data for {period.label} lies outside the years the plan "
                                    f"speaks of ({lo}–{hi}); a typo in the period label?", _where(src)))
    return out


SANITY_PLAN = """\
rule a: ratio(x, y) >= 20%
rule b: for each unit: ratio(x, y) >= 50% and ratio(z, y) <= 10%
rule c: for each unit: w > 0 by 2020-12-20
rule d: ratio(x, y) >= 30%
"""
sanity_values = st.one_of(st.integers(-3, 5), st.fractions(min_value=-3, max_value=5, max_denominator=4),
                          st.booleans(), st.sampled_from(["t", "", None]))


@settings(max_examples=120, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["2019-Q4", "2020-Q2", "2020-Q3", "2020-Q4", "2023-Q1"]),
                          st.sampled_from([None, "A", "B", "C"]),
                          st.dictionaries(st.sampled_from(["x", "y", "z", "w", "v", "xx"]), sanity_values)),
                max_size=12),
       st.sampled_from([None, "2020-Q3", "2020-Q4", "2020"]))
def test_sanity_warnings_are_those_worked_out_value_by_value(snaps, current) -> None:  # type: ignore[no-untyped-def]
    import kpirules
    from kpirules.engine.warnings import sanity_warnings

    plan = kpirules.parse(SANITY_PLAN)
    data = Data()
    for i, (label, unit, values) in enumerate(snaps):
        period = parse_period(label)
        data.add_snapshot(period, unit, Source("d", f"snapshot {i}"))
        for metric, v in values.items():
            if metric not in data.snapshots[(period.key, unit)]:  # (the first value of a cell)
                data.add(period, unit, metric, v, Source("d", f"snapshot {i} {metric}"))
    cur = parse_period(current) if current else None
    assert sanity_warnings(plan, data, cur, limit=10**6) == sanity_reference(plan, data, cur)
    assert sanity_warnings(plan, data, cur, limit=3) == sanity_reference(plan, data, cur)[:3]
    # a roll-up's periods share what does not depend on the current one: the same warnings, in any order of calls
    memo: dict = {}  # type: ignore[type-arg]
    for other in ("2020-Q3", "2023-Q1", None, current):
        o = parse_period(other) if other else None
        assert sanity_warnings(plan, data, o, limit=4, memo=memo) == sanity_reference(plan, data, o)[:4]


def test_fraction_valued_metric_is_not_a_count_and_a_ratio_metric_always_is() -> None:
    import kpirules
    from kpirules.engine.warnings import sanity_warnings

    data = Data()
    q = parse_period("2020-Q4")
    for unit, values in [("A", {"v": -2, "x": Fraction(-1, 2), "y": 4}), ("B", {"v": Fraction(1, 2), "w": -1})]:
        for metric, value in values.items():
            data.add(q, unit, metric, value, Source("d", f"{unit}.{metric}"))
    ws = sanity_warnings(kpirules.parse(SANITY_PLAN), data)
    negative = [w.message for w in ws if w.code == "negative_count"]
    assert negative == ["x is -0.5 in 2020-Q4 for unit A: a count cannot be negative",
                        "w is -1 in 2020-Q4 for unit B: a count cannot be negative"]


json_leaves = st.none() | st.booleans() | st.integers() | st.text(max_size=6) | st.sampled_from(
    ["%s", "%", "}", "},\n  {", "\x00", "\u2028", '"']) | st.floats(allow_nan=False)
json_keys = st.sampled_from(["id", "%s", "a%b", "", "\n", "\x00", "ключ", '"'])
json_values = st.recursive(json_leaves, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(json_keys, inner, max_size=4), max_leaves=12)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.fixed_dictionaries({"id": st.text(max_size=3)}, optional={
    "%s": json_values, "status": st.sampled_from(["met", None, 1, True]), "lead": st.lists(json_leaves, max_size=2),
    "more": json_values}), max_size=6) | json_values)
def test_json_text_of_lists_of_records_is_json_dumps(obj) -> None:  # type: ignore[no-untyped-def]
    """Lists of dicts sharing keys (one template per set of keys), '%' and quotes in keys and text,
    nested lists and dicts among the values, empty ones, floats (left to json)."""
    from kpirules.cli.check import json_text

    assert json_text(obj) == json.dumps(obj, ensure_ascii=False, indent=2)
    assert json_text({"results": obj, "n": [obj, {}]}) == json.dumps({"results": obj, "n": [obj, {}]},
                                                                      ensure_ascii=False, indent=2)


def format_reference(f: Fraction) -> str:
    """The definition: a terminating decimal written out in full, else n/d."""
    if f.denominator == 1:
        return str(f.numerator)
    for places in range(1, 200):
        scaled = f * 10**places
        if scaled.denominator == 1:
            text = str(abs(scaled.numerator)).rjust(places + 1, "0")
            return ("-" if f < 0 else "") + text[:-places] + "." + text[-places:]
    return f"{f.numerator}/{f.denominator}"


fractions_ = st.builds(lambda n, d: Fraction(n, d), st.integers(-10**8, 10**8),
                       st.one_of(st.integers(1, 10**4), st.builds(lambda a, b: 2**a * 5**b, st.integers(0, 30),
                                                                  st.integers(0, 30))))


@settings(max_examples=300, deadline=None)
@given(fractions_ | st.integers(-10**20, 10**20), fractions_ | st.integers(-10**6, 10**6))
def test_numbers_and_margins_are_written_as_defined(a, b) -> None:  # type: ignore[no-untyped-def]
    from kpirules.engine.evaluate import Result, Status
    from kpirules.values import format_number, ratio_text

    assert format_number(a) == format_reference(Fraction(a))
    f = Fraction(a)
    assert ratio_text(f.numerator, f.denominator) == format_reference(f)
    out = Result(id="r", kind="rule", status=Status.MET, value=a, target=b).to_json()
    assert out["value"] == format_reference(Fraction(a)) and out["target"] == format_reference(Fraction(b))
    assert out["margin"] == format_reference(Fraction(a) - Fraction(b))  # written from numerators and denominators


def test_check_json_is_json_dumps_of_to_json_on_the_examples() -> None:
    import kpirules
    from kpirules.cli.check import render_json

    for plan, path in [("rules/nq17_bkhcn.kpi", "examples/nq17_bkhcn/data.json"),
                       ("rules/nq17_national.kpi", "examples/nq17_national/data.json")]:
        for as_of in ("2020-12-18", "2021-07-01"):
            results = kpirules.load(plan).evaluate(path, as_of)
            doc = results.to_json()
            assert render_json(results) == json.dumps(doc, ensure_ascii=False, indent=2)
            assert [r.to_json() for r in results] == doc["results"]  # the per-Result form agrees


# --- the JSON fast paths ------------------------------------------------------------------------


def _general_json(text: str, number_format: str | None = None) -> Data:
    """parse_json_data with json's hooks for every number and object and the snapshot loop (no fast path)."""
    import kpirules.data.jsonfile as data_module

    plain, snapshots = data_module._plain_json, data_module._plain_snapshots
    data_module._plain_json = lambda text: None  # type: ignore[assignment]
    data_module._plain_snapshots = lambda snaps, data: False  # type: ignore[assignment]
    try:
        return parse_json_data(text, "f.json")
    finally:
        data_module._plain_json, data_module._plain_snapshots = plain, snapshots


def _json_outcome(text: str, reader) -> object:  # type: ignore[no-untyped-def]
    try:
        d = reader(text, None)
    except KpiDataError as exc:
        return str(exc)
    return repr((list(d.snapshots.items()), sorted(repr((k, str(v))) for k, v in d.sources.items()),
                 list(d.periods.items()), list(d.units), d.task_rows))


JSON_FIELDS = {
    "period": ['"2020-Q1"', '"Q1/2020"', '"2020-Q2"', '"2020-Q5"', "5", "null", '["2020-Q1"]', '{"a": 1}'],
    "unit": ['"U1"', '" U1 "', '"U2"', '""', "3", '["U1"]', '{"a": 1}'],
    "note": ['"ghi chú: xem"', '"x"', '{"a": 1}', '{"a": 1, "a": 2}'],
    "x": ["1"],
}
JSON_VALUES = ["1", "-0", "1.5", "12.50", "1e2", "true", '"t"', '"a: b"', "null", "[1]", "{}", "1" * 31, "2" * 30]


@st.composite
def json_texts(draw):  # type: ignore[no-untyped-def]
    """Snapshot lists as text, with what only the hooks or the loop see: keys given twice, a ':' in a
    string, long integers, nested objects, nulls, bad labels and units, a snapshot given twice."""
    snaps = []
    for _ in range(draw(st.integers(0, 5))):
        names = draw(st.lists(st.sampled_from(["a", "b", " ", "c"]), max_size=4))
        values = ", ".join(f'"{m}": {draw(st.sampled_from(JSON_VALUES))}' for m in names)
        fields = [("period", draw(st.sampled_from(JSON_FIELDS["period"])))] if draw(st.integers(0, 9)) else []
        fields += [(k, draw(st.sampled_from(JSON_FIELDS[k])))
                   for k in draw(st.lists(st.sampled_from(["unit", "note", "x", "unit"]), max_size=2))]
        if draw(st.integers(0, 9)):
            fields.append(("values", "{" + values + "}"))
        snaps.append("{" + ", ".join(f'"{k}": {v}' for k, v in draw(st.permutations(fields))) + "}")
    tasks = draw(st.sampled_from(["", ', "tasks": []', ', "tasks": [{"task": "T1", "status": "done", '
                                  '"date": "2020-03-01", "note": "a: b"}]', ', "snapshots": []']))
    return '{"snapshots": [' + ", ".join(snaps) + "]" + tasks + "}"


@settings(max_examples=200, deadline=None)
@given(json_texts())
def test_json_fast_paths_read_what_the_hooks_and_the_loop_read(text: str) -> None:
    fast = _json_outcome(text, lambda t, f: parse_json_data(t, "f.json"))
    assert fast == _json_outcome(text, _general_json)


def test_the_json_fast_paths_are_taken_for_plain_data_and_not_otherwise() -> None:
    import kpirules.data.jsonfile as data_module

    plain = '{"snapshots": [{"period": "2020-Q1", "unit": "U", "values": {"a": 1, "b": 1.5}}]}'
    doc = data_module._plain_json(plain)
    assert doc is not None and data_module._plain_snapshots(doc["snapshots"], Data())
    assert data_module._plain_json(plain.replace('"b"', '"a"')) is None  # a key given twice
    assert data_module._plain_json(plain.replace('"U"', '"U:1"')) is None  # a ':' in a string
    assert data_module._plain_json(plain.replace("1.5", "1" * 31)) is None  # past int()'s share of exact_int
    for other in ('"b": null', '"b": [1]', '"unit": ""', '"unit": " "', '"period": "2020-Q5"', '" ": 1'):
        field = other.split(":")[0]
        changed = json.loads(plain.replace('"b": 1.5', other) if field in ('"b"', '" "')
                             else plain.replace(field + ": " + plain.split(field + ": ")[1].split(",")[0], other))
        assert not data_module._plain_snapshots(changed["snapshots"], Data()), other
        assert _json_outcome(json.dumps(changed), lambda t, f: parse_json_data(t, "f.json")) == _json_outcome(
            json.dumps(changed), _general_json)


def test_sanity_stops_at_the_limit_without_working_out_the_later_kinds(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import kpirules
    from kpirules.engine import warnings as sanity

    plan = kpirules.parse(SANITY_PLAN)
    data = Data()
    p = parse_period("2020-Q4")
    data.add(p, None, "x", 5, Source("d", "row 1"))
    data.add(p, None, "y", 1, Source("d", "row 2"))  # x > y: a value warning comes first

    def never(*args):  # type: ignore[no-untyped-def]  # (a generator, as they are: fails when read)
        raise AssertionError("worked out though the limit was reached")
        yield

    monkeypatch.setattr(sanity, "_names", never)
    monkeypatch.setattr(sanity, "_stopped", never)
    [w] = sanity.sanity_warnings(plan, data, p, limit=1)
    assert w.code == "numerator_exceeds_denominator"
