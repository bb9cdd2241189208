"""Load generated Terraform with python-hcl2 into a small, normalised index.

python-hcl2 8.x keeps the quotes of string literals and block labels
('"aws_subnet"') and adds `__is_block__` and `__comments__` keys. This is the
one place that knows: everything else sees plain strings for literals and
`Expression` for anything Terraform evaluates.
"""

from __future__ import annotations

import copy
import functools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hcl2

_INTERNAL_KEYS = {"__is_block__", "__comments__", "__start_line__", "__end_line__"}
_REFERENCE = re.compile(
    r"\b((?:data\.)?aws_[a-z0-9_]+\.[a-z0-9_]+|terraform_data\.[a-z0-9_]+|var\.[a-z0-9_]+"
    r"|local\.[a-z0-9_]+|module\.[a-z0-9_]+)"
)


class Expression(str):
    """An HCL expression, as source text without the ${ } wrapper."""

    def references(self) -> set[str]:
        """Addresses it names: aws_x.y, data.aws_x.y, terraform_data.x, var.x, local.x, module.x."""
        return set(_REFERENCE.findall(self))


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == '"' and text[-1] == '"':
        try:
            decoded: str = json.loads(text)
        except json.JSONDecodeError:
            return text[1:-1]
        return decoded.replace("$${", "${").replace("%%{", "%{")
    return text


def normalise(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            _unquote(key): normalise(item)
            for key, item in value.items()
            if key not in _INTERNAL_KEYS
        }
    if isinstance(value, list):
        return [normalise(item) for item in value]
    if isinstance(value, str):
        if value.startswith("${") and value.endswith("}"):
            return Expression(value[2:-1])
        return _unquote(value)
    return value


@dataclass(frozen=True)
class Block:
    kind: str  # resource, data, variable, output, module
    type: str  # resource or data type; empty for variable, output, module and check
    name: str
    body: dict[str, Any]
    path: Path

    @property
    def address(self) -> str:
        prefix = "data." if self.kind == "data" else ""
        return f"{prefix}{self.type}.{self.name}" if self.type else f"{self.kind}.{self.name}"

    def nested(self, key: str) -> list[dict[str, Any]]:
        """A nested block type (e.g. vpc_config, statement) as a list of bodies."""
        found = self.body.get(key, [])
        return found if isinstance(found, list) else [found]


@dataclass
class ModuleBlocks:
    """Every block of one Terraform module (a folder of .tf files)."""

    folder: Path
    blocks: list[Block] = field(default_factory=list)
    locals: dict[str, Any] = field(default_factory=dict)

    def of_kind(self, kind: str) -> list[Block]:
        return [block for block in self.blocks if block.kind == kind]

    def resources(self, type_name: str) -> list[Block]:
        return [block for block in self.of_kind("resource") if block.type == type_name]

    def resource(self, type_name: str, name: str) -> Block:
        for block in self.resources(type_name):
            if block.name == name:
                return block
        raise KeyError(f"{self.folder.name}: no resource {type_name}.{name}")

    def data(self, type_name: str, name: str) -> Block:
        for block in self.of_kind("data"):
            if block.type == type_name and block.name == name:
                return block
        raise KeyError(f"{self.folder.name}: no data {type_name}.{name}")

    def has(self, address: str) -> bool:
        return any(block.address == address for block in self.blocks)


def _labelled(kind: str, entries: list[dict[str, Any]], path: Path) -> Iterator[Block]:
    for entry in entries:
        for first, inner in entry.items():
            if kind in ("resource", "data"):
                for name, body in inner.items():
                    yield Block(kind, first, name, body, path)
            else:
                yield Block(kind, "", first, inner, path)


@functools.lru_cache(maxsize=256)
def _parsed(text: str) -> Any:
    return normalise(hcl2.loads(text))


def parsed_text(text: str) -> Any:
    """python-hcl2's reading of a file's text, normalised; a text met again (the same module
    file in another generated project) is parsed once per process, each caller its own copy."""
    return copy.deepcopy(_parsed(text))


def load_module(folder: Path) -> ModuleBlocks:
    module = ModuleBlocks(folder)
    for path in sorted(folder.glob("*.tf")):
        parsed = parsed_text(path.read_text(encoding="utf-8"))
        for kind in ("resource", "data", "variable", "output", "module", "check"):
            module.blocks.extend(_labelled(kind, parsed.get(kind, []), path))
        for entry in parsed.get("locals", []):
            module.locals.update(entry)
    return module


@dataclass
class Project:
    root: ModuleBlocks
    network: ModuleBlocks
    function: ModuleBlocks
    execution_role: ModuleBlocks
    tfvars: dict[str, Any]

    @property
    def modules(self) -> list[ModuleBlocks]:
        return [self.root, self.execution_role, self.network, self.function]


def load_project(folder: Path) -> Project:
    with (folder / "terraform.tfvars").open(encoding="utf-8") as stream:
        tfvars = normalise(hcl2.load(stream))
    return Project(
        root=load_module(folder),
        network=load_module(folder / "modules" / "network"),
        function=load_module(folder / "modules" / "function"),
        execution_role=load_module(folder / "modules" / "execution_role"),
        tfvars=tfvars,
    )
