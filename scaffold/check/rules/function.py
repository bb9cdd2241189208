"""Rules of the function and its network: tenancy, AZs, public IPs, flow logs, SnapStart."""

from __future__ import annotations

from collections.abc import Iterator

from scaffold.answers.functions import cold_start_problem
from scaffold.check.model import (
    SubnetEntity,
)
from scaffold.check.rules.base import Broken, NotJudged, Subject, Verdict, rule
from scaffold.check.rules.common import attached, distinct_zones, function_subnets
from scaffold.check.values import Unknown


@rule(
    "tenancy",
    "The VPC of the function has default instance tenancy (Lambda cannot run in a dedicated one).",
    link="https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html",
)
def tenancy(subject: Subject) -> Iterator[Verdict]:
    model = subject.model
    for vpc in model.vpcs:
        if isinstance(vpc.tenancy, Unknown):
            yield NotJudged("tenancy", f"the tenancy of {vpc.address} is not known")
        elif vpc.tenancy != "default":
            yield Broken("tenancy", vpc.place, f"has {vpc.tenancy} tenancy")


@rule(
    "multi-az",
    "The function's subnets are in at least two AZs.",
    link="https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html",
)
def multi_az(subject: Subject) -> Iterator[Verdict]:
    model = subject.model
    name = "multi-az"
    for function in model.functions:
        if not attached(function):
            continue
        subnets = list(function_subnets(name, function))
        judged = [s for s in subnets if isinstance(s, SubnetEntity)]
        if len(judged) != len(subnets):
            yield next(s for s in subnets if isinstance(s, NotJudged))
            continue
        count = distinct_zones([s.zone for s in judged])
        if count is None:
            yield NotJudged(
                name, f"the AZs of the subnets of {function.address} are not known before apply"
            )
        elif count < 2:
            yield Broken(
                name,
                function.place,
                f"its subnets ({', '.join(s.address for s in judged)}) are all in one AZ",
            )


@rule(
    "public-ip",
    "No subnet the project creates gives its instances public IPs on launch.",
    link="https://docs.aws.amazon.com/vpc/latest/userguide/vpc-ip-addressing.html",
)
def public_ip(subject: Subject) -> Iterator[Verdict]:
    model = subject.model
    for subnet in model.subnets:
        if subnet.managed and subnet.map_public_ip is True:
            yield Broken("public-ip", subnet.place, "has map_public_ip_on_launch = true")


@rule(
    "flow-logs",
    "A flow log of the VPC records all traffic (ALL), accepted and rejected.",
    link="https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs.html",
)
def flow_logs(subject: Subject) -> Iterator[Verdict]:
    model = subject.model
    for flow_log in model.flow_logs:
        if isinstance(flow_log.traffic_type, Unknown):
            yield NotJudged("flow-logs", f"{flow_log.address}.traffic_type is not known")
        elif flow_log.traffic_type != "ALL":
            yield Broken(
                "flow-logs", flow_log.place, f"records {flow_log.traffic_type} traffic only"
            )


@rule(
    "snapstart",
    "A function with SnapStart runs Python 3.12 or later, with no EFS, no ephemeral storage"
    " over 512 MB and no provisioned concurrency (Lambda refuses each).",
    link="https://docs.aws.amazon.com/lambda/latest/dg/snapstart.html",
)
def snapstart(subject: Subject) -> Iterator[Verdict]:
    model = subject.model
    if model.read is None:
        return
    provisioned = [
        address for address, type_name, mode in model.instances
        if type_name == "aws_lambda_provisioned_concurrency_config" and mode == "managed"
    ]  # fmt: skip
    for function in model.functions:
        blocks = model.read(function.address, "snap_start")
        if isinstance(blocks, Unknown):
            yield NotJudged("snapstart", f"{function.address}.snap_start is not known")
            continue
        if not any(isinstance(b, dict) and b.get("apply_on") == "PublishedVersions" for b in blocks or []):
            continue
        storage = model.read(function.address, "ephemeral_storage")
        sizes = [b.get("size") for b in storage if isinstance(b, dict)] if isinstance(storage, list) else []
        module = function.address.rsplit("aws_lambda_function.", 1)[0]
        settings = {
            "snapstart": True,
            "runtime": model.read(function.address, "runtime"),
            "ephemeral_storage": next((size for size in sizes if isinstance(size, int)), 512),
            "provisioned_concurrency": any(address.startswith(module) for address in provisioned),
        }
        problem = cold_start_problem(settings)
        filesystems = model.read(function.address, "file_system_config")
        if problem is None and isinstance(filesystems, list) and filesystems:
            problem = "SnapStart does not support Amazon EFS (file_system_config)"
        if problem is not None:
            yield Broken("snapstart", function.place, problem)
