"""The model resolves what a fresh plan leaves unknown through the configuration's expressions,
and marks what it cannot resolve as such, never as a pass."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from scaffold.check.config import load_configuration
from scaffold.check.evaluator import Evaluator
from scaffold.check.model import Model, RouteTable, SecurityGroup, Unresolved
from scaffold.check.model import SubnetEntity as Subnet
from scaffold.check.values import UNKNOWN, Ref, Template

NETWORK = """
resource "aws_vpc" "this" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_subnet" "private" {
  for_each = var.subnets

  vpc_id            = aws_vpc.this.id
  cidr_block        = each.value
  availability_zone = "us-east-1${each.key}"
}

resource "aws_route_table" "private" {
  for_each = aws_subnet.private

  vpc_id = aws_vpc.this.id
}

locals {
  table_of = { for key in keys(var.subnets) : key => (key == "a" ? "b" : "a") }
}

resource "aws_route_table_association" "private" {
  for_each = aws_subnet.private

  subnet_id      = each.value.id
  route_table_id = aws_route_table.private[local.table_of[each.key]].id
}

resource "aws_vpc_endpoint" "s3" {
  vpc_id            = aws_vpc.this.id
  service_name      = "com.amazonaws.us-east-1.s3"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = slice([for table in aws_route_table.private : table.id], 0, 1)
}

variable "subnets" {
  type = map(string)
}

output "subnet_ids" {
  value = [for subnet in aws_subnet.private : subnet.id]
}
"""

ROOT = """
module "network" {
  source  = "./network"
  subnets = { a = "10.0.0.0/24", b = "10.0.1.0/24" }
}

resource "aws_security_group" "function" {
  vpc_id = "vpc-given"

  dynamic "egress" {
    for_each = ["10.0.0.0/16", "0.0.0.0/0"]

    content {
      protocol    = "tcp"
      from_port   = 443
      to_port     = 443
      cidr_blocks = [egress.value]
    }
  }
}

resource "aws_lambda_function" "this" {
  function_name = "demo"
  role          = "arn:aws:iam::123456789012:role/demo"

  vpc_config {
    subnet_ids         = module.network.subnet_ids
    security_group_ids = [aws_security_group.function.id]
  }
}
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "network").mkdir()
    (tmp_path / "network" / "main.tf").write_text(NETWORK, encoding="utf-8")
    (tmp_path / "main.tf").write_text(ROOT, encoding="utf-8")
    return tmp_path


def change(address: str, after: dict[str, Any], unknown: dict[str, Any]) -> dict[str, Any]:
    module, _, local = address.rpartition(".aws_") if address.startswith("module.") else ("", "", address)
    local = f"aws_{local}" if module else local
    base, _, key = local.partition("[")
    type_name, name = base.split(".")
    record: dict[str, Any] = {
        "address": address, "mode": "managed", "type": type_name, "name": name,
        "change": {"actions": ["create"], "after": after, "after_unknown": unknown},
    }  # fmt: skip
    if module:
        record["module_address"] = module
    if key:
        record["index"] = json.loads(key.rstrip("]"))
    return record


def fresh_plan() -> dict[str, Any]:
    """What `terraform plan` shows for the configuration above: every ID unknown."""
    ids = {"id": True}
    subnets = {"a": "10.0.0.0/24", "b": "10.0.1.0/24"}
    changes = [change("module.network.aws_vpc.this", {"cidr_block": "10.0.0.0/16"}, ids)]
    for key, cidr in subnets.items():
        changes += [
            change(f'module.network.aws_subnet.private["{key}"]', {"cidr_block": cidr, "availability_zone": f"us-east-1{key}"}, {**ids, "vpc_id": True}),
            change(f'module.network.aws_route_table.private["{key}"]', {}, {**ids, "vpc_id": True}),
            change(f'module.network.aws_route_table_association.private["{key}"]', {}, {**ids, "subnet_id": True, "route_table_id": True}),
        ]
    # The plan sorts a set of blocks its own way: the 0.0.0.0/0 rule first here.
    egress = [
        {"protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": ["0.0.0.0/0"]},
        {"protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": ["10.0.0.0/16"]},
    ]
    function = {"function_name": "demo", "role": "arn:aws:iam::123456789012:role/demo", "vpc_config": [{}]}
    changes += [
        change("module.network.aws_vpc_endpoint.s3", {"vpc_endpoint_type": "Gateway"}, {**ids, "route_table_ids": True, "vpc_id": True}),
        change("aws_security_group.function", {"vpc_id": "vpc-given", "ingress": [], "egress": egress}, ids),
        change("aws_lambda_function.this", function, {**ids, "vpc_config": [{"subnet_ids": True, "security_group_ids": True}]}),
    ]
    return {"format_version": "1.2", "variables": {}, "resource_changes": changes}


