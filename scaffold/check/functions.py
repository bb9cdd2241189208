"""The Terraform functions the evaluator implements."""

from __future__ import annotations

import ipaddress
import json
import math
from collections.abc import Callable, Iterator
from itertools import product
from typing import Any

from scaffold.check.values import (
    UNKNOWN,
    Instance,
    Ref,
    contains_unknown,
    equal,
    is_unknown,
    number,
    to_text,
)


def _require_known(*values: Any) -> None:
    if any(contains_unknown(value) for value in values):
        raise _UnknownResult


class _UnknownResult(Exception):
    pass


def _keys(value: Any) -> list[str]:
    if not isinstance(value, dict):
        raise TypeError("keys() needs a map")
    return sorted(value)


def _values(value: Any) -> list[Any]:
    if not isinstance(value, dict):
        raise TypeError("values() needs a map")
    return [value[key] for key in sorted(value)]


def _sort(value: Any) -> list[str]:
    _require_known(value)
    if not all(isinstance(item, str) for item in value):
        raise TypeError("sort() needs strings")
    return sorted(value)


def _toset(value: Any) -> Any:
    if not isinstance(value, list):
        raise TypeError("toset() needs a list")
    if contains_unknown(value):
        return UNKNOWN
    if all(isinstance(item, str) for item in value):
        return sorted(set(value))
    distinct: list[Any] = []
    for item in value:
        if not any(equal(item, seen) is True for seen in distinct):
            distinct.append(item)
    return distinct


def _contains(collection: Any, wanted: Any) -> Any:
    if not isinstance(collection, list):
        raise TypeError("contains() needs a list")
    results = [equal(item, wanted) for item in collection]
    if True in results:
        return True
    return UNKNOWN if any(is_unknown(result) for result in results) else False


def _length(value: Any) -> int:
    if isinstance(value, (list, dict, str)):
        return len(value)
    raise TypeError("length() needs a collection")


def _concat(*lists: Any) -> list[Any]:
    result: list[Any] = []
    for item in lists:
        if not isinstance(item, list):
            raise TypeError("concat() needs lists")
        result += item
    return result


def _slice(value: Any, start: Any, end: Any) -> list[Any]:
    if not isinstance(value, list):
        raise TypeError("slice() needs a list")
    begin, stop = int(number(start)), int(number(end))
    if not 0 <= begin <= stop <= len(value):
        raise ValueError("slice() bounds out of range")
    return value[begin:stop]


def _lookup(value: Any, key: Any, *default: Any) -> Any:
    if not isinstance(value, dict):
        raise TypeError("lookup() needs a map")
    if key in value:
        return value[key]
    if default:
        return default[0]
    raise KeyError(key)


def _merge(*maps: Any) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for item in maps:
        if item is None:
            continue
        if not isinstance(item, dict):
            raise TypeError("merge() needs maps")
        result.update(item)
    return result


def _coalesce(*values: Any) -> Any:
    for value in values:
        if is_unknown(value):
            return UNKNOWN
        if value is not None and value != "":
            return value
    raise ValueError("coalesce() found no value")


