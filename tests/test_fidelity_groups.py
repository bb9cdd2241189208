"""The emulator's rules for security groups referencing security groups
(scaffold/emulator/group_rules.py) and for what the connect targets' data sources read
(scaffold/emulator/data_rules.py): each proven active against the running emulator, where
moto alone does otherwise; and the connect targets of tests/connect_targets.py as the
provider's data sources read them."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import pytest
from connect_targets import ConnectTargets, create_targets, snapshot_rules
from fixtures_terraform import AwsEmulator, BindTerraform, TerraformFailed
from test_fidelity import REGION, TERRAFORM_PROVIDER, Network, build_network, error_of, unique

pytestmark = pytest.mark.emulator

DIFFERENT_NETWORKS = "You have specified two resources that belong to different networks."


@pytest.fixture
def ec2(aws_emulator: AwsEmulator) -> Any:
    return aws_emulator.client("ec2", REGION)


@pytest.fixture
def elasticache(aws_emulator: AwsEmulator) -> Any:
    return aws_emulator.client("elasticache", REGION)


@pytest.fixture
def network(ec2: Any) -> Network:
    return build_network(ec2)


def from_group(port: int, group: str) -> list[dict[str, Any]]:
    """IpPermissions of one TCP port from/to a group, as aws_security_group_rule sends them."""
    return [
        {"IpProtocol": "tcp", "FromPort": port, "ToPort": port, "UserIdGroupPairs": [{"GroupId": group}]}
    ]  # fmt: skip


def authorize_both_ways(ec2: Any, group: str, other: str, port: int) -> None:
    ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=from_group(port, other))
    ec2.authorize_security_group_egress(GroupId=group, IpPermissions=from_group(port, other))


def refused_both_ways(ec2: Any, group: str, other: str, port: int) -> None:
    for authorize in (ec2.authorize_security_group_ingress, ec2.authorize_security_group_egress):
        code, message = error_of(authorize, GroupId=group, IpPermissions=from_group(port, other))
        assert (code, message) == ("InvalidGroup.NotFound", DIFFERENT_NETWORKS)


# --- group_rules -----------------------------------------------------------------------------


def test_a_group_of_another_vpc_is_referenced_only_across_an_active_peering(
    ec2: Any, network: Network
) -> None:
    other = build_network(ec2)
    refused_both_ways(ec2, network.group, other.group, 5432)
    # As aws_vpc_security_group_ingress_rule sends it: one permission, its tags.
    code, message = error_of(
        ec2.authorize_security_group_ingress, GroupId=network.group,
        IpPermissions=from_group(6379, other.group),
        TagSpecifications=[{"ResourceType": "security-group-rule", "Tags": [{"Key": "Name", "Value": "redis"}]}],
    )  # fmt: skip
    assert (code, message) == ("InvalidGroup.NotFound", DIFFERENT_NETWORKS)

    # In the same VPC: taken, both ways.
    neighbour = ec2.create_security_group(
        GroupName=unique("neighbour"), Description="same VPC", VpcId=network.vpc
    )["GroupId"]
    authorize_both_ways(ec2, network.group, neighbour, 5432)

    peering = ec2.create_vpc_peering_connection(VpcId=network.vpc, PeerVpcId=other.vpc)[
        "VpcPeeringConnection"
    ]["VpcPeeringConnectionId"]
    refused_both_ways(ec2, network.group, other.group, 5432)  # pending acceptance: not yet
    ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=peering)
    authorize_both_ways(ec2, network.group, other.group, 5432)
    authorize_both_ways(ec2, other.group, network.group, 5432)  # either side of it
    rules = ec2.describe_security_group_rules(
        Filters=[{"Name": "group-id", "Values": [network.group]}]
    )["SecurityGroupRules"]
    referenced = {
        (rule["IsEgress"], rule["ReferencedGroupInfo"]["GroupId"])
        for rule in rules
        if rule.get("ReferencedGroupInfo")
    }
    assert referenced == {(False, neighbour), (True, neighbour), (False, other.group), (True, other.group)}  # fmt: skip

    ec2.delete_vpc_peering_connection(VpcPeeringConnectionId=peering)
    refused_both_ways(ec2, network.group, other.group, 6379)  # a new rule, once it is gone


def test_a_referenced_group_must_exist(ec2: Any, network: Network) -> None:
    for missing in ("sg-0123456789abcdef0", "default"):  # an id; a name is no id
        code, message = error_of(
            ec2.authorize_security_group_ingress, GroupId=network.group,
            IpPermissions=from_group(5432, missing),
        )  # fmt: skip
        assert (code, message) == (
            "InvalidGroup.NotFound",
            f"The security group '{missing}' does not exist",
        )


def test_a_rule_referencing_a_group_keeps_its_description(ec2: Any, network: Network) -> None:
    # EC2 API reference, SecurityGroupRule.Description: the rule's, whatever its peer; moto
    # read it from the block alone (group_rules.rule_description).
    group = ec2.create_security_group(GroupName=unique("target"), Description="t", VpcId=network.vpc)["GroupId"]
    other = ec2.create_security_group(GroupName=unique("function"), Description="f", VpcId=network.vpc)["GroupId"]
    pairs = [{"GroupId": other, "Description": "Lambda function demo to rds:db"}]
    ec2.authorize_security_group_ingress(
        GroupId=group, IpPermissions=[{"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "UserIdGroupPairs": pairs}]
    )
    rules = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [group]}])["SecurityGroupRules"]
    (ingress,) = [rule for rule in rules if not rule["IsEgress"]]
    assert ingress["ReferencedGroupInfo"]["GroupId"] == other
    assert ingress["Description"] == "Lambda function demo to rds:db"


def test_a_referenced_group_by_name_is_looked_up_in_the_default_vpc(
    ec2: Any, network: Network
) -> None:
    name = unique("named")
    ec2.create_security_group(GroupName=name, Description="by name", VpcId=network.vpc)
    (default_vpc,) = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"]
    permission = [{"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "UserIdGroupPairs": [{"GroupName": name}]}]  # fmt: skip
    code, message = error_of(
        ec2.authorize_security_group_ingress, GroupId=network.group, IpPermissions=permission
    )
    assert code == "InvalidGroup.NotFound"
    assert message == f"The security group '{name}' does not exist in default VPC '{default_vpc['VpcId']}'"  # fmt: skip


def test_a_rule_modified_to_reference_a_group_of_another_vpc_is_refused(
    ec2: Any, network: Network
) -> None:
    other = build_network(ec2)
    (rule,) = ec2.authorize_security_group_ingress(
        GroupId=network.group,
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}],
    )["SecurityGroupRules"]  # fmt: skip
    code, message = error_of(
        ec2.modify_security_group_rules, GroupId=network.group,
        SecurityGroupRules=[{
            "SecurityGroupRuleId": rule["SecurityGroupRuleId"],
            "SecurityGroupRule": {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "ReferencedGroupId": other.group},
        }],
    )  # fmt: skip
    assert (code, message) == ("InvalidGroup.NotFound", DIFFERENT_NETWORKS)


@pytest.mark.terraform
def test_terraform_cannot_reference_a_group_of_an_unpeered_vpc(
    tmp_path: Path, terraform: BindTerraform, aws_emulator: AwsEmulator, ec2: Any, network: Network
) -> None:
    other = build_network(ec2)
    folder = tmp_path / "tf"
    folder.mkdir()
    (folder / "main.tf").write_text(TERRAFORM_PROVIDER + f"""
