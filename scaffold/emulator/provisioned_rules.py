"""Lambda provisioned concurrency, which moto (5.2) does not implement at all.

PutProvisionedConcurrencyConfig, GetProvisionedConcurrencyConfig,
DeleteProvisionedConcurrencyConfig and ListProvisionedConcurrencyConfigs
(`/2019-09-30/functions/<name>/provisioned-concurrency`, Lambda API reference) had no route in
moto: every call, and so every `aws_lambda_provisioned_concurrency_config`, failed. Modelled
here as AWS answers them (the texts and statuses below are AWS's, as recorded by LocalStack's
AWS-validated snapshots, tests/aws/services/lambda_/test_lambda_api.snapshot.json,
TestLambdaProvisionedConcurrency, unless said otherwise):

- A configuration belongs to a published version or to an alias ("You cannot use provisioned
  concurrency with the $LATEST version", Lambda Developer Guide, provisioned-concurrency.html).
  Put on $LATEST: InvalidParameterValueException "Provisioned Concurrency Configs cannot be
  applied to unpublished function versions."; Get or Delete on $LATEST:
  InvalidParameterValueException "The function resource provided must be an alias or a
  published version."; an alias that points at $LATEST is refused as $LATEST is (ours: no record
  of AWS's answer). A missing version: 404 ResourceNotFoundException "Function not found:
  <arn>:<version>"; a missing alias, of a missing function too: 404 "Cannot find alias arn:
  <arn>:<alias>".
- Put answers 202 with Status IN_PROGRESS and nothing allocated yet; Get then answers READY with
  Allocated = Available = Requested (what the provider's waiter, Pending IN_PROGRESS -> Target
  READY, waits for, and what its Read stores as provisioned_concurrent_executions). Get without a
  configuration: 404 ProvisionedConcurrencyConfigNotFoundException "No Provisioned Concurrency
  Config found for this function". Delete without one: 204, as AWS. List on a missing function:
  404 ResourceNotFoundException "Function not found: <arn>".
- A version holds one configuration: 409 ResourceConflictException "Alias can't be used for
  Provisioned Concurrency configuration on an already Provisioned version" and "Version is
  pointed by a Provisioned Concurrency alias".
- Limits: at least 1 (ValidationException); no more than the account's unreserved concurrency,
  which must keep its minimum of 100 ("Specified ConcurrentExecutions for function is greater
  than account's unreserved concurrency [N]." / "... decreases account's
  UnreservedConcurrentExecution below its minimum value of [100]."); for a function with
  reserved concurrency, no more than that in all its configurations together (LocalStack's text,
  not among its AWS-recorded snapshots). The account's concurrency is 1,000 (Lambda quotas,
  "Concurrent executions"), or moto's MOTO_LAMBDA_CONCURRENCY_QUOTA when set.
- "SnapStart does not support provisioned concurrency" (snapstart.html): Put on a version
  (or an alias of one) whose SnapStart OptimizationStatus is On is refused,
  InvalidParameterValueException, message ours in AWS's "... is not supported for SnapStart
  enabled functions." form.

The configuration lives on moto's own object (the version's LambdaFunction copy or the
LambdaAlias), so it goes when the version, alias or function is deleted, as on AWS.

Not modelled: allocation taking time (READY at the first Get), FAILED (a function whose init
fails), routing-config (weighted) aliases, Application Auto Scaling of the configuration,
moving an alias that has a configuration onto a SnapStart version (UpdateAlias is not checked),
and reserved concurrency lowered below what is provisioned (PutFunctionConcurrency).
"""

from __future__ import annotations

import datetime
import functools
import json
import os
from collections.abc import Callable
from typing import Any

from scaffold.emulator.core import LOCK, AwsError, Request, rule
from scaffold.emulator.snapstart_rules import optimization_status

ROUTE = r"{0}/(?P<api_version>[^/]+)/functions/(?P<function_name>[^/]+)/provisioned-concurrency/?$"
# Where a configuration is kept, on the version or the alias: {"requested", "last_modified"}.
PROVISIONED = "fidelity_provisioned_concurrency"
LATEST = "$LATEST"
ACCOUNT_CONCURRENCY = 1000
MINIMUM_UNRESERVED = 100
UNPUBLISHED = "Provisioned Concurrency Configs cannot be applied to unpublished function versions."
NOT_ALIAS_OR_VERSION = "The function resource provided must be an alias or a published version."
NOT_FOUND = "No Provisioned Concurrency Config found for this function"


