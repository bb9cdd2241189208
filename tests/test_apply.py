"""`terraform apply` on generated projects, as the deployer, against the emulator, read back.

The projects are applied UNMODIFIED, with the keys of an IAM user holding exactly the
project's deployer-policy.json (fixtures_deployer.py): only the environment points the
provider at the emulator, whose fidelity layer enforces that policy's actions and
models Lambda's network interfaces (scaffold/emulator). What was deployed is then read back through the AWS APIs and held
against the Lambda-in-a-VPC guide's rules; every broken rule becomes one message
that starts with the rule's name. A second apply in a row must find nothing to
change, and `terraform destroy` must leave nothing of the project behind.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from ipaddress import IPv4Network, collapse_addresses
from typing import Any

import pytest
from botocore.exceptions import BotoCoreError, ClientError
from conftest import Generate
from fixtures_deployer import (
    MakeDeployer,
    as_deployer,
    bootstrapped,
    ci_role_problems,
    create_log_kms_key,
    deployer_policy_files,
    iam_document,
)
from fixtures_terraform import (
    AwsEmulator,
    BindTerraform,
    Terraform,
    TerraformFailed,
    project_answers,
)
from nat_instances import NatInstances, nat_instance_problems, read_nat_instances
from project_expectations import expected_public_subnets

from scaffold.answers import ZONE_ID_PATTERN, Answers
from scaffold.check import judge_project
from scaffold.cli import main

pytestmark = [pytest.mark.terraform, pytest.mark.emulator]



@dataclass(frozen=True)
class Scenario:
    flags: tuple[str, ...]
    variables: tuple[tuple[str, object], ...] = ()
    log_kms_key: bool = False  # create a KMS key as admin and pass its ARN as log_kms_key_arn
    # After the second apply, one more with these variables changed (the update
    # calls a user meets when changing them), before destroy.
    then: tuple[tuple[str, object], ...] = ()
    then_new_log_kms_key: bool = False
    # After readback: terminate each NAT instance as an instance failure would, let its
    # group replace it, and hold the routes to still lead to the NAT interfaces.
    replace_nat_instances: bool = False


SCENARIOS: dict[str, Scenario] = {
    "private-defaults": Scenario(()),
    # Applied as the deploy role bootstrap/ creates, not as a deployer user.
    "nat-single-ci-role": Scenario((
        "--topology", "private-nat", "--nat", "single", "--github-repository", "octo-org/payments-api",
    )),
    "nat-per-az-3az-endpoints": Scenario((
        "--topology", "private-nat", "--nat", "per-az", "--azs", "3",
        "--endpoints", "s3,dynamodb,sts,secretsmanager",
    )),
    "private-managed-node-x86-flow-logs": Scenario((
        "--iam", "managed", "--runtime", "nodejs22.x", "--architecture", "x86_64",
        "--memory", "512", "--timeout", "60", "--endpoints", "s3,sqs",
        "--flow-logs", "--tags", "Team=payments",
    )),
    "reserved-concurrency": Scenario(
        (), variables=(("reserved_concurrency", 2),), then=(("reserved_concurrency", -1),)
    ),
    "log-kms-key": Scenario((), log_kms_key=True, then_new_log_kms_key=True),
    "nat-instance-dual-stack": Scenario(
        ("--topology", "private-nat", "--nat", "instance", "--azs", "2", "--ipv6"),
        replace_nat_instances=True,
    ),
    # AZ IDs, the same zones in every account, in an order that is not the region's.
    "zone-ids-sts": Scenario(("--zones", "use1-az4,use1-az1,use1-az2", "--endpoints", "s3,sts")),
}  # fmt: skip

ANYWHERE = "0.0.0.0/0"
# The six actions the Lambda guide names for a function in a VPC ("Required IAM permissions").
GUIDE_ENI_ACTIONS = (
    "ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets",
    "ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses",
)  # fmt: skip


# --- what the emulator holds ---------------------------------------------------------


@dataclass
class Deployment:
    """The project as the AWS APIs report it after apply."""

    answers: Answers
    outputs: dict[str, Any]
    vpc: dict[str, Any]
    # Every subnet of the VPC, classified by its route table: public when any of its
    # routes, whatever the destination, goes to an internet gateway.
    private_subnets: dict[str, dict[str, Any]]  # by subnet id
    public_subnets: dict[str, dict[str, Any]]
    route_tables: dict[str, dict[str, Any]]  # by route table id, every table of the VPC
    nat_gateways: dict[str, dict[str, Any]]  # live ones in the VPC
    internet_gateways: dict[str, dict[str, Any]]  # attached to the VPC
    endpoints: dict[str, dict[str, Any]]  # live ones in the VPC, by service suffix (s3, sts, ...)
    security_groups: dict[str, dict[str, Any]]  # by group id, every group of the VPC
    gateway_prefix_lists: dict[str, str]  # service (s3, dynamodb) -> the region's prefix list ID
    function: dict[str, Any]
    role_name: str
    role_actions: list[tuple[str, str, str]]  # (effect, action, resource) of every policy
    log_group: str
    flow_logs: list[dict[str, Any]]
    # Each flow log's role, by flow log ID: its trust policy and (effect, action, resource).
    flow_log_roles: dict[str, tuple[dict[str, Any], list[tuple[str, str, str]]]]
    account: str
    function_concurrency: int | None
    log_group_kms_key: str | None
    nat_instances: NatInstances | None = None

    def route_table_of(self, subnet_id: str) -> dict[str, Any]:
        """The table a subnet really uses: its explicit association, else the VPC's main table."""
        main = None
        for table in self.route_tables.values():
            for association in table.get("Associations", []):
                if association.get("SubnetId") == subnet_id:
                    return table
                if association.get("Main"):
                    main = table
        assert main is not None, f"VPC {self.vpc['VpcId']} has no main route table"
        return main

    def default_route(self, table: dict[str, Any]) -> dict[str, Any] | None:
        return next((r for r in table["Routes"] if r.get("DestinationCidrBlock") == ANYWHERE), None)

    def name_of(self, subnet_id: str) -> str:
        subnet = self.private_subnets.get(subnet_id) or self.public_subnets[subnet_id]
        return f"{subnet_id} ({subnet['CidrBlock']}, {subnet['AvailabilityZone']})"

    def recorded_ids(self) -> dict[str, set[str]]:
        """Every ID read back, by the describe call that lists its kind."""
        return {
            "vpcs": {self.vpc["VpcId"]},
            "subnets": {*self.private_subnets, *self.public_subnets},
            "route_tables": set(self.route_tables),
            "security_groups": set(self.security_groups),
            "internet_gateways": set(self.internet_gateways),
            "nat_gateways": set(self.nat_gateways),
            "vpc_endpoints": {e["VpcEndpointId"] for e in self.endpoints.values()},
            "addresses": {
                a["AllocationId"]
                for n in self.nat_gateways.values()
                for a in n.get("NatGatewayAddresses", [])
                if a.get("AllocationId")
            },
            **(self.nat_instances.ids() if self.nat_instances else {}),
        }


