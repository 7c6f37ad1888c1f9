#!/usr/bin/env python3
"""Write the synthetic example data for rules/nq17_bkhcn.kpi.

    python examples/nq17_bkhcn/make_data.py          # (re)write the files
    python examples/nq17_bkhcn/make_data.py --check  # fail if the files differ

The numbers are invented (see README.md): they are not the Ministry's data.
Everything is written from the tables below, with no randomness, so the output
is the same on every run. Standard library only.

Files written next to this script:

* data.json  - {"snapshots": [...], "tasks": [...], "events": [...]}
* values.csv - period,unit,metric,value (one value a row)
* tasks.csv  - task,status,date,period,note
* events.csv - event,date,note
"""

from __future__ import annotations

import csv
import io
import json
import sys
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent

QUARTERS = [
    "2019-Q2", "2019-Q3", "2019-Q4",
    "2020-Q1", "2020-Q2", "2020-Q3", "2020-Q4",
    "2021-Q1", "2021-Q2", "2021-Q3", "2021-Q4",
]

# Period labels written in another accepted form in values.csv, to show that
# the reader accepts them (the JSON keeps the canonical labels).
CSV_LABELS = {"2020-Q4": "Quý IV/2020", "2021-Q1": "Quý I/2021"}

T, F = True, False
D = Decimal

# The baselines of rules II.1.c.4 and II.1.c.4.paper: the average meeting length in 2018,
# in hours, and the paper pages printed for meetings in 2018's last quarter.
BASELINE = {"2018": {"meeting_hours": D("2.5"), "meeting_paper_pages": 18400}}

