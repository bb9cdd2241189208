"""The answers model: every validator accepts what it must and rejects the rest."""

from __future__ import annotations

from ipaddress import IPv4Network
from pathlib import Path

import pytest

from scaffold.answers import QUESTIONS_BY_KEY, Answers, RawAnswer, build_answers
from scaffold.answers.functions import Function
from scaffold.answers.targets import Target
from scaffold.errors import InvalidAnswer, ScaffoldError


def answers_from(**given: object) -> Answers:
    return build_answers({key: RawAnswer(value, QUESTIONS_BY_KEY[key].flag) for key, value in given.items()})


def test_defaults_match_the_contract() -> None:
    answers = answers_from()
    assert answers.name == "vpc-lambda"
    assert answers.topology == "private"
    assert answers.region == "us-east-1"
    assert answers.vpc_cidr == IPv4Network("10.0.0.0/16")
    assert answers.azs == 2
    assert answers.nat is None
    assert answers.endpoints == ("s3", "dynamodb")
    assert (answers.runtime, answers.architecture) == ("python3.12", "arm64")
    assert (answers.memory, answers.timeout, answers.iam) == (256, 30, "inline")


def test_private_nat_defaults_to_a_single_nat() -> None:
    assert answers_from(topology="private-nat").nat == "single"


ACCEPTS = [
    ("name", "a", "a"),
    ("name", "My-function-2", "My-function-2"),
    ("name", "a" * 40, "a" * 40),
    ("topology", "private-nat", "private-nat"),
    ("vpc_cidr", "10.0.0.0/16", IPv4Network("10.0.0.0/16")),
    ("vpc_cidr", "192.168.4.0/24", IPv4Network("192.168.4.0/24")),
    ("vpc_cidr", "172.20.0.0/20", IPv4Network("172.20.0.0/20")),
    ("zones", "us-east-1a,us-east-1c", ("us-east-1a", "us-east-1c")),
    ("zones", "use1-az1, use1-az4", ("use1-az1", "use1-az4")),  # AZ IDs
    ("zones", ["euw1-az3", "euw1-az1", "euw1-az2"], ("euw1-az3", "euw1-az1", "euw1-az2")),
    ("zones", "ap-southeast-2b,ap-southeast-2a", ("ap-southeast-2b", "ap-southeast-2a")),
    ("zones", "usgw1-az1,usgw1-az2", ("usgw1-az1", "usgw1-az2")),
    ("zones", "", ()),
    ("azs", "6", 6),
    ("azs", 2, 2),
    ("nat", "per-az", "per-az"),
    ("nat", "instance", "instance"),
    ("nat", "instance-per-az", "instance-per-az"),
    ("nat_instance_type", "t4g.nano", "t4g.nano"),
    ("nat_instance_type", " T3.Micro ", "t3.micro"),
    ("nat_instance_type", "c7gn.medium", "c7gn.medium"),
    ("egress_gb", "5000", 5000),
    ("egress_gb", 0, 0),
    ("connect", "", ()),
    ("connect", "sg-0123456789abcdef0:5432", (Target("sg", "sg-0123456789abcdef0", 5432),)),
    ("connect", "10.20.0.0/16:443, 2001:DB8::/32:443", (Target("cidr", "10.20.0.0/16", 443), Target("cidr", "2001:db8::/32", 443))),
    ("connect", ["rds:MyDb", "rds-proxy:p-1", "elasticache:cache"], (Target("rds", "mydb"), Target("rds-proxy", "p-1"), Target("elasticache", "cache"))),
    ("connect", "secret:arn:aws:secretsmanager:us-east-1:123456789012:secret:db/pw-AbCdEf", (Target("secret", "arn:aws:secretsmanager:us-east-1:123456789012:secret:db/pw-AbCdEf"),)),
    ("connect_ingress", "no", False),
    ("region", "eu-west-1", "eu-west-1"),
    ("region", "us-gov-west-1", "us-gov-west-1"),
    ("vpc_id", "vpc-0abc1234def567890", "vpc-0abc1234def567890"),
    ("subnet_ids", "subnet-01234567, subnet-01234568", ("subnet-01234567", "subnet-01234568")),
    ("security_group_ids", "sg-01234567,sg-01234568", ("sg-01234567", "sg-01234568")),
    ("route_table_ids", "rtb-01234567", ("rtb-01234567",)),
    ("endpoints", "s3, dynamodb ,sts", ("s3", "dynamodb", "sts")),
    ("endpoints", ["sqs"], ("sqs",)),
    ("endpoints", "", ()),
    ("memory", "128", 128),
    ("memory", 10240, 10240),
    ("timeout", 900, 900),
    ("timeout", "1", 1),
    ("ephemeral_storage", "10240", 10240),
    ("ephemeral_storage", 512, 512),
    ("snapstart", "on", True),
    ("provisioned_concurrency", "0", 0),
    ("provisioned_concurrency", 900, 900),
    ("functions", [], ()),
    ("functions", [{"name": "db", "security_group": "own", "connect": ["rds:Reports"]}], (Function("db", "python3.12", "arm64", 256, 30, 512, False, 0, "inline", "own", (Target("rds", "reports"),)),)),
    ("functions", [{"name": "api", "runtime": "nodejs22.x"}], (Function("api", "nodejs22.x", "arm64", 256, 30, 512, False, 0, "inline", "shared"),)),
    ("functions", [{"name": "job-2", "runtime": "python3.13", "snapstart": "yes", "security_group": "own", "memory": "1024", "iam": "managed"}], (Function("job-2", "python3.13", "arm64", 1024, 30, 512, True, 0, "managed", "own"),)),
    ("runtime", "nodejs22.x", "nodejs22.x"),
    ("runtime", "python3.13", "python3.13"),
    ("architecture", "x86_64", "x86_64"),
    ("iam", "managed", "managed"),
    ("flow_logs", "no", False),
    ("flow_logs", True, True),
    ("ipv6", "yes", True),
    ("execute_api_private_dns", "on", True),
    ("tags", "Team=payments,Cost Center=42", (("Cost Center", "42"), ("Team", "payments"))),
    ("state_bucket", "my-state-bucket", "my-state-bucket"),
    ("github_repository", "octo-org/payments-api", "octo-org/payments-api"),
    ("github_repository", " a/b.c_d ", "a/b.c_d"),
    ("github_repository", "", ""),
    ("state_key", "env/prod/terraform.tfstate", "env/prod/terraform.tfstate"),
    ("state_region", "eu-west-1", "eu-west-1"),
    ("output_dir", "out/dir", Path("out/dir")),
]


