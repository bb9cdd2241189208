"""The fidelity rules, installed into moto (5.2) in the emulator's process.

Two hook points, both inside moto's own request handling:

- `authorize_then_check` replaces moto's authorization step, which every
  BaseResponse action passes before moto touches its backends. It authorizes
  the caller (only keys moto issued; see "Principals"), then runs the request
  rules (`REQUEST_RULES`), so a rule answers exactly as AWS would: after
  authorization, before the action, with the error shape of the service's
  protocol.
- A few backend methods are wrapped (`install`) where AWS does something after
  an action that moto does not: Lambda's network interfaces, the interfaces of
  endpoints and NAT gateways.

Every rule cites where the behaviour is documented. Error messages are AWS's
where the documentation or a public report quotes them; where none was found,
the code is AWS's and the message is ours (said at the rule).
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import json
import os
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote, urlsplit
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

    def update(self, changes: dict[str, Any]) -> None:
        if "lambda_eni_release_seconds" in changes:
            self.lambda_eni_release_seconds = float(changes["lambda_eni_release_seconds"])
        if "lambda_eni_release" in changes:
            if changes["lambda_eni_release"] not in RELEASE_MODES:
                raise ValueError(f"lambda_eni_release must be one of {RELEASE_MODES}")
            self.lambda_eni_release = str(changes["lambda_eni_release"])

    def as_dict(self) -> dict[str, Any]:
        return {
            "lambda_eni_release_seconds": self.lambda_eni_release_seconds,
            "lambda_eni_release": self.lambda_eni_release,
        }


SETTINGS = Settings()
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


# --- principals: IAM enforcement per access key ------------------------------------------
#
# moto authorizes either every request or none (INITIAL_NO_AUTH_ACTION_COUNT).
# Here a request is authorized when, and only when, it is signed with an access
# key moto issued (an IAM user's, or an assumed role's); the fixtures' dummy
# keys set up and read back unrestricted.
#
# Proven: the caller's policies allow each action moto derives from the API
# operation (`service:Operation`, which is the IAM action name for every
# operation Terraform calls here), plus the implied actions below.
# NOT proven: resource ARNs (moto checks EC2, Lambda, Logs... against "*"),
# condition keys (moto evaluates only StringEquals, and with no request context),
# permissions boundaries, SCPs, session policies, resource policies (KMS key
# policies included).


def issued_key(account_id: str, region: str, access_key_id: str) -> bool:
    from moto.iam.models import iam_backends
    from moto.sts.models import sts_backends
    from moto.utilities.utils import get_partition

    partition = get_partition(region)
    users = iam_backends[account_id][partition].users.values()
    if any(key.access_key_id == access_key_id for user in users for key in user.access_keys):
        return True
    roles = sts_backends[account_id][partition].assumed_roles
    return any(role.access_key_id == access_key_id for role in roles)


def signed_access_key(headers: Any) -> str | None:
    authorization = headers.get("Authorization", "")
    if "Credential=" not in authorization:
        return None
    return str(authorization.split("Credential=", 1)[1].split("/", 1)[0])


def authorize_then_check(self: Any, iam_request_cls: type, resource: str = "*") -> None:
    """Replaces ActionAuthenticatorMixin._authenticate_and_authorize_action."""
    from moto.core.authorization import ActionAuthenticatorMixin

    key = signed_access_key(self.headers)
    if (
        key is not None
        and self.headers.get("X-Amz-Target") not in ActionAuthenticatorMixin.PUBLIC_OPERATIONS
        and issued_key(self.current_account, self.region, key)
    ):
        parsed = urlsplit(self.uri)
        request = iam_request_cls(
            account_id=self.current_account,
            method=self.method,
            path=parsed.path + ("?" + parsed.query if parsed.query else ""),
            data=self.data,
            body=self.raw_body,
            headers=self.headers,
            action=self._get_action(),
        )
        request.check_signature()
        request.check_action_permitted(resource)
        if self.service_name in RULED_SERVICES:
            for implied in implied_actions(Request.of(self)):
                request._action = implied
                request.check_action_permitted("*")
    if self.service_name in RULED_SERVICES:
        check_request(Request.of(self))


# moto verifies SigV4 over a request it rebuilds from the parsed one: for a
# body-less request (Lambda GetFunction, ListVersionsByFunction...) it hashes the
# request *headers* as a form body, and it percent-decodes path and query, so
# every such request by an IAM user fails with SignatureDoesNotMatch. Verify over
# the request as it arrived instead: the raw path and query werkzeug keeps in
# RAW_URI, and the body bytes `server.CaptureRawBody` kept before Flask parsed it.
RAW_BODY_KEY = "vpc_lambda_new.fidelity.raw_body"


def aws_request_as_sent(self: Any) -> Any:
    from botocore.awsrequest import AWSRequest
    from flask import has_request_context, request

    if not has_request_context() or RAW_BODY_KEY not in request.environ:
        return ORIGINAL["create_aws_request"](self)
    environ = request.environ
    raw_uri = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if raw_uri:
        parts = urlsplit(raw_uri)
        path, query = parts.path or "/", parts.query
    else:
        path, query = quote(environ.get("PATH_INFO", "/")), environ.get("QUERY_STRING", "")
    signed = self._get_string_between("SignedHeaders=", ",", self._headers["Authorization"])
    headers = self._create_headers_for_aws_request(signed.split(";"), self._headers)
    rebuilt = AWSRequest(
        method=self._method,
        url=path + ("?" + query if query else ""),
        data=environ[RAW_BODY_KEY],
        headers=headers,
    )
    rebuilt.context["timestamp"] = headers["X-Amz-Date"]
    return rebuilt


def access_denied(self: Any) -> None:
    """As AWS words it: the caller's ARN and the IAM action, which Terraform prints."""
    protocol = protocol_of(self._service)
    denied = f"User: {self._access_key.arn} is not authorized to perform: {self._action}"
    if protocol == "ec2":
        # EC2 answers UnauthorizedOperation, not AccessDenied (EC2 API reference,
        # "Error codes for the Amazon EC2 API").
        raise AwsError(
            protocol, "UnauthorizedOperation",
            f"You are not authorized to perform this operation. {denied}", 403,
        )  # fmt: skip
    code = "AccessDenied" if protocol == "query" else "AccessDeniedException"
    raise AwsError(protocol, code, denied, 403)