# Plan-level values, one per quarter in QUARTERS order.
#                                   2019: Q2    Q3    Q4 | 2020: Q1    Q2    Q3    Q4 | 2021: Q1    Q2    Q3    Q4
PLAN: dict[str, list] = {
    # II.1.a.1 (20% by 2020) and II.2.a.2 (40% by 2025)
    "egov_users":                       [12400, 13850, 15600, 17900, 20300, 22800, 25100, 27300, 29600, 31800, 34200],
    "eid_verified_users":               [620, 1110, 1720, 2330, 3050, 3650, 4220, 5460, 6810, 8270, 9920],
    # II.1.b.1, b.5, b.6, b.7: over all online services
    "online_services":                  [96, 100, 104, 108, 112, 116, 120, 122, 124, 126, 128],
    "services_level4":                  [12, 15, 19, 24, 28, 33, 36, 39, 42, 45, 48],
    "services_using_business_registry": [8, 10, 14, 18, 24, 30, 38, 42, 46, 50, 54],
    "services_mobile_signature":        [0, 0, 0, 2, 3, 4, 6, 8, 10, 12, 14],
    "services_e_dossier":               [30, 34, 40, 46, 52, 58, 66, 70, 74, 78, 82],
    # II.1.b.2 (30% by 2020) and II.2.b.3 (50% by 2025)
    "services_level34":                 [44, 48, 52, 56, 60, 62, 64, 66, 68, 70, 72],
    "services_level34_integrated":      [0, 0, 6, 10, 14, 18, 22, 27, 35, 38, 41],
    # II.1.b.3
    "mobile_portal":                    [F, F, F, F, T, T, T, T, T, T, T],
    # II.1.b.4
    "citizen_fields":                   [860, 860, 880, 880, 900, 900, 920, 920, 940, 940, 960],
    "citizen_fields_autofilled":        [0, 18, 36, 54, 72, 90, 110, 130, 150, 170, 190],
    # II.1.b.8, II.1.b.9, II.2.b.5: dossiers resolved in the quarter
    "dossiers_resolved":                [4310, 4580, 5220, 3960, 4480, 5010, 5120, 4230, 4870, 5060, 5340],
    "dossiers_resolved_online":         [310, 420, 610, 690, 980, 1180, 1382, 1250, 1560, 1720, 1960],
    "dossiers_via_one_stop":            [2890, 3120, 3780, 3050, 3910, 5010, 5120, 4230, 4870, 5060, 5340],
    # II.1.b.10
    "public_services":                  [236, 236, 236, 236, 236, 236, 236, 236, 236, 236, 236],
    "services_with_qa_support":         [150, 170, 190, 210, 226, 236, 236, 236, 236, 236, 236],
    # II.1.b.11
    "procedure_agencies":               [10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10],
    "agencies_publishing_satisfaction": [2, 3, 4, 5, 6, 8, 9, 9, 10, 10, 10],
    # II.1.b.12, II.1.c.1
    "portal_decree43_compliant":        [F, F, T, T, T, T, T, T, T, T, T],
    "document_axis_connected":          [F, T, T, T, T, T, T, T, T, T, T],
    # II.1.c.2: documents exchanged with state agencies in the quarter
    "documents_exchanged":              [6120, 6480, 7350, 5630, 6210, 6820, 7480, 5900, 6550, 6900, 7600],
    "documents_exchanged_electronic":   [4220, 4790, 5660, 4560, 5330, 6030, 6890, 5490, 6150, 6530, 7230],
    # II.1.c.4: average meeting length, hours
    "meeting_hours":                    [D("2.5"), D("2.4"), D("2.3"), D("2.1"), D("1.9"), D("1.8"), D("1.7"),
                                         D("1.7"), D("1.6"), D("1.6"), D("1.5")],
    # II.1.c.4.paper: paper pages printed for meetings in the quarter
    "meeting_paper_pages":              [18100, 17600, 16200, 12800, 9400, 7900, 7100, 6800, 6200, 5900, 5600],
    # II.1.c.5 (30% by 2020) and II.2.c.2 (80% by 2025)
    "periodic_reports":                 [38, 40, 46, 36, 40, 42, 48, 38, 40, 42, 48],
    "periodic_reports_national_system": [0, 2, 6, 7, 10, 12, 17, 15, 17, 19, 23],
    # II.1.c.6
    "specialised_network_connected":    [F, F, F, F, F, F, F, F, T, T, T],
    # II.2.a.1
    "transactions":                     [5200, 6100, 7400, 6900, 7800, 8600, 9100, 8800, 9700, 10300, 11000],
    "transactions_authenticated":       [1040, 1830, 2960, 3450, 4680, 6020, 7830, 7920, 9020, 9790, 10560],
    # II.2.b.1: the portal and the one-stop system
    "service_systems":                  [2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2],
    "service_systems_connected":        [0, 0, 1, 1, 1, 2, 2, 2, 2, 2, 2],
    # II.2.b.2
    "admin_procedures":                 [241, 241, 238, 238, 232, 232, 228, 228, 226, 226, 224],
    # 2020-Q4: the Ministry Office sent text instead of a count (an `error` status)
    "procedures_level34_ready":         [60, 66, 74, 82, 92, 102, "đang rà soát", 120, 130, 138, 146],
    # II.2.b.4
    "popular_services_level34":         [12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12],
    "popular_services_integrated":      [0, 0, 2, 4, 6, 8, 10, 11, 12, 12, 12],
    # II.2.b.6 (90% by 2025): people and businesses whose procedures were resolved, and of them
    # those who said they were satisfied
    "applicants":                       [3980, 4210, 4790, 3650, 4120, 4600, 4700, 3900, 4480, 4650, 4910],
    "satisfied_applicants":             [3140, 3370, 3880, 3000, 3420, 3860, 3990, 3400, 3960, 4140, 4420],
    # II.2.c.3
    "citizen_systems":                  [7, 7, 8, 8, 8, 9, 9, 9, 9, 10, 10],
    "citizen_systems_connected":        [0, 0, 1, 1, 2, 3, 4, 4, 5, 6, 7],
    # II.2.c.4
    "once_only_data":                   [F, F, F, F, F, F, F, F, F, F, F],
    # II.1.c.3 / II.2.c.1 are judged on the ministry-wide totals (all units, not only the
    # five below), as the Ministry Office reports them; II.1.c.3.units / II.2.c.1.units
    # follow the five units one by one.
    "work_records":                     [7120, 7390, 8030, 6690, 7590, 7820, 8380, 7250, 8010, 8320, 8910],
    "work_records_online":              [4690, 5010, 5720, 5100, 5960, 6420, 7090, 6170, 6990, 7350, 8010],
}

