"""ElastiCache as AWS describes it where moto (5.2) leaves out what the provider reads.

A function connected to a Redis replication group needs the group's address and port and
the security groups and subnet group of its nodes. AWS returns the first from
DescribeReplicationGroups and the others only from DescribeCacheClusters of a member
cluster (a replication group's description has no security groups): what the provider's
data "aws_elasticache_replication_group" and data "aws_elasticache_cluster" read. moto:

- leaves out a node group's ReaderEndpoint: the provider (5.100.0,
  replication_group_data_source.go) reads NodeGroups[0].ReaderEndpoint.Address for a
  group with cluster mode disabled and crashes with a nil pointer. AWS returns it
  (ElastiCache API Reference, NodeGroup: "ReaderEndpoint: The endpoint of the replica
  nodes in this node group (shard)");
- makes one member cluster whatever NumCacheClusters asks ("The number of clusters this
  replication group initially has", CreateReplicationGroup): it counts only
  ReplicasPerNodeGroup;
- keeps no cache cluster for a replication group's members, so DescribeCacheClusters of
  a MemberClusters id answers CacheClusterNotFound. On AWS each member is a cache cluster
  with the group's subnet group, security groups and engine, its ReplicationGroupId, its
  zone and its node (User Guide, "Replication: Redis OSS (Cluster Mode Disabled) vs.
  Redis OSS (Cluster Mode Enabled)"; DescribeCacheClusters). Deleting the group deletes
  them (DeleteReplicationGroup: "deletes ... all of its read replicas"; with
  RetainPrimaryCluster the primary stays, as a cluster of its own);
- returns no SecurityGroups and no CacheNodes for any cache cluster: AWS returns the
  VPC security groups as SecurityGroupMembership {SecurityGroupId, Status: active}, and
  each node with its Endpoint when ShowCacheNodeInfo is true (moto's answer has them
  whether it is asked or not).

Not modelled: that the security groups and subnet group exist and share a VPC (AWS
checks; moto takes any string, and a subnet group of unknown subnets), member clusters'
EngineVersion and parameter group, and DeleteCacheCluster of a member (AWS refuses it).
"""

from __future__ import annotations

import functools
import hashlib
import inspect
from collections.abc import Callable
from typing import Any

from scaffold.emulator.core import LOCK

NODE_ID = "0001"


def region_short(region: str) -> str:
    """us-east-1 -> use1, as ElastiCache endpoints abbreviate a Region."""
    area, direction, number = (region.split("-") + ["", "", ""])[:3]
    return f"{area}{direction[:1]}{number}"


def cluster_security_groups(cluster: Any) -> list[dict[str, str]]:
    """CacheCluster.SecurityGroups: every VPC security group of the cluster, active."""
    return [
        {"SecurityGroupId": group_id, "Status": "active"}
        for group_id in cluster.security_group_ids or []
    ]


def cluster_cache_nodes(cluster: Any) -> list[dict[str, Any]]:
    """CacheCluster.CacheNodes: one node per NumCacheNodes, each with its endpoint."""
    count = int(getattr(cluster, "num_cache_nodes", 1) or 1)
    address = getattr(cluster, "fidelity_node_address", None)
    digest = hashlib.sha256(cluster.arn.encode()).hexdigest()[:6]
    region = cluster.arn.split(":")[3]
    nodes = []
    for index in range(1, count + 1):
        node_id = f"{index:04}"
        nodes.append(
            {
                "CacheNodeId": node_id,
                "CacheNodeStatus": "available",
                "CacheNodeCreateTime": cluster.cache_cluster_create_time,
                "Endpoint": {
                    "Address": address
                    or f"{cluster.cache_cluster_id}.{digest}.{node_id}.{region_short(region)}"
                    ".cache.amazonaws.com",
                    "Port": cluster.port,
                },
                "ParameterGroupStatus": "in-sync",
                "CustomerAvailabilityZone": cluster.preferred_availability_zone,
            }
        )
    return nodes