def signature_mismatch(self: Any) -> None:
    protocol = protocol_of(self._service)
    if protocol == "ec2":
        raise AwsError(
            protocol,
            "AuthFailure",
            "AWS was not able to validate the provided access credentials",
            401,
        )
    code = "SignatureDoesNotMatch" if protocol == "query" else "InvalidSignatureException"
    raise AwsError(
        protocol, code,
        "The request signature we calculated does not match the signature you provided.", 403,
    )  # fmt: skip


def unknown_key(self: Any, _reason: str) -> None:
    protocol = protocol_of(self._service)
    if protocol == "ec2":
        raise AwsError(
            protocol,
            "AuthFailure",
            "AWS was not able to validate the provided access credentials",
            401,
        )
    code = "InvalidClientTokenId" if protocol == "query" else "UnrecognizedClientException"
    raise AwsError(protocol, code, "The security token included in the request is invalid.", 403)


# The services the request rules and implied actions look at (moto's names);
# the others (S3's own request handling among them) pass untouched.
RULED_SERVICES = frozenset({"ec2", "awslambda", "iam", "logs"})


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


# --- implied actions: what AWS authorizes beyond the operation itself -----------------------


def implied_actions(request: Request) -> Iterator[str]:
    """Actions AWS checks for the caller besides the operation's own.

    Only cases AWS documents, each under the condition that triggers it.
    """
    if request.service == "ec2":
        # Tag on create: "If tags are specified in the resource-creating action,
        # Amazon performs additional authorization on the ec2:CreateTags action"
        # (EC2 User Guide, "Grant permission to tag Amazon EC2 resources during creation").
        if request.action != "CreateTags" and any(
            key.startswith("TagSpecification.") for key in request.params
        ):
            yield "ec2:CreateTags"
        # Flow logs to CloudWatch Logs: "users must also have permissions to use the
        # iam:PassRole action for the IAM role" (VPC User Guide, "IAM role for
        # publishing flow logs to CloudWatch Logs").
        if request.action == "CreateFlowLogs" and request.params.get("DeliverLogsPermissionArn"):
            yield "iam:PassRole"
        # Private DNS of an interface endpoint associates an AWS-managed private
        # hosted zone with the VPC: the Service Authorization Reference lists
        # route53:AssociateVPCWithHostedZone as a dependent action of
        # ec2:CreateVpcEndpoint (and reports of denied endpoint creations confirm it).
        if private_dns_requested(request):
            yield "route53:AssociateVPCWithHostedZone"
    if request.service == "awslambda" and request.action in (
        "CreateFunction", "UpdateFunctionConfiguration",
    ):  # fmt: skip
        # "To create a function, you need iam:PassRole for its execution role"
        # (Lambda Developer Guide, "Defining Lambda function permissions with an execution role").
        if request.body.get("Role"):
            yield "iam:PassRole"
        # "When you connect a function to a VPC, Lambda checks your permissions ...
        # ec2:DescribeSecurityGroups, ec2:DescribeSubnets, ec2:DescribeVpcs"
        # (Lambda Developer Guide, "Giving Lambda functions access to resources in
        # an Amazon VPC", User permissions).
        if (request.body.get("VpcConfig") or {}).get("SubnetIds"):
            yield from ("ec2:DescribeSecurityGroups", "ec2:DescribeSubnets", "ec2:DescribeVpcs")
        # "lambda:TagResource – Grant this permission to anyone who needs to call
        # TagResource or perform a tag on create" (Lambda Developer Guide, "Using
        # tags on Lambda functions").
        if request.action == "CreateFunction" and request.body.get("Tags"):
            yield "lambda:TagResource"
    # Creating a role with tags also needs iam:TagRole (IAM User Guide, "Tagging
    # IAM roles": "Permissions required for tagging IAM entities").
    if (
        request.service == "iam"
        and request.action == "CreateRole"
        and any(key.startswith("Tags.member.") for key in request.params)
    ):
        yield "iam:TagRole"


