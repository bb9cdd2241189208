"""Real Terraform and a local AWS API emulator for the tests (loaded by conftest.py).

Session fixtures (one set per pytest-xdist worker, so nothing is shared between
processes):

- `terraform_toolchain`: the Terraform CLI and the local provider mirror, a CLI
  config file that installs `hashicorp/aws` from that mirror only (never the
  network), and a plugin cache shared by every project of the session. The
  mirror is an unpacked filesystem mirror, so Terraform links the provider
  instead of copying its 700 MB binary. Without a CLI or a mirror the tests that
  need them skip, saying how to install or point at them.
- `aws_emulator`: moto, made stricter than moto by the fidelity rules
  (scaffold/emulator), on a free 127.0.0.1 port, stopped (and waited for) when the
  session ends. Its dummy keys are unrestricted; keys it issues to IAM users are
  authorized against their policies (fixtures_deployer.py).
- `terraform`: binds a generated project to a runner that calls the CLI with the
  caller's environment cleaned of every TF_* and AWS_* variable, plus the
  session's CLI config and, for commands that talk to AWS, AWS_ENDPOINT_URL,
  dummy credentials and the project's region.

One xdist worker runs one test at a time, so its plugin cache is never written
by two `terraform init`s at once.

Overrides: VPC_LAMBDA_NEW_TERRAFORM (path of the terraform binary) and
VPC_LAMBDA_NEW_PROVIDER_MIRROR (root of a filesystem mirror holding
registry.terraform.io/hashicorp/aws).

`--require-terraform` (scripts/test.sh passes it) turns a skipped `terraform` or
`emulator` test into a failure, and fails a run in which none of them ran: CI
must never go green on the strength of skipped apply tests.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import warnings
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from provider_servers import ProviderServers

from scaffold.answers import Answers, RawAnswer, build_answers

TERRAFORM_ENV = "VPC_LAMBDA_NEW_TERRAFORM"
MIRROR_ENV = "VPC_LAMBDA_NEW_PROVIDER_MIRROR"
INSTALL_TERRAFORM = (
    "install Terraform >= 1.5 (https://developer.hashicorp.com/terraform/install)"
    f" or set {TERRAFORM_ENV} to the path of the terraform binary"
)
PROVIDER = "registry.terraform.io/hashicorp/aws"
# Where Terraform itself looks for implied local mirrors, plus this machine's.
MIRROR_CANDIDATES = (
    "/opt/tf-plugins",
    "~/.terraform.d/plugins",
    "~/.local/share/terraform/plugins",
    "/usr/local/share/terraform/plugins",
    "/usr/share/terraform/plugins",
)
REQUIRED_MARKERS = ("terraform", "emulator")
# Guards against a hung process, not a performance assertion.
COMMAND_TIMEOUT_SECONDS = 900
EMULATOR_START_SECONDS = 60
DUMMY_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}


# --- the --require-terraform switch -------------------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--require-terraform",
        action="store_true",
        help="fail, instead of skip, the terraform and emulator tests when their tools are"
        " missing, and fail the run if none of them ran (scripts/test.sh sets this)",
    )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if not (report.skipped and item.config.getoption("require_terraform")):
        return
    marked = [name for name in REQUIRED_MARKERS if item.get_closest_marker(name)]
    if not marked or hasattr(report, "wasxfail"):
        return
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    report.outcome = "failed"
    report.longrepr = (
        f"--require-terraform: this {'/'.join(marked)} test was skipped, which CI does not"
        f" accept: {reason}"
    )


class RequiredTestsTally:
    """Counts, on the controlling process, the terraform/emulator tests that really ran."""

    def __init__(self) -> None:
        self.ran = 0

    @pytest.hookimpl
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        marked = any(name in report.keywords for name in REQUIRED_MARKERS)
        if report.when == "call" and not report.skipped and marked:
            self.ran += 1

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if session.config.getoption("collectonly") or hasattr(session.config, "workerinput"):
            return
        if self.ran == 0 and exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED):
            reporter = session.config.pluginmanager.get_plugin("terminalreporter")
            reporter.write_sep(
                "=", "--require-terraform: no terraform or emulator test ran", red=True
            )
            session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("require_terraform"):
        config.pluginmanager.register(RequiredTestsTally(), "require-terraform-tally")


# --- Terraform CLI, provider mirror, CLI config, plugin cache ---------------------


@dataclass(frozen=True)
class TerraformToolchain:
    binary: Path
    version: str
    platform: str  # e.g. linux_amd64
    mirror: Path
    cli_config: Path
    plugin_cache: Path
    init_cache: Path  # .terraform/ and lock file per module layout (Terraform.init)
    providers: ProviderServers  # running providers the commands attach to (provider_servers.py)


def find_terraform() -> Path | None:
    override = os.environ.get(TERRAFORM_ENV)
    if override:
        path = Path(override).expanduser()
        return path if path.is_file() and os.access(path, os.X_OK) else None
    found = shutil.which("terraform")
    return Path(found) if found else None


def mirror_has_aws_provider(root: Path, platform: str) -> bool:
    provider = root / PROVIDER
    unpacked = provider.glob(f"*/{platform}/terraform-provider-aws*")
    packed = provider.glob(f"terraform-provider-aws_*_{platform}.zip")
    return any(unpacked) or any(packed)


def find_provider_mirror(platform: str) -> tuple[Path | None, str]:
    """The mirror root, or None and why."""
    override = os.environ.get(MIRROR_ENV)
    if override:
        root = Path(override).expanduser()
        if mirror_has_aws_provider(root, platform):
            return root, ""
        return None, f"{MIRROR_ENV}={override} holds no {PROVIDER} provider for {platform}"
    for candidate in MIRROR_CANDIDATES:
        root = Path(candidate).expanduser()
        if mirror_has_aws_provider(root, platform):
            return root, ""
    looked = ", ".join(MIRROR_CANDIDATES)
    return None, (
        f"no local mirror of {PROVIDER} for {platform} in {looked}; unpack the provider as"
        f" <root>/{PROVIDER}/<version>/{platform}/ and set {MIRROR_ENV}=<root>"
        " (the tests never download providers)"
    )


def write_cli_config(path: Path, mirror: Path, plugin_cache: Path) -> None:
    # No `direct` block: a provider missing from the mirror fails init instead of
    # being fetched from the registry.
    path.write_text(
        f"plugin_cache_dir   = {json.dumps(str(plugin_cache))}\n"
        "disable_checkpoint = true\n"
        "\n"
        "provider_installation {\n"
        "  filesystem_mirror {\n"
        f"    path    = {json.dumps(str(mirror))}\n"
        f"    include = [{json.dumps(PROVIDER)}]\n"
        "  }\n"
        "}\n",
        encoding="utf-8",
    )


@pytest.fixture(scope="session")
def terraform_toolchain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TerraformToolchain]:
    binary = find_terraform()
    if binary is None:
        where = (
            f"{TERRAFORM_ENV}={os.environ[TERRAFORM_ENV]} is not an executable"
            if os.environ.get(TERRAFORM_ENV)
            else "terraform is not on PATH"
        )
        pytest.skip(f"{where}: {INSTALL_TERRAFORM}")
    described = subprocess.run(
        [str(binary), "version", "-json"],
        env=terraform_base_env(None),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if described.returncode != 0:
        pytest.fail(f"{binary} version -json failed: {described.stderr.strip()}")
    info = json.loads(described.stdout)
    platform = info["platform"]
    mirror, why = find_provider_mirror(platform)
    if mirror is None:
        pytest.skip(why)
    folder = tmp_path_factory.mktemp("terraform")
    plugin_cache = folder / "plugin-cache"
    plugin_cache.mkdir()
    cli_config = folder / "terraform.rc"
    write_cli_config(cli_config, mirror, plugin_cache)
    toolchain = TerraformToolchain(
        binary=binary,
        version=info["terraform_version"],
        platform=platform,
        mirror=mirror,
        cli_config=cli_config,
        plugin_cache=plugin_cache,
        init_cache=folder / "init-cache",
        providers=ProviderServers(folder / "provider-logs"),
    )
    yield toolchain
    toolchain.providers.close()


def terraform_base_env(toolchain: TerraformToolchain | None) -> dict[str, str]:
    """The caller's environment without anything that steers Terraform or AWS clients."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TF_", "AWS_", "CHECKPOINT_"))
    }
    env.update(CHECKPOINT_DISABLE="1", TF_IN_AUTOMATION="1", TF_INPUT="0")
    if toolchain is not None:
        env["TF_CLI_CONFIG_FILE"] = str(toolchain.cli_config)
    return env


