"""What the function can reach, hop by hop, judged on the model: each connect target
(`--connect`), each AWS service the handler calls (`scaffold.check.services`), and the
internet where the answers ask for it. `vpc-lambda-new explain` prints the paths, the
rule `reachable` breaks on a missing hop, and generation and `update` say so in a line.

A path is its hops in order: the route from the function's subnets, the function's egress
rule, and the far side (the target's ingress rule, the endpoint, the role's permission).
A hop is there, missing, or not judged (a value known only to a plan or to AWS): never a
pass on a value that is not known.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from ipaddress import IPv4Network, ip_network
from pathlib import Path
from typing import Any

from scaffold.answers.parsers import GATEWAY_ENDPOINTS, INTERFACE_ENDPOINTS
from scaffold.answers.targets import Target, parse_target
from scaffold.check.model import (
    Function,
    Model,
    Role,
    SubnetEntity,
    Unresolved,
    load_tfvars,
)
from scaffold.check.rules.base import Broken, NotJudged, Subject, Verdict, rule
from scaffold.check.rules.common import matches, role_grants, statement_denies
from scaffold.check.rules.paths import (
    ENDPOINT_NAMES,
    GATEWAY_SERVICES,
    HTTPS,
    MISSING,
    NOT_JUDGED,
    OK,
    SKIPPED,
    Destination,
    Hop,
    Network,
    endpoint_admits,
    gateway_endpoint,
    ingress_of,
    interface_endpoint,
    to_block,
    to_group,
    to_prefix_list,
)
from scaffold.check.services import ServiceCall, scan_project
from scaffold.check.values import Ref, Unknown, is_unknown
from scaffold.errors import InvalidAnswer


def service_hops(model: Model, network: Network, service: str) -> tuple[Hop, ...]:
    """A path to an AWS service in the region: a gateway endpoint, an interface endpoint, or
    a way out to its public endpoint; HTTPS from the function's group on each."""
    if network.unknown:
        return (Hop("route", NOT_JUDGED, network.unknown),)
    name = ENDPOINT_NAMES.get(service, service)
    if service in GATEWAY_SERVICES:
        gateway = gateway_endpoint(model, network, service)
        if gateway is not None and gateway[1].state != MISSING:
            endpoint_found, gateway_hop = gateway
            prefix_list = to_prefix_list(model, endpoint_found)
            return (gateway_hop, network.egress(HTTPS, f"the {service} prefix list", prefix_list))
    endpoint, hop = interface_endpoint(model, network, name)
    if endpoint is not None and hop is not None:
        # HTTPS to the endpoint's interfaces, in its subnets' blocks (IPv4: the endpoints
        # here are IPv4).
        subnets = endpoint.subnets if isinstance(endpoint.subnets, list) else []
        blocks = [s.cidr for s in subnets if isinstance(s, SubnetEntity) and isinstance(s.cidr, IPv4Network)]
        if not blocks or len(blocks) != len(subnets):
            egress = Hop("egress", NOT_JUDGED, f"the subnets of {endpoint.address} are not known before apply")
        else:
            egress = worst([network.egress(HTTPS, f"the {name} endpoint in {block}", to_block(block)) for block in blocks])
        return (hop, endpoint_admits(model, network, endpoint), egress)
    out = network.way_out(4)
    if out.state == MISSING:
        what = f"no {name} endpoint ({'gateway or interface' if service in GATEWAY_SERVICES else 'interface'})"
        offered = name in GATEWAY_ENDPOINTS + INTERFACE_ENDPOINTS
        fix = f" (vpc-lambda-new update --endpoints ...,{name}, or NAT)" if offered else " (an endpoint, or NAT)"
        return (Hop("endpoint", MISSING, f"{what}, and {out.detail}: calls to {service} time out{fix}"),)
    return (out, network.egress(HTTPS, "the internet (0.0.0.0/0)", to_block(ip_network("0.0.0.0/0"))))


# --- the destinations ---------------------------------------------------------------------------


def worst(hops: Sequence[Hop]) -> Hop:
    """The first missing hop, else the first not judged, else the first."""
    for state in (MISSING, NOT_JUDGED):
        found = next((hop for hop in hops if hop.state == state), None)
        if found is not None:
            return found
    return hops[0]


def best(hops: Sequence[Hop]) -> Hop:
    """The first hop there, else the first not judged, else the first: one of several
    ways suffices (any of a target's groups)."""
    for state in (OK, NOT_JUDGED):
        found = next((hop for hop in hops if hop.state == state), None)
        if found is not None:
            return found
    return hops[0]


def variable(model: Model, tfvars: Mapping[str, Any], name: str, default: object = None) -> Any:
    """A root variable as the model resolved it; from terraform.tfvars where it could not (a
    state carries no variables)."""
    value = model.variables.get(name)
    stated = model.from_plan and not model.variables_given  # the evaluator took the defaults
    if value is None or is_unknown(value) or (stated and name in tfvars):
        value = tfvars.get(name, value)
    return default if value is None else value