# Units of the ministry that report their own work records (II.1.c.3, II.2.c.1).
UNITS = {
    "TTCNTT": "Trung tâm Công nghệ thông tin (Information Technology Centre)",
    "VPB": "Văn phòng Bộ (Ministry Office)",
    "VUPC": "Vụ Pháp chế (Legal Department)",
    "TCTDC": "Tổng cục Tiêu chuẩn Đo lường Chất lượng (Directorate for Standards, Metrology and Quality)",
    "CUCTTKH": "Cục Thông tin khoa học và công nghệ quốc gia (National Agency for Science and Technology Information)",
}

# (work_records, work_records_online) per quarter; None = the unit sent no report.
PER_UNIT: dict[str, list] = {
    #                   2019: Q2         Q3          Q4        | 2020: Q1        Q2          Q3          Q4        | 2021: Q1         Q2          Q3          Q4
    "TTCNTT":  [(310, 248), (320, 262), (350, 294), (300, 264), (330, 297), (340, 313), (360, 346), (320, 310), (340, 330), (350, 341), (370, 362)],
    "VPB":     [(1450, 870), (1520, 980), (1680, 1160), (1310, 990), (1490, 1170), (1560, 1300), (1720, 1514), (1380, 1230), (1540, "đang cập nhật"), (1600, 1472), (1760, 1637)],
    # VPB sent text instead of a count for 2021-Q2 (an `error` status for II.2.c.1)
    # VUPC sent no report for 2020-Q4, the quarter on which II.1.c.3 is judged
    "VUPC":    [(210, 130), (220, 145), (240, 170), (190, 141), (230, 179), (240, 195), None, (200, 166), (230, 194), (240, 206), (260, 227)],
    "TCTDC":   [(2400, 1200), (2480, 1290), (2650, 1460), (2210, 1300), (2530, 1570), (2600, 1720), (2790, 1980), (2300, 1700), (2560, 1930), (2640, 2040), (2850, 2250)],
    # CUCTTKH reported 0 work records for 2020-Q4 (the quarter it moved to the
    # ministry's shared document system): a zero denominator
    "CUCTTKH": [(180, 120), (190, 134), (210, 155), (170, 131), (200, 162), (205, 170), (0, 0), (160, 142), (190, 171), (200, 182), (220, 203)],
}

IP, DONE = "in_progress", "done"

# Events outside the plan that tasks wait for (`event` in the rule file): (event, date, note).
# ND138 is not reported: task 4 waits for it throughout.
EVENTS: list[tuple[str, str, str]] = [
    ("CDVCQG", "2019-12-09", "Cổng Dịch vụ công quốc gia khai trương"),
    ("KTCPDT", "2019-12-31", "Kiến trúc Chính phủ điện tử được phê duyệt"),
    ("ND110", "2020-03-05", "Nghị định thay thế Nghị định số 110/2004/NĐ-CP được ban hành"),
]

