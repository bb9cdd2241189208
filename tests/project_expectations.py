"""What a generated project's terraform.tfvars must say for the answers it was generated from.

Not a rule of the guide (a user may edit terraform.tfvars), so not part of `check`: a
property of the generator, held against the answers and against facts about CIDRs.
"""

from __future__ import annotations

from ipaddress import IPv4Network
from itertools import combinations
from typing import Any

from hcl_reader import Project

from scaffold.answers import PER_AZ_NAT_LAYOUTS, Answers


def expected_public_subnets(answers: Answers) -> int:
    if answers.topology != "private-nat":
        return 0
    return int(answers.azs or 0) if answers.nat in PER_AZ_NAT_LAYOUTS else 1


def tfvars_mismatches(project: Project, answers: Answers) -> list[str]:
    tfvars: dict[str, Any] = project.tfvars
    found: list[str] = []
    wanted: dict[str, Any] = {
        "name": answers.name, "region": answers.region, "runtime": answers.runtime,
        "architecture": answers.architecture, "memory_size": answers.memory,
        "timeout": answers.timeout, "tags": dict(answers.tags),
        "gateway_endpoints": list(answers.gateway_endpoints),
        "interface_endpoints": list(answers.interface_endpoints),
    }  # fmt: skip
    if answers.topology == "existing":
        wanted |= {
            "vpc_id": answers.vpc_id,
            "subnet_ids": list(answers.subnet_ids or ()),
            "security_group_ids": list(answers.security_group_ids or ()),
            "route_table_ids": list(answers.route_table_ids or ()),
        }
    else:
        wanted |= {"vpc_cidr": str(answers.vpc_cidr), "enable_flow_logs": answers.flow_logs}
        # Pinned zones, in az1..azN order; none pinned leaves the variable to its default.
        wanted["availability_zones"] = list(answers.zones) if answers.zones else None
    for key, value in wanted.items():
        if tfvars.get(key) != value:
            found.append(f"tfvars: {key} = {tfvars.get(key)!r}, answered {value!r}")
    if answers.topology == "existing":
        return found
    assert answers.vpc_cidr is not None and answers.azs is not None
    private = {key: IPv4Network(cidr) for key, cidr in tfvars.get("private_subnets", {}).items()}
    public = {key: IPv4Network(cidr) for key, cidr in tfvars.get("public_subnets", {}).items()}
    if list(private) != [f"az{index + 1}" for index in range(answers.azs)]:
        found.append(f"tfvars: private_subnets are {sorted(private)}, expected az1..az{answers.azs}")
    if len(public) != expected_public_subnets(answers) or not set(public) <= set(private):
        found.append(f"tfvars: public_subnets are {sorted(public)}")
    every = [*private.values(), *public.values()]
    found += [f"tfvars: {cidr} lies outside {answers.vpc_cidr}" for cidr in every if not cidr.subnet_of(answers.vpc_cidr)]
    found += [f"tfvars: {a} overlaps {b}" for a, b in combinations(every, 2) if a.overlaps(b)]
    return found
