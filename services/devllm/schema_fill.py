"""Fit a drafted value to a JSON Schema: keep what fits, cut what is too long, fill what is missing.

`conform(schema, hint)` walks the schema and returns a value valid for it, taking each part from
`hint` where the hint has the right type and shape. Object keys come out in the order of the
schema's `required` list, then its other properties that the hint provides. It covers the JSON
Schema an LLM structured-output request uses: type (or a list of types), properties, required,
additionalProperties, items, prefixItems, minItems, maxItems, uniqueItems, minLength, maxLength,
enum, const, minimum, maximum, anyOf, oneOf, allOf and local `$ref`s.
"""

from __future__ import annotations

from typing import Any

FILLER = "Not enough evidence to say more."
_MAX_DEPTH = 32


def conform(schema: Any, hint: Any = None, root: Any = None) -> Any:
    return _conform(schema, hint, schema if root is None else root, 0)


def resolve(schema: Any, root: Any) -> dict[str, Any]:
    """The schema itself, or the one its local `$ref` points at, merged with `allOf` parts."""
    seen = 0
    while isinstance(schema, dict) and isinstance(schema.get("$ref"), str) and seen < _MAX_DEPTH:
        target = _pointer(root, schema["$ref"])
        rest = {k: v for k, v in schema.items() if k != "$ref"}
        schema = {**target, **rest} if isinstance(target, dict) else rest
        seen += 1
    if not isinstance(schema, dict):
        return {}
    found: dict[str, Any] = schema
    if isinstance(found.get("allOf"), list):
        merged = {k: v for k, v in found.items() if k != "allOf"}
        for part in found["allOf"]:
            part = resolve(part, root)
            for key, value in part.items():
                if key in ("properties",) and isinstance(merged.get(key), dict):
                    merged[key] = {**merged[key], **value}
                elif key == "required" and isinstance(merged.get(key), list):
                    merged[key] = merged[key] + [r for r in value if r not in merged[key]]
                else:
                    merged.setdefault(key, value)
        found = merged
    return found


def properties_of(schema: dict[str, Any]) -> dict[str, Any]:
    """An object schema's `properties`, or none when it has no such object."""
    properties = schema.get("properties")
    return properties if isinstance(properties, dict) else {}


def count_for(schema: Any, wanted: int, root: Any = None) -> int:
    """`wanted` moved inside the array schema's minItems..maxItems."""
    schema = resolve(schema, schema if root is None else root)
    low = _int(schema.get("minItems"), 0)
    high = _int(schema.get("maxItems"), max(wanted, low))
    return max(low, min(wanted, high))


def _conform(schema: Any, hint: Any, root: Any, depth: int) -> Any:
    schema = resolve(schema, root)
    if depth > _MAX_DEPTH:
        return hint
    if "const" in schema:
        return schema["const"]
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return hint if hint in schema["enum"] else schema["enum"][0]
    for key in ("anyOf", "oneOf"):
        if isinstance(schema.get(key), list) and schema[key]:
            return _conform(_branch(schema[key], hint, root), hint, root, depth + 1)
    kind = _type_of(schema, hint)
    if kind == "object":
        return _object(schema, hint, root, depth)
    if kind == "array":
        return _array(schema, hint, root, depth)
    if kind == "string":
        return _string(schema, hint)
    if kind in ("integer", "number"):
        return _number(schema, hint, kind)
    if kind == "boolean":
        return hint if isinstance(hint, bool) else False
    if kind == "null":
        return None
    return FILLER if hint is None else hint


def _object(schema: dict[str, Any], hint: Any, root: Any, depth: int) -> dict[str, Any]:
    props = properties_of(schema)
    hint = hint if isinstance(hint, dict) else {}
    keys = [k for k in _list(schema.get("required")) if isinstance(k, str)]
    keys += [k for k in props if k in hint and k not in keys]
    if schema.get("additionalProperties") is not False and not props:
        keys += [k for k in hint if k not in keys]
    return {k: _conform(props.get(k, {}), hint.get(k), root, depth + 1) for k in dict.fromkeys(keys)}