def private_dns_requested(request: Request) -> bool:
    if request.action == "CreateVpcEndpoint":
        interface = request.params.get("VpcEndpointType", "Gateway").lower() == "interface"
        # PrivateDnsEnabled defaults to true for AWS services (EC2 API reference, CreateVpcEndpoint).
        return interface and request.flag("PrivateDnsEnabled") is not False
    if request.action == "ModifyVpcEndpoint":
        return request.flag("PrivateDnsEnabled") is True
    return False


# --- request rules -----------------------------------------------------------------------------

RequestRule = Callable[[Request], None]
REQUEST_RULES: dict[tuple[str, str], list[RequestRule]] = {}


def rule(service: str, *actions: str) -> Callable[[RequestRule], RequestRule]:
    def register(check: RequestRule) -> RequestRule:
        for action in actions:
            REQUEST_RULES.setdefault((service, action), []).append(check)
        return check

    return register


def check_request(request: Request) -> None:
    if request.service in ("ec2", "awslambda"):
        HYPERPLANE.release_due()
    for check in REQUEST_RULES.get((request.service, request.action), []):
        with LOCK:
            try:
                check(request)
            except AwsError:
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


@rule("ec2", "DeleteSubnet")
def subnet_in_use(request: Request) -> None:
    # "You must terminate all running instances [and delete every network
    # interface] in the subnet before you can delete the subnet" (VPC User Guide,
    # "Delete a subnet"); the API answers DependencyViolation. moto deletes it
    # and leaves the interfaces pointing nowhere.
    subnet_id = request.params.get("SubnetId", "")
    if enis_in_use(ec2_backend(request.account, request.region), subnet=subnet_id):
        raise request.error(
            "DependencyViolation",
            f"The subnet '{subnet_id}' has dependencies and cannot be deleted.",
        )


@rule("ec2", "DeleteSecurityGroup")
def security_group_in_use(request: Request) -> None:
    # "If you try to delete a security group that is associated with a resource
    # [a network interface] or referenced by another security group's rule, the
    # request fails with DependencyViolation" (VPC User Guide, "Delete a security
    # group"). moto deletes it anyway (its own TODO in responses/security_groups.py).
    backend = ec2_backend(request.account, request.region)
    group_id = request.params.get("GroupId")
    if group_id is None:
        group = backend.get_security_group_by_name_or_id(request.params.get("GroupName", ""))
        group_id = group.id if group else ""
    users = enis_in_use(backend, group=group_id)
    referencing = [
        group.id
        for groups in backend.groups.values()
        for group in list(groups.values())
        if group.id != group_id
        and any(
            (rule.source_group or {}).get("GroupId") == group_id
            for rule in [*group.ingress_rules, *group.egress_rules]
        )
    ]
    if users or referencing:
        raise request.error("DependencyViolation", f"resource {group_id} has a dependent object")


@rule("ec2", "DeleteVpc")
def vpc_in_use(request: Request) -> None:
    # "You must detach or delete all gateways and resources that are associated
    # with the VPC before you can delete it" (VPC User Guide, "Delete your VPC"):
    # subnets (moto checks those), attached internet gateways, non-default
    # security groups, live endpoints and NAT gateways, network interfaces.
    backend = ec2_backend(request.account, request.region)
    vpc_id = request.params.get("VpcId", "")
    dependents = [
        *(eni.id for eni in enis_in_use(backend, vpc=vpc_id)),
        *(igw.id for igw in backend.internet_gateways.values() if igw.vpc and igw.vpc.id == vpc_id),
        *(g.id for g in backend.groups.get(vpc_id, {}).values() if g.name != "default"),
        *(
            e.id
            for e in backend.vpc_end_points.values()
            if e.vpc_id == vpc_id and str(e.state).lower() != "deleted"
        ),
        *(
            n.id
            for n in backend.nat_gateways.values()
            if n.vpc_id == vpc_id and n.state not in ("deleting", "deleted")
        ),
    ]
    if dependents:
        raise request.error(
            "DependencyViolation", f"The vpc '{vpc_id}' has dependencies and cannot be deleted."
        )


@rule("ec2", "DeleteNetworkInterface")
def lambda_interface_in_use(request: Request) -> None:
    # An interface Lambda still holds is attached (owner amazon-aws): AWS refuses
    # to delete an attached interface (EC2 API reference, DeleteNetworkInterface:
    # "You must detach the network interface before you can delete it").
    eni = ec2_backend(request.account, request.region).enis.get(
        request.params.get("NetworkInterfaceId", "")
    )
    if eni is not None and eni.status == "in-use":
        raise request.error("InvalidNetworkInterface.InUse", f"Interface: [{eni.id}] in use.")


@rule("ec2", "DetachNetworkInterface")
def lambda_attachment_not_yours(request: Request) -> None:
    # Hyperplane attachments belong to Lambda: "You are not allowed to manage
    # 'ela-attach' attachments" (OperationNotPermitted, reported from AWS in
    # terraform-provider-aws issues); the provider never detaches them, it waits.
    attachment = request.params.get("AttachmentId", "")
    if attachment.startswith("ela-attach-"):
        raise request.error(
            "OperationNotPermitted", "You are not allowed to manage 'ela-attach' attachments."
        )