# Task progress rows: (task, status, date, note) or (task, status, date, note, period) where
# the row names the occurrence of a recurring duty it delivers (task 26, every quarter).
TASKS: list[tuple[str, ...]] = [
    ("1", IP, "2019-06-12", "Rà soát 241 thủ tục hành chính, đề xuất đơn giản hóa 38 thủ tục"),
    ("1", IP, "2019-12-12", "Đã trình phương án đơn giản hóa 38 thủ tục hành chính"),
    ("1", DONE, "2020-11-30", "Hoàn thành rà soát, đơn giản hóa giai đoạn 2019-2020"),
    ("1", IP, "2021-06-10", "Rà soát giai đoạn 2021-2025"),
    # task 2 (due 2025): no rows
    ("3", IP, "2019-09-12", "Chờ Chính phủ ban hành Nghị định thay thế Nghị định số 110/2004/NĐ-CP"),
    ("3", IP, "2020-06-11", "Dự thảo Quy chế công tác văn thư, lưu trữ đang lấy ý kiến các đơn vị"),
    ("3", IP, "2020-12-10", "Trình Bộ trưởng ký Quyết định ban hành Quy chế"),
    ("3", DONE, "2021-01-15", "Bộ trưởng đã ký Quyết định ban hành Quy chế"),
    ("4", IP, "2019-09-12", "Chờ Nghị định sửa đổi, bổ sung Nghị định số 138/2016/NĐ-CP"),
    ("4", IP, "2020-03-12", "Nghị định sửa đổi chưa được ban hành"),
    ("4", IP, "2020-12-10", "Dự thảo Quyết định đã sẵn sàng, chờ Nghị định sửa đổi"),
    ("4", IP, "2021-06-10", "Tiếp tục chờ Nghị định sửa đổi"),
    ("5", IP, "2019-12-12", "Dự thảo Quy chế"),
    ("5", DONE, "2020-08-14", "Quyết định ban hành Quy chế"),
    ("6", IP, "2019-06-13", "Khảo sát hiện trạng"),
    ("6", IP, "2019-12-12", "Chờ Khung Kiến trúc Chính phủ điện tử Việt Nam phiên bản 2.0"),
    ("6", IP, "2020-06-11", "Dự thảo Kiến trúc, lấy ý kiến Bộ Thông tin và Truyền thông"),
    ("6", IP, "2020-12-10", "Hoàn thiện dự thảo theo ý kiến góp ý"),
    ("6", DONE, "2021-04-22", "Bộ trưởng ký Quyết định ban hành Kiến trúc Chính phủ điện tử của Bộ"),
    ("7", IP, "2021-06-10", "Bắt đầu triển khai theo Kiến trúc đã được phê duyệt"),
    ("8", IP, "2019-12-12", "Xây dựng nền tảng tích hợp, chia sẻ dữ liệu của Bộ"),
    ("8", IP, "2020-06-11", "Thử nghiệm kết nối với nền tảng quốc gia"),
    ("8", DONE, "2020-10-30", "Hoàn thành kết nối với nền tảng tích hợp, chia sẻ dữ liệu quốc gia"),
    ("9", IP, "2019-12-12", "Cổng Dịch vụ công quốc gia đã đi vào hoạt động; bắt đầu kết nối"),
    ("9", IP, "2020-06-11", "Đã kết nối 3 cơ sở dữ liệu chuyên ngành"),
    ("9", DONE, "2020-12-08", "Hoàn thành kết nối 6 cơ sở dữ liệu chuyên ngành"),
    ("10", IP, "2019-09-12", "Lập phương án tái cấu trúc hạ tầng"),
    ("10", IP, "2020-03-12", "Chờ bố trí kinh phí thuê dịch vụ"),
    ("10", IP, "2020-09-10", "Đang lựa chọn nhà cung cấp dịch vụ"),
    ("10", IP, "2021-03-11", "Đang chuyển hệ thống sang hạ tầng thuê dịch vụ"),
    # task 11: no rows
    ("12", IP, "2019-09-12", "Nâng cấp Cổng Dịch vụ công"),
    ("12", DONE, "2020-06-30", "Cổng Dịch vụ công và Hệ thống thông tin một cửa điện tử tập trung đi vào vận hành"),
    ("13", IP, "2019-12-12", "Xây dựng hệ thống"),
    ("13", IP, "2020-06-11", "Vận hành thử"),
    ("13", IP, "2020-09-10", "Đang tích hợp với Hệ thống của Chính phủ"),
    ("13", DONE, "2020-12-17", "Nghiệm thu, kết nối chính thức với Hệ thống của Chính phủ"),
    ("14", IP, "2019-09-12", "Xây dựng Hệ thống thông tin báo cáo của Bộ"),
    ("14", DONE, "2020-05-15", "Hệ thống báo cáo của Bộ đã kết nối với Hệ thống thông tin báo cáo Chính phủ"),
    ("15", DONE, "2019-11-20", "Hệ thống thông tin phục vụ họp và xử lý công việc đi vào vận hành"),
    ("16", IP, "2020-03-12", "Chuẩn hóa mã định danh"),
    ("16", IP, "2020-09-10", "Số hóa dữ liệu"),
    ("16", DONE, "2020-12-01", "Công bố danh mục dữ liệu dùng chung"),
    # task 17: no rows
    ("18", IP, "2019-12-12", "Phân loại hệ thống thông tin theo cấp độ"),
    ("18", DONE, "2020-11-05", "Các hệ thống thông tin được giám sát, đánh giá, phân loại theo cấp độ"),
    ("19", IP, "2019-12-12", "Triển khai chữ ký số cho lãnh đạo các đơn vị"),
    ("19", DONE, "2020-07-20", "Hoàn thành triển khai chữ ký số, xác thực điện tử"),
    ("20", DONE, "2020-12-04", "Đã bố trí kinh phí năm 2020 và dự toán năm 2021"),
    # task 21: no rows
    ("22", DONE, "2019-10-15", "Chương trình đã được phê duyệt"),
    ("23", IP, "2020-06-11", "Tổ chức 2 lớp tập huấn"),
    ("23", DONE, "2020-11-20", "Tổ chức 6 lớp tập huấn cho 420 lượt cán bộ"),
    ("24", DONE, "2020-12-11", "Ban Chỉ đạo họp định kỳ, ban hành kế hoạch hoạt động"),
    ("25", DONE, "2020-12-11", "Báo cáo kết quả kiểm tra năm 2020"),
    # task 26: one report a quarter, each naming its quarter; the 2020-Q3 report was late
    ("26", DONE, "2019-06-19", "Đã gửi báo cáo quý II/2019", "2019-Q2"),
    ("26", DONE, "2019-09-19", "Đã gửi báo cáo quý III/2019", "2019-Q3"),
    ("26", DONE, "2019-12-13", "Đã gửi báo cáo quý IV/2019", "2019-Q4"),
    ("26", DONE, "2020-03-13", "Đã gửi báo cáo quý I/2020", "2020-Q1"),
    ("26", DONE, "2020-06-12", "Đã gửi báo cáo quý II/2020", "2020-Q2"),
    ("26", DONE, "2020-09-24", "Đã gửi báo cáo quý III/2020 (muộn)", "2020-Q3"),
    ("26", DONE, "2020-12-11", "Đã gửi báo cáo quý IV/2020", "2020-Q4"),
    ("26", DONE, "2021-03-12", "Đã gửi báo cáo quý I/2021", "2021-Q1"),
    ("26", DONE, "2021-06-11", "Đã gửi báo cáo quý II/2021", "2021-Q2"),
    ("26", DONE, "2021-09-17", "Đã gửi báo cáo quý III/2021", "2021-Q3"),
]


