"""The typed answers model: every question, its default and its one validator.

Flags, answers files and the wizard all go through `Question.parse`, so a typed
answer and a scripted one can never disagree.
"""

from __future__ import annotations

import ipaddress
import os
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from functools import cached_property
from pathlib import Path

from scaffold.errors import InvalidAnswer, ScaffoldError
from scaffold.network import SubnetPlan, plan_subnets, public_subnet_count

TOPOLOGIES = {
    "private": "private subnets + free S3/DynamoDB gateway endpoints, no internet",
    "private-nat": "adds public subnets, an internet gateway and NAT (billed hourly)",
    "existing": "attach to private subnets of a VPC you already have; no network is created",
}
NEW_VPC_TOPOLOGIES = ("private", "private-nat")
NAT_LAYOUTS = {
    "single": "one NAT gateway in the first AZ (cheapest)",
    "per-az": "one NAT gateway per AZ (survives an AZ outage, costs more)",
}
GATEWAY_ENDPOINTS = ("s3", "dynamodb")
GATEWAY_ENDPOINT_NOTE = "free"
INTERFACE_ENDPOINT_NOTE = "billed hourly per AZ"
INTERFACE_ENDPOINTS = (
    "sts",
    "secretsmanager",
    "sqs",
    "sns",
    "ssm",
    "kms",
    "logs",
    "events",
    "lambda",
    "kinesis-streams",
    "ecr.api",
    "ecr.dkr",
    "execute-api",
)
RUNTIME_NOTES = {
    "python3.13": "Python 3.13, handler in src/handler.py",
    "python3.12": "Python 3.12, handler in src/handler.py",
    "nodejs22.x": "Node.js 22, handler in src/index.mjs",
}
RUNTIMES = tuple(RUNTIME_NOTES)
# Runtimes a project cannot be created on, and why: Lambda no longer creates functions on
# them (Lambda runtimes, deprecation), or the hashicorp/aws versions the project admits
# (versions.tf) refuse them at plan time (the provider validates runtime against its SDK).
REFUSED_RUNTIMES = {
    "nodejs20.x": "Lambda deprecated it on 2026-04-30 and creates no function on it since"
    " 2026-08-31; use nodejs22.x",
    "nodejs18.x": "Lambda deprecated it on 2025-09-01; use nodejs22.x",
    "python3.11": "Lambda deprecated it on 2026-06-30; use python3.12 or newer",
    "python3.14": "hashicorp/aws accepts it from 6.20 on, and the project admits 5.100,"
    " which refuses it at plan time; use python3.13",
    "nodejs24.x": "hashicorp/aws accepts it from 6.19 on, and the project admits 5.100,"
    " which refuses it at plan time; use nodejs22.x",
}
ARCHITECTURE_NOTES = {
    "arm64": "AWS Graviton, about 20% cheaper per GB-second",
    "x86_64": "Intel/AMD, for native dependencies built only for x86",
}
ARCHITECTURES = tuple(ARCHITECTURE_NOTES)
IAM_MODES = {
    "inline": "an inline policy with exactly the six ENI actions the Lambda guide lists",
    "managed": "the AWS managed AWSLambdaVPCAccessExecutionRole policy",
}
# Regions whose endpoint service names follow com.amazonaws.<region>.<service>.
REGIONS = (
    "us-east-1", "us-east-2", "us-west-1", "us-west-2",
    "af-south-1",
    "ap-east-1", "ap-east-2", "ap-south-1", "ap-south-2",
    "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4",
    "ap-southeast-5", "ap-southeast-7",
    "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
    "ca-central-1", "ca-west-1",
    "eu-central-1", "eu-central-2", "eu-west-1", "eu-west-2", "eu-west-3",
    "eu-south-1", "eu-south-2", "eu-north-1",
    "il-central-1", "me-south-1", "me-central-1", "mx-central-1", "sa-east-1",
    "us-gov-east-1", "us-gov-west-1",
)  # fmt: skip
NAME_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9-]{0,39}")
# AWS resource ids: a prefix and 8 (older) or 17 hexadecimal digits.
ID_PATTERNS = {
    prefix: re.compile(prefix + r"-[0-9a-f]{8}(?:[0-9a-f]{9})?")
    for prefix in ("vpc", "subnet", "sg", "rtb")
}
VPC_PREFIX_RANGE = (16, 24)
AZ_RANGE = (2, 6)
MEMORY_RANGE = (128, 10240)
TIMEOUT_RANGE = (1, 900)


