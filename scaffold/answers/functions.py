"""Several functions on one network: what each function's settings are, the rules AWS sets
between them (SnapStart), and the functions a project adds to its first one.

The project's first function is the project's own answers (runtime, memory, ...); each
added function (`vpc-lambda-new add-function NAME`) is a `Function` in the answer
`functions`, recorded as a list of mappings. Both are judged by `cold_start_problem`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from scaffold.answers.targets import Target
from scaffold.errors import InvalidAnswer

# The settings every function has, each parsed by the project question of the same key.
FUNCTION_KEYS = (
    "runtime",
    "architecture",
    "memory",
    "timeout",
    "ephemeral_storage",
    "snapstart",
    "provisioned_concurrency",
    "iam",
)
# What SnapStart's rules look at (cold_start_problem).
COLD_START_KEYS = ("runtime", "ephemeral_storage", "snapstart", "provisioned_concurrency")
SECURITY_GROUP_MODES = {
    "shared": "the project's function security group: Lambda's interfaces are shared",
    "own": "a group of its own: one more network interface in each private subnet",
}
# A name within the project: lower case, as the function's folder and key in terraform.tfvars.
FUNCTION_NAME_PATTERN = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")
MAX_ADDED_FUNCTIONS = 10
# Lambda: function names of at most 64 characters; IAM: role names of at most 64.
LAMBDA_NAME_MAX = 64
ROLE_NAME_MAX = 64
# Lambda developer guide, "Improving startup performance with Lambda SnapStart": Python
# 3.12 and later (with Java 11+ and .NET 8+, runtimes this tool does not generate).
SNAPSTART_PYTHON = (3, 12)


def snapstart_supported(runtime: str) -> bool:
    found = re.fullmatch(r"python(\d+)\.(\d+)", runtime)
    return found is not None and (int(found[1]), int(found[2])) >= SNAPSTART_PYTHON


def cold_start_problem(settings: Mapping[str, object]) -> str | None:
    """What Lambda refuses of a function's SnapStart, with its reason; None when it fits.

    Lambda developer guide, SnapStart: "SnapStart does not support provisioned
    concurrency, Amazon Elastic File System (Amazon EFS), or ephemeral storage greater
    than 512 MB"; supported runtimes: Java 11 and later, Python 3.12 and later, .NET 8.
    (This tool attaches no EFS; `check` judges one added by hand.) A setting not known yet
    (the wizard has not asked it) is not judged.
    """
    if not settings.get("snapstart"):
        return None
    runtime = str(settings.get("runtime"))
    if "runtime" in settings and not snapstart_supported(runtime):
        return (
            f"SnapStart does not support {runtime}: Lambda offers it for Python 3.12 and"
            " later (and Java 11+, .NET 8), not for Node.js"
        )
    if settings.get("provisioned_concurrency"):
        return (
            "SnapStart does not support provisioned concurrency (Lambda refuses both on one"
            " function version): choose one"
        )
    storage = settings.get("ephemeral_storage")
    if isinstance(storage, int) and storage > 512:
        return (
            f"SnapStart does not support ephemeral storage greater than 512 MB (given {storage})"
        )
    return None


@dataclass(frozen=True)
class Function:
    """A function added to the project: named PROJECT_NAME in AWS, folder functions/NAME."""

    name: str
    runtime: str
    architecture: str
    memory: int
    timeout: int
    ephemeral_storage: int
    snapstart: bool
    provisioned_concurrency: int
    iam: str  # its role's network-interface permissions: inline or managed
    security_group: str  # shared or own
    # What it is in the VPC for (--connect): only with a group of its own, which the
    # targets then admit; on the shared group it reaches what the first function does.
    connect: tuple[Target, ...] = ()

    def to_record(self) -> dict[str, object]:
        return {
            "name": self.name,
            **{key: getattr(self, key) for key in FUNCTION_KEYS},
            "security_group": self.security_group,
            "connect": [target.text for target in self.connect],
        }

    def settings(self) -> dict[str, object]:
        return {key: getattr(self, key) for key in FUNCTION_KEYS}


def parse_function_name(value: object) -> str:
    text = value.strip() if isinstance(value, str) else None
    if text is None or not FUNCTION_NAME_PATTERN.fullmatch(text) or len(text) > 40:
        raise InvalidAnswer(
            f"{value!r} is not a function name: lower-case letters, digits and single"
            " hyphens, starting with a letter, at most 40"
        )
    return text


def parse_security_group(value: object) -> str:
    text = value.strip() if isinstance(value, str) else value
    if text not in SECURITY_GROUP_MODES:
        raise InvalidAnswer(f"{value!r} is not one of: {', '.join(SECURITY_GROUP_MODES)}")
    return str(text)


def parse_function(
    value: object, parsers: Mapping[str, Callable[[object], object]], defaults: Mapping[str, object]
) -> Function:
    """One added function from its record (a mapping); every setting parsed by its question."""
    if not isinstance(value, Mapping):
        raise InvalidAnswer("each function must be a mapping with a name and its settings")
    unknown = sorted(set(map(str, value)) - {"name", "security_group", "connect", *FUNCTION_KEYS})
    if unknown:
        raise InvalidAnswer(f"unknown function setting {unknown[0]!r}")
    if "name" not in value:
        raise InvalidAnswer("each function needs a name")
    name = parse_function_name(value["name"])
    found: dict[str, object] = {}
    for key in FUNCTION_KEYS:
        raw = value.get(key, defaults[key])
        try:
            found[key] = parsers[key](raw)
        except InvalidAnswer as problem:
            raise InvalidAnswer(f"function {name!r}: {key}: {problem}") from None
    refused = cold_start_problem(found)
    if refused is not None:
        raise InvalidAnswer(f"function {name!r}: {refused}")
    group = parse_security_group(value.get("security_group", "shared"))
    try:
        targets = parsers["connect"](value.get("connect", ""))
    except InvalidAnswer as problem:
        raise InvalidAnswer(f"function {name!r}: connect: {problem}") from None
    assert isinstance(targets, tuple)
    if targets and group != "own":
        raise InvalidAnswer(f"function {name!r}: {SHARED_CONNECT}")
    return Function(name=name, security_group=group, connect=targets, **found)  # type: ignore[arg-type]


# Why --connect needs a group of the function's own.
SHARED_CONNECT = (
    "connect targets need --security-group own: on the shared group a function reaches"
    " what the first function's targets admit (vpc-lambda-new update --connect)"
)


def function_targets(answers: Mapping[str, object]) -> tuple[Target, ...]:
    """The connect targets of every added function."""
    functions = answers.get("functions")
    return tuple(t for f in (functions if isinstance(functions, tuple) else ()) for t in f.connect)


def parse_functions(
    value: object, parsers: Mapping[str, Callable[[object], object]], defaults: Mapping[str, object]
) -> tuple[Function, ...]:
    if value == "" or value is None:
        return ()
    if not isinstance(value, (list, tuple)):
        raise InvalidAnswer("a list of functions, each a mapping with a name and its settings")
    if len(value) > MAX_ADDED_FUNCTIONS:
        raise InvalidAnswer(
            f"at most {MAX_ADDED_FUNCTIONS} added functions, and there would be {len(value)};"
            " remove one first (vpc-lambda-new remove-function)"
        )
    found = tuple(parse_function(item, parsers, defaults) for item in value)
    names = [function.name for function in found]
    for name in names:
        if names.count(name) > 1:
            raise InvalidAnswer(f"two functions are named {name!r}")
    return found


# Lambda developer guide, SnapStart: "available in all commercial Regions except Asia
# Pacific (New Zealand) and Asia Pacific (Taipei)"; AWS GovCloud (US) User Guide, Lambda:
# "Lambda SnapStart for Python and .NET is not available". Of the regions this tool knows:
SNAPSTART_UNAVAILABLE = {
    "ap-east-2": "Asia Pacific (Taipei)",
    "us-gov-east-1": "AWS GovCloud (US-East)",
    "us-gov-west-1": "AWS GovCloud (US-West)",
}
# Lambda quotas: 1,000 concurrent executions a region by default, of which 100 always stay
# unreserved; provisioned concurrency is carved from the rest.
ACCOUNT_CONCURRENCY, UNRESERVED_MINIMUM = 1000, 100


def every_function(answers: Mapping[str, object]) -> list[Mapping[str, object]]:
    """The settings of each function: the first's (the answers), then each added one's."""
    functions = answers.get("functions")
    added = [f.settings() for f in functions] if isinstance(functions, tuple) else []
    return [answers, *added]


def snapstart_region_problem(answers: Mapping[str, object]) -> str | None:
    region = str(answers.get("region"))
    if region in SNAPSTART_UNAVAILABLE and any(f.get("snapstart") for f in every_function(answers)):
        return f"Lambda does not offer SnapStart in {region} ({SNAPSTART_UNAVAILABLE[region]})"
    return None


def provisioned_total_problem(answers: Mapping[str, object]) -> str | None:
    total = sum(int(str(f.get("provisioned_concurrency") or 0)) for f in every_function(answers))
    most = ACCOUNT_CONCURRENCY - UNRESERVED_MINIMUM
    if total > most:
        return (
            f"the functions' provisioned concurrency adds up to {total}: a region's concurrency"
            f" is {ACCOUNT_CONCURRENCY:,} by default, of which {UNRESERVED_MINIMUM} stay unreserved,"
            f" so at most {most} in all (new accounts may have less: aws lambda"
            " get-account-settings)"
        )
    return None


def names_problem(answers: Mapping[str, object]) -> str | None:
    """Each added function's names in AWS fit their limits: PROJECT_NAME for Lambda, and
    PROJECT_NAME-REGION for its execution role (role names are global to the account)."""
    project, region = str(answers.get("name")), str(answers.get("region"))
    functions = answers.get("functions")
    for function in functions if isinstance(functions, tuple) else ():
        role = role_name(project, function.name, region)
        if len(role) > ROLE_NAME_MAX:
            room = ROLE_NAME_MAX - len(role_name(project, "", region))
            return (
                f"function {function.name!r}: its execution role {role!r} would be longer than"
                f" IAM's {ROLE_NAME_MAX} characters; name it in at most {max(room, 0)}"
            )
    return None


# An added function is PROJECT_NAME in AWS: a project name holds no underscore, so
# PROJECT_* names this project's added functions, roles and log groups and no other
# project's (PROJECT-* would also name those of a project called PROJECT-X).
SEPARATOR = "_"


def aws_name(project: str, function: str) -> str:
    """An added function's name in AWS (Lambda, its log group, its security groups)."""
    return f"{project}{SEPARATOR}{function}"


def role_name(project: str, function: str, region: str) -> str:
    """The execution role of an added function (modules/execution_role)."""
    return f"{aws_name(project, function)}-{region}"