# ---------------------------------------------------------------------------


def snapshots() -> list[dict]:
    """Every snapshot, in a fixed order: the baseline, then per quarter plan level and units."""
    out: list[dict] = []
    for period, values in BASELINE.items():
        out.append({"period": period, "values": dict(values)})
    for i, period in enumerate(QUARTERS):
        out.append({"period": period, "values": {m: series[i] for m, series in PLAN.items()}})
        for unit, series in PER_UNIT.items():
            row = series[i]
            if row is None:
                continue
            records, online = row
            out.append({"period": period, "unit": unit,
                        "values": {"work_records_online": online, "work_records": records}})
    return out


def _json_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, Decimal)):
        return str(v)  # exact decimal text, never a binary float
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, dict):
        return "{" + ", ".join(f"{json.dumps(k, ensure_ascii=False)}: {_json_value(x)}" for k, x in v.items()) + "}"
    raise TypeError(type(v))


def _task_json(task: str, status: str, date: str, note: str, period: str = "") -> dict:
    row = {"task": task, "status": status}
    row["done_on" if status == DONE else "date"] = date
    if period:
        row["period"] = period
    if note:
        row["note"] = note
    return row


def render_json() -> str:
    """data.json: one snapshot or task row per line, so that diffs stay readable."""
    lines = ["{", '  "snapshots": [']
    snaps = snapshots()
    for n, snap in enumerate(snaps):
        lines.append("    " + _json_value(snap) + ("," if n < len(snaps) - 1 else ""))
    lines.append("  ],")
    lines.append('  "tasks": [')
    for n, row in enumerate(TASKS):
        lines.append("    " + _json_value(_task_json(*row)) + ("," if n < len(TASKS) - 1 else ""))
    lines.append("  ],")
    lines.append('  "events": [')
    for n, (event, date, note) in enumerate(EVENTS):
        lines.append("    " + _json_value({"event": event, "date": date, "note": note})
                     + ("," if n < len(EVENTS) - 1 else ""))
    lines.append("  ]")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _csv_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def _csv(rows: list[list[str]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerows(rows)
    return buf.getvalue()


def render_values_csv() -> str:
    rows = [["period", "unit", "metric", "value"]]
    for snap in snapshots():
        label = CSV_LABELS.get(snap["period"], snap["period"])
        for metric, value in snap["values"].items():
            rows.append([label, snap.get("unit", ""), metric, _csv_value(value)])
    return _csv(rows)


def render_tasks_csv() -> str:
    return _csv([["task", "status", "date", "period", "note"]]
                + [[row[0], row[1], row[2], row[4] if len(row) > 4 else "", row[3]] for row in TASKS])


def render_events_csv() -> str:
    return _csv([["event", "date", "note"]] + [list(row) for row in EVENTS])


def outputs() -> dict[str, str]:
    return {
        "data.json": render_json(),
        "values.csv": render_values_csv(),
        "tasks.csv": render_tasks_csv(),
        "events.csv": render_events_csv(),
    }


# ---------------------------------------------------------------------------
# Self-checks: the tables are complete, and JSON and CSV hold the same data.


def _canonical_label(label: str) -> str:
    for canonical, other in CSV_LABELS.items():
        if label == other:
            return canonical
    return label


def _read_back(files: dict[str, str]) -> None:
    data = json.loads(files["data.json"], parse_float=Decimal)
    from_json = set()
    for snap in data["snapshots"]:
        for metric, value in snap["values"].items():
            from_json.add((snap["period"], snap.get("unit", ""), metric, _csv_value(value)))
    from_csv = set()
    for row in csv.DictReader(io.StringIO(files["values.csv"])):
        from_csv.add((_canonical_label(row["period"]), row["unit"], row["metric"], row["value"]))
    assert from_json == from_csv, sorted(from_json ^ from_csv)[:5]
    json_tasks = [(r["task"], r["status"], r.get("done_on") or r.get("date"), r.get("period", ""), r.get("note", ""))
                  for r in data["tasks"]]
    csv_tasks = [(r["task"], r["status"], r["date"], r["period"], r["note"])
                 for r in csv.DictReader(io.StringIO(files["tasks.csv"]))]
    assert json_tasks == csv_tasks
    json_events = [(r["event"], r["date"], r["note"]) for r in data["events"]]
    assert json_events == [tuple(r.values()) for r in csv.DictReader(io.StringIO(files["events.csv"]))]


def _check_tables() -> None:
    for metric, series in PLAN.items():
        assert len(series) == len(QUARTERS), metric
    for unit, series in PER_UNIT.items():
        assert len(series) == len(QUARTERS), unit
    for metric in ("meeting_hours",):
        for v in PLAN[metric]:
            assert isinstance(v, Decimal), metric
    for task, status, date, *_ in TASKS:
        assert 1 <= int(task) <= 26 and status in (IP, DONE) and len(date) == 10


def main(argv: list[str]) -> int:
    _check_tables()
    files = outputs()
    _read_back(files)
    if "--check" in argv:
        stale = [name for name, text in files.items()
                 if not (HERE / name).exists() or (HERE / name).read_text(encoding="utf-8") != text]
        if stale:
            print("out of date: " + ", ".join(stale) + " (run make_data.py)", file=sys.stderr)
            return 1
        return 0
    for name, text in files.items():
        (HERE / name).write_text(text, encoding="utf-8", newline="\n")
        print(f"wrote {HERE / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
