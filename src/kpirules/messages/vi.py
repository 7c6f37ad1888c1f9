"""The Vietnamese message catalog: one template per code, the same codes as the English one."""

from __future__ import annotations

from typing import Any

TEMPLATES: dict[str, str] = {
    # --- values (the reasons of undefined and invalid values)
    "no_value": "thiếu số liệu {metric} trong {period}[[ (và cả {fallback})]][[ (đơn vị {unit})]]",
    "unit_not_reported": "đơn vị {unit} không báo cáo {period}[[ (và cả {fallback})]]",
    "only_per_unit": "không có số liệu {metric} chung của kế hoạch trong {period}[[ (và cả {fallback})]]; chỉ có "
                     "số liệu của từng đơn vị (dùng sum({metric:id}) để cộng lại)",
    "division_by_zero": "phép chia cho 0: {divisor} bằng 0 trong {period}[[ (đơn vị {unit})]]",
    "zero_denominator": "mẫu số {denominator} bằng 0 trong {period}[[ (đơn vị {unit})]]",
    "zero_baseline": "giá trị gốc {baseline} bằng 0 trong {period}[[ (đơn vị {unit})]]",
    "no_unit_reports": "không đơn vị nào báo cáo {expr} trong {period}",
    "unknown_for_units": "chưa xác định được {expr} trong {period} đối với đơn vị {units}",
    "wrong_type": "{expr} cần {need}, nhưng số liệu là {got}",
    "wrong_type_unit": "{expr} cần {need}, nhưng số liệu của đơn vị {unit} là {got}",
    "cannot_compare": "{expr} so sánh {left} với {right}",
    "not_a_truth": "{expr} phải là đúng/sai, nhưng số liệu là {got}",
    "too_large": "{expr} cho một số có hơn {limit} chữ số trong {period}[[ (đơn vị {unit})]]: quá lớn để tính "
                 "chính xác",
    "too_slow": "việc tính chỉ tiêu mất hơn {limit} giây, thời gian tối đa cho một chỉ tiêu",
    # --- rules
    "several": "{reasons}",
    "unknown": "chưa xác định được điều kiện",
    "no_units": "số liệu không có đơn vị nào, nên chỉ tiêu `for each unit:` này không có đơn vị để đánh giá",
    "no_period_closed": "chưa có kỳ báo cáo nào kết thúc trước ngày đánh giá",
    "deadline_not_reached": "chưa đến hạn {deadline} ({judged}); số liệu gần nhất: {latest}",
    "deadline_not_reached_no_data": "chưa đến hạn {deadline} ({judged}); chưa kỳ nào đã kết thúc có số liệu"
                                    "[[ ({why})]]",
    "span_not_started": "giai đoạn {first} – {last} chưa bắt đầu; số liệu gần nhất: {latest}",
    "span_not_started_no_data": "giai đoạn {first} – {last} chưa bắt đầu; chưa kỳ nào đã kết thúc có số liệu"
                                "[[ ({why})]]",
    "fails_in_span": "không đạt trong {period}, thuộc giai đoạn {first} – {last}",
    "holds_in_span": "đạt trong mọi kỳ từ {first} đến {last}",
    "holds_so_far": "đạt trong mọi kỳ từ {first} đến {upto} (giai đoạn kết thúc {last})",
    "latest_data": "số liệu gần nhất: {latest}",
    # --- tasks
    "done_on": "hoàn thành ngày {done_on}[[; {history}]]",
    "done_late": "hạn {deadline}[[ ({label})]], hoàn thành ngày {done_on}, muộn {days} ngày[[; {history}]]",
    "due": "hạn {deadline}[[ ({label})]][[; {history}]]",
    "no_deadline": "chưa đặt hạn",
    "waiting_for": "chờ nhiệm vụ {tasks} hoàn thành[[; hạn {deadline}]][[; {history}]]",
    "waiting_for_event": "chờ[[ nhiệm vụ {tasks} hoàn thành và]] {events}: {titles}[[; hạn {deadline}]]"
                         "[[; {history}]]",
    "overdue": "hạn {deadline}[[ ({label})]], chưa hoàn thành; báo cáo gần nhất ngày {reported_on}: {progress}"
               "[[ ({note})]][[; {history}]]",
    "nothing_reported": "hạn {deadline}[[ ({label})]]; chưa có báo cáo tiến độ[[; {history}]]",
    "deliveries_so_far": "{on_time}/{made} lần báo cáo đến nay đúng hạn",
    "deliveries_on_time": "cả {made} lần đều đúng hạn",
    "deliveries_late": "{late}/{made} lần muộn",
    "stretch_error": "điều kiện phấn đấu, {period}: {reason}",
    "delivery_done": "phần việc {phase:lower} đã hoàn thành ngày {done_on}",
    "delivery_late": "phần việc {phase:lower} hoàn thành muộn, ngày {done_on}",
    # --- warnings on the data
    "unit_stopped_reporting": "đơn vị {unit} đã báo cáo {last} nhưng không báo cáo {current}",
    "numerator_exceeds_denominator": "{numerator} ({numerator_value}) lớn hơn {denominator} ({denominator_value}) "
                                     "trong {period}[[ (đơn vị {unit})]], trong khi chỉ tiêu {rule} coi "
                                     "ratio({numerator:id}, {denominator:id}) là một tỷ lệ",
    "negative_count": "{metric} bằng {value} trong {period}[[ (đơn vị {unit})]]: số đếm không thể âm",
    "unused_metric": "không chỉ tiêu nào dùng số liệu {metric}[[; có phải là {close}?]]",
    "unknown_task": "số liệu báo cáo tiến độ nhiệm vụ {task}, nhưng kế hoạch không có nhiệm vụ này"
                    "[[; có phải là {close}?]]",
    "more_like_this": "… và {count} cảnh báo khác cùng loại ({code})",
    "similar_units": "các đơn vị {units} chỉ khác nhau ở chữ hoa, chữ thường hoặc dấu: một đơn vị viết hai cách? "
                     "(đang được tính là các đơn vị khác nhau)",
    # --- cảnh báo về các dòng dữ liệu gốc (chỉ tiêu đếm từ hồ sơ)
    "records_undated": "tập dữ liệu {dataset}: {count} dòng không có {column} (cột `dated by`), nên không thuộc "
                       "kỳ nào: không được tính",
    "records_outside_windows": "tập dữ liệu {dataset}: {count} dòng có ngày nằm ngoài mọi kỳ được tính "
                               "({start}{to}{end}; ngày của các dòng từ {earliest} đến {latest}): không được tính",
    "records_no_unit": "tập dữ liệu {dataset}: {count} dòng không ghi đơn vị ({column} để trống): chỉ được tính "
                       "ở cấp kế hoạch",
    "records_unknown_unit": "tập dữ liệu {dataset}: {count} đơn vị không có trong kế hoạch ({rows} dòng, chỉ được "
                            "tính ở cấp kế hoạch, không tính riêng từng đơn vị): {units}[[; và {more} đơn vị khác]]",
    "records_unit_example": "{unit} ({rows} dòng[[; có phải là {close}?]])",
    "records_similar_units": "tập dữ liệu {dataset}: {units}: có phải là một đơn vị? (kế hoạch không khai báo "
                             "đơn vị để phân biệt)",
    "period_outside_plan": "số liệu kỳ {period} nằm ngoài các năm của kế hoạch ({first_year}–{last_year}); "
                           "nhãn kỳ báo cáo bị gõ nhầm?",
}

CATALOG: dict[str, Any] = {
    "templates": TEMPLATES,
    "words": {
        "number": "số", "boolean": "giá trị đúng/sai", "truth": "giá trị đúng/sai",
        "done": "đã hoàn thành", "in_progress": "đang thực hiện", "not_started": "chưa bắt đầu",
        "delayed": "chậm tiến độ", "stuck": "gặp vướng mắc", "suspended": "tạm dừng",
    },
    "value": {"date": "ngày {}", "text": 'văn bản "{}"', "number": "số {}", "true": "giá trị đúng", "false": "giá trị sai"},
}
