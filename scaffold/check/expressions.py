"""The expressions of the language evaluated in a scope: literals, templates, operators,
function calls, for expressions, traversals. `Evaluator` adds where names come from."""

from __future__ import annotations

from typing import Any

from lark import Token, Tree

from scaffold.check.config import (
    Node,
    unescape,
)
from scaffold.check.functions import FUNCTIONS, UNKNOWN_AWARE
from scaffold.check.values import (
    UNKNOWN,
    EvaluationError,
    Filtered,
    Instance,
    Ref,
    Scope,
    Step,
    bare_identifier,
    binary,
    contains_unknown,
    equal,
    flatten,
    format_number,
    is_unknown,
    iterate,
    join_template,
    newline,
)


class ExpressionEvaluator:
    unsupported: set[str]  # functions met that the evaluator does not implement

    def attribute(self, address: str, name: str) -> Any:
        raise NotImplementedError

    def root_name(self, name: str, steps: list[Step], scope: Scope) -> tuple[Any, list[Step]]:
        raise NotImplementedError

    def expression(self, node: Node, scope: Scope) -> Any:
        if isinstance(node, Token):
            raise EvaluationError(f"unexpected token {node!r}")
        handler = getattr(self, f"_eval_{node.data}", None)
        if handler is None:
            return UNKNOWN
        return handler(node, scope)

    def _eval_expr_term(self, node: Tree[Token], scope: Scope) -> Any:
        inner = [child for child in node.children if isinstance(child, Tree) and not newline(child)]
        if len(inner) != 1:
            raise EvaluationError("unexpected expression shape")
        return self.expression(inner[0], scope)

    def _eval_int_lit(self, node: Tree[Token], scope: Scope) -> Any:
        return int(str(node.children[0]))

    def _eval_float_lit(self, node: Tree[Token], scope: Scope) -> Any:
        return float(str(node.children[0]))

    def _eval_literal_value(self, node: Tree[Token], scope: Scope) -> Any:
        return {"true": True, "false": False, "null": None}[str(node.children[0])]

    def _eval_string(self, node: Tree[Token], scope: Scope) -> Any:
        parts: list[object] = []
        for part in node.children:
            if not isinstance(part, Tree):
                continue
            (content,) = part.children
            if isinstance(content, Token):
                text = str(content)
                if content.type in ("ESCAPED_INTERPOLATION", "ESCAPED_DIRECTIVE"):
                    parts.append(text[1:])
                else:
                    parts.append(unescape(text))
            elif content.data == "interpolation":
                parts.append(self.expression(content.children[1], scope))
            else:
                return UNKNOWN  # template directives (%{ if }, %{ for })
        return join_template(parts)

    def _eval_heredoc_template(self, node: Tree[Token], scope: Scope) -> Any:
        return self.heredoc(str(node.children[0]), scope, trim=False)

    def _eval_heredoc_template_trim(self, node: Tree[Token], scope: Scope) -> Any:
        return self.heredoc(str(node.children[0]), scope, trim=True)

    def heredoc(self, text: str, scope: Scope, *, trim: bool) -> Any:
        lines = text.split("\n")
        body_lines = lines[1:-2]  # "<<EOT", ..., "EOT", ""
        if trim:
            indents = [len(line) - len(line.lstrip()) for line in body_lines if line.strip()]
            cut = min(indents, default=0)
            body_lines = [line[cut:] for line in body_lines]
        body = "\n".join(body_lines) + ("\n" if body_lines else "")
        return self.template(body, scope)

    def template(self, text: str, scope: Scope) -> Any:
        """A heredoc's text: literal, with ${ } interpolations and no directives."""
        import hcl2

        parts: list[object] = []
        index = 0
        while True:
            start = text.find("${", index)
            directive = text.find("%{", index)
            if (
                directive != -1
                and (start == -1 or directive < start)
                and text[directive - 1 : directive] != "%"
            ):
                return UNKNOWN
            if start == -1:
                parts.append(text[index:])
                break
            if text[start - 1 : start] == "$":  # $${ is a literal ${
                parts.append(text[index : start - 1] + "${")
                index = start + 2
                continue
            parts.append(text[index:start])
            end, depth = start + 2, 1
            while end < len(text) and depth:
                depth += {"{": 1, "}": -1}.get(text[end], 0)
                end += 1
            if depth:
                return UNKNOWN
            tree = hcl2.parses_to_tree(f"x = {text[start + 2 : end - 1]}")
            attribute = next(
                child
                for child in tree.children[0].children
                if isinstance(child, Tree) and child.data == "attribute"
            )
            parts.append(self.expression(attribute.children[2], scope))
            index = end
        return join_template(
            [part.replace("%%{", "%{") if isinstance(part, str) else part for part in parts]
        )

    def _eval_tuple(self, node: Tree[Token], scope: Scope) -> Any:
        return [
            self.expression(child, scope)
            for child in node.children
            if isinstance(child, Tree) and not newline(child)
        ]

    def _eval_object(self, node: Tree[Token], scope: Scope) -> Any:
        value: dict[str, Any] = {}
        for element in node.children:
            if not isinstance(element, Tree) or element.data != "object_elem":
                continue
            key_node, _separator, value_node = element.children
            key = self.object_key(key_node, scope)
            if is_unknown(key):
                return UNKNOWN
            value[key] = self.expression(value_node, scope)
        return value

    def object_key(self, node: Node, scope: Scope) -> Any:
        assert isinstance(node, Tree)
        (inner,) = [child for child in node.children if not newline(child)]
        if isinstance(inner, Tree) and inner.data == "keyword":
            return str(inner.children[0])
        name = bare_identifier(inner)
        if name is not None:
            return name
        key = self.expression(inner, scope)
        if isinstance(key, (int, float)) and not isinstance(key, bool):
            return format_number(key)
        if not isinstance(key, str) and not is_unknown(key):
            raise EvaluationError("object keys must be strings")
        return key

    def _eval_conditional(self, node: Tree[Token], scope: Scope) -> Any:
        condition, then, otherwise = [
            c for c in node.children if isinstance(c, Tree) and not newline(c)
        ]
        test = self.expression(condition, scope)
        if test is True:
            return self.expression(then, scope)
        if test is False:
            return self.expression(otherwise, scope)
        if not is_unknown(test):
            raise EvaluationError("a condition must be a bool")
        first, second = self.expression(then, scope), self.expression(otherwise, scope)
        return first if equal(first, second) is True else UNKNOWN

    def _eval_unary_op(self, node: Tree[Token], scope: Scope) -> Any:
        operator, operand = node.children
        value = self.expression(operand, scope)
        if is_unknown(value):
            return UNKNOWN
        if str(operator) == "!":
            if not isinstance(value, bool):
                raise EvaluationError("! needs a bool")
            return not value
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise EvaluationError("- needs a number")
        return -value

    def _eval_binary_op(self, node: Tree[Token], scope: Scope) -> Any:
        left_node, term = [c for c in node.children if isinstance(c, Tree) and not newline(c)]
        operator_node, right_node = [
            c for c in term.children if isinstance(c, Tree) and not newline(c)
        ]
        operator = str(operator_node.children[0])
        return binary(
            operator, self.expression(left_node, scope), self.expression(right_node, scope)
        )

    def _eval_function_call(self, node: Tree[Token], scope: Scope) -> Any:
        names = [
            child
            for child in node.children
            if isinstance(child, Tree) and child.data == "identifier"
        ]
        if len(names) != 1:
            return UNKNOWN  # provider-defined functions
        name = str(names[0].children[0])
        arguments_node = next(
            (
                child
                for child in node.children
                if isinstance(child, Tree) and child.data == "arguments"
            ),
            None,
        )
        argument_nodes = (
            [c for c in arguments_node.children if isinstance(c, Tree) and not newline(c)]
            if arguments_node is not None
            else []
        )
        expand = arguments_node is not None and any(
            isinstance(c, Token) and c.type == "ELLIPSIS" for c in arguments_node.children
        )
        if name == "try":
            for argument in argument_nodes:
                try:
                    value = self.expression(argument, scope)
                except EvaluationError:
                    continue
                return value
            raise EvaluationError("no argument of try() could be evaluated")
        if name == "can":
            try:
                value = self.expression(argument_nodes[0], scope)
            except EvaluationError:
                return False
            return UNKNOWN if contains_unknown(value) and not isinstance(value, Ref) else True
        arguments = [self.expression(argument, scope) for argument in argument_nodes]
        if expand:
            if not arguments or is_unknown(arguments[-1]) or not isinstance(arguments[-1], list):
                return UNKNOWN
            arguments = arguments[:-1] + list(arguments[-1])
        function = FUNCTIONS.get(name)
        if function is None:
            self.unsupported.add(name)  # not a pass: `check` names it as not judged
            return UNKNOWN
        if name not in UNKNOWN_AWARE and any(is_unknown(argument) for argument in arguments):
            return UNKNOWN
        try:
            return function(*arguments)
        except (TypeError, ValueError, KeyError, IndexError, ZeroDivisionError) as problem:
            raise EvaluationError(f"{name}(): {problem}") from None

    def _for(self, node: Tree[Token], scope: Scope, *, as_object: bool) -> Any:
        parts = [c for c in node.children if isinstance(c, Tree) and not newline(c)]
        intro, *rest = parts
        condition_node = rest.pop() if rest and rest[-1].data == "for_cond" else None
        grouping = any(isinstance(c, Token) and c.type == "ELLIPSIS" for c in node.children)
        names = [
            str(c.children[0])
            for c in intro.children
            if isinstance(c, Tree) and c.data == "identifier"
        ]
        collection_node = next(
            c
            for c in intro.children
            if isinstance(c, Tree) and c.data != "identifier" and not newline(c)
        )
        collection = self.expression(collection_node, scope)
        if is_unknown(collection):
            if (
                isinstance(collection, Ref)
                and not as_object
                and condition_node is not None
                and len(names) == 1
                and bare_identifier(rest[0]) == names[0]
            ):
                return Filtered(collection)  # [for x in REF : x if ...]: some of REF's items
            return UNKNOWN
        items: list[Any] = []
        result: dict[str, Any] = {}
        for key, value in iterate(collection):
            bound = {names[0]: value} if len(names) == 1 else {names[0]: key, names[1]: value}
            inner = scope.with_names(**bound)
            if condition_node is not None:
                cond_expr = next(
                    c for c in condition_node.children if isinstance(c, Tree) and not newline(c)
                )
                keep = self.expression(cond_expr, inner)
                if is_unknown(keep):
                    return UNKNOWN
                if keep is not True and keep is not False:
                    raise EvaluationError("a for condition must be a bool")
                if not keep:
                    continue
            if not as_object:
                items.append(self.expression(rest[0], inner))
                continue
            item_key = self.expression(rest[0], inner)
            if is_unknown(item_key):
                return UNKNOWN
            if isinstance(item_key, (int, float)) and not isinstance(item_key, bool):
                item_key = format_number(item_key)
            if not isinstance(item_key, str):
                raise EvaluationError("for expression keys must be strings")
            item_value = self.expression(rest[1], inner)
            if grouping:
                result.setdefault(item_key, []).append(item_value)
            elif item_key in result:
                raise EvaluationError(f"duplicate key {item_key!r} in a for expression")
            else:
                result[item_key] = item_value
        return result if as_object else items

    def _eval_for_tuple_expr(self, node: Tree[Token], scope: Scope) -> Any:
        return self._for(node, scope, as_object=False)

    def _eval_for_object_expr(self, node: Tree[Token], scope: Scope) -> Any:
        return self._for(node, scope, as_object=True)

    # --- traversals: a.b[c].d, splats ----------------------------------------------------------

    def _eval_identifier(self, node: Tree[Token], scope: Scope) -> Any:
        return self.traverse(node, scope)

    def _eval_get_attr_expr_term(self, node: Tree[Token], scope: Scope) -> Any:
        return self.traverse(node, scope)

    def _eval_index_expr_term(self, node: Tree[Token], scope: Scope) -> Any:
        return self.traverse(node, scope)

    def _eval_attr_splat_expr_term(self, node: Tree[Token], scope: Scope) -> Any:
        return self.traverse(node, scope)

    def _eval_full_splat_expr_term(self, node: Tree[Token], scope: Scope) -> Any:
        return self.traverse(node, scope)

    def traverse(self, node: Tree[Token], scope: Scope) -> Any:
        base, steps = flatten(node)
        if isinstance(base, str):
            value, steps = self.root_name(base, steps, scope)
        else:
            value = self.expression(base, scope)
        return self.apply_steps(value, steps, scope)

    def apply_steps(self, value: Any, steps: list[Step], scope: Scope) -> Any:
        for kind, argument in steps:
            if kind == "splat":
                if is_unknown(value):
                    return UNKNOWN
                items = value if isinstance(value, list) else [] if value is None else [value]
                return [self.apply_steps(item, argument, scope) for item in items]
            if kind == "attr":
                value = self.get(value, str(argument))
            else:
                key = argument if isinstance(argument, int) else self.expression(argument, scope)
                value = self.index(value, key)
            if is_unknown(value) and not isinstance(value, Ref):
                return UNKNOWN
        return value

    def get(self, value: Any, name: str) -> Any:
        if isinstance(value, Instance):
            return self.attribute(value.address, name)
        if isinstance(value, Ref):
            return value.extended(name)
        if is_unknown(value):
            return UNKNOWN
        if isinstance(value, dict):
            if name not in value:
                raise EvaluationError(f"no attribute {name}")
            return value[name]
        if value is None:
            raise EvaluationError(f"attribute {name} of null")
        raise EvaluationError(f"attribute {name} of a {type(value).__name__}")

    def index(self, value: Any, key: Any) -> Any:
        if is_unknown(key):
            return UNKNOWN
        if isinstance(value, Filtered) and isinstance(key, int) and not isinstance(key, bool):
            return value.item(key)
        if isinstance(value, Ref):
            return value.extended(key if isinstance(key, (int, str)) else str(key))
        if isinstance(value, Instance):
            if isinstance(key, str):
                return self.attribute(value.address, key)
            raise EvaluationError("an instance is not a list")
        if is_unknown(value):
            return UNKNOWN
        if isinstance(value, list):
            if isinstance(key, str) and key.isdigit():
                key = int(key)
            if not isinstance(key, (int, float)) or isinstance(key, bool) or int(key) != key:
                raise EvaluationError("a list index must be a whole number")
            if not 0 <= int(key) < len(value):
                raise EvaluationError(f"index {key} out of range")
            return value[int(key)]
        if isinstance(value, dict):
            text = (
                format_number(key)
                if isinstance(key, (int, float)) and not isinstance(key, bool)
                else key
            )
            if text not in value:
                raise EvaluationError(f"no key {key!r}")
            return value[text]
        raise EvaluationError(f"cannot index a {type(value).__name__}")