@pytest.mark.parametrize(("key", "good", "parsed"), ACCEPTS)
def test_accepts(key: str, good: object, parsed: object) -> None:
    assert QUESTIONS_BY_KEY[key].parse(good) == parsed


REJECTS = [
    ("name", "", "not a valid name"),
    ("name", "1abc", "start with a letter"),
    ("name", "has space", "not a valid name"),
    ("name", "under_score", "not a valid name"),
    ("name", "a" * 41, "not a valid name"),
    ("name", 12, "expected text"),
    ("vpc_cidr", "10.0.0.0", "not an IPv4 CIDR"),
    ("vpc_cidr", "10.0.0.1/16", "host bits set; did you mean 10.0.0.0/16"),
    ("vpc_cidr", "10.0.0.0/8", "between /16 and /24"),
    ("vpc_cidr", "10.0.0.0/28", "between /16 and /24"),
    ("vpc_cidr", "300.0.0.0/16", "not an IPv4 CIDR"),
    ("vpc_cidr", "fd00::/64", "not an IPv4 CIDR"),
    ("vpc_cidr", "127.0.0.0/16", "loopback"),
    ("zones", "us-east-1", "neither an AZ name such as us-east-1a nor an AZ ID"),
    ("zones", "use1-az1,az2", "neither an AZ name"),
    ("zones", "use1-az1,us-east-1b", "names (us-east-1a) or AZ IDs (use1-az1), not both"),
    ("zones", "use1-az1", "pin 2 to 6 zones"),
    ("zones", "use1-az1,use1-az1", "zone 'use1-az1' is listed more than once"),
    ("zones", "USE1-AZ1,USE1-AZ2", "neither an AZ name"),
    ("azs", "1", "out of range"),
    ("azs", "7", "out of range"),
    ("azs", "two", "not a whole number"),
    ("azs", True, "whole number"),
    ("region", "us-east-9", "not a known AWS region"),
    ("region", "US-EAST-1", "not a known AWS region"),
    ("endpoints", "s3,ftp", "unknown endpoint 'ftp'"),
    ("endpoints", "s3,s3", "listed more than once"),
    ("endpoints", 5, "comma-separated list"),
    ("memory", "127", "out of range"),
    ("memory", "10241", "out of range"),
    ("memory", "256.5", "not a whole number"),
    ("timeout", "0", "out of range"),
    ("timeout", "901", "out of range"),
    ("ephemeral_storage", "511", "out of range"),
    ("ephemeral_storage", "10241", "out of range"),
    ("snapstart", "sometimes", "is not yes or no"),
    ("provisioned_concurrency", "-1", "whole number"),
    ("provisioned_concurrency", "901", "out of range"),
    ("functions", "api", "a list of functions"),
    ("functions", [{"runtime": "python3.12"}], "each function needs a name"),
    ("functions", [{"name": "Api"}], "is not a function name"),
    ("functions", [{"name": "api", "color": "red"}], "unknown function setting 'color'"),
    ("functions", [{"name": "api"}, {"name": "api"}], "two functions are named 'api'"),
    ("functions", [{"name": "api", "memory": "64"}], "function 'api': memory: 64 is out of range"),
    ("functions", [{"name": "api", "security_group": "theirs"}], "is not one of: shared, own"),
    ("functions", [{"name": "api", "iam": "admin"}], "function 'api': iam: 'admin' is not one of"),
    ("functions", [{"name": "api", "runtime": "nodejs22.x", "snapstart": True}], "SnapStart does not support nodejs22.x"),
    ("functions", [{"name": "api", "runtime": "python3.12", "snapstart": True, "provisioned_concurrency": 2}], "SnapStart does not support provisioned concurrency"),
    ("functions", [{"name": "api", "runtime": "python3.12", "snapstart": True, "ephemeral_storage": 1024}], "ephemeral storage greater than 512 MB"),
    ("functions", [{"name": f"f{n}"} for n in range(11)], "at most 10 added functions"),
    ("functions", [{"name": "api", "connect": "sg-0123456789abcdef0:5432"}], "connect targets need --security-group own"),
    ("functions", [{"name": "api", "security_group": "own", "connect": "rds:1x"}], "function 'api': connect: 'rds:1x'"),
    ("runtime", "python2.7", "not one of"),
    ("runtime", "nodejs20.x", "creates no function on it since 2026-08-31"),
    ("runtime", "python3.14", "hashicorp/aws accepts it from 6.20 on"),
    ("runtime", "nodejs24.x", "use nodejs22.x"),
    ("architecture", "arm", "not one of"),
    ("iam", "admin", "not one of"),
    ("topology", "public", "not one of"),
    ("nat", "double", "not one of"),
    ("nat_instance_type", "t4g", "is not an EC2 instance type"),
    ("nat_instance_type", "t4g.nano; rm -rf /", "is not an EC2 instance type"),
    ("nat_instance_type", 5, "is not an EC2 instance type"),
    ("egress_gb", "-5", "is not a whole number"),
    ("egress_gb", "10000001", "out of range"),
    ("connect", "sg-1:5432", "is not a security group id"),
    ("connect", "sg-0123456789abcdef0", "is not a target such as"),
    ("connect", "sg-0123456789abcdef0:0", "the port must be a number from 1 to 65535"),
    ("connect", "sg-0123456789abcdef0:65536", "the port must be a number from 1 to 65535"),
    ("connect", "10.20.1.0/16:443", "has host bits set; did you mean 10.20.0.0/16"),
    ("connect", "0.0.0.0/0:443", "not everything"),
    ("connect", "10.20.0.0/33:443", "is not an IPv4 or IPv6 CIDR block"),
    ("connect", "db.internal:5432", "is not a target such as"),
    ("connect", "rds:1db", "identifier is a letter"),
    ("connect", "rds:db--1", "identifier is a letter"),
    ("connect", "elasticache:" + "a" * 41, "40 characters at most"),
    ("connect", "secret:mysecret", "give the secret's ARN"),
    ("connect", "rds:db1,rds:DB1", "is listed more than once"),
    ("connect", ",".join(f"10.{n}.0.0/16:443" for n in range(21)), "give at most 20 targets"),
    ("connect", {"rds": "db1"}, "expected a comma-separated list of targets"),
    ("connect_ingress", "maybe", ""),
    ("vpc_id", "subnet-01234567", "is not a vpc id"),
    ("subnet_ids", "subnet-01234567", "give at least 2 subnet ids"),
    ("subnet_ids", "subnet-01234567,subnet-01234567", "listed more than once"),
    ("security_group_ids", "sg-zz", "is not an sg id"),
    ("route_table_ids", "rtb-", "is not an rtb id"),
    ("flow_logs", "maybe", "is not yes or no"),
    ("ipv6", "perhaps", "is not yes or no"),
    ("execute_api_private_dns", "sometimes", "is not yes or no"),
    ("tags", "noequals", "is not Key=Value"),
    ("tags", "a=1,A=2", "listed more than once (tag keys ignore case)"),
    ("tags", "Project=x", "the provider already sets 'Project'"),
    ("state_bucket", "Bad_Bucket", "is not an S3 bucket name"),
    ("github_repository", "octo-org", "is not a GitHub repository"),
    ("github_repository", "-octo/api", "is not a GitHub repository"),
    ("github_repository", "octo/..", "is not a GitHub repository"),
    ("github_repository", "octo/api/extra", "is not a GitHub repository"),
    ("github_repository", "https://github.com/octo/api", "is not a GitHub repository"),
    ("state_key", "/abs", "is not a state key"),
    ("state_region", "mars-1", "not a known AWS region"),
    ("output_dir", "", "must not be empty"),
]