def targets_of(model: Model, tfvars: Mapping[str, Any], added: str = "") -> tuple[list[Target], list[str]]:
    """The connect targets of the root variable (of an added function: its entry in
    var.functions), and the ones that do not parse."""
    given = variable(model, tfvars, "connect", [])
    if added:
        functions = variable(model, tfvars, "functions", {})
        entry = functions.get(added) if isinstance(functions, dict) else None
        given = entry.get("connect") if isinstance(entry, dict) else []
    if isinstance(given, Unknown) or not isinstance(given, list):
        return [], ["var.connect is not known"] if given else []
    found, bad = [], []
    for text in given:
        try:
            found.append(parse_target(str(text)))
        except InvalidAnswer as problem:
            bad.append(str(problem))
    return found, bad


LOOKUPS = {
    # kind: (the data source, its groups, its port: an attribute, or the engine family's)
    "rds": ("aws_db_instance", "vpc_security_groups", "port"),
    "rds-proxy": ("aws_db_proxy", "vpc_security_group_ids", "engine_family"),
    "elasticache": ("aws_elasticache_cluster", "security_group_ids", ""),
}
PROXY_PORTS = {"MYSQL": 3306, "POSTGRESQL": 5432, "SQLSERVER": 1433}


def data_instance(model: Model, type_name: str, key: str) -> str | None:
    """The address of the data source of a type read for a connect target (key)."""
    suffix = f'.connect["{key}"]'
    return next(
        (
            address
            for address, kind, mode in model.instances
            if kind == type_name and mode == "data" and address.endswith(suffix)
        ),
        None,
    )


def looked_up_groups(model: Model, target: Target) -> tuple[list[str], int | None] | str:
    """A looked-up target's security groups and port, from its data sources; a reason when
    they are known only to a plan."""
    type_name, groups_name, port_name = LOOKUPS[target.kind]
    address = data_instance(model, type_name, target.value)
    if model.read is None or address is None or not model.from_plan:
        return f"{target.text}'s security groups are read at plan time: give --plan"
    found = model.read(address, groups_name)
    if is_unknown(found) or not isinstance(found, list):
        return f"{address}.{groups_name} is not known"
    if target.kind == "rds":
        value = model.read(address, port_name)
    elif target.kind == "rds-proxy":
        value = PROXY_PORTS.get(str(model.read(address, port_name)))
    else:
        group = data_instance(model, "aws_elasticache_replication_group", target.value)
        value = model.read(group, "port") if group else None
    port = int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None
    return [str(group) for group in found], port


def target_hops(
    model: Model, network: Network, target: Target, ingress_on: object
) -> tuple[Hop, ...]:
    if target.kind == "cidr":
        block = ip_network(target.value)
        return (
            network.route_to(block),
            network.egress(int(target.port or 0), target.value, to_block(block)),
        )
    if target.kind == "secret":
        return (
            secret_permission(model, network, target),
            secret_key(model, network, target),
            *service_hops(model, network, "secretsmanager"),
        )
    if target.kind == "sg":
        groups, port = [target.value], target.port
        lookup: tuple[Hop, ...] = ()
    else:
        found = looked_up_groups(model, target)
        if isinstance(found, str):
            return (Hop("lookup", NOT_JUDGED, found),)
        groups, port = found
        if port is None:
            return (Hop("lookup", NOT_JUDGED, f"the port of {target.text} is not known"),)
        lookup = (Hop("lookup", OK, f"{target.text}: security groups {', '.join(groups)}, port {port}"),)
    vpc = network.vpc
    number = int(port or 0)
    # AWS admits traffic that any one of the target interface's groups admits, and the
    # function may send to it through any of them.
    return (
        *lookup,
        best([group_in_the_vpc(model, network, group) for group in groups]),
        best([network.egress(number, group, to_group(group, vpc)) for group in groups]),
        best([ingress_of(model, network, group, number, ingress_on) for group in groups]),
    )


def group_in_the_vpc(model: Model, network: Network, group_id: str) -> Hop:
    """The route to a target's group: local, when the group is in the function's VPC (AWS
    refers to a group of another VPC only through peering)."""
    address = data_instance(model, "aws_security_group", group_id)
    vpc = network.vpc
    if not model.from_plan or model.read is None or address is None or vpc is None:
        return Hop("route", NOT_JUDGED, f"the VPC of {group_id} is read at plan time: give --plan")
    theirs, ours = model.read(address, "vpc_id"), model.read(vpc.address, "id")
    if is_unknown(theirs) or is_unknown(ours) or not isinstance(theirs, str) or not isinstance(ours, str):
        return Hop("route", NOT_JUDGED, f"the VPC of {group_id} is not known before apply")
    if theirs != ours:
        return Hop("route", MISSING, f"{group_id} is in {theirs}, not in the function's VPC {ours}{ROUTE_HINT_PEERED}")
    return Hop("route", OK, f"local: {group_id} is in the function's VPC {ours}")


