"""`import kpirules` and a plain `kpirules check` import none of the heavy dependencies (issue 20,
item 5): DuckDB, openpyxl, WeasyPrint, Jinja2, sqlglot (and the frame libraries) load only when a
command or call uses them.  Run in a fresh interpreter, as a person's command runs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent
HEAVY = ("duckdb", "openpyxl", "weasyprint", "jinja2", "sqlglot", "docx", "pandas", "polars", "pyarrow")
#: kpirules' own modules that only counting records needs (the engines, the SQL they build, the readers)
RECORDS = ("kpirules.records.engines", "kpirules.records.pyengine", "kpirules.records.sqlbuild",
           "kpirules.records.sources", "kpirules.records.counting")

PROBE = """
import json, sys
heavy = {heavy!r}
def loaded():
    return sorted(m for m in heavy if m in sys.modules)
import kpirules
after_import = loaded()
from kpirules.cli import main
after_cli = loaded()
try:
    main(["check", "rules/nq17_bkhcn.kpi", "--data", "examples/nq17_bkhcn/data.json", "--as-of", "2020-12-18",
          "--format", "json"])
except SystemExit:
    pass
sys.stdout.flush()
print(json.dumps([after_import, after_cli, loaded()]), file=sys.stderr)
print(json.dumps(sorted(m for m in {records!r} if m in sys.modules)), file=sys.stderr)
"""


def test_no_heavy_import_for_a_plain_check() -> None:
    proc = subprocess.run([sys.executable, "-c", PROBE.format(heavy=HEAVY, records=RECORDS)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert '"plan"' in proc.stdout  # the check ran
    after_import, after_cli, after_check = json.loads(proc.stderr.strip().splitlines()[-2])
    assert after_import == [] and after_cli == [] and after_check == []
    assert json.loads(proc.stderr.strip().splitlines()[-1]) == []  # (nor the records' engines: the plan has none)


def test_the_records_package_gives_every_name() -> None:
    """The names of kpirules.records, imported when first asked for, are all there."""
    import kpirules.records as records

    assert set(records._WHERE) == set(records.__all__)
    for name in records.__all__:
        assert getattr(records, name).__name__ == name


def test_the_probe_sees_an_import() -> None:
    """The probe is not blind: a heavy module imported on purpose is seen."""
    probe = PROBE.format(heavy=HEAVY, records=RECORDS).replace("import kpirules\n", "import kpirules, attrs as jinja2\n"
                                              "sys.modules['jinja2'] = jinja2\n", 1)
    proc = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert json.loads(proc.stderr.strip().splitlines()[-2])[0] == ["jinja2"]