@pytest.mark.parametrize(("key", "bad", "says"), REJECTS)
def test_rejects(key: str, bad: object, says: str) -> None:
    with pytest.raises(InvalidAnswer, match=None) as caught:
        QUESTIONS_BY_KEY[key].parse(bad)
    assert says in str(caught.value)


def test_every_question_has_an_accept_and_a_reject_row() -> None:
    assert set(QUESTIONS_BY_KEY) - {key for key, _good, _parsed in ACCEPTS} == set()
    assert set(QUESTIONS_BY_KEY) - {key for key, _bad, _says in REJECTS} == set()


def test_the_wizard_check_and_the_flag_parser_agree() -> None:
    question = QUESTIONS_BY_KEY["vpc_cidr"]
    assert question.check("10.0.0.0/16") is True
    assert "host bits" in str(question.check("10.0.0.1/16"))


def test_errors_name_the_source() -> None:
    with pytest.raises(ScaffoldError, match=r"^--vpc-cidr: '10.0.0.1/16' has host bits set"):
        answers_from(vpc_cidr="10.0.0.1/16")


def test_nat_only_with_private_nat() -> None:
    with pytest.raises(ScaffoldError, match=r"^--nat: does not apply to --topology private$"):
        answers_from(nat="per-az")


def test_cidr_must_hold_the_subnets() -> None:
    with pytest.raises(ScaffoldError, match=r"^--vpc-cidr: 10.0.0.0/24 leaves its private subnets 10.0.0.0/25 \(its lower half\), room for 4 of at least /27, not 5"):
        answers_from(vpc_cidr="10.0.0.0/24", azs=5)


