"""Principals: IAM enforcement per access key, and the actions AWS implies beyond an operation."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlsplit

from scaffold.emulator.core import ORIGINAL, AwsError, Request, check_request, protocol_of

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
