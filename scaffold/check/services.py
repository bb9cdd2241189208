"""Which AWS services a project's handler code calls, for `explain`'s network paths.

A function in a VPC reaches an AWS API only through a VPC endpoint or a NAT, so `explain`
needs every service the handler calls: this reads the sources under `src/` and reports each
SDK client created, as the service's endpoint prefix ("sqs", "states"), through
scaffold/data/sdk_services.json (generated from botocore's models by scripts/sdk_services.py).

Python is read with `ast`, so comments, docstrings and strings never count: a call counts
when it is `.client(...)`, `.resource(...)`, `.create_client(...)` or boto3's own `client(...)`
and its first argument (or `service_name=`) is a string literal naming a boto3 service.
Names held in variables are not guessed.

JavaScript and TypeScript are read by the small tokenizer below, as no maintained JavaScript
parser on PyPI fits (esprima and pyjsparser stopped before today's syntax; tree-sitter means
native grammars for a few module names) and a pattern over the raw text would count names in
comments and strings. It drops comments and reads string, template and regular-expression
literals whole; a module counts only where imported, re-exported or required
(`@aws-sdk/client-*`, `@aws-sdk/lib-dynamodb`, `@aws-sdk/lib-storage`, `aws-sdk/clients/*`),
or an SDK v2 client constructed (`new AWS.SQS(`). Type-only imports and `.d.ts` files run no
code. Its oracle is the fixture set in tests/test_services_scan.py.

The sources are untrusted: a file over 2 MB, binary, not UTF-8, not a regular file or not
parseable is skipped, never an error.
"""

from __future__ import annotations

import ast
import bisect
import json
import os
import re
import stat
import warnings
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

DATA_FILE = "data/sdk_services.json"
MAX_BYTES = 2 * 1024 * 1024
PYTHON = frozenset({".py"})
SCRIPT = frozenset({".mjs", ".js", ".cjs", ".ts", ".mts", ".cts"})
# Dependencies and build output; every directory whose name starts with "." is skipped too.
SKIP_DIRS = frozenset({"node_modules", "__pycache__", "venv", "build", "dist", "cdk.out"})
_CLIENT_METHODS = frozenset({"client", "resource", "create_client"})


@dataclass(frozen=True)
class ServiceCall:
    """One place where the handler code creates an AWS SDK client."""

    service: str  # the endpoint prefix, e.g. "sqs", "secretsmanager", "states"
    file: str  # path relative to the project, with "/"
    line: int
    how: str  # the code as written, short: 'boto3.client("sqs")', '@aws-sdk/client-sqs'


