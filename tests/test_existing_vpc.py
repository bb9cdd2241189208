"""Topology `existing` against the emulator: the guide's rules fail `terraform plan`, not AWS.

Each test builds its own network with boto3 (admin keys) in the emulator,
generates a project with those ids, and runs the real Terraform on it
unmodified; the applies as the deployer (fixtures_deployer.py).
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import Generate
from fixtures_deployer import MakeDeployer, as_deployer
from fixtures_terraform import AwsEmulator, BindTerraform, Terraform, TerraformFailed

pytestmark = [pytest.mark.terraform, pytest.mark.emulator]

REGION = "us-east-1"
# Each test gets its own VPC range, so tests sharing one emulator never collide.
_ranges = itertools.count(60)


@dataclass
class Network:
    vpc_id: str
    public_subnet: str
    private_subnets: list[str]
    private_route_table: str
    other_vpc_subnet: str
    public_route_table: str
    secondary_subnet: str | None  # in a secondary CIDR block, in the first private subnet's AZ
    cidrs: list[str]


def build_network(
    ec2: Any,
    *,
    tenancy: str = "default",
    same_az: bool = False,
    nat: bool = False,
    secondary: bool = False,
    dns_hostnames: bool = True,
) -> Network:
    """A VPC with one public subnet (0.0.0.0/0 to an internet gateway) and two private ones;
    optionally their 0.0.0.0/0 through a NAT gateway, and a private subnet in a secondary block."""
    octet = next(_ranges)
    vpc = ec2.create_vpc(CidrBlock=f"10.{octet}.0.0/16", InstanceTenancy=tenancy)["Vpc"]["VpcId"]
    # Interface endpoints with private DNS need DNS hostnames, off by default in a new VPC.
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": dns_hostnames})
    zones = [zone["ZoneName"] for zone in ec2.describe_availability_zones()["AvailabilityZones"]]
    cidrs = [f"10.{octet}.0.0/16"]

    def subnet(cidr: str, zone: str) -> str:
        created = ec2.create_subnet(VpcId=vpc, CidrBlock=cidr, AvailabilityZone=zone)
        return str(created["Subnet"]["SubnetId"])

    public = subnet(f"10.{octet}.0.0/24", zones[0])
    private = [subnet(f"10.{octet}.1.0/24", zones[0]), subnet(f"10.{octet}.2.0/24", zones[0] if same_az else zones[1])]
    gateway = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=vpc)
    public_table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=public_table, DestinationCidrBlock="0.0.0.0/0", GatewayId=gateway)
    ec2.associate_route_table(RouteTableId=public_table, SubnetId=public)
    private_table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    secondary_subnet = None
    if secondary:
        cidrs.append(f"100.{octet}.0.0/16")
        ec2.associate_vpc_cidr_block(VpcId=vpc, CidrBlock=cidrs[1])
        secondary_subnet = subnet(f"100.{octet}.1.0/24", zones[0])
    for subnet_id in [*private, *([secondary_subnet] if secondary_subnet else [])]:
        ec2.associate_route_table(RouteTableId=private_table, SubnetId=subnet_id)
    if nat:
        address = ec2.allocate_address(Domain="vpc")["AllocationId"]
        nat_id = ec2.create_nat_gateway(SubnetId=public, AllocationId=address)["NatGateway"]["NatGatewayId"]
        ec2.create_route(RouteTableId=private_table, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat_id)
    other_vpc = ec2.create_vpc(CidrBlock=f"10.{octet + 100}.0.0/16")["Vpc"]["VpcId"]
    other = ec2.create_subnet(VpcId=other_vpc, CidrBlock=f"10.{octet + 100}.1.0/24", AvailabilityZone=zones[1])
    return Network(vpc, public, private, private_table, other["Subnet"]["SubnetId"], public_table, secondary_subnet, cidrs)


def egress_rules(ec2: Any, group_id: str) -> set[tuple[object, ...]]:
    """(protocol, from, to, destination) of every egress rule of a security group."""
    (group,) = ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"]
    rules = set()
    for permission in group["IpPermissionsEgress"]:
        ports = (permission["IpProtocol"], permission.get("FromPort"), permission.get("ToPort"))
        for source in permission.get("IpRanges", []):
            rules.add((*ports, source["CidrIp"]))
        for source in permission.get("Ipv6Ranges", []):
            rules.add((*ports, source["CidrIpv6"]))
        for source in permission.get("PrefixListIds", []):
            rules.add((*ports, source["PrefixListId"]))
    return rules


def own_route_table(ec2: Any, network: Network, subnet: str) -> str:
    """Moves one of the network's private subnets off the shared private route table onto a
    new table of its own; the new table's ID."""
    table = ec2.create_route_table(VpcId=network.vpc_id)["RouteTable"]["RouteTableId"]
    associations = ec2.describe_route_tables(RouteTableIds=[network.private_route_table])["RouteTables"][0]["Associations"]
    moved = next(a for a in associations if a.get("SubnetId") == subnet)
    ec2.replace_route_table_association(AssociationId=moved["RouteTableAssociationId"], RouteTableId=table)
    return str(table)


