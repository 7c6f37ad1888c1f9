"""`kpirules check --format json` text is exactly json.dumps(…, ensure_ascii=False, indent=2)."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from kpirules.cli.check import json_text

leaves = st.none() | st.booleans() | st.integers() | st.text() | st.floats(allow_nan=False)
values = st.recursive(leaves, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(st.text(), inner, max_size=4), max_leaves=20)


@settings(max_examples=300, deadline=None)
@given(values)
def test_json_text_is_json_dumps(obj: object) -> None:
    assert json_text(obj) == json.dumps(obj, ensure_ascii=False, indent=2)


def test_json_text_on_awkward_text() -> None:
    obj = {"a\u2028b": ["\x00\x1f\"\\", "Quý IV/2020", "\ud800"], "": {}, "l": []}
    assert json_text(obj) == json.dumps(obj, ensure_ascii=False, indent=2)
