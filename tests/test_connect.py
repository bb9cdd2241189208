"""`--connect` against the emulator, in topology `existing`: a VPC holding an RDS instance,
an RDS Proxy and an ElastiCache replication group (each behind a security group of its
own, created by the test as a user's account holds them), a bare group and a peered
network. The project is wired to each, applied as the deployer, read back on both sides
of every target, re-planned clean, explained from its state, and destroyed, leaving the
targets' groups exactly as they were."""

from __future__ import annotations

import functools
import json
from typing import Any

import pytest
from conftest import Generate
from connect_targets import create_targets, snapshot_rules
from fixtures_deployer import MakeDeployer
from fixtures_terraform import AwsEmulator, BindTerraform
from test_apply import state_of
from test_existing_vpc import REGION, build_network, deployed, existing_project, plan_failure

from scaffold.check.explain import explain_project
from scaffold.check.rules.paths import MISSING, NOT_JUDGED

pytestmark = [pytest.mark.terraform, pytest.mark.emulator]

PEERED_BLOCK = "172.20.0.0/16"


def admitted(ec2: Any, group_id: str, direction: str) -> set[tuple[object, ...]]:
    """(protocol, from, to, peer) of a group's rules in one direction."""
    rules = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [group_id]}])
    found = set()
    for item in rules["SecurityGroupRules"]:
        if item["IsEgress"] != (direction == "egress"):
            continue
        peer = (
            item.get("ReferencedGroupInfo", {}).get("GroupId")
            or item.get("CidrIpv4")
            or item.get("CidrIpv6")
            or item.get("PrefixListId")
        )
        found.add((item["IpProtocol"], item.get("FromPort"), item.get("ToPort"), peer))
    return found


def peer_network(ec2: Any, vpc_id: str, route_table: str) -> str:
    """A VPC peered with `vpc_id`, its block routed from the private route table."""
    other = ec2.create_vpc(CidrBlock=PEERED_BLOCK)["Vpc"]["VpcId"]
    peering = ec2.create_vpc_peering_connection(VpcId=vpc_id, PeerVpcId=other)
    connection = peering["VpcPeeringConnection"]["VpcPeeringConnectionId"]
    ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=connection)
    ec2.create_route(
        RouteTableId=route_table, DestinationCidrBlock=PEERED_BLOCK, VpcPeeringConnectionId=connection
    )
    return str(connection)