# --- the AWS API emulator ----------------------------------------------------------


@dataclass(frozen=True)
class AwsEmulator:
    endpoint_url: str
    log: Path

    def env(self, region: str) -> dict[str, str]:
        """What a Terraform project (or any AWS client) needs to talk to the emulator."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint_url,
            **DUMMY_CREDENTIALS,
            "AWS_REGION": region,
            "AWS_DEFAULT_REGION": region,
            # Never ask an instance metadata service for anything.
            "AWS_EC2_METADATA_DISABLED": "true",
        }

    def client(
        self, service: str, region: str, credentials: Mapping[str, str] | None = None
    ) -> Any:
        """A boto3 client of the emulator that ignores the caller's AWS profile and files.

        `credentials` (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) default to the
        unrestricted dummy keys.
        """
        import boto3
        import botocore.session

        unset = (None, None, None, None)  # (config key, environment variable, default, converter)
        core = botocore.session.Session(
            session_vars={"profile": unset, "config_file": unset, "credentials_file": unset}
        )
        return boto3.session.Session(botocore_session=core).client(
            service,
            endpoint_url=self.endpoint_url,
            region_name=region,
            aws_access_key_id=(credentials or DUMMY_CREDENTIALS)["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=(credentials or DUMMY_CREDENTIALS)["AWS_SECRET_ACCESS_KEY"],
        )

    def events(self) -> list[dict[str, Any]]:
        """What the fidelity rules did so far, in order (rules.EVENTS)."""
        direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with direct.open(f"{self.endpoint_url}/fidelity-api/events", timeout=10) as response:
            answer: list[dict[str, Any]] = json.loads(response.read())
            return answer

    def settings(self, **changes: Any) -> dict[str, Any]:
        """The fidelity rules' settings (rules.Settings), after merging `changes`."""
        direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        request = urllib.request.Request(
            f"{self.endpoint_url}/fidelity-api/settings",
            data=json.dumps(changes).encode() if changes else None,
            method="POST" if changes else "GET",
        )
        with direct.open(request, timeout=10) as response:
            answer: dict[str, Any] = json.loads(response.read())
            return answer

    @contextlib.contextmanager
    def services_offered_in(self, zones: Mapping[str, list[str]]) -> Iterator[None]:
        """Endpoint services (full names) offered only in these zone names, as AWS offers
        some (moto offers each in every zone): DescribeVpcEndpointServices lists those
        zones, and CreateVpcEndpoint refuses a subnet elsewhere, until the block ends."""
        before = self.settings()["endpoint_service_zones"]
        self.settings(endpoint_service_zones={**before, **zones})
        try:
            yield
        finally:
            self.settings(endpoint_service_zones=before)