def existing_project(generate: Generate, vpc_id: str, subnets: list[str], *extra: str) -> Path:
    flags = ["--topology", "existing", "--vpc-id", vpc_id, "--subnet-ids", ",".join(subnets)]
    return generate(*flags, *extra)


@contextlib.contextmanager
def deployed(
    terraform: BindTerraform, project: Path, emulator: AwsEmulator, deployer: MakeDeployer
) -> Iterator[tuple[Terraform, str]]:
    """The project applied with the deployer's keys, and destroyed again on the way out
    (as the deployer when the test passed; as admin, best effort, when it failed)."""
    admin = terraform(project, emulator, REGION)
    admin.init()
    runner = as_deployer(admin, deployer(project))
    destroyed = False
    try:
        yield runner, runner.apply()
        runner.destroy()
        destroyed = True
    finally:
        if not destroyed:
            with contextlib.suppress(TerraformFailed):
                admin.destroy()


def plan_failure(terraform: BindTerraform, project: Path, emulator: AwsEmulator) -> str:
    runner = terraform(project, emulator, REGION)
    runner.init()
    with pytest.raises(TerraformFailed) as failed:
        runner.run("plan", "-input=false", "-no-color")
    return " ".join(str(failed.value).replace("│", " ").split())  # Terraform wraps and frames long messages


def test_apply_attaches_to_the_given_subnets_then_detaches_as_deployer(
    generate: Generate, terraform: BindTerraform, aws_emulator: AwsEmulator, deployer: MakeDeployer
) -> None:
    ec2 = aws_emulator.client("ec2", REGION)
    network = build_network(ec2)
    project = existing_project(
        generate, network.vpc_id, network.private_subnets,
        "--route-table-ids", network.private_route_table, "--endpoints", "s3,sts",
    )  # fmt: skip
    with deployed(terraform, project, aws_emulator, deployer) as (runner, applied):
        # No subnet routes to a NAT gateway: a warning, and the apply goes on.
        assert "No subnet of the function routes to a NAT gateway" in " ".join(applied.split())
        outputs = runner.outputs()
        # No NAT: the function's own group opens nothing beyond the VPC and the gateway endpoint.
        (group_id,) = outputs["security_group_ids"]
        rules = egress_rules(ec2, group_id)
        assert ("-1", None, None, network.cidrs[0]) in rules
        assert not [rule for rule in rules if rule[-1] in ("0.0.0.0/0", "::/0")], rules

        function = aws_emulator.client("lambda", REGION).get_function_configuration(FunctionName="demo")
        assert sorted(function["VpcConfig"]["SubnetIds"]) == sorted(network.private_subnets)
        assert function["VpcConfig"]["SecurityGroupIds"] == outputs["security_group_ids"]
        (group,) = ec2.describe_security_groups(GroupIds=outputs["security_group_ids"])["SecurityGroups"]
        assert group["VpcId"] == network.vpc_id
        endpoints = ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [network.vpc_id]}])
        live = {e["ServiceName"].rsplit(".", 1)[-1]: e for e in endpoints["VpcEndpoints"] if e["State"] != "deleted"}
        assert live["s3"]["RouteTableIds"] == [network.private_route_table]
        assert sorted(live["sts"]["SubnetIds"]) == sorted(network.private_subnets)
        created_subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [network.vpc_id]}])
        assert len(created_subnets["Subnets"]) == 3, "topology existing must create no subnet"

        # The guide's way to disconnect: empty subnet and security group lists, function kept.
        runner.apply("-var", "attach_to_vpc=false")
        detached = aws_emulator.client("lambda", REGION).get_function_configuration(FunctionName="demo")
        assert detached["VpcConfig"]["SubnetIds"] == [] and detached["VpcConfig"]["SecurityGroupIds"] == []
        assert detached["FunctionArn"] == function["FunctionArn"]