def _array(schema: dict[str, Any], hint: Any, root: Any, depth: int) -> list[Any]:
    hint = hint if isinstance(hint, list) else []
    prefix = _list(schema.get("prefixItems"))
    items = schema.get("items", {})
    low = max(_int(schema.get("minItems"), 0), len(prefix) if items is False else 0)
    high = _int(schema.get("maxItems"), len(prefix) if items is False else max(len(hint), low))
    size = max(low, min(len(hint), high))
    out: list[Any] = []
    for i in range(size):
        item_schema = prefix[i] if i < len(prefix) else (items if isinstance(items, dict) else {})
        value = _conform(item_schema, hint[i] if i < len(hint) else None, root, depth + 1)
        if schema.get("uniqueItems") and value in out and isinstance(value, str):
            value = _string(resolve(item_schema, root), f"{value} ({i + 1})")
        out.append(value)
    return out


def _string(schema: dict[str, Any], hint: Any) -> str:
    text = hint if isinstance(hint, str) and hint.strip() else _default(schema)
    high = _int(schema.get("maxLength"), 0)
    if high and len(text) > high:
        cut = text.rfind(" ", 0, high)
        text = text[: cut if cut > high // 2 else high].rstrip()
    low = _int(schema.get("minLength"), 0)
    while len(text) < low:
        text = f"{text} {FILLER}".strip()
    return text[:high] if high else text


def _number(schema: dict[str, Any], hint: Any, kind: str) -> int | float:
    ok = isinstance(hint, (int, float)) and not isinstance(hint, bool)
    value: float = hint if ok else schema.get("minimum", schema.get("exclusiveMinimum", 0))
    floor = schema.get("exclusiveMinimum")
    if isinstance(floor, (int, float)) and value <= floor:
        value = floor + 1
    if isinstance(schema.get("minimum"), (int, float)):
        value = max(value, schema["minimum"])
    if isinstance(schema.get("maximum"), (int, float)):
        value = min(value, schema["maximum"])
    return int(value) if kind == "integer" else value


def _branch(options: list[Any], hint: Any, root: Any) -> Any:
    resolved = [resolve(o, root) for o in options]
    for option in resolved:
        if _type_of(option, hint) == _json_type(hint) and option.get("type") != "null":
            return option
    for option in resolved:
        if option.get("type") != "null":
            return option
    return resolved[0]


def _type_of(schema: dict[str, Any], hint: Any) -> str | None:
    kind = schema.get("type")
    if isinstance(kind, list):
        kinds = [k for k in kind if isinstance(k, str)]
        if _json_type(hint) in kinds:
            return _json_type(hint)
        if "integer" in kinds and _json_type(hint) == "number":
            return "integer"
        non_null = [k for k in kinds if k != "null"]
        return non_null[0] if non_null else (kinds[0] if kinds else None)
    if isinstance(kind, str):
        return kind
    if "properties" in schema or "required" in schema:
        return "object"
    if "items" in schema or "prefixItems" in schema:
        return "array"
    return None


_JSON_TYPES: dict[type[object], str] = {str: "string", list: "array", dict: "object"}


def _json_type(value: Any) -> str | None:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return _JSON_TYPES.get(type(value))


def _default(schema: dict[str, Any]) -> str:
    default = schema.get("default")
    if isinstance(default, str):
        return default
    examples = schema.get("examples")
    if isinstance(examples, list) and examples and isinstance(examples[0], str):
        return examples[0]
    return FILLER


def _pointer(root: Any, ref: str) -> Any:
    if not ref.startswith("#"):
        return {}
    node = root
    for part in ref[1:].split("/"):
        if not part:
            continue
        part = part.replace("~1", "/").replace("~0", "~")
        node = node.get(part) if isinstance(node, dict) else None
    return node


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _int(value: Any, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default