def free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# The emulator: `vpc-lambda-new emulator`, the command a generated project's `make local`
# uses (moto with the fidelity rules, scaffold/emulator), set to die with the pytest
# process that started it (Linux), so that even a killed test run leaves no emulator behind.
EMULATOR_MAIN = """
import ctypes, os, signal, sys
if sys.platform.startswith("linux"):
    ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    if os.getppid() != int(sys.argv[1]):
        sys.exit(1)  # the parent is already gone
from scaffold.cli import main
sys.exit(main(["emulator", *sys.argv[2:]]))
"""


def stop_process(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def emulator_answers(url: str) -> bool:
    try:
        direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with direct.open(f"{url}/moto-api/", timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


# Lambda's interfaces outlive a function by seconds in the suite's emulator, not by the
# 20 s of the emulator a user starts: every destroy of every apply scenario still meets
# interfaces in use and waits for their release, at a tenth of the cost.
# test_fidelity::test_destroy_waits_for_lambda_to_let_go_of_its_interfaces keeps the long
# delay and proves, from the emulator's record of events, that destroy waits for it.
SUITE_ENI_RELEASE_SECONDS = "2"


def start_emulator(log: Path) -> tuple[subprocess.Popen[bytes], str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    # moto knows AWS managed policies (AWSLambdaVPCAccessExecutionRole) only with this.
    env["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
    for _attempt in range(3):  # another process may take the free port before moto does
        port = free_loopback_port()
        url = f"http://127.0.0.1:{port}"
        with log.open("ab") as stream:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    EMULATOR_MAIN,
                    str(os.getpid()),
                    "--port",
                    str(port),
                    "--eni-release-seconds",
                    SUITE_ENI_RELEASE_SECONDS,
                ],
                stdin=subprocess.DEVNULL,
                stdout=stream,
                stderr=subprocess.STDOUT,
                env=env,
            )
        deadline = time.monotonic() + EMULATOR_START_SECONDS
        while process.poll() is None and time.monotonic() < deadline:
            if emulator_answers(url):
                return process, url
            time.sleep(0.2)
        stop_process(process)
    tail = log.read_text(encoding="utf-8", errors="replace")[-2000:]
    raise RuntimeError(f"the emulator did not start on 127.0.0.1; its log ends with:\n{tail}")


@pytest.fixture(scope="session")
def aws_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AwsEmulator]:
    try:
        import boto3  # noqa: F401
        import flask  # noqa: F401  (moto's server mode needs the [server] extra)
        import moto.server  # noqa: F401
    except ImportError as missing:
        pytest.skip(f"{missing.name} is missing: pip install -e '.[test]' (it brings moto[server])")
    log = tmp_path_factory.mktemp("emulator") / "moto.log"
    process, url = start_emulator(log)
    try:
        yield AwsEmulator(endpoint_url=url, log=log)
    finally:
        stop_process(process)


# --- running Terraform on a project ------------------------------------------------


class TerraformFailed(AssertionError):
    pass


class DeniedByPolicy(TerraformFailed):
    """Terraform failed because AWS (the emulator) denied calls; `actions` names them."""

    def __init__(self, message: str, actions: frozenset[str]) -> None:
        super().__init__(message)
        self.actions = actions


# How AWS words a denial in every protocol (and how the fidelity rules word it).
DENIAL = re.compile(r"is not authorized to perform: ([A-Za-z0-9-]+:[A-Za-z0-9]+)")


def denied_actions(output: str) -> frozenset[str]:
    # Terraform wraps long lines, and frames its diagnostics with "│".
    return frozenset(DENIAL.findall(" ".join(output.replace("│", " ").split())))


@dataclass
class Terraform:
    """The Terraform CLI bound to one project folder (and, optionally, the emulator)."""

    toolchain: TerraformToolchain
    project: Path
    emulator: AwsEmulator | None = None
    region: str = "us-east-1"
    extra_env: Mapping[str, str] = field(default_factory=dict)

    def env(self) -> dict[str, str]:
        env = terraform_base_env(self.toolchain)
        if self.emulator is not None:
            env.update(self.emulator.env(self.region))
        env.update(self.extra_env)
        return env

    def run(self, *args: str, ok_codes: tuple[int, ...] = (0,)) -> subprocess.CompletedProcess[str]:
        command = [str(self.toolchain.binary), *args]
        # Its own process group, so that a timeout or Ctrl-C kills the provider plugins too.
        process = subprocess.Popen(
            command,
            cwd=self.project,
            env=self.toolchain.providers.environment(args[0], self.project, self.env()),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        try:
            stdout, stderr = process.communicate(timeout=COMMAND_TIMEOUT_SECONDS)
        except BaseException as interrupted:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            stdout, stderr = process.communicate()
            if not isinstance(interrupted, subprocess.TimeoutExpired):
                raise
            raise TerraformFailed(
                f"`terraform {' '.join(args)}` in {self.project} hung for"
                f" {COMMAND_TIMEOUT_SECONDS}s and was killed\n{tail(stdout + stderr)}"
            ) from None
        result = subprocess.CompletedProcess(command, process.returncode, stdout, stderr)
        if result.returncode not in ok_codes:
            failure = (
                f"`terraform {' '.join(args)}` in {self.project} exited {result.returncode}\n"
                f"{tail(stdout)}\n{tail(stderr)}"
            )
            denied = denied_actions(stdout + stderr)
            if denied:
                raise DeniedByPolicy(f"denied: {', '.join(sorted(denied))}\n{failure}", denied)
            raise TerraformFailed(failure)
        return result

    def init(self) -> None:
        """`terraform init -backend=false`, done once per module layout and session.

        What init writes (.terraform/ with the module manifest and links into the plugin
        cache, and the lock file) depends only on the module calls and the provider
        requirements, so a project of a layout already initialised gets a copy of it.
        """
        done = self.toolchain.init_cache / init_layout_key(self.project)
        if not (done / "complete").exists():
            self.run("init", "-backend=false", "-input=false", "-no-color")
            shutil.rmtree(done, ignore_errors=True)
            shutil.copytree(self.project / ".terraform", done / ".terraform", symlinks=True)
            shutil.copy2(self.project / ".terraform.lock.hcl", done / ".terraform.lock.hcl")
            (done / "complete").touch()
            return
        shutil.rmtree(self.project / ".terraform", ignore_errors=True)
        shutil.copytree(done / ".terraform", self.project / ".terraform", symlinks=True)
        shutil.copy2(done / ".terraform.lock.hcl", self.project / ".terraform.lock.hcl")

    def apply(self, *extra: str) -> str:
        command = ("apply", "-auto-approve", "-input=false", "-no-color", *extra)
        try:
            return self.run(*command).stdout
        except TerraformFailed as failure:
            if self.emulator is None or not is_moto_rule_quirk(str(failure)):
                raise
            warnings.warn(MotoQuirk(f"retried `terraform apply` once after: {MOTO_RULE_QUIRK}"))
            return self.run(*command).stdout

    def destroy(self) -> str:
        return self.run("destroy", "-auto-approve", "-input=false", "-no-color").stdout

    def outputs(self) -> dict[str, Any]:
        raw = json.loads(self.run("output", "-json").stdout)
        return {name: value["value"] for name, value in raw.items()}


# What `terraform init` reads: module calls and their sources, provider requirements
# (declared, or implied by a provider block or by a resource type's prefix).
INIT_INPUT = re.compile(r'^\s*(module|source|version|required_providers|provider)\b')
PROVIDER_OF_TYPE = re.compile(r'^\s*(?:resource|data)\s+"([a-z0-9]+)_')


def init_layout_key(project: Path) -> str:
    """A digest of everything in the project's Terraform that `terraform init` depends on."""
    digest = hashlib.sha256()
    # Test files too: `terraform init` installs the modules their run blocks name.
    for path in sorted([*project.rglob("*.tf"), *project.rglob("*.tftest.hcl")]):
        relative = path.relative_to(project)
        if relative.parts[0] == ".terraform":
            continue
        text = path.read_text(encoding="utf-8")
        if path.name in ("versions.tf", "backend.tf"):
            lines = text.splitlines()
        else:
            lines = [line for line in text.splitlines() if INIT_INPUT.match(line)]
            lines += sorted({m[1] for m in map(PROVIDER_OF_TYPE.match, text.splitlines()) if m})
        digest.update(f"{relative.as_posix()}\n".encode())
        digest.update("\n".join(lines).encode())
    return digest.hexdigest()[:32]


def project_answers(project: Path) -> Answers:
    """The answers a project was generated from, read back from its answers file."""
    record = json.loads((project / ".vpc-lambda-new.json").read_text(encoding="utf-8"))
    raw = {key: RawAnswer(value, key) for key, value in record.items() if not key.startswith("_")}
    return build_answers(raw)


class MotoQuirk(UserWarning):
    """The emulator differed from AWS in a way the test worked around; the summary lists it."""


MOTO_RULE_QUIRK = (
    "under load moto can carry out a security group rule call and still fail it, so the"
    " SDK's retry finds the rule already gone (InvalidPermission.NotFound on a revoke; AWS"
    " answers InvalidSecurityGroupRuleId.NotFound, which the provider skips) or already"
    " there (InvalidPermission.Duplicate on an authorize)"
)


def is_moto_rule_quirk(output: str) -> bool:
    return ("InvalidPermission.NotFound" in output and "RevokeSecurityGroup" in output) or (
        "InvalidPermission.Duplicate" in output and "AuthorizeSecurityGroup" in output
    )


def tail(text: str, lines: int = 80) -> str:
    kept = text.strip().splitlines()[-lines:]
    return "\n".join(kept)


BindTerraform = Callable[..., Terraform]


@pytest.fixture
def terraform(terraform_toolchain: TerraformToolchain) -> BindTerraform:
    """terraform(project, emulator=None, region="us-east-1") -> a Terraform runner."""

    def bind(
        project: Path, emulator: AwsEmulator | None = None, region: str = "us-east-1"
    ) -> Terraform:
        return Terraform(terraform_toolchain, project, emulator, region)

    return bind
