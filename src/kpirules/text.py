"""Text helpers shared by the readers of labels, data and rule files."""

from __future__ import annotations

import unicodedata

__all__ = ["fold"]


def fold(text: str) -> str:
    """Lower case without Vietnamese diacritics: ``"Quý IV năm 2019"`` → ``"quy iv nam 2019"``.

    ``đ`` becomes ``d`` (it is a letter of its own, not a ``d`` with a mark).
    """
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in text if not unicodedata.combining(c)).lower()
