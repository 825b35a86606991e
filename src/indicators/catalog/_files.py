"""Where the definitions live, and how a definition file is read and checked.

YAML is read with a safe loader that remembers the line of every mapping and key,
so that a :class:`~indicators.errors.DefinitionError` can name the file, the line
and the field. Each file is validated against ``definitions/schema/definitions.schema.json``.
"""

from __future__ import annotations

import json
import re
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from .._codes import error, problem
from .._limits import Limits, limit_error
from ..errors import DefinitionError
from ..i18n import message

__all__ = ["definitions_root", "LineDict", "read_definition", "check_kind", "definition_error"]

FORMAT_VERSION = 1


def definitions_root() -> Path:
    """Return the folder holding the shipped definitions.

    In an installed wheel it is ``indicators/definitions``; in a source checkout
    (editable install) it is the repository's top-level ``definitions/``.
    """
    packaged = Path(str(resources.files("indicators"))) / "definitions"
    if packaged.is_dir():
        return packaged
    source = Path(__file__).resolve().parents[3] / "definitions"
    if source.is_dir():
        return source
    raise error("catalog.no_definitions", "en", path=str(packaged))


class LineDict(dict):  # type: ignore[type-arg]
    """A dict that remembers the line of its opening and of each key (1-based)."""

    line: int = 0
    key_lines: dict[str, int]


class LineList(list):  # type: ignore[type-arg]
    """A list that remembers the line of each item (1-based)."""

    line: int = 0
    item_lines: list[int]


class _LineLoader(yaml.SafeLoader):
    """SafeLoader that records line numbers; it constructs only plain data.

    Before anything is built, the node graph is measured with its aliases expanded:
    a file whose aliases would expand past ``Limits.max_yaml_nodes`` (a "billion
    laughs" file) or refer to themselves is refused.
    """

    def get_single_data(self) -> Any:
        node = self.get_single_node()
        if node is None:
            return None
        _expanded_size(node, Limits.current().max_yaml_nodes)
        return self.construct_document(node)


class _TooManyNodes(Exception):
    def __init__(self, count: int) -> None:
        self.count = count


class _RecursiveAlias(Exception):
    def __init__(self, line: int) -> None:
        self.line = line


def _expanded_size(root: yaml.Node, limit: int) -> int:
    """Nodes of ``root`` with every alias expanded, counted without expanding them."""
    sizes: dict[int, int] = {}
    open_: set[int] = set()
    # iterative post-order walk: (node, children done?)
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            open_.discard(key)
            total = 1
            if isinstance(node, yaml.SequenceNode):
                total += sum(sizes[id(c)] for c in node.value)
            elif isinstance(node, yaml.MappingNode):
                total += sum(sizes[id(k)] + sizes[id(v)] for k, v in node.value)
            sizes[key] = total
            if total > limit:
                raise _TooManyNodes(total)
            continue
        if key in sizes:
            continue
        if key in open_:
            raise _RecursiveAlias(node.start_mark.line + 1)
        open_.add(key)
        stack.append((node, True))
        if isinstance(node, yaml.SequenceNode):
            stack.extend((c, False) for c in node.value if id(c) not in sizes)
        elif isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                stack.extend(((k, False), (v, False)))
    return sizes[id(root)]


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    out = LineDict()
    out.line = node.start_mark.line + 1
    out.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in out:
            raise yaml.MarkedYAMLError(
                "while constructing a mapping", node.start_mark,
                f"found duplicate key {key!r}", key_node.start_mark,
            )
        out[key] = loader.construct_object(value_node, deep=True)
        out.key_lines[str(key)] = key_node.start_mark.line + 1
    return out


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode) -> LineList:
    out = LineList(loader.construct_object(child, deep=True) for child in node.value)
    out.line = node.start_mark.line + 1
    out.item_lines = [child.start_mark.line + 1 for child in node.value]
    return out


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def definition_error(file: str, line: int | None, field: str, text: str, value: Any = None,
                     expected: str | None = None, code: str = "definition.invalid") -> DefinitionError:
    """Build a :class:`DefinitionError` for one problem, its message naming file, line and field."""
    where = f"{file}, line {line}" if line else file
    full = f"{where}, field '{field}': {text}" if field else f"{where}: {text}"
    return DefinitionError(full, problems=[problem(code, "en", message=text, file=file, row=line, field=field,
                                                   value=value, expected=expected, detail=text)])