resource "aws_vpc_security_group_ingress_rule" "from_other_vpc" {{
  security_group_id            = "{network.group}"
  referenced_security_group_id = "{other.group}"
  ip_protocol                  = "tcp"
  from_port                    = 6379
  to_port                      = 6379
}}
""", encoding="utf-8")  # fmt: skip
    runner = terraform(folder, aws_emulator, REGION)
    runner.init()
    with pytest.raises(TerraformFailed) as failed:
        runner.apply()
    said = " ".join(str(failed.value).split())  # Terraform wraps its error text
    assert f"InvalidGroup.NotFound: {DIFFERENT_NETWORKS}" in said


# --- data_rules: ElastiCache as the provider reads it -----------------------------------------


def replication_group(elasticache: Any, network: Network, **extra: Any) -> tuple[str, str]:
    subnet_group = unique("cache")
    elasticache.create_cache_subnet_group(
        CacheSubnetGroupName=subnet_group, CacheSubnetGroupDescription="cache",
        SubnetIds=[network.subnet_a, network.subnet_b],
    )  # fmt: skip
    group_id = unique("redis")
    elasticache.create_replication_group(
        ReplicationGroupId=group_id, ReplicationGroupDescription="cache", Engine="redis",
        CacheNodeType="cache.t4g.micro", CacheSubnetGroupName=subnet_group,
        SecurityGroupIds=[network.group], **extra,
    )  # fmt: skip
    return group_id, subnet_group


def test_a_replication_groups_members_are_cache_clusters_with_its_groups(
    elasticache: Any, network: Network
) -> None:
    group_id, subnet_group = replication_group(
        elasticache, network, NumCacheClusters=3, AutomaticFailoverEnabled=True,
        PreferredCacheClusterAZs=[network.zones[0], network.zones[1], network.zones[0]],
    )  # fmt: skip
    (group,) = elasticache.describe_replication_groups(ReplicationGroupId=group_id)[
        "ReplicationGroups"
    ]
    assert len(group["MemberClusters"]) == 3  # as many as NumCacheClusters asked
    (node_group,) = group["NodeGroups"]
    assert node_group["PrimaryEndpoint"]["Port"] == 6379
    assert node_group["ReaderEndpoint"]["Address"] and node_group["ReaderEndpoint"]["Port"] == 6379
    for index, member in enumerate(group["MemberClusters"]):
        (cluster,) = elasticache.describe_cache_clusters(
            CacheClusterId=member, ShowCacheNodeInfo=True
        )["CacheClusters"]
        assert cluster["ReplicationGroupId"] == group_id
        assert cluster["CacheSubnetGroupName"] == subnet_group
        assert cluster["SecurityGroups"] == [{"SecurityGroupId": network.group, "Status": "active"}]
        assert cluster["PreferredAvailabilityZone"] == [network.zones[0], network.zones[1], network.zones[0]][index]  # fmt: skip
        (node,) = cluster["CacheNodes"]
        assert node["Endpoint"]["Port"] == 6379 and node["Endpoint"]["Address"]

    elasticache.delete_replication_group(ReplicationGroupId=group_id)
    for member in group["MemberClusters"]:
        code, _ = error_of(elasticache.describe_cache_clusters, CacheClusterId=member)
        assert code == "CacheClusterNotFound"


def test_a_cache_cluster_lists_its_security_groups(elasticache: Any, network: Network) -> None:
    _, subnet_group = replication_group(elasticache, network)
    cluster_id = unique("memcached")
    elasticache.create_cache_cluster(
        CacheClusterId=cluster_id, Engine="memcached", CacheNodeType="cache.t4g.micro",
        NumCacheNodes=2, CacheSubnetGroupName=subnet_group, SecurityGroupIds=[network.group],
    )  # fmt: skip
    (cluster,) = elasticache.describe_cache_clusters(
        CacheClusterId=cluster_id, ShowCacheNodeInfo=True
    )["CacheClusters"]
    assert cluster["SecurityGroups"] == [{"SecurityGroupId": network.group, "Status": "active"}]
    assert [node["CacheNodeId"] for node in cluster["CacheNodes"]] == ["0001", "0002"]


# --- the connect targets ----------------------------------------------------------------------


@pytest.fixture
def targets(aws_emulator: AwsEmulator, ec2: Any, network: Network) -> ConnectTargets:
    clients = functools.partial(aws_emulator.client, region=REGION)
    return create_targets(clients, network.vpc, [network.subnet_a, network.subnet_b])


def test_snapshot_rules_sees_any_change_to_the_targets_groups(
    ec2: Any, targets: ConnectTargets
) -> None:
    before = snapshot_rules(ec2, targets.security_groups)
    assert set(before) == set(targets.security_groups)
    assert all(len(rules) == 1 and next(iter(rules)).egress for rules in before.values())
    permission = from_group(targets.database.port, targets.proxy.security_group)
    ec2.authorize_security_group_ingress(
        GroupId=targets.database.security_group, IpPermissions=permission
    )
    during = snapshot_rules(ec2, targets.security_groups)
    assert during != before
    assert len(during[targets.database.security_group]) == 2
    ec2.revoke_security_group_ingress(
        GroupId=targets.database.security_group, IpPermissions=permission
    )
    assert snapshot_rules(ec2, targets.security_groups) == before


@pytest.mark.terraform
def test_the_data_sources_read_the_connect_targets(
    tmp_path: Path, terraform: BindTerraform, aws_emulator: AwsEmulator, targets: ConnectTargets
) -> None:
    folder = tmp_path / "tf"
    folder.mkdir()
    member = targets.cache.member_clusters[0]
    (folder / "main.tf").write_text(TERRAFORM_PROVIDER + f"""
