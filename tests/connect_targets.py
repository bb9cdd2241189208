"""The targets a test connects a Lambda function to, built in an existing VPC with boto3.

`create_targets` makes, in a VPC and two or more of its subnets (in different zones), what
a function would be allowed to reach, each behind a security group of its own, as a
user's account would already hold them:

- an RDS instance (postgres) in a DB subnet group;
- an RDS Proxy (engine family POSTGRESQL) in front of it, with the IAM role and the
  Secrets Manager secret (encrypted with a KMS key of its own) that its auth needs;
- an ElastiCache replication group (redis, cluster mode disabled, a primary and a
  replica) in a cache subnet group;
- a bare security group, for an `sg-...:6379` target.

`snapshot_rules` reads every ingress and egress rule of some security groups in a form that
compares equal only when nothing about any rule changed (its id included): taken before an
apply and after the destroy, it proves the destroy left the targets' groups as it found them.

`clients` is any `service name -> boto3 client` (the emulator's:
`functools.partial(aws_emulator.client, region=REGION)`).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

Clients = Callable[[str], Any]

POSTGRES_PORT = 5432
REDIS_PORT = 6379
# Trusted by rds.amazonaws.com: RDS Proxy assumes it to read the secret (RDS User Guide,
# "Setting up AWS Identity and Access Management (IAM) policies" for RDS Proxy).
PROXY_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "rds.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}
_serial = itertools.count(1)


@dataclass(frozen=True)
class Database:
    identifier: str
    address: str
    port: int
    security_group: str
    subnet_group: str


@dataclass(frozen=True)
class Proxy:
    name: str
    endpoint: str
    port: int
    security_group: str
    role_arn: str
    secret_arn: str
    secret_kms_key_arn: str


@dataclass(frozen=True)
class Cache:
    replication_group: str
    primary_endpoint: str
    reader_endpoint: str
    port: int
    security_group: str
    subnet_group: str
    member_clusters: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ConnectTargets:
    vpc_id: str
    subnet_ids: list[str]
    database: Database
    proxy: Proxy
    cache: Cache
    # A bare group for an `sg-...:6379` target: nothing in it, only the group.
    group: str
    group_port: int = REDIS_PORT

    @property
    def security_groups(self) -> list[str]:
        """Every target's own group, in a fixed order (what snapshot_rules should watch)."""
        return [
            self.database.security_group,
            self.proxy.security_group,
            self.cache.security_group,
            self.group,
        ]


def create_targets(
    clients: Clients, vpc_id: str, subnet_ids: Sequence[str], name: str | None = None
) -> ConnectTargets:
    """Every target in `vpc_id`, in `subnet_ids` (two or more, in different zones).

    `name` prefixes every name (lower case, letters, digits and hyphens); by default a
    fresh one, so that tests sharing an emulator never collide."""
    if len(subnet_ids) < 2:
        raise ValueError("RDS and ElastiCache subnet groups need two subnets in different zones")
    prefix = name or f"target{next(_serial)}"
    ec2 = clients("ec2")
    subnets = list(subnet_ids)
    zones = [
        subnet["AvailabilityZone"] for subnet in ec2.describe_subnets(SubnetIds=subnets)["Subnets"]
    ]
    if len(set(zones)) < 2:
        raise ValueError(f"the subnets {subnets} are all in {zones[0]}: two zones are needed")
    database = create_database(clients, vpc_id, subnets, prefix)
    proxy = create_proxy(clients, vpc_id, subnets, prefix, database)
    cache = create_cache(clients, vpc_id, subnets, prefix, sorted(set(zones)))
    group = security_group(ec2, vpc_id, f"{prefix}-redis-peer", "an sg:port target")
    return ConnectTargets(vpc_id, subnets, database, proxy, cache, group)


def security_group(ec2: Any, vpc_id: str, name: str, description: str) -> str:
    """A group as a new one is on AWS: no ingress, all egress."""
    created = ec2.create_security_group(GroupName=name, Description=description, VpcId=vpc_id)
    return str(created["GroupId"])


def create_database(clients: Clients, vpc_id: str, subnets: list[str], prefix: str) -> Database:
    rds = clients("rds")
    group = security_group(clients("ec2"), vpc_id, f"{prefix}-db", "the database")
    subnet_group = f"{prefix}-db"
    rds.create_db_subnet_group(
        DBSubnetGroupName=subnet_group, DBSubnetGroupDescription="the database", SubnetIds=subnets
    )
    identifier = f"{prefix}-db"
    instance = rds.create_db_instance(
        DBInstanceIdentifier=identifier,
        Engine="postgres",
        DBInstanceClass="db.t4g.micro",
        AllocatedStorage=20,
        MasterUsername="app",
        MasterUserPassword="not-a-secret-0",
        DBSubnetGroupName=subnet_group,
        VpcSecurityGroupIds=[group],
        Port=POSTGRES_PORT,
        PubliclyAccessible=False,
    )["DBInstance"]
    endpoint = (
        instance.get("Endpoint")
        or rds.describe_db_instances(DBInstanceIdentifier=identifier)["DBInstances"][0]["Endpoint"]
    )
    return Database(
        identifier=identifier,
        address=str(endpoint["Address"]),
        port=int(endpoint["Port"]),
        security_group=group,
        subnet_group=str(instance["DBSubnetGroup"]["DBSubnetGroupName"]),
    )


