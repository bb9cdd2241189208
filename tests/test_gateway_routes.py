"""Gateway endpoints in a VPC the project does not own, against the emulator.

A route table holds one route per destination, so one gateway endpoint per service: AWS
refuses a second S3 (or DynamoDB) endpoint on a route table that already routes it
(RouteAlreadyExists; the emulator's `gateway_endpoint_one_per_route_table`). The project
claims each route it adds (modules/network/gateway_routes.tf): a route table another
endpoint routes fails the plan, naming the table and the service, while the function's
egress to a service's prefix list follows every endpoint that serves its subnets, its own
or the VPC's. A project of an earlier release, whose own routes predate the claims, is
covered by test_upgrade (its `existing` variant has gateway endpoints on a route table).
"""

from __future__ import annotations

import pytest
from conftest import Generate
from fixtures_deployer import MakeDeployer
from fixtures_terraform import AwsEmulator, BindTerraform
from test_existing_vpc import (
    build_network,
    deployed,
    egress_rules,
    existing_project,
    own_route_table,
    plan_failure,
)

from scaffold.cli import main

pytestmark = [pytest.mark.terraform, pytest.mark.emulator]

REGION = "us-east-1"


def prefix_list(ec2: object, service: str) -> str:
    name = f"com.amazonaws.{REGION}.{service}"
    found = ec2.describe_prefix_lists(Filters=[{"Name": "prefix-list-name", "Values": [name]}])  # type: ignore[attr-defined]
    (listed,) = found["PrefixLists"]
    return str(listed["PrefixListId"])


def test_a_route_table_another_endpoint_routes_fails_the_plan_and_that_endpoint_serves_the_function(
    generate: Generate, terraform: BindTerraform, aws_emulator: AwsEmulator, deployer: MakeDeployer
) -> None:
    ec2 = aws_emulator.client("ec2", REGION)
    network = build_network(ec2)  # no NAT: S3 only through a gateway endpoint
    table = network.private_route_table
    ec2.create_vpc_endpoint(
        VpcId=network.vpc_id, ServiceName=f"com.amazonaws.{REGION}.s3",
        VpcEndpointType="Gateway", RouteTableIds=[table],
    )  # fmt: skip
    s3, dynamodb = prefix_list(ec2, "s3"), prefix_list(ec2, "dynamodb")
    project = existing_project(
        generate, network.vpc_id, network.private_subnets,
        "--route-table-ids", table, "--endpoints", "s3,dynamodb",
    )  # fmt: skip

    message = plan_failure(terraform, project, aws_emulator)
    assert (
        f"Route table {table} already routes com.amazonaws.{REGION}.s3 (prefix list {s3})"
        " through a gateway endpoint of the VPC that this project does not manage" in message
    ), message
    assert "leave s3 out of gateway_endpoints" in message
    assert f"already routes com.amazonaws.{REGION}.dynamodb" not in message

    # Left out, the VPC's endpoint serves S3 and the project's own serves DynamoDB: the
    # function may reach both prefix lists, and a second plan (its own route now there)
    # claims nothing against it.
    assert main(["update", str(project), "--no-input", "--endpoints", "dynamodb"]) == 0
    with deployed(terraform, project, aws_emulator, deployer) as (runner, _applied):
        (group_id,) = runner.outputs()["security_group_ids"]
        rules = egress_rules(ec2, group_id)
        assert {("tcp", 443, 443, s3), ("tcp", 443, 443, dynamodb)} <= rules, rules
        replanned = runner.run("plan", "-input=false", "-no-color", "-detailed-exitcode")
        assert "No changes." in replanned.stdout, replanned.stdout


def test_the_emulator_finds_the_route_tables_that_route_a_prefix_list(aws_emulator: AwsEmulator) -> None:
    # DescribeRouteTables' route.destination-prefix-list-id filter (EC2 API reference), which
    # the claims read at plan and moto lacks: only the table the endpoint routes matches.
    ec2 = aws_emulator.client("ec2", REGION)
    vpc = ec2.create_vpc(CidrBlock="10.211.0.0/16")["Vpc"]["VpcId"]
    routed, other = (ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"] for _ in range(2))
    ec2.create_vpc_endpoint(
        VpcId=vpc, ServiceName=f"com.amazonaws.{REGION}.s3", VpcEndpointType="Gateway", RouteTableIds=[routed]
    )
    found = ec2.describe_route_tables(
        Filters=[
            {"Name": "vpc-id", "Values": [vpc]},
            {"Name": "route.destination-prefix-list-id", "Values": [prefix_list(ec2, "s3")]},
        ]
    )["RouteTables"]
    assert [table["RouteTableId"] for table in found] == [routed], other
    none = ec2.describe_route_tables(
        Filters=[{"Name": "route.destination-prefix-list-id", "Values": [prefix_list(ec2, "dynamodb")]}]
    )["RouteTables"]
    assert [table["RouteTableId"] for table in none if table["VpcId"] == vpc] == []


def test_a_service_the_vpc_routes_for_only_some_subnets_is_warned_about(
    generate: Generate, terraform: BindTerraform, aws_emulator: AwsEmulator
) -> None:
    ec2 = aws_emulator.client("ec2", REGION)
    network = build_network(ec2)
    # The second subnet gets a table of its own; only the first table routes S3.
    second = own_route_table(ec2, network, network.private_subnets[1])
    ec2.create_vpc_endpoint(
        VpcId=network.vpc_id, ServiceName=f"com.amazonaws.{REGION}.s3",
        VpcEndpointType="Gateway", RouteTableIds=[network.private_route_table],
    )  # fmt: skip
    project = existing_project(
        generate, network.vpc_id, network.private_subnets,
        "--route-table-ids", f"{network.private_route_table},{second}", "--endpoints", "dynamodb",
    )  # fmt: skip
    runner = terraform(project, aws_emulator, REGION)
    runner.init()
    planned = " ".join(runner.run("plan", "-input=false", "-no-color").stdout.replace("│", " ").split())
    assert (
        "A gateway endpoint of the VPC routes s3 for only some of the function's subnets" in planned
    ), planned
