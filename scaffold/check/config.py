"""A Terraform configuration as python-hcl2's parser reads it, expressions kept as syntax trees.

`scaffold.hcl` turns HCL into plain data for the text-level rules; this module keeps
every expression as python-hcl2's parse tree (its Lark grammar, `hcl2.lark`), so
`scaffold.check.values` can evaluate it, and remembers the file and line of every block.
The configuration of the root folder and of every module it calls from a local
path (`source = "./modules/x"`) is loaded; a module from a registry is not.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeAlias

import hcl2
from lark import Token, Tree
from lark.exceptions import LarkError

from scaffold.errors import ScaffoldError, quoted

Node: TypeAlias = "Tree[Token] | Token"

# Meta-arguments: they shape a resource's instances and order, they are not its values.
META_ARGUMENTS = {
    "count",
    "for_each",
    "depends_on",
    "provider",
    "lifecycle",
    "provisioner",
    "connection",
}
_ESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))", re.DOTALL)
_SIMPLE_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}


@dataclass(frozen=True)
class Where:
    """A place in the configuration, relative to the project folder."""

    path: str
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass
class Body:
    """The attributes (expression trees) and nested blocks of a block, in source order."""

    attributes: dict[str, Node] = field(default_factory=dict)
    blocks: list[Block] = field(default_factory=list)

    def blocks_of(self, type_name: str) -> list[Block]:
        return [block for block in self.blocks if block.type == type_name]


@dataclass
class Block:
    type: str
    labels: list[str]
    body: Body
    where: Where


@dataclass
class Resource:
    mode: str  # "managed" or "data"
    type: str
    name: str
    body: Body
    where: Where

    @property
    def address(self) -> str:
        """Its address inside its module, as Terraform writes it: aws_x.y or data.aws_x.y."""
        return (
            f"data.{self.type}.{self.name}" if self.mode == "data" else f"{self.type}.{self.name}"
        )

    def depends_on(self) -> list[Node]:
        found = self.body.attributes.get("depends_on")
        return [found] if found is not None else []


@dataclass
class ModuleCall:
    name: str
    source: str
    body: Body
    where: Where


@dataclass
class Module:
    """One module: the .tf files of one folder."""

    folder: Path
    resources: dict[str, Resource] = field(default_factory=dict)
    variables: dict[str, Body] = field(default_factory=dict)
    locals: dict[str, Node] = field(default_factory=dict)
    outputs: dict[str, Body] = field(default_factory=dict)
    calls: dict[str, ModuleCall] = field(default_factory=dict)
    children: dict[str, Module] = field(default_factory=dict)
    checks: list[Block] = field(default_factory=list)


def unescape(text: str) -> str:
    """The value of an HCL quoted-string fragment."""

    def one(match: re.Match[str]) -> str:
        if match.group(1) or match.group(2):
            return chr(int(match.group(1) or match.group(2), 16))
        return _SIMPLE_ESCAPES.get(match.group(3), match.group(0))

    return _ESCAPE.sub(one, text)


def first_line(node: Node) -> int:
    if isinstance(node, Token):
        return node.line or 0
    for token in node.scan_values(lambda value: isinstance(value, Token)):
        return int(token.line or 0)
    return 0


def _name(node: Node) -> str:
    """An identifier, keyword or quoted label."""
    if isinstance(node, Token):
        return str(node)
    if node.data == "string":
        parts = [child for child in node.children if isinstance(child, Tree)]
        return "".join(unescape(str(part.children[0])) for part in parts)
    return "".join(str(token) for token in node.scan_values(lambda value: isinstance(value, Token)))


def _is_newline(node: Node) -> bool:
    return isinstance(node, Tree) and node.data == "new_line_or_comment"


def read_body(tree: Tree[Token], path: str) -> Body:
    body = Body()
    for item in tree.children:
        if not isinstance(item, Tree) or _is_newline(item):
            continue
        if item.data == "attribute":
            name, _equals, expression = item.children
            body.attributes[_name(name)] = expression
        elif item.data == "block":
            parts = [child for child in item.children if not _is_newline(child)]
            inner = next(
                child for child in parts if isinstance(child, Tree) and child.data == "body"
            )
            heading = parts[: parts.index(inner) - 1]  # up to the "{"
            body.blocks.append(
                Block(
                    type=_name(heading[0]),
                    labels=[_name(label) for label in heading[1:]],
                    body=read_body(inner, path),
                    where=Where(path, first_line(item)),
                )
            )
    return body


@functools.lru_cache(maxsize=256)
def _tree(text: str) -> Tree[Token]:
    """The parse tree of one file's text: read, never changed, so a text met again (the
    same module file in another project, in a process that checks many) is parsed once."""
    return hcl2.parses_to_tree(text)


def parse_file(path: Path, relative: str) -> Body:
    try:
        text = path.read_text(encoding="utf-8")
        tree = _tree(text)
    except UnicodeDecodeError:
        raise ScaffoldError(f"{quoted(relative)} is not UTF-8 text") from None
    except OSError as problem:
        raise ScaffoldError(f"cannot read {quoted(relative)}: {problem.strerror}") from None
    except (LarkError, ValueError) as problem:
        message = (
            str(problem).strip().splitlines()[0] if str(problem).strip() else type(problem).__name__
        )
        raise ScaffoldError(f"{quoted(relative)} is not valid HCL: {message}") from None
    body_tree = tree.children[0]
    assert isinstance(body_tree, Tree)
    return read_body(body_tree, relative)


def _literal_string(node: Node | None) -> str | None:
    """The text of an expression that is one quoted string without interpolation."""
    while isinstance(node, Tree) and node.data == "expr_term" and len(node.children) == 1:
        node = node.children[0]
    if isinstance(node, Tree) and node.data == "string":
        parts = [child for child in node.children if isinstance(child, Tree)]
        if all(isinstance(part.children[0], Token) for part in parts):
            return "".join(unescape(str(part.children[0])) for part in parts)
    return None


def load_module(folder: Path, project: Path, seen: frozenset[Path] = frozenset()) -> Module:
    module = Module(folder)
    for path in sorted(folder.glob("*.tf")):
        relative = path.relative_to(project).as_posix()
        for block in parse_file(path, relative).blocks:
            if block.type in ("resource", "data") and len(block.labels) == 2:
                mode = "managed" if block.type == "resource" else "data"
                resource = Resource(mode, block.labels[0], block.labels[1], block.body, block.where)
                module.resources[resource.address] = resource
            elif block.type == "variable" and block.labels:
                module.variables[block.labels[0]] = block.body
            elif block.type == "output" and block.labels:
                module.outputs[block.labels[0]] = block.body
            elif block.type == "check":
                module.checks.append(block)
            elif block.type == "locals":
                module.locals.update(block.body.attributes)
            elif block.type == "module" and block.labels:
                source = _literal_string(block.body.attributes.get("source")) or ""
                module.calls[block.labels[0]] = ModuleCall(
                    block.labels[0], source, block.body, block.where
                )
    for name, call in module.calls.items():
        if call.source.startswith(("./", "../")):
            child = (folder / call.source).resolve()
            if child.is_dir() and child not in seen:
                module.children[name] = load_module(child, project, seen | {folder.resolve()})
    return module


def load_configuration(project: Path) -> Module:
    """The root module of a project folder and every local module below it."""
    project = project.resolve()
    return load_module(project, project)
