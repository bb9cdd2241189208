"""The evaluator against Terraform itself: the same expressions, one Terraform run, the same
typed values; what Terraform rejects, ours does not turn into a value either.

(a) expressions the templates use, their references replaced by literals; (b) seeded random
combinations of the functions the evaluator implements, with literal arguments. Each is an
output `{ ok = can(EXPR), value = try(EXPR, null) }` of a root module with no provider, so
one `terraform apply` answers them all, rejected ones included.
"""

from __future__ import annotations

import json
import random
import subprocess
from pathlib import Path
from typing import Any

import pytest
from fixtures_terraform import TerraformToolchain, terraform_base_env

from scaffold.check.config import load_configuration
from scaffold.check.evaluator import Evaluator
from scaffold.check.values import EvaluationError, contains_unknown

pytestmark = pytest.mark.terraform

# (a) From templates/ (network, function, endpoints, checks), references replaced by literals.
TEMPLATE_EXPRESSIONS = [
    'cidrsubnet("10.0.0.0/16", 4, 0)',
    'cidrsubnet("10.0.0.0/16", 4, 3)',
    'cidrsubnet("2600:1f18:abcd:1200::/56", 8, 128 + 1)',
    'cidrsubnet("2600:1f18:abcd:1200::/56", 8, 2)',
    'cidrhost("10.0.0.0/16", 0)',
    'cidrnetmask("10.0.0.0/16")',
    'alltrue([for cidr in ["10.0.0.0/24", "10.0.1.0/24"] : can(cidrnetmask(cidr))])',
    'alltrue([for cidr in ["10.0.0.0/24", "nope"] : can(cidrnetmask(cidr))])',
    'alltrue([for cidr in ["10.0.0.0/24"] : cidrhost(cidr, 0) == split("/", cidr)[0]])',
    'anytrue([for route in [{ nat_gateway_id = "" }, { nat_gateway_id = "nat-1" }] : route.nat_gateway_id != ""])',
    'alltrue([for id in ["subnet-1", "subnet-2"] : startswith(id, "subnet-")])',
    'contains(["Active", "PassThrough"], "Active")',
    'contains(["Active", "PassThrough"], "active")',
    "contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365], 14)",
    "contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365], 15)",
    'contains(["x86_64", "arm64"], "arm64")',
    'contains("2001:db8::/64", ":") ? [] : ["2001:db8::/64"]',
    'contains("0.0.0.0/0", ":") ? ["0.0.0.0/0"] : []',
    'coalesce("", "fallback")',
    'coalesce("2600::/56", "")',
    'concat(["sg-1"], ["sg-2", "sg-3"])',
    'concat([], [for id in ["sg-9"] : id])',
    'keys({ az1 = "10.0.0.0/24", az2 = "10.0.1.0/24" })',
    'values({ az1 = "10.0.0.0/24", az2 = "10.0.1.0/24" })',
    'length(distinct(["us-east-1a", "us-east-1b", "us-east-1a"]))',
    'length(distinct(["us-east-1a", "us-east-1b"])) >= 2',
    'join(", ", ["subnet-1", "subnet-2"])',
    'lower("Demo-Function")',
    'replace("demo function", " ", "-")',
    'trimspace("  demo  ")',
    '{ for key, cidr in { az1 = "10.0.0.0/24", az2 = "10.0.1.0/24" } : key => cidrhost(cidr, 1) }',
    '[for key, cidr in { az1 = "10.0.0.0/24" } : "${key}=${cidr}"]',
    'merge({ Name = "demo" }, { Project = "demo", Name = "override" })',
    'lookup({ single = 1, per-az = 2 }, "per-az", 0)',
    'lookup({ single = 1 }, "none", 0)',
    'jsonencode({ Version = "2012-10-17", Statement = [] })',
    'jsonencode(["logs:CreateLogStream", "logs:PutLogEvents"])',
    'toset(["b", "a", "b"])',
    'zipmap(["az1", "az2"], ["subnet-1", "subnet-2"])',
    'element(["nat-1", "nat-2"], 3)',
    'one(["only"])',
    'flatten([["a"], ["b", ["c"]]])',
    'sort(["b", "c", "a"])',
    'startswith("arn:aws:iam::aws:policy/x", "arn:")',
    'endswith("demo.zip", ".zip")',
    'strcontains("vpc-123", "vpc")',
    "min(3, 1, 2)",
    "max(3, 1, 2)",
    "range(3)",
    '"demo-${3 + 4}"',
]

