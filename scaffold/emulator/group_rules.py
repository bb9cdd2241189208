"""Security group rules that reference another security group, as AWS takes them.

A rule may name a security group instead of an address range as its source (ingress) or
destination (egress): `UserIdGroupPairs` in AuthorizeSecurityGroupIngress/Egress
(IpPermissions.N.Groups.M.GroupId on the wire, what `aws_security_group_rule`,
`aws_vpc_security_group_ingress_rule`/`egress_rule` and the inline rules of
`aws_security_group` send), and ReferencedGroupId in ModifySecurityGroupRules (what the
`aws_vpc_security_group_*_rule` resources send on update). AWS takes a referenced group:

- in the same VPC as the rule's group;
- in another VPC of the same Region, if the two VPCs are peered by a VPC peering
  connection in the `active` state (VPC Peering Guide, "Update your security groups to
  reference peer security groups": "the VPC peering connection must be in the active
  state", "You can't reference the security group of a peer VPC that's in a different
  Region");

and refuses any other: InvalidGroup.NotFound, "You have specified two resources that
belong to different networks." (the code and text as AWS answered them in
hashicorp/terraform #2857 and terraform-provider-aws #13784). A referenced group that does
not exist is InvalidGroup.NotFound, "The security group '<id>' does not exist" (moto's
own answer for GroupId in IpPermissions, which this rule gives too, for
ModifySecurityGroupRules and for an id moto would have taken as a group's name).

A pair naming its group by GroupName (not GroupId) is looked up in the Region's default
VPC only, as AWS does (EC2 API Reference, UserIdGroupPair.GroupName: "[Default VPC] ...
For a security group in a nondefault VPC, use the security group ID"; AWS answers
"The security group '<name>' does not exist in default VPC '<vpc>'", boto/boto3 #569).
moto looks the name up in every VPC.

moto (5.2) takes any existing group of the Region, whatever its VPC, and ignores a
peering connection's state.

Not modelled: a group of another account (UserId, "123456789012/sg-..."): moto finds only
its own account's groups and answers InvalidGroup.NotFound, stricter than AWS across an
active cross-account peering; references across a transit gateway (its security group
referencing option); rules that become stale when the peering connection or the
referenced group is deleted (DescribeStaleSecurityGroups); the top-level
SourceSecurityGroupName/SourceSecurityGroupOwnerId form of AuthorizeSecurityGroupIngress
(default VPC only on AWS, and dropped by moto's parser).
"""

from __future__ import annotations

from typing import Any

from scaffold.emulator.core import Request, ec2_backend, moto_errors, rule

DIFFERENT_NETWORKS = "You have specified two resources that belong to different networks."


def referenced_pairs(request: Request) -> list[dict[str, str]]:
    """The group references of a request: {"GroupId"/"GroupName"/"UserId": ...} each.

    AuthorizeSecurityGroup*: IpPermissions.N.Groups.M.<field> (the EC2 query protocol's
    name for UserIdGroupPairs); ModifySecurityGroupRules:
    SecurityGroupRule.N.SecurityGroupRule.ReferencedGroupId."""
    pairs: dict[tuple[str, str], dict[str, str]] = {}
    for key, value in request.params.items():
        parts = key.split(".")
        if len(parts) == 5 and parts[0] == "IpPermissions" and parts[2] == "Groups":
            pairs.setdefault((parts[1], parts[3]), {})[parts[4]] = value
        elif (
            len(parts) == 4
            and parts[0] == "SecurityGroupRule"
            and parts[2] == "SecurityGroupRule"
            and parts[3] == "ReferencedGroupId"
        ):
            pairs.setdefault((parts[1], ""), {})["GroupId"] = value
    return [pairs[key] for key in sorted(pairs)]


def default_vpc_id(backend: Any) -> str | None:
    for vpc in list(backend.vpcs.values()):
        if getattr(vpc, "is_default", False):
            return str(vpc.id)
    return None


def peered(backend: Any, vpc_a: str, vpc_b: str) -> bool:
    """An active peering connection between the two VPCs, both in the same Region."""
    for connection in list(backend.vpc_pcxs.values()):
        if connection._status.code != "active":
            continue
        if {connection.vpc.id, connection.peer_vpc.id} != {vpc_a, vpc_b}:
            continue
        if connection.vpc.region == connection.peer_vpc.region:
            return True
    return False


def referenced_group(request: Request, backend: Any, pair: dict[str, str]) -> Any:
    """The group a pair references, or AWS's InvalidGroup.NotFound."""
    group_id = pair.get("GroupId")
    if group_id:
        group = backend.get_security_group_from_id(group_id)
        if group is None:
            raise request.error(
                "InvalidGroup.NotFound", f"The security group '{group_id}' does not exist"
            )
        return group
    name = pair.get("GroupName", "")
    default_vpc = default_vpc_id(backend)
    group = (
        backend.get_security_group_from_name(name, default_vpc) if default_vpc and name else None
    )
    if group is None:
        raise request.error(
            "InvalidGroup.NotFound",
            f"The security group '{name}' does not exist in default VPC '{default_vpc or ''}'",
        )
    return group


@rule(
    "ec2",
    "AuthorizeSecurityGroupIngress",
    "AuthorizeSecurityGroupEgress",
    "ModifySecurityGroupRules",
)
def referenced_group_in_reach(request: Request) -> None:
    # See the module's docstring: a referenced group must exist, and be in the rule's VPC
    # or in a VPC peered with it by an active connection in the same Region.
    pairs = [
        pair
        for pair in referenced_pairs(request)
        if pair.get("UserId", request.account) == request.account  # another account's: moto's
    ]
    if not pairs:
        return
    backend = ec2_backend(request.account, request.region)
    own_id = request.params.get("GroupId") or request.params.get("GroupName", "")
    try:
        own = backend.get_security_group_by_name_or_id(own_id)
    except moto_errors():
        own = None
    if own is None:
        return  # moto answers InvalidGroup.NotFound for the rule's own group itself
    for pair in pairs:
        other = referenced_group(request, backend, pair)
        if other.vpc_id == own.vpc_id or peered(backend, own.vpc_id, other.vpc_id):
            continue
        raise request.error("InvalidGroup.NotFound", DIFFERENT_NETWORKS)


def rule_description(rule: Any) -> str | None:
    """A security group rule's description, whatever its peer.

    EC2 API reference, SecurityGroupRule: Description is the rule's, for a rule that
    references a group as for one with a block. moto reads it from the block alone, so a
    rule referencing a group (aws_vpc_security_group_ingress_rule with
    referenced_security_group_id) lost it in DescribeSecurityGroupRules, and every plan
    wanted to set it again."""
    found = rule.ip_range.get("Description")
    if found is None and rule.source_group:
        found = rule.source_group.get("Description")
    return found  # type: ignore[no-any-return]


def patches() -> list[tuple[Any, str, Any]]:
    """(owner, attribute, replacement) for install.install."""
    from moto.ec2.models.security_groups import SecurityGroupRule

    return [(SecurityGroupRule, "description", property(rule_description))]
