"""`explain`'s judgement (scaffold/check/rules/reach.py) on hand-made plans (plan_fixtures.py):
every kind of hop there, and each removed in turn named as the missing hop."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from plan_fixtures import (
    ROLE_ARN,
    add,
    baseline,
    change,
    created,
    drop,
    model_of,
    rule_block,
    unknown,
)

from scaffold.check.rules.paths import MISSING, NOT_JUDGED, OK, SKIPPED, Destination
from scaffold.check.rules.reach import judge_reach
from scaffold.cli import main

SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf"
GROUP = "sg-0123456789abcdef0"
KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def with_variables(document: dict[str, Any], **values: Any) -> dict[str, Any]:
    document = json.loads(json.dumps(document))
    document["variables"].update({name: {"value": value} for name, value in values.items()})
    return document


def project(tmp_path: Path, code: str = "") -> Path:
    (tmp_path / "src").mkdir(exist_ok=True)
    (tmp_path / "src" / "handler.py").write_text(code, encoding="utf-8")
    return tmp_path


def judged(document: dict[str, Any], folder: Path, topology: str = "private-nat") -> dict[str, Destination]:
    return {d.name: d for d in judge_reach(model_of(document), folder, topology, {})}


def hop(destination: Destination, what: str) -> Any:
    return next(h for h in destination.hops if h.what == what)


def target_group(group_id: str = GROUP) -> dict[str, Any]:
    return created(f'data.aws_security_group.connect["{group_id}"]', {"id": group_id, "vpc_id": "vpc-1"})


def admits_function(port: int = 5432, group_id: str = GROUP) -> dict[str, Any]:
    return created(f'aws_vpc_security_group_ingress_rule.connect["{group_id}:{port} function"]', {
        "id": "sgr-1", "security_group_id": group_id, "ip_protocol": "tcp", "from_port": port,
        "to_port": port, "referenced_security_group_id": "sg-function",
    })  # fmt: skip


def connected(document: dict[str, Any], *targets: str) -> dict[str, Any]:
    return with_variables(document, connect=list(targets), connect_ingress=True)


# --- services -------------------------------------------------------------------------------


def test_an_interface_endpoint_with_private_dns_in_every_az_is_the_path(tmp_path: Path) -> None:
    found = judged(baseline(), project(tmp_path, 'import boto3\nboto3.client("sts")\n'))
    sts = found["sts"]
    assert sts.state == OK
    assert 'aws_vpc_endpoint.interface["sts"]' in hop(sts, "endpoint").detail
    assert hop(sts, "egress").state == OK


@pytest.mark.parametrize(
    ("edit", "says"),
    [
        (lambda d: change(d, 'aws_vpc_endpoint.interface["sts"]', private_dns_enabled=False), "has private DNS off"),
        (lambda d: change(d, 'aws_vpc_endpoint.interface["sts"]', subnet_ids=["subnet-pa"]), "not in every AZ"),
    ],
    ids=["private-dns-off", "missing-from-an-az"],
)
def test_a_wrong_interface_endpoint_is_the_missing_hop(tmp_path: Path, edit: Any, says: str) -> None:
    found = judged(edit(baseline()), project(tmp_path, 'import boto3\nboto3.client("sts")\n'))
    assert found["sts"].state == MISSING and found["sts"].missing is not None
    assert found["sts"].missing.what == "endpoint" and says in found["sts"].missing.detail


def test_without_an_endpoint_the_way_out_is_nat_and_https_to_the_internet(tmp_path: Path) -> None:
    found = judged(baseline(), project(tmp_path, 'import boto3\nboto3.client("sqs")\n'))
    sqs = found["sqs"]
    assert sqs.state == OK
    assert "nat-a" in hop(sqs, "route").detail or "NAT gateway" in hop(sqs, "route").detail
    assert "0.0.0.0/0" in hop(sqs, "egress").detail


def test_no_endpoint_and_no_nat_route_is_the_missing_endpoint(tmp_path: Path) -> None:
    document = drop(baseline(), 'aws_route.nat["a"]', 'aws_route.nat["b"]')
    sqs = judged(document, project(tmp_path, 'import boto3\nboto3.client("sqs")\n'))["sqs"]
    assert sqs.missing is not None and sqs.missing.what == "endpoint"
    assert "has no 0.0.0.0/0 route: calls to sqs time out" in sqs.missing.detail


def test_no_https_egress_to_the_internet_is_the_missing_egress(tmp_path: Path) -> None:
    egress = [
        rule_block("-1", 0, 0, cidr_blocks=["10.0.0.0/16"]),
        rule_block("tcp", 443, 443, prefix_list_ids=["pl-s3"]),
    ]
    document = change(baseline(), "aws_security_group.function", egress=egress)
    sqs = judged(document, project(tmp_path, 'import boto3\nboto3.client("sqs")\n'))["sqs"]
    assert sqs.missing is not None and sqs.missing.what == "egress"
    assert "sends nothing on tcp 443 to the internet" in sqs.missing.detail


def test_a_gateway_endpoint_needs_its_prefix_list_rule(tmp_path: Path) -> None:
    code = project(tmp_path, 'import boto3\nboto3.resource("s3")\n')
    assert judged(baseline(), code)["s3"].state == OK
    egress = [rule_block("-1", 0, 0, cidr_blocks=["10.0.0.0/16"]), rule_block("tcp", 443, 443, prefix_list_ids=["pl-other"])]
    document = drop(change(baseline(), "aws_security_group.function", egress=egress), 'aws_route.nat["a"]', 'aws_route.nat["b"]')
    s3 = judged(document, code)["s3"]
    assert s3.missing is not None and s3.missing.what == "egress" and "the s3 prefix list" in s3.missing.detail


def test_a_gateway_endpoint_off_the_functions_route_table_is_not_the_path(tmp_path: Path) -> None:
    document = drop(
        change(baseline(), 'aws_vpc_endpoint.gateway["s3"]', route_table_ids=["rtb-a"]),
        'aws_route.nat["a"]', 'aws_route.nat["b"]',
    )  # fmt: skip
    s3 = judged(document, project(tmp_path, 'import boto3\nboto3.client("s3")\n'))["s3"]
    assert s3.missing is not None and s3.missing.what == "endpoint"


def test_a_value_not_known_is_not_judged_never_passed(tmp_path: Path) -> None:
    document = unknown(baseline(), 'aws_vpc_endpoint.interface["sts"]', "private_dns_enabled")
    sts = judged(document, project(tmp_path, 'import boto3\nboto3.client("sts")\n'))["sts"]
    assert sts.state == NOT_JUDGED


def test_a_service_named_only_in_a_comment_or_a_string_needs_no_path(tmp_path: Path) -> None:
    code = '# boto3.client("sqs")\nNAME = "boto3.client(\'sqs\')"\n'
    assert "sqs" not in judged(baseline(), project(tmp_path, code))


def test_the_generated_probe_switched_off_is_skipped(tmp_path: Path) -> None:
    document = change(baseline(), "aws_lambda_function.this", environment=[{"variables": {"AWS_API_PROBE": "off"}}])
    document = drop(document, 'aws_vpc_endpoint.interface["sts"]', 'aws_route.nat["a"]', 'aws_route.nat["b"]')
    sts = judged(document, project(tmp_path, 'import boto3\nboto3.client("sts")\n'))["sts"]
    assert sts.state == SKIPPED


# --- the internet -------------------------------------------------------------------------------


def test_the_internet_over_ipv4_through_nat(tmp_path: Path) -> None:
    found = judged(baseline(), project(tmp_path))
    assert found["the internet over IPv4"].state == OK
    assert "the internet over IPv4" not in judged(baseline(), project(tmp_path), topology="private")


def test_a_route_to_an_internet_gateway_is_no_way_out_for_a_private_address(tmp_path: Path) -> None:
    document = change(baseline(), 'aws_route.nat["a"]', nat_gateway_id=None, gateway_id="igw-1")
    internet = judged(document, project(tmp_path))["the internet over IPv4"]
    assert internet.missing is not None and internet.missing.what == "route"
    assert "no way out for a private address" in internet.missing.detail


def test_ipv6_goes_out_through_an_egress_only_gateway(tmp_path: Path) -> None:
    document = with_variables(baseline(), enable_ipv6=True)
    assert judged(document, project(tmp_path))["the internet over IPv6"].missing is not None
    document = add(
        document,
        created("aws_egress_only_internet_gateway.this", {"id": "eigw-1", "vpc_id": "vpc-1"}),
        created('aws_route.ipv6["a"]', {"id": "r6-a", "route_table_id": "rtb-a", "destination_ipv6_cidr_block": "::/0", "egress_only_gateway_id": "eigw-1"}),
        created('aws_route.ipv6["b"]', {"id": "r6-b", "route_table_id": "rtb-b", "destination_ipv6_cidr_block": "::/0", "egress_only_gateway_id": "eigw-1"}),
    )
    ipv6 = judged(document, project(tmp_path))["the internet over IPv6"]
    assert ipv6.missing is not None and ipv6.missing.what == "egress"  # no HTTPS to ::/0 yet


# --- connect targets ------------------------------------------------------------------------------


def test_a_group_target_is_its_egress_and_its_ingress_rule(tmp_path: Path) -> None:
    document = add(connected(baseline(), f"{GROUP}:5432"), target_group(), admits_function())
    target = judged(document, project(tmp_path))[f"{GROUP}:5432"]
    assert target.state == OK, [str(h) for h in target.hops]
    assert [h.what for h in target.hops] == ["route", "egress", "ingress"]
    missing = judged(add(connected(baseline(), f"{GROUP}:5432"), target_group()), project(tmp_path))[f"{GROUP}:5432"]
    assert missing.missing is not None and missing.missing.what == "ingress"
    wrong_port = add(connected(baseline(), f"{GROUP}:5432"), target_group(), admits_function(3306))
    assert judged(wrong_port, project(tmp_path))[f"{GROUP}:5432"].missing is not None


def test_ingress_left_to_the_owners_is_not_judged_never_passed(tmp_path: Path) -> None:
    document = with_variables(add(connected(baseline(), f"{GROUP}:5432"), target_group()), connect_ingress=False)
    target = judged(document, project(tmp_path))[f"{GROUP}:5432"]
    assert hop(target, "ingress").state == NOT_JUDGED and target.state == NOT_JUDGED


def test_a_group_of_another_vpc_is_no_route(tmp_path: Path) -> None:
    elsewhere = created(f'data.aws_security_group.connect["{GROUP}"]', {"id": GROUP, "vpc_id": "vpc-2"})
    target = judged(add(connected(baseline(), f"{GROUP}:5432"), elsewhere, admits_function()), project(tmp_path))
    missing = target[f"{GROUP}:5432"].missing
    assert missing is not None and missing.what == "route" and "is in vpc-2" in missing.detail


def test_an_egress_rule_must_hold_every_ipv4_block_of_the_vpc(tmp_path: Path) -> None:
    document = add(connected(baseline(), f"{GROUP}:5432"), target_group(), admits_function())
    document = change(document, "aws_vpc.this", cidr_block="10.0.0.0/16")
    document = add(document, created("aws_vpc_ipv4_cidr_block_association.second", {"id": "assoc-2", "vpc_id": "vpc-1", "cidr_block": "100.64.0.0/16"}))
    egress = judged(document, project(tmp_path))[f"{GROUP}:5432"]
    assert hop(egress, "egress").state == MISSING  # 10.0.0.0/16 alone: the target may be in 100.64.0.0/16


def test_any_of_a_targets_groups_admitting_the_function_is_enough(tmp_path: Path) -> None:
    database = created('data.aws_db_instance.connect["db1"]', {
        "id": "db1", "address": "db1.x", "port": 5432, "vpc_security_groups": ["sg-0aaaaaaaaaaaaaaa0", GROUP],
    })  # fmt: skip
    document = add(connected(baseline(), "rds:db1"), database, target_group("sg-0aaaaaaaaaaaaaaa0"), target_group(), admits_function())
    assert judged(document, project(tmp_path))["rds:db1"].state == OK


def test_a_private_block_through_nat_is_no_route_and_a_public_one_is(tmp_path: Path) -> None:
    egress = [rule_block("-1", 0, 0, cidr_blocks=["10.0.0.0/16"]), rule_block("tcp", 443, 443, cidr_blocks=["0.0.0.0/0"])]
    base = change(baseline(), "aws_security_group.function", egress=egress)
    private = judged(connected(base, "192.168.0.0/24:443"), project(tmp_path))["192.168.0.0/24:443"]
    assert private.missing is not None and private.missing.what == "route"
    assert "the internet is no way to private addresses" in private.missing.detail
    shared = judged(connected(base, "100.64.1.0/24:443"), project(tmp_path))["100.64.1.0/24:443"]
    assert shared.missing is not None
    public = judged(connected(base, "52.94.0.0/16:443"), project(tmp_path))["52.94.0.0/16:443"]
    assert public.state == OK


def test_a_private_nat_gateway_is_no_way_to_the_internet(tmp_path: Path) -> None:
    document = change(baseline(), 'aws_nat_gateway.this["a"]', connectivity_type="private")
    internet = judged(document, project(tmp_path))["the internet over IPv4"]
    assert internet.missing is not None and "private NAT gateway" in internet.missing.detail


def test_an_interface_endpoint_whose_group_admits_nothing_is_the_missing_hop(tmp_path: Path) -> None:
    document = change(baseline(), "aws_security_group.endpoints", ingress=[])
    sts = judged(document, project(tmp_path, 'import boto3\nboto3.client("sts")\n'))["sts"]
    assert sts.missing is not None and sts.missing.what == "ingress"


def test_a_block_target_needs_a_route_and_an_egress_rule(tmp_path: Path) -> None:
    peered = created('aws_route.peer["a"]', {"id": "r-pa", "route_table_id": "rtb-a", "destination_cidr_block": "172.20.0.0/16", "vpc_peering_connection_id": "pcx-1"})
    peered_b = created('aws_route.peer["b"]', {"id": "r-pb", "route_table_id": "rtb-b", "destination_cidr_block": "172.20.0.0/16", "vpc_peering_connection_id": "pcx-1"})
    egress = [rule_block("-1", 0, 0, cidr_blocks=["10.0.0.0/16"]), rule_block("tcp", 5432, 5432, cidr_blocks=["172.20.0.0/16"])]
    base = change(connected(baseline(), "172.20.0.0/16:5432"), "aws_security_group.function", egress=egress)
    through_peering = judged(add(base, peered, peered_b), project(tmp_path))["172.20.0.0/16:5432"]
    assert through_peering.state == OK and "pcx-1" in hop(through_peering, "route").detail
    # Without the peering route, the most specific route is 0.0.0.0/0 to NAT: a route, named.
    through_nat = judged(base, project(tmp_path))["172.20.0.0/16:5432"]
    assert "aws_nat_gateway" in hop(through_nat, "route").detail
    no_route = judged(drop(base, 'aws_route.nat["a"]', 'aws_route.nat["b"]'), project(tmp_path))["172.20.0.0/16:5432"]
    assert no_route.missing is not None and no_route.missing.what == "route"
    inside = judged(connected(baseline(), "10.0.5.0/24:443"), project(tmp_path))["10.0.5.0/24:443"]
    assert hop(inside, "route").detail.startswith("local") and inside.state == OK


def test_a_looked_up_database_is_read_from_its_data_source(tmp_path: Path) -> None:
    database = created('data.aws_db_instance.connect["db1"]', {
        "id": "db1", "address": "db1.x.rds.amazonaws.com", "port": 5432, "vpc_security_groups": [GROUP],
    })  # fmt: skip
    document = add(connected(baseline(), "rds:db1"), database, target_group(), admits_function())
    target = judged(document, project(tmp_path))["rds:db1"]
    assert target.state == OK, [str(h) for h in target.hops]
    assert GROUP in hop(target, "lookup").detail and "5432" in hop(target, "lookup").detail


def test_a_secret_needs_the_role_and_a_path_to_secrets_manager(tmp_path: Path) -> None:
    policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["secretsmanager:GetSecretValue"], "Resource": [SECRET]},
        {"Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": [KEY]},
    ]}  # fmt: skip
    grant = created("aws_iam_role_policy.connect_secrets", {"id": "demo-lambda:connected-secrets", "name": "connected-secrets", "role": "demo-lambda", "policy": json.dumps(policy)})
    document = add(connected(baseline(), f"secret:{SECRET}"), grant)
    secret = judged(document, project(tmp_path))[f"secret:{SECRET}"]
    assert [h.what for h in secret.hops] == ["permission", "key", "route", "egress"]
    assert hop(secret, "permission").state == OK and secret.state == NOT_JUDGED  # its key: a plan's
    with_key = add(document, created(f'data.aws_secretsmanager_secret.connect["{SECRET}"]', {"id": SECRET, "arn": SECRET, "kms_key_id": KEY}))
    assert judged(with_key, project(tmp_path))[f"secret:{SECRET}"].state == OK
    no_decrypt = json.loads(json.dumps(policy))
    no_decrypt["Statement"] = no_decrypt["Statement"][:1]
    without_key_right = change(with_key, "aws_iam_role_policy.connect_secrets", policy=json.dumps(no_decrypt))
    missing = judged(without_key_right, project(tmp_path))[f"secret:{SECRET}"].missing
    assert missing is not None and missing.what == "key"
    without = judged(connected(baseline(), f"secret:{SECRET}"), project(tmp_path))[f"secret:{SECRET}"]
    assert without.missing is not None and without.missing.what == "permission"
    assert ROLE_ARN  # the role the grant names


# --- the command ---------------------------------------------------------------------------------


def test_explain_exits_4_naming_the_missing_hop_and_0_when_every_path_exists(
    generate: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = generate("--endpoints", "s3,dynamodb", name="ex")
    capsys.readouterr()
    assert main(["explain", str(folder)]) == 0
    (folder / "src" / "handler.py").write_text(
        (folder / "src" / "handler.py").read_text() + '\nQUEUES = boto3.client("sqs")\n'
    )
    capsys.readouterr()
    assert main(["explain", str(folder)]) == 4
    out = capsys.readouterr().out
    assert "sqs (called in src/handler.py:" in out and "MISSING    endpoint: no sqs endpoint" in out
    assert main(["explain", str(folder), "--format", "json"]) == 4
    shown = json.loads(capsys.readouterr().out)
    sqs = next(d for d in shown["destinations"] if d["destination"] == "sqs")
    assert sqs["state"] == "missing" and shown["missing"] == 1
    assert main(["check", str(folder)]) == 4
    assert "reachable: " in capsys.readouterr().out


def test_update_and_generation_say_in_a_line_when_a_path_is_missing(
    generate: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = generate("--endpoints", "s3,dynamodb", name="up")
    handler = folder / "src" / "handler.py"
    handler.write_text(handler.read_text() + '\nQUEUES = boto3.client("sqs")\n')
    capsys.readouterr()
    assert main(["update", str(folder), "--memory", "512", "--no-input"]) == 4
    err = capsys.readouterr().err
    (line,) = [line for line in err.splitlines() if "reachable" in line]
    assert "sqs: missing endpoint: no sqs endpoint" in line and "calls to sqs time out" in line
    # Generation with a target the network has no route to: a warning, the project written.
    out_dir = folder.parent / "second"
    code = main(["--no-input", "--name", "gen", "--output-dir", str(out_dir), "--connect", "172.20.0.0/16:5432"])
    warned = [line for line in capsys.readouterr().err.splitlines() if "no path" in line]
    assert code == 0 and (out_dir / "gen" / "main.tf").is_file()
    assert warned == [
        (
            "vpc-lambda-new: warning: no path: 172.20.0.0/16:5432: missing route:"
            " module.network.aws_route_table.private has no route to 172.20.0.0/16: route it"
            " through a peering connection, a transit gateway or a VPN (modules/network, or the"
            " network's owners)"
        )
    ]


# The generated README's "What the function can reach" says what the judgement finds.
README_VARIANTS = {
    "private": (),
    "private-sts": ("--endpoints", "s3,dynamodb,sts"),
    "nat": ("--topology", "private-nat"),
    "private-blocks-secret": (
        "--endpoints", "s3,secretsmanager", "--connect",
        "10.0.0.0/16:5432,172.20.0.0/16:443,secret:arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf",
    ),
    "existing-every-kind": (
        "--topology", "existing", "--vpc-id", "vpc-0123456789abcdef0",
        "--subnet-ids", "subnet-0123456789abcdef0,subnet-0123456789abcdef1",
        "--connect", "rds:db1,rds-proxy:p1,elasticache:c1,sg-0123456789abcdef0:6379",
    ),
}  # fmt: skip


@pytest.mark.parametrize("variant", README_VARIANTS)
def test_the_readme_lists_what_the_judgement_finds(variant: str, generate: Any) -> None:
    from scaffold.check.explain import explain_project

    folder = generate(*README_VARIANTS[variant], name="rd")
    readme = (folder / "README.md").read_text(encoding="utf-8")
    section = readme.split("## What the function can reach", 1)[1].split("\n## ", 1)[0]
    found = {d.name: d for d in explain_project(folder)}
    listed = set(re.findall(r"^- `([^`]+)`: ", section, re.MULTILINE))
    assert listed == {name for name, d in found.items() if d.kind == "target"}
    sts = found["sts"]
    said = section.split("### The AWS services its code calls", 1)[1]
    if sts.state == SKIPPED:
        assert "the probe is switched off" in said
    else:
        assert "switched off (`AWS_API_PROBE=off`)" not in said
    unreachable = [name for name, d in found.items() if d.kind == "target" and d.state == MISSING]
    for name in unreachable:  # a target with no path: its bullet says what is lacking
        bullet = next(line for line in section.splitlines() if line.startswith(f"- `{name}`: "))
        assert "must route it" in bullet or "by nothing" in bullet, bullet