@pytest.mark.parametrize(
    ("region", "zones"),
    [
        ("us-east-1", "use1-az6,use1-az1"),
        ("us-east-1", "us-east-1f,us-east-1a"),
        ("ap-northeast-1", "apne1-az4,apne1-az1"),
        ("eu-central-1", "euc1-az2,euc1-az3"),
        ("sa-east-1", "sae1-az1,sae1-az2"),
        ("us-gov-east-1", "usge1-az1,usge1-az2"),
        ("ca-central-1", "cac1-az1,cac1-az2"),
    ],
)
def test_pinned_zones_by_name_or_id_set_the_az_count(region: str, zones: str) -> None:
    answers = answers_from(region=region, zones=zones)
    assert answers.zones == tuple(zones.split(","))
    assert answers.azs == 2  # as many as pinned, by default


@pytest.mark.parametrize(
    ("region", "zones"),
    [
        ("eu-west-1", "use1-az1,use1-az2"),  # another region's AZ IDs
        ("us-east-1", "use2-az1,use2-az2"),
        ("us-east-1", "us-east-2a,us-east-2b"),  # another region's names
        ("ap-southeast-1", "apse2-az1,apse2-az2"),
    ],
)
def test_zones_of_another_region_are_refused(region: str, zones: str) -> None:
    first = zones.split(",")[0]
    with pytest.raises(ScaffoldError, match=rf"^--zones: {first} is not an availability zone of --region {region}$"):
        answers_from(region=region, zones=zones)


def test_pinned_zones_and_the_az_count_agree() -> None:
    assert answers_from(zones="use1-az1,use1-az2,use1-az4", azs=3).azs == 3
    with pytest.raises(ScaffoldError, match=r"^--azs: 3 AZs, but --zones pins 2 \(use1-az1, use1-az2\)"):
        answers_from(zones="use1-az1,use1-az2", azs=3)


def test_zones_only_for_a_new_vpc() -> None:
    with pytest.raises(ScaffoldError, match=r"^--zones: does not apply to --topology existing$"):
        answers_from(
            topology="existing", vpc_id="vpc-01234567", subnet_ids="subnet-01234567,subnet-01234568",
            zones="use1-az1,use1-az2",
        )  # fmt: skip


def test_endpoints_are_canonically_ordered() -> None:
    assert answers_from(endpoints="sts,dynamodb,s3").endpoints == ("s3", "dynamodb", "sts")


@pytest.mark.parametrize("zones", ["", "use1-az4,use1-az1", "us-east-1c,us-east-1a"])
def test_record_round_trips_with_pinned_zones(zones: str) -> None:
    answers = answers_from(zones=zones, endpoints="s3,sts")
    record = answers.to_record()
    again = build_answers({key: RawAnswer(value, key) for key, value in record.items()})
    assert again == answers_from(zones=zones, endpoints="s3,sts", output_dir=".")


def test_record_round_trips() -> None:
    answers = answers_from(topology="private-nat", nat="per-az", endpoints="s3,sqs")
    record = answers.to_record()
    again = build_answers({key: RawAnswer(value, key) for key, value in record.items()})
    assert again == answers_from(topology="private-nat", nat="per-az", endpoints="s3,sqs", output_dir=".")