def reaches_internet_gateway(table: dict[str, Any]) -> bool:
    return any(str(route.get("GatewayId", "")).startswith("igw-") for route in table["Routes"])


def policy_statements(document: Any) -> list[tuple[str, str, str]]:
    document = iam_document(document)
    statements = document.get("Statement", [])
    statements = [statements] if isinstance(statements, dict) else statements
    triples = []
    for statement in statements:
        actions = statement.get("Action", [])
        resources = statement.get("Resource", [])
        for action in [actions] if isinstance(actions, str) else actions:
            for resource in [resources] if isinstance(resources, str) else resources:
                triples.append((statement.get("Effect", ""), action, resource))
    return triples


def read_deployment(emulator: AwsEmulator, answers: Answers, outputs: dict[str, Any]) -> Deployment:
    region = answers.region
    ec2 = emulator.client("ec2", region)
    in_vpc = [{"Name": "vpc-id", "Values": [outputs["vpc_id"]]}]

    vpc = ec2.describe_vpcs(VpcIds=[outputs["vpc_id"]])["Vpcs"][0]
    for attribute in ("enableDnsSupport", "enableDnsHostnames"):
        answer = ec2.describe_vpc_attribute(VpcId=vpc["VpcId"], Attribute=attribute)
        vpc[attribute] = answer[attribute[0].upper() + attribute[1:]]["Value"]
    subnets = ec2.describe_subnets(Filters=in_vpc)["Subnets"]

    lambda_client = emulator.client("lambda", region)
    function = lambda_client.get_function_configuration(FunctionName=outputs["function_name"])
    concurrency = lambda_client.get_function_concurrency(FunctionName=outputs["function_name"])
    log_group = f"/aws/lambda/{outputs['function_name']}"
    log_groups = emulator.client("logs", region).describe_log_groups(logGroupNamePrefix=log_group)
    role_name = function["Role"].rsplit("/", 1)[-1]

    iam = emulator.client("iam", region)
    role_actions: list[tuple[str, str, str]] = []
    for policy_name in iam.list_role_policies(RoleName=role_name)["PolicyNames"]:
        document = iam.get_role_policy(RoleName=role_name, PolicyName=policy_name)["PolicyDocument"]
        role_actions += policy_statements(document)
    for attached in iam.list_attached_role_policies(RoleName=role_name)["AttachedPolicies"]:
        version = iam.get_policy(PolicyArn=attached["PolicyArn"])["Policy"]["DefaultVersionId"]
        document = iam.get_policy_version(PolicyArn=attached["PolicyArn"], VersionId=version)
        role_actions += policy_statements(document["PolicyVersion"]["Document"])

    flow_logs = ec2.describe_flow_logs(
        Filters=[{"Name": "resource-id", "Values": [outputs["vpc_id"]]}]
    )["FlowLogs"]
    flow_log_roles = {}
    for flow_log in flow_logs:
        name = flow_log["DeliverLogsPermissionArn"].rsplit("/", 1)[-1]
        trust = iam.get_role(RoleName=name)["Role"]["AssumeRolePolicyDocument"]
        granted = [
            triple
            for policy_name in iam.list_role_policies(RoleName=name)["PolicyNames"]
            for triple in policy_statements(
                iam.get_role_policy(RoleName=name, PolicyName=policy_name)["PolicyDocument"]
            )
        ]
        trust = iam_document(trust)
        flow_log_roles[flow_log["FlowLogId"]] = (trust, granted)

    prefix_lists = ec2.describe_prefix_lists()["PrefixLists"]
    deployed = Deployment(
        answers=answers,
        outputs=outputs,
        vpc=vpc,
        private_subnets={},
        public_subnets={},
        route_tables={
            t["RouteTableId"]: t for t in ec2.describe_route_tables(Filters=in_vpc)["RouteTables"]
        },
        nat_gateways={
            n["NatGatewayId"]: n
            for n in ec2.describe_nat_gateways(Filters=in_vpc)["NatGateways"]
            if n["State"] not in ("deleting", "deleted")
        },
        internet_gateways={
            g["InternetGatewayId"]: g
            for g in ec2.describe_internet_gateways(
                Filters=[{"Name": "attachment.vpc-id", "Values": [outputs["vpc_id"]]}]
            )["InternetGateways"]
        },
        endpoints={
            e["ServiceName"].split(f".{region}.", 1)[-1]: e
            for e in ec2.describe_vpc_endpoints(Filters=in_vpc)["VpcEndpoints"]
            if e["State"].lower() not in ("deleting", "deleted")
        },
        security_groups={
            g["GroupId"]: g for g in ec2.describe_security_groups(Filters=in_vpc)["SecurityGroups"]
        },
        gateway_prefix_lists={
            p["PrefixListName"].rsplit(".", 1)[-1]: p["PrefixListId"]
            for p in prefix_lists
            if p["PrefixListName"].startswith(f"com.amazonaws.{region}.")
        },
        function=function,
        role_name=role_name,
        role_actions=role_actions,
        log_group=log_group,
        flow_logs=flow_logs,
        flow_log_roles=flow_log_roles,
        account=emulator.client("sts", region).get_caller_identity()["Account"],
        function_concurrency=concurrency.get("ReservedConcurrentExecutions"),
        log_group_kms_key=next(
            (g.get("kmsKeyId") for g in log_groups["logGroups"] if g["logGroupName"] == log_group),
            None,
        ),
    )
    for subnet in subnets:
        public = reaches_internet_gateway(deployed.route_table_of(subnet["SubnetId"]))
        (deployed.public_subnets if public else deployed.private_subnets)[subnet["SubnetId"]] = subnet
    if answers.nat_instance_count:
        deployed.nat_instances = read_nat_instances(emulator, region, vpc["VpcId"], answers.name)
    return deployed