def read_definition(path: str | Path, text: str | None = None) -> LineDict:
    """Read one YAML definition file safely, remembering line numbers.

    Raises :class:`DefinitionError` (naming file and line) if it is not readable YAML
    or not a mapping.
    """
    path = Path(path)
    limits = Limits.current()
    try:
        size = path.stat().st_size if text is None else len(text)
        if size > limits.max_file_bytes:
            raise limit_error(DefinitionError, "max_file_bytes", size, limits.max_file_bytes, where=str(path),
                              func="load_catalog", file=str(path))
        source = path.read_text(encoding="utf-8") if text is None else text
    except FileNotFoundError:
        raise definition_error(str(path), None, "", message("catalog.file_missing", "en"),
                               code="definition.file_missing") from None
    except (UnicodeDecodeError, IsADirectoryError, PermissionError, OSError) as exc:
        raise definition_error(str(path), None, "", str(exc), code="definition.unreadable") from None
    try:
        loader = _LineLoader(source)  # a SafeLoader subclass: plain data only, no Python objects
        try:
            data = loader.get_single_data()
        finally:
            loader.dispose()
    except _TooManyNodes as exc:
        raise limit_error(DefinitionError, "max_yaml_nodes", exc.count, limits.max_yaml_nodes, where=str(path),
                          func="load_catalog", file=str(path)) from None
    except _RecursiveAlias as exc:
        raise definition_error(str(path), exc.line, "", "an alias refers to the node that contains it",
                               code="definition.yaml") from None
    except RecursionError:
        raise definition_error(str(path), None, "", "the YAML is nested too deeply to be read",
                               code="definition.yaml") from None
    except (yaml.YAMLError, ValueError, TypeError) as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise definition_error(str(path), line, "", f"not valid YAML ({getattr(exc, 'problem', exc)})",
                               code="definition.yaml") from None
    if not isinstance(data, dict):
        raise definition_error(str(path), 1, "", "a definition file must be a YAML mapping",
                               expected="mapping", code="definition.not_mapping")
    return data  # type: ignore[return-value]


@lru_cache(maxsize=1)
def _schema() -> dict[str, Any]:
    path = definitions_root() / "schema" / "definitions.schema.json"
    return json.loads(path.read_text(encoding="utf-8"))


@cache
def _validator(kind: str) -> jsonschema.protocols.Validator:
    schema = _schema()
    sub = {"$schema": schema["$schema"], "$defs": schema["$defs"], "$ref": f"#/$defs/{kind}"}
    return jsonschema.Draft202012Validator(sub)


def _locate(data: Any, path: list[Any]) -> tuple[str, int | None]:
    """Dotted field name and the best line for a jsonschema path."""
    field = ""
    line = getattr(data, "line", None)
    node = data
    for part in path:
        if isinstance(part, int):
            field += f"[{part}]"
            if isinstance(node, LineList) and part < len(node.item_lines):
                line = node.item_lines[part]
            node = node[part] if isinstance(node, list) and part < len(node) else None
        else:
            field += ("." if field else "") + str(part)
            if isinstance(node, LineDict):
                line = node.key_lines.get(str(part), line)
            node = node.get(part) if isinstance(node, dict) else None
        if getattr(node, "line", None):
            line = max(line or 0, node.line) if isinstance(node, (LineDict, LineList)) else line
    return field, line


_REQUIRED = re.compile(r"^'(.+)' is a required property$")


def check_kind(data: LineDict, file: str, kinds: tuple[str, ...] | None = None) -> str:
    """Validate ``data`` against the schema of its ``kind``; return the kind.

    All schema problems are collected; the error's message names the first, its
    ``problems`` table lists every one with file, line and field.
    """
    kind = data.get("kind")
    allowed = kinds or tuple(_schema()["properties"]["kind"]["enum"])
    if kind not in allowed:
        raise definition_error(file, data.key_lines.get("kind", data.line) if isinstance(data, LineDict) else 1,
                               "kind", f"expected one of {', '.join(allowed)}, got {kind!r}",
                               value=kind, expected=", ".join(allowed), code="definition.kind")
    if data.get("format_version") != FORMAT_VERSION:
        raise definition_error(file, getattr(data, "key_lines", {}).get("format_version"), "format_version",
                               f"this version of the library reads format_version {FORMAT_VERSION}, "
                               f"got {data.get('format_version')!r}",
                               value=data.get("format_version"), expected=str(FORMAT_VERSION),
                               code="definition.format_version")
    errors = sorted(_validator(str(kind)).iter_errors(data), key=lambda e: (list(map(str, e.absolute_path)), e.message))
    if not errors:
        return str(kind)
    problems = []
    for err in errors:
        path = list(err.absolute_path)
        # descend to the most specific error of a oneOf/anyOf
        best = jsonschema.exceptions.best_match([err])
        missing = _REQUIRED.match(best.message)
        if missing:
            path = list(best.absolute_path) + [missing.group(1)]
        field, line = _locate(data, list(best.absolute_path) if not missing else path[:-1])
        if missing:
            field = f"{field}.{missing.group(1)}" if field else missing.group(1)
        problems.append(problem("definition.schema", "en", message=best.message, file=file, row=line, field=field,
                                value=None if missing else _short(best.instance), detail=best.message,
                                expected=_short(best.schema.get("description") or best.validator_value)))
    first = problems[0]
    where = f"{file}, line {first['row']}" if first["row"] else file
    more = f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
    raise DefinitionError(f"{where}, field '{first['field']}': {first['message']}{more}", problems=problems)


def _short(value: Any, limit: int = 120) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