def parse_name(value: object) -> str:
    text = _text(value)
    if not NAME_PATTERN.fullmatch(text):
        raise InvalidAnswer(
            f"{text!r} is not a valid name: start with a letter, then up to 39 letters,"
            " digits or hyphens"
        )
    if text.lower().startswith("sg-"):
        # It prefixes the security groups' names, and AWS refuses a group name starting sg-.
        raise InvalidAnswer(
            f"{text!r}: a name may not start with sg- (AWS keeps it for security group ids)"
        )
    return text


def parse_vpc_cidr(value: object) -> ipaddress.IPv4Network:
    text = _text(value)
    if not re.fullmatch(r"\d{1,3}(\.\d{1,3}){3}/\d{1,2}", text):
        raise InvalidAnswer(f"{text!r} is not an IPv4 CIDR such as 10.0.0.0/16")
    try:
        network = ipaddress.IPv4Network(text, strict=False)
    except ValueError:
        raise InvalidAnswer(f"{text!r} is not an IPv4 CIDR such as 10.0.0.0/16") from None
    if ipaddress.IPv4Interface(text).ip != network.network_address:
        raise InvalidAnswer(f"{text!r} has host bits set; did you mean {network}?")
    low, high = VPC_PREFIX_RANGE
    if not low <= network.prefixlen <= high:
        raise InvalidAnswer(f"{text!r}: a VPC CIDR must be between /{low} and /{high}")
    if network.is_loopback or network.is_link_local or network.is_multicast or network.is_reserved:
        raise InvalidAnswer(f"{text!r} is a loopback, link-local, multicast or reserved range")
    return network


def parse_runtime(value: object) -> str:
    text = _text(value)
    if text in REFUSED_RUNTIMES:
        raise InvalidAnswer(f"{text!r}: {REFUSED_RUNTIMES[text]}")
    return _choice(RUNTIMES)(text)


def parse_region(value: object) -> str:
    text = _text(value)
    if text not in REGIONS:
        raise InvalidAnswer(f"{text!r} is not a known AWS region (e.g. us-east-1, eu-west-1)")
    return text


def _list_items(value: object, example: str) -> list[str]:
    """A comma-separated string (flags, wizard) or a list of strings (answers files)."""
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    if isinstance(value, (list, tuple)) and all(isinstance(item, str) for item in value):
        return [item.strip() for item in value]
    raise InvalidAnswer(f"expected a comma-separated list such as {example}")


def _reject_duplicates(items: Sequence[str], what: str) -> None:
    duplicates = sorted({item for item in items if items.count(item) > 1})
    if duplicates:
        raise InvalidAnswer(f"{what} {duplicates[0]!r} is listed more than once")


def parse_endpoints(value: object) -> tuple[str, ...]:
    items = _list_items(value, "s3,dynamodb,sts")
    known = GATEWAY_ENDPOINTS + INTERFACE_ENDPOINTS
    for item in items:
        if item not in known:
            raise InvalidAnswer(f"unknown endpoint {item!r}; known: {', '.join(known)}")
    _reject_duplicates(items, "endpoint")
    # Canonical order keeps the output byte-identical however the list was typed.
    return tuple(sorted(items, key=known.index))


def parse_vpc_id(value: object) -> str:
    return _resource_id("vpc", _text(value))