# --- what a request names -------------------------------------------------------------------------


def split_function(raw: str) -> tuple[str, str | None]:
    """(name, qualifier) of a FunctionName: a name, an ARN or a partial ARN, maybe qualified."""
    if raw.startswith("arn:"):
        parts = raw.split(":")
        return parts[6] if len(parts) > 6 else raw, parts[7] if len(parts) > 7 else None
    rest = raw.split(":function:", 1)[1] if ":function:" in raw else raw
    name, _, qualifier = rest.partition(":")
    return name, qualifier or None


def target(request: Request) -> tuple[str, str]:
    name, in_name = split_function(request.path.split("/functions/", 1)[-1].split("/", 1)[0])
    return name, request.params.get("Qualifier") or in_name or ""


def function_arn(request: Request, name: str, qualifier: str | None = None) -> str:
    from moto.utilities.utils import get_partition

    arn = f"arn:{get_partition(request.region)}:lambda:{request.region}:{request.account}:function:{name}"
    return f"{arn}:{qualifier}" if qualifier else arn


def storage(request: Request) -> Any:
    from moto.awslambda.models import lambda_backends

    return lambda_backends[request.account][request.region]._lambdas


def function_group(request: Request, name: str) -> dict[str, Any] | None:
    """moto's {"latest": LambdaFunction, "versions": [LambdaFunction...]} of a function."""
    group: dict[str, Any] | None = storage(request)._functions.get(name)
    return group


def aliases(request: Request, name: str) -> dict[str, Any]:
    found: dict[str, Any] = storage(request)._aliases.get(function_arn(request, name), {})
    return found


def version(request: Request, name: str, number: str) -> Any | None:
    group = function_group(request, name) or {}
    if number == LATEST:
        return group.get("latest")
    for published in group.get("versions", []):
        if str(published.version) == number:
            return published
    return None


def holder(request: Request, name: str, qualifier: str) -> Any:
    """The version (a LambdaFunction) or alias (a LambdaAlias) a qualifier names, or AWS's 404."""
    if qualifier.isdigit():
        found = version(request, name, qualifier)
        if found is None:
            raise request.error(
                "ResourceNotFoundException",
                f"Function not found: {function_arn(request, name, qualifier)}",
                404,
            )
        return found
    alias = aliases(request, name).get(qualifier) if function_group(request, name) else None
    if alias is None:
        raise request.error(
            "ResourceNotFoundException",
            f"Cannot find alias arn: {function_arn(request, name, qualifier)}",
            404,
        )
    return alias


def version_of(request: Request, name: str, found: Any) -> Any | None:
    """The version a holder is, or the one an alias points at."""
    if hasattr(found, "function_version"):  # a LambdaAlias
        return version(request, name, str(found.function_version))
    return found


def configurations(request: Request, name: str) -> list[tuple[str, Any, dict[str, Any]]]:
    """(qualifier, holder, configuration) of every configuration of a function."""
    group = function_group(request, name) or {}
    found = [(str(v.version), v, getattr(v, PROVISIONED)) for v in group.get("versions", [])
             if getattr(v, PROVISIONED, None)]  # fmt: skip
    found += [(alias_name, alias, getattr(alias, PROVISIONED))
              for alias_name, alias in sorted(aliases(request, name).items())
              if getattr(alias, PROVISIONED, None)]  # fmt: skip
    return found


# --- the rules ----------------------------------------------------------------------------------------


@rule(
    "awslambda",
    "PutProvisionedConcurrencyConfig",
    "GetProvisionedConcurrencyConfig",
    "DeleteProvisionedConcurrencyConfig",
)
def provisioned_concurrency_on_published_versions(request: Request) -> None:
    # Not $LATEST, and a version or alias that exists: AWS's texts (module docstring).
    name, qualifier = target(request)
    putting = request.action == "PutProvisionedConcurrencyConfig"
    if qualifier == LATEST:
        raise request.error(
            "InvalidParameterValueException", UNPUBLISHED if putting else NOT_ALIAS_OR_VERSION
        )
    found = holder(request, name, qualifier)
    if putting and str(getattr(found, "function_version", "")) == LATEST:
        raise request.error("InvalidParameterValueException", UNPUBLISHED)  # ours, as $LATEST's