# --- the rules, held against what was deployed ------------------------------------------

Rule = Callable[[Deployment], Iterator[str]]
RULES: list[Rule] = []


def rule(check: Rule) -> Rule:
    RULES.append(check)
    return check


def deployment_violations(deployed: Deployment) -> list[str]:
    return [problem for check in RULES for problem in check(deployed)]


@rule
def vpc_settings(d: Deployment) -> Iterator[str]:
    if d.vpc["CidrBlock"] != str(d.answers.vpc_cidr):
        yield f"vpc-cidr: the VPC's CIDR is {d.vpc['CidrBlock']}, answered {d.answers.vpc_cidr}"
    if d.vpc.get("InstanceTenancy") != "default":
        yield f"vpc-tenancy: the VPC has {d.vpc.get('InstanceTenancy')} tenancy; Lambda needs default"
    for attribute in ("enableDnsSupport", "enableDnsHostnames"):
        if d.vpc[attribute] is not True:
            yield f"vpc-dns: {attribute} is off; the endpoints need the VPC's DNS"


@rule
def function_settings(d: Deployment) -> Iterator[str]:
    a, f = d.answers, d.function
    wanted = {
        "Runtime": a.runtime,
        "MemorySize": a.memory,
        "Timeout": a.timeout,
        "Architectures": [a.architecture],
    }
    for key, value in wanted.items():
        if f.get(key) != value:
            yield f"function-settings: {key} is {f.get(key)!r}, answered {value!r}"


@rule
def subnets_by_their_routes(d: Deployment) -> Iterator[str]:
    want_private, want_public = d.answers.azs, expected_public_subnets(d.answers)
    if len(d.private_subnets) != want_private or len(d.public_subnets) != want_public:
        yield (
            f"subnets: by their routes the VPC has {len(d.private_subnets)} private and"
            f" {len(d.public_subnets)} public subnets, expected {want_private} and {want_public}"
        )
    zones = {s["AvailabilityZone"] for s in d.private_subnets.values()}
    if len(zones) != len(d.private_subnets):
        yield f"subnets: the private subnets share AZs ({sorted(zones)}): one per AZ expected"
    for subnet in [*d.private_subnets.values(), *d.public_subnets.values()]:
        if subnet.get("MapPublicIpOnLaunch"):
            yield f"subnets: {d.name_of(subnet['SubnetId'])} maps public IPs on launch"


@rule
def subnets_in_the_pinned_zones(d: Deployment) -> Iterator[str]:
    """Pinned zones (names or AZ IDs), az1..azN in the order given."""
    pinned = d.answers.zones or ()
    by_id = all(ZONE_ID_PATTERN.fullmatch(zone) for zone in pinned)
    placed = {}
    for subnet in d.private_subnets.values():
        name = next((t["Value"] for t in subnet.get("Tags", []) if t["Key"] == "Name"), "")
        placed[name.rpartition("-")[2]] = subnet["AvailabilityZoneId" if by_id else "AvailabilityZone"]
    wanted = {f"az{index + 1}": zone for index, zone in enumerate(pinned)}
    if pinned and placed != wanted:
        yield f"pinned-zones: the private subnets lie in {placed}, pinned {wanted}"


@rule
def function_in_private_subnets_only(d: Deployment) -> Iterator[str]:
    attached = set(d.function.get("VpcConfig", {}).get("SubnetIds", []))
    private = set(d.private_subnets)
    for subnet_id in sorted(attached - private):
        kind = (
            "a public subnet (its route table reaches an internet gateway)"
            if subnet_id in d.public_subnets
            else "not a subnet of the VPC"
        )
        yield f"function-private-subnets: the function is attached to {subnet_id}, {kind}"
    for subnet_id in sorted(private - attached):
        yield f"function-private-subnets: the function is not attached to private subnet {d.name_of(subnet_id)}"


def admitted(permissions: list[dict[str, Any]]) -> set[tuple[object, ...]]:
    """(protocol, from, to, peer) of every rule of a group's ingress or egress."""
    found = set()
    for permission in permissions:
        ports = (permission.get("IpProtocol"), permission.get("FromPort"), permission.get("ToPort"))
        for source in permission.get("IpRanges", []):
            found.add((*ports, source["CidrIp"]))
        for source in permission.get("Ipv6Ranges", []):
            found.add((*ports, source["CidrIpv6"]))
        for pair in permission.get("UserIdGroupPairs", []):
            found.add((*ports, pair["GroupId"]))
        for source in permission.get("PrefixListIds", []):
            found.add((*ports, source["PrefixListId"]))
    return found