def test_a_public_subnet_fails_the_plan(
    generate: Generate, terraform: BindTerraform, aws_emulator: AwsEmulator
) -> None:
    network = build_network(aws_emulator.client("ec2", REGION))
    project = existing_project(generate, network.vpc_id, [network.public_subnet, network.private_subnets[1]])
    message = plan_failure(terraform, project, aws_emulator)
    assert f"Subnet {network.public_subnet} is public" in message
    assert "neither internet access nor a public IP" in message


def test_a_dedicated_tenancy_vpc_fails_the_plan(
    generate: Generate, terraform: BindTerraform, aws_emulator: AwsEmulator
) -> None:
    network = build_network(aws_emulator.client("ec2", REGION), tenancy="dedicated")
    project = existing_project(generate, network.vpc_id, network.private_subnets)
    message = plan_failure(terraform, project, aws_emulator)
    assert f"VPC {network.vpc_id} has dedicated instance tenancy" in message
    assert "Lambda cannot attach to a dedicated-tenancy VPC" in message


def test_subnets_in_one_az_fail_the_plan(
    generate: Generate, terraform: BindTerraform, aws_emulator: AwsEmulator
) -> None:
    network = build_network(aws_emulator.client("ec2", REGION), same_az=True)
    project = existing_project(generate, network.vpc_id, network.private_subnets)
    assert "fewer than two availability zones" in plan_failure(terraform, project, aws_emulator)


def test_a_subnet_of_another_vpc_fails_the_plan(
    generate: Generate, terraform: BindTerraform, aws_emulator: AwsEmulator
) -> None:
    network = build_network(aws_emulator.client("ec2", REGION))
    project = existing_project(generate, network.vpc_id, [network.private_subnets[0], network.other_vpc_subnet])
    message = plan_failure(terraform, project, aws_emulator)
    assert f"Subnet {network.other_vpc_subnet} belongs to" in message and f"not to {network.vpc_id}" in message


def test_egress_follows_the_nat_route_and_every_cidr_block_and_endpoints_take_one_subnet_per_az(
    generate: Generate, terraform: BindTerraform, aws_emulator: AwsEmulator, deployer: MakeDeployer
) -> None:
    ec2 = aws_emulator.client("ec2", REGION)
    network = build_network(ec2, nat=True, secondary=True)
    assert network.secondary_subnet is not None
    subnets = [*network.private_subnets, network.secondary_subnet]  # two of them in one AZ
    project = existing_project(generate, network.vpc_id, subnets, "--endpoints", "sts")
    # The emulator refuses two subnets of one AZ on an endpoint (DuplicateSubnetsInSameZone), as AWS does.
    with deployed(terraform, project, aws_emulator, deployer) as (runner, applied):
        assert "routes to a NAT gateway" not in " ".join(applied.split())  # every subnet has its NAT
        (group_id,) = runner.outputs()["security_group_ids"]
        rules = egress_rules(ec2, group_id)
        # Both blocks of the VPC (the function's own third subnet lies in the secondary one),
        # and HTTPS to the internet through the NAT gateway the subnets route to.
        assert {("-1", None, None, cidr) for cidr in network.cidrs} <= rules
        assert ("tcp", 443, 443, "0.0.0.0/0") in rules
        endpoints = ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [network.vpc_id]}])
        (sts,) = [e for e in endpoints["VpcEndpoints"] if e["ServiceName"].endswith(".sts") and e["State"] != "deleted"]
        zones = [ec2.describe_subnets(SubnetIds=[s])["Subnets"][0]["AvailabilityZone"] for s in sts["SubnetIds"]]
        assert len(zones) == 2 and len(set(zones)) == 2, f"one subnet per AZ expected, got {sts['SubnetIds']} in {zones}"
        (endpoint_group,) = sts["Groups"]
        (group,) = ec2.describe_security_groups(GroupIds=[endpoint_group["GroupId"]])["SecurityGroups"]
        admitted = {(p["IpProtocol"], p["FromPort"], p["ToPort"], r["CidrIp"]) for p in group["IpPermissions"] for r in p["IpRanges"]}
        assert admitted == {("tcp", 443, 443, cidr) for cidr in network.cidrs}, "HTTPS from every block of the VPC"


def test_interface_endpoints_in_a_vpc_without_dns_hostnames_fail_the_plan(
    generate: Generate, terraform: BindTerraform, aws_emulator: AwsEmulator
) -> None:
    network = build_network(aws_emulator.client("ec2", REGION), dns_hostnames=False)
    project = existing_project(generate, network.vpc_id, network.private_subnets, "--endpoints", "sts")
    message = plan_failure(terraform, project, aws_emulator)
    assert f"VPC {network.vpc_id} has DNS support or DNS hostnames turned off" in message


