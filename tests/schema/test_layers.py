"""What ``schema/`` depends on: the model's entities (not lists of its own) and the limits
it is given (not ``app.settings``)."""

from __future__ import annotations

import ast
import dataclasses
import subprocess
import sys
from pathlib import Path

from app.settings import Settings
from db.model import ENTITIES
from schema import ids
from schema.limits import DEFAULT_LIMITS, Limits, SchemaLimits
from schema.loaders import BY_ID
from schema.node import FROM_ROW, NODE_TYPES

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schema"


def test_every_entity_has_one_global_id_loader_and_type() -> None:
    assert set(ids.TYPES) == set(ENTITIES)
    assert set(BY_ID) == set(ENTITIES)
    assert set(FROM_ROW) == set(ENTITIES)
    for node_type in NODE_TYPES:
        assert node_type.__strawberry_definition__.name == node_type.__name__


def test_schema_modules_do_not_import_app() -> None:
    for path in SCHEMA_DIR.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            assert not [n for n in names if n == "app" or n.startswith("app.")], path


def test_importing_schema_loads_no_app_module() -> None:
    code = (
        "import sys, schema, schema.__main__; "
        "print([m for m in sys.modules if m == 'app' or m.startswith('app.')])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_default_limits_are_the_settings_defaults() -> None:
    names = {f.name for f in dataclasses.fields(SchemaLimits)}
    assert names == {n for n in dir(Limits) if not n.startswith("_")}
    for name in names:
        assert getattr(DEFAULT_LIMITS, name) == Settings.model_fields[name].default, name