@rule
def function_security_group(d: Deployment) -> Iterator[str]:
    groups = d.function.get("VpcConfig", {}).get("SecurityGroupIds", [])
    expected = d.outputs["security_group_ids"]
    if sorted(groups) != sorted(expected) or len(groups) != 1:
        yield (
            f"function-security-group: VpcConfig lists {groups}, expected only the function's"
            f" own group {expected}"
        )
    # Exactly what the function needs, nothing beside it: anything in the VPC, HTTPS to
    # the gateway endpoints, and HTTPS to the internet only where NAT leads there.
    wanted = {("-1", None, None, d.vpc["CidrBlock"])}
    wanted |= {("tcp", 443, 443, d.gateway_prefix_lists[s]) for s in d.answers.gateway_endpoints}
    if d.answers.topology == "private-nat":
        wanted.add(("tcp", 443, 443, ANYWHERE))
    if d.answers.ipv6:
        wanted |= {("-1", None, None, a["Ipv6CidrBlock"]) for a in d.vpc.get("Ipv6CidrBlockAssociationSet", [])}
        if d.answers.topology == "private-nat":
            wanted.add(("tcp", 443, 443, "::/0"))
    for group_id in groups:
        group = d.security_groups.get(group_id)
        if group is None:
            yield f"function-security-group: {group_id} is not a security group of the VPC"
            continue
        if group["GroupName"] == "default":
            yield f"function-security-group: the function uses the VPC's default group {group_id}"
        if group["IpPermissions"]:
            yield f"function-security-group: {group_id} admits {sorted(admitted(group['IpPermissions']), key=str)}; a function needs no ingress"
        egress = admitted(group["IpPermissionsEgress"])
        if egress != wanted:
            extra, missing = sorted(egress - wanted, key=str), sorted(wanted - egress, key=str)
            yield f"function-security-group: {group_id} egress has {extra} beyond what it needs and lacks {missing}"


@rule
def replacement_group_has_no_rules(d: Deployment) -> Iterator[str]:
    own = set(d.function.get("VpcConfig", {}).get("SecurityGroupIds", []))
    released = [
        g for g in d.security_groups.values()
        if g["GroupName"].startswith(f"{d.answers.name}-released-") and g["GroupId"] not in own
    ]  # fmt: skip
    if len(released) != 1:
        yield f"replacement-group: expected one {d.answers.name}-released-* group, found {len(released)}"
    for group in released:
        rules = admitted(group["IpPermissions"]) | admitted(group["IpPermissionsEgress"])
        if rules:
            yield f"replacement-group: {group['GroupId']} has rules {sorted(rules, key=str)}"


@rule
def default_security_group_locked(d: Deployment) -> Iterator[str]:
    for group in d.security_groups.values():
        if group["GroupName"] == "default" and (
            group["IpPermissions"] or group["IpPermissionsEgress"]
        ):
            yield f"default-security-group-locked: {group['GroupId']} still has rules"


@rule
def private_routes(d: Deployment) -> Iterator[str]:
    """Every route of every table a private subnet uses: nothing but local, the gateway
    endpoints, and (private-nat) NAT covering all of 0.0.0.0/0."""
    endpoints = {e["VpcEndpointId"] for e in d.endpoints.values() if e["VpcEndpointType"] == "Gateway"}
    for subnet_id in sorted(d.private_subnets):
        table = d.route_table_of(subnet_id)
        where = f"private subnet {d.name_of(subnet_id)} uses route table {table['RouteTableId']}"
        to_nat: list[IPv4Network] = []
        for route in table["Routes"]:
            gateway = str(route.get("GatewayId", ""))
            destination = route.get("DestinationCidrBlock") or route.get("DestinationIpv6CidrBlock") or route.get("DestinationPrefixListId")
            if gateway == "local":
                continue
            if route.get("DestinationPrefixListId") and gateway in endpoints:
                continue
            if route.get("EgressOnlyInternetGatewayId") and d.answers.topology == "private-nat" and route.get("DestinationIpv6CidrBlock"):
                continue  # IPv6 out through the egress-only gateway, nothing in: the NAT of IPv6
            interface = route.get("NetworkInterfaceId", "")
            if d.nat_instances and interface in d.nat_instances.interfaces and route.get("DestinationCidrBlock"):
                to_nat.append(IPv4Network(route["DestinationCidrBlock"]))
                nat_zone = d.public_subnets.get(d.nat_instances.interfaces[interface]["SubnetId"], {}).get("AvailabilityZone")
                if d.answers.nat == "instance-per-az" and nat_zone != d.private_subnets[subnet_id]["AvailabilityZone"]:
                    yield f"nat-per-az: {where}, which routes through the NAT instance in {nat_zone}, not the one in its own AZ"
                continue
            nat = d.nat_gateways.get(route.get("NatGatewayId", ""))
            if nat is not None and d.answers.topology == "private-nat" and route.get("DestinationCidrBlock"):
                to_nat.append(IPv4Network(route["DestinationCidrBlock"]))
                if nat["SubnetId"] not in d.public_subnets:
                    yield f"nat-in-public-subnet: NAT gateway {nat['NatGatewayId']} used by {subnet_id} sits in {nat['SubnetId']}, not in a public subnet"
                elif d.answers.nat == "per-az":
                    nat_zone = d.public_subnets[nat["SubnetId"]]["AvailabilityZone"]
                    if nat_zone != d.private_subnets[subnet_id]["AvailabilityZone"]:
                        yield f"nat-per-az: {where}, which routes through the NAT gateway in {nat_zone}, not the one in its own AZ"
                continue
            yield f"private-routes: {where}, which has a route {destination} -> {route}, where only local, gateway endpoint and (private-nat) NAT routes belong"
        if d.answers.topology == "private-nat" and list(collapse_addresses(to_nat)) != [IPv4Network(ANYWHERE)]:
            yield f"private-nat-default-route: {where}, whose NAT routes cover {sorted(map(str, to_nat))}, not all of {ANYWHERE}"