@rule("ec2", "ModifyNetworkInterfaceAttribute")
def lambda_interface_groups_fixed(request: Request) -> None:
    # Since 2023 AWS refuses to change the security groups of Lambda's interfaces
    # (AWS Support, quoted in terraform-provider-aws #31520: Client.OperationNotPermitted).
    eni = ec2_backend(request.account, request.region).enis.get(
        request.params.get("NetworkInterfaceId", "")
    )
    if eni is not None and getattr(eni, "interface_type", "") == "lambda":
        raise request.error(
            "OperationNotPermitted",
            f"You are not allowed to modify the security groups of {eni.id}, which Lambda manages.",
        )  # the code is AWS's; the message is ours


@rule("ec2", "CreateVpcEndpoint", "ModifyVpcEndpoint")
def interface_endpoint_one_subnet_per_zone(request: Request) -> None:
    # "You can't select multiple subnets from the same Availability Zone" (AWS
    # PrivateLink guide, "Create an interface endpoint"); the error text is as
    # reported from AWS (terraform-aws-modules/terraform-aws-vpc #583).
    backend = ec2_backend(request.account, request.region)
    if request.action == "CreateVpcEndpoint":
        if request.params.get("VpcEndpointType", "Gateway").lower() != "interface":
            return
        subnets = request.listed("SubnetId")
    else:
        endpoint = backend.vpc_end_points.get(request.params.get("VpcEndpointId", ""))
        if endpoint is None or str(endpoint.vpc_endpoint_type).lower() != "interface":
            return
        removed = set(request.listed("RemoveSubnetId"))
        subnets = [s for s in endpoint.subnet_ids or [] if s not in removed]
        subnets += [s for s in request.listed("AddSubnetId") if s not in subnets]
    seen: dict[str, str] = {}
    for subnet_id in subnets:
        try:
            zone = backend.get_subnet(subnet_id).availability_zone
        except moto_errors():
            continue  # moto answers InvalidSubnetID.NotFound itself
        if zone in seen and seen[zone] != subnet_id:
            raise request.error(
                "DuplicateSubnetsInSameZone",
                f"Found another VPC endpoint subnet in the availability zone of {subnet_id}."
                " VPC endpoint subnets should be in different availability zones supported"
                " by the VPC endpoint service.",
            )
        seen[zone] = subnet_id


@rule("ec2", "CreateVpcEndpoint", "ModifyVpcEndpoint")
def private_dns_needs_vpc_dns(request: Request) -> None:
    # "To use a private hosted zone, you must set the following VPC attributes to
    # true: enableDnsHostnames and enableDnsSupport" (EC2 API reference,
    # CreateVpcEndpoint, PrivateDnsEnabled).
    if not private_dns_requested(request):
        return
    backend = ec2_backend(request.account, request.region)
    vpc_id = request.params.get("VpcId")
    if request.action == "ModifyVpcEndpoint":
        endpoint = backend.vpc_end_points.get(request.params.get("VpcEndpointId", ""))
        vpc_id = endpoint.vpc_id if endpoint else None
    try:
        vpc = backend.get_vpc(vpc_id)
    except moto_errors():
        return  # moto answers InvalidVpcID.NotFound itself
    if not (truthy(vpc.enable_dns_support) and truthy(vpc.enable_dns_hostnames)):
        raise request.error(
            "InvalidParameter",
            "Enabling private DNS requires both enableDnsSupport and enableDnsHostnames VPC"
            f" attributes set to true for {vpc.id}",
        )


@rule("ec2", "CreateVpcEndpoint", "ModifyVpcEndpoint")
def gateway_endpoint_one_per_route_table(request: Request) -> None:
    # "You can't have multiple endpoint routes to the same service (Amazon S3 or
    # DynamoDB) in a single route table" (VPC User Guide, gateway endpoints); the
    # error text is as reported from AWS.
    backend = ec2_backend(request.account, request.region)
    if request.action == "CreateVpcEndpoint":
        if request.params.get("VpcEndpointType", "Gateway").lower() != "gateway":
            return
        service, tables, own_id = (
            request.params.get("ServiceName", ""),
            request.listed("RouteTableId"),
            None,
        )
    else:
        endpoint = backend.vpc_end_points.get(request.params.get("VpcEndpointId", ""))
        if endpoint is None or str(endpoint.vpc_endpoint_type or "Gateway").lower() != "gateway":
            return
        service, tables, own_id = (
            endpoint.service_name,
            request.listed("AddRouteTableId"),
            endpoint.id,
        )
    for other in list(backend.vpc_end_points.values()):
        if other.id == own_id or other.service_name != service:
            continue
        if str(other.state).lower() == "deleted":
            continue
        for table in tables:
            if table in (other.route_table_ids or []):
                prefix_list = other.destination_prefix_list_id or "pl-unknown"
                raise request.error(
                    "RouteAlreadyExists",
                    f"route table {table} already has a route with destination-prefix-list-id"
                    f" {prefix_list}",
                )