def members_as_asked(original: Callable[..., Any]) -> Callable[..., Any]:
    """ReplicationGroup._set_node_members_clusters_disabled, making NumCacheClusters
    clusters (one primary, the rest replicas) when ReplicasPerNodeGroup is not given."""

    @functools.wraps(original)
    def set_members(group: Any, **kwargs: Any) -> Any:
        asked = kwargs.get("num_cache_clusters") or 1
        if not kwargs.get("replicas_per_node_group") and asked > 1:
            kwargs["replicas_per_node_group"] = asked - 1
        return original(group, **kwargs)

    return set_members


def member_clusters_as_aws(original: Callable[..., Any]) -> Callable[..., Any]:
    """ElastiCacheBackend.create_replication_group, then each node group's ReaderEndpoint
    and a cache cluster for each member."""

    @functools.wraps(original)
    def create(backend: Any, *args: Any, **kwargs: Any) -> Any:
        group = original(backend, *args, **kwargs)
        with LOCK:
            for node_group in group.node_groups:
                if "reader_endpoint_address" in node_group:
                    node_group["reader_endpoint"] = {
                        "address": node_group["reader_endpoint_address"],
                        "port": group.port,
                    }
            group.fidelity_members = []
            for node_group in group.node_groups:
                for member in node_group["node_group_members"]:
                    cluster_id = member["cache_cluster_id"]
                    if cluster_id in backend.cache_clusters:
                        continue
                    create_member(backend, group, member)
                    group.fidelity_members.append(cluster_id)
        return group

    return create


def create_member(backend: Any, group: Any, member: dict[str, Any]) -> Any:
    arguments: dict[str, Any] = dict.fromkeys(
        inspect.signature(backend.create_cache_cluster).parameters
    )
    arguments.update(
        cache_cluster_id=member["cache_cluster_id"],
        replication_group_id=group.replication_group_id,
        preferred_availability_zone=member.get("preferred_availability_zone"),
        num_cache_nodes=1,
        cache_node_type=group.cache_node_type,
        engine=group.engine,
        engine_version=group.engine_version,
        cache_parameter_group_name=group.cache_parameter_group_name,
        cache_subnet_group_name=group.cache_subnet_group_name,
        security_group_ids=list(group.security_group_ids or []),
        port=group.port,
        transit_encryption_enabled=group.transit_encryption_enabled,
        network_type=group.network_type,
        ip_discovery=group.ip_discovery,
        snapshot_retention_limit=group.snapshot_retention_limit,
        log_delivery_configurations=[],
    )
    cluster = backend.create_cache_cluster(**arguments)
    cluster.az_mode = "single-az"
    endpoint = member.get("read_endpoint") or {}
    cluster.fidelity_node_address = endpoint.get("address")
    return cluster


def delete_members_as_aws(original: Callable[..., Any]) -> Callable[..., Any]:
    """ElastiCacheBackend.delete_replication_group, deleting the member clusters with it
    (the primary kept as a cluster of its own with RetainPrimaryCluster)."""

    @functools.wraps(original)
    def delete(backend: Any, replication_group_id: str, retain_primary_cluster: bool | None) -> Any:
        group = original(backend, replication_group_id, retain_primary_cluster)
        with LOCK:
            members: list[str] = list(getattr(group, "fidelity_members", []))
            for index, cluster_id in enumerate(members):
                cluster = backend.cache_clusters.get(cluster_id)
                if cluster is None:
                    continue
                if retain_primary_cluster and index == 0:
                    cluster.replication_group_id = None
                else:
                    backend.cache_clusters.pop(cluster_id, None)
            group.fidelity_members = []
        return group

    return delete


def patches() -> list[tuple[Any, str, Any]]:
    """(owner, attribute, replacement) for install.install."""
    from moto.elasticache.models import CacheCluster, ElastiCacheBackend, ReplicationGroup

    return [
        (CacheCluster, "security_groups", property(cluster_security_groups)),
        (CacheCluster, "cache_nodes", property(cluster_cache_nodes)),
        (
            ReplicationGroup,
            "_set_node_members_clusters_disabled",
            members_as_asked(ReplicationGroup._set_node_members_clusters_disabled),
        ),
        (
            ElastiCacheBackend,
            "create_replication_group",
            member_clusters_as_aws(ElastiCacheBackend.create_replication_group),
        ),
        (
            ElastiCacheBackend,
            "delete_replication_group",
            delete_members_as_aws(ElastiCacheBackend.delete_replication_group),
        ),
    ]