def scan_project(project: Path, folder: str = "src") -> list[ServiceCall]:
    """The SDK clients created by the sources under project/FOLDER (a function's source
    folder: src/, or functions/NAME/src/ of an added one), by (service, file, line)."""
    found: dict[tuple[str, str, int], ServiceCall] = {}
    for path in _sources(project / folder):
        text = _read(path)
        if text is None:
            continue
        try:
            calls = _scan_python(text) if path.suffix in PYTHON else _scan_script(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        name = path.relative_to(project).as_posix()
        for service, line, how in calls:
            found.setdefault((service, name, line), ServiceCall(service, name, line, how))
    return [found[key] for key in sorted(found)]


def services_called(project: Path) -> list[str]:
    """The endpoint prefixes of every service the handler code calls, sorted."""
    return sorted({call.service for call in scan_project(project)})


@cache
def _tables() -> dict[str, dict[str, str]]:
    """The data file's tables: SDK name -> endpoint prefix, by SDK."""
    loaded: dict[str, Any] = json.loads(files("scaffold").joinpath(DATA_FILE).read_text("utf-8"))
    tables = {key: value for key, value in loaded.items() if isinstance(value, dict)}
    tables["js_v2_modules"] = {cls.lower(): p for cls, p in tables["js_v2_classes"].items()}
    return tables


def _sources(src: Path) -> list[Path]:
    paths: list[Path] = []
    for root, dirs, names in os.walk(src):  # symbolic links to directories are not followed
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
        paths += [Path(root, n) for n in sorted(names) if not re.search(r"\.d\.[mc]?ts$", n)]
    return [path for path in paths if path.suffix in PYTHON | SCRIPT]


def _read(path: Path) -> str | None:
    try:
        info = path.lstat()  # a symbolic link, a FIFO or a device is not read
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_BYTES:
            return None
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
        return None if len(data) > MAX_BYTES or b"\0" in data else data.decode("utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None


def _scan_python(text: str) -> list[tuple[str, int, str]]:
    with warnings.catch_warnings():  # invalid escapes and the like are not ours to report
        warnings.simplefilter("ignore")
        tree = ast.parse(text)
    services: dict[str, str] = _tables()["boto3"]
    imported = {  # local names of boto3's own client() and resource()
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "boto3" and not node.level
        for alias in node.names
        if alias.name in ("client", "resource")
    }
    calls = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if not (
            (isinstance(func, ast.Attribute) and func.attr in _CLIENT_METHODS)
            or (isinstance(func, ast.Name) and func.id in imported)
        ):
            continue
        named = next((k.value for k in node.keywords if k.arg == "service_name"), None)
        arg = node.args[0] if node.args else named
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and arg.value in services:
            caller = ast.unparse(func)  # the code as written, arguments and all; cut if long
            caller = caller if len(caller) <= 60 else "…" + caller[-59:]
            shown = ("" if node.args else "service_name=") + json.dumps(arg.value)
            calls.append(
                ((node.lineno, node.col_offset), services[arg.value], f"{caller}({shown})")
            )
    return [(service, where[0], how) for where, service, how in sorted(calls)]


_SPACE = re.compile(r"(?:\s+|//[^\n\r\u2028\u2029]*|/\*.*?(?:\*/|\Z))+", re.DOTALL)
_TOKEN = re.compile(
    r"(?P<name>[A-Za-z_$\u0080-\U0010ffff][\w$\u0080-\U0010ffff]*)"
    r"|(?P<num>\.?\d[\w.]*)"
    r"|(?P<str>'(?:[^'\\\n]|\\.)*'?|\"(?:[^\"\\\n]|\\.)*\"?)"  # to the line's end if unclosed
    r"|(?P<punct>\S)",
    re.DOTALL,
)
_TEMPLATE_TEXT = re.compile(r"(?:[^`\\$]|\\.|\$(?!\{))*", re.DOTALL)
_REGEX = re.compile(r"/(?:[^\\/\[\n]|\\[^\n]|\[(?:[^\]\\\n]|\\[^\n])*\])+/[\w$]*")
# After these words an expression starts, so "/" opens a regular expression.
_BEFORE_EXPRESSION = frozenset(
    {"return", "typeof", "instanceof", "in", "of", "new", "delete", "void", "throw", "case"}
    | {"do", "else", "yield", "await"}
)
_CLAUSE_LIMIT = 2000  # tokens an import clause may take
_PATTERN_PUNCT = frozenset(("punct", c) for c in "{},:")
Token = tuple[str, str, int]  # kind, text (a string's without quotes), offset


def _tokens(text: str) -> list[Token]:
    """Tokens without comments; a template literal with substitutions gives "tmpl" tokens."""
    tokens: list[Token] = []
    substitutions: list[int] = []  # the brace depth at each open `${` of a template
    pos = text.find("\n") if text.startswith("#!") else 0
    pos, depth, no_regex_before = (len(text) if pos < 0 else pos), 0, 0
    while True:
        space = _SPACE.match(text, pos)
        pos = space.end() if space else pos
        if pos >= len(text):
            return tokens
        char = text[pos]
        if char == "`" or (char == "}" and substitutions and substitutions[-1] == depth):
            piece = _TEMPLATE_TEXT.match(text, pos + 1)
            end = piece.end() if piece else pos + 1
            opens = text.startswith("${", end)
            if end >= len(text):
                raise ValueError("a template literal is not closed")
            if char == "`" and not opens:  # no substitution: a plain string
                tokens.append(("str", text[pos + 1 : end], pos))
            else:
                if char == "`":
                    substitutions.append(depth)
                elif not opens:
                    substitutions.pop()
                tokens.append(("tmpl" if opens else "tmpl_end", "", pos))
            pos = end + (2 if opens else 1)
            continue
        if char == "/" and pos >= no_regex_before and _regex_may_start(tokens):
            regex = _REGEX.match(text, pos)
            if regex:
                tokens.append(("regex", "", pos))
                pos = regex.end()
                continue
            line_end = text.find("\n", pos)  # none is tried again on this line: stays linear
            no_regex_before = len(text) if line_end < 0 else line_end
        match = _TOKEN.match(text, pos)  # \S matches whatever _SPACE left
        kind, value = (match.lastgroup or "punct", match.group()) if match else ("punct", char)
        if kind == "punct" and value in "{}":
            depth += 1 if value == "{" else -1
        if kind == "str":
            value, quote = value[1:-1], value[-1] if len(value) > 1 else ""
            if quote != char or (len(value) - len(value.rstrip("\\"))) % 2:
                raise ValueError("a string literal is not closed")
        tokens.append((kind, value, pos))
        pos = match.end() if match else pos + 1


def _regex_may_start(tokens: list[Token]) -> bool:
    """Whether a "/" here starts a regular expression rather than dividing."""
    kind, value, _ = tokens[-1] if tokens else ("tmpl", "", 0)
    if kind == "name":
        return value in _BEFORE_EXPRESSION
    return kind == "tmpl" or (kind == "punct" and value not in ")]}")


def _scan_script(text: str) -> list[tuple[str, int, str]]:
    tokens = _tokens(text)
    tables = _tables()
    found: list[tuple[int, str, str]] = []  # offset, service, how
    namespaces = {"AWS"}  # names bound to the aws-sdk module
    classes: dict[str, str] = {}  # names bound to its client classes -> class

    def at(k: int, kind: str, *values: str) -> bool:
        return (
            0 <= k < len(tokens) and tokens[k][0] == kind and (not values or tokens[k][1] in values)
        )

    def module(k: int, bound: list[Token]) -> None:
        spec, offset = tokens[k][1], tokens[k][2]
        service = _module_service(spec, tables)
        if service:
            found.append((offset, service, spec))
        if spec == "aws-sdk":
            _bind(bound, namespaces, classes)

    for k, (kind, word, _) in enumerate(tokens):
        if kind != "name" or at(k - 1, "punct", "."):
            continue
        if word in ("require", "import") and at(k + 1, "punct", "(") and at(k + 2, "str"):
            if at(k + 3, "punct", ")", ","):  # require("m"), import("m"), import("m", {...})
                j = k - 2 if at(k - 1, "name", "await") else k - 1  # X = [await] require(...)
                module(k + 2, _assigned(tokens, j) if at(j, "punct", "=") else [])
        elif word == "import" and at(k + 1, "str"):  # import "m"
            module(k + 1, [])
        elif word in ("import", "export"):
            if (
                at(k + 1, "name", "type")
                and not at(k + 2, "punct", ",")
                and not (at(k + 2, "name", "from") and at(k + 3, "str"))
            ):
                continue  # import type ... / export type ...: erased when compiled
            j = k + 1
            while j < k + _CLAUSE_LIMIT and (
                at(j, "punct", "{", "}", ",", "*")
                or (at(j, "name") and not at(j, "name", "import", "export"))
            ):
                if at(j, "name", "from") and at(j + 1, "str"):
                    if word == "import" or at(k + 1, "punct", "{", "*"):
                        module(j + 1, tokens[k + 1 : j])
                    break
                j += 1
    for k, (kind, word, offset) in enumerate(tokens):
        if kind != "name" or word != "new" or not at(k + 1, "name"):
            continue
        first = tokens[k + 1][1]
        if first in namespaces and at(k + 2, "punct", ".") and at(k + 3, "name"):
            name, after, how = tokens[k + 3][1], k + 4, f"new {first}.{tokens[k + 3][1]}"
        elif first in classes:
            name, after, how = classes[first], k + 2, f"new {first}"
        else:
            continue
        if at(after, "punct", ".") and at(after + 1, "name"):  # new AWS.DynamoDB.DocumentClient
            how += "." + tokens[after + 1][1]
        if name in tables["js_v2_classes"]:
            found.append((offset, tables["js_v2_classes"][name], how))
    lines = [m.end() for m in re.finditer(r"\r\n?|[\n\u2028\u2029]", text)]
    return [(service, bisect.bisect_right(lines, o) + 1, how) for o, service, how in sorted(found)]


def _module_service(spec: str, tables: dict[str, dict[str, str]]) -> str | None:
    parts = spec.split("/")
    if parts[0] == "@aws-sdk" and len(parts) > 1:
        if parts[1].startswith("client-"):
            return tables["js_v3_clients"].get(parts[1][len("client-") :])
        return tables["js_v3_libs"].get(parts[1])
    if parts[:2] == ["aws-sdk", "clients"] and len(parts) == 3:
        return tables["js_v2_modules"].get(parts[2].removesuffix(".js"))
    return None


def _assigned(tokens: list[Token], j: int) -> list[Token]:
    """What is left of the `=` at j: one name, or a `{ ... }` destructuring pattern."""
    if j >= 1 and tokens[j - 1][0] == "name" and not (j >= 2 and tokens[j - 2][1] == "."):
        return [tokens[j - 1]]
    if j < 1 or tokens[j - 1][:2] != ("punct", "}"):
        return []
    start, nesting = j - 1, 0
    while start >= max(0, j - _CLAUSE_LIMIT) and (
        tokens[start][0] == "name" or tokens[start][:2] in _PATTERN_PUNCT
    ):
        nesting += {"}": 1, "{": -1}.get(tokens[start][1], 0) if tokens[start][0] == "punct" else 0
        if nesting == 0:
            return tokens[start:j]
        start -= 1
    return []


def _bind(bound: list[Token], namespaces: set[str], classes: dict[str, str]) -> None:
    """What `import AWS, { SQS as Q } from "aws-sdk"` or `const { SQS: Q } = require(...)`
    binds: names of the aws-sdk module, and of its classes (local name -> class)."""
    head, _, braced = " ".join(token[1] for token in bound).partition("{")
    namespaces.update(name for name in re.findall(r"[\w$]+", head) if name != "as")
    for item in braced.partition("}")[0].split(","):
        words = item.split()[1:] if item.split()[:1] == ["type"] else item.split()
        pair = len(words) == 1 or (len(words) == 3 and words[1] in ("as", ":"))
        if pair and re.fullmatch(r"[\w$]+", words[-1]):
            classes[words[-1]] = words[0]
