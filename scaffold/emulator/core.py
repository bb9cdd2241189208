"""The emulator's core: settings, the record of events, AWS's error shapes, one request as
the rules see it, and the registry of request rules (each module of rules registers its own).
"""

from __future__ import annotations

import functools
import json
import os
import threading
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit
from xml.sax.saxutils import escape

from werkzeug.exceptions import HTTPException


# What moto raises for an unknown id: EC2's errors are ServiceExceptions, the
# others' werkzeug HTTPExceptions.
def moto_errors() -> tuple[type[Exception], ...]:
    from moto.core.exceptions import ServiceException

    return (ServiceException, HTTPException)


# --- settings -------------------------------------------------------------------------

RELEASE_SECONDS_ENV = "VPC_LAMBDA_NEW_FIDELITY_ENI_RELEASE_SECONDS"
RELEASE_MODE_ENV = "VPC_LAMBDA_NEW_FIDELITY_ENI_RELEASE"
# AWS takes up to 20 minutes, and reportedly 35 to 45, to release a Hyperplane
# interface (Lambda developer guide, "Connecting outbound networking to resources
# in a VPC"; terraform-provider-aws deleteLingeringLambdaENI). The emulator takes
# seconds, so that every destroy still waits for the release as it would on AWS
# but the suite stays affordable.
DEFAULT_RELEASE_SECONDS = 20.0
# How a released interface ends (see HyperplaneInterfaces):
# "delete": Lambda deletes it itself (what AWS does when Lambda gets there first).
# "available": it is detached and left `available` for the provider to delete
#   with ec2:DeleteNetworkInterface (what AWS does when the provider gets there
#   first); costs the provider's 18 polls at 10 s (3 minutes) per destroy.
RELEASE_MODES = ("delete", "available")


@dataclass
class Settings:
    lambda_eni_release_seconds: float = field(
        default_factory=lambda: float(os.environ.get(RELEASE_SECONDS_ENV, DEFAULT_RELEASE_SECONDS))
    )
    lambda_eni_release: str = field(
        default_factory=lambda: os.environ.get(RELEASE_MODE_ENV, "delete")
    )
    # Endpoint service name -> the only zone names it is offered in (ec2_rules: what
    # DescribeVpcEndpointServices lists and what CreateVpcEndpoint accepts). moto offers
    # every service in every zone; AWS does not, so tests narrow a service here.
    endpoint_service_zones: dict[str, list[str]] = field(default_factory=dict)

    def update(self, changes: dict[str, Any]) -> None:
        if "lambda_eni_release_seconds" in changes:
            self.lambda_eni_release_seconds = float(changes["lambda_eni_release_seconds"])
        if "lambda_eni_release" in changes:
            if changes["lambda_eni_release"] not in RELEASE_MODES:
                raise ValueError(f"lambda_eni_release must be one of {RELEASE_MODES}")
            self.lambda_eni_release = str(changes["lambda_eni_release"])
        if "endpoint_service_zones" in changes:
            zones = changes["endpoint_service_zones"]
            if not isinstance(zones, dict) or not all(
                isinstance(names, list) and all(isinstance(name, str) for name in names)
                for names in zones.values()
            ):
                raise ValueError("endpoint_service_zones maps service names to lists of zone names")
            self.endpoint_service_zones = {str(key): list(names) for key, names in zones.items()}

    def as_dict(self) -> dict[str, Any]:
        return {
            "lambda_eni_release_seconds": self.lambda_eni_release_seconds,
            "lambda_eni_release": self.lambda_eni_release,
            "endpoint_service_zones": dict(self.endpoint_service_zones),
        }


SETTINGS = Settings()
# What the rules did, in order, for tests that must prove an order without timing it:
# {"event": "released", "eni": ..., "subnet": ..., "groups": [...]} when Lambda lets go
# of an interface, {"event": "refused", "rule": ..., "action": ...} when a rule refuses a
# request, {"event": "allowed", "action": "DeleteSubnet", "id": ...} when an in-use rule
# lets a deletion through. Served at /fidelity-api/events (server.py).
EVENTS: list[dict[str, Any]] = []


def record(**event: Any) -> None:
    with LOCK:
        EVENTS.append(event)


# moto's backends have no locks and the server is threaded: every mutation the
# rules make happens under this one.
LOCK = threading.RLock()


# --- errors in each protocol's shape ----------------------------------------------------

# The SDKs read the error code from the body (the header is dropped by moto on
# this path): EC2 from Response/Errors/Error/Code, the query protocol (IAM, STS)
# from ErrorResponse/Error/Code, JSON and REST-JSON (Logs, Lambda, KMS) from
# __type. A wrong shape reaches Terraform as "UnknownError" or as a JSON parse
# failure, with the action name lost.
MOTO_PROTOCOLS = {"awslambda": "rest-json", "ec2": "ec2", "iam": "query", "sts": "query"}


@functools.cache
def protocol_of(service: str) -> str:
    """The wire protocol of a service, by moto service name or SigV4 signing name."""
    if service in MOTO_PROTOCOLS:
        return MOTO_PROTOCOLS[service]
    import botocore.session
    from botocore.exceptions import UnknownServiceError

    try:
        return str(botocore.session.get_session().get_service_model(service).protocol)
    except UnknownServiceError:  # a signing name that is no model name: moto's own shape
        return "query"