@rule("ec2", "CreateRoute")
def route_destination_unique(request: Request) -> None:
    # A route table holds one route per destination; CreateRoute for a taken one
    # fails with RouteAlreadyExists (EC2 API reference, error codes). moto adds a
    # second one.
    backend = ec2_backend(request.account, request.region)
    table = backend.route_tables.get(request.params.get("RouteTableId", ""))
    if table is None:
        return
    wanted = {
        "destination_cidr_block": request.params.get("DestinationCidrBlock"),
        "destination_ipv6_cidr_block": request.params.get("DestinationIpv6CidrBlock"),
    }
    prefix_list = request.params.get("DestinationPrefixListId")
    for route in list(table.routes):
        for attribute, value in wanted.items():
            if value and getattr(route, attribute, None) == value:
                raise request.error(
                    "RouteAlreadyExists", f"The route identified by {value} already exists."
                )
        listed = getattr(route, "destination_prefix_list", None)
        if prefix_list and listed is not None and getattr(listed, "id", listed) == prefix_list:
            raise request.error(
                "RouteAlreadyExists", f"The route identified by {prefix_list} already exists."
            )


@rule("logs", "CreateLogGroup", "AssociateKmsKey")
def log_group_key_exists(request: Request) -> None:
    # "If you attempt to associate a KMS key with the log group but the KMS key
    # does not exist or the KMS key is disabled, you receive an
    # InvalidParameterException error" (CloudWatch Logs API reference,
    # CreateLogGroup, AssociateKmsKey). moto stores any string. Not modelled:
    # the key policy, which must let logs.<region>.amazonaws.com use the key.
    from moto.kms.models import kms_backends

    key_id = request.body.get("kmsKeyId")
    if not key_id:
        return
    keys = kms_backends[request.account][request.region].keys
    usable = [key for key in keys.values() if key_id in (key.arn, key.id) and key.enabled]
    if not usable:
        raise request.error(
            "InvalidParameterException",
            f"The specified KMS key {key_id} does not exist or is not enabled",
        )  # the code is AWS's; the message is ours


# --- Lambda: VpcConfig as Lambda checks it ---------------------------------------------------


def lambda_function(request: Request) -> Any | None:
    from moto.awslambda.models import lambda_backends

    name = request.path.rstrip("/").split("/functions/", 1)[-1].split("/", 1)[0]
    try:
        return lambda_backends[request.account][request.region].get_function(name, None)
    except moto_errors():
        return None


@rule("awslambda", "CreateFunction", "UpdateFunctionConfiguration")
def lambda_vpc_config_valid(request: Request) -> None:
    # Lambda resolves the subnets and security groups with EC2 and fails the call
    # when one does not exist ("Error occurred while DescribeSubnets. EC2 Error
    # Code: InvalidSubnetID.NotFound", as reported from AWS); they must share one
    # VPC (Lambda API reference, VpcConfig: "These must belong to the same VPC");
    # Ipv6AllowedForDualStack needs "all selected subnets [to] have an IPv4 CIDR
    # block and an IPv6 CIDR block" (Lambda Developer Guide, configuration-vpc;
    # the error text for that one is ours). moto stores any VpcConfig verbatim.
    config = request.body.get("VpcConfig") or {}
    subnet_ids = config.get("SubnetIds") or []
    group_ids = config.get("SecurityGroupIds") or []
    backend = ec2_backend(request.account, request.region)
    vpcs: dict[str, str] = {}
    subnets = []
    for subnet_id in subnet_ids:
        try:
            subnet = backend.get_subnet(subnet_id)
        except moto_errors():
            raise request.error(
                "InvalidParameterValueException",
                "Error occurred while DescribeSubnets. EC2 Error Code: InvalidSubnetID.NotFound."
                f" EC2 Error Message: The subnet ID '{subnet_id}' does not exist",
            ) from None
        subnets.append(subnet)
        vpcs[subnet_id] = subnet.vpc_id
    for group_id in group_ids:
        group = backend.get_security_group_from_id(group_id)
        if group is None:
            raise request.error(
                "InvalidParameterValueException",
                "Error occurred while DescribeSecurityGroups. EC2 Error Code: InvalidGroup.NotFound."
                f" EC2 Error Message: The security group '{group_id}' does not exist",
            )
        vpcs[group_id] = group.vpc_id
    if len(set(vpcs.values())) > 1:
        raise request.error(
            "InvalidParameterValueException",
            f"Security groups and subnets must belong to the same VPC: {vpcs}",
        )  # the message is ours
    if config.get("Ipv6AllowedForDualStack"):
        for subnet in subnets:
            if not subnet_ipv6_blocks(subnet):
                raise request.error(
                    "InvalidParameterValueException",
                    f"Ipv6AllowedForDualStack needs every subnet to have an IPv6 CIDR block;"
                    f" {subnet.id} has none.",
                )  # the message is ours


LAMBDA_ROLE_ENI_ACTIONS = (
    "CreateNetworkInterface",
    "DescribeNetworkInterfaces",
    "DeleteNetworkInterface",
)


