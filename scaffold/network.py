"""CIDR planning: one private subnet per AZ, plus public subnets for NAT gateways.

Private subnets come from the lower half of the VPC, cut into room for eight AZs
(or as many as fit at the /27 floor), so that adding an AZ later renumbers no
subnet; public subnets (small: they hold only NAT gateways) come from the upper
half, one slot per AZ key. What is left stays free for the user's own subnets.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from ipaddress import IPv4Network
from itertools import islice

from scaffold.errors import InvalidAnswer

# Lambda's network interfaces and interface endpoints each take addresses from
# the private subnets; a /27 (27 usable after AWS reserves 5) is the floor.
SMALLEST_PRIVATE_PREFIX = 27
PUBLIC_PREFIX = 24
# Room for this many private subnets whatever the AZ count: azN always gets slot N.
PRIVATE_SLOTS = 8


@dataclass(frozen=True)
class Subnet:
    """One planned subnet."""

    key: str  # "az1".."azN": the Nth available AZ of the region, a stable for_each key
    cidr: IPv4Network


@dataclass(frozen=True)
class SubnetPlan:
    """The planned private and public subnets."""

    private: tuple[Subnet, ...]
    public: tuple[Subnet, ...]


def az_key(index: int) -> str:
    return f"az{index + 1}"


def public_subnet_count(topology: str, azs: int | None, per_az: bool) -> int:
    """NAT gateways or instances, each in a public subnet of its own: one, or one per AZ."""
    if topology != "private-nat" or azs is None:
        return 0
    return azs if per_az else 1


def plan_subnets(vpc: IPv4Network | None, azs: int | None, public_count: int = 0) -> SubnetPlan:
    """The subnets to create; none for an existing VPC (no CIDR)."""
    if vpc is None or azs is None:
        return SubnetPlan(private=(), public=())
    lower, upper = vpc.subnets(prefixlen_diff=1)
    if lower.prefixlen + math.ceil(math.log2(azs)) > SMALLEST_PRIVATE_PREFIX:
        most = 2 ** (SMALLEST_PRIVATE_PREFIX - lower.prefixlen)
        raise InvalidAnswer(
            f"{vpc} leaves its private subnets {lower} (its lower half), room for {most}"
            f" of at least /{SMALLEST_PRIVATE_PREFIX}, not {azs}; use a larger VPC CIDR"
            " or fewer AZs"
        )
    slots = lower.prefixlen + (PRIVATE_SLOTS - 1).bit_length()
    private_prefix = min(slots, SMALLEST_PRIVATE_PREFIX)
    private = islice(lower.subnets(new_prefix=private_prefix), azs)
    public_prefix = max(private_prefix, PUBLIC_PREFIX)
    public = islice(upper.subnets(new_prefix=public_prefix), public_count)
    return SubnetPlan(
        private=tuple(Subnet(az_key(index), cidr) for index, cidr in enumerate(private)),
        public=tuple(Subnet(az_key(index), cidr) for index, cidr in enumerate(public)),
    )
