"""Bad input, one row per case: exit 2, one line naming the flag or key, nothing written.

Each row runs the real command line in a sandbox folder (also the working
directory) and compares a snapshot of everything in it, before and after.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from tree_state import tree_state

from scaffold.answers import QUESTIONS
from scaffold.baseline import BASELINE_FILE
from scaffold.cli import main
from scaffold.project import ANSWERS_FILE
from scaffold.storage import JOURNAL_FOLDER

EXISTING = ("--topology", "existing", "--vpc-id", "vpc-01234567", "--subnet-ids", "subnet-01234567,subnet-01234568")
ROOT = os.geteuid() == 0  # root ignores permission bits: those rows simulate the refusal

Setup = Callable[[Path, pytest.MonkeyPatch], None]


@dataclass(frozen=True)
class Case:
    id: str
    args: tuple[str, ...]
    says: str  # how the message starts (after "vpc-lambda-new: error: "); {tmp} is the sandbox
    setup: Setup | None = None
    # Rows get --output-dir {tmp}/out, unless they name the output folder themselves.
    output_dir: bool = True
    also: str = ""  # a hint the message must give as well
    command: str = ""  # "update" or "check"; generation when empty

    def argv(self, sandbox: Path) -> list[str]:
        if self.command == "check":
            return ["check", *(fill(arg, sandbox) for arg in self.args)]
        if self.command == "update":
            return ["update", *(fill(arg, sandbox) for arg in self.args), "--no-input"]
        extra = ("--output-dir", "{tmp}/out") if self.output_dir and "--output-dir" not in self.args else ()
        return ["--no-input", *(fill(arg, sandbox) for arg in (*self.args, *extra))]


def fill(text: str, sandbox: Path) -> str:
    # conftest's isolated_home sets HOME for every test: `~` must mean that folder.
    return text.replace("{tmp}", str(sandbox)).replace("{home}", os.environ["HOME"])


def flag(id: str, *args: str, says: str) -> Case:
    return Case(id, args, says)


def answers_file(
    id: str, content: str | bytes, says: str, *, suffix: str = ".yml", args: tuple[str, ...] = (), output_dir: bool = True
) -> Case:
    """A row whose answers file holds `content`; {file} in `says` is that file's path."""
    name = f"answers{suffix}"

    def setup(sandbox: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        path = sandbox / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))

    return Case(id, ("--answers", f"{{tmp}}/{name}", *args), says.replace("{file}", f"'{{tmp}}/{name}'"), setup, output_dir)


def generated_project(sandbox: Path) -> Path:
    """A project generated into {tmp}/out/vpc-lambda, as a user would have it."""
    assert main(["--no-input", "--output-dir", str(sandbox / "out")]) == 0
    return sandbox / "out" / "vpc-lambda"


