"""The English message catalog: one template per code (the plain style of it is the text of the JSON)."""

from __future__ import annotations

from typing import Any

TEMPLATES: dict[str, str] = {
    # --- values (the reasons of undefined and invalid values)
    "no_value": "no value for {metric} in {period}[[ (nor {fallback})]][[ for unit {unit}]]",
    "unit_not_reported": "unit {unit} did not report for {period}[[ (nor {fallback})]]",
    "only_per_unit": "no plan-level value for {metric} in {period}[[ (nor {fallback})]]; only per-unit values are "
                     "reported (use sum({metric:id}) to add them up)",
    "division_by_zero": "division by zero: {divisor} is 0 in {period}[[ for unit {unit}]]",
    "zero_denominator": "the denominator {denominator} is 0 in {period}[[ for unit {unit}]]",
    "zero_baseline": "the baseline {baseline} is 0 in {period}[[ for unit {unit}]]",
    "no_unit_reports": "no unit reports {expr} in {period}",
    "unknown_for_units": "{expr} is unknown in {period} for unit(s) {units}",
    "wrong_type": "{expr} needs {need}, but got {got}",
    "wrong_type_unit": "{expr} needs {need}, but unit {unit} gives {got}",
    "cannot_compare": "{expr} compares {left} with {right}",
    "not_a_truth": "{expr} must be true or false, but the data gives {got}",
    "too_large": "{expr} gives a number of more than {limit} digits in {period}[[ for unit {unit}]]: too large to "
                 "work out exactly",
    "too_slow": "working the rule out took longer than {limit} seconds, the most a rule may take",
    # --- rules
    "several": "{reasons}",
    "unknown": "the condition is unknown",
    "no_units": "no unit appears in the data, so this `for each unit:` rule has no unit to judge",
    "no_period_closed": "no reporting period has closed by the as-of date",
    "deadline_not_reached": "deadline {deadline} ({judged}) not reached; latest data {latest}",
    "deadline_not_reached_no_data": "deadline {deadline} ({judged}) not reached; no closed period has the data "
                                    "yet[[ ({why})]]",
    "span_not_started": "the span {first}{to}{last} has not started; latest data {latest}",
    "span_not_started_no_data": "the span {first}{to}{last} has not started; no closed period has the data "
                                "yet[[ ({why})]]",
    "fails_in_span": "fails in {period}, within {first}{to}{last}",
    "holds_in_span": "holds in every period {first}{to}{last}",
    "holds_so_far": "holds in every period {first}{to}{upto} so far (span ends {last})",
    "latest_data": "latest data {latest}",
    # --- tasks
    "done_on": "done on {done_on}[[; {history}]]",
    "done_late": "due {deadline}[[ ({label})]], done on {done_on}, {days} {days:day|days} late[[; {history}]]",
    "due": "due {deadline}[[ ({label})]][[; {history}]]",
    "no_deadline": "no deadline set",
    "waiting_for": "waiting for task {tasks} (not done yet)[[; due {deadline}]][[; {history}]]",
    "waiting_for_event": "waiting for[[ task {tasks} (not done yet) and]] {events}: {titles}[[; due {deadline}]]"
                         "[[; {history}]]",
    "overdue": "due {deadline}[[ ({label})]], not done; last reported {progress} on {reported_on}[[ ({note})]]"
               "[[; {history}]]",
    "nothing_reported": "due {deadline}[[ ({label})]]; nothing reported[[; {history}]]",
    "deliveries_so_far": "{on_time} of {made} deliveries so far on time",
    "deliveries_on_time": "all {made} deliveries on time",
    "deliveries_late": "{late} of {made} deliveries late",
    "stretch_error": "the stretch condition, in {period}: {reason}",
    "delivery_done": "the {phase} delivery was done on {done_on}",
    "delivery_late": "the {phase} delivery was done late, on {done_on}",
    # --- warnings on the data
    "unit_stopped_reporting": "unit {unit} reported for {last} but not for {current}",
    "numerator_exceeds_denominator": "{numerator} ({numerator_value}) is larger than {denominator} "
                                     "({denominator_value}) in {period}[[ for unit {unit}]], though rule {rule} "
                                     "takes ratio({numerator:id}, {denominator:id}) as a share",
    "negative_count": "{metric} is {value} in {period}[[ for unit {unit}]]: a count cannot be negative",
    "unused_metric": "no rule reads the metric {metric} given in the data[[; did you mean {close}?]]",
    "unknown_task": "the data reports progress of task {task}, which the plan does not define"
                    "[[; did you mean {close}?]]",
    "more_like_this": "… and {count} more warnings like this ({code})",
    "similar_units": "the units {units} differ only by case or diacritics: one unit written two ways? "
                     "(they are counted as different units)",
    # --- warnings on records (metrics counted from them: docs/records.md)
    "records_undated": "dataset {dataset}: {count} {count:!row has|rows have} no {column} (its `dated by` column), "
                       "so no window: not counted",
    "records_outside_windows": "dataset {dataset}: {count} {count:!row is|rows are} dated outside every window "
                               "counted ({start}{to}{end}; the rows are dated {earliest}{to}{latest}): not counted",
    "records_no_unit": "dataset {dataset}: {count} {count:!row names|rows name} no unit ({column} is empty): "
                       "counted at the plan level only",
    "records_unknown_unit": "dataset {dataset}: {count} {count:!unit|units} the plan does not declare ({rows} "
                            "{rows:!row|rows}, counted at the plan level only, not as units): {units}"
                            "[[; and {more} more]]",
    "records_unit_example": "{unit} ({rows} {rows:!row|rows}[[; did you mean {close}?]])",
    "records_similar_units": "dataset {dataset}: {units}: are they one unit? (the plan declares no units to tell)",
    "period_outside_plan": "data for {period} lies outside the years the plan speaks of ({first_year}–{last_year}); "
                           "a typo in the period label?",
}

CATALOG: dict[str, Any] = {
    "templates": TEMPLATES,
    "words": {
        # what an operand needs
        "number": "numbers", "boolean": "booleans", "truth": "true/false",
        # a task's reported progress (the progress words of the data)
        "done": "done", "in_progress": "in progress", "not_started": "not started", "delayed": "delayed",
        "stuck": "stuck", "suspended": "suspended",
    },
    "value": {"date": "the date {}", "text": 'the text "{}"', "number": "the number {}", "true": "the boolean true",
              "false": "the boolean false"},
}