@rule("awslambda", "ListProvisionedConcurrencyConfigs")
def provisioned_concurrency_of_an_existing_function(request: Request) -> None:
    name, _ = target(request)
    if function_group(request, name) is None:
        raise request.error(
            "ResourceNotFoundException", f"Function not found: {function_arn(request, name)}", 404
        )


@rule("awslambda", "PutProvisionedConcurrencyConfig")
def provisioned_concurrency_not_with_snap_start(request: Request) -> None:
    # "SnapStart does not support provisioned concurrency" (snapstart.html); message ours.
    name, qualifier = target(request)
    published = version_of(request, name, holder(request, name, qualifier))
    if published is not None and optimization_status(published) == "On":
        raise request.error(
            "InvalidParameterValueException",
            "Provisioned Concurrency is not supported for SnapStart enabled functions.",
        )


@rule("awslambda", "PutProvisionedConcurrencyConfig")
def provisioned_concurrency_once_per_version(request: Request) -> None:
    # One configuration per version, whether set on it or on an alias of it (AWS's texts).
    name, qualifier = target(request)
    found = holder(request, name, qualifier)
    if hasattr(found, "function_version"):
        published = version(request, name, str(found.function_version))
        if published is not None and getattr(published, PROVISIONED, None):
            raise request.error(
                "ResourceConflictException",
                "Alias can't be used for Provisioned Concurrency configuration on an already"
                " Provisioned version",
                409,
            )
        return
    for alias in aliases(request, name).values():
        if str(alias.function_version) == qualifier and getattr(alias, PROVISIONED, None):
            raise request.error(
                "ResourceConflictException",
                "Version is pointed by a Provisioned Concurrency alias",
                409,
            )


def account_concurrency() -> int:
    return int(os.environ.get("MOTO_LAMBDA_CONCURRENCY_QUOTA") or ACCOUNT_CONCURRENCY)


def unreserved_concurrency(request: Request, excluding: tuple[str, str]) -> int:
    """The account's concurrency less every function's reserved concurrency and what is
    provisioned for functions without any (a configuration of a function with reserved
    concurrency is carved out of that). `excluding` is the configuration being replaced."""
    left = account_concurrency()
    for function in storage(request).latest():
        if function.reserved_concurrency is not None:
            left -= int(function.reserved_concurrency)
            continue
        for qualifier, _, config in configurations(request, function.function_name):
            if (function.function_name, qualifier) != excluding:
                left -= int(config["requested"])
    return left


@rule("awslambda", "PutProvisionedConcurrencyConfig")
def provisioned_concurrency_within_limits(request: Request) -> None:
    # At least 1; within the function's reserved concurrency, or the account's unreserved
    # concurrency less its minimum of 100 (module docstring).
    wanted = request.body.get("ProvisionedConcurrentExecutions")
    if not isinstance(wanted, int) or wanted < 1:
        raise request.error(
            "ValidationException",
            f"1 validation error detected: Value '{wanted}' at 'provisionedConcurrentExecutions'"
            " failed to satisfy constraint: Member must have value greater than or equal to 1",
        )
    name, qualifier = target(request)
    latest = version(request, name, LATEST)
    reserved = None if latest is None else latest.reserved_concurrency
    if reserved is not None:
        others = sum(int(config["requested"]) for q, _, config in configurations(request, name)
                     if q != qualifier)  # fmt: skip
        if others + wanted > int(reserved):
            raise request.error(
                "InvalidParameterValueException",
                "Requested Provisioned Concurrency should not be greater than the"
                " reservedConcurrentExecution for function",
            )
        return
    unreserved = unreserved_concurrency(request, excluding=(name, qualifier))
    if wanted > unreserved:
        raise request.error(
            "InvalidParameterValueException",
            "Specified ConcurrentExecutions for function is greater than account's unreserved"
            f" concurrency [{unreserved}].",
        )
    if unreserved - wanted < MINIMUM_UNRESERVED:
        raise request.error(
            "InvalidParameterValueException",
            "Specified ConcurrentExecutions for function decreases account's"
            f" UnreservedConcurrentExecution below its minimum value of [{MINIMUM_UNRESERVED}].",
        )


# --- the actions (LambdaResponse methods) ---------------------------------------------------------

