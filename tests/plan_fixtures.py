"""Hand-made `terraform show -json` documents: a small network whose IDs are all known.

`baseline()` is a plan of a function in the private subnets of a two-AZ VPC with one
NAT gateway per AZ, gateway and interface endpoints, and a role with the ENI actions,
written by hand (not by the generator) so the rules are tested against data of our own.
Helpers change one resource, drop one, or add one; `model_of` builds the model from
the document alone (no configuration: links resolve through the known IDs).
"""

from __future__ import annotations

import copy
import json
from typing import Any

from scaffold.check.model import Model

ENI_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": [
                "ec2:CreateNetworkInterface",
                "ec2:DescribeNetworkInterfaces",
                "ec2:DescribeSubnets",
                "ec2:DeleteNetworkInterface",
                "ec2:AssignPrivateIpAddresses",
                "ec2:UnassignPrivateIpAddresses",
            ],
            "Resource": "*",
        }
    ],
}
LOGGING_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/demo:*",
        }
    ],
}
TRUST_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "lambda.amazonaws.com"}}
    ],
}
ROLE_ARN = "arn:aws:iam::123456789012:role/demo-lambda"


def rule_block(protocol: str, low: int, high: int, **peers: Any) -> dict[str, Any]:
    block: dict[str, Any] = {
        "protocol": protocol, "from_port": low, "to_port": high, "cidr_blocks": [],
        "ipv6_cidr_blocks": [], "prefix_list_ids": [], "security_groups": [], "self": False,
        "description": "",
    }  # fmt: skip
    block.update(peers)
    return block


def split(address: str) -> dict[str, Any]:
    """mode, type, name and index of a root-module instance address."""
    mode = "data" if address.startswith("data.") else "managed"
    rest = address.removeprefix("data.")
    base, _, key = rest.partition("[")
    type_name, name = base.split(".")
    record: dict[str, Any] = {"address": address, "mode": mode, "type": type_name, "name": name}
    if key:
        record["index"] = json.loads(key.rstrip("]"))
    return record


def created(address: str, values: dict[str, Any], unknown: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        **split(address),
        "change": {"actions": ["create"], "before": None, "after": values, "after_unknown": unknown or {}},
    }


