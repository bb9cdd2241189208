"""The interface budget: the network interfaces a project's functions make Lambda create,
announced before anything is created (summary, --dry-run, README).

Lambda developer guide, "Giving Lambda functions access to resources in an Amazon VPC":
Lambda creates a Hyperplane network interface for each combination of subnet and
security groups its VPC functions use, and functions with the same combination share
it; a busy combination can get more. The account's quota of network interfaces per
region is 5,000 by default (Amazon VPC quotas), shared with everything in the region.
"""

from __future__ import annotations

from dataclasses import dataclass

from scaffold.answers import Answers
from scaffold.answers.functions import aws_name

# Amazon VPC User Guide, "Amazon VPC quotas": network interfaces per Region, 5,000 (adjustable).
REGION_INTERFACE_QUOTA = 5000


@dataclass(frozen=True)
class InterfaceBudget:
    """The combinations of subnet and security groups the functions use, and what else
    of the project holds an interface."""

    subnets: int
    # Each combination of groups, and the functions on it: the first is the project's.
    combinations: tuple[tuple[str, tuple[str, ...]], ...]
    endpoints: int  # interface endpoints' interfaces: one per endpoint and subnet
    nat: int  # a NAT gateway or instance holds one each

    @property
    def lambda_interfaces(self) -> int:
        return self.subnets * len(self.combinations)

    @property
    def total(self) -> int:
        return self.lambda_interfaces + self.endpoints + self.nat

    @property
    def quota(self) -> int:
        return REGION_INTERFACE_QUOTA

    def lines(self) -> list[str]:
        """The budget as text lines, for the summary, --dry-run and the README."""
        found = [
            f"Network interfaces: {self.lambda_interfaces} for Lambda ({self.subnets} subnets x"
            f" {len(self.combinations)} security group {'combination' if len(self.combinations) == 1 else 'combinations'})"
            + (f", {self.endpoints} for interface endpoints" if self.endpoints else "")
            + (f", {self.nat} for NAT" if self.nat else "")
            + f"; {self.total} of the region's default quota of {self.quota:,} (Amazon VPC quotas)"
        ]
        for group, functions in self.combinations:
            found.append(f"  {group}: {', '.join(functions)}")
        found.append(
            "  (Lambda creates one per subnet and combination, shared by the functions on it;"
            " more when one carries many connections)"
        )
        return found


def interface_budget(answers: Answers) -> InterfaceBudget:
    subnets = answers.azs or len(answers.subnet_ids or ())
    first = answers.name
    shared = [first] + [aws_name(first, f.name) for f in answers.functions if f.security_group == "shared"]
    group = "your security groups" if answers.security_group_ids else "the function security group"
    combinations = [(group, tuple(shared))]
    for function in answers.functions:
        if function.security_group == "own":
            name = aws_name(first, function.name)
            combinations.append((f"{name}'s own group", (name,)))
    return InterfaceBudget(
        subnets=subnets,
        combinations=tuple(combinations),
        endpoints=len(answers.interface_endpoints) * subnets,
        # A NAT gateway holds one; a NAT instance two (its own, and the one routes point at).
        nat=answers.nat_gateway_count + 2 * answers.nat_instance_count,
    )
