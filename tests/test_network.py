"""CIDR planning over the whole space of VPC sizes, AZ counts and NAT layouts."""

from __future__ import annotations

from ipaddress import IPv4Network
from itertools import combinations

import pytest

from scaffold.answers import AZ_RANGE, VPC_PREFIX_RANGE, RawAnswer, build_answers
from scaffold.errors import ScaffoldError

LAYOUTS = [("private", None), ("private-nat", "single"), ("private-nat", "per-az")]
# The contract's smallest private subnet, written out here rather than taken from the code under test.
SMALLEST_PRIVATE_PREFIX = 27


def test_default_plan() -> None:
    plan = build_answers({}).subnet_plan
    assert [(s.key, str(s.cidr)) for s in plan.private] == [("az1", "10.0.0.0/20"), ("az2", "10.0.16.0/20")]
    assert plan.public == ()


@pytest.mark.parametrize(("topology", "nat"), LAYOUTS)
@pytest.mark.parametrize("prefix", range(VPC_PREFIX_RANGE[0], VPC_PREFIX_RANGE[1] + 1))
@pytest.mark.parametrize("azs", range(AZ_RANGE[0], AZ_RANGE[1] + 1))
def test_every_plan_fits_and_never_overlaps(topology: str, nat: str | None, prefix: int, azs: int) -> None:
    raw = {
        "vpc_cidr": RawAnswer(f"10.8.0.0/{prefix}", "--vpc-cidr"),
        "azs": RawAnswer(azs, "--azs"),
        "topology": RawAnswer(topology, "--topology"),
    }
    if nat:
        raw["nat"] = RawAnswer(nat, "--nat")
    vpc = IPv4Network(f"10.8.0.0/{prefix}")
    if prefix + 1 + (azs - 1).bit_length() > SMALLEST_PRIVATE_PREFIX:
        with pytest.raises(ScaffoldError, match="room for"):
            build_answers(raw)
        return
    plan = build_answers(raw).subnet_plan
    assert [s.key for s in plan.private] == [f"az{i + 1}" for i in range(azs)]
    expected_public = 0 if topology == "private" else (azs if nat == "per-az" else 1)
    assert len(plan.public) == expected_public
    assert {s.key for s in plan.public} <= {s.key for s in plan.private}
    cidrs = [s.cidr for s in plan.private + plan.public]
    assert all(cidr.subnet_of(vpc) for cidr in cidrs)
    assert not any(a.overlaps(b) for a, b in combinations(cidrs, 2))
    assert all(s.cidr.prefixlen <= SMALLEST_PRIVATE_PREFIX for s in plan.private)
    assert len({s.cidr.prefixlen for s in plan.private}) == 1


@pytest.mark.parametrize(("topology", "nat"), LAYOUTS)
@pytest.mark.parametrize("prefix", range(VPC_PREFIX_RANGE[0], VPC_PREFIX_RANGE[1] + 1))
def test_adding_an_az_renumbers_no_subnet(topology: str, nat: str | None, prefix: int) -> None:
    """An update to more AZs keeps every existing subnet's CIDR: nothing is replaced."""
    plans = {}
    for azs in range(AZ_RANGE[0], AZ_RANGE[1] + 1):
        raw = {
            "vpc_cidr": RawAnswer(f"10.8.0.0/{prefix}", "--vpc-cidr"),
            "azs": RawAnswer(azs, "--azs"),
            "topology": RawAnswer(topology, "--topology"),
        }
        if nat:
            raw["nat"] = RawAnswer(nat, "--nat")
        try:
            plan = build_answers(raw).subnet_plan
        except ScaffoldError:
            break  # the VPC holds no more AZs
        plans[azs] = {(kind, s.key): s.cidr for kind, subnets in (("private", plan.private), ("public", plan.public)) for s in subnets}
    assert len(plans) >= 2
    for fewer, more in zip(list(plans), list(plans)[1:]):
        assert plans[more].items() >= plans[fewer].items(), (fewer, more)