def test_a_route_table_of_no_given_subnet_fails_the_plan(
    generate: Generate, terraform: BindTerraform, aws_emulator: AwsEmulator
) -> None:
    network = build_network(aws_emulator.client("ec2", REGION))
    tables = f"{network.private_route_table},{network.public_route_table}"
    project = existing_project(generate, network.vpc_id, network.private_subnets, "--route-table-ids", tables, "--endpoints", "s3")
    message = plan_failure(terraform, project, aws_emulator)
    assert f"Route table {network.public_route_table} is not the route table of any of the subnets" in message


def test_a_subnet_whose_route_table_is_not_given_fails_the_plan(
    generate: Generate, terraform: BindTerraform, aws_emulator: AwsEmulator
) -> None:
    ec2 = aws_emulator.client("ec2", REGION)
    network = build_network(ec2)
    other_table = own_route_table(ec2, network, network.private_subnets[1])
    project = existing_project(
        generate, network.vpc_id, network.private_subnets, "--route-table-ids", network.private_route_table, "--endpoints", "s3",
    )  # fmt: skip
    message = plan_failure(terraform, project, aws_emulator)
    assert f"Subnet {network.private_subnets[1]} uses route table {other_table}, which is not in route_table_ids" in message


def test_with_own_security_groups_destroy_keeps_the_role_until_lambda_lets_go(
    generate: Generate, terraform: BindTerraform, aws_emulator: AwsEmulator, deployer: MakeDeployer
) -> None:
    """With the user's security groups, the function also holds the project's rule-less group,
    so every interface Lambda built waits in its deletion, and the execution role keeps its
    network-interface permissions (the emulator records their removal) until Lambda has
    released every interface: none is left behind in the user's subnets."""
    ec2 = aws_emulator.client("ec2", REGION)
    network = build_network(ec2)
    own = ec2.create_security_group(GroupName=f"own-{network.vpc_id}", Description="d", VpcId=network.vpc_id)["GroupId"]
    project = existing_project(generate, network.vpc_id, network.private_subnets, "--security-group-ids", own)
    before = aws_emulator.settings()
    try:
        with deployed(terraform, project, aws_emulator, deployer) as (runner, _):
            groups = runner.outputs()["security_group_ids"]
            assert groups[0] == own
            # Destroy meets interfaces Lambda holds for seconds after the function is gone.
            aws_emulator.settings(lambda_eni_release_seconds=8)
            start = len(aws_emulator.events())
    finally:
        aws_emulator.settings(**before)
    events = aws_emulator.events()[start:]
    released = [i for i, e in enumerate(events) if e["event"] == "released" and own in e["groups"]]
    grants = ("network-interfaces", "AWSLambdaVPCAccessExecutionRole")  # --iam inline, managed
    removed = [
        i for i, e in enumerate(events)
        if e["event"] == "allowed" and e["action"] in ("DeleteRolePolicy", "DetachRolePolicy") and e["policy"].endswith(grants)
    ]  # fmt: skip
    assert removed, events
    assert released, f"destroy removed the role's permissions and ended while Lambda still held the interfaces: {events}"
    assert max(released) < min(removed), f"the role lost its permissions before Lambda let go of its interfaces: {events}"
    left = ec2.describe_network_interfaces(Filters=[{"Name": "group-id", "Values": [own]}])["NetworkInterfaces"]
    assert left == []


def test_ipv4_and_ipv6_exposure_are_judged_apart(
    generate: Generate, terraform: BindTerraform, aws_emulator: AwsEmulator
) -> None:
    # A route table whose only internet gateway route is ::/0 is not a public IPv4 subnet:
    # the plan goes through and warns that IPv6 reaches the subnets both ways.
    ec2 = aws_emulator.client("ec2", REGION)
    network = build_network(ec2)
    (gateway,) = ec2.describe_internet_gateways(
        Filters=[{"Name": "attachment.vpc-id", "Values": [network.vpc_id]}]
    )["InternetGateways"]
    ec2.create_route(
        RouteTableId=network.private_route_table,
        DestinationIpv6CidrBlock="::/0",
        GatewayId=gateway["InternetGatewayId"],
    )
    project = existing_project(generate, network.vpc_id, network.private_subnets)
    runner = terraform(project, aws_emulator, REGION)
    runner.init()
    planned = " ".join(runner.run("plan", "-input=false", "-no-color").stdout.split())
    assert "routes IPv6 to an internet gateway" in planned
    assert "is public" not in planned