@rule
def nat_gateways(d: Deployment) -> Iterator[str]:
    expected = d.answers.nat_gateway_count
    if len(d.nat_gateways) != expected:
        yield f"nat-count: the VPC has {len(d.nat_gateways)} NAT gateways, expected {expected} ({d.answers.topology}, nat={d.answers.nat})"
    for nat in d.nat_gateways.values():
        if nat["SubnetId"] not in d.public_subnets:
            yield f"nat-in-public-subnet: NAT gateway {nat['NatGatewayId']} sits in {nat['SubnetId']}, not in a public subnet"
        if not any(address.get("AllocationId") for address in nat.get("NatGatewayAddresses", [])):
            yield f"nat-elastic-ip: NAT gateway {nat['NatGatewayId']} has no Elastic IP"
    used = {
        d.default_route(d.route_table_of(s)).get("NatGatewayId")
        for s in d.private_subnets
        if d.default_route(d.route_table_of(s))
    }
    if d.answers.nat == "single" and len(used) > 1:
        yield f"nat-single: the private subnets route through {len(used)} NAT gateways, expected one"


@rule
def nat_instances(d: Deployment) -> Iterator[str]:
    if not d.answers.nat_instance_count:
        return
    if d.nat_instances is None:
        yield "nat-instance-count: no NAT instances were read back"
        return
    targets = {}
    for subnet_id, subnet in sorted(d.private_subnets.items()):
        route = d.default_route(d.route_table_of(subnet_id)) or {}
        targets[subnet["AvailabilityZone"]] = str(route.get("NetworkInterfaceId") or route)
    yield from nat_instance_problems(
        d.nat_instances, expected_public_subnets(d.answers), d.public_subnets, targets
    )


@rule
def public_route_to_internet_gateway(d: Deployment) -> Iterator[str]:
    if d.answers.topology == "private":
        if d.internet_gateways:
            yield f"private-no-internet-gateway: the VPC has internet gateway(s) {sorted(d.internet_gateways)}"
        return
    if len(d.internet_gateways) != 1:
        yield f"public-route-internet-gateway: {len(d.internet_gateways)} internet gateways are attached to the VPC, expected 1"
    for subnet_id in sorted(d.public_subnets):
        table = d.route_table_of(subnet_id)
        route = d.default_route(table)
        target = (route or {}).get("GatewayId", "")
        if target not in d.internet_gateways:
            yield (
                f"public-route-internet-gateway: public subnet {d.name_of(subnet_id)} uses route table"
                f" {table['RouteTableId']}, whose {ANYWHERE} route is {route}, not the VPC's internet gateway"
            )


@rule
def gateway_endpoints_on_private_route_tables_only(d: Deployment) -> Iterator[str]:
    private_tables = {d.route_table_of(s)["RouteTableId"] for s in d.private_subnets}
    public_tables = {d.route_table_of(s)["RouteTableId"] for s in d.public_subnets}
    for service in d.answers.gateway_endpoints:
        endpoint = d.endpoints.get(service)
        if endpoint is None or endpoint["VpcEndpointType"] != "Gateway":
            yield f"gateway-endpoint-attachment: no {service} gateway endpoint in the VPC"
            continue
        attached = set(endpoint.get("RouteTableIds", []))
        missing, public = private_tables - attached, attached & public_tables
        other = attached - private_tables - public_tables
        if missing:
            yield f"gateway-endpoint-attachment: the {service} endpoint is not attached to private route table(s) {sorted(missing)}"
        if public:
            yield f"gateway-endpoint-attachment: the {service} endpoint is attached to public route table(s) {sorted(public)}"
        if other:
            yield f"gateway-endpoint-attachment: the {service} endpoint is attached to route table(s) no private subnet uses: {sorted(other)}"


@rule
def interface_endpoints(d: Deployment) -> Iterator[str]:
    vpc_cidrs = {d.vpc["CidrBlock"]}
    zones = {subnet["AvailabilityZone"] for subnet in d.private_subnets.values()}
    for service in d.answers.interface_endpoints:
        endpoint = d.endpoints.get(service)
        if endpoint is None or endpoint["VpcEndpointType"] != "Interface":
            yield f"interface-endpoint: no {service} interface endpoint in the VPC"
            continue
        subnets = endpoint.get("SubnetIds", [])
        endpoint_zones = [d.private_subnets[s]["AvailabilityZone"] for s in subnets if s in d.private_subnets]
        if len(endpoint_zones) != len(subnets) or sorted(endpoint_zones) != sorted(zones):
            yield f"interface-endpoint: the {service} endpoint is in subnets {subnets}, expected one private subnet in each AZ {sorted(zones)}"
        if not endpoint.get("PrivateDnsEnabled"):
            yield f"interface-endpoint: the {service} endpoint has private DNS off"
        # Exactly HTTPS from the VPC's own blocks: private DNS sends the whole VPC here.
        groups = [d.security_groups.get(g["GroupId"], {}) for g in endpoint.get("Groups", [])]
        ingress = set().union(*(admitted(g.get("IpPermissions", [])) for g in groups)) if groups else set()
        expected = {("tcp", 443, 443, cidr) for cidr in vpc_cidrs}
        if not groups or ingress != expected:
            yield f"interface-endpoint: the {service} endpoint's security groups admit {sorted(ingress, key=str)}, expected only {sorted(expected)}"


@rule
def role_has_eni_permissions(d: Deployment) -> Iterator[str]:
    for action in GUIDE_ENI_ACTIONS:
        allowed = any(
            effect == "Allow" and fnmatchcase(action.lower(), pattern.lower()) and resource == "*"
            for effect, pattern, resource in d.role_actions
        )
        if not allowed:
            yield f"role-eni-permissions: the role {d.role_name} is not allowed {action} on *"


@rule
def flow_logs(d: Deployment) -> Iterator[str]:
    wanted = bool(d.answers.flow_logs)
    if not wanted:
        if d.flow_logs:
            yield f"flow-logs: not asked for, but the VPC has {len(d.flow_logs)} flow log(s)"
        return
    if len(d.flow_logs) != 1:
        yield f"flow-logs: asked for, and the VPC has {len(d.flow_logs)} flow logs, expected 1"
    for flow_log in d.flow_logs:
        if (
            flow_log.get("TrafficType") != "ALL"
            or flow_log.get("LogDestinationType") != "cloud-watch-logs"
        ):
            yield (
                f"flow-logs: {flow_log['FlowLogId']} records {flow_log.get('TrafficType')} traffic"
                f" to {flow_log.get('LogDestinationType')}, expected ALL to cloud-watch-logs"
            )
        yield from flow_log_role(d, flow_log)