def with_project(change: Callable[[Path], None] | None = None) -> Setup:
    def setup(sandbox: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        project = generated_project(sandbox)
        if change is not None:
            change(project)

    return setup


def replace_with_file(relative: str) -> Callable[[Path], None]:
    def change(project: Path) -> None:
        path = project / relative
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()
        path.write_text("the user's own file\n")

    return change


def replace_with_folder(relative: str) -> Callable[[Path], None]:
    def change(project: Path) -> None:
        (project / relative).unlink()
        (project / relative).mkdir()
        (project / relative / "notes.txt").write_text("mine\n")

    return change


def replace_with_link(relative: str) -> Callable[[Path], None]:
    """The generated file or folder moved out of the project, a link to it left in its place."""

    def change(project: Path) -> None:
        elsewhere = project.parent.parent / "elsewhere" / relative
        elsewhere.parent.mkdir(parents=True, exist_ok=True)
        (project / relative).rename(elsewhere)
        (project / relative).symlink_to(elsewhere)

    return change


def remove(relative: str) -> Callable[[Path], None]:
    def change(project: Path) -> None:
        (project / relative).unlink()

    return change


def older_version(project: Path) -> None:
    """The project as vpc-lambda-new 0.1.0 left it: answers, no baseline."""
    record = json.loads((project / ANSWERS_FILE).read_text())
    del record["_baseline"]
    record["_generator"] = "vpc-lambda-new 0.1.0"
    (project / ANSWERS_FILE).write_text(json.dumps(record, indent=2) + "\n")
    (project / BASELINE_FILE).unlink()


def edit_record(change: Callable[[str], str]) -> Callable[[Path], None]:
    """The answers file's text, changed (the baseline's digest in it stays right)."""

    def edit(project: Path) -> None:
        path = project / ANSWERS_FILE
        path.write_text(change(path.read_text()))

    return edit


def edit_baseline(change: Callable[[dict[str, Any]], object], *, keep_digest: bool = False) -> Callable[[Path], None]:
    """The baseline record, changed; the answers file names the new digest unless keep_digest."""

    def edit(project: Path) -> None:
        path = project / BASELINE_FILE
        record = json.loads(path.read_text())
        changed = change(record)
        data = (changed if isinstance(changed, str) else json.dumps(record, indent=1)).encode()
        path.write_bytes(data)
        if not keep_digest:
            answers = json.loads((project / ANSWERS_FILE).read_text())
            answers["_baseline"] = "sha256:" + hashlib.sha256(data).hexdigest()
            (project / ANSWERS_FILE).write_text(json.dumps(answers, indent=2) + "\n")

    return edit


def add_file(relative: str, content: str) -> Callable[[Path], None]:
    def change(project: Path) -> None:
        (project / relative).parent.mkdir(parents=True, exist_ok=True)
        (project / relative).write_text(content)

    return change


def journal_left(content: str, extra: str = "") -> Callable[[Path], None]:
    """What a crashed run leaves: its journal folder."""

    def change(project: Path) -> None:
        folder = project / JOURNAL_FOLDER
        folder.mkdir()
        (folder / "journal.json").write_text(content)
        if extra:
            (folder / extra).write_text("?")

    return change


HELD: list[int] = []  # project folders locked as a concurrent run would; closed after each row


def held_by_another_run(project: Path) -> None:
    fd = os.open(project, os.O_RDONLY | os.O_DIRECTORY)
    fcntl.flock(fd, fcntl.LOCK_EX)
    HELD.append(fd)


def many_files(sandbox: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    generated_project(sandbox)
    folder = sandbox / "big"
    folder.mkdir()
    for index in range(1001):
        (folder / f"f{index}.tf").write_text("#\n")


def many_folders(sandbox: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    generated_project(sandbox)
    for index in range(20_001):
        (sandbox / "big" / str(index // 1000) / str(index)).mkdir(parents=True)


def read_only(relative: str) -> Setup:
    """A folder the user may not write; for root (who may) os.access says no, as it would."""

    def setup(sandbox: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        folder = sandbox / relative
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "keep.txt").write_text("mine\n")
        folder.chmod(0o555)
        if ROOT:
            real_access = os.access

            def access(path: object, mode: int, **kwargs: object) -> bool:
                dir_fd = kwargs.get("dir_fd")
                where = Path(os.readlink(f"/proc/self/fd/{dir_fd}")) / str(path) if dir_fd is not None else Path(str(path))
                if where.absolute() == folder.absolute() and mode & os.W_OK:
                    return False
                return real_access(path, mode, **kwargs)  # type: ignore[arg-type]

            monkeypatch.setattr(os, "access", access)

    return setup


def read_only_project(relative: str) -> Setup:
    def setup(sandbox: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        generated_project(sandbox)
        read_only(f"out/vpc-lambda/{relative}".rstrip("/"))(sandbox, monkeypatch)

    return setup


def unreadable_answers(sandbox: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = sandbox / "answers.yml"
    path.write_text("name: mine\n")
    path.chmod(0)
    if ROOT:
        real_open = os.open

        def refusing_open(file: object, *args: object, **kwargs: object) -> int:
            if Path(str(file)).absolute() == path.absolute():
                raise PermissionError(errno.EACCES, "Permission denied", str(file))
            return real_open(file, *args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(os, "open", refusing_open)


def mkdtemp_fails(sandbox: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A read-only filesystem: os.access says yes (as it does for root), creating fails."""

    def refuse(*args: object, **kwargs: object) -> str:
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(tempfile, "mkdtemp", refuse)


def make(kind: str, relative: str) -> Setup:
    def setup(sandbox: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        path = sandbox / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if kind == "file":
            path.write_text("not a folder\n")
        elif kind == "folder":
            path.mkdir()
        elif kind == "dangling-link":
            path.symlink_to(sandbox / "nowhere")
        elif kind == "fifo":
            os.mkfifo(path)
        elif kind == "link-to-file":
            (sandbox / "target.txt").write_text("a file\n")
            path.symlink_to(sandbox / "target.txt")
        elif kind == "link-to-folder":
            (sandbox / "target").mkdir()
            (sandbox / "target" / "mine.txt").write_text("mine\n")
            path.symlink_to(sandbox / "target")

    return setup


LONG = "x" * 41
CASES = [
    # --name: a letter, then up to 39 letters, digits or hyphens
    flag("name-space", "--name", "bad name", says="--name:"),
    flag("name-empty", "--name", "", says="--name:"),
    flag("name-digit-first", "--name", "1app", says="--name:"),
    flag("name-too-long", "--name", LONG, says="--name:"),
    flag("name-underscore", "--name", "my_app", says="--name:"),
    flag("name-path", "--name", "../escape", says="--name:"),
    flag("name-unicode", "--name", "café", says="--name:"),
    flag("name-newline", "--name", "app\n", says="--name:"),
    flag("name-security-group-prefix", "--name", "sg-app", says="--name:"),
    flag("name-security-group-prefix-case", "--name", "SG-app", says="--name:"),
    flag("name-missing-value", "--name", says="argument --name: expected one argument"),
    # --topology
    flag("topology-unknown", "--topology", "public", says="--topology:"),
    flag("topology-case", "--topology", "Private", says="--topology:"),
    # --region
    flag("region-unknown", "--region", "mars-north-1", says="--region:"),
    flag("region-case", "--region", "US-EAST-1", says="--region:"),
    flag("region-space", "--region", "us-east-1 ", says="--region:"),
    # --vpc-cidr: malformed, host bits, size, special ranges, too small for the subnets
    flag("cidr-no-prefix", "--vpc-cidr", "10.0.0.0", says="--vpc-cidr:"),
    flag("cidr-prefix-33", "--vpc-cidr", "10.0.0.0/33", says="--vpc-cidr:"),
    flag("cidr-octet-300", "--vpc-cidr", "300.0.0.0/16", says="--vpc-cidr:"),
    flag("cidr-text", "--vpc-cidr", "ten/16", says="--vpc-cidr:"),
    flag("cidr-ipv6", "--vpc-cidr", "fd00::/56", says="--vpc-cidr:"),
    flag("cidr-host-bits", "--vpc-cidr", "10.0.0.1/16", says="--vpc-cidr:"),
    flag("cidr-host-bits-24", "--vpc-cidr", "10.0.1.0/16", says="--vpc-cidr:"),
    flag("cidr-too-large", "--vpc-cidr", "10.0.0.0/8", says="--vpc-cidr:"),
    flag("cidr-too-small", "--vpc-cidr", "10.0.0.0/25", says="--vpc-cidr:"),
    flag("cidr-loopback", "--vpc-cidr", "127.0.0.0/16", says="--vpc-cidr:"),
    flag("cidr-link-local", "--vpc-cidr", "169.254.0.0/16", says="--vpc-cidr:"),
    flag("cidr-cannot-hold-6-azs", "--vpc-cidr", "10.0.0.0/24", "--azs", "6", says="--vpc-cidr:"),
    flag("cidr-cannot-hold-5-azs", "--vpc-cidr", "10.0.0.0/24", "--azs", "5", says="--vpc-cidr:"),
    flag("cidr-with-existing", *EXISTING, "--vpc-cidr", "10.0.0.0/16", says="--vpc-cidr: does not apply"),
    # --azs
    flag("azs-1", "--azs", "1", says="--azs:"),
    flag("azs-7", "--azs", "7", says="--azs:"),
    flag("azs-9", "--azs", "9", says="--azs:"),
    flag("azs-negative", "--azs=-2", says="--azs:"),
    flag("azs-word", "--azs", "two", says="--azs:"),
    flag("azs-fraction", "--azs", "2.5", says="--azs:"),
    flag("azs-with-existing", *EXISTING, "--azs", "3", says="--azs: does not apply"),
    # --zones
    flag("zones-bad-form", "--zones", "us-east-1,use1", says="--zones: 'us-east-1' is neither an AZ name"),
    flag("zones-names-and-ids", "--zones", "us-east-1a,use1-az1", says="--zones: give AZ names (us-east-1a) or AZ IDs (use1-az1), not both"),
    flag("zones-one", "--zones", "use1-az1", says="--zones: pin 2 to 6 zones"),
    flag("zones-twice", "--zones", "use1-az1,use1-az1", says="--zones: zone 'use1-az1' is listed more than once"),
    flag("zones-other-region", "--region", "eu-west-1", "--zones", "use1-az1,use1-az2", says="--zones: use1-az1 is not an availability zone of --region eu-west-1"),
    flag("zones-count-not-azs", "--zones", "use1-az1,use1-az2", "--azs", "3", says="--azs: 3 AZs, but --zones pins 2"),
    flag("zones-with-existing", *EXISTING, "--zones", "use1-az1,use1-az2", says="--zones: does not apply"),
    answers_file("zones-in-file-not-a-list", "zones: 3\n", says="zones in {file}: expected a comma-separated list"),
    # --nat
    flag("nat-with-private", "--nat", "per-az", says="--nat: does not apply to --topology private"),
    flag("nat-single-with-private", "--topology", "private", "--nat", "single", says="--nat: does not apply"),
    flag("nat-unknown", "--topology", "private-nat", "--nat", "triple", says="--nat:"),
    # --nat-instance-type, --egress-gb
    flag("nat-instance-type-with-gateway", "--topology", "private-nat", "--nat-instance-type", "t4g.nano", says="--nat-instance-type: applies only with --nat instance or instance-per-az"),
    flag("nat-instance-type-malformed", "--topology", "private-nat", "--nat", "instance", "--nat-instance-type", "t4g", says="--nat-instance-type: 't4g' is not an EC2 instance type"),
    flag("egress-gb-negative", "--egress-gb", "-1", says="--egress-gb:"),
    flag("egress-gb-with-existing", "--topology", "existing", "--vpc-id", "vpc-01234567", "--subnet-ids", "subnet-01234567,subnet-01234568", "--egress-gb", "5", says="--egress-gb: does not apply"),
    # --connect, --connect-ingress
    flag("connect-malformed-group", "--connect", "sg-12:5432", says="--connect: 'sg-12:5432': 'sg-12' is not a security group id"),
    flag("connect-no-port", "--connect", "10.20.0.0/16", says="--connect: '10.20.0.0/16' is not a target such as"),
    flag("connect-repeated-duplicate", "--connect", "rds:db1", "--connect", "rds:DB1", says="--connect: target 'rds:db1' is listed more than once"),
    flag("connect-secret-other-region", "--connect", "secret:arn:aws:secretsmanager:eu-west-1:123456789012:secret:x", says="--connect: 'secret:arn:aws:secretsmanager:eu-west-1:123456789012:secret:x' is in eu-west-1, not --region us-east-1"),
    flag("connect-database-of-a-new-vpc", "--connect", "rds:db1", says="--connect: 'rds:db1': the VPC this project creates holds no RDS DB instance yet"),
    flag("connect-ingress-without-targets", "--connect-ingress", says="--connect-ingress: applies only with --connect"),
    flag("no-connect-ingress-without-targets", "--no-connect-ingress", says="--connect-ingress: applies only with --connect"),
    answers_file("connect-in-file-not-a-list", "connect: 5\n", says="connect in {file}: expected a comma-separated list of targets"),
    # --endpoints
    flag("endpoints-unknown", "--endpoints", "s3,bogus", says="--endpoints:"),
    flag("endpoints-duplicate", "--endpoints", "s3,dynamodb,s3", says="--endpoints:"),
    flag("endpoints-duplicate-interface", "--endpoints", "sts,sts", says="--endpoints:"),
    flag("endpoints-case", "--endpoints", "S3", says="--endpoints:"),
    flag("endpoints-semicolon", "--endpoints", "s3;dynamodb", says="--endpoints:"),
    Case("endpoints-gateway-without-route-tables", (*EXISTING, "--endpoints", "s3"), "--endpoints:", also="give --route-table-ids"),
    # --runtime, --architecture, --iam
    flag("runtime-unknown", "--runtime", "ruby3.3", says="--runtime:"),
    flag("runtime-old", "--runtime", "python3.9", says="--runtime:"),
    flag("architecture-unknown", "--architecture", "mips", says="--architecture:"),
    flag("architecture-case", "--architecture", "ARM64", says="--architecture:"),
    flag("iam-unknown", "--iam", "root", says="--iam:"),
    # --memory, --timeout
    flag("memory-below", "--memory", "64", says="--memory:"),
    flag("memory-127", "--memory", "127", says="--memory:"),
    flag("memory-above", "--memory", "10241", says="--memory:"),
    flag("memory-units", "--memory", "256MB", says="--memory:"),
    flag("memory-fraction", "--memory", "1.5", says="--memory:"),
    flag("memory-missing-value", "--memory", says="argument --memory: expected one argument"),
    # Numbers of thousands of digits: out of range, said in one short line (no int of 5,000
    # digits is ever built or printed; Python refuses to print one of over 4,300).
    flag("memory-5000-digits", "--memory", "9" * 5000, says="--memory: '99999"),
    flag("timeout-5000-digits", "--timeout", "1" * 5000, says="--timeout: '11111"),
    flag("azs-5000-digits", "--azs", "2" * 5000, says="--azs: '22222"),
    answers_file("memory-5000-digit-int-in-file", "memory: " + "9" * 5000 + "\n", says="--answers: {file} holds an integer too long to be an answer"),
    flag("timeout-zero", "--timeout", "0", says="--timeout:"),
    flag("timeout-above", "--timeout", "1000", says="--timeout:"),
    flag("timeout-901", "--timeout", "901", says="--timeout:"),
    flag("timeout-word", "--timeout", "soon", says="--timeout:"),
    # --ephemeral-storage, --snapstart, --provisioned-concurrency: AWS's SnapStart rules
    flag("ephemeral-storage-small", "--ephemeral-storage", "256", says="--ephemeral-storage: 256"),
    flag("provisioned-concurrency-negative", "--provisioned-concurrency", "-1", says="--provisioned-concurrency:"),
    flag("snapstart-node", "--snapstart", "--runtime", "nodejs22.x", says="--snapstart: SnapStart does not support nodejs22.x"),
    flag("snapstart-provisioned", "--snapstart", "--provisioned-concurrency", "2", says="--snapstart: SnapStart does not support provisioned concurrency"),
    flag("snapstart-ephemeral", "--snapstart=on", "--ephemeral-storage", "2048", says="--snapstart: SnapStart does not support ephemeral storage greater than 512 MB"),
    # --vpc-id, --subnet-ids, --security-group-ids, --route-table-ids (topology existing)
    flag("vpc-id-required", "--topology", "existing", "--subnet-ids", "subnet-01234567,subnet-01234568", says="--vpc-id: required"),
    flag("vpc-id-malformed", "--topology", "existing", "--vpc-id", "vpc-xyz", "--subnet-ids", "subnet-01234567,subnet-01234568", says="--vpc-id:"),
    flag("vpc-id-seven-digits", "--topology", "existing", "--vpc-id", "vpc-0123456", "--subnet-ids", "subnet-01234567,subnet-01234568", says="--vpc-id:"),
    flag("vpc-id-wrong-prefix", "--topology", "existing", "--vpc-id", "subnet-01234567", "--subnet-ids", "subnet-01234567,subnet-01234568", says="--vpc-id:"),
    flag("vpc-id-with-private", "--vpc-id", "vpc-01234567", says="--vpc-id: does not apply to --topology private"),
    flag("subnet-ids-required", "--topology", "existing", "--vpc-id", "vpc-01234567", says="--subnet-ids: required"),
    flag("subnet-ids-one", "--topology", "existing", "--vpc-id", "vpc-01234567", "--subnet-ids", "subnet-01234567", says="--subnet-ids:"),
    flag("subnet-ids-duplicate", "--topology", "existing", "--vpc-id", "vpc-01234567", "--subnet-ids", "subnet-01234567,subnet-01234567", says="--subnet-ids:"),
    flag("subnet-ids-wrong-prefix", "--topology", "existing", "--vpc-id", "vpc-01234567", "--subnet-ids", "subnet-01234567,sg-01234568", says="--subnet-ids:"),
    flag("subnet-ids-uppercase-hex", "--topology", "existing", "--vpc-id", "vpc-01234567", "--subnet-ids", "subnet-0123456A,subnet-01234568", says="--subnet-ids:"),
    flag("subnet-ids-empty", "--topology", "existing", "--vpc-id", "vpc-01234567", "--subnet-ids", " , ", says="--subnet-ids:"),
    flag("subnet-ids-with-private", "--subnet-ids", "subnet-01234567,subnet-01234568", says="--subnet-ids: does not apply"),
    flag("security-group-ids-malformed", *EXISTING, "--security-group-ids", "sg-xyz", says="--security-group-ids:"),
    flag("security-group-ids-duplicate", *EXISTING, "--security-group-ids", "sg-01234567,sg-01234567", says="--security-group-ids:"),
    flag("security-group-ids-five", *EXISTING, "--security-group-ids", ",".join(f"sg-0123456{i}" for i in range(5)), says="--security-group-ids: give at most 4"),
    flag("security-group-ids-with-private", "--security-group-ids", "sg-01234567", says="--security-group-ids: does not apply"),
    flag("route-table-ids-malformed", *EXISTING, "--route-table-ids", "rtb-1", says="--route-table-ids:"),
    flag("route-table-ids-wrong-prefix", *EXISTING, "--route-table-ids", "vpc-01234567", says="--route-table-ids:"),
    flag("route-table-ids-with-private", "--route-table-ids", "rtb-01234567", says="--route-table-ids: does not apply"),
    # --flow-logs / --no-flow-logs
    flag("flow-logs-with-a-bad-value", "--flow-logs=maybe", says="--flow-logs: 'maybe' is not yes or no"),
    flag("no-flow-logs-with-value", "--no-flow-logs=yes", says="argument --flow-logs/--no-flow-logs: ignored explicit argument"),
    flag("flow-logs-with-existing", *EXISTING, "--flow-logs", says="--flow-logs: does not apply"),
    flag("no-flow-logs-with-existing", *EXISTING, "--no-flow-logs", says="--flow-logs: does not apply"),
    # --tags: AWS's tag charset, lengths and count
    flag("tags-no-equals", "--tags", "Team", says="--tags:"),
    flag("tags-empty-key", "--tags", "=payments", says="--tags:"),
    flag("tags-quote", "--tags", 'Team=a"b', says="--tags:"),
    flag("tags-backslash", "--tags", "Team=a\\b", says="--tags:"),
    flag("tags-interpolation", "--tags", "Team=${var.x}", says="--tags:"),
    flag("tags-directive", "--tags", "Team=%{if true}x%{endif}", says="--tags:"),
    flag("tags-newline", "--tags", "Team=a\nb", says="--tags:"),
    flag("tags-aws-prefix", "--tags", "aws:team=x", says="--tags:"),
    flag("tags-aws-prefix-case", "--tags", "AWS:Team=x", says="--tags:"),
    flag("tags-duplicate", "--tags", "Team=a,Team=b", says="--tags:"),
    flag("tags-duplicate-once-in-nfc", "--tags", "\u2126=a,\u03a9=b", says="--tags:"),  # ohm sign, omega
    flag("tags-key-129", "--tags", "K" * 129 + "=v", says="--tags:"),
    flag("tags-value-257", "--tags", "K=" + "v" * 257, says="--tags:"),
    flag("tags-41", "--tags", ",".join(f"K{index}=v" for index in range(41)), says="--tags:"),
    flag("tags-duplicate-ignoring-case", "--tags", "Team=a,team=b", says="--tags:"),
    flag("tags-provider-default-key", "--tags", "project=x", says="--tags:"),
    flag("tags-provider-default-key-case", "--tags", "MANAGEDBY=me", says="--tags:"),
    # --execute-api-private-dns: only with the execute-api endpoint; a switch
    flag("execute-api-private-dns-without-the-endpoint", "--execute-api-private-dns", says="--execute-api-private-dns: does not apply"),
    # --ipv6: yes or no
    flag("ipv6-with-a-bad-value", "--ipv6=2", says="--ipv6: '2' is not yes or no"),
    # --state-bucket, --state-key, --state-region: the optional S3 backend
    flag("state-bucket-uppercase", "--state-bucket", "MyState", says="--state-bucket:"),
    # --github-repository: OWNER/REPO, for bootstrap/
    flag("github-repository-no-owner", "--github-repository", "payments-api", says="--github-repository:"),
    flag("github-repository-url", "--github-repository", "https://github.com/octo/api", says="--github-repository:"),
    flag("state-bucket-too-short", "--state-bucket", "ab", says="--state-bucket:"),
    flag("state-bucket-ip-address", "--state-bucket", "192.168.1.1", says="--state-bucket:"),
    flag("state-bucket-double-dot", "--state-bucket", "a..b", says="--state-bucket:"),
    flag("state-bucket-too-long", "--state-bucket", "b" * 64, says="--state-bucket:"),
    flag("state-key-absolute", "--state-bucket", "team-state", "--state-key", "/app.tfstate", says="--state-key:"),
    flag("state-key-empty", "--state-bucket", "team-state", "--state-key", "", says="--state-key:"),
    flag("state-key-without-bucket", "--state-key", "app.tfstate", says="--state-key: applies only with --state-bucket"),
    flag("state-region-unknown", "--state-bucket", "team-state", "--state-region", "eu-moon-1", says="--state-region:"),
    flag("state-region-without-bucket", "--state-region", "eu-west-1", says="--state-region: applies only with --state-bucket"),
    # --output-dir, --name: where the project would go
    flag("output-dir-empty", "--output-dir", "", says="--output-dir:"),
    flag("output-dir-blank", "--output-dir", "  ", says="--output-dir:"),
    flag("output-dir-too-long", "--output-dir", "{tmp}/" + "x" * 5000, says="--output-dir:"),
    # Paths the system could not hold: named before anything is made.
    Case("output-dir-near-path-max", ("--output-dir", "{tmp}/" + "/".join(["y" * 200] * 20)), "--output-dir: the folder's path is", output_dir=False),
    Case("output-dir-name-over-name-max", ("--output-dir", "{tmp}/" + "z" * 256), "--output-dir: a folder name in it is 256 bytes long", output_dir=False),
    Case("output-dir-is-a-file", ("--output-dir", "{tmp}/out"), "--output-dir: '{tmp}/out' exists and is not a folder", make("file", "out"), output_dir=False),
    Case("output-dir-below-a-file", ("--output-dir", "{tmp}/out/deeper"), "--output-dir: '{tmp}/out' is not a writable folder", make("file", "out"), output_dir=False),
    Case("project-path-is-a-file", ("--output-dir", "{tmp}/out"), "--name: '{tmp}/out/vpc-lambda' exists and is not a folder", make("file", "out/vpc-lambda"), output_dir=False),
    Case("project-path-is-a-link-to-a-file", ("--output-dir", "{tmp}/out"), "--name: '{tmp}/out/vpc-lambda' is a symbolic link", make("link-to-file", "out/vpc-lambda"), output_dir=False),
    Case("project-path-is-a-dangling-link", ("--output-dir", "{tmp}/out"), "--name: '{tmp}/out/vpc-lambda' is a symbolic link", make("dangling-link", "out/vpc-lambda"), output_dir=False),
    Case("project-path-is-a-link-to-a-folder", ("--output-dir", "{tmp}/out", "--force"), "--name: '{tmp}/out/vpc-lambda' is a symbolic link", make("link-to-folder", "out/vpc-lambda"), output_dir=False, also="never writes through one"),
    Case("output-dir-not-writable", ("--output-dir", "{tmp}/ro"), "--output-dir: '{tmp}/ro' is not a writable folder", read_only("ro"), output_dir=False),
    Case("output-dir-parent-not-writable", ("--output-dir", "{tmp}/ro/new/deeper"), "--output-dir: '{tmp}/ro' is not a writable folder", read_only("ro"), output_dir=False),
    Case("project-folder-not-writable", ("--output-dir", "{tmp}/out", "--force"), "--output-dir: '{tmp}/out/vpc-lambda' is not writable", read_only("out/vpc-lambda"), output_dir=False),
    Case("output-dir-read-only-filesystem", ("--output-dir", "{tmp}/out"), "--output-dir: cannot write in '{tmp}/out'", mkdtemp_fails, output_dir=False),
    Case("non-empty-project-without-force", ("--memory", "512"), "--output-dir: '{tmp}/out/vpc-lambda' already exists and is not empty", with_project(), also="vpc-lambda-new update"),
    Case("non-empty-user-folder-without-force", (), "--output-dir: '{tmp}/out/vpc-lambda' already exists and is not empty", make("folder", "out/vpc-lambda/notes"), also="--force writes these answers"),
    # --force over a generated project updates it: what the update must write is checked first
    Case("force-folder-where-a-file-is-generated", ("--force", "--topology", "private-nat"), "project: '{tmp}/out/vpc-lambda/main.tf' is a folder where a file is generated", with_project(replace_with_folder("main.tf"))),
    Case("force-file-where-a-folder-is-generated", ("--force", "--runtime", "nodejs22.x"), "project: '{tmp}/out/vpc-lambda/src' is a file where a folder is generated", with_project(replace_with_file("src"))),
    Case("force-file-where-a-nested-folder-is-generated", ("--force", "--topology", "private-nat"), "project: '{tmp}/out/vpc-lambda/modules/network' is a file where a folder is generated", with_project(replace_with_file("modules/network"))),
    Case("force-generated-file-is-a-link", ("--force", "--topology", "private-nat"), "project: '{tmp}/out/vpc-lambda/main.tf' is a symbolic link; vpc-lambda-new never writes through one", with_project(replace_with_link("main.tf"))),
    Case("force-generated-folder-is-a-link", ("--force", "--topology", "private-nat"), "project: '{tmp}/out/vpc-lambda/modules' is a symbolic link; vpc-lambda-new never writes through one", with_project(replace_with_link("modules"))),
    Case("force-into-a-folder-whose-subfolder-is-a-link", ("--force",), "project: '{tmp}/out/vpc-lambda/modules' is a symbolic link", make("link-to-folder", "out/vpc-lambda/modules")),
    Case("force-older-project", ("--force",), "project: '{tmp}/out/vpc-lambda' was generated by vpc-lambda-new 0.1.0, which did not record the baseline", with_project(older_version), also="--baseline FOLDER"),
    Case("force-baseline-without-answers", ("--force",), "--force: '{tmp}/out/vpc-lambda/.vpc-lambda-new.baseline.json' exists without .vpc-lambda-new.json", with_project(remove(".vpc-lambda-new.json"))),
    Case("force-while-another-run-writes", ("--force", "--memory", "512"), "project: another vpc-lambda-new run is writing '{tmp}/out/vpc-lambda'", with_project(held_by_another_run)),
    # --answers: the file itself
    flag("answers-missing", "--answers", "{tmp}/nonexistent/answers.yml", says="--answers: '{tmp}/nonexistent/answers.yml' does not exist"),
    flag("answers-empty-name", "--answers", "", says="--answers: the file name is empty"),
    flag("answers-missing-value", "--answers", says="argument --answers: expected one argument"),
    Case("answers-is-a-folder", ("--answers", "{tmp}/folder"), "--answers: '{tmp}/folder' is a folder", make("folder", "folder")),
    Case("answers-unreadable", ("--answers", "{tmp}/answers.yml"), "--answers: cannot read '{tmp}/answers.yml': Permission denied", unreadable_answers),
    # --answers: hostile files, bounded in size, shape and time
    answers_file("answers-too-large", "name: app\n" + "#" * 70_000 + "\n", "--answers: {file} is larger than 64 KiB"),
    answers_file("answers-yaml-duplicate-key", "name: a\nname: b\n", "--answers: {file} repeats the key 'name'"),
    answers_file("answers-json-duplicate-key", '{"name": "a", "name": "b"}', "--answers: {file} repeats the key 'name'", suffix=".json"),
    answers_file("answers-yaml-alias", "name: &n app\ntags: {Team: *n}\n", "--answers: {file} uses a YAML alias"),
    answers_file("answers-yaml-billion-laughs", "a: &a [x, x]\nb: &b [*a, *a]\nc: &c [*b, *b]\nd: [*c, *c]\n", "--answers: {file} uses a YAML alias"),
    answers_file("answers-yaml-merge-key", "base: &b {memory: 512}\n<<: *b\n", "--answers: {file} uses a YAML alias"),
    answers_file("answers-yaml-long-integer", "memory: " + "9" * 5000 + "\n", "--answers: {file} holds an integer too long"),
    answers_file("answers-json-long-integer", '{"memory": ' + "9" * 5000 + "}", "--answers: {file} holds an integer too long", suffix=".json"),
    answers_file("answers-yaml-deep", "tags: " + "[" * 50 + "]" * 50 + "\n", "--answers: {file} nests deeper than 8 levels"),
    answers_file("answers-json-deep", '{"tags": ' + "[" * 5000 + "]" * 5000 + "}", "--answers: {file} nests deeper than 8 levels", suffix=".json"),
    answers_file("answers-json-very-deep", "[" * 60_000 + "]" * 2, "--answers: {file}", suffix=".json"),
    answers_file("answers-tags-case-duplicate", "tags: {Team: a, team: b}\n", "tags in {file}:"),
    Case("answers-is-a-fifo", ("--answers", "{tmp}/fifo.yml"), "--answers: '{tmp}/fifo.yml' is not a regular file", make("fifo", "fifo.yml")),
    Case("answers-is-dev-zero", ("--answers", "/dev/zero"), "--answers: '/dev/zero' is not a regular file"),
    Case("answers-tilde-is-home", ("--answers", "~/missing.yml"), "--answers: '{home}/missing.yml' does not exist"),
    answers_file("answers-not-utf8", b"name: caf\xe9\n", "--answers: cannot read {file}: not UTF-8 text"),
    answers_file("answers-malformed-yaml", "name: [unclosed\n", "--answers: {file} is not valid YAML"),
    answers_file("answers-malformed-yaml-indent", "name: a\n  topology: private\n", "--answers: {file} is not valid YAML"),
    answers_file("answers-yaml-python-tag", "name: !!python/object:os.system [ls]\n", "--answers: {file} is not valid YAML"),
    answers_file("answers-malformed-json", '{"name": "app",}', "--answers: {file} is not valid JSON", suffix=".json"),
    answers_file("answers-json-list", '["name", "app"]', "--answers: {file} must hold a mapping", suffix=".json"),
    answers_file("answers-yaml-list", "- name\n- app\n", "--answers: {file} must hold a mapping"),
    answers_file("answers-yaml-scalar", "just text\n", "--answers: {file} must hold a mapping"),
    answers_file("answers-empty", "", "--answers: {file} must hold a mapping"),
    # --answers: keys and types
    answers_file("answers-unknown-key", "name: app\ncolour: red\n", "--answers: unknown key 'colour' in {file}"),
    answers_file("answers-flag-spelling", "vpc-cidr: 10.0.0.0/16\n", "--answers: unknown key 'vpc-cidr' in {file}"),
    answers_file("answers-numeric-key", "1: app\n", "--answers: unknown key 1 in {file}"),
    answers_file("answers-options-are-not-answers", "force: true\n", "--answers: unknown key 'force' in {file}"),
    answers_file("answers-name-number", "name: 42\n", "name in {file}:"),
    answers_file("answers-name-null", "name: null\n", "name in {file}: needs a value"),
    answers_file("answers-topology-null", "topology:\n", "topology in {file}: needs a value"),
    answers_file("answers-topology-list", "topology: [private]\n", "topology in {file}:"),
    answers_file("answers-name-invalid", "name: my app\n", "name in {file}:"),
    answers_file("answers-azs-bool", "azs: true\n", "azs in {file}:"),
    answers_file("answers-azs-word", "azs: two\n", "azs in {file}:"),
    answers_file("answers-azs-out-of-range", '{"azs": 7}', "azs in {file}:", suffix=".json"),
    answers_file("answers-memory-float", "memory: 1.5\n", "memory in {file}:"),
    answers_file("answers-memory-nan", '{"memory": NaN}', "memory in {file}:", suffix=".json"),
    answers_file("answers-memory-infinite", "memory: .inf\n", "memory in {file}:"),
    answers_file("answers-timeout-list", "timeout: [30]\n", "timeout in {file}:"),
    answers_file("answers-vpc-cidr-number", "vpc_cidr: 10\n", "vpc_cidr in {file}:"),
    answers_file("answers-vpc-cidr-host-bits", "vpc_cidr: 10.1.2.3/16\n", "vpc_cidr in {file}:"),
    answers_file("answers-endpoints-mapping", "endpoints: {s3: true}\n", "endpoints in {file}:"),
    answers_file("answers-endpoints-non-text", "endpoints: [s3, 1]\n", "endpoints in {file}:"),
    answers_file("answers-endpoints-duplicate", "endpoints: [s3, s3]\n", "endpoints in {file}:"),
    answers_file("answers-tags-list", "tags: [Team=x]\n", "tags in {file}:"),
    answers_file("answers-tags-non-text-value", "tags: {Team: 1}\n", "tags in {file}:"),
    answers_file("answers-tags-nested", "tags: {Team: [a]}\n", "tags in {file}:"),
    answers_file("answers-tags-quote", "tags: {Team: 'a\"b'}\n", "tags in {file}:"),
    answers_file("answers-tags-interpolation", "tags: {Team: '${path.root}'}\n", "tags in {file}:"),
    answers_file("answers-tags-newline", 'tags: {Team: "a\\nb"}\n', "tags in {file}:"),
    answers_file("answers-tags-key-unicode-quote", "tags: {'Te\u201dam': x}\n", "tags in {file}:"),
    answers_file("answers-flow-logs-maybe", "flow_logs: maybe\n", "flow_logs in {file}:"),
    answers_file("answers-flow-logs-number", "flow_logs: 2\n", "flow_logs in {file}:"),
    answers_file("answers-nat-with-private", "nat: per-az\n", "nat in {file}: does not apply to --topology private"),
    answers_file("answers-subnet-ids-number", "topology: existing\nvpc_id: vpc-01234567\nsubnet_ids: 42\n", "subnet_ids in {file}:"),
    answers_file("answers-subnet-ids-one", "topology: existing\nvpc_id: vpc-01234567\nsubnet_ids: [subnet-01234567]\n", "subnet_ids in {file}:"),
    answers_file("answers-vpc-id-null", "topology: existing\nvpc_id: null\nsubnet_ids: subnet-01234567,subnet-01234568\n", "vpc_id in {file}: needs a value"),
    answers_file("answers-output-dir-nul", 'output_dir: "a\\0b"\n', "output_dir in {file}:", output_dir=False),
    answers_file("answers-output-dir-number", "output_dir: 5\n", "output_dir in {file}:", output_dir=False),
    answers_file("answers-output-dir-empty", "output_dir: ''\n", "output_dir in {file}:", output_dir=False),
    answers_file("answers-region-unknown", "region: eu-moon-1\n", "region in {file}:"),
    # a flag that overrides a good answer is validated like any other
    answers_file("answers-overridden-by-bad-flag", "memory: 512\n", "--memory:", args=("--memory", "64")),
    # update: the project, its records, and what it would write through
    *[Case(id, args, says, setup, also=also, command="update") for id, args, says, setup, also in (
        ("update-missing-folder", ("{tmp}/nope",), "project: '{tmp}/nope' does not exist", None, ""),
        ("update-tilde-is-home", ("~/nope",), "project: '{home}/nope' does not exist", None, ""),
        ("update-folder-is-a-file", ("{tmp}/file",), "project: '{tmp}/file' is not a folder", make("file", "file"), ""),
        ("update-empty-name", ("",), "project: give the folder of a generated project", None, ""),
        ("update-nul-in-name", ("{tmp}/a\0b",), "project: give the folder of a generated project", None, ""),
        ("update-not-a-project", ("{tmp}/out",), "project: '{tmp}/out' is not a project generated by vpc-lambda-new", make("folder", "out"), ""),
        ("update-older-project", ("{tmp}/out/vpc-lambda",), "project: '{tmp}/out/vpc-lambda' was generated by vpc-lambda-new 0.1.0, which did not record the baseline", with_project(older_version), "--baseline FOLDER"),
        ("update-baseline-missing", ("{tmp}/out/vpc-lambda",), "project: '{tmp}/out/vpc-lambda/.vpc-lambda-new.baseline.json' is missing", with_project(remove(BASELINE_FILE)), "--baseline FOLDER"),
        ("update-baseline-not-the-recorded-one", ("{tmp}/out/vpc-lambda",), "project: '{tmp}/out/vpc-lambda/.vpc-lambda-new.baseline.json' is not the baseline", with_project(edit_baseline(lambda r: r["files"].pop("main.tf"), keep_digest=True)), ""),
        ("update-baseline-path-escapes", ("{tmp}/out/vpc-lambda",), "project: '{tmp}/out/vpc-lambda/.vpc-lambda-new.baseline.json': '../outside.tf' is not a plain relative path", with_project(edit_baseline(lambda r: r["files"].update({"../outside.tf": {"text": ""}}))), ""),
        ("update-baseline-absolute-path", ("{tmp}/out/vpc-lambda",), "project: '{tmp}/out/vpc-lambda/.vpc-lambda-new.baseline.json': '/etc/passwd' is not a plain relative path", with_project(edit_baseline(lambda r: r["files"].update({"/etc/passwd": {"text": ""}}))), ""),
        ("update-baseline-claims-the-answers-file", ("{tmp}/out/vpc-lambda",), "project: '{tmp}/out/vpc-lambda/.vpc-lambda-new.baseline.json': '.vpc-lambda-new.json' is one of vpc-lambda-new's own files", with_project(edit_baseline(lambda r: r["files"].update({".vpc-lambda-new.json": {"text": "{}"}}))), ""),
        ("update-baseline-claims-the-journal", ("{tmp}/out/vpc-lambda",), "project: '{tmp}/out/vpc-lambda/.vpc-lambda-new.baseline.json': '.vpc-lambda-new.txn/journal.json' is one of", with_project(edit_baseline(lambda r: r["files"].update({".vpc-lambda-new.txn/journal.json": {"text": "{}"}}))), ""),
        ("update-baseline-entry-not-text", ("{tmp}/out/vpc-lambda",), "project: '{tmp}/out/vpc-lambda/.vpc-lambda-new.baseline.json': the entry of 'main.tf' must be text", with_project(edit_baseline(lambda r: r["files"].update({"main.tf": {"text": 5}}))), ""),
        ("update-baseline-newer-format", ("{tmp}/out/vpc-lambda",), "project: '{tmp}/out/vpc-lambda/.vpc-lambda-new.baseline.json' is not a baseline of format 1", with_project(edit_baseline(lambda r: r.update(format=2))), ""),
        ("update-baseline-duplicate-key", ("{tmp}/out/vpc-lambda",), "project: '{tmp}/out/vpc-lambda/.vpc-lambda-new.baseline.json' repeats the key 'format'", with_project(edit_baseline(lambda r: '{"format": 1, "format": 1}')), ""),
        ("update-baseline-deep", ("{tmp}/out/vpc-lambda",), "project: '{tmp}/out/vpc-lambda/.vpc-lambda-new.baseline.json' nests deeper than 8 levels", with_project(edit_baseline(lambda r: "[" * 100_000 + "]" * 100_000)), ""),
        ("update-baseline-too-large", ("{tmp}/out/vpc-lambda",), "project: '{tmp}/out/vpc-lambda/.vpc-lambda-new.baseline.json' is larger than 8192 KiB", with_project(edit_baseline(lambda r: " " * (9 << 20))), ""),
        ("update-answers-duplicate-key", ("{tmp}/out/vpc-lambda",), "project: '{tmp}/out/vpc-lambda/.vpc-lambda-new.json' repeats the key 'memory'", with_project(edit_record(lambda text: text.replace('"memory": 256,', '"memory": 256, "memory": 512,'))), ""),
        ("update-answers-long-integer", ("{tmp}/out/vpc-lambda",), "project: '{tmp}/out/vpc-lambda/.vpc-lambda-new.json' holds an integer too long", with_project(edit_record(lambda text: text.replace('"memory": 256', '"memory": ' + "9" * 5000))), ""),
        ("update-answers-not-utf8", ("{tmp}/out/vpc-lambda",), "project: cannot read '{tmp}/out/vpc-lambda/.vpc-lambda-new.json': not UTF-8", with_project(lambda project: (project / ANSWERS_FILE).write_bytes(b'{"name": "caf\xe9"}')), ""),
        ("update-answers-too-large", ("{tmp}/out/vpc-lambda",), "project: '{tmp}/out/vpc-lambda/.vpc-lambda-new.json' is larger than 64 KiB", with_project(edit_record(lambda text: text.replace("{", "{" + " " * 70_000, 1))), ""),
        ("update-answers-is-a-fifo", ("{tmp}/out/vpc-lambda",), "project: '{tmp}/out/vpc-lambda/.vpc-lambda-new.json' is not a regular file", with_project(lambda project: ((project / ANSWERS_FILE).unlink(), os.mkfifo(project / ANSWERS_FILE))), ""),
        ("update-answers-baseline-digest-not-text", ("{tmp}/out/vpc-lambda",), "project: '{tmp}/out/vpc-lambda/.vpc-lambda-new.json': _baseline must be text", with_project(edit_record(lambda text: re.sub(r'"sha256:[0-9a-f]+"', "42", text))), ""),
        ("update-answers-file-is-a-link", ("{tmp}/out/vpc-lambda",), "project: '{tmp}/out/vpc-lambda/.vpc-lambda-new.json' is a symbolic link", with_project(replace_with_link(ANSWERS_FILE)), ""),
        ("update-recorded-answer-invalid", ("{tmp}/out/vpc-lambda",), "memory in '{tmp}/out/vpc-lambda/.vpc-lambda-new.json': 64 is out of range", with_project(edit_record(lambda text: text.replace('"memory": 256', '"memory": 64'))), ""),
        ("update-recorded-unknown-key", ("{tmp}/out/vpc-lambda",), "colour in '{tmp}/out/vpc-lambda/.vpc-lambda-new.json': unknown answer", with_project(edit_record(lambda text: text.replace('"memory": 256', '"colour": "red", "memory": 256'))), ""),
        ("update-bad-flag", ("{tmp}/out/vpc-lambda", "--azs", "9"), "--azs: 9 is out of range", with_project(), ""),
        ("update-flag-does-not-apply", ("{tmp}/out/vpc-lambda", "--nat", "per-az"), "--nat: does not apply to --topology private", with_project(), ""),
        ("update-output-dir", ("{tmp}/out/vpc-lambda", "--output-dir", "{tmp}/elsewhere"), "unrecognized arguments: --output-dir", with_project(), ""),
        ("update-output-dir-in-answers-file", ("{tmp}/out/vpc-lambda", "--answers", "{tmp}/answers.yml"), "output_dir in '{tmp}/answers.yml': update writes the project where it is", with_project(lambda project: (project.parent.parent / "answers.yml").write_text("output_dir: elsewhere\n")), ""),
        ("update-bad-answers-file", ("{tmp}/out/vpc-lambda", "--answers", "{tmp}/nope.yml"), "--answers: '{tmp}/nope.yml' does not exist", with_project(), ""),
        ("update-generated-file-is-a-link", ("{tmp}/out/vpc-lambda", "--topology", "private-nat"), "project: '{tmp}/out/vpc-lambda/main.tf' is a symbolic link; vpc-lambda-new never writes through one", with_project(replace_with_link("main.tf")), ""),
        ("update-generated-folder-is-a-link", ("{tmp}/out/vpc-lambda", "--topology", "private-nat"), "project: '{tmp}/out/vpc-lambda/modules' is a symbolic link; vpc-lambda-new never writes through one", with_project(replace_with_link("modules")), ""),
        ("update-zip-folder-is-a-link", ("{tmp}/out/vpc-lambda", "--runtime", "nodejs22.x"), "project: '{tmp}/out/vpc-lambda/build' is a symbolic link", with_project(replace_with_link("build")), ""),
        ("update-while-another-run-writes", ("{tmp}/out/vpc-lambda", "--memory", "512"), "project: another vpc-lambda-new run is writing '{tmp}/out/vpc-lambda'", with_project(held_by_another_run), "run again when it has finished"),
        ("update-dry-run-after-a-crash", ("{tmp}/out/vpc-lambda", "--dry-run"), "project: an interrupted vpc-lambda-new run left '{tmp}/out/vpc-lambda/.vpc-lambda-new.txn'", with_project(journal_left("{}")), "completes or undoes it first"),
        ("update-damaged-journal", ("{tmp}/out/vpc-lambda",), "project: '{tmp}/out/vpc-lambda/.vpc-lambda-new.txn/journal.json' is damaged", with_project(journal_left('{"format": 1, "operations": [{"path": "../../escape", "slot": 0, "existed": true, "new_sha256": null}], "created_folders": [], "emptied_folders": []}')), "old.* files"),
        ("update-journal-folder-holds-a-stranger", ("{tmp}/out/vpc-lambda",), "project: '{tmp}/out/vpc-lambda/.vpc-lambda-new.txn' holds 'notes.txt'", with_project(journal_left("{}", "notes.txt")), ""),
        ("update-journal-folder-is-a-link", ("{tmp}/out/vpc-lambda",), "project: '{tmp}/out/vpc-lambda/.vpc-lambda-new.txn' is not a folder vpc-lambda-new made", with_project(lambda project: (project / JOURNAL_FOLDER).symlink_to(project.parent)), ""),
        ("update-baseline-option-missing", ("{tmp}/out/vpc-lambda", "--baseline", "{tmp}/nope"), "--baseline: '{tmp}/nope' is not a folder", with_project(older_version), ""),
        ("update-baseline-option-empty", ("{tmp}/out/vpc-lambda", "--baseline", ""), "--baseline: give the folder", with_project(older_version), ""),
        ("update-baseline-option-is-the-project", ("{tmp}/out/vpc-lambda", "--baseline", "{tmp}/out/vpc-lambda/."), "--baseline: '{tmp}/out/vpc-lambda' is the project itself", with_project(older_version), ""),
        ("update-baseline-option-too-many-files", ("{tmp}/out/vpc-lambda", "--baseline", "{tmp}/big"), "--baseline: '{tmp}/big' holds more than 1000 files", many_files, ""),
        ("update-baseline-option-too-many-folders", ("{tmp}/out/vpc-lambda", "--baseline", "{tmp}/big"), "--baseline: '{tmp}/big' holds more than 20000 files and folders", many_folders, ""),
        ("update-stray-argument", ("{tmp}/out/vpc-lambda", "extra"), "unrecognized arguments: extra", with_project(), ""),
        ("update-force-is-not-an-update-flag", ("{tmp}/out/vpc-lambda", "--force"), "unrecognized arguments: --force", with_project(), ""),
    )],
    Case("update-project-not-writable", ("{tmp}/out/vpc-lambda", "--memory", "512"), "project: '{tmp}/out/vpc-lambda' is not writable", read_only_project(""), command="update"),
    Case("update-generated-folder-not-writable", ("{tmp}/out/vpc-lambda", "--topology", "private-nat"), "project: '{tmp}/out/vpc-lambda/modules/network' is not writable", read_only_project("modules/network"), command="update"),
    # check: the same records, read the same careful way
    *[Case(id, args, says, setup, command="check") for id, args, says, setup in (
        ("check-missing-folder", ("{tmp}/nope",), "project: '{tmp}/nope' does not exist", None),
        ("check-not-a-project", ("{tmp}/out",), "project: '{tmp}/out' is not a project generated by vpc-lambda-new", make("folder", "out")),
        ("check-answers-long-integer", ("{tmp}/out/vpc-lambda",), "project: '{tmp}/out/vpc-lambda/.vpc-lambda-new.json' holds an integer too long", with_project(edit_record(lambda text: text.replace('"memory": 256', '"memory": ' + "9" * 5000)))),
        ("check-answers-deep", ("{tmp}/out/vpc-lambda",), "project: '{tmp}/out/vpc-lambda/.vpc-lambda-new.json' nests deeper than 8 levels", with_project(edit_record(lambda text: text.replace('"tags": {}', '"tags": ' + "[" * 5000 + "]" * 5000)))),
        ("check-after-a-crash", ("{tmp}/out/vpc-lambda",), "project: an interrupted vpc-lambda-new run left '{tmp}/out/vpc-lambda/.vpc-lambda-new.txn'", with_project(journal_left("{}"))),
    )],
    # the command line itself
    flag("unknown-flag", "--bogus-flag", says="unrecognized arguments: --bogus-flag"),
    flag("stray-argument", "extra", says="unrecognized arguments: extra"),
    flag("ambiguous-abbreviation", "--na", "x", says="ambiguous option: --na could match"),
    flag("force-with-value", "--force=yes", says="argument --force: ignored explicit argument"),
    flag("dry-run-with-value", "--dry-run=1", says="argument --dry-run: ignored explicit argument"),
    flag("no-input-with-value", "--no-input=1", says="argument --no-input: ignored explicit argument"),
    flag("dry-run-still-validates", "--dry-run", "--azs", "0", says="--azs:"),
]


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_bad_input_exits_2_with_one_line_and_changes_nothing(
    case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    sandbox = tmp_path / "sandbox"
    (sandbox / "cwd").mkdir(parents=True)
    monkeypatch.chdir(sandbox / "cwd")  # the default --output-dir "." must stay untouched too
    monkeypatch.delenv("VPC_LAMBDA_NEW_DEBUG", raising=False)
    try:
        if case.setup is not None:
            case.setup(sandbox, monkeypatch)
        capsys.readouterr()
        before = tree_state(sandbox)
        code = main(case.argv(sandbox))
        after = tree_state(sandbox)
    finally:
        while HELD:
            os.close(HELD.pop())
        for path in sandbox.rglob("*"):  # let pytest clean up what a row made read-only
            if not path.is_symlink():
                path.chmod(0o755 if path.is_dir() else 0o644)
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert code == 2, captured.err
    assert captured.out == ""
    assert len(lines) == 1 and captured.err.endswith("\n"), captured.err
    assert lines[0].startswith("vpc-lambda-new: error: " + fill(case.says, sandbox)), lines[0]
    assert case.also in lines[0]
    assert "Traceback" not in captured.err
    assert after == before


def test_every_flag_has_a_bad_input_row() -> None:
    used = {arg.split("=")[0] for case in CASES for arg in case.args if arg.startswith("--")}
    flags = {question.flag for question in QUESTIONS if question.asked} | {"--answers", "--force", "--dry-run", "--no-input", "--baseline"}
    assert flags - used == set()


def test_force_over_a_generated_project_updates_it_and_keeps_every_edit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert main(["--no-input", "--output-dir", str(out)]) == 0
    project = out / "vpc-lambda"
    user_files = {
        "notes.txt": "mine\n",
        "src/helper.py": "# mine\n",
        "extra.tf": "# my own Terraform\n",
        "modules/network/mine.tf": "# also mine\n",
        "docs/design.md": "# a folder of my own\n",
    }
    for relative, text in user_files.items():
        (project / relative).parent.mkdir(parents=True, exist_ok=True)
        (project / relative).write_text(text)
    note = "\n# my own note, kept through every update\n"
    generated_before = (project / "main.tf").read_text()
    with (project / "main.tf").open("a") as stream:  # a generated file these answers change too
        stream.write(note)

    flags = ["--memory", "512", "--topology", "private-nat"]
    assert main(["--no-input", "--output-dir", str(out), "--force", *flags]) == 0
    assert main(["--no-input", "--output-dir", str(tmp_path / "fresh"), *flags]) == 0
    fresh = tmp_path / "fresh" / "vpc-lambda"
    generated = {path.relative_to(fresh).as_posix() for path in fresh.rglob("*") if path.is_file()}
    assert (project / "main.tf").read_text() == (fresh / "main.tf").read_text() + note
    assert (fresh / "main.tf").read_text() != generated_before  # a real three-way merge
    # The zip and so the baseline's digest of it differ: src/ holds the user's helper.py too.
    for relative in generated - {"main.tf", "build/function.zip", ANSWERS_FILE, BASELINE_FILE}:
        assert (project / relative).read_bytes() == (fresh / relative).read_bytes(), relative
    answers, fresh_answers = (json.loads((folder / ANSWERS_FILE).read_text()) for folder in (project, fresh))
    assert answers.pop("_baseline") != fresh_answers.pop("_baseline")
    assert answers == fresh_answers
    for relative, text in user_files.items():
        assert (project / relative).read_text() == text, relative
    everything = {path.relative_to(project).as_posix() for path in project.rglob("*") if path.is_file()}
    assert everything == generated | set(user_files)
    assert "memory_size  = 512" in (project / "terraform.tfvars").read_text()
    # The zip is rebuilt from the final src/, which holds the user's helper.py too.
    assert "helper.py" in zipfile.ZipFile(project / "build" / "function.zip").namelist()
    assert sorted(path.name for path in out.iterdir()) == ["vpc-lambda"]  # no staging left behind


def test_force_into_a_folder_that_is_not_a_project_writes_only_what_is_missing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = tmp_path / "out" / "vpc-lambda"
    theirs = {"README.md": "# our team's readme\n", ".gitignore": "*.log\n", "notes/x.txt": "x\n"}
    for relative, text in theirs.items():
        (project / relative).parent.mkdir(parents=True, exist_ok=True)
        (project / relative).write_text(text)
    before = {relative: (project / relative).stat().st_mtime_ns for relative in theirs}
    assert main(["--no-input", "--output-dir", str(tmp_path / "out"), "--force"]) == 0
    out = capsys.readouterr().out
    for relative, text in theirs.items():
        assert (project / relative).read_text() == text
        assert (project / relative).stat().st_mtime_ns == before[relative]
    assert "kept      README.md: yours" in out and "kept      .gitignore: yours" in out
    assert (project / "variables.tf").is_file() and (project / ANSWERS_FILE).is_file()
    # From now on it is a generated project; its own files stay its own.
    assert main(["update", str(project), "--no-input", "--memory", "1024"]) == 0
    assert (project / "README.md").read_text() == theirs["README.md"]
    assert "memory_size  = 1024" in (project / "terraform.tfvars").read_text()