Answer = tuple[int, dict[str, Any], str]
JSON = "application/json"


def answered(handler: Callable[[Request], Answer]) -> Callable[[Any], Answer]:
    """A LambdaResponse method: the request as the rules see it, AWS's error shape on refusal."""

    @functools.wraps(handler)
    def method(self: Any) -> Answer:
        request = Request.of(self)
        try:
            with LOCK:
                return handler(request)
        except AwsError as refused:
            status = refused.code or 400
            return status, {"status": status, "Content-Type": JSON}, str(refused.description)

    return method


def last_modified() -> str:
    """Lambda's timestamp format, as in a function's LastModified."""
    now = datetime.datetime.now(datetime.timezone.utc)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}+0000"


def state(config: dict[str, Any]) -> dict[str, Any]:
    requested = int(config["requested"])
    return {
        "RequestedProvisionedConcurrentExecutions": requested,
        "AvailableProvisionedConcurrentExecutions": requested,
        "AllocatedProvisionedConcurrentExecutions": requested,
        "Status": "READY",
        "LastModified": config["last_modified"],
    }


@answered
def put_provisioned_concurrency_config(request: Request) -> Answer:
    name, qualifier = target(request)
    config = {
        "requested": int(request.body["ProvisionedConcurrentExecutions"]),
        "last_modified": last_modified(),
    }
    setattr(holder(request, name, qualifier), PROVISIONED, config)
    answer = {**state(config), "Status": "IN_PROGRESS"}
    answer["AvailableProvisionedConcurrentExecutions"] = 0
    answer["AllocatedProvisionedConcurrentExecutions"] = 0
    return 202, {"status": 202, "Content-Type": JSON}, json.dumps(answer)


@answered
def get_provisioned_concurrency_config(request: Request) -> Answer:
    name, qualifier = target(request)
    config = getattr(holder(request, name, qualifier), PROVISIONED, None)
    if not config:
        raise request.error("ProvisionedConcurrencyConfigNotFoundException", NOT_FOUND, 404)
    return 200, {"status": 200, "Content-Type": JSON}, json.dumps(state(config))


@answered
def delete_provisioned_concurrency_config(request: Request) -> Answer:
    name, qualifier = target(request)
    found = holder(request, name, qualifier)
    if getattr(found, PROVISIONED, None):
        setattr(found, PROVISIONED, None)
    return 204, {"status": 204}, ""


@answered
def list_provisioned_concurrency_configs(request: Request) -> Answer:
    name, _ = target(request)
    listed = [
        {"FunctionArn": function_arn(request, name, qualifier), **state(config)}
        for qualifier, _, config in configurations(request, name)
    ]
    return (
        200,
        {"status": 200, "Content-Type": JSON},
        json.dumps({"ProvisionedConcurrencyConfigs": listed}),
    )


def action_as_sent(original: Callable[[Any], str]) -> Callable[[Any], str]:
    """LambdaResponse._get_action: ListProvisionedConcurrencyConfigs is GET ...?List=ALL, which
    moto's matching by path alone takes for GetProvisionedConcurrencyConfig (the rules and the
    IAM check then saw the wrong action)."""

    @functools.wraps(original)
    def get_action(self: Any) -> str:
        action = original(self)
        if action == "GetProvisionedConcurrencyConfig" and "List" in (self.querystring or {}):
            return "ListProvisionedConcurrencyConfigs"
        return action

    return get_action


def patches() -> list[tuple[Any, str, Any]]:
    """(owner, attribute, replacement) for install.install: the route and the four actions."""
    from moto.awslambda import urls
    from moto.awslambda.responses import LambdaResponse

    return [
        (urls, "url_paths", {**urls.url_paths, ROUTE: LambdaResponse.dispatch}),
        (LambdaResponse, "_get_action", action_as_sent(LambdaResponse._get_action)),
        (LambdaResponse, "put_provisioned_concurrency_config", put_provisioned_concurrency_config),
        (LambdaResponse, "get_provisioned_concurrency_config", get_provisioned_concurrency_config),
        (
            LambdaResponse,
            "delete_provisioned_concurrency_config",
            delete_provisioned_concurrency_config,
        ),
        (
            LambdaResponse,
            "list_provisioned_concurrency_configs",
            list_provisioned_concurrency_configs,
        ),
    ]