# The VPC user guide, "IAM role for publishing flow logs to CloudWatch Logs": the role's
# minimum permissions, and its trust limited to the account's flow logs (aws:SourceAccount,
# aws:SourceArn) against the confused deputy.
FLOW_LOG_ROLE_ACTIONS = (
    "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogGroups", "logs:DescribeLogStreams",
)  # fmt: skip


def flow_log_role(d: Deployment, flow_log: dict[str, Any]) -> Iterator[str]:
    flow_log_id = flow_log["FlowLogId"]
    trust, granted = d.flow_log_roles[flow_log_id]
    for action in FLOW_LOG_ROLE_ACTIONS:
        if not any(effect == "Allow" and pattern == action for effect, pattern, _ in granted):
            yield f"flow-logs: the role of {flow_log_id} is not allowed {action}"
    partition = "aws-us-gov" if d.answers.region.startswith("us-gov-") else "aws"
    own = f"arn:{partition}:ec2:{d.answers.region}:{d.account}:vpc-flow-log/{flow_log_id}"
    foreign = f"arn:{partition}:ec2:{d.answers.region}:210987654321:vpc-flow-log/{flow_log_id}"
    for statement in trust.get("Statement", []):
        condition = statement.get("Condition", {})
        source_arns = condition.get("ArnLike", {}).get("aws:SourceArn", [])
        source_arns = [source_arns] if isinstance(source_arns, str) else source_arns
        accounts = condition.get("StringEquals", {}).get("aws:SourceAccount", [])
        accounts = [accounts] if isinstance(accounts, str) else accounts
        if accounts != [d.account]:
            yield f"flow-logs: the trust of {flow_log_id}'s role has aws:SourceAccount {accounts}, expected [{d.account}]"
        if not any(fnmatchcase(own, arn) for arn in source_arns) or any(
            fnmatchcase(foreign, arn) for arn in source_arns
        ):
            yield f"flow-logs: the trust of {flow_log_id}'s role has aws:SourceArn {source_arns}, expected this account's flow logs in {d.answers.region}"


@rule
def extra_tags(d: Deployment) -> Iterator[str]:
    tags = {tag["Key"]: tag["Value"] for tag in d.vpc.get("Tags", [])}
    for key, value in d.answers.tags:
        if tags.get(key) != value:
            yield f"tags: the VPC's tag {key} is {tags.get(key)!r}, answered {value!r}"


# --- what destroy must leave ---------------------------------------------------------

# A resource type in the state -> the kind of object it is, as leftovers() looks for it.
STATE_KINDS = {
    "aws_vpc": "vpcs", "aws_subnet": "subnets", "aws_route_table": "route_tables",
    "aws_security_group": "security_groups", "aws_internet_gateway": "internet_gateways",
    "aws_nat_gateway": "nat_gateways", "aws_vpc_endpoint": "vpc_endpoints", "aws_eip": "addresses",
    "aws_egress_only_internet_gateway": "egress_only_internet_gateways", "aws_flow_log": "flow_logs",
    "aws_lambda_function": "functions", "aws_iam_role": "roles", "aws_cloudwatch_log_group": "log_groups",
    "aws_network_interface": "network_interfaces", "aws_launch_template": "launch_templates",
    "aws_autoscaling_group": "auto_scaling_groups", "aws_iam_instance_profile": "instance_profiles",
}  # fmt: skip


@dataclass
class Recorded:
    """The IDs (names, for Lambda, IAM and CloudWatch Logs) of what one scenario created."""

    ids: dict[str, set[str]] = field(default_factory=dict)

    def add(self, kind: str, *ids: str) -> None:
        self.ids.setdefault(kind, set()).update(item for item in ids if item)

    def from_state(self, state: dict[str, Any]) -> None:
        """What the state holds, even after an apply that failed half-way."""
        for resource in state_resources(state).values():
            kind = STATE_KINDS.get(resource["type"])
            if kind:
                self.add(kind, str(resource["values"].get("id") or ""))

    def from_deployment(self, d: Deployment) -> None:
        for kind, ids in d.recorded_ids().items():
            self.add(kind, *ids)
        self.add("functions", d.outputs["function_name"])
        self.add("roles", d.role_name)
        self.add("log_groups", d.log_group)
        self.add("flow_logs", *(f["FlowLogId"] for f in d.flow_logs))


def state_of(tf: Terraform) -> dict[str, Any]:
    return dict(json.loads(tf.run("show", "-json").stdout))


def leftovers(emulator: AwsEmulator, region: str, recorded: Recorded) -> list[str]:
    """What the emulator still holds of the IDs one scenario recorded, one line each.

    Only those IDs: whatever another scenario (on the same emulator) left is its own failure.
    """
    ec2 = emulator.client("ec2", region)
    gone = ("deleting", "deleted")  # such NAT gateways and endpoints stay listed a while, as in AWS
    ec2_kinds = {
        "vpcs": "VpcId", "subnets": "SubnetId", "route_tables": "RouteTableId",
        "security_groups": "GroupId", "internet_gateways": "InternetGatewayId",
        "nat_gateways": "NatGatewayId", "vpc_endpoints": "VpcEndpointId", "addresses": "AllocationId",
        "egress_only_internet_gateways": "EgressOnlyInternetGatewayId", "flow_logs": "FlowLogId",
        "network_interfaces": "NetworkInterfaceId", "launch_templates": "LaunchTemplateId",
    }  # fmt: skip
    left = []
    for kind, id_key in ec2_kinds.items():
        ids = recorded.ids.get(kind, set())
        if not ids:
            continue
        response_key = "".join(word.capitalize() for word in kind.split("_"))
        items = getattr(ec2, f"describe_{kind}")()[response_key]
        live = {i[id_key] for i in items if str(i.get("State", "")).lower() not in gone}
        left += [f"{kind.replace('_', ' ')}: {item}" for item in sorted(ids & live)]
    named = {
        "functions": {f["FunctionName"] for f in emulator.client("lambda", region).list_functions()["Functions"]},
        "roles": {r["RoleName"] for r in emulator.client("iam", region).list_roles()["Roles"]},
        "log_groups": {g["logGroupName"] for g in emulator.client("logs", region).describe_log_groups()["logGroups"]},
        "auto_scaling_groups": {
            g["AutoScalingGroupName"]
            for g in emulator.client("autoscaling", region).describe_auto_scaling_groups()["AutoScalingGroups"]
        },
        "instance_profiles": {
            p["InstanceProfileName"] for p in emulator.client("iam", region).list_instance_profiles()["InstanceProfiles"]
        },
    }
    for kind, live in named.items():
        left += [f"{kind.replace('_', ' ')}: {item}" for item in sorted(recorded.ids.get(kind, set()) & live)]
    return left