def baseline() -> dict[str, Any]:
    resources = [
        created("aws_vpc.this", {
            "id": "vpc-1", "cidr_block": "10.0.0.0/16", "instance_tenancy": "default",
            "enable_dns_support": True, "enable_dns_hostnames": True,
            "default_route_table_id": "rtb-main", "main_route_table_id": "rtb-main",
            "default_security_group_id": "sg-default", "ipv6_cidr_block": "",
        }),
        created("aws_default_security_group.this", {"id": "sg-default", "vpc_id": "vpc-1", "ingress": [], "egress": []}),
        created('aws_subnet.private["a"]', {"id": "subnet-pa", "vpc_id": "vpc-1", "cidr_block": "10.0.0.0/24", "availability_zone": "us-east-1a", "map_public_ip_on_launch": False}),
        created('aws_subnet.private["b"]', {"id": "subnet-pb", "vpc_id": "vpc-1", "cidr_block": "10.0.1.0/24", "availability_zone": "us-east-1b", "map_public_ip_on_launch": False}),
        created('aws_subnet.public["a"]', {"id": "subnet-ua", "vpc_id": "vpc-1", "cidr_block": "10.0.100.0/24", "availability_zone": "us-east-1a", "map_public_ip_on_launch": False}),
        created('aws_subnet.public["b"]', {"id": "subnet-ub", "vpc_id": "vpc-1", "cidr_block": "10.0.101.0/24", "availability_zone": "us-east-1b", "map_public_ip_on_launch": False}),
        created("aws_internet_gateway.this", {"id": "igw-1", "vpc_id": "vpc-1"}),
        created("aws_route_table.public", {"id": "rtb-public", "vpc_id": "vpc-1", "route": []}),
        created("aws_route.public", {"id": "r-public", "route_table_id": "rtb-public", "destination_cidr_block": "0.0.0.0/0", "gateway_id": "igw-1"}),
        created('aws_route_table_association.public["a"]', {"id": "rtbassoc-ua", "subnet_id": "subnet-ua", "route_table_id": "rtb-public"}),
        created('aws_route_table_association.public["b"]', {"id": "rtbassoc-ub", "subnet_id": "subnet-ub", "route_table_id": "rtb-public"}),
        created('aws_nat_gateway.this["a"]', {"id": "nat-a", "subnet_id": "subnet-ua", "allocation_id": "eipalloc-a", "connectivity_type": "public"}),
        created('aws_nat_gateway.this["b"]', {"id": "nat-b", "subnet_id": "subnet-ub", "allocation_id": "eipalloc-b", "connectivity_type": "public"}),
        created('aws_route_table.private["a"]', {"id": "rtb-a", "vpc_id": "vpc-1", "route": []}),
        created('aws_route_table.private["b"]', {"id": "rtb-b", "vpc_id": "vpc-1", "route": []}),
        created('aws_route.nat["a"]', {"id": "r-a", "route_table_id": "rtb-a", "destination_cidr_block": "0.0.0.0/0", "nat_gateway_id": "nat-a"}),
        created('aws_route.nat["b"]', {"id": "r-b", "route_table_id": "rtb-b", "destination_cidr_block": "0.0.0.0/0", "nat_gateway_id": "nat-b"}),
        created('aws_route_table_association.private["a"]', {"id": "rtbassoc-pa", "subnet_id": "subnet-pa", "route_table_id": "rtb-a"}),
        created('aws_route_table_association.private["b"]', {"id": "rtbassoc-pb", "subnet_id": "subnet-pb", "route_table_id": "rtb-b"}),
        created('aws_vpc_endpoint.gateway["s3"]', {
            "id": "vpce-s3", "vpc_id": "vpc-1", "vpc_endpoint_type": "Gateway",
            "service_name": "com.amazonaws.us-east-1.s3", "route_table_ids": ["rtb-a", "rtb-b"],
            "prefix_list_id": "pl-s3",
        }),
        created("aws_security_group.endpoints", {
            "id": "sg-endpoints", "vpc_id": "vpc-1", "egress": [],
            "ingress": [rule_block("tcp", 443, 443, cidr_blocks=["10.0.0.0/16"])],
        }),
        created('aws_vpc_endpoint.interface["sts"]', {
            "id": "vpce-sts", "vpc_id": "vpc-1", "vpc_endpoint_type": "Interface",
            "service_name": "com.amazonaws.us-east-1.sts", "private_dns_enabled": True,
            "subnet_ids": ["subnet-pa", "subnet-pb"], "security_group_ids": ["sg-endpoints"],
        }),
        created("aws_security_group.function", {
            "id": "sg-function", "vpc_id": "vpc-1", "ingress": [],
            "egress": [
                rule_block("-1", 0, 0, cidr_blocks=["10.0.0.0/16"]),
                rule_block("tcp", 443, 443, prefix_list_ids=["pl-s3"]),
                rule_block("tcp", 443, 443, cidr_blocks=["0.0.0.0/0"]),
            ],
        }),
        created("aws_security_group.released", {"id": "sg-released", "vpc_id": "vpc-1", "ingress": [], "egress": []}),
        created("aws_iam_role.this", {
            "id": "demo-lambda", "name": "demo-lambda", "arn": ROLE_ARN,
            "assume_role_policy": json.dumps(TRUST_POLICY),
        }),
        created("aws_iam_role_policy.eni", {"id": "demo-lambda:eni", "name": "eni", "role": "demo-lambda", "policy": json.dumps(ENI_POLICY)}),
        created("aws_iam_role_policy.logging", {"id": "demo-lambda:logging", "name": "logging", "role": "demo-lambda", "policy": json.dumps(LOGGING_POLICY)}),
        created("aws_cloudwatch_log_group.this", {
            "id": "/aws/lambda/demo", "name": "/aws/lambda/demo",
            "arn": "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/demo",
        }),
        created("aws_lambda_function.this", {
            "id": "demo", "function_name": "demo", "role": ROLE_ARN,
            "vpc_config": [{"subnet_ids": ["subnet-pa", "subnet-pb"], "security_group_ids": ["sg-function"]}],
            "replace_security_groups_on_destroy": True,
            "replacement_security_group_ids": ["sg-released"],
        }),
    ]  # fmt: skip
    grant = ["aws_iam_role_policy.eni"]
    depends = {
        "aws_lambda_function.this": grant + ["aws_iam_role_policy.logging"],
        "aws_subnet.private": grant,
        "aws_security_group.function": grant,
        "aws_security_group.released": grant,
    }
    return {
        "format_version": "1.2",
        "terraform_version": "1.11.4",
        "variables": {"additional_egress_cidrs": {"value": []}},
        "resource_changes": resources,
        "configuration": configuration(resources, depends),
    }


def configuration(resources: list[dict[str, Any]], depends: dict[str, list[str]]) -> dict[str, Any]:
    """A root module's configuration: every resource, with the depends_on given."""
    addresses = sorted({r["address"].split("[", 1)[0] for r in resources})
    return {
        "root_module": {
            "resources": [
                {"address": address, "expressions": {}, "depends_on": depends.get(address, [])}
                for address in addresses
            ]
        }
    }


def change(document: dict[str, Any], address: str, **values: Any) -> dict[str, Any]:
    """A copy of the document with some values of one resource changed."""
    changed = copy.deepcopy(document)
    for resource in changed["resource_changes"]:
        if resource["address"] == address:
            resource["change"]["after"].update(values)
            return changed
    raise KeyError(address)


def unknown(document: dict[str, Any], address: str, *names: str) -> dict[str, Any]:
    """A copy with some values of one resource unknown, as a plan before apply shows them."""
    changed = copy.deepcopy(document)
    for resource in changed["resource_changes"]:
        if resource["address"] == address:
            for name in names:
                resource["change"]["after"].pop(name, None)
                resource["change"]["after_unknown"][name] = True
            return changed
    raise KeyError(address)


def drop(document: dict[str, Any], *addresses: str) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    changed["resource_changes"] = [r for r in changed["resource_changes"] if r["address"] not in addresses]
    return changed


def add(document: dict[str, Any], *resources: dict[str, Any]) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    changed["resource_changes"] += list(resources)
    return changed


def depend(document: dict[str, Any], address: str, depends_on: list[str]) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    for resource in changed["configuration"]["root_module"]["resources"]:
        if resource["address"] == address:
            resource["depends_on"] = depends_on
    return changed


def model_of(document: dict[str, Any]) -> Model:
    return Model.from_document(document, None)