def _id_list(
    prefix: str, minimum: int, maximum: int | None = None, why: str = ""
) -> Callable[[object], tuple[str, ...]]:
    def parse(value: object) -> tuple[str, ...]:
        items = _list_items(value, f"{prefix}-0123456789abcdef0,{prefix}-...")
        if len(items) < minimum:
            raise InvalidAnswer(f"give at least {minimum} {prefix} ids, comma-separated")
        if maximum is not None and len(items) > maximum:
            raise InvalidAnswer(f"give at most {maximum} {prefix} ids: {why}")
        ids = tuple(_resource_id(prefix, item) for item in items)
        _reject_duplicates(ids, f"{prefix} id")
        return ids

    return parse


def _resource_id(prefix: str, text: str) -> str:
    if not ID_PATTERNS[prefix].fullmatch(text):
        raise InvalidAnswer(f"{text!r} is not a {prefix} id such as {prefix}-0123456789abcdef0")
    return text


# What AWS accepts in tag keys and values: letters, digits, spaces and _ . : / = + - @.
TAG_TEXT = re.compile(r"[\w .:/=+\-@]*")
TAG_KEY_LENGTH, TAG_VALUE_LENGTH, TAG_COUNT = 128, 256, 40
# The tags providers.tf sets through default_tags, by their lower-case form.
DEFAULT_TAG_KEYS = {key.lower(): key for key in ("Project", "ManagedBy", "Generator")}


def parse_tags(value: object) -> tuple[tuple[str, str], ...]:
    if isinstance(value, Mapping):
        pairs = [(key, item) for key, item in value.items()]
    elif isinstance(value, str):
        pairs = []
        for entry in (entry.strip() for entry in value.split(",") if entry.strip()):
            key, separator, item = entry.partition("=")
            if not separator:
                raise InvalidAnswer(f"{entry!r} is not Key=Value")
            pairs.append((key.strip(), item.strip()))
    else:
        raise InvalidAnswer("expected Key=Value pairs, comma-separated, such as Team=payments")
    # Terraform reads strings as Unicode NFC (U+2126 becomes U+03A9): check what it will apply,
    # or two keys that differ only in form silently collapse into one tag.
    pairs = [(_nfc(key), _nfc(item)) for key, item in pairs]
    if len(pairs) > TAG_COUNT:
        raise InvalidAnswer(f"at most {TAG_COUNT} tags")
    for key, item in pairs:
        if not isinstance(key, str) or not isinstance(item, str):
            raise InvalidAnswer(f"tag {key!r}: keys and values must be text")
        if not 1 <= len(key) <= TAG_KEY_LENGTH or len(item) > TAG_VALUE_LENGTH:
            raise InvalidAnswer(
                f"tag {key[:20]!r}: keys take 1 to {TAG_KEY_LENGTH} characters, values up to {TAG_VALUE_LENGTH}"
            )
        if not TAG_TEXT.fullmatch(key) or not TAG_TEXT.fullmatch(item):
            raise InvalidAnswer(
                f"tag {key[:20]!r}: only letters, digits, spaces and _ . : / = + - @ are allowed"
            )
        if key.lower().startswith("aws:"):
            raise InvalidAnswer(f"tag {key!r}: the aws: prefix is reserved for AWS")
    # AWS compares tag keys without regard to case (IAM refuses Team and team together),
    # and the provider's default tags are applied to every resource as well.
    folded = [key.lower() for key, _ in pairs]
    for key, _ in pairs:
        if key.lower() in DEFAULT_TAG_KEYS:
            raise InvalidAnswer(
                f"tag {key!r}: the provider already sets {DEFAULT_TAG_KEYS[key.lower()]!r} on every resource"
            )
        if folded.count(key.lower()) > 1:
            raise InvalidAnswer(f"tag {key!r} is listed more than once (tag keys ignore case)")
    return tuple(sorted(pairs))


def _nfc(value: object) -> object:
    return unicodedata.normalize("NFC", value) if isinstance(value, str) else value


# S3's rules for general purpose bucket names (dots allowed, but not as an IP address).
BUCKET_PATTERN = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
STATE_KEY_LENGTH = 1024