@rule("awslambda", "CreateFunction", "UpdateFunctionConfiguration")
def lambda_role_usable(request: Request) -> None:
    # Lambda checks the execution role when the function is created or changed:
    # "The role defined for the function cannot be assumed by Lambda", and, for a
    # VPC function, "The provided execution role does not have permissions to call
    # CreateNetworkInterface on EC2" (InvalidParameterValueException; both
    # messages are matched, and retried for IAM propagation, by
    # terraform-provider-aws function.go). The ENI actions are those of the
    # Lambda Developer Guide's "Execution role and user permissions" for VPCs.
    from moto.iam.access_control import IAMPolicy, PermissionResult
    from moto.iam.models import iam_backends
    from moto.utilities.utils import get_partition

    function = lambda_function(request) if request.action != "CreateFunction" else None
    role_arn = request.body.get("Role") or (function.role if function else None)
    config = request.body.get("VpcConfig")
    if config is None and function is not None:
        config = function._vpc_config
    if not role_arn:
        return
    iam = iam_backends[request.account][get_partition(request.region)]
    try:
        role = iam.get_role_by_arn(role_arn)
    except moto_errors():
        return  # an unknown role: out of this rule's scope
    try:
        trust = json.loads(role.assume_role_policy_document)
    except ValueError:
        trust = json.loads(unquote(role.assume_role_policy_document))
    if not any(
        statement.get("Effect") == "Allow"
        and "sts:AssumeRole" in as_list(statement.get("Action"))
        and "lambda.amazonaws.com" in as_list((statement.get("Principal") or {}).get("Service"))
        for statement in as_list(trust.get("Statement"))
    ):
        raise request.error(
            "InvalidParameterValueException",
            "The role defined for the function cannot be assumed by Lambda.",
        )
    if not (config or {}).get("SubnetIds"):
        return
    policies: list[Any] = [
        iam.get_role_policy(role.name, name)[1] for name in iam.list_role_policies(role.name)
    ]
    policies += iam.list_attached_role_policies(role.name)[0]
    for operation in LAMBDA_ROLE_ENI_ACTIONS:
        results = [IAMPolicy(p).is_action_permitted(f"ec2:{operation}", "*") for p in policies]
        if PermissionResult.DENIED in results or PermissionResult.PERMITTED not in results:
            raise request.error(
                "InvalidParameterValueException",
                f"The provided execution role does not have permissions to call {operation} on EC2",
            )


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


# --- Lambda's Hyperplane interfaces ------------------------------------------------------------


class HyperplaneInterfaces:
    """The network interfaces Lambda keeps in a VPC function's subnets.

    AWS (Lambda Developer Guide, "Connecting outbound networking to resources in
    a VPC"): Lambda creates a Hyperplane ENI for each unique combination of
    subnet and security groups of the account's VPC functions, shares it between
    the functions that use that combination, and releases it only when no
    function uses it: "When you update a function to remove its VPC
    configuration, Lambda requires up to 20 minutes to delete the attached
    Hyperplane ENI." While it exists, the subnet and the security groups cannot
    be deleted. Lambda describes them as "AWS Lambda VPC ENI-<function>-<uuid>",
    InterfaceType lambda, requester-managed, in-use, attached with owner
    amazon-aws (terraform-provider-aws deleteLingeringLambdaENI recognises them
    by that description and attachment owner).

    Modelled: one interface per (subnet, set of security groups) in use by any
    function of the region, created when a function is created or updated, and
    released `Settings.lambda_eni_release_seconds` after the last function using
    it is deleted, detached or moved to other groups. Not modelled: function
    states (Pending while interfaces are made), IP exhaustion, idle reclaim.
    """

    MARK = "fidelity_lambda_combination"

    def __init__(self) -> None:
        self.due: dict[
            tuple[str, str, str], float
        ] = {}  # (account, region, eni id) -> release time

    def wanted(self, account: str, region: str) -> dict[tuple[str, tuple[str, ...]], str]:
        """(subnet, groups) -> the first function using it."""
        from moto.awslambda.models import lambda_backends

        combinations: dict[tuple[str, tuple[str, ...]], str] = {}
        for function in lambda_backends[account][region].list_functions():
            config = function._vpc_config or {}
            groups = tuple(sorted(config.get("SecurityGroupIds") or []))
            for subnet_id in config.get("SubnetIds") or []:
                if groups:
                    combinations.setdefault((subnet_id, groups), function.function_name)
        return combinations

    def held(self, account: str, region: str) -> dict[tuple[str, tuple[str, ...]], Any]:
        backend = ec2_backend(account, region)
        return {
            getattr(eni, self.MARK): eni
            for eni in list(backend.enis.values())
            if getattr(eni, self.MARK, None) is not None and eni.status == "in-use"
        }

    def reconcile(self, account: str, region: str) -> None:
        with LOCK:
            wanted, held = self.wanted(account, region), self.held(account, region)
            for combination, function_name in wanted.items():
                if combination in held:
                    self.due.pop((account, region, held[combination].id), None)
                else:
                    self.create(account, region, combination, function_name)
            release_at = time.monotonic() + SETTINGS.lambda_eni_release_seconds
            for combination, eni in held.items():
                if combination not in wanted:
                    self.due.setdefault((account, region, eni.id), release_at)
        self.release_due()

    def create(
        self,
        account: str,
        region: str,
        combination: tuple[str, tuple[str, ...]],
        function_name: str,
    ) -> None:
        backend = ec2_backend(account, region)
        subnet_id, groups = combination
        try:
            subnet = backend.get_subnet(subnet_id)
        except moto_errors():
            return  # validated at the request; a subnet deleted since has no room for one
        eni = backend.create_network_interface(
            subnet, None, group_ids=list(groups),
            description=f"AWS Lambda VPC ENI-{function_name}-{uuid.uuid4()}",
        )  # fmt: skip
        setattr(eni, self.MARK, combination)
        eni.interface_type = "lambda"
        eni.requester_managed = True
        eni.requester_id = "AROAFIDELITYLAMBDAHYPERPLANE:AWSLambda"  # AWS's value: not documented
        eni.status = "in-use"
        # The serializer takes a PascalCase attribute first; moto's own
        # `attachment` property needs an EC2 instance.
        eni.Attachment = {
            "AttachmentId": f"ela-attach-{uuid.uuid4().hex[:17]}",
            "InstanceOwnerId": "amazon-aws",
            "Status": "attached",
            "DeviceIndex": 1,
            "NetworkCardIndex": 0,
            "DeleteOnTermination": False,
            "AttachTime": datetime.datetime.now(datetime.timezone.utc),
        }

    def release_due(self) -> None:
        now = time.monotonic()
        with LOCK:
            for key, when in list(self.due.items()):
                if when > now:
                    continue
                del self.due[key]
                account, region, eni_id = key
                backend = ec2_backend(account, region)
                eni = backend.enis.get(eni_id)
                if eni is None:
                    continue
                if SETTINGS.lambda_eni_release == "available":
                    del eni.Attachment
                    eni.status = "available"
                else:
                    backend.enis.pop(eni_id, None)

    def forget_all(self) -> None:
        with LOCK:
            self.due.clear()


