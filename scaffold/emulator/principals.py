"""Principals: IAM enforcement per access key, and the actions AWS implies beyond an operation."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping
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
# operation Terraform calls here), plus the implied actions below; for Lambda's
# operations on a function, on the function's ARN, qualified when the request
# carries a qualifier (`lambda_resource`).
# NOT proven: the other resource ARNs (moto checks EC2, Logs... and Lambda's event
# source mappings, layers and code signing configs against "*", which only a
# statement whose Resource is "*" matches), condition keys (moto evaluates only
# StringEquals, and with no request context), permissions boundaries, SCPs, session
# policies, resource policies (KMS key policies and Lambda function policies included).


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
        action = self._get_action()
        request = iam_request_cls(
            account_id=self.current_account,
            method=self.method,
            path=parsed.path + ("?" + parsed.query if parsed.query else ""),
            data=self.data,
            body=self.raw_body,
            headers=self.headers,
            action=action,
        )
        request.check_signature()
        if self.service_name == "awslambda":
            resource = lambda_resource_of(self, action)
        permitted_on(request, resource)
        if self.service_name in RULED_SERVICES:
            for implied in implied_actions(Request.of(self)):
                request._action = implied
                # An implied Lambda action (tag on create) is on the same function.
                permitted_on(request, resource if implied.startswith("lambda:") else "*")
    if self.service_name in RULED_SERVICES:
        check_request(Request.of(self))


# The resource a denial names (`access_denied`), kept on moto's IAMRequest.
DENIED_RESOURCE = "_fidelity_resource"


def permitted_on(request: Any, resource: str) -> None:
    setattr(request, DENIED_RESOURCE, resource)
    request.check_action_permitted(resource)


# --- the resource a Lambda request is authorized against ----------------------------------
#
# moto checks every Lambda request against "*", so a statement naming a function's ARN
# allows nothing there. AWS authorizes an operation on a function against the function's
# ARN as the request names it (Lambda Developer Guide, "Fine-tuning the Resources and
# Conditions sections of policies": "Actions that operate on a function can be restricted
# to a specific function by function, version, or alias ARN"), and a request that carries
# a qualifier (a version number, an alias, or $LATEST: the Qualifier query parameter, or
# NAME:QUALIFIER / a qualified ARN as FunctionName) against the QUALIFIED ARN
# arn:PARTITION:lambda:REGION:ACCOUNT:function:NAME:QUALIFIER, which a statement naming only
# the unqualified ARN does not match: "You need to include both the qualified and the
# unqualified function ARN in the resource" (same guide, "Interface VPC endpoints"), and AWS
# answers e.g. "not authorized to perform: lambda:GetFunctionConfiguration on resource:
# arn:aws:lambda:...:function:NAME:$LATEST because no identity-based policy allows" to a
# role that holds it on function:NAME (alexcasalboni/aws-lambda-power-tuning#260;
# likewise Invoke with Qualifier=$LATEST, hashicorp/terraform-provider-aws#23778).
#
# Which operations take a qualifier is botocore's model of the API (Qualifier in the
# operation's input). The others take the unqualified function ARN, as the Service
# Authorization Reference lists them (resource type `function`): the alias APIs
# (Create/Get/Update/DeleteAlias, ListAliases), whose alias is a resource of its own and no
# qualifier, PublishVersion, ListVersionsByFunction, UpdateFunctionCode/Configuration...
# Get/Put/DeleteProvisionedConcurrencyConfig require a Qualifier, so are always on the
# qualified ARN (the Reference lists only `function alias` and `function version` for them).
# Tagging names its resource by ARN (TagResource, UntagResource, ListTags): that ARN.
# CreateFunction names the function in its body.
#
# Not modelled: the other Lambda resources (event source mappings, layers, code signing
# configs: still "*"), resource-based policies, and IAM's wildcard `?` and literal `$`/`.`
# in a statement's Resource (moto matches a Resource as a regular expression with `*` made
# `.*`: a statement naming `function:NAME:$LATEST` matches nothing here; use `function:NAME:*`).

# A FunctionName: a name, a partial ARN (ACCOUNT:function:NAME) or an ARN, each maybe
# qualified (API reference, e.g. GetFunctionConfiguration: FunctionName's pattern).
LAMBDA_FUNCTION_NAME = re.compile(
    r"(?:arn:(?P<partition>aws[a-zA-Z-]*):lambda:)?"
    r"(?:(?P<region>[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d):)?"
    r"(?:(?P<account>\d{12}):)?"
    r"(?:function:)?"
    r"(?P<name>[a-zA-Z0-9._-]+)"
    r"(?::(?P<qualifier>\$LATEST|[a-zA-Z0-9_-]+))?"
)


@functools.cache
def takes_qualifier(operation: str) -> bool:
    """Whether a Lambda operation's input has a Qualifier (botocore's model of the API)."""
    import botocore.session
    from botocore.model import OperationNotFoundError

    model = botocore.session.get_session().get_service_model("lambda")
    try:
        shape = model.operation_model(operation).input_shape
    except OperationNotFoundError:
        return False
    return shape is not None and "Qualifier" in shape.members


def function_arn(raw: str, account: str, region: str, qualifier: str | None) -> str:
    """The ARN of the function `raw` (a FunctionName) names, with `qualifier` if one is given.

    The ARN's own region and account, when it names them; the request's otherwise.
    """
    from moto.utilities.utils import get_partition

    named = LAMBDA_FUNCTION_NAME.fullmatch(raw)
    name = named["name"] if named else raw
    if named:
        account = named["account"] or account
        region = named["region"] or region
    partition = (named["partition"] if named else None) or get_partition(region)
    arn = f"arn:{partition}:lambda:{region}:{account}:function:{name}"
    return f"{arn}:{qualifier}" if qualifier else arn


def lambda_resource(
    operation: str,
    uri: Mapping[str, str],
    query: Mapping[str, str],
    body: Mapping[str, Any],
    account: str,
    region: str,
) -> str:
    """The resource AWS authorizes a Lambda operation against (see above).

    `uri`: the request's path parameters by their model names (FunctionName, Resource...),
    decoded; `query`: its query parameters (first value of each); `body`: its JSON body.
    """
    if "FunctionName" in uri:
        raw = uri["FunctionName"]
    elif operation == "CreateFunction" and isinstance(body.get("FunctionName"), str):
        raw = body["FunctionName"]
    elif "Resource" in uri:
        return uri["Resource"]  # TagResource, UntagResource, ListTags: an ARN
    else:
        return "*"
    qualifier = None
    if takes_qualifier(operation):
        named = LAMBDA_FUNCTION_NAME.fullmatch(raw)
        qualifier = query.get("Qualifier") or (named["qualifier"] if named else None)
    return function_arn(raw, account, region, qualifier)


# Lambda's paths: /VERSION/functions/{FunctionName}[/...], /VERSION/tags/{Resource}.
LAMBDA_PATH = re.compile(r"^/[0-9-]+/(?:functions/(?P<FunctionName>[^/]+)|tags/(?P<Resource>.+?))(?:/.*)?$")


def lambda_resource_of(response: Any, operation: str) -> str:
    """lambda_resource of the request a LambdaResponse holds."""
    seen = Request.of(response)
    # moto's routing leaves the path parameters in uri_match: a dict by the model's names
    # in moto 5.2.6, a regex match by its own names in 5.2.1; the path says the same in any.
    uri = getattr(response, "uri_match", None)
    if not isinstance(uri, Mapping) or not ({"FunctionName", "Resource"} & set(uri)):
        found = LAMBDA_PATH.match(seen.path)
        uri = {key: value for key, value in (found.groupdict() if found else {}).items() if value}
    return lambda_resource(
        str(operation or ""), uri, seen.params, seen.body, seen.account, seen.region
    )


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
    resource = getattr(self, DENIED_RESOURCE, "*")
    if resource != "*":
        denied += f" on resource: {resource}"
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