class AwsError(HTTPException):
    """An error as the service would send it; moto passes on its body and status."""

    def __init__(self, protocol: str, code: str, message: str, status: int = 400) -> None:
        super().__init__()
        self.code = status  # werkzeug's name for the HTTP status
        self.error_code = code
        self.message = message
        request_id = str(uuid.uuid4())
        if protocol == "ec2":
            self.description = (
                '<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error>'
                f"<Code>{escape(code)}</Code><Message>{escape(message)}</Message>"
                f"</Error></Errors><RequestID>{request_id}</RequestID></Response>"
            )
        elif protocol in ("json", "rest-json"):
            self.description = json.dumps({"__type": code, "Type": "User", "message": message})
        else:
            self.description = (
                '<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse><Error><Type>Sender</Type>'
                f"<Code>{escape(code)}</Code><Message>{escape(message)}</Message></Error>"
                f"<RequestId>{request_id}</RequestId></ErrorResponse>"
            )

    def __str__(self) -> str:
        return f"{self.error_code}: {self.message}"


# --- one request, as the rules see it -------------------------------------------------------


@dataclass
class Request:
    service: str  # moto's service name: ec2, awslambda, iam, logs, sts...
    action: str  # the API operation: CreateVpcEndpoint, CreateFunction...
    account: str
    region: str
    params: dict[str, str]  # query parameters (EC2, IAM, STS), first value of each
    body: dict[str, Any]  # JSON body (Lambda, Logs)
    path: str

    @classmethod
    def of(cls, response: Any) -> Request:
        params = {key: values[0] for key, values in (response.querystring or {}).items() if values}
        body: dict[str, Any] = {}
        raw = response.body
        if raw and not params.get("Action"):
            try:
                loaded = json.loads(raw)
                body = loaded if isinstance(loaded, dict) else {}
            except (ValueError, TypeError):
                body = {}
        return cls(
            service=response.service_name or "",
            action=str(response._get_action() or ""),
            account=response.current_account,
            region=response.region,
            params=params,
            body=body,
            path=unquote(urlsplit(response.uri).path),
        )

    @property
    def protocol(self) -> str:
        return protocol_of(self.service)

    def listed(self, prefix: str) -> list[str]:
        """EC2 list parameters: SubnetId.1, SubnetId.2... in order."""
        found = []
        for key, value in self.params.items():
            head, _, index = key.rpartition(".")
            if head == prefix and index.isdigit():
                found.append((int(index), value))
        return [value for _, value in sorted(found)]

    def flag(self, name: str) -> bool | None:
        value = self.params.get(name)
        return None if value is None else value.lower() == "true"

    def error(self, code: str, message: str, status: int = 400) -> AwsError:
        return AwsError(self.protocol, code, message, status)


def ec2_backend(account: str, region: str) -> Any:
    from moto.ec2.models import ec2_backends

    return ec2_backends[account][region]


def truthy(value: Any) -> bool:
    return str(value).lower() == "true"


# --- request rules -----------------------------------------------------------------------------

RequestRule = Callable[[Request], None]
REQUEST_RULES: dict[tuple[str, str], list[RequestRule]] = {}


def rule(service: str, *actions: str) -> Callable[[RequestRule], RequestRule]:
    def register(check: RequestRule) -> RequestRule:
        for action in actions:
            REQUEST_RULES.setdefault((service, action), []).append(check)
        return check

    return register


# Called before the rules of every EC2 and Lambda request (lambda_rules: Lambda lets go of
# the interfaces whose time has come before anything can look at them).
BEFORE_EC2_AND_LAMBDA: list[Callable[[], None]] = []


def check_request(request: Request) -> None:
    if request.service in ("ec2", "awslambda"):
        for hook in BEFORE_EC2_AND_LAMBDA:
            hook()
    for check in REQUEST_RULES.get((request.service, request.action), []):
        with LOCK:
            try:
                check(request)
            except AwsError:
                record(event="refused", rule=check.__name__, action=request.action)
                raise
            except Exception as crash:
                # A 500 would make the SDKs retry for minutes; a 400 fails the test now.
                traceback.print_exc()
                raise request.error(
                    "FidelityRuleCrashed", f"the fidelity rule {check.__name__} crashed: {crash!r}"
                ) from crash


def enis_in_use(backend: Any, **match: str) -> list[Any]:
    """The network interfaces in a subnet / with a security group / in a VPC."""
    found = []
    for eni in list(backend.enis.values()):
        if "subnet" in match and eni.subnet.id != match["subnet"]:
            continue
        if "vpc" in match and eni.subnet.vpc_id != match["vpc"]:
            continue
        if "group" in match and match["group"] not in [group.id for group in eni._group_set]:
            continue
        found.append(eni)
    return found


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def subnet_ipv6_blocks(subnet: Any) -> list[str]:
    return [
        association["ipv6CidrBlock"]
        for association in subnet.ipv6_cidr_block_associations.values()
        if association["ipv6CidrBlockState"]["State"] == "associated"
    ]


ORIGINAL: dict[str, Any] = {}