ROUTE_HINT_PEERED = ": reach a peered VPC by its block (CIDR:PORT)"


def secret_permission(model: Model, network: Network, target: Target) -> Hop:
    role = network.function.role
    if not hasattr(role, "grants"):
        return Hop("permission", NOT_JUDGED, f"the role of {network.function.address} is not known")
    allowed, unknown = False, False
    for grant in role_grants(model, role):  # type: ignore[arg-type]
        if isinstance(grant.statements, Unresolved):
            unknown = True
            continue
        for statement in grant.statements:
            resources = statement.resources or []
            names = any(
                isinstance(r, str) and not isinstance(r, Unknown) and names_secret(r, target.value)
                for r in resources
            )
            if any(is_unknown(r) or isinstance(r, Ref) for r in resources):
                unknown = unknown or not names
            if statement.effect == "Deny" and statement_denies(statement, "secretsmanager:GetSecretValue") and names:
                return Hop("permission", MISSING, f"{grant.what} denies secretsmanager:GetSecretValue on it")
            acts = statement.actions or []
            if statement.effect == "Allow" and names and any(matches(str(a), "secretsmanager:GetSecretValue") for a in acts):
                allowed = True
    if allowed:
        return Hop("permission", OK, "the role may call secretsmanager:GetSecretValue on it")
    if unknown:
        return Hop("permission", NOT_JUDGED, "the role's policies on the secret are known only to a plan")
    return Hop("permission", MISSING, "the role may not call secretsmanager:GetSecretValue on it")


def secret_key(model: Model, network: Network, target: Target) -> Hop:
    """A secret a customer managed key encrypts is read only with kms:Decrypt on it (through
    Secrets Manager); with the AWS managed key, GetSecretValue is enough."""
    address = data_instance(model, "aws_secretsmanager_secret", target.value)
    if not model.from_plan or model.read is None or address is None:
        return Hop("key", NOT_JUDGED, "the secret's key is read at plan time: give --plan")
    key = model.read(address, "kms_key_id")
    if is_unknown(key):
        return Hop("key", NOT_JUDGED, "the secret's key is not known before apply")
    if not key:
        return Hop("key", OK, "the AWS managed key aws/secretsmanager: GetSecretValue is enough")
    role = network.function.role
    grants = role_grants(model, role) if isinstance(role, Role) else []
    for grant in grants:
        if isinstance(grant.statements, Unresolved):
            return Hop("key", NOT_JUDGED, f"{grant.what} is not known before apply")
        for statement in grant.statements:
            acts = statement.actions or []
            if statement.effect == "Allow" and any(matches(str(a), "kms:Decrypt") for a in acts):
                return Hop("key", OK, f"{grant.what} allows kms:Decrypt (the key's policy must let IAM grant it)")
    return Hop("key", MISSING, f"the role may not decrypt with {key}, which encrypts it")


def names_secret(resource: str, arn: str) -> bool:
    """Whether a policy's resource names a secret given by its ARN, complete or without the
    six characters AWS appends to the name (Secrets Manager user guide, "Secret ARN")."""
    return matches(resource, arn) or resource.startswith(arn + "-") and len(resource) == len(arn) + 7


def probe_skips_sts(model: Model, function: Function) -> bool:
    """The generated handler's STS probe is off where the network has no path to STS."""
    if model.read is None:
        return False
    environment = model.read(function.address, "environment")
    blocks = environment if isinstance(environment, list) else []
    for block in blocks:
        variables = block.get("variables") if isinstance(block, dict) else None
        if isinstance(variables, dict) and variables.get("AWS_API_PROBE") == "off":
            return True
    return False


# An added function's resources (main.tf, module "functions"): its key is its folder's name.
ADDED_FUNCTION = re.compile(r'^module\.functions\["([a-z0-9-]+)"\]\.')


def service_destinations(
    model: Model, project: Path, function: Function, network: Network, added: str
) -> list[Destination]:
    """The AWS services a function's handler calls, each with its hops; an added function's
    are named after it ("worker: sqs") and read from functions/NAME/src/."""
    calls = scan_project(project, f"functions/{added}/src" if added else "src")
    by_service: dict[str, list[ServiceCall]] = {}
    for call in calls:
        by_service.setdefault(call.service, []).append(call)
    skips_sts = probe_skips_sts(model, function)
    found = []
    for service, where in sorted(by_service.items()):
        why = ", ".join(f"{call.file}:{call.line}" for call in where[:3]) + (" ..." if len(where) > 3 else "")
        if service == "sts" and skips_sts:
            hops: tuple[Hop, ...] = (Hop("probe", SKIPPED, "no path to STS; the handler's probe is off (AWS_API_PROBE)"),)
        else:
            hops = service_hops(model, network, service)
        found.append(Destination(f"{added}: {service}" if added else service, "service", hops, f"called in {why}"))
    return found


