"""--ipv6 against the emulator: dual-stack VPCs apply, re-plan clean and destroy as the
deployer; adding an AZ renumbers no subnet; an existing VPC without IPv6 fails the plan.

The emulator's fidelity layer refuses a dual-stack function in a subnet without an IPv6
block (as Lambda does) and keeps Ipv6AllowedForDualStack, which moto alone drops.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from ipaddress import IPv6Network
from pathlib import Path
from typing import Any

import pytest
from conftest import Generate
from fixtures_deployer import MakeDeployer, as_deployer
from fixtures_terraform import AwsEmulator, BindTerraform, Terraform, TerraformFailed
from test_existing_vpc import REGION, build_network, existing_project, plan_failure

from scaffold.cli import main

pytestmark = [pytest.mark.terraform, pytest.mark.emulator]


@contextmanager
def applied_as_deployer(
    terraform: BindTerraform, project: Path, emulator: AwsEmulator, deployer: MakeDeployer
) -> Iterator[tuple[Terraform, Terraform]]:
    admin = terraform(project, emulator, REGION)
    admin.init()
    runner = as_deployer(admin, deployer(project))
    destroyed = False
    try:
        runner.apply()
        yield runner, admin
        runner.destroy()
        destroyed = True
    finally:
        if not destroyed:
            with suppress(TerraformFailed):
                admin.destroy()


def no_changes(runner: Terraform) -> None:
    second = runner.apply()
    assert "No changes." in second and "0 added, 0 changed, 0 destroyed" in second, second


def egress(ec2: Any, group_id: str) -> set[tuple[object, ...]]:
    """IPv6 egress rules, CIDRs in canonical form (moto may write a group with leading zeros)."""
    (group,) = ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"]
    return {
        (p["IpProtocol"], p.get("FromPort"), p.get("ToPort"), str(IPv6Network(r["CidrIpv6"])))
        for p in group["IpPermissionsEgress"]
        for r in p.get("Ipv6Ranges", [])
    }


@pytest.mark.parametrize("topology", ["private", "private-nat"])
def test_dual_stack_applies_replans_clean_and_destroys(
    topology: str, generate: Generate, terraform: BindTerraform, aws_emulator: AwsEmulator, deployer: MakeDeployer
) -> None:
    project = generate("--topology", topology, "--nat", "per-az", "--azs", "3", "--ipv6",
                       "--endpoints", "s3,sts", name=f"v6-{topology}") if topology == "private-nat" else \
        generate("--ipv6", "--endpoints", "s3,sts", name=f"v6-{topology}")  # fmt: skip
    ec2 = aws_emulator.client("ec2", REGION)
    with applied_as_deployer(terraform, project, aws_emulator, deployer) as (runner, _admin):
        outputs = runner.outputs()
        (vpc,) = ec2.describe_vpcs(VpcIds=[outputs["vpc_id"]])["Vpcs"]
        (block,) = [a["Ipv6CidrBlock"] for a in vpc["Ipv6CidrBlockAssociationSet"]]
        assert IPv6Network(block).prefixlen == 56 and outputs["vpc_ipv6_cidrs"] == [block]
        subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [outputs["vpc_id"]]}])["Subnets"]
        assert subnets and all(
            len(s["Ipv6CidrBlockAssociationSet"]) == 1
            and IPv6Network(s["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"]).prefixlen == 64
            and IPv6Network(s["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"]).subnet_of(IPv6Network(block))
            for s in subnets
        ), subnets
        function = aws_emulator.client("lambda", REGION).get_function_configuration(FunctionName=f"v6-{topology}")
        assert function["VpcConfig"]["Ipv6AllowedForDualStack"] is True
        (group_id,) = outputs["security_group_ids"]
        rules = egress(ec2, group_id)
        assert ("-1", None, None, str(IPv6Network(block))) in rules  # anything inside the VPC, as over IPv4
        tables = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [outputs["vpc_id"]]}])["RouteTables"]
        v6_routes = {
            (table["RouteTableId"], route.get("EgressOnlyInternetGatewayId") or route.get("GatewayId"))
            for table in tables
            for route in table["Routes"]
            if route.get("DestinationIpv6CidrBlock") == "::/0"
        }
        if topology == "private":
            assert v6_routes == set(), "no IPv6 route out of a private VPC"
            assert ("tcp", 443, 443, "::/0") not in rules
        else:
            gateways = ec2.describe_egress_only_internet_gateways()["EgressOnlyInternetGateways"]
            (eigw,) = [g for g in gateways if g["Attachments"][0]["VpcId"] == outputs["vpc_id"]]
            targets = [target for _, target in v6_routes]
            # Three private tables to the egress-only gateway, the public one to the internet gateway.
            assert targets.count(eigw["EgressOnlyInternetGatewayId"]) == 3
            assert len([t for t in targets if str(t).startswith("igw-")]) == 1
            assert ("tcp", 443, 443, "::/0") in rules
        no_changes(runner)


def test_adding_an_az_renumbers_no_subnet(
    generate: Generate, terraform: BindTerraform, aws_emulator: AwsEmulator, deployer: MakeDeployer
) -> None:
    project = generate("--topology", "private-nat", "--nat", "per-az", "--azs", "2", "--ipv6",
                       "--endpoints", "", name="v6-grow")  # fmt: skip
    ec2 = aws_emulator.client("ec2", REGION)
    with applied_as_deployer(terraform, project, aws_emulator, deployer) as (runner, admin):
        def blocks() -> dict[str, str]:
            vpc_id = runner.outputs()["vpc_id"]
            subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"]
            return {
                next(t["Value"] for t in s["Tags"] if t["Key"] == "Name"): s["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"]
                for s in subnets
            }

        before = blocks()
        # A third AZ, the way a user adds one: update re-renders terraform.tfvars.
        assert main(["update", str(project), "--azs", "3", "--no-input"]) == 0
        plan = admin.run("plan", "-input=false", "-no-color", "-out", "grow.tfplan")
        changes = json.loads(admin.run("show", "-json", "grow.tfplan").stdout)["resource_changes"]
        replaced = [c["address"] for c in changes if "delete" in c["change"]["actions"]]
        assert replaced == [], f"adding an AZ replaces {replaced}\n{plan.stdout}"
        runner.apply()
        after = blocks()
        assert {name: after[name] for name in before} == before, "existing subnets kept their /64"
        assert len(after) == len(before) + 2


def test_an_existing_subnet_without_ipv6_fails_the_plan(
    generate: Generate, terraform: BindTerraform, aws_emulator: AwsEmulator
) -> None:
    network = build_network(aws_emulator.client("ec2", REGION))
    project = existing_project(generate, network.vpc_id, network.private_subnets, "--ipv6")
    message = plan_failure(terraform, project, aws_emulator)
    assert f"Subnet {network.private_subnets[0]} has no IPv6 CIDR block" in message


def test_an_existing_dual_stack_vpc_applies_with_ipv6_allowed(
    generate: Generate, terraform: BindTerraform, aws_emulator: AwsEmulator, deployer: MakeDeployer
) -> None:
    ec2 = aws_emulator.client("ec2", REGION)
    network = build_network(ec2)
    association = ec2.associate_vpc_cidr_block(VpcId=network.vpc_id, AmazonProvidedIpv6CidrBlock=True)
    block = IPv6Network(association["Ipv6CidrBlockAssociation"]["Ipv6CidrBlock"])
    for index, subnet_id in enumerate(network.private_subnets):
        ec2.associate_subnet_cidr_block(SubnetId=subnet_id, Ipv6CidrBlock=str(list(block.subnets(new_prefix=64))[index]))
    project = existing_project(generate, network.vpc_id, network.private_subnets, "--ipv6")
    with applied_as_deployer(terraform, project, aws_emulator, deployer) as (runner, _admin):
        function = aws_emulator.client("lambda", REGION).get_function_configuration(FunctionName="demo")
        assert function["VpcConfig"]["Ipv6AllowedForDualStack"] is True
        (group_id,) = runner.outputs()["security_group_ids"]
        assert ("-1", None, None, str(block)) in egress(ec2, group_id)
        no_changes(runner)


def test_an_existing_vpc_with_two_ipv6_blocks_lets_the_function_reach_both(
    generate: Generate, terraform: BindTerraform, aws_emulator: AwsEmulator, deployer: MakeDeployer, capsys: pytest.CaptureFixture[str]
) -> None:
    """data.aws_vpc reads only the first IPv6 block; the subnets in the second one (the
    function's own, and another) are reached through their own blocks."""
    ec2 = aws_emulator.client("ec2", REGION)
    network = build_network(ec2)
    blocks = [
        IPv6Network(ec2.associate_vpc_cidr_block(VpcId=network.vpc_id, AmazonProvidedIpv6CidrBlock=True)["Ipv6CidrBlockAssociation"]["Ipv6CidrBlock"])
        for _ in range(2)
    ]
    first, second = (list(block.subnets(new_prefix=64)) for block in blocks)
    placed = {network.private_subnets[0]: first[0], network.private_subnets[1]: second[0], network.public_subnet: second[1]}
    for subnet_id, block in placed.items():
        ec2.associate_subnet_cidr_block(SubnetId=subnet_id, Ipv6CidrBlock=str(block))
    project = existing_project(generate, network.vpc_id, network.private_subnets, "--ipv6")
    with applied_as_deployer(terraform, project, aws_emulator, deployer) as (runner, _admin):
        (group_id,) = runner.outputs()["security_group_ids"]
        inside = {rule[3] for rule in egress(ec2, group_id) if rule[0] == "-1"}
        assert inside == {str(blocks[0]), str(second[0]), str(second[1])}, inside
        no_changes(runner)
        runner.run("plan", "-out=tfplan", "-input=false", "-no-color", "-lock=false")
        (project.parent / "plan.json").write_text(runner.run("show", "-json", "tfplan").stdout, encoding="utf-8")
        capsys.readouterr()
        code = main(["check", str(project), "--plan", str(project.parent / "plan.json")])
        out = capsys.readouterr().out
        assert code == 0 and "function-egress" not in out, out
