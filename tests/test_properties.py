"""Properties over the whole answer space, with hypothesis.

Every valid answers file renders a project whose HCL parses, obeys every rule
of the guide and carries a deployer policy of exactly the declared types; every
invalid one is rejected, naming its key, before anything is rendered or written.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import tempfile
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hcl_reader import load_project
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from project_expectations import tfvars_mismatches

from scaffold import generate
from scaffold.answers import (
    ARCHITECTURES,
    DEFAULT_TAG_KEYS,
    GATEWAY_ENDPOINTS,
    INTERFACE_ENDPOINTS,
    QUESTIONS_BY_KEY,
    REGIONS,
    RUNTIMES,
    build_answers,
)
from scaffold.answers.functions import SNAPSTART_UNAVAILABLE
from scaffold.answers_file import load_answers_file
from scaffold.check import check_project
from scaffold.cli import main
from scaffold.errors import quoted

# The contract's rules, written out here rather than taken from the code under test.
NAME = r"[A-Za-z][A-Za-z0-9-]{0,39}"
TOPOLOGIES = ("private", "private-nat", "existing")
SMALLEST_PRIVATE_PREFIX = 27
# Bounded: each valid example renders and parses a whole project. capsys and monkeypatch
# are safe across examples here: output is read per example, the patch is the same for all.
PROPERTY_SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

# --- valid answers -------------------------------------------------------------------


@st.composite
def vpc_cidrs(draw: st.DrawFn) -> ipaddress.IPv4Network:
    """Any /16../24 network that is not loopback, link-local, multicast or reserved."""
    prefix = draw(st.integers(16, 24))
    first = draw(st.sampled_from([10, 172, 192, 100, 1, 54, 203]) | st.integers(1, 223))
    address = ipaddress.IPv4Address((first << 24) | draw(st.integers(0, (1 << 24) - 1)))
    network = ipaddress.IPv4Network(f"{address}/{prefix}", strict=False)
    special = network.is_loopback or network.is_link_local or network.is_multicast or network.is_reserved
    return network if not special else ipaddress.IPv4Network(f"10.{first}.0.0/{prefix}", strict=False)


def resource_ids(prefix: str) -> st.SearchStrategy[str]:
    return st.from_regex(rf"{prefix}-([0-9a-f]{{8}}|[0-9a-f]{{17}})", fullmatch=True)


TAG_CHARACTERS = st.characters(categories=("Lu", "Ll", "Lo", "Nd")) | st.sampled_from(list(" _.:/=+-@"))
# AWS's tag charset (letters, digits, spaces, _ . : / = + - @), in NFC as Terraform sends it:
# a few letters decompose under NFC into a letter and a combining mark, which AWS refuses.
AWS_TAG_TEXT = re.compile(r"[\w .:/=+\-@]*")


def aws_tag_text(text: str, longest: int) -> bool:
    normal = unicodedata.normalize("NFC", text)
    return len(normal) <= longest and AWS_TAG_TEXT.fullmatch(normal) is not None


TAG_KEYS = st.text(TAG_CHARACTERS, min_size=1, max_size=128).filter(
    lambda key: not key.lower().startswith("aws:")
    and unicodedata.normalize("NFC", key).lower() not in DEFAULT_TAG_KEYS
    and aws_tag_text(key, 128)
)
TAG_VALUES = st.text(TAG_CHARACTERS, max_size=256).filter(lambda value: aws_tag_text(value, 256))


def unique_by_nfc(tags: dict[str, str]) -> bool:
    # Tag keys are compared without regard to case, after Terraform's NFC normalisation.
    return len({unicodedata.normalize("NFC", key).lower() for key in tags}) == len(tags)


@st.composite
def endpoint_lists(draw: st.DrawFn, known: tuple[str, ...]) -> str | list[str]:
    chosen = draw(st.lists(st.sampled_from(known), unique=True, max_size=6))
    return draw(st.sampled_from([",".join(chosen), chosen]))  # files take either form


@st.composite
def valid_answers(draw: st.DrawFn) -> dict[str, Any]:
    """A valid answers file: every key optional, every value within the contract."""
    topology = draw(st.sampled_from(TOPOLOGIES))
    name = draw(st.from_regex(NAME, fullmatch=True).filter(lambda text: not text.lower().startswith("sg-")))
    data: dict[str, Any] = {"name": name, "topology": topology}
    optional: dict[str, Any] = {
        "region": draw(st.sampled_from(REGIONS)),
        "runtime": draw(st.sampled_from(RUNTIMES)),
        "architecture": draw(st.sampled_from(ARCHITECTURES)),
        "memory": draw(st.integers(128, 10240) | st.integers(128, 10240).map(str)),
        "timeout": draw(st.integers(1, 900)),
        "ephemeral_storage": draw(st.integers(512, 10240)),
        "snapstart": draw(st.booleans() | st.sampled_from(["yes", "off"])),
        # At most 900 in all: the added functions below keep up to 2 provisioned.
        "provisioned_concurrency": draw(st.integers(0, 898) | st.sampled_from(["3"])),
        "functions": draw(st.sampled_from([
            [],
            [{"name": "api", "runtime": "nodejs22.x", "provisioned_concurrency": 2}],
            [{"name": "job", "runtime": "python3.13", "snapstart": True, "security_group": "own"}, {"name": "w-2", "memory": 1024}],
        ])),
        "iam": draw(st.sampled_from(["inline", "managed"])),
        "tags": draw(st.dictionaries(TAG_KEYS, TAG_VALUES, max_size=6).filter(unique_by_nfc)),
        "ipv6": draw(st.booleans() | st.sampled_from(["yes", "no"])),
        "state_bucket": draw(st.sampled_from(["", "team-state", "acme.tf-state.eu"])),
        "github_repository": draw(st.sampled_from(["", "octo-org/payments-api", "a/b.c_d"])),
    }
    if optional["state_bucket"]:
        optional["state_key"] = draw(st.sampled_from(["app/terraform.tfstate", "a b/ü.tfstate"]))
        optional["state_region"] = draw(st.sampled_from(REGIONS))
    if topology == "existing":
        data["vpc_id"] = draw(resource_ids("vpc"))
        subnets = draw(st.lists(resource_ids("subnet"), min_size=2, max_size=6, unique=True))
        data["subnet_ids"] = draw(st.sampled_from([subnets, ",".join(subnets)]))
        optional["security_group_ids"] = draw(st.lists(resource_ids("sg"), max_size=3, unique=True))
        optional["route_table_ids"] = draw(st.lists(resource_ids("rtb"), min_size=1, max_size=3, unique=True))
        optional["endpoints"] = draw(endpoint_lists(GATEWAY_ENDPOINTS + INTERFACE_ENDPOINTS))
    else:
        cidr = draw(vpc_cidrs())
        # One private subnet per AZ in the lower half, none smaller than /27.
        most_azs = min(6, 2 ** (SMALLEST_PRIVATE_PREFIX - cidr.prefixlen - 1))
        optional["vpc_cidr"] = str(cidr)
        optional["azs"] = draw(st.integers(2, most_azs))
        optional["endpoints"] = draw(endpoint_lists(GATEWAY_ENDPOINTS + INTERFACE_ENDPOINTS))
        optional["flow_logs"] = draw(st.booleans() | st.sampled_from(["yes", "no", "on", "off"]))
        optional["egress_gb"] = draw(st.integers(0, 10_000_000) | st.sampled_from(["50", " 5000 "]))
        if topology == "private-nat":
            optional["nat"] = draw(st.sampled_from(["single", "per-az", "instance", "instance-per-az"]))
            optional["nat_instance_type"] = draw(st.sampled_from(["t4g.nano", "t3.micro", "c7gn.medium", " T4G.SMALL "]))
    # Targets every path to which a fresh project has (or, in an existing network, that
    # only a plan can judge): a new VPC holds no group, database or cache yet, and a block
    # outside it has no route there until one is added.
    if topology == "existing":
        targets = ["sg-0123456789abcdef0:5432", ["rds:db1", "10.20.0.0/16:443"], "2001:db8::/32:443"]
    else:
        targets = ["{vpc}:5432", ["{vpc}:443", "{vpc}:6379"]]
    optional["connect"] = draw(st.sampled_from(["", *targets]))
    optional["connect_ingress"] = draw(st.booleans())
    kept = draw(st.sets(st.sampled_from(sorted(optional))))  # the rest take their defaults
    vpc = optional.get("vpc_cidr") if "vpc_cidr" in kept else "10.0.0.0/16"
    given = optional["connect"]
    optional["connect"] = [t.format(vpc=vpc) for t in given] if isinstance(given, list) else given.format(vpc=vpc)
    if "connect" not in kept or not optional["connect"]:
        kept -= {"connect_ingress"}  # it applies only with targets
    snapstart_somewhere = ("snapstart" in kept and optional["snapstart"] in (True, "yes")) or (
        "functions" in kept and any(f.get("snapstart") for f in optional["functions"])
    )
    if snapstart_somewhere and "region" in kept and optional["region"] in SNAPSTART_UNAVAILABLE:
        kept -= {"region"}  # Lambda offers no SnapStart there
    if "snapstart" in kept and optional["snapstart"] in (True, "yes"):
        # SnapStart: Python 3.12 and later, neither provisioned concurrency nor a larger /tmp.
        optional["runtime"] = draw(st.sampled_from(["python3.12", "python3.13"]))
        kept = (kept | {"runtime"}) - {"provisioned_concurrency", "ephemeral_storage"}
    if "state_bucket" not in kept or not optional["state_bucket"]:
        kept -= {"state_key", "state_region"}  # they apply only with a bucket
    if "nat" not in kept or not str(optional.get("nat", "")).startswith("instance"):
        kept -= {"nat_instance_type"}  # it applies only to NAT instances
    if topology == "existing" and "route_table_ids" not in kept:
        # Gateway endpoints attach to route tables: without them, interface endpoints only.
        optional["endpoints"] = draw(endpoint_lists(INTERFACE_ENDPOINTS))
    endpoints = optional["endpoints"] if "endpoints" in kept else ""
    if "execute-api" in (endpoints.split(",") if isinstance(endpoints, str) else endpoints):
        optional["execute_api_private_dns"] = draw(st.booleans() | st.sampled_from(["yes", "off"]))
        kept.add("execute_api_private_dns")
    return data | {key: optional[key] for key in sorted(kept)}


@PROPERTY_SETTINGS
@given(data=valid_answers())
def test_every_valid_answers_file_renders_a_project_that_obeys_every_rule(
    data: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    with tempfile.TemporaryDirectory(prefix="vpc-lambda-new-property-") as scratch:
        folder = Path(scratch)
        answers_path = folder / "answers.json"
        answers_path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        out = folder / "out"
        code = main(["--no-input", "--answers", str(answers_path), "--output-dir", str(out)])
        assert code == 0, capsys.readouterr().err
        answers = build_answers(load_answers_file(str(answers_path)))
        project_dir = out / data["name"]
        assert sorted(path.name for path in out.iterdir()) == [data["name"]]  # no staging left
        project = load_project(project_dir)  # every module and the tfvars parse
        assert check_project(project_dir) == []
        assert tfvars_mismatches(project, answers) == []
        # The recorded answers regenerate the same project.
        assert build_answers(load_answers_file(str(project_dir / ".vpc-lambda-new.json"))) == answers


# --- invalid answers -----------------------------------------------------------------


def text_except(allowed: Callable[[str], bool]) -> st.SearchStrategy[str]:
    return st.text(max_size=30).filter(lambda text: not allowed(text))


def in_set(options: tuple[str, ...] | list[str]) -> Callable[[str], bool]:
    return lambda text: text in options


WRONG_TYPES = st.sampled_from([[], {}, ["x"], {"k": "v"}, 1.5, True, None])
# Integers the answers-file reader lets through to the questions (longer ones it refuses
# whole, before any answer is read: a row of the bad-input table).
INTEGERS = st.integers(-(10**12) + 1, 10**12 - 1)
NOT_WHOLE = st.sampled_from(["", "one", "1.0", "1e3", "-5", "0x10", " "]) | st.floats(allow_nan=True) | WRONG_TYPES
TAG_BREAKERS = st.sampled_from(list('"\\${}%\n\r\t\x00`\'#*<>!?;&|~^[]()\u202e\U0001f680'))


@st.composite
def bad_tags(draw: st.DrawFn) -> object:
    key, value = draw(TAG_KEYS), draw(TAG_VALUES)
    breaker = draw(TAG_BREAKERS)
    position = draw(st.integers(0, 1))
    return draw(
        st.sampled_from(
            [
                {key + breaker: value} if position else {key: breaker + value},
                {"aws:" + key: value},
                {"k" * 129: value},
                {key: "v" * 257},
                {f"K{index}": "v" for index in range(41)},
                {"": value},
                "Team",
                ["Team=x"],
                {key: 5},
            ]
        )
    )


def bad_cidrs() -> st.SearchStrategy[object]:
    host_bits = vpc_cidrs().map(lambda network: f"{network.network_address + 1}/{network.prefixlen}")
    out_of_range = st.integers(0, 32).filter(lambda prefix: not 16 <= prefix <= 24).map(lambda prefix: f"10.0.0.0/{prefix}")
    return st.one_of(host_bits, out_of_range, text_except(lambda text: False), WRONG_TYPES)


ID = r"{prefix}-([0-9a-f]{{8}}|[0-9a-f]{{17}})"
YES_OR_NO = ("yes", "y", "true", "on", "1", "no", "n", "false", "off", "0")
KEYS = (
    "name", "topology", "region", "vpc_id", "subnet_ids", "security_group_ids", "route_table_ids",
    "vpc_cidr", "azs", "nat", "nat_instance_type", "egress_gb", "endpoints", "runtime", "architecture", "memory", "timeout", "ephemeral_storage", "snapstart", "provisioned_concurrency", "iam",
    "flow_logs", "ipv6", "tags", "execute_api_private_dns", "zones", "connect", "connect_ingress", "state_bucket", "state_key", "state_region", "github_repository", "functions", "output_dir",
)  # fmt: skip
NEW_VPC_ONLY = {"vpc_cidr": "10.0.0.0/16", "azs": 2, "flow_logs": True, "egress_gb": 10}
EXISTING_ONLY = {
    "vpc_id": "vpc-01234567", "subnet_ids": ["subnet-01234567", "subnet-01234568"],
    "security_group_ids": ["sg-01234567"], "route_table_ids": ["rtb-01234567"],
}  # fmt: skip


def invalid_values(
    key: str, topology: str, bucket: str, nat: object = None, connect: object = None
) -> st.SearchStrategy[object]:
    """Values `key` must reject under `topology` (and `nat`); a good value where the key does
    not apply."""
    if key in NEW_VPC_ONLY and topology == "existing":
        return st.just(NEW_VPC_ONLY[key])
    if key in EXISTING_ONLY and topology != "existing":
        return st.just(EXISTING_ONLY[key])
    if key == "nat" and topology != "private-nat":
        return st.just("single")
    if key == "nat_instance_type" and (topology != "private-nat" or not str(nat or "").startswith("instance")):
        return st.just("t4g.nano")
    if key == "connect_ingress" and not connect:
        return st.just(True)  # applies only with --connect
    if key in ("state_key", "state_region") and not bucket:
        return st.just("app/terraform.tfstate" if key == "state_key" else "us-east-1")
    strategies: dict[str, st.SearchStrategy[object]] = {
        "name": text_except(lambda text: re.fullmatch(NAME, text) is not None and not text.lower().startswith("sg-")),
        "topology": text_except(in_set(TOPOLOGIES)),
        "region": text_except(in_set(REGIONS)),
        "runtime": text_except(in_set(RUNTIMES)),
        "architecture": text_except(in_set(ARCHITECTURES)),
        "iam": text_except(in_set(["inline", "managed"])),
        "nat": text_except(in_set(["single", "per-az", "instance", "instance-per-az"])),
        "nat_instance_type": st.sampled_from(["", "t4g", "nano", "t4g.", ".nano", "t4g nano", "t4g.nano.x", "4g.nano", 5, ["t4g.nano"]]),
        "egress_gb": st.integers(-(10**6), -1) | st.integers(10_000_001, 10**12) | NOT_WHOLE,
        "connect": st.sampled_from(["sg-1:5", "rds:1x", "10.0.0.1/16:443", "x:y", "secret:nope", "rds:a,rds:a", 5, {"a": 1}, ["rds:db", 3]]),
        "connect_ingress": text_except(lambda text: text.strip().lower() in YES_OR_NO) | INTEGERS,
        "memory": st.integers(-(10**6), 127) | st.integers(10241, 10**9) | NOT_WHOLE,
        "timeout": st.integers(-(10**6), 0) | st.integers(901, 10**9) | NOT_WHOLE,
        "ephemeral_storage": st.integers(-(10**6), 511) | st.integers(10241, 10**9) | NOT_WHOLE,
        "provisioned_concurrency": st.integers(-(10**6), -1) | st.integers(901, 10**9) | NOT_WHOLE,
        "snapstart": text_except(lambda text: text.strip().lower() in YES_OR_NO) | INTEGERS,
        "functions": st.sampled_from(["api", 5, {"name": "a"}, [{"name": "Bad"}], [{"name": "a"}, {"name": "a"}], [{"runtime": "python3.12"}], [{"name": "a", "runtime": "nodejs22.x", "snapstart": True}], [{"name": "a", "provisioned_concurrency": 901}]]),
        "azs": st.integers(-5, 1) | st.integers(7, 1000) | NOT_WHOLE,
        "vpc_cidr": bad_cidrs(),
        "flow_logs": text_except(lambda text: text.strip().lower() in YES_OR_NO) | INTEGERS | st.just([]),
        "ipv6": text_except(lambda text: text.strip().lower() in YES_OR_NO) | INTEGERS | st.just([]),
        # One zone, no zone at all, a name beside an ID, a zone twice: refused in any region.
        "zones": st.sampled_from(["us-east-1a", "zz", "use1-az1,us-east-1b", "eu-west-1a,eu-west-1a", 5, ["x", "y"]]),
        # Refused either way: not yes or no, or (without execute-api) not applying.
        "execute_api_private_dns": text_except(lambda text: text.strip().lower() in YES_OR_NO) | INTEGERS,
        "state_bucket": st.sampled_from(["A", "ab", "-bucket", "bucket-", "a..b", "192.168.1.1", "x" * 64, "under_score", 5]),
        "state_key": st.sampled_from(["", " ", "/abs", "x" * 1025, "a\nb", 3]),
        "state_region": text_except(in_set(REGIONS)),
        "github_repository": st.sampled_from(["octo", "octo/", "/api", "-octo/api", "octo/api/x", "octo/..", "a b/c", 7, ["octo/api"]]),
        "tags": bad_tags(),
        "endpoints": st.sampled_from(["s3,s3", "sts,kms,sts", "s4", "S3", "s3;dynamodb", "ec2", {"s3": True}, ["s3", 1]]),
        "vpc_id": text_except(lambda text: re.fullmatch(ID.format(prefix="vpc"), text) is not None),
        "subnet_ids": st.one_of(
            st.lists(resource_ids("subnet"), max_size=1),
            resource_ids("subnet").map(lambda id: [id, id]),
            st.lists(resource_ids("sg"), min_size=2, max_size=3, unique=True),
            INTEGERS,
        ),
        "security_group_ids": st.lists(resource_ids("subnet"), min_size=1, max_size=2),
        "route_table_ids": st.sampled_from([["rtb-1"], ["vpc-01234567"], "rtb-0123456g", 7]),
        "output_dir": st.sampled_from(["", "   ", "a\x00b", 5, ["out"]]),
    }
    wrong_types = WRONG_TYPES if key in ("name", "topology", "region", "runtime", "architecture", "iam", "nat") else st.nothing()
    return strategies[key] | wrong_types


@st.composite
def invalid_answers(draw: st.DrawFn) -> tuple[dict[str, Any], str]:
    """A valid answers file with one thing wrong; returns it and the key the error must name."""
    data = draw(valid_answers())
    key = draw(st.sampled_from([*KEYS, "unknown key", "null"]))
    if key == "unknown key":
        unknown = draw(st.text(min_size=1, max_size=20).filter(lambda text: text not in KEYS and text != "_generator"))
        return data | {unknown: "x"}, "--answers"
    if key == "null":
        nulled = draw(st.sampled_from(sorted(data)))
        return data | {nulled: None}, nulled
    # A key that does not apply to the topology is itself an error (e.g. nat with private).
    data = data | {key: draw(invalid_values(key, data["topology"], data.get("state_bucket", ""), data.get("nat"), data.get("connect")))}
    return data, key


@PROPERTY_SETTINGS
@given(case=invalid_answers())
def test_every_invalid_answers_file_is_rejected_before_anything_is_written(
    case: tuple[dict[str, Any], str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object, **kwargs: object) -> object:
        raise AssertionError("write_project was called with answers that should have been rejected")

    monkeypatch.setattr(generate, "write_project", refuse)  # reaching it would exit 1, not 2
    data, key = case
    with tempfile.TemporaryDirectory(prefix="vpc-lambda-new-property-") as scratch:
        folder = Path(scratch)
        answers_path = folder / "answers.json"
        answers_path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        # A flag would override output_dir in the file; else keep any output in the scratch folder.
        output = [] if key == "output_dir" else ["--output-dir", str(folder / "out")]
        capsys.readouterr()
        code = main(["--no-input", "--answers", str(answers_path), *output])
        message = capsys.readouterr().err
        assert code == 2, message
        assert message.count("\n") == 1 and "Traceback" not in message, message
        where = "--answers:" if key == "--answers" else f"{key} in {quoted(answers_path)}:"
        assert message.startswith(f"vpc-lambda-new: error: {where}"), message
        assert os.listdir(folder) == ["answers.json"]


def test_the_invalid_answers_cover_every_question() -> None:
    assert set(KEYS) == set(QUESTIONS_BY_KEY)
