"""Lambda SnapStart as AWS keeps it and checks it, where moto (5.2) does neither.

What AWS does (Lambda Developer Guide, "Improving startup performance with Lambda SnapStart",
https://docs.aws.amazon.com/lambda/latest/dg/snapstart.html, "Supported features and
limitations"; Lambda API reference, SnapStart and SnapStartResponse):

- CreateFunction and UpdateFunctionConfiguration take `SnapStart: {ApplyOn: PublishedVersions
  | None}`; every function configuration returns `SnapStart: {ApplyOn, OptimizationStatus}`.
  $LATEST is never optimized ("You can use SnapStart only on published function versions and
  aliases that point to versions"): OptimizationStatus is `Off` for it, and `On` for a version
  published while ApplyOn was PublishedVersions (as AWS answers, recorded by LocalStack's
  AWS-validated snapshots, tests/aws/services/lambda_/test_lambda_api.snapshot.json:
  test_snapstart_update_function_configuration for $LATEST, test_snapstart_lifecycle as of
  localstack/localstack#12006 for version 1). A published version keeps the setting it was
  published with.
- ApplyOn is an enum: any other value is a ValidationException, "1 validation error detected:
  Value '<v>' at 'snapStart.applyOn' failed to satisfy constraint: Member must satisfy enum
  value set: [PublishedVersions, None]" (AWS's text, the same snapshots,
  test_snapstart_exceptions).
- SnapStart is "available for the following Lambda managed runtimes: Java 11 and later,
  Python 3.12 and later, .NET 8 and later"; not for other managed runtimes, OS-only runtimes
  (provided*), or container images. Lambda refuses the others with InvalidParameterValueException
  "<runtime> is not supported for SnapStart enabled functions." (AWS's text, as reported from
  AWS for nodejs22.x in localstack/localstack#12458 and for python3.12 in a Region without it in
  aws-samples/bedrock-chat#617; "ContainerImage is not supported for SnapStart enabled
  functions" for an image, as reported from CloudFormation).
- "SnapStart does not support provisioned concurrency, Amazon Elastic File System (Amazon EFS),
  or ephemeral storage greater than 512 MB." EFS and storage are refused here when the
  function's resulting configuration combines them with ApplyOn=PublishedVersions, with
  InvalidParameterValueException and a message of ours in AWS's "... is not supported for
  SnapStart enabled functions." form (no public record of AWS's own text was found);
  provisioned concurrency is refused in provisioned_rules.

moto returns `SnapStart: {ApplyOn: None, OptimizationStatus: Off}` whatever was sent (so
`aws_lambda_function` with `snap_start` planned a change on every run), never stores
FileSystemConfigs, and ignores EphemeralStorage in UpdateFunctionConfiguration; it checks none
of the above. This module stores the three on moto's LambdaFunction (published versions are
copies of it, so each keeps its own) and answers them as AWS does.

Not modelled: the minutes a SnapStart version takes to publish (its State is Pending while
Lambda takes the snapshot; here it is Active at once), the Regions without SnapStart, arm64
("arm64 is not supported for SnapStart enabled functions" is reported from AWS for .NET;
which runtimes it applies to is not documented), snapshot expiry (a version not invoked for
14 days becomes Inactive) and runtime hooks.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

from scaffold.emulator.core import Request, rule
from scaffold.emulator.lambda_rules import lambda_function

PUBLISHED_VERSIONS = "PublishedVersions"
APPLY_ON_VALUES = (PUBLISHED_VERSIONS, "None")
# Where the layer keeps what moto drops, on moto's LambdaFunction.
APPLY_ON = "fidelity_snap_start_apply_on"
FILE_SYSTEMS = "fidelity_file_system_configs"
# "ephemeral storage greater than 512 MB" (snapstart.html); 512 is Lambda's default.
SNAP_START_MAX_EPHEMERAL_MB = 512
DEFAULT_EPHEMERAL_MB = 512
# Runtime identifier -> the lowest version SnapStart supports (snapstart.html).
SUPPORTED_FROM = {"java": 11, "python3.": 12, "dotnet": 8}


def runtime_supports_snap_start(runtime: str | None) -> bool:
    match = re.fullmatch(r"(java|python3\.|dotnet)(\d+)", runtime or "")
    if match is None:
        return False
    return int(match.group(2)) >= SUPPORTED_FROM[match.group(1)]


def apply_on(function: Any) -> str:
    return str(getattr(function, APPLY_ON, "None"))


def optimization_status(function: Any) -> str:
    """On for a version published with ApplyOn=PublishedVersions; $LATEST is never optimized."""
    published = str(function.version) != "$LATEST"
    return "On" if published and apply_on(function) == PUBLISHED_VERSIONS else "Off"


# --- the configuration a request leaves the function with ------------------------------------


def resulting(request: Request) -> dict[str, Any]:
    """SnapStart's ApplyOn, runtime, package type, ephemeral storage (MB) and EFS mounts of the
    function as CreateFunction or UpdateFunctionConfiguration would leave it."""
    body = request.body
    function = lambda_function(request) if request.action == "UpdateFunctionConfiguration" else None
    if "SnapStart" in body:
        applied = str((body.get("SnapStart") or {}).get("ApplyOn", "None"))
    else:
        applied = apply_on(function) if function is not None else "None"
    if "EphemeralStorage" in body:
        storage = (body.get("EphemeralStorage") or {}).get("Size", DEFAULT_EPHEMERAL_MB)
    else:
        storage = function.ephemeral_storage if function is not None else DEFAULT_EPHEMERAL_MB
    if "FileSystemConfigs" in body:
        file_systems = list(body.get("FileSystemConfigs") or [])
    else:
        file_systems = list(getattr(function, FILE_SYSTEMS, []) or [])
    return {
        "apply_on": applied,
        "runtime": body.get("Runtime") or (function.run_time if function is not None else None),
        "package_type": body.get("PackageType")
        or (function.package_type if function is not None else "Zip"),
        "storage": int(storage),
        "file_systems": file_systems,
    }


def snap_start_enabled(request: Request) -> dict[str, Any] | None:
    found = resulting(request)
    return found if found["apply_on"] == PUBLISHED_VERSIONS else None


# --- the rules ----------------------------------------------------------------------------------


@rule("awslambda", "CreateFunction", "UpdateFunctionConfiguration")
def snap_start_apply_on_valid(request: Request) -> None:
    # ApplyOn is the enum [PublishedVersions, None]; AWS's ValidationException text (module
    # docstring). moto stored nothing, so took any value.
    if "SnapStart" not in request.body:
        return
    value = (request.body.get("SnapStart") or {}).get("ApplyOn", "None")
    if value not in APPLY_ON_VALUES:
        raise request.error(
            "ValidationException",
            f"1 validation error detected: Value '{value}' at 'snapStart.applyOn' failed to"
            " satisfy constraint: Member must satisfy enum value set: [PublishedVersions, None]",
        )


@rule("awslambda", "CreateFunction", "UpdateFunctionConfiguration")
def snap_start_runtime_supported(request: Request) -> None:
    # Java 11+, Python 3.12+, .NET 8+ only; AWS's "<runtime> is not supported for SnapStart
    # enabled functions." (module docstring). Also when an update changes only the runtime of
    # a function that has SnapStart on.
    enabled = snap_start_enabled(request)
    if enabled is None:
        return
    if enabled["package_type"] == "Image":
        raise request.error(
            "InvalidParameterValueException",
            "ContainerImage is not supported for SnapStart enabled functions.",
        )
    if not runtime_supports_snap_start(enabled["runtime"]):
        raise request.error(
            "InvalidParameterValueException",
            f"{enabled['runtime']} is not supported for SnapStart enabled functions.",
        )


@rule("awslambda", "CreateFunction", "UpdateFunctionConfiguration")
def snap_start_without_efs(request: Request) -> None:
    # "SnapStart does not support ... Amazon Elastic File System (Amazon EFS)" (snapstart.html);
    # the message is ours, in AWS's form for the runtime.
    enabled = snap_start_enabled(request)
    if enabled is not None and enabled["file_systems"]:
        raise request.error(
            "InvalidParameterValueException",
            "Amazon EFS is not supported for SnapStart enabled functions.",
        )


@rule("awslambda", "CreateFunction", "UpdateFunctionConfiguration")
def snap_start_ephemeral_storage_at_most_512(request: Request) -> None:
    # "SnapStart does not support ... ephemeral storage greater than 512 MB" (snapstart.html);
    # the message is ours, in AWS's form for the runtime.
    enabled = snap_start_enabled(request)
    if enabled is not None and enabled["storage"] > SNAP_START_MAX_EPHEMERAL_MB:
        raise request.error(
            "InvalidParameterValueException",
            f"Ephemeral storage greater than {SNAP_START_MAX_EPHEMERAL_MB} MB is not supported"
            " for SnapStart enabled functions.",
        )


# --- the state moto drops ---------------------------------------------------------------------


def keep_on_create(original: Callable[..., None]) -> Callable[..., None]:
    """LambdaFunction.__init__: keeps SnapStart's ApplyOn and the EFS mounts of the spec."""

    @functools.wraps(original)
    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        spec = kwargs["spec"] if "spec" in kwargs else args[1]
        setattr(self, APPLY_ON, str((spec.get("SnapStart") or {}).get("ApplyOn", "None")))
        setattr(self, FILE_SYSTEMS, list(spec.get("FileSystemConfigs") or []))

    return init