def judge_reach(
    model: Model, project: Path, topology: str, tfvars: Mapping[str, Any]
) -> list[Destination]:
    """Every destination the function needs, with its hops. `tfvars`: the project's
    terraform.tfvars, for the variables a state does not carry."""
    if not model.functions:
        return []
    first = [f for f in model.functions if not ADDED_FUNCTION.match(f.address)]
    function = (first or model.functions)[0]
    network = Network.of(model, function)
    found: list[Destination] = []
    targets, bad = targets_of(model, tfvars)
    for problem in bad:
        found.append(Destination(problem, "target", (Hop("lookup", NOT_JUDGED, problem),)))
    ingress_on = variable(model, tfvars, "connect_ingress", True)
    for target in targets:
        found.append(Destination(target.text, "target", target_hops(model, network, target, ingress_on)))
    found += service_destinations(model, project, function, network, "")
    for added in model.functions:
        named = ADDED_FUNCTION.match(added.address)
        if named is not None:
            # An added function (add-function NAME): its own handler, group and network.
            key, added_network = named[1], Network.of(model, added)
            added_targets, _bad = targets_of(model, tfvars, key)
            for target in added_targets:
                hops = target_hops(model, added_network, target, ingress_on)
                found.append(Destination(f"{key}: {target.text}", "target", hops))
            found += service_destinations(model, project, added, added_network, key)
    if topology == "private-nat":
        found.append(internet_destination(network, 4))
        if variable(model, tfvars, "enable_ipv6") is True:
            found.append(internet_destination(network, 6))
    if model.unenumerated:  # a hop may be one of the instances only a plan counts
        found = [unsure(destination, model.unenumerated) for destination in found]
    return found


# The resources that may hold each kind of hop.
HOP_TYPES = {
    "route": ("aws_route", "aws_route_table", "aws_vpc_peering_connection", "aws_ec2_transit_gateway"),
    "endpoint": ("aws_vpc_endpoint",),
    "egress": ("aws_security_group", "aws_vpc_security_group_egress_rule"),
    "ingress": ("aws_security_group", "aws_vpc_security_group_ingress_rule"),
    "permission": ("aws_iam_role_policy", "aws_iam_policy"),
    "key": ("aws_iam_role_policy", "aws_iam_policy"),
}


def unsure(destination: Destination, unenumerated: Sequence[str]) -> Destination:
    """A missing hop that a resource of unknown count may hold (`for_each` over values
    known at plan) is not judged: the configuration alone cannot count them."""
    hops = []
    for hop in destination.hops:
        holders = [
            address for address in unenumerated
            if ".data." not in f".{address}" and any(f"{kind}." in address for kind in HOP_TYPES.get(hop.what, ()))
        ]  # fmt: skip
        if hop.state == MISSING and holders:
            hop = Hop(hop.what, NOT_JUDGED, f"{hop.detail}; how many instances {holders[0]} has is known only to a plan")
        hops.append(hop)
    return Destination(destination.name, destination.kind, tuple(hops), destination.why)


def internet_destination(network: Network, version: int) -> Destination:
    everything = ip_network("0.0.0.0/0" if version == 4 else "::/0")
    return Destination(
        f"the internet over IPv{version}",
        "internet",
        (network.way_out(version), network.egress(HTTPS, str(everything), to_block(everything))),
    )


def one_line(destinations: Sequence[Destination]) -> list[str]:
    """What generation and update say: one line per destination with a missing hop."""
    return [destination.line() for destination in destinations if destination.state == MISSING]


@rule(
    "reachable",
    "Every connect target, every AWS service the handler calls, and the internet where the"
    " answers ask for it has a path: route, egress rule, and the far side's rule or endpoint.",
    link="https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc-internet.html",
)
def reachable(subject: Subject) -> Iterator[Verdict]:
    tfvars = load_tfvars(subject.project, subject.configuration)
    for destination in judge_reach(subject.model, subject.project, subject.intent.topology, tfvars):
        if destination.state == MISSING and destination.missing is not None:
            where = next(
                (f.place for f in subject.model.functions), "the function"
            )
            yield Broken("reachable", where, destination.line())
        elif destination.state == NOT_JUDGED:
            unknown = next(hop for hop in destination.hops if hop.state == NOT_JUDGED)
            yield NotJudged("reachable", f"{destination.name}: {unknown.detail}")