HYPERPLANE = HyperplaneInterfaces()


# --- interfaces of VPC endpoints and NAT gateways -----------------------------------------------


def endpoint_interfaces_as_aws(backend: Any, endpoint: Any) -> None:
    """One interface per subnet of an interface endpoint, holding the endpoint's groups.

    AWS: "We create an endpoint network interface in each subnet that you
    select", with the endpoint's security groups, requester-managed, type
    vpc_endpoint (PrivateLink guide). moto creates them on create only, with the
    VPC's default group, and never on ModifyVpcEndpoint; the groups matter,
    since a security group an endpoint still uses cannot be deleted.
    """
    if (
        str(endpoint.vpc_endpoint_type).lower() != "interface"
        or str(endpoint.state).lower() == "deleted"
    ):
        return
    by_subnet = {}
    for eni_id in list(endpoint.network_interface_ids):
        eni = backend.enis.get(eni_id)
        if eni is None or eni.subnet.id not in (endpoint.subnet_ids or []):
            backend.enis.pop(eni_id, None)
            continue
        by_subnet[eni.subnet.id] = eni
    for subnet_id in endpoint.subnet_ids or []:
        if subnet_id not in by_subnet:
            by_subnet[subnet_id] = backend.create_network_interface(subnet_id, None)
    groups = [backend.get_security_group_from_id(g) for g in endpoint.security_group_ids]
    for eni in by_subnet.values():
        eni._group_set = [g for g in groups if g is not None]
        eni.interface_type = "vpc_endpoint"
        eni.requester_managed = True
        eni.status = "in-use"
        eni.description = f"VPC Endpoint Interface {endpoint.id}"
    endpoint.network_interface_ids = [eni.id for eni in by_subnet.values()]


# --- what moto lacks -------------------------------------------------------------------------


def associate_kms_key(self: Any) -> str:
    """LogsResponse.associate_kms_key: AssociateKmsKey, which moto does not implement
    (the provider calls it when a log group's kms_key_id changes)."""
    group = log_group_of(self)
    group.kms_key_id = self._get_param("kmsKeyId")
    return ""


def disassociate_kms_key(self: Any) -> str:
    log_group_of(self).kms_key_id = None
    return ""


def log_group_of(response: Any) -> Any:
    from moto.logs.exceptions import ResourceNotFoundException

    group = response.logs_backend.groups.get(response._get_param("logGroupName"))
    if group is None:
        raise ResourceNotFoundException()
    return group


# --- moto state bugs the layer corrects ------------------------------------------------------


def subnet_ipv6_association_set(self: Any) -> list[dict[str, Any]]:
    """moto renders a subnet's IPv6 association state as the string "{'State': 'associated'}".

    (ec2/models/subnets.py wraps the state dict in another dict.) The provider
    then waits for 'associated' and fails every aws_subnet with an IPv6 block.
    """
    return [
        {
            "ipv6CidrBlock": association["ipv6CidrBlock"],
            "associationId": association["associationId"],
            "ipv6CidrBlockState": {"State": association["ipv6CidrBlockState"]["State"]},
        }
        for association in self.ipv6_cidr_block_associations.values()
        if association["ipv6CidrBlockState"]["State"] == "associated"
    ]


def lambda_vpc_config(self: Any) -> dict[str, Any] | None:
    """VpcConfig as Lambda returns it: the subnets' real VPC and the dual-stack flag.

    moto returns the hard-coded VpcId "vpc-123abc" and omits
    Ipv6AllowedForDualStack unless it was sent (Lambda API reference,
    VpcConfigResponse: SubnetIds, SecurityGroupIds, Ipv6AllowedForDualStack, VpcId).
    """
    if not self._vpc_config:
        return None
    config = dict(self._vpc_config)
    config.setdefault("SubnetIds", [])
    config.setdefault("SecurityGroupIds", [])
    config.setdefault("Ipv6AllowedForDualStack", False)
    vpc_id = ""
    if config["SubnetIds"]:
        try:
            vpc_id = (
                ec2_backend(self.account_id, self.region).get_subnet(config["SubnetIds"][0]).vpc_id
            )
        except moto_errors():
            vpc_id = ""
    config["VpcId"] = vpc_id
    return config


