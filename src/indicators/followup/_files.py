"""Reading the follow-up definitions: recommendation files and the follow-up codelists.

YAML is read with the safe loader only; the line of every recommendation and of each of
its fields is kept so that a problem names the line a person sees in an editor. Files are
checked against ``definitions/schema/recommendations.schema.json``; the codelists (statuses,
themes, reporters) against the codelist schema of ``definitions.schema.json``.

>>> load_followup_codelist("status").label("total", "es")
'Cumplimiento total'
"""

from __future__ import annotations

import datetime as dt
import json
from functools import cache
from pathlib import Path
from typing import Any, Literal

import jsonschema
import yaml

from .. import _codes
from ..catalog import Codelist
from ..errors import DefinitionError
from ..i18n import message

__all__ = ["CodelistName", "Located", "check_against", "definitions_folder", "followup_codelist",
           "load_followup_codelist", "read_yaml"]

CodelistName = Literal["status", "themes", "reporters"]
_FILES: dict[str, str] = {"status": "status.yaml", "themes": "themes.yaml", "reporters": "reporters.yaml"}


def definitions_folder() -> Path:
    """The shipped ``definitions`` folder (inside the wheel, or the checkout's top level)."""
    from importlib import resources

    packaged = Path(str(resources.files("indicators"))) / "definitions"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "definitions"


class Located:
    """Plain data read from YAML and the line of each path in it (``("recommendations", 3, "area")``)."""

    def __init__(self, data: Any, lines: dict[tuple[Any, ...], int]) -> None:
        self.data = data
        self.lines = lines

    def line(self, *path: Any) -> int | None:
        """The line of ``path``, or of its nearest parent that has one."""
        p = tuple(path)
        while p:
            if p in self.lines:
                return self.lines[p]
            p = p[:-1]
        return self.lines.get((), None)


def _plain(value: Any) -> Any:
    """Dates (which YAML reads as dates) written back as ``YYYY-MM-DD`` text; containers copied."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _lines(node: yaml.Node, path: tuple[Any, ...], out: dict[tuple[Any, ...], int]) -> None:
    out[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            k = path + (str(key.value),)
            _lines(value, k, out)
            out[k] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, child in enumerate(node.value):
            _lines(child, path + (i,), out)


def read_yaml(path: str | Path, lang: str = "en") -> Located:
    """Read a YAML file safely (plain data only) with the line of every field."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise _error(str(path), None, "", message("followup.file_missing", lang, path=str(path)),
                     "followup.file_missing") from None
    except (UnicodeDecodeError, IsADirectoryError, PermissionError) as exc:
        raise _error(str(path), None, "", message("followup.file_unreadable", lang, path=str(path), reason=exc),
                     "followup.file_unreadable") from None
    try:
        loader_class = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C parser when built, else Python
        node = yaml.compose(text, Loader=loader_class)
        loader = loader_class("")
        try:
            data = None if node is None else loader.construct_document(node)
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise _error(str(path), line, "", message("followup.not_yaml", lang, reason=getattr(exc, "problem", exc)),
                     "followup.not_yaml") from None
    if not isinstance(data, dict) or node is None:
        raise _error(str(path), 1, "", message("followup.not_mapping", lang), "followup.not_mapping")
    lines: dict[tuple[Any, ...], int] = {}
    _lines(node, (), lines)
    return Located(_plain(data), lines)


def _error(file: str, line: int | None, field: str, text: str, code: str, value: Any = None,
           expected: str | None = None) -> DefinitionError:
    where = f"{file}, line {line}" if line else file
    full = f"{where}, '{field}': {text}" if field else f"{where}: {text}"
    return DefinitionError(full, problems=[_codes.problem(code, "en", file=file, row=line, field=field, value=value,
                                                          expected=expected, message=text)])


@cache
def _schema(name: str) -> dict[str, Any]:
    return json.loads((definitions_folder() / "schema" / name).read_text(encoding="utf-8"))


@cache
def _validator(schema_file: str, ref: str | None) -> jsonschema.protocols.Validator:
    schema = _schema(schema_file)
    if ref is not None:
        schema = {"$schema": schema["$schema"], "$defs": schema["$defs"], "$ref": f"#/$defs/{ref}"}
    return jsonschema.Draft202012Validator(schema)


def check_against(data: Any, schema_file: str, ref: str | None = None) -> list[tuple[tuple[Any, ...], str, Any]]:
    """Every schema problem of ``data``: (path, what is wrong, value), most specific first."""
    out = []
    errors = _validator(schema_file, ref).iter_errors(data)
    for err in sorted(errors, key=lambda e: (list(map(str, e.absolute_path)), e.message)):
        best = jsonschema.exceptions.best_match([err])
        path = tuple(best.absolute_path)
        text = best.message
        if best.validator == "required":
            missing = text.split("'")[1] if "'" in text else ""
            path = path + (missing,)
        value = None if best.validator == "required" else best.instance
        out.append((path, text, value))
    return out


def followup_codelist(path: str | Path, lang: str = "en") -> Codelist:
    """A codelist YAML (a shipped one or a user's replacement), checked against the codelist schema."""
    located = read_yaml(path, lang)
    data = located.data
    problems = check_against(data, "definitions.schema.json", "codelist")
    if problems:
        p, text, value = problems[0]
        field = ".".join(str(x) for x in p)
        raise _error(str(path), located.line(*p), field, text, "followup.codelist_schema", value=repr(value))
    seen: set[str] = set()
    for i, c in enumerate(data["codes"]):
        if str(c["code"]) in seen:
            raise _error(str(path), located.line("codes", i), f"codes[{i}].code",
                         message("followup.duplicate_code", lang, code=c["code"]), "followup.duplicate_code",
                         value=c["code"])
        seen.add(str(c["code"]))
    return Codelist(id=str(data["id"]), version=str(data["version"]), names=dict(data["name"]),
                    codes=tuple(dict(c) for c in data["codes"]), total_code=data.get("total_code"))


@cache
def load_followup_codelist(name: CodelistName) -> Codelist:
    """A shipped follow-up codelist: ``status``, ``themes`` or ``reporters``."""
    return followup_codelist(definitions_folder() / "followup" / _FILES[name])
