"""What the tests that read a PDF back need: WeasyPrint, poppler's pdftotext and the serif (else a skip)."""

from __future__ import annotations

import shutil

import pytest


def need_pdf_tools() -> None:
    """Skip the calling test unless WeasyPrint, pdftotext and a Vietnamese serif are all here."""
    pytest.importorskip("weasyprint")
    if not shutil.which("pdftotext"):
        pytest.skip("poppler-utils (pdftotext) is not installed")
    from kpirules.errors import KpiError
    from kpirules.report.official import find_serif

    try:
        find_serif()
    except KpiError as exc:
        pytest.skip(str(exc))