def test_each_value_id_under_for_each_of_a_resource_is_that_instance(project: Path) -> None:
    model = Model.from_document(fresh_plan(), load_configuration(project))
    tables = {table.address: table for table in model.route_tables if isinstance(table, RouteTable)}
    by_subnet = {
        subnet.address: table.address
        for table in tables.values()
        for _association, subnet in table.associations
        if isinstance(subnet, Subnet)
    }
    # local.table_of swaps the tables: the association follows the expression, not the key.
    assert by_subnet == {
        'module.network.aws_subnet.private["a"]': 'module.network.aws_route_table.private["b"]',
        'module.network.aws_subnet.private["b"]': 'module.network.aws_route_table.private["a"]',
    }


def test_a_slice_of_the_tables_is_only_those_tables(project: Path) -> None:
    model = Model.from_document(fresh_plan(), load_configuration(project))
    (endpoint,) = model.endpoints
    assert isinstance(endpoint.route_tables, list)
    assert [table.address for table in endpoint.route_tables if isinstance(table, RouteTable)] == [
        'module.network.aws_route_table.private["a"]'
    ]


def test_module_outputs_and_dynamic_blocks_resolve_across_modules(project: Path) -> None:
    model = Model.from_document(fresh_plan(), load_configuration(project))
    (function,) = model.functions
    assert isinstance(function.subnets, list) and isinstance(function.security_groups, list)
    assert [s.address for s in function.subnets if isinstance(s, Subnet)] == [
        'module.network.aws_subnet.private["a"]', 'module.network.aws_subnet.private["b"]',
    ]  # fmt: skip
    (group,) = [g for g in function.security_groups if isinstance(g, SecurityGroup)]
    assert isinstance(group.permissions, list)
    assert sorted(str(p.peer.value) for p in group.permissions if not isinstance(p.peer, Unresolved)) == [
        "0.0.0.0/0", "10.0.0.0/16",
    ]  # fmt: skip


def test_the_configuration_alone_gives_the_same_links(project: Path) -> None:
    from_plan = Model.from_document(fresh_plan(), load_configuration(project))
    alone = Model.from_configuration(load_configuration(project))

    def links(model: Model) -> set[tuple[str, str]]:
        return {
            (subnet.address, table.address)
            for table in model.route_tables
            for _a, subnet in table.associations
            if isinstance(subnet, Subnet)
        }

    assert links(alone) == links(from_plan) != set()


def test_without_the_configuration_an_unknown_link_stays_unresolved(project: Path) -> None:
    model = Model.from_document(fresh_plan(), None)
    (function,) = model.functions
    assert isinstance(function.subnets, Unresolved)
    assert model.unplaced_associations  # every association's table is unknown


def evaluate(text: str, **variables: Any) -> Any:
    folder_config = load_configuration_from_text(f"locals {{\n  value = {text}\n}}\n")
    evaluator = Evaluator(folder_config, None, variables)
    return evaluator.local(evaluator.root, "value")


def load_configuration_from_text(text: str) -> Any:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "main.tf").write_text(text + 'variable "x" {\n  default = null\n}\n', encoding="utf-8")
        return load_configuration(Path(folder))


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ('{ for k, v in { b = 2, a = 1 } : v => k }', {"1": "a", "2": "b"}),
        ('[for s in ["x", "y", "x"] : upper(s) if s != "y"]', ["X", "X"]),
        ('{ for s in ["a1", "b1", "a2"] : substr(s, 0, 1) => s... }', UNKNOWN),  # substr: not known here
        ('{ for s in ["a1", "b1", "a2"] : trimsuffix(trimsuffix(s, "1"), "2") => s... }', {"a": ["a1", "a2"], "b": ["b1"]}),
        ("cidrsubnet(\"10.0.0.0/16\", 8, 3)", "10.0.3.0/24"),
        ('try(["a"][3], "fallback")', "fallback"),
        ("concat([1], [2, 3])[2]", 3),
        ('"${1 + 1}-${true}"', "2-true"),
        ("length(setproduct([\"a\", \"b\"], [1, 2]))", 4),
        ('!(var.x == null) ? "set" : "unset"', "unset"),
        ("[for i, v in [\"p\", \"q\"] : i]", [0, 1]),
    ],
)
def test_the_evaluator_follows_terraform(expression: str, expected: Any) -> None:
    assert evaluate(expression) == expected


def test_unknowns_keep_their_identity_and_unknown_functions_stay_unknown() -> None:
    configuration = load_configuration_from_text(
        'resource "aws_vpc" "this" {\n  cidr_block = "10.0.0.0/16"\n}\n'
        'data "aws_partition" "current" {}\n'
        "locals {\n"
        '  arn  = "arn:${data.aws_partition.current.partition}:iam::aws:policy/x"\n'
        "  id   = aws_vpc.this.id\n"
        "  same = aws_vpc.this.id == aws_vpc.this.id\n"
        "  odd  = sha256(aws_vpc.this.cidr_block)\n"
        "}\n"
    )
    evaluator = Evaluator(configuration)
    root = evaluator.root
    assert evaluator.local(root, "id") == Ref("aws_vpc.this", ("id",))
    assert evaluator.local(root, "same") is True
    assert evaluator.local(root, "odd") is UNKNOWN
    arn = evaluator.local(root, "arn")
    assert isinstance(arn, Template) and arn.endswith(":iam::aws:policy/x")