def parse_state_bucket(value: object) -> str:
    text = _text(value).strip()
    if not text:
        return ""
    if (
        not BUCKET_PATTERN.fullmatch(text)
        or ".." in text
        or re.fullmatch(r"\d+\.\d+\.\d+\.\d+", text)
        or text.startswith(("xn--", "sthree-"))
        or text.endswith(("-s3alias", "--ol-s3"))
    ):
        raise InvalidAnswer(
            f"{text!r} is not an S3 bucket name: 3 to 63 lowercase letters, digits, dots"
            " or hyphens, starting and ending with a letter or digit"
        )
    return text


def parse_state_key(value: object) -> str:
    text = _text(value)
    if not text.strip() or text != text.strip() or text.startswith("/"):
        raise InvalidAnswer(f"{text!r} is not a state key such as team/app/terraform.tfstate")
    if len(text.encode("utf-8")) > STATE_KEY_LENGTH or any(ord(char) < 0x20 for char in text):
        raise InvalidAnswer(
            f"a state key takes at most {STATE_KEY_LENGTH} bytes and no control characters"
        )
    return text


YES = ("yes", "y", "true", "on", "1")
NO = ("no", "n", "false", "off", "0")


def parse_yes_no(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in YES + NO:
        return value.strip().lower() in YES
    raise InvalidAnswer(f"{value!r} is not yes or no")


# Linux's limits (PATH_MAX, NAME_MAX), the strictest of the systems the tool runs on; the
# project's own folder and its deepest file (40 + 60 bytes) must fit under the first.
PATH_MAX_BYTES = 4096
NAME_MAX_BYTES = 255
PROJECT_DEPTH_BYTES = 100


def parse_output_dir(value: object) -> Path:
    """A folder for the project; `~` is the home folder, in an answers file as in a shell."""
    text = _text(value)
    if not text.strip():
        raise InvalidAnswer("the output folder must not be empty")
    if "\0" in text:
        raise InvalidAnswer("a folder name cannot contain a NUL character")
    path = Path(os.path.expanduser(text))
    longest = max((len(part.encode("utf-8", "surrogateescape")) for part in path.parts), default=0)
    if longest > NAME_MAX_BYTES:
        raise InvalidAnswer(
            f"a folder name in it is {longest} bytes long; the system allows {NAME_MAX_BYTES}"
        )
    total = len(os.path.abspath(path).encode("utf-8", "surrogateescape"))
    if total + PROJECT_DEPTH_BYTES >= PATH_MAX_BYTES:
        raise InvalidAnswer(
            f"the folder's path is {total} bytes long; the project's files need it under"
            f" {PATH_MAX_BYTES - PROJECT_DEPTH_BYTES}"
        )
    return path


def _choice(options: Mapping[str, str] | tuple[str, ...]) -> Callable[[object], str]:
    def parse(value: object) -> str:
        text = _text(value)
        if text not in options:
            raise InvalidAnswer(f"{text!r} is not one of: {', '.join(options)}")
        return text

    return parse


def _whole_number(low: int, high: int) -> Callable[[object], int]:
    def parse(value: object) -> int:
        if isinstance(value, bool):
            raise InvalidAnswer(f"expected a whole number from {low} to {high}")
        # Beyond a few digits a number is out of range whatever it is: never build (or
        # print) an integer of thousands of digits.
        digits = str(value).strip() if isinstance(value, str) else None
        if isinstance(value, int) and low <= value <= high:
            return value
        if isinstance(value, int) or (digits is not None and re.fullmatch(r"\d+", digits)):
            if digits is not None and len(digits) <= 12 and low <= int(digits) <= high:
                return int(digits)
            shown = digits if digits is not None and len(digits) <= 40 else shortened(value)
            raise InvalidAnswer(f"{shown} is out of range: expected {low} to {high}")
        raise InvalidAnswer(f"{shortened(value)} is not a whole number from {low} to {high}")

    return parse


def shortened(value: object, limit: int = 40) -> str:
    """A value as a message shows it: its repr, cut to `limit` characters."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**limit:
        return f"a number of more than {limit} digits"
    shown = repr(value)
    return shown if len(shown) <= limit else f"{shown[: limit - 1]}…"


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise InvalidAnswer(f"expected text, got {type(value).__name__} {value!r}")
    return value


@dataclass(frozen=True)
class Question:
    """One answer: how it is asked, parsed and defaulted, for flags, files and the wizard."""

    key: str
    prompt: str
    parse: Callable[[object], object]
    # A value, or a function of the answers so far (e.g. a state key named after the project).
    default: object
    choices: Mapping[str, str] = field(default_factory=dict)
    applies: Callable[[Mapping[str, object]], bool] = lambda answers: True
    accepts: str = ""  # what a valid answer looks like, for --help

    @property
    def default_label(self) -> str:
        """The default as --help shows it."""
        if callable(self.default):
            return str(self.default.__doc__)
        if self.default is None:
            return "none; required with --topology existing"
        return str(self.default) if self.default != "" else "none"

    @property
    def flag(self) -> str:
        return "--" + self.key.replace("_", "-")

    @property
    def is_yes_no(self) -> bool:
        return isinstance(self.default, bool)

    def default_for(self, known: Mapping[str, object]) -> object:
        return self.default(known) if callable(self.default) else self.default

    def check(self, text: str) -> bool | str:
        """questionary's validate= contract: True, or the message to show inline."""
        try:
            self.parse(text)
        except InvalidAnswer as problem:
            return str(problem)
        return True


def _nat_applies(answers: Mapping[str, object]) -> bool:
    return answers.get("topology") == "private-nat"


def _new_vpc_applies(answers: Mapping[str, object]) -> bool:
    return answers.get("topology") in NEW_VPC_TOPOLOGIES


def _existing_vpc_applies(answers: Mapping[str, object]) -> bool:
    return answers.get("topology") == "existing"


def _remote_state_applies(answers: Mapping[str, object]) -> bool:
    return bool(answers.get("state_bucket"))


def _default_endpoints(answers: Mapping[str, object]) -> str:
    """s3,dynamodb (with --topology existing, only when --route-table-ids are given)"""
    if answers.get("topology") == "existing" and not answers.get("route_table_ids"):
        return ""  # gateway endpoints attach to route tables: none given, none to attach
    return ",".join(GATEWAY_ENDPOINTS)


def _gateway_endpoints_need_route_tables(answers: Mapping[str, object]) -> str | None:
    endpoints = answers.get("endpoints")
    chosen = endpoints if isinstance(endpoints, tuple) else ()
    gateway = [item for item in chosen if item in GATEWAY_ENDPOINTS]
    if answers.get("topology") == "existing" and not answers.get("route_table_ids") and gateway:
        return (
            f"gateway endpoints ({', '.join(gateway)}) attach to route tables;"
            " with --topology existing give --route-table-ids"
        )
    return None


def _default_state_key(answers: Mapping[str, object]) -> str:
    """NAME/terraform.tfstate"""
    return f"{answers.get('name', 'vpc-lambda')}/terraform.tfstate"


def _default_state_region(answers: Mapping[str, object]) -> object:
    """the --region"""
    return answers.get("region", "us-east-1")


QUESTIONS: tuple[Question, ...] = (
    Question(
        "name",
        "Project and function name",
        parse_name,
        "vpc-lambda",
        accepts="a letter, then up to 39 letters, digits or hyphens; not sg-",
    ),
    Question("topology", "Network topology", _choice(TOPOLOGIES), "private", TOPOLOGIES),
    Question("region", "AWS region", parse_region, "us-east-1"),
    Question(
        "vpc_id",
        "ID of the existing VPC",
        parse_vpc_id,
        None,
        applies=_existing_vpc_applies,
        accepts="vpc-0123456789abcdef0",
    ),
    Question(
        "subnet_ids",
        "Private subnet ids, comma-separated (2 or more, in different AZs)",
        _id_list("subnet", 2),
        None,
        applies=_existing_vpc_applies,
        accepts="subnet-0123456789abcdef0,subnet-...",
    ),
    Question(
        "security_group_ids",
        "Security group ids for the function (empty: create a dedicated one)",
        # Lambda takes 5 (API reference, VpcConfig); the project adds one of its own.
        _id_list("sg", 0, 4, "Lambda takes 5 security groups and the project adds one"),
        "",
        applies=_existing_vpc_applies,
    ),
    Question(
        "route_table_ids",
        "Route table ids of those subnets, for S3/DynamoDB gateway endpoints (empty: none)",
        _id_list("rtb", 0),
        "",
        applies=_existing_vpc_applies,
    ),
    Question(
        "vpc_cidr",
        "VPC CIDR",
        parse_vpc_cidr,
        "10.0.0.0/16",
        applies=_new_vpc_applies,
        accepts="/16 to /24; its lower half holds the private subnets, /27 at least",
    ),
    Question(
        "azs",
        "Availability zones (one private subnet each)",
        _whole_number(*AZ_RANGE),
        2,
        applies=_new_vpc_applies,
        accepts=f"{AZ_RANGE[0]} to {AZ_RANGE[1]}, as many as the VPC CIDR holds",
    ),
    Question("nat", "NAT layout", _choice(NAT_LAYOUTS), "single", NAT_LAYOUTS, _nat_applies),
    Question(
        "endpoints",
        "VPC endpoints",
        parse_endpoints,
        _default_endpoints,
        accepts=f"comma-separated: {', '.join(GATEWAY_ENDPOINTS)} (gateway, free);"
        f" {', '.join(INTERFACE_ENDPOINTS)} (interface, billed hourly per AZ)",
    ),
    Question("runtime", "Lambda runtime", parse_runtime, "python3.12", RUNTIME_NOTES),
    Question(
        "architecture", "CPU architecture", _choice(ARCHITECTURES), "arm64", ARCHITECTURE_NOTES
    ),
    Question(
        "memory",
        "Memory (MB)",
        _whole_number(*MEMORY_RANGE),
        256,
        accepts=f"{MEMORY_RANGE[0]} to {MEMORY_RANGE[1]}",
    ),
    Question(
        "timeout",
        "Timeout (seconds)",
        _whole_number(*TIMEOUT_RANGE),
        30,
        accepts=f"{TIMEOUT_RANGE[0]} to {TIMEOUT_RANGE[1]}",
    ),
    Question(
        "iam", "ENI permissions of the execution role", _choice(IAM_MODES), "inline", IAM_MODES
    ),
    Question(
        "flow_logs",
        "VPC flow logs to CloudWatch Logs (billed per GB ingested)",
        parse_yes_no,
        False,
        applies=_new_vpc_applies,
    ),
    Question(
        "ipv6",
        "Dual-stack IPv6: subnets get IPv6 blocks and the function may send IPv6 traffic",
        parse_yes_no,
        False,
    ),
    Question("tags", "Extra tags, Key=Value comma-separated (empty for none)", parse_tags, ""),
    Question(
        "state_bucket",
        "S3 bucket for remote Terraform state (empty: local state file)",
        parse_state_bucket,
        "",
    ),
    Question(
        "state_key",
        "Key of the state object in that bucket",
        parse_state_key,
        _default_state_key,
        applies=_remote_state_applies,
    ),
    Question(
        "state_region",
        "Region of the state bucket",
        parse_region,
        _default_state_region,
        applies=_remote_state_applies,
    ),
    Question(
        "output_dir", "Output folder (the project goes to FOLDER/NAME)", parse_output_dir, "."
    ),
)
QUESTIONS_BY_KEY = {question.key: question for question in QUESTIONS}


@dataclass(frozen=True)
class Relation:
    """A rule between answers, declared beside the questions, for flags, files, update
    and the wizard alike: judged once every key it needs is known, blamed on `blame`."""

    needs: frozenset[str]
    blame: str
    problem: Callable[[Mapping[str, object]], str | None]  # None when the answers fit

    def __call__(self, known: Mapping[str, object]) -> str | None:
        return self.problem(known) if self.needs <= known.keys() else None


# The subnets fitting the VPC CIDR is the other relation: Answers.subnet_plan, planned
# once per answers and blamed on vpc_cidr (the wizard judges it at azs, as it is asked).
RELATIONS: tuple[Relation, ...] = (
    Relation(
        frozenset({"topology", "route_table_ids", "endpoints"}),
        "endpoints",
        _gateway_endpoints_need_route_tables,
    ),
)


@dataclass(frozen=True)
class Answers:
    """Validated answers; rendering takes nothing else."""

    name: str
    topology: str
    region: str
    vpc_id: str | None
    subnet_ids: tuple[str, ...] | None
    security_group_ids: tuple[str, ...] | None
    route_table_ids: tuple[str, ...] | None
    vpc_cidr: ipaddress.IPv4Network | None
    azs: int | None
    nat: str | None
    endpoints: tuple[str, ...]
    runtime: str
    architecture: str
    memory: int
    timeout: int
    iam: str
    flow_logs: bool | None
    ipv6: bool
    tags: tuple[tuple[str, str], ...]
    state_bucket: str
    state_key: str | None
    state_region: str | None
    output_dir: Path
    # The answers nobody gave: they took their defaults (recorded as the record's _defaults).
    defaulted: frozenset[str] = field(default=frozenset(), compare=False)

    @property
    def project_dir(self) -> Path:
        return self.output_dir / self.name

    @property
    def gateway_endpoints(self) -> tuple[str, ...]:
        return tuple(item for item in self.endpoints if item in GATEWAY_ENDPOINTS)

    @property
    def interface_endpoints(self) -> tuple[str, ...]:
        return tuple(item for item in self.endpoints if item in INTERFACE_ENDPOINTS)

    @property
    def nat_gateway_count(self) -> int:
        return public_subnet_count(self.topology, self.azs, self.nat)

    @cached_property
    def subnet_plan(self) -> SubnetPlan:
        """The subnets to create, planned once per answers (InvalidAnswer if they do not fit)."""
        return plan_subnets(self.vpc_cidr, self.azs, self.nat_gateway_count)

    def to_record(self) -> dict[str, object]:
        """The answers as plain data, in question order, for the project's answers file."""
        record: dict[str, object] = {}
        for item in fields(self):
            if item.name in ("output_dir", "defaulted"):
                continue
            value = getattr(self, item.name)
            if item.name == "endpoints":
                value = ",".join(value)
            elif item.name == "tags":
                value = dict(value)
            elif isinstance(value, tuple):
                value = list(value)
            elif isinstance(value, ipaddress.IPv4Network):
                value = str(value)
            if value is not None:
                record[item.name] = value
        return record


@dataclass(frozen=True)
class RawAnswer:
    """An answer as given, before validation, and where it came from."""

    value: object
    source: str  # how the user named it: "--vpc-cidr", "vpc_cidr in answers.yml"


@dataclass(frozen=True)
class Layer:
    """One source of answers. The walker reads layers in order: flags, then an answers
    file, then the project's record (copier's layered answers)."""

    answers: Mapping[str, RawAnswer]
    # The project's record: an answer that no longer applies is dropped, not refused, and
    # one that was a default follows the new default when other answers moved it.
    recorded: bool = False
    defaults: frozenset[str] = frozenset()  # (recorded) the answers that were defaults


# Asked for a question no layer answers (the wizard): the question, the value it would
# otherwise take (the recorded answer or the default), the answers so far.
Ask = Callable[["Question", object, Mapping[str, object]], RawAnswer]


def walk(layers: Sequence[Layer], ask: Ask | None = None) -> Answers:
    """The one walk over the questions: each answer from the first layer that gives it,
    asked (when `ask` is given) or defaulted otherwise, parsed once, the questions'
    conditions applied once, and the relations between answers judged."""
    for layer in layers:
        unknown = sorted(set(layer.answers) - set(QUESTIONS_BY_KEY))
        if unknown:
            raise ScaffoldError(f"{layer.answers[unknown[0]].source}: unknown answer")
    then = _recorded_values(layers)
    values: dict[str, object] = {}
    sources: dict[str, str] = {}
    defaulted: set[str] = set()
    for question in QUESTIONS:
        explicit = next((layer.answers[question.key] for layer in layers
                         if not layer.recorded and question.key in layer.answers), None)  # fmt: skip
        if not question.applies(values):
            if explicit is not None:
                if question.applies is _remote_state_applies:
                    raise ScaffoldError(f"{explicit.source}: applies only with --state-bucket")
                raise ScaffoldError(
                    f"{explicit.source}: does not apply to --topology {values['topology']}"
                )
            values[question.key] = None
            continue
        given = explicit
        fallback, fallback_was_default = _recorded(question, layers, then, values)
        if given is None and ask is not None:
            offered = question.default_for(values) if fallback is None else fallback.value
            given = ask(question, offered, values)
            if not fallback_was_default and fallback is not None:
                pass  # a recorded choice, offered and confirmed or changed: chosen
            elif _same(question, given.value, question.default_for(values)):
                defaulted.add(question.key)
        if given is None:
            given = fallback
            if fallback is None or fallback_was_default:
                defaulted.add(question.key)
        if given is None:
            value = question.default_for(values)
        else:
            value = given.value
            if value is None:  # `key: null` in an answers file
                raise ScaffoldError(f"{given.source}: needs a value, not null")
        source = given.source if given else question.flag
        if value is None:
            raise ScaffoldError(f"{source}: required with --topology {values['topology']}")
        try:
            values[question.key] = question.parse(value)
        except InvalidAnswer as problem:
            raise ScaffoldError(f"{source}: {problem}") from None
        sources[question.key] = source
    for relation in RELATIONS:
        misfit = relation(values)
        if misfit is not None:
            raise ScaffoldError(f"{sources.get(relation.blame, relation.blame)}: {misfit}")
    answers = Answers(**values, defaulted=frozenset(defaulted))  # type: ignore[arg-type]
    try:
        answers.subnet_plan  # noqa: B018  (planned once here, where a misfit is bad input)
    except InvalidAnswer as problem:
        raise ScaffoldError(f"{sources.get('vpc_cidr', '--vpc-cidr')}: {problem}") from None
    return answers


def _recorded(
    question: Question,
    layers: Sequence[Layer],
    then: Mapping[str, object],
    now: Mapping[str, object],
) -> tuple[RawAnswer | None, bool]:
    """The project's recorded answer to a question if it still holds, and whether it was
    a default: one that was is kept only while the default is what it was (the answers it
    depends on unchanged), and follows the new default otherwise."""
    for layer in layers:
        if layer.recorded and question.key in layer.answers:
            was_default = question.key in layer.defaults
            if was_default and question.default_for(then) != question.default_for(now):
                return None, True
            return layer.answers[question.key], was_default
    return None, False


def _same(question: Question, value: object, default: object) -> bool:
    """Whether an answer is its question's default, compared as parsed values."""
    try:
        return default is not None and question.parse(value) == question.parse(default)
    except InvalidAnswer:
        return False


def _recorded_values(layers: Sequence[Layer]) -> dict[str, object]:
    """The recorded answers, parsed where they parse: the answers a recorded default
    was chosen against."""
    known: dict[str, object] = {}
    for layer in layers:
        if not layer.recorded:
            continue
        for question in QUESTIONS:
            given = layer.answers.get(question.key)
            known[question.key] = None
            if given is not None:
                try:
                    known[question.key] = question.parse(given.value)
                except (InvalidAnswer, TypeError):
                    pass
    return known


def build_answers(raw: Mapping[str, RawAnswer]) -> Answers:
    """Validate every answer (defaults for the rest) into one Answers object."""
    return walk([Layer(raw)])