def test_connect_wires_both_sides_of_every_target_and_destroy_leaves_them_as_they_were(
    generate: Generate, terraform: BindTerraform, aws_emulator: AwsEmulator, deployer: MakeDeployer
) -> None:
    ec2 = aws_emulator.client("ec2", REGION)
    network = build_network(ec2)
    targets = create_targets(
        functools.partial(aws_emulator.client, region=REGION), network.vpc_id, network.private_subnets
    )
    connection = peer_network(ec2, network.vpc_id, network.private_route_table)
    before = snapshot_rules(ec2, targets.security_groups)
    connect = [
        f"rds:{targets.database.identifier}",
        f"rds-proxy:{targets.proxy.name}",
        f"elasticache:{targets.cache.replication_group}",
        f"{targets.group}:{targets.group_port}",
        f"{PEERED_BLOCK}:443",
        f"secret:{targets.proxy.secret_arn}",
    ]
    project = existing_project(
        generate, network.vpc_id, network.private_subnets,
        "--route-table-ids", network.private_route_table, "--endpoints", "s3,secretsmanager",
        "--connect", ",".join(connect[:3]), "--connect", ",".join(connect[3:]),
    )  # fmt: skip
    assert (project / "deployer-policy-connect.json").is_file()

    with deployed(terraform, project, aws_emulator, deployer) as (runner, _applied):
        outputs = runner.outputs()
        (function_group,) = outputs["security_group_ids"]
        egress = admitted(ec2, function_group, "egress")
        wired = {
            targets.database.security_group: targets.database.port,
            targets.proxy.security_group: targets.proxy.port,
            targets.cache.security_group: targets.cache.port,
            targets.group: targets.group_port,
        }
        for group, port in wired.items():
            # The function's side: its group sends to the target's on the target's port.
            assert ("tcp", port, port, group) in egress, (group, egress)
            # The target's side: a rule of this project's admits the function's group.
            assert ("tcp", port, port, function_group) in admitted(ec2, group, "ingress"), group
        assert ("tcp", 443, 443, PEERED_BLOCK) in egress

        lambda_client = aws_emulator.client("lambda", REGION)
        environment = lambda_client.get_function_configuration(FunctionName="demo")["Environment"]
        probes = json.loads(environment["Variables"]["CONNECT_TARGETS"])
        assert probes[connect[0]] == f"{targets.database.address}:{targets.database.port}"
        assert probes[connect[1]] == f"{targets.proxy.endpoint}:{targets.proxy.port}"
        assert probes[connect[2]].endswith(f":{targets.cache.port}") and probes[connect[2]] != f":{targets.cache.port}"
        assert probes[connect[3]] == "" and probes[connect[4]] == ""

        iam = aws_emulator.client("iam", REGION)
        role = outputs["role_arn"].rsplit("/", 1)[-1]
        policy = iam.get_role_policy(RoleName=role, PolicyName="connected-secrets")["PolicyDocument"]
        statements = {statement["Sid"]: statement for statement in policy["Statement"]}
        assert statements["ReadConnectedSecrets"]["Resource"] in (
            targets.proxy.secret_arn, [targets.proxy.secret_arn]
        )
        # Its customer managed key, only through Secrets Manager and only for this secret.
        decrypt = statements["DecryptThroughSecretsManager"]
        assert decrypt["Resource"] in ("*", ["*"])
        assert decrypt["Condition"]["StringEquals"]["kms:ViaService"] == f"secretsmanager.{REGION}.amazonaws.com"
        context = decrypt["Condition"]["StringEquals"]["kms:EncryptionContext:SecretARN"]
        assert context in (targets.proxy.secret_arn, [targets.proxy.secret_arn])

        # Every path, judged on the state apply left: nothing missing, nothing unknown.
        destinations = {d.name: d for d in explain_project(project, state_of(runner))}
        assert set(connect) <= set(destinations), [d.line() for d in destinations.values()]
        for name in connect:
            assert destinations[name].state == "ok", "\n".join(
                f"{hop.what}: {hop.state}: {hop.detail}" for hop in destinations[name].hops
            )
        route = next(hop for hop in destinations[connect[4]].hops if hop.what == "route")
        assert connection in route.detail or "peering" in route.detail, route.detail
        assert not [d for d in destinations.values() if d.state in (MISSING, NOT_JUDGED)]

        replan = runner.run("plan", "-input=false", "-no-color", "-detailed-exitcode", ok_codes=(0, 2))
        assert replan.returncode == 0, replan.stdout

        # The function's group replaced: the targets admit the new one, the old one is gone
        # (a rule still naming it would have blocked its deletion).
        runner.apply("-replace=module.function.aws_security_group.this[0]")
        (new_group,) = runner.outputs()["security_group_ids"]
        assert new_group != function_group
        for group, port in wired.items():
            admits = admitted(ec2, group, "ingress")
            assert ("tcp", port, port, new_group) in admits and not [r for r in admits if r[3] == function_group]
        assert not ec2.describe_security_groups(Filters=[{"Name": "group-id", "Values": [function_group]}])["SecurityGroups"]

    # Destroyed: the targets' groups are exactly as they were before the apply.
    assert snapshot_rules(ec2, targets.security_groups) == before


def test_targets_in_another_vpc_fail_the_plan_naming_each(
    generate: Generate, terraform: BindTerraform, aws_emulator: AwsEmulator
) -> None:
    ec2 = aws_emulator.client("ec2", REGION)
    network, elsewhere = build_network(ec2), build_network(ec2)
    targets = create_targets(
        functools.partial(aws_emulator.client, region=REGION), elsewhere.vpc_id, elsewhere.private_subnets
    )
    project = existing_project(
        generate, network.vpc_id, network.private_subnets,
        "--connect", f"rds:{targets.database.identifier},{targets.group}:6379",
    )  # fmt: skip
    failure = plan_failure(terraform, project, aws_emulator)
    assert f"Connect targets outside this project's VPC {network.vpc_id}" in failure, failure
    assert f"rds:{targets.database.identifier} is in {elsewhere.vpc_id}" in failure, failure
    assert f"security group {targets.group} is in {elsewhere.vpc_id}" in failure, failure


def test_a_target_that_does_not_exist_fails_the_plan(
    generate: Generate, terraform: BindTerraform, aws_emulator: AwsEmulator
) -> None:
    ec2 = aws_emulator.client("ec2", REGION)
    network = build_network(ec2)
    project = existing_project(
        generate, network.vpc_id, network.private_subnets, "--connect", "rds:no-such-db"
    )
    failure = plan_failure(terraform, project, aws_emulator)
    assert 'data.aws_db_instance.connect["no-such-db"]' in failure, failure