data "aws_db_instance" "db" {{
  db_instance_identifier = "{targets.database.identifier}"
}}
data "aws_db_subnet_group" "db" {{
  name = data.aws_db_instance.db.db_subnet_group
}}
data "aws_db_proxy" "proxy" {{
  name = "{targets.proxy.name}"
}}
data "aws_secretsmanager_secret" "proxy" {{
  arn = "{targets.proxy.secret_arn}"
}}
data "aws_elasticache_replication_group" "cache" {{
  replication_group_id = "{targets.cache.replication_group}"
}}
data "aws_elasticache_cluster" "member" {{
  cluster_id = "{member}"
}}
data "aws_elasticache_subnet_group" "cache" {{
  name = data.aws_elasticache_cluster.member.subnet_group_name
}}
output "read" {{
  value = {{
    db_address     = data.aws_db_instance.db.address
    db_port        = data.aws_db_instance.db.port
    db_groups      = data.aws_db_instance.db.vpc_security_groups
    db_vpc         = data.aws_db_subnet_group.db.vpc_id
    proxy_endpoint = data.aws_db_proxy.proxy.endpoint
    proxy_vpc      = data.aws_db_proxy.proxy.vpc_id
    proxy_groups   = data.aws_db_proxy.proxy.vpc_security_group_ids
    proxy_family   = data.aws_db_proxy.proxy.engine_family
    secret_key     = data.aws_secretsmanager_secret.proxy.kms_key_id
    cache_primary  = data.aws_elasticache_replication_group.cache.primary_endpoint_address
    cache_port     = data.aws_elasticache_replication_group.cache.port
    cache_members  = data.aws_elasticache_replication_group.cache.member_clusters
    member_groups  = data.aws_elasticache_cluster.member.security_group_ids
    cache_vpc      = data.aws_elasticache_subnet_group.cache.vpc_id
  }}
}}
""", encoding="utf-8")  # fmt: skip
    runner = terraform(folder, aws_emulator, REGION)
    runner.init()
    runner.apply()
    read = runner.outputs()["read"]
    assert read == {
        "db_address": targets.database.address,
        "db_port": targets.database.port,
        "db_groups": [targets.database.security_group],
        "db_vpc": targets.vpc_id,
        "proxy_endpoint": targets.proxy.endpoint,
        "proxy_vpc": targets.vpc_id,
        "proxy_groups": [targets.proxy.security_group],
        "proxy_family": "POSTGRESQL",
        "secret_key": targets.proxy.secret_kms_key_arn,
        "cache_primary": targets.cache.primary_endpoint,
        "cache_port": targets.cache.port,
        "cache_members": sorted(targets.cache.member_clusters),
        "member_groups": [targets.cache.security_group],
        "cache_vpc": targets.vpc_id,
    }
    assert len(targets.cache.member_clusters) == 2