def keep_on_update(original: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    """LambdaFunction.update_configuration: also SnapStart, EphemeralStorage and
    FileSystemConfigs, which moto's ignores. A new list and string each time: published
    versions are shallow copies and keep what they were published with."""

    @functools.wraps(original)
    def update(self: Any, config_updates: dict[str, Any]) -> dict[str, Any]:
        if "SnapStart" in config_updates:
            value = (config_updates.get("SnapStart") or {}).get("ApplyOn", "None")
            setattr(self, APPLY_ON, str(value))
        if "FileSystemConfigs" in config_updates:
            setattr(self, FILE_SYSTEMS, list(config_updates.get("FileSystemConfigs") or []))
        if (config_updates.get("EphemeralStorage") or {}).get("Size") is not None:
            self.ephemeral_storage = int(config_updates["EphemeralStorage"]["Size"])
        return original(self, config_updates)

    return update


def configuration_as_aws(original: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    """LambdaFunction.get_configuration: SnapStart as stored, and FileSystemConfigs (Lambda API
    reference, FunctionConfiguration: omitted when the function mounts none)."""

    @functools.wraps(original)
    def get_configuration(self: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        config = original(self, *args, **kwargs)
        config["SnapStart"] = {
            "ApplyOn": apply_on(self),
            "OptimizationStatus": optimization_status(self),
        }
        file_systems = getattr(self, FILE_SYSTEMS, None)
        if file_systems:
            config["FileSystemConfigs"] = list(file_systems)
        return config

    return get_configuration


def patches() -> list[tuple[Any, str, Any]]:
    """(owner, attribute, replacement) for install.install."""
    from moto.awslambda.models import LambdaFunction

    return [
        (LambdaFunction, "__init__", keep_on_create(LambdaFunction.__init__)),
        (
            LambdaFunction,
            "update_configuration",
            keep_on_update(LambdaFunction.update_configuration),
        ),
        (
            LambdaFunction,
            "get_configuration",
            configuration_as_aws(LambdaFunction.get_configuration),
        ),
    ]