# (b) Generated: the functions the evaluator implements, with literal arguments.
LISTS = ['["a", "b"]', '["b", "a", "b"]', "[]", '["x"]', "[1, 2, 3]", '["10.0.0.0/24"]']
MAPS = ["{ a = 1, b = 2 }", '{ x = "y" }', "{}", '{ k = ["v"] }']
STRINGS = ['"abc"', '""', '"Hello World"', '"  pad  "', '"10.0.0.0/16"', '"a,b,c"', '"-x-"']
NUMBERS = ["0", "1", "2", "7", "-3", "2.5"]
COMPACTS = ['["a", "", "b"]', '[""]', "[]"]
WANTED = ['"a"', '"x"']
KEYS = ['"a"', '"x"', '"k"']
TWELVE = ['"12"']
CIDRS = ['"10.0.0.0/16"', '"192.168.0.0/24"', '"10.1.0.0/20"', '"2001:db8::/56"']


def generated(count: int, seed: int = 20261205) -> list[str]:
    pick = random.Random(seed).choice
    makers = [
        lambda: f"length({pick(LISTS + MAPS + STRINGS)})",
        lambda: f"concat({pick(LISTS)}, {pick(LISTS)})",
        lambda: f"distinct({pick(LISTS)})",
        lambda: f"reverse({pick(LISTS)})",
        lambda: f"compact({pick(COMPACTS)})",
        lambda: f"contains({pick(LISTS)}, {pick(STRINGS + WANTED)})",
        lambda: f"keys({pick(MAPS)})",
        lambda: f"values({pick(MAPS)})",
        lambda: f"merge({pick(MAPS)}, {pick(MAPS)})",
        lambda: f"lookup({pick(MAPS)}, {pick(KEYS)}, 0)",
        lambda: f"upper({pick(STRINGS)})",
        lambda: f"lower({pick(STRINGS)})",
        lambda: f"trimspace({pick(STRINGS)})",
        lambda: 'split(",", ' + pick(STRINGS) + ")",
        lambda: 'join("-", ' + pick(LISTS) + ")",
        lambda: "replace(" + pick(STRINGS) + ', "a", "o")',
        lambda: "startswith(" + pick(STRINGS) + ', "a")',
        lambda: "endswith(" + pick(STRINGS) + ', "c")',
        lambda: "trimprefix(" + pick(STRINGS) + ', "-")',
        lambda: "trimsuffix(" + pick(STRINGS) + ', "-")',
        lambda: f"max({pick(NUMBERS)}, {pick(NUMBERS)})",
        lambda: f"min({pick(NUMBERS)}, {pick(NUMBERS)})",
        lambda: f"abs({pick(NUMBERS)})",
        lambda: f"floor({pick(NUMBERS)})",
        lambda: f"ceil({pick(NUMBERS)})",
        lambda: f"{pick(NUMBERS)} + {pick(NUMBERS)} * {pick(NUMBERS)}",
        lambda: f"{pick(NUMBERS)} == {pick(NUMBERS)}",
        lambda: f"range({pick(['0', '1', '3', '5'])})",
        lambda: f"cidrhost({pick(CIDRS)}, {pick(['0', '1', '5'])})",
        lambda: f"cidrsubnet({pick(CIDRS)}, {pick(['2', '4', '8'])}, {pick(['0', '1', '3'])})",
        lambda: f"sort({pick(LISTS)})",
        lambda: f"flatten([{pick(LISTS)}, {pick(LISTS)}])",
        lambda: f"element({pick(LISTS)}, {pick(['0', '1', '4'])})",
        lambda: "coalesce(" + pick(STRINGS) + ', "z")',
        lambda: f"jsonencode({pick(LISTS + MAPS + STRINGS + NUMBERS)})",
        lambda: f"tostring({pick(STRINGS + NUMBERS)})",
        lambda: f"tonumber({pick(NUMBERS + TWELVE)})",
        lambda: f"setunion({pick(LISTS)}, {pick(LISTS)})",
        lambda: 'zipmap(["p", "q"], ' + pick(LISTS) + ")",
        lambda: f"anytrue([{pick(['true', 'false'])}, {pick(['true', 'false'])}])",
        lambda: f"alltrue([{pick(['true', 'false'])}, {pick(['true', 'false'])}])",
        lambda: f"sum([{pick(NUMBERS)}, {pick(NUMBERS)}])",
        lambda: f"one({pick(LISTS)})",
        lambda: "index(" + pick(LISTS) + ', "a")',
    ]
    return [pick(makers)() for _ in range(count)]


