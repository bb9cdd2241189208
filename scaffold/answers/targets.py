"""What the function is in the VPC for: the `--connect` targets, parsed once into `Target`s
that rendering, the cost summary and `explain` all read.

A target is written KIND:VALUE, or GROUP:PORT / CIDR:PORT:

- `sg-0123456789abcdef0:5432`: a security group and the TCP port it serves on;
- `10.20.0.0/16:443`, `2001:db8::/32:443`: an IPv4 or IPv6 block and a port;
- `rds:IDENTIFIER`, `rds-proxy:NAME`, `elasticache:REPLICATION-GROUP-ID`: looked up at
  plan time (endpoint, port, security groups, VPC);
- `secret:ARN`: a Secrets Manager secret the function may read.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from scaffold.errors import InvalidAnswer

# The kinds, in the order a project lists them, and what each is.
KINDS = {
    "sg": "a security group and a port",
    "cidr": "an address block and a port",
    "rds": "an RDS DB instance",
    "rds-proxy": "an RDS Proxy",
    "elasticache": "an ElastiCache replication group",
    "secret": "a Secrets Manager secret",
}
LOOKED_UP = ("rds", "rds-proxy", "elasticache")  # read at plan time, in the VPC
IN_THE_VPC = ("sg", *LOOKED_UP)  # what must already be in the function's VPC
MAX_TARGETS = 20
EXAMPLES = "sg-0123456789abcdef0:5432, 10.20.0.0/16:443, rds:mydb, rds-proxy:myproxy, elasticache:mycache, secret:arn:aws:secretsmanager:..."

# RDS DB instance identifiers and proxy names (RDS API reference, CreateDBInstance and
# CreateDBProxy): a letter, then letters, digits and hyphens; no two hyphens in a row, no
# hyphen at the end; 63 characters for instances, 60 for proxies. ElastiCache replication
# group ids (CreateReplicationGroup): the same rule, 40 characters, stored lower case.
IDENTIFIER = re.compile(r"[A-Za-z](?:[A-Za-z0-9]|-(?!-))*")
IDENTIFIER_LENGTH = {"rds": 63, "rds-proxy": 60, "elasticache": 40}
# A secret's ARN (Secrets Manager API reference, SecretId; names: letters, digits and
# /_+=.@-, up to 512); the ARN AWS returns ends in a hyphen and six random characters.
SECRET_ARN = re.compile(
    r"arn:(?P<partition>aws|aws-us-gov|aws-cn):secretsmanager:(?P<region>[a-z0-9-]+):"
    r"(?P<account>\d{12}):secret:(?P<name>[A-Za-z0-9/_+=.@-]{1,512})"
)
GROUP_ID = re.compile(r"sg-[0-9a-f]{8}(?:[0-9a-f]{9})?")
PORT = re.compile(r"[0-9]{1,5}")


@dataclass(frozen=True)
class Target:
    kind: str  # one of KINDS
    value: str  # the group id, the block, the identifier or the ARN
    port: int | None = None  # sg and cidr

    @property
    def text(self) -> str:
        """As written in the answers and terraform.tfvars: KIND:VALUE or VALUE:PORT."""
        return f"{self.value}:{self.port}" if self.port is not None else f"{self.kind}:{self.value}"

    @property
    def looked_up(self) -> bool:
        return self.kind in LOOKED_UP

    @property
    def ipv6(self) -> bool:
        return self.kind == "cidr" and ":" in self.value

    @property
    def region(self) -> str | None:
        """The region a secret's ARN names."""
        found = SECRET_ARN.fullmatch(self.value) if self.kind == "secret" else None
        return found["region"] if found else None

    @property
    def partition(self) -> str | None:
        found = SECRET_ARN.fullmatch(self.value) if self.kind == "secret" else None
        return found["partition"] if found else None

    def __str__(self) -> str:
        return self.text


def parse_target(text: str) -> Target:
    kind, _, rest = text.partition(":")
    if kind == "secret":
        if not SECRET_ARN.fullmatch(rest):
            raise InvalidAnswer(
                f"{text!r}: give the secret's ARN, arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME"
            )
        return Target("secret", rest)
    if kind in IDENTIFIER_LENGTH:
        longest = IDENTIFIER_LENGTH[kind]
        if not IDENTIFIER.fullmatch(rest) or len(rest) > longest or rest.endswith("-"):
            raise InvalidAnswer(
                f"{text!r}: {KINDS[kind]} identifier is a letter, then letters, digits and single"
                f" hyphens, {longest} characters at most, not ending in a hyphen"
            )
        # RDS and ElastiCache store identifiers in lower case, and look them up so.
        return Target(kind, rest.lower())
    value, separator, port_text = text.rpartition(":")
    if not separator or not value or not (value.startswith("sg-") or "/" in value):
        raise InvalidAnswer(f"{text!r} is not a target such as {EXAMPLES}")
    if not PORT.fullmatch(port_text) or not 1 <= int(port_text) <= 65535:
        raise InvalidAnswer(f"{text!r}: the port must be a number from 1 to 65535")
    port = int(port_text)
    if value.startswith("sg-"):
        if not GROUP_ID.fullmatch(value):
            raise InvalidAnswer(f"{text!r}: {value!r} is not a security group id such as sg-0123456789abcdef0")
        return Target("sg", value, port)
    if "/" not in value:
        raise InvalidAnswer(f"{text!r} is not a target such as {EXAMPLES}")
    try:
        network = ipaddress.ip_network(value, strict=False)
    except ValueError:
        raise InvalidAnswer(f"{text!r}: {value!r} is not an IPv4 or IPv6 CIDR block") from None
    if str(network) != value and ipaddress.ip_interface(value).ip != network.network_address:
        raise InvalidAnswer(f"{text!r}: {value!r} has host bits set; did you mean {network}?")
    if network.prefixlen == 0:
        raise InvalidAnswer(
            f"{text!r}: a target is a network the function is in the VPC to reach, not everything"
        )
    return Target("cidr", str(network), port)


def parse_connect(value: object) -> tuple[Target, ...]:
    """A comma-separated string (flags, repeated flags joined, the wizard) or a list of
    strings (answers files), in the order given, duplicates refused."""
    if isinstance(value, str):
        items = [item.strip() for item in value.split(",") if item.strip()]
    elif isinstance(value, (list, tuple)) and all(isinstance(item, str) for item in value):
        items = [item.strip() for item in value if item.strip()]
    else:
        raise InvalidAnswer(f"expected a comma-separated list of targets such as {EXAMPLES}")
    if len(items) > MAX_TARGETS:
        raise InvalidAnswer(f"give at most {MAX_TARGETS} targets (each is a security group rule)")
    targets = tuple(parse_target(item) for item in items)
    seen: set[str] = set()
    for target in targets:
        if target.text in seen:
            raise InvalidAnswer(f"target {target.text!r} is listed more than once")
        seen.add(target.text)
    return targets