@contextmanager
def destroyed_afterwards(
    runners: Sequence[Terraform], admin: Terraform, emulator: AwsEmulator, region: str, recorded: Recorded
) -> Iterator[None]:
    """Destroy what the scenario created, whether it passed or failed, with the last of
    `runners` (the deployer), then hold the emulator to having nothing left of the IDs it
    recorded. A scenario that failed keeps its own failure; what destroy left is added to
    it as a note. A destroy the deployer could not finish is finished with admin keys, so
    one failure leaves nothing behind for the next scenario on this emulator."""
    failure: BaseException | None = None
    try:
        yield
    except BaseException as raised:
        failure = raised
        raise
    finally:
        try:
            runners[-1].destroy()
            left = leftovers(emulator, region, recorded)
            problem = "destroy-leaves-nothing: the emulator still holds:\n" + "\n".join(left) if left else ""
        except (TerraformFailed, BotoCoreError, ClientError) as destroying:
            problem = f"destroy failed: {destroying}"
            with suppress(TerraformFailed):
                admin.destroy()
        if problem and failure is None:
            pytest.fail(problem)
        if problem and failure is not None and hasattr(failure, "add_note"):
            failure.add_note(problem)


def variable_violations(d: Deployment, variables: dict[str, object]) -> list[str]:
    problems = []
    if "reserved_concurrency" in variables:
        asked = variables["reserved_concurrency"]
        if d.function_concurrency != (None if asked == -1 else asked):
            problems.append(f"reserved-concurrency: the function reserves {d.function_concurrency}, asked {asked}")
    if "log_kms_key_arn" in variables and d.log_group_kms_key != variables["log_kms_key_arn"]:
        problems.append(
            f"log-kms-key: the log group is encrypted with {d.log_group_kms_key}, asked {variables['log_kms_key_arn']}"
        )
    return problems


# --- the test ------------------------------------------------------------------------


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_apply_readback_reapply_destroy_as_deployer(
    scenario: str,
    generate: Generate,
    terraform: BindTerraform,
    aws_emulator: AwsEmulator,
    deployer: MakeDeployer,
) -> None:
    """Apply, re-apply and destroy with the deployer's keys; read back with admin keys."""
    spec = SCENARIOS[scenario]
    project = generate(*spec.flags, name=f"ap-{scenario}"[:40])
    answers = project_answers(project)
    admin = terraform(project, aws_emulator, answers.region)
    admin.init()
    variables = dict(spec.variables)
    if spec.log_kms_key:
        variables["log_kms_key_arn"] = create_log_kms_key(aws_emulator, answers.region)
    with ExitStack() as stack:
        if answers.github_repository:  # bootstrap/'s CI role, destroyed after the project
            keys = stack.enter_context(bootstrapped(admin, project))
            trust = ci_role_problems(aws_emulator, project, answers.name, answers.region, answers.github_repository)
            assert not trust, "bootstrap/'s CI role:\n" + "\n".join(trust)
        else:
            keys = deployer(project)
        runners = [as_deployer(admin, keys, **variables)]
        recorded = Recorded()
        with destroyed_afterwards(runners, admin, aws_emulator, answers.region, recorded):
            try:
                runners[-1].apply()
            finally:
                applied = state_of(admin)
                recorded.from_state(applied)

            deployed = read_deployment(aws_emulator, answers, runners[-1].outputs())
            recorded.from_deployment(deployed)
            broken = deployment_violations(deployed) + variable_violations(deployed, variables)
            assert not broken, f"the applied {scenario} project breaks these rules:\n" + "\n".join(broken)
            # The rules `vpc-lambda-new check` judges, on the state apply left: every one judged.
            report = judge_project(project, applied)  # the state read above: nothing ran since
            assert not report.broken and not report.not_judged, "\n".join(report.lines())

            if spec.replace_nat_instances and deployed.nat_instances:
                problems = replaced_nat_instances(aws_emulator, answers, runners[-1].outputs(), deployed)
                assert not problems, "after the NAT instances were replaced:\n" + "\n".join(problems)

            second = runners[-1].apply()
            if "No changes." not in second or "0 added, 0 changed, 0 destroyed" not in second:
                noise = ("Reading...", "Read complete after", "Refreshing state...")
                plan = [line for line in second.splitlines() if not any(word in line for word in noise)]
                pytest.fail(
                    f"idempotent-apply: the second apply in a row of {scenario} changed something:\n"
                    + "\n".join(plan).strip()
                )

            if spec.then or spec.then_new_log_kms_key:
                variables.update(spec.then)
                if spec.then_new_log_kms_key:
                    variables["log_kms_key_arn"] = create_log_kms_key(aws_emulator, answers.region)
                runners.append(as_deployer(admin, keys, **variables))
                runners[-1].apply()
                updated = read_deployment(aws_emulator, answers, runners[-1].outputs())
                broken = variable_violations(updated, variables)
                assert not broken, f"the updated {scenario} project:\n" + "\n".join(broken)