def create_proxy(
    clients: Clients, vpc_id: str, subnets: list[str], prefix: str, database: Database
) -> Proxy:
    iam, kms, secrets, rds = (clients(s) for s in ("iam", "kms", "secretsmanager", "rds"))
    key = kms.create_key(Description=f"{prefix} proxy secret")["KeyMetadata"]["Arn"]
    secret = secrets.create_secret(
        Name=f"{prefix}/db-proxy",
        KmsKeyId=key,
        SecretString=json.dumps({"username": "app", "password": "not-a-secret-0"}),
    )["ARN"]
    role_name = f"{prefix}-db-proxy"
    role = iam.create_role(RoleName=role_name, AssumeRolePolicyDocument=json.dumps(PROXY_TRUST))
    iam.put_role_policy(
        RoleName=role_name,
        PolicyName="read-the-secret",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": "secretsmanager:GetSecretValue",
                        "Resource": secret,
                    },
                    {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": key},
                ],
            }
        ),
    )
    group = security_group(clients("ec2"), vpc_id, f"{prefix}-proxy", "the database proxy")
    name = f"{prefix}-proxy"
    proxy = rds.create_db_proxy(
        DBProxyName=name,
        EngineFamily="POSTGRESQL",
        Auth=[{"AuthScheme": "SECRETS", "SecretArn": secret, "IAMAuth": "DISABLED"}],
        RoleArn=role["Role"]["Arn"],
        VpcSubnetIds=subnets,
        VpcSecurityGroupIds=[group],
        RequireTLS=True,
    )["DBProxy"]
    rds.register_db_proxy_targets(
        DBProxyName=name, TargetGroupName="default", DBInstanceIdentifiers=[database.identifier]
    )
    return Proxy(
        name=name,
        endpoint=str(proxy["Endpoint"]),
        port=POSTGRES_PORT,  # a proxy listens on its engine family's port
        security_group=group,
        role_arn=str(role["Role"]["Arn"]),
        secret_arn=str(secret),
        secret_kms_key_arn=str(key),
    )


def create_cache(
    clients: Clients, vpc_id: str, subnets: list[str], prefix: str, zones: list[str]
) -> Cache:
    elasticache = clients("elasticache")
    group = security_group(clients("ec2"), vpc_id, f"{prefix}-cache", "the cache")
    subnet_group = f"{prefix}-cache"
    elasticache.create_cache_subnet_group(
        CacheSubnetGroupName=subnet_group,
        CacheSubnetGroupDescription="the cache",
        SubnetIds=subnets,
    )
    identifier = f"{prefix}-cache"
    elasticache.create_replication_group(
        ReplicationGroupId=identifier,
        ReplicationGroupDescription="the cache",
        Engine="redis",
        CacheNodeType="cache.t4g.micro",
        NumCacheClusters=2,
        PreferredCacheClusterAZs=zones[:2],
        AutomaticFailoverEnabled=True,
        CacheSubnetGroupName=subnet_group,
        SecurityGroupIds=[group],
        Port=REDIS_PORT,
    )
    (described,) = elasticache.describe_replication_groups(ReplicationGroupId=identifier)[
        "ReplicationGroups"
    ]
    node_group = described["NodeGroups"][0]
    return Cache(
        replication_group=identifier,
        primary_endpoint=str(node_group["PrimaryEndpoint"]["Address"]),
        reader_endpoint=str(node_group.get("ReaderEndpoint", {}).get("Address", "")),
        port=int(node_group["PrimaryEndpoint"]["Port"]),
        security_group=group,
        subnet_group=subnet_group,
        member_clusters=list(described["MemberClusters"]),
    )


# --- rules, for proving a destroy leaves them as they were ----------------------------------


class Rule(NamedTuple):
    group: str
    egress: bool
    rule_id: str
    protocol: str
    from_port: int | None
    to_port: int | None
    cidr_ipv4: str | None
    cidr_ipv6: str | None
    prefix_list: str | None
    referenced_group: str | None
    description: str | None


def snapshot_rules(ec2: Any, group_ids: Iterable[str]) -> dict[str, frozenset[Rule]]:
    """Every ingress and egress rule of each group, by group id, as DescribeSecurityGroupRules
    lists them; equal before and after only if no rule was added, removed, or replaced
    (a replaced rule gets a new id), and every group is still there."""
    wanted = sorted(set(group_ids))
    rules: dict[str, set[Rule]] = {group: set() for group in wanted}
    pages = ec2.get_paginator("describe_security_group_rules").paginate(
        Filters=[{"Name": "group-id", "Values": wanted}]
    )
    for page in pages:
        for found in page["SecurityGroupRules"]:
            if found["GroupId"] not in rules:
                continue
            rules[found["GroupId"]].add(
                Rule(
                    group=found["GroupId"],
                    egress=bool(found["IsEgress"]),
                    rule_id=found["SecurityGroupRuleId"],
                    protocol=str(found["IpProtocol"]),
                    from_port=found.get("FromPort"),
                    to_port=found.get("ToPort"),
                    cidr_ipv4=found.get("CidrIpv4"),
                    cidr_ipv6=found.get("CidrIpv6"),
                    prefix_list=found.get("PrefixListId"),
                    referenced_group=(found.get("ReferencedGroupInfo") or {}).get("GroupId"),
                    description=found.get("Description"),
                )
            )
    # A group that no longer exists fails here, as DescribeSecurityGroups does.
    ec2.describe_security_groups(GroupIds=wanted)
    return {group: frozenset(found) for group, found in rules.items()}
