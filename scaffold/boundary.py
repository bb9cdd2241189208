"""`permissions-boundary.json`: the most any role of a generated project may ever do, each
role only its own part (its statements name their role in an aws:PrincipalArn condition).
An administrator creates it once as the policy NAME-boundary; the deployer policy
(`scaffold.deployer`) lets roles be created and changed only with it attached."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from scaffold.deployer import (
    ROLE_LOG_GROUPS,
    ROLE_PASSED_BY_TYPE,
    Statement,
    own_names,
    role_arns,
    statement,
)


def one_or_list(values: list[str]) -> str | list[str]:
    """A condition value as IAM writes it: one string, or a list of several."""
    return values[0] if len(values) == 1 else values


def permissions_boundary(
    types: Iterable[str],
    name: str,
    partition: str,
    secrets: Sequence[str] = (),
    region: str = "",
) -> dict[str, object]:
    """The most any role of the project may do: what its own policies grant.

    One document for every role of the project, each statement for one role only: it
    applies when the caller is that role (aws:PrincipalArn, the role's ARN with its
    path, in every request a role's session makes), so the execution role cannot write
    to the flow log group, nor the flow log role create network interfaces.
    """
    roles = {role for type_name, (role, _) in ROLE_PASSED_BY_TYPE.items() if type_name in types}
    found: list[Statement] = []
    for role in sorted(roles):
        own_role: dict[str, object] = {
            "ArnLike": {"aws:PrincipalArn": one_or_list(role_arns([role], name, partition))}
        }
        log_groups = own_names(ROLE_LOG_GROUPS[role], name, partition)
        found += [
            statement(sid, actions, resources, own_role)
            for sid, actions, resources in ROLE_BOUNDARIES[role](log_groups)
        ]
        if role == "lambda" and secrets:
            found += secrets_boundary(secrets, region, own_role)
    return {"Version": "2012-10-17", "Statement": found}


def lambda_boundary(log_groups: list[str]) -> list[tuple[str, list[str], list[str] | str]]:
    return [
        # The Lambda guide's six network-interface actions, which
        # AWSLambdaVPCAccessExecutionRole (--iam managed) grants too.
        (
            "LambdaNetworkInterfaces",
            [
                "ec2:AssignPrivateIpAddresses",
                "ec2:CreateNetworkInterface",
                "ec2:DeleteNetworkInterface",
                "ec2:DescribeNetworkInterfaces",
                "ec2:DescribeSubnets",
                "ec2:UnassignPrivateIpAddresses",
            ],
            "*",
        ),
        ("LambdaWritesOwnLogs", ["logs:CreateLogStream", "logs:PutLogEvents"], streams(log_groups)),
        ("LambdaWritesTraces", ["xray:PutTelemetryRecords", "xray:PutTraceSegments"], "*"),
    ]


def secrets_boundary(
    secrets: Sequence[str], region: str, own_role: dict[str, object]
) -> list[Statement]:
    """The connected secrets (templates/connect), by their ARNs only: as given, or with the
    six characters AWS appends to a name (Secrets Manager user guide, "Secret ARN"); and
    their customer managed keys only through Secrets Manager, only for them (the secret's
    ARN is the encryption context Secrets Manager gives KMS)."""
    arns = sorted({arn for secret in secrets for arn in (secret, f"{secret}-??????")})
    return [
        statement("LambdaReadsConnectedSecrets", ["secretsmanager:GetSecretValue"], arns, own_role),
        statement(
            "LambdaDecryptsConnectedSecrets",
            ["kms:Decrypt"],
            "*",
            {
                **own_role,
                "StringEquals": {"kms:ViaService": f"secretsmanager.{region}.amazonaws.com"},
                "StringLike": {"kms:EncryptionContext:SecretARN": arns},
            },
        ),
    ]


def flow_logs_boundary(log_groups: list[str]) -> list[tuple[str, list[str], list[str] | str]]:
    # The VPC guide's minimum for flow logs to CloudWatch Logs, on their own group;
    # DescribeLogGroups takes no resource.
    return [
        (
            "FlowLogsWriteOwnLogs",
            ["logs:CreateLogStream", "logs:PutLogEvents"],
            streams(log_groups),
        ),
        ("FlowLogsReadOwnStreams", ["logs:DescribeLogStreams"], log_groups),
        ("FlowLogsFindLogGroups", ["logs:DescribeLogGroups"], "*"),
    ]


def streams(log_groups: list[str]) -> list[str]:
    """The log streams of the groups: what CreateLogStream and PutLogEvents act on."""
    return [group for group in log_groups if group.endswith(":*")]


def nat_boundary(log_groups: list[str]) -> list[tuple[str, list[str], list[str] | str]]:
    # What the NAT instances' own policy grants (templates/nat-instance): take over their
    # interface at boot (the tag condition stays in that policy), and Session Manager.
    del log_groups  # the NAT instances write no logs of the project's
    return [
        (
            "NatTakesOverItsInterface",
            [
                "ec2:AttachNetworkInterface",
                "ec2:DescribeNetworkInterfaces",
                "ec2:ModifyNetworkInterfaceAttribute",
            ],
            "*",
        ),
        ("NatReportsItselfUnhealthy", ["autoscaling:SetInstanceHealth"], "*"),
        (
            "NatSessionManager",
            [
                "ssm:UpdateInstanceInformation",
                "ssmmessages:CreateControlChannel",
                "ssmmessages:CreateDataChannel",
                "ssmmessages:OpenControlChannel",
                "ssmmessages:OpenDataChannel",
            ],
            "*",
        ),
    ]


ROLE_BOUNDARIES = {
    "lambda": lambda_boundary,
    "flowlogs": flow_logs_boundary,
    "nat": nat_boundary,
}
