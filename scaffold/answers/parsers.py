"""The answers' vocabularies and their parsers: one validator per kind of answer,
raising InvalidAnswer with the reason a user reads."""

from __future__ import annotations

import ipaddress
import os
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from scaffold.errors import InvalidAnswer

TOPOLOGIES = {
    "private": "private subnets + free S3/DynamoDB gateway endpoints, no internet",
    "private-nat": "adds public subnets, an internet gateway and NAT (billed hourly)",
    "existing": "attach to private subnets of a VPC you already have; no network is created",
}
NEW_VPC_TOPOLOGIES = ("private", "private-nat")
NAT_LAYOUTS = {
    "single": "one NAT gateway in the first AZ",
    "per-az": "one NAT gateway per AZ (survives an AZ outage, costs more)",
    "instance": "one NAT instance in the first AZ (cheapest; out while it is replaced)",
    "instance-per-az": "one NAT instance per AZ (an AZ outage cuts off only that AZ)",
}
NAT_INSTANCE_LAYOUTS = ("instance", "instance-per-az")
PER_AZ_NAT_LAYOUTS = ("per-az", "instance-per-az")
NAT_INSTANCE_TYPE_DEFAULT = "t4g.nano"
EGRESS_GB_RANGE = (0, 10_000_000)
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
# Lambda: EphemeralStorage Size 512 to 10240 MB.
EPHEMERAL_STORAGE_RANGE = (512, 10240)
# Provisioned concurrency is carved from the account's concurrency (1,000 by default, of
# which 100 stay unreserved): more needs a quota increase first.
PROVISIONED_CONCURRENCY_RANGE = (0, 900)


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
    return choice(RUNTIMES)(text)


# An AZ name is its region's name and a letter (us-east-1a); the letters are shuffled per
# account, so us-east-1a of one account may be another's us-east-1c. An AZ ID (use1-az1)
# names the same physical zone in every account (AWS RAM User Guide, "Availability Zone
# IDs for your AWS resources"): its prefix abbreviates the region (us-east-1: use1).
ZONE_NAME_PATTERN = re.compile(r"[a-z]{2}(?:-[a-z]+)+-\d[a-z]")
ZONE_ID_PATTERN = re.compile(r"[a-z]{2,}\d+-az\d+")
_REGION_WORDS = {
    "east": "e", "west": "w", "north": "n", "south": "s", "central": "c",
    "northeast": "ne", "southeast": "se", "northwest": "nw", "southwest": "sw", "gov": "g",
}  # fmt: skip


def zone_id_prefix(region: str) -> str:
    """The prefix of a region's AZ IDs: use1 for us-east-1, apse2 for ap-southeast-2."""
    parts = region.split("-")
    return parts[0] + "".join(_REGION_WORDS.get(part, part) for part in parts[1:-1]) + parts[-1]


def is_zone_id(zone: str) -> bool:
    return bool(ZONE_ID_PATTERN.fullmatch(zone))


def zone_in_region(zone: str, region: str) -> bool:
    if is_zone_id(zone):
        return zone.rpartition("-az")[0] == zone_id_prefix(region)
    return zone[:-1] == region


def parse_zones(value: object) -> tuple[str, ...]:
    """AZs to pin, in az1..azN order: all names (us-east-1a) or all IDs (use1-az1); none
    leaves the choice to Terraform (the region's first zones that every interface
    endpoint service offers)."""
    items = _list_items(value, "us-east-1a,us-east-1b or use1-az1,use1-az2")
    if not items:
        return ()
    for item in items:
        if not (ZONE_NAME_PATTERN.fullmatch(item) or ZONE_ID_PATTERN.fullmatch(item)):
            raise InvalidAnswer(
                f"{shortened(item)} is neither an AZ name such as us-east-1a nor an AZ ID"
                " such as use1-az1"
            )
    if len({is_zone_id(item) for item in items}) > 1:
        # A name and an ID may be one zone, which only the account can tell.
        raise InvalidAnswer("give AZ names (us-east-1a) or AZ IDs (use1-az1), not both")
    low, high = AZ_RANGE
    if not low <= len(items) <= high:
        raise InvalidAnswer(f"pin {low} to {high} zones, one per private subnet, or none")
    _reject_duplicates(items, "zone")
    return tuple(items)


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


def id_list(
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
        article = "an" if prefix in ("sg", "rtb") else "a"  # read out: an S-G, an R-T-B
        raise InvalidAnswer(f"{text!r} is not {article} {prefix} id such as {prefix}-0123456789abcdef0")
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


# GitHub's rules: an owner of letters, digits and hyphens (39 at most, not starting with
# a hyphen), a repository of letters, digits, dots, hyphens and underscores (100 at most).
GITHUB_REPOSITORY_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100}")


def parse_github_repository(value: object) -> str:
    text = _text(value).strip()
    if not text:
        return ""
    if (
        not GITHUB_REPOSITORY_PATTERN.fullmatch(text)
        or text.split("/")[1] in (".", "..")
        or text.endswith(".git")  # a clone URL's suffix; the token names the repository
    ):
        raise InvalidAnswer(f"{text!r} is not a GitHub repository such as octo-org/payments-api")
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


def parse_instance_type(value: object) -> str:
    text = _text(value).strip().lower() if isinstance(value, str) else None
    # family.size: letters, a generation, attributes (t4g, c7gn, m7i-flex), then a size.
    if text is None or not re.fullmatch(r"[a-z]+\d+[a-z-]*\.[a-z0-9]{1,20}", text):
        raise InvalidAnswer(
            f"{shortened(value)} is not an EC2 instance type: expected FAMILY.SIZE, e.g. t4g.nano"
        )
    return text


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


def choice(options: Mapping[str, str] | tuple[str, ...]) -> Callable[[object], str]:
    def parse(value: object) -> str:
        text = _text(value)
        if text not in options:
            raise InvalidAnswer(f"{text!r} is not one of: {', '.join(options)}")
        return text

    return parse


def whole_number(low: int, high: int) -> Callable[[object], int]:
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
