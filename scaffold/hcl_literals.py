"""Writing values as HCL literals: the one escaping function every template value goes through."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
# A bare `for` opening an object is read as a for expression; quote these words as keys.
_KEYWORDS = {"for", "in", "if", "null", "true", "false"}
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def hcl_string(text: str) -> str:
    """A quoted HCL string whose content is taken literally, template sequences included."""
    escaped = "".join(
        _ESCAPES.get(char, f"\\u{ord(char):04x}" if ord(char) < 0x20 or ord(char) == 0x7F else char)
        for char in text
    )
    # ${ and %{ start interpolation and directives; doubling the sigil makes them literal.
    escaped = escaped.replace("${", "$${").replace("%{", "%%{")
    return f'"{escaped}"'


def hcl_value(value: object, indent: int = 0) -> str:
    """An HCL literal for a string, number, bool, list or map, laid out as `terraform fmt` does."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return hcl_string(value)
    if isinstance(value, Mapping):
        if not value:
            return "{}"
        keys = [
            key if _IDENTIFIER.fullmatch(key) and key not in _KEYWORDS else hcl_string(key)
            for key in value
        ]
        width = max(len(key) for key in keys)
        pad = "  " * (indent + 1)
        lines = [
            f"{pad}{key.ljust(width)} = {hcl_value(item, indent + 1)}"
            for key, item in zip(keys, value.values())
        ]
        return "{\n" + "\n".join(lines) + "\n" + "  " * indent + "}"
    if isinstance(value, Sequence):
        return "[" + ", ".join(hcl_value(item, indent) for item in value) + "]"
    raise TypeError(f"no HCL literal for {type(value).__name__}")
