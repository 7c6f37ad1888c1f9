"""The published JSON Schemas: well-formed, shipped, enforced, and telling good data from bad."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

import kpirules
from kpirules import schemas
from kpirules.errors import KpiError

import tests._schema_guard as guard

ROOT = Path(__file__).resolve().parents[1]
DATA_FILES = ["examples/nq17_bkhcn/data.json", "examples/nq17_national/data.json", "tests/data/report/data.json",
              "tests/data/language_example.json", "tests/data/messy/json_strings.json"]


@pytest.mark.parametrize("name", schemas.NAMES)
def test_every_schema_is_a_valid_draft_2020_12_schema(name: str) -> None:
    doc = schemas.load(name)
    assert doc["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert doc["$id"] == schemas.schema_id(name)
    jsonschema.Draft202012Validator.check_schema(doc)
    on_disk = json.loads((ROOT / "src" / "kpirules" / "schemas" / f"{name}.schema.json").read_text(encoding="utf-8"))
    assert on_disk == doc


def test_every_ref_resolves() -> None:
    def refs(node: object) -> list[str]:
        if isinstance(node, dict):
            return ([node["$ref"]] if "$ref" in node else []) + [r for v in node.values() for r in refs(v)]
        if isinstance(node, list):
            return [r for v in node for r in refs(v)]
        return []

    found = 0
    for name in schemas.NAMES:
        for ref in refs(schemas.load(name)):
            full = schemas.schema_id(name) + ref if ref.startswith("#") else ref
            schemas.validator(name).evolve(schema={"$ref": full}).is_valid(None)  # an unresolvable one raises
            found += 1
    assert found > 30


def test_the_schemas_are_package_data() -> None:
    import importlib.resources

    shipped = {p.name for p in importlib.resources.files("kpirules.schemas").iterdir() if p.name.endswith(".json")}
    assert shipped == {f"{n}.schema.json" for n in schemas.NAMES}
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert '"kpirules.schemas" = ["*.json"]' in pyproject


def test_an_unknown_name_is_a_kpi_error() -> None:
    with pytest.raises(KpiError, match="no schema named 'chek'; the schemas are: check"):
        schemas.load("chek")


def test_validate_names_the_json_path_of_each_problem() -> None:
    results = kpirules.load(str(ROOT / "rules" / "nq17_national.kpi")).evaluate(
        str(ROOT / "examples" / "nq17_national" / "data.json"), "2020-12-18")
    doc = results.to_json()
    schemas.validate("check", doc)
    doc["results"][2]["status"] = "passed"
    doc["results"][10]["colour"] = "green"
    del doc["as_of"]
    with pytest.raises(KpiError) as info:
        schemas.validate("check", doc)
    messages = [d.message for d in info.value.diagnostics]
    assert messages[0] == "$: 'as_of' is a required property"
    assert messages[1].startswith("$.results[2].status: 'passed' is not one of")
    assert messages[2].startswith("$.results[10]: Unevaluated properties are not allowed ('colour' was unexpected)")
    assert len(messages) == 3


def test_closed_false_accepts_fields_of_a_later_version() -> None:
    results = kpirules.parse("rule a:\n  a >= 1\n").evaluate(kpirules.Data(), "2020-12-18")
    doc = results.to_json()
    doc["added_later"] = 1
    doc["results"][0]["also_later"] = {"x": 1}
    with pytest.raises(KpiError):
        schemas.validate("check", doc)
    schemas.validate("check", doc, closed=False)
    doc["results"][0]["status"] = "passed"  # the fields it does know are still checked
    with pytest.raises(KpiError, match="passed"):
        schemas.validate("check", doc, closed=False)
    assert "additionalProperties" not in json.dumps(schemas.load("check", closed=False))


def test_a_rule_status_on_a_task_is_refused() -> None:
    doc = kpirules.parse("task t:\n  due 2020\n").evaluate(kpirules.Data(), "2020-12-18").to_json()
    schemas.validate("check", doc)
    doc["results"][0]["status"] = "met"
    with pytest.raises(KpiError, match="'met' is not one of"):
        schemas.validate("check", doc)


def test_every_output_carries_the_schema_version(capsys: pytest.CaptureFixture[str]) -> None:
    from kpirules.cli import main

    plan, data = str(ROOT / "rules" / "nq17_bkhcn.kpi"), str(ROOT / "examples" / "nq17_bkhcn" / "data.json")
    docs = []
    for argv in (["check", plan, "--data", data, "--as-of", "2021-01-10", "--format", "json"],
                 ["check", plan, "--data", data, "--as-of", "2021-01-10", "--period", "all", "--format", "json"],
                 ["report", plan, "--data", data, "--as-of", "2021-01-10", "--period", "2020-Q4", "--format", "json"]):
        main(argv)
        docs.append(json.loads(capsys.readouterr().out))
    assert [d["schema_version"] for d in docs] == [schemas.SCHEMA_VERSION] * 3
    # (and the guard checked each whole document as the command line made it, provenance included)
    assert guard.CHECKED["kpirules.cli.check.check_json"] >= 1 and guard.CHECKED["kpirules.cli.check.rollup_text"] >= 1
    assert all(c["schema_version"] == 1 for c in docs[1]["checks"])
    for name, doc in zip(("check", "rollup", "report"), docs):
        schemas.validate(name, doc)


@pytest.mark.parametrize("path", DATA_FILES)
def test_the_data_files_of_the_repository_follow_the_data_schema(path: str) -> None:
    text = (ROOT / path).read_text(encoding="utf-8")
    schemas.validate("data", json.loads(text))
    kpirules.load_data(str(ROOT / path))  # and the reader reads them


@pytest.mark.parametrize(("doc", "words"), [
    ({"snapshot": []}, "Additional properties are not allowed ('snapshot' was unexpected)"),
    ({"snapshots": [{"values": {"a": 1}}]}, "'period' is a required property"),
    ({"snapshots": [{"period": "2020-Q4", "values": {"a": [1]}}]}, "$.snapshots[0].values.a: [1] is not of type"),
    ({"snapshots": [{"period": "2020-Q4", "unit": "  "}]}, "$.snapshots[0].unit"),
    ({"snapshots": [{"period": "2020-Q4", "colour": 1}]}, "('colour' was unexpected)"),
    ({"snapshots": [{"period": "2020-Q4", "submitted": "next week"}]}, "$.snapshots[0].submitted"),
    ({"snapshots": [{"period": "2020-Q4", "submitted": 20201218}]}, "$.snapshots[0].submitted"),
    ({"tasks": [{"task": "1", "status": "done"}]}, "$.tasks[0]"),
    ({"tasks": [{"task": "1", "status": "done", "date": "20.11.2019"}]}, "$.tasks[0]"),
    ({"events": [{"event": "ND138"}]}, "$.events[0]: 'date' is a required property"),
    ({"events": [{"event": "ND138", "date": "2020-05-15", "by": 1}]}, "('by' was unexpected)"),
    ({"tasks": [{"task": "1", "status": "done", "date": "2019-11-20", "by": "x"}]}, "('by' was unexpected)"),
])
def test_the_data_schema_refuses_what_the_reader_refuses(doc: dict, words: str, tmp_path: Path) -> None:
    with pytest.raises(KpiError) as info:
        schemas.validate("data", doc)
    assert words in str(info.value)
    path = tmp_path / "data.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(KpiError):
        kpirules.load_data(str(path))


@pytest.mark.parametrize("sent", ["2021-01-18", "18/01/2021", " 2021-01-18 ", None])
def test_the_data_schema_accepts_what_the_reader_accepts_the_day_a_snapshot_was_sent(sent: object,
                                                                                     tmp_path: Path) -> None:
    doc = {"snapshots": [{"period": "2020-Q4", "unit": "A", "values": {"a": 1}, "submitted": sent}]}
    schemas.validate("data", doc)
    schemas.validate("snapshot", doc["snapshots"][0])
    path = tmp_path / "data.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    kpirules.load_data(str(path))
    kpirules.data_from_snapshots(doc["snapshots"])


def test_the_event_schema() -> None:
    schemas.validate("event", {"event": "ND138", "date": "2020-05-15", "note": "Nghị định"})
    schemas.validate("event", {"event": "ND138", "date": "15/05/2020"})
    with pytest.raises(KpiError, match="'date' is a required property"):
        schemas.validate("event", {"event": "ND138"})


# --- the guard over the suite ------------------------------------------------------------------


def test_the_guard_checks_every_producer_it_lists() -> None:
    kpirules.parse("rule a:\n  a >= 1\n").evaluate(kpirules.Data(), "2020-12-18").to_json()
    assert guard.CHECKED["kpirules.engine.results.Results.to_json"] >= 1
    assert [p[1] for p in guard.PRODUCERS if "to_json" in p[1]]


def test_the_guard_fails_a_field_added_without_its_schema() -> None:
    from kpirules.engine.results import Result

    # every producer listed is wrapped in place
    for module_name, path, _ in guard.PRODUCERS:
        import importlib

        owner: object = importlib.import_module(module_name)
        for name in path.split("."):
            owner = getattr(owner, name)
        assert hasattr(owner, "__wrapped__"), path

    class Owner:
        @staticmethod
        def to_json() -> dict:
            out = Result(id="a", kind="rule", status=kpirules.Status.MET).to_json()
            out["new_field"] = "x"  # a field added without its schema
            return out

    guard._wrap(Owner, "to_json", "urn:kpirules:schema:check#/$defs/result", "Owner.to_json")
    with pytest.raises(guard.SchemaViolation, match="'new_field' was unexpected"):
        Owner.to_json()


# --- the copies published in docs/ ------------------------------------------------------------

DOCS_SCHEMAS = ROOT / "docs" / "schemas"
#: the one line that makes docs/schemas/ again from the package's schemas (docs/schemas.md says it too)
REGENERATE = "cp src/kpirules/schemas/*.schema.json docs/schemas/"


def test_the_schemas_published_in_docs_are_byte_identical_to_the_packages() -> None:
    """docs/schemas/ holds a copy of every shipped schema, byte for byte, and nothing else: a schema changed
    in the package without its copy (or a copy left of a schema that is gone) fails here."""
    package = ROOT / "src" / "kpirules" / "schemas"
    shipped = sorted(p.name for p in package.glob("*.schema.json"))
    published = sorted(p.name for p in DOCS_SCHEMAS.glob("*.json"))
    assert published == shipped, f"docs/schemas/ differs from the package's schemas; run: {REGENERATE}"
    stale = [n for n in shipped if (DOCS_SCHEMAS / n).read_bytes() != (package / n).read_bytes()]
    assert not stale, f"docs/schemas/{stale} differ from src/kpirules/schemas/; run: {REGENERATE}"


def test_the_docs_link_the_published_schemas_and_say_how_to_make_them_again() -> None:
    page = (ROOT / "docs" / "schemas.md").read_text(encoding="utf-8")
    assert REGENERATE in page
    for name in schemas.NAMES:
        assert f"(schemas/{name}.schema.json)" in page, f"docs/schemas.md does not link schemas/{name}.schema.json"
    assert "(schemas.md)" in (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
