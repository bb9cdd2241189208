"""Rules of IAM: the ENI permissions and their lifetime, trust, least privilege, the function's log group."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from scaffold.check.model import (
    ENI_ACTIONS,
    Entity,
    Grant,
    Role,
    Unresolved,
)
from scaffold.check.rules.base import Broken, NotJudged, Subject, Verdict, rule
from scaffold.check.rules.common import (
    attached,
    dependency_check,
    function_role,
    function_subnets,
    group_links,
    held,
    role_grants,
)
from scaffold.check.values import Ref, Template, Unknown


@rule(
    "eni-permissions",
    "The function's execution role is allowed the six network-interface actions of the"
    " Lambda guide on every resource: ec2:CreateNetworkInterface,"
    " ec2:DescribeNetworkInterfaces, ec2:DescribeSubnets, ec2:DeleteNetworkInterface,"
    " ec2:AssignPrivateIpAddresses and ec2:UnassignPrivateIpAddresses.",
    link="https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html#configuration-vpc-permissions",
)
def eni_permissions(subject: Subject) -> Iterator[Verdict]:
    model = subject.model
    name = "eni-permissions"
    for function in model.functions:
        role = function_role(name, function)
        if isinstance(role, NotJudged):
            yield role
            continue
        grants = role_grants(model, role)
        if isinstance(role.boundary, Unresolved):
            yield NotJudged(name, f"the permissions boundary of {role.address}: {role.boundary}")
            continue
        for action in ENI_ACTIONS:
            verdict = held(grants, action)
            if verdict is True and role.boundary is not None:
                capped = held([Grant(role, role.boundary, role, "permissions boundary")], action)
                if not capped:
                    yield Broken(
                        name, role.place, f"its permissions boundary does not allow {action}"
                    )
                continue
            if verdict is None:
                unknown = next(g for g in grants if isinstance(g.statements, Unresolved))
                yield NotJudged(name, f"{unknown.source.address}: {unknown.statements}")
                break
            if not verdict:
                given = (
                    ", ".join(sorted(f"{g.what} ({g.source.address})" for g in grants)) or "nothing"
                )
                yield Broken(
                    name, role.place, f"is not allowed {action} on every resource; it has {given}"
                )


@rule(
    "eni-depends-on",
    "The function depends on the grant of the ENI actions: it is created after the"
    " permissions exist and destroyed before they go.",
    link="https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html#configuration-vpc-permissions",
)
def eni_depends_on(subject: Subject) -> Iterator[Verdict]:
    model = subject.model
    for function in model.functions:
        yield from dependency_check(
            "eni-depends-on", model, function, function,
            "creation races the permissions, and on destroy they can go while Lambda still needs them",
        )  # fmt: skip


@rule(
    "network-outlives-grant",
    "The function's subnets and security groups (its own and the replacement one) depend on"
    " the ENI grant, so destroy removes them, waiting for Lambda to release its interfaces"
    " with the role, before it removes the grant.",
    link="https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html#configuration-vpc-permissions",
)
def network_outlives_grant(subject: Subject) -> Iterator[Verdict]:
    model = subject.model
    name = "network-outlives-grant"
    for function in model.functions:
        if not attached(function):
            continue
        dependents: list[Entity] = []
        for subnet in function_subnets(name, function):
            if isinstance(subnet, NotJudged):
                yield subnet
            elif subnet.managed:
                dependents.append(subnet)
        for links in (function.security_groups, function.replacement_groups):
            for group in group_links(name, function.address, links):
                if isinstance(group, NotJudged):
                    yield group
                elif group.managed:
                    dependents.append(group)
        seen: set[str] = set()
        for dependent in dependents:
            if dependent.config_address in seen:
                continue
            seen.add(dependent.config_address)
            yield from dependency_check(
                name, model, function, dependent,
                "on destroy it waits for Lambda to release interfaces, and Lambda needs those permissions to do it",
            )  # fmt: skip


@rule(
    "trust",
    "Only lambda.amazonaws.com may assume the function's execution role.",
    link="https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html",
)
def trust(subject: Subject) -> Iterator[Verdict]:
    model = subject.model
    for function in model.functions:
        role = function_role("trust", function)
        if isinstance(role, NotJudged):
            yield role
            continue
        if isinstance(role.trust, Unresolved):
            yield NotJudged("trust", f"the trust policy of {role.address}: {role.trust}")
            continue
        principals: list[object] = []
        for statement in role.trust:
            principal = statement.get("Principal")
            if not isinstance(principal, dict) or statement.get("Effect", "Allow") != "Allow":
                principals.append(principal)
                continue
            for kind, identifiers in principal.items():
                for identifier in identifiers if isinstance(identifiers, list) else [identifiers]:
                    principals.append(f"{kind}:{identifier}")
        if any(isinstance(p, Unknown) for p in principals):
            yield NotJudged("trust", f"the principals of {role.address} are not known")
        elif principals != ["Service:lambda.amazonaws.com"]:
            yield Broken("trust", role.place, f"may be assumed by {principals}")


@rule(
    "least-privilege",
    "The policies the project writes for the function's role name no action wildcards.",
    link="https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html",
)
def least_privilege(subject: Subject) -> Iterator[Verdict]:
    model = subject.model
    for function in model.functions:
        role = function.role
        if not isinstance(role, Role):
            continue
        for grant in role.grants:
            if isinstance(grant.statements, Unresolved) or grant.what.startswith("managed policy"):
                continue
            for statement in grant.statements:
                if statement.effect != "Allow":
                    continue
                if statement.actions is None:
                    yield Broken(
                        "least-privilege",
                        grant.source.place,
                        f"{grant.what} allows everything but {statement.not_actions}",
                    )
                    continue
                wild = [a for a in statement.actions if "*" in str(a) or "?" in str(a)]
                if wild:
                    yield Broken(
                        "least-privilege", grant.source.place, f"{grant.what} allows {wild}"
                    )


@rule(
    "own-log-group",
    "The policies the project writes let the role write logs only to the function's own log group.",
    link="https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html",
)
def own_log_group(subject: Subject) -> Iterator[Verdict]:
    model = subject.model
    name = "own-log-group"
    for function in model.functions:
        role = function.role
        if not isinstance(role, Role):
            continue
        if not isinstance(function.name, str):
            yield NotJudged(name, f"the name of {function.address} is not known")
            continue
        group_name = f"/aws/lambda/{function.name}"
        own = [group for group in model.log_groups if group.name == group_name]
        for grant in role.grants:
            if isinstance(grant.statements, Unresolved) or grant.what.startswith("managed policy"):
                continue
            for statement in grant.statements:
                logs = [a for a in statement.actions or [] if str(a).lower().startswith("logs:")]
                if statement.effect != "Allow" or not logs:
                    continue
                for resource in statement.resources or ["(every resource but some)"]:
                    verdict = is_own_log_group(resource, group_name, own)
                    if verdict is None:
                        yield NotJudged(name, f"a resource of {grant.what} is not known")
                    elif not verdict:
                        yield Broken(
                            name,
                            grant.source.place,
                            f"{grant.what} allows {logs} on {resource}, not only on {group_name}",
                        )


def is_own_log_group(resource: object, group_name: str, own: list[Any]) -> bool | None:
    if isinstance(resource, str):
        return resource.endswith((f":log-group:{group_name}", f":log-group:{group_name}:*"))
    if isinstance(resource, Template) and resource.parts:
        first, rest = resource.parts[0], "".join(str(part) for part in resource.parts[1:])
        if isinstance(first, Ref) and first.path == ("arn",) and rest in ("", ":*"):
            return any(group.address == first.address for group in own)
        return None
    if isinstance(resource, Ref) and resource.path == ("arn",):
        return any(group.address == resource.address for group in own)
    return None