# --- installation ----------------------------------------------------------------------------

ORIGINAL: dict[str, Any] = {}


def after(original: Callable[..., Any], then: Callable[..., None]) -> Callable[..., Any]:
    @functools.wraps(original)
    def wrapper(backend: Any, *args: Any, **kwargs: Any) -> Any:
        result = original(backend, *args, **kwargs)
        then(backend, result, *args, **kwargs)
        return result

    return wrapper


def reconcile_lambda(backend: Any, *_: Any, **__: Any) -> None:
    HYPERPLANE.reconcile(backend.account_id, backend.region_name)


def sync_created_endpoint(backend: Any, endpoint: Any, *_: Any, **__: Any) -> None:
    with LOCK:
        endpoint_interfaces_as_aws(backend, endpoint)


def sync_modified_endpoint(backend: Any, _result: Any, *args: Any, **kwargs: Any) -> None:
    endpoint_id = kwargs.get("vpc_id", args[0] if args else "")  # moto's name for the endpoint id
    with LOCK:
        endpoint = backend.vpc_end_points.get(endpoint_id)
        if endpoint is not None:
            endpoint_interfaces_as_aws(backend, endpoint)
            gateway_routes_as_aws(backend, endpoint, kwargs)


def gateway_routes_as_aws(backend: Any, endpoint: Any, change: dict[str, Any]) -> None:
    """ModifyVpcEndpoint on a gateway endpoint adds its prefix-list route to the route tables
    it gains and removes it from those it leaves (VPC User Guide, gateway endpoints: "we add
    a route ... to each route table you choose"). moto only edits the endpoint's list, and a
    later DeleteVpcEndpoints then fails on a route that was never there."""
    prefix_list = getattr(endpoint, "destination_prefix_list_id", None)
    if not prefix_list:
        return
    for table_id in change.get("add_route_tables") or []:
        table = backend.route_tables.get(table_id)
        if table is not None and not any(
            route.destination_prefix_list_id == prefix_list for route in table.routes
        ):
            backend.create_route(table_id, None, gateway_id=endpoint.id, destination_prefix_list_id=prefix_list)
    for table_id in change.get("remove_route_tables") or []:
        with contextlib.suppress(*moto_errors()):
            backend.delete_route(table_id, prefix_list)


def release_nat_interface(backend: Any, nat_gateway: Any, *_: Any, **__: Any) -> None:
    # Deleting a NAT gateway releases its network interface and disassociates its
    # Elastic IP (VPC User Guide, "Delete a NAT gateway": "...disassociates its
    # Elastic IP address, but does not release the address"). moto keeps both.
    with LOCK:
        eni = getattr(nat_gateway, "_eni", None)
        if eni is None:
            return
        for address in list(backend.addresses):
            if address.eni is not None and address.eni.id == eni.id:
                backend.disassociate_address(address=address.public_ip)
        backend.enis.pop(eni.id, None)


def install() -> None:
    """Install every rule into moto, once per process."""
    if ORIGINAL:
        return
    from moto.awslambda.models import LambdaBackend, LambdaFunction
    from moto.core.authorization import ActionAuthenticatorMixin
    from moto.ec2.models.nat_gateways import NatGatewayBackend
    from moto.ec2.models.subnets import Subnet
    from moto.ec2.models.vpcs import VPCBackend
    from moto.iam import access_control
    from moto.logs.responses import LogsResponse

    ORIGINAL["create_aws_request"] = access_control.IAMRequestBase._create_aws_request
    ActionAuthenticatorMixin._authenticate_and_authorize_action = authorize_then_check
    access_control.IAMRequestBase._create_aws_request = aws_request_as_sent
    access_control.IAMRequest._raise_access_denied = access_denied
    access_control.IAMRequest._raise_signature_does_not_match = signature_mismatch
    access_control.IAMRequest._raise_invalid_access_key = unknown_key

    for name in ("create_function", "update_function_configuration", "delete_function"):
        setattr(LambdaBackend, name, after(getattr(LambdaBackend, name), reconcile_lambda))
    LambdaFunction.vpc_config = property(lambda_vpc_config)
    LogsResponse.associate_kms_key = associate_kms_key
    LogsResponse.disassociate_kms_key = disassociate_kms_key
    Subnet.ipv6_cidr_block_association_set = property(subnet_ipv6_association_set)
    VPCBackend.create_vpc_endpoint = after(VPCBackend.create_vpc_endpoint, sync_created_endpoint)
    VPCBackend.modify_vpc_endpoint = after(VPCBackend.modify_vpc_endpoint, sync_modified_endpoint)
    NatGatewayBackend.delete_nat_gateway = after(
        NatGatewayBackend.delete_nat_gateway, release_nat_interface
    )


def rule_names() -> Iterable[str]:
    """Every request rule, for the log's first line."""
    return sorted({check.__name__ for checks in REQUEST_RULES.values() for check in checks})