def replaced_nat_instances(
    emulator: AwsEmulator, answers: Answers, outputs: dict[str, Any], before: Deployment
) -> list[str]:
    """Terminate each NAT instance, as a failure would, through its group (which launches a
    replacement), then read back: new instances, the same NAT interfaces, the routes intact."""
    assert before.nat_instances is not None
    autoscaling = emulator.client("autoscaling", answers.region)
    old = set(before.nat_instances.instances)
    for instance_id in sorted(old):
        autoscaling.terminate_instance_in_auto_scaling_group(
            InstanceId=instance_id, ShouldDecrementDesiredCapacity=False
        )
    after = read_deployment(emulator, answers, outputs)
    assert after.nat_instances is not None
    problems = deployment_violations(after)
    if set(after.nat_instances.instances) & old or len(after.nat_instances.instances) != len(old):
        problems.append(
            f"nat-instance-replaced: the groups run {sorted(after.nat_instances.instances)}, after {sorted(old)} were terminated"
        )
    if set(after.nat_instances.interfaces) != set(before.nat_instances.interfaces):
        problems.append("nat-instance-replaced: the NAT interfaces changed with the instances")
    return problems


def test_destroy_deletes_the_interfaces_lambda_left_available_as_deployer(
    generate: Generate,
    terraform: BindTerraform,
    aws_emulator: AwsEmulator,
    deployer: MakeDeployer,
) -> None:
    """When Lambda leaves its released interfaces `available` instead of deleting
    them, the provider deletes them before the subnets and the security group
    (deleteLingeringLambdaENI), with the deployer's ec2:DeleteNetworkInterface.

    Here Lambda releases them at once, so the provider finds them available and
    deletes them straight away; one still in use it would first watch for 18
    polls 10 s apart (3 minutes). The scenario tests above let Lambda delete
    them itself, as AWS also does, which the provider merely waits for."""
    project = generate(name="ap-eni-available")
    admin = terraform(project, aws_emulator, "us-east-1")
    admin.init()
    runner = as_deployer(admin, deployer(project))
    before = aws_emulator.settings()
    destroyed = False
    try:
        runner.apply()
        vpc_id = runner.outputs()["vpc_id"]
        aws_emulator.settings(lambda_eni_release="available", lambda_eni_release_seconds=0)
        runner.destroy()
        destroyed = True
    finally:
        aws_emulator.settings(**before)
        if not destroyed:
            ec2 = aws_emulator.client("ec2", "us-east-1")
            leftover = ec2.describe_network_interfaces(
                Filters=[{"Name": "interface-type", "Values": ["lambda"]}]
            )["NetworkInterfaces"]
            for eni in leftover:
                if eni["Status"] == "available":
                    ec2.delete_network_interface(NetworkInterfaceId=eni["NetworkInterfaceId"])
            with suppress(TerraformFailed):
                admin.destroy()
    vpcs = aws_emulator.client("ec2", "us-east-1").describe_vpcs(VpcIds=[])["Vpcs"]
    assert vpc_id not in {v["VpcId"] for v in vpcs}


def test_updating_the_nat_layout_applies_as_deployer(
    generate: Generate,
    terraform: BindTerraform,
    aws_emulator: AwsEmulator,
    deployer: MakeDeployer,
) -> None:
    """A NAT gateway, then NAT instances per AZ, then gateways per AZ: private subnets move to
    other route tables (ReplaceRouteTableAssociation), routes change target in place, and
    what the old layout had is gone; what a deployer meets when the answers change."""
    project = generate("--topology", "private-nat", "--nat", "single", "--azs", "2", "--endpoints", "s3", name="ap-nat-change")
    answers = project_answers(project)
    admin = terraform(project, aws_emulator, answers.region)
    admin.init()
    runners = [as_deployer(admin, deployer(project))]
    recorded = Recorded()
    with destroyed_afterwards(runners, admin, aws_emulator, answers.region, recorded):
        try:
            runners[-1].apply()
        finally:
            recorded.from_state(state_of(admin))
        kept = {
            address: resource["values"]["id"]
            for address, resource in state_resources(state_of(admin)).items()
            if any(kind in address for kind in ("aws_vpc.", "aws_subnet.", "aws_lambda_function.", "aws_route_table.private"))
        }
        for layout in ("instance-per-az", "per-az"):
            before = [json.loads(path.read_text(encoding="utf-8")) for path in deployer_policy_files(project)]
            assert main(["update", str(project), "--nat", layout, "--no-input"]) == 0
            # The apply that changes the layout deletes what the old one had: the deployer
            # holds the policies of before and after until it is done (README: NAT instances).
            runners.append(as_deployer(admin, deployer(project, also=before)))
            admin.init()
            try:
                changed = runners[-1].apply()
            finally:
                recorded.from_state(state_of(admin))
            assert "Apply complete!" in changed, changed
            updated = read_deployment(aws_emulator, project_answers(project), runners[-1].outputs())
            recorded.from_deployment(updated)
            broken = deployment_violations(updated)
            assert not broken, f"after the NAT layout change to {layout}:\n" + "\n".join(broken)
            now = state_resources(state_of(admin))
            replaced = sorted(a for a, i in kept.items() if a not in now or now[a]["values"]["id"] != i)
            assert not replaced, f"{layout}: the update replaced {replaced}"
            if layout == "per-az":
                assert updated.nat_instances is None and not any(
                    "nat_instance" in address for address in now
                ), "the NAT instances outlived the change back to gateways"


def state_resources(state: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every managed resource of a `terraform show -json` state, by address."""

    def walk(module: dict[str, Any]) -> Iterator[dict[str, Any]]:
        yield from module.get("resources", [])
        for child in module.get("child_modules", []):
            yield from walk(child)

    root = (state.get("values") or {}).get("root_module") or {}
    return {r["address"]: r for r in walk(root) if r.get("mode") == "managed"}