EXPRESSIONS = TEMPLATE_EXPRESSIONS + generated(120)


def typed(value: Any) -> Any:
    """One shape for both sides: numbers as floats, tuples and sets as lists."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, dict):
        return {key: typed(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [typed(item) for item in value]
    return value


def ours(folder: Path) -> dict[str, Any]:
    evaluator = Evaluator(load_configuration(folder))
    found: dict[str, Any] = {}
    for index in range(len(EXPRESSIONS)):
        try:
            found[f"e{index}"] = evaluator.output(evaluator.root, f"e{index}")
        except EvaluationError:
            found[f"e{index}"] = EvaluationError
    return found


def test_the_evaluator_agrees_with_terraform(
    terraform_toolchain: TerraformToolchain, tmp_path: Path
) -> None:
    assert len(TEMPLATE_EXPRESSIONS) >= 40 and len(EXPRESSIONS) - len(TEMPLATE_EXPRESSIONS) >= 100
    theirs_folder, ours_folder = tmp_path / "terraform", tmp_path / "ours"
    theirs_folder.mkdir()
    ours_folder.mkdir()
    (theirs_folder / "main.tf").write_text(
        "".join(
            f'output "e{index}" {{\n  value = {{ ok = can({expression}), value = try({expression}, null) }}\n}}\n'
            for index, expression in enumerate(EXPRESSIONS)
        ),
        encoding="utf-8",
    )
    (ours_folder / "main.tf").write_text(
        "".join(
            f'output "e{index}" {{\n  value = {expression}\n}}\n'
            for index, expression in enumerate(EXPRESSIONS)
        ),
        encoding="utf-8",
    )
    env = terraform_base_env(terraform_toolchain)
    binary = str(terraform_toolchain.binary)
    for command in (["init", "-input=false"], ["apply", "-auto-approve", "-input=false"]):
        done = subprocess.run(
            [binary, *command],
            cwd=theirs_folder,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr
    shown = subprocess.run(
        [binary, "output", "-json"],
        cwd=theirs_folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    theirs = {name: output["value"] for name, output in json.loads(shown.stdout).items()}
    mine = ours(ours_folder)
    disagreements = []
    for index, expression in enumerate(EXPRESSIONS):
        name = f"e{index}"
        answer, value = theirs[name], mine[name]
        if not answer["ok"]:
            if value is not EvaluationError and not contains_unknown(value):
                disagreements.append(f"{expression}: Terraform rejects it, ours gives {value!r}")
        elif value is EvaluationError or contains_unknown(value):
            continue  # not judged is never a wrong value
        elif typed(value) != typed(answer["value"]):
            disagreements.append(f"{expression}: Terraform {answer['value']!r}, ours {value!r}")
    assert disagreements == [], "\n".join(disagreements)
    agreed = sum(
        1
        for index in range(len(EXPRESSIONS))
        if theirs[f"e{index}"]["ok"]
        and mine[f"e{index}"] is not EvaluationError
        and not contains_unknown(mine[f"e{index}"])
    )
    assert agreed >= 140, f"only {agreed} expressions had a value on both sides"