def _flatten(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise TypeError("flatten() needs a list")
    result: list[Any] = []
    for item in value:
        if is_unknown(item) and not isinstance(item, Ref):
            raise _UnknownResult
        result += _flatten(item) if isinstance(item, list) else [item]
    return result


def _distinct(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise TypeError("distinct() needs a list")
    result: list[Any] = []
    for item in value:
        same = [equal(item, seen) for seen in result]
        if any(is_unknown(s) for s in same):
            raise _UnknownResult
        if True not in same:
            result.append(item)
    return result


def _cidrsubnet(prefix: Any, newbits: Any, netnum: Any) -> str:
    network = ipaddress.ip_network(prefix, strict=False)
    subnets = network.subnets(prefixlen_diff=int(number(newbits)))
    for index, subnet in enumerate(subnets):
        if index == int(number(netnum)):
            return str(subnet)
    raise ValueError("cidrsubnet(): netnum out of range")


def _cidrhost(prefix: Any, hostnum: Any) -> str:
    network = ipaddress.ip_network(prefix, strict=False)
    return str(network[int(number(hostnum))])


def _element(value: Any, index: Any) -> Any:
    if not isinstance(value, list) or not value:
        raise TypeError("element() needs a non-empty list")
    return value[int(number(index)) % len(value)]


def _one(value: Any) -> Any:
    if not isinstance(value, list) or len(value) > 1:
        raise ValueError("one() needs at most one element")
    return value[0] if value else None


def _zipmap(keys: Any, values: Any) -> dict[str, Any]:
    if not isinstance(keys, list) or not isinstance(values, list) or len(keys) != len(values):
        raise TypeError("zipmap() needs two lists of one length")
    _require_known(keys)
    return dict(zip(keys, values))


def _anytrue(value: Any) -> Any:
    if True in value:
        return True
    return UNKNOWN if any(is_unknown(item) for item in value) else False


def _alltrue(value: Any) -> Any:
    if False in value:
        return False
    return UNKNOWN if any(is_unknown(item) for item in value) else True


def _known_strings(function: Callable[..., Any]) -> Callable[..., Any]:
    def wrapped(*arguments: Any) -> Any:
        _require_known(*arguments)
        return function(*arguments)

    return wrapped


def _tolist(value: Any) -> Any:
    if not isinstance(value, list):
        raise TypeError("tolist() needs a list or set")
    return value


def _tomap(value: Any) -> Any:
    if not isinstance(value, dict):
        raise TypeError("tomap() needs an object")
    return value


def _jsonencode(value: Any) -> str:
    _require_known(value)
    if any(isinstance(item, Instance) for item in _leaves(value)):
        raise _UnknownResult
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def _leaves(value: Any) -> Iterator[Any]:
    if isinstance(value, dict):
        for item in value.values():
            yield from _leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from _leaves(item)
    else:
        yield value


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "keys": _keys,
    "values": _values,
    "sort": _sort,
    "toset": _toset,
    "tolist": _tolist,
    "tomap": _tomap,
    "tonumber": lambda value: None if value is None else number(value),
    "tostring": lambda value: None if value is None else to_text(value),
    "tobool": lambda value: (
        value if isinstance(value, bool) or value is None else {"true": True, "false": False}[value]
    ),
    "contains": _contains,
    "length": _length,
    "concat": _concat,
    "slice": _slice,
    "lookup": _lookup,
    "merge": _merge,
    "coalesce": _coalesce,
    "coalescelist": lambda *lists: next((item for item in lists if item), []),
    "flatten": _flatten,
    "distinct": _distinct,
    "compact": _known_strings(lambda value: [item for item in value if item not in (None, "")]),
    "reverse": lambda value: list(reversed(value)),
    "element": _element,
    "one": _one,
    "zipmap": _zipmap,
    "range": _known_strings(lambda *bounds: list(range(*(int(number(b)) for b in bounds)))),
    "anytrue": _anytrue,
    "alltrue": _alltrue,
    "cidrsubnet": _known_strings(_cidrsubnet),
    "cidrhost": _known_strings(_cidrhost),
    "cidrnetmask": _known_strings(
        lambda prefix: str(ipaddress.ip_network(prefix, strict=False).netmask)
    ),
    "startswith": _known_strings(lambda text, prefix: text.startswith(prefix)),
    "endswith": _known_strings(lambda text, suffix: text.endswith(suffix)),
    "strcontains": _known_strings(lambda text, part: part in text),
    "trimprefix": _known_strings(lambda text, prefix: text.removeprefix(prefix)),
    "trimsuffix": _known_strings(lambda text, suffix: text.removesuffix(suffix)),
    "trimspace": _known_strings(lambda text: text.strip()),
    "lower": _known_strings(lambda text: text.lower()),
    "upper": _known_strings(lambda text: text.upper()),
    "replace": _known_strings(lambda text, old, new: text.replace(old, new)),
    "split": _known_strings(lambda separator, text: text.split(separator)),
    "join": _known_strings(lambda separator, items: separator.join(to_text(i) for i in items)),
    "max": _known_strings(lambda *items: max(number(i) for i in items)),
    "min": _known_strings(lambda *items: min(number(i) for i in items)),
    "abs": _known_strings(lambda value: abs(number(value))),
    "floor": _known_strings(lambda value: math.floor(number(value))),
    "ceil": _known_strings(lambda value: math.ceil(number(value))),
    "jsonencode": _jsonencode,
    "jsondecode": _known_strings(json.loads),
    "setunion": _known_strings(lambda *sets: sorted({item for s in sets for item in s})),
    "setproduct": _known_strings(lambda *sets: [list(p) for p in product(*sets)]),
    "index": _known_strings(lambda items, value: items.index(value)),
    "sum": _known_strings(lambda items: sum(number(i) for i in items)),
}
# These take lists whose elements may be unknown, or decide without every argument.
UNKNOWN_AWARE = {"coalesce", "contains", "anytrue", "alltrue"}


def _call_guarded(function: Callable[..., Any]) -> Callable[..., Any]:
    def wrapped(*arguments: Any) -> Any:
        try:
            return function(*arguments)
        except _UnknownResult:
            return UNKNOWN

    return wrapped


FUNCTIONS = {name: _call_guarded(function) for name, function in FUNCTIONS.items()}
