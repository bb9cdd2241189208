"""The AWS provider kept running between Terraform commands, for the suite's speed.

Every Terraform command starts the provider plugin anew (`plan` three times, `validate`
twice, `show` once), and each start loads the provider's schema: about 1 CPU-s each,
most of the suite's CPU. Terraform can instead attach to a provider that is already
running (TF_REATTACH_PROVIDERS, the mechanism of the provider's `-debug` mode), so this
keeps one provider process per set of AWS settings and hands each command its address.

It is the same provider binary the project's `terraform init` installed, with the same
environment the command would have given it: the provider reads its credentials,
endpoint and region from its own environment, so one process serves one set of AWS_*
variables (the emulator's dummy keys, a deployer's keys, a region) in one project folder
(its working folder, where relative paths such as the function's zip are read), and the
most recently used few are kept. One xdist worker runs one test at a time, so no process is configured
by two commands at once.

VPC_LAMBDA_NEW_TEST_PROVIDER_SERVERS=0 turns it off: every command then starts its own
provider, as a user's Terraform does.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path

SWITCH = "VPC_LAMBDA_NEW_TEST_PROVIDER_SERVERS"
PROVIDER = "registry.terraform.io/hashicorp/aws"
KEPT = 3  # processes kept per worker: the dummy keys', a deployer's, one more
START_TIMEOUT_SECONDS = 60
# Commands that never configure the provider, or that must install it themselves.
NOT_ATTACHED = frozenset({"init", "version", "fmt", "providers", "get"})


class ProviderServers:
    """Running provider processes, by (binary, AWS settings); the oldest stopped first."""

    def __init__(self, log_folder: Path) -> None:
        self.log_folder = log_folder
        self.enabled = os.environ.get(SWITCH, "1") != "0"
        self._running: OrderedDict[tuple[str, ...], tuple[subprocess.Popen[bytes], str]] = (
            OrderedDict()
        )

    def environment(self, command: str, project: Path, env: Mapping[str, str]) -> dict[str, str]:
        """env, with TF_REATTACH_PROVIDERS when the command can use a running provider."""
        if not self.enabled or command in NOT_ATTACHED:
            return dict(env)
        binary = installed_provider(project)
        if binary is None:  # not initialised: Terraform will say so itself
            return dict(env)
        # The provider reads relative paths (the function's zip) from its working folder.
        key = (str(binary), str(project.resolve()),
               *sorted(f"{k}={v}" for k, v in env.items() if k.startswith("AWS_")))  # fmt: skip
        running = self._running.get(key)
        if running is not None and running[0].poll() is not None:
            del self._running[key]  # it died: start another
            running = None
        if running is None:
            running = self._start(binary, project, env)
            self._running[key] = running
            while len(self._running) > KEPT:
                _, (oldest, _) = self._running.popitem(last=False)
                stop(oldest)
        self._running.move_to_end(key)
        return {**env, "TF_REATTACH_PROVIDERS": running[1]}

    def _start(
        self, binary: Path, project: Path, env: Mapping[str, str]
    ) -> tuple[subprocess.Popen[bytes], str]:
        # A start that fails (once in a full run on a loaded machine: no address printed)
        # is tried again before the test is failed, with what the provider printed.
        failures = []
        for _attempt in range(3):
            try:
                return self._start_once(binary, project, env)
            except RuntimeError as failure:
                failures.append(str(failure))
        raise RuntimeError("\n".join(failures))

    def _start_once(
        self, binary: Path, project: Path, env: Mapping[str, str]
    ) -> tuple[subprocess.Popen[bytes], str]:
        self.log_folder.mkdir(parents=True, exist_ok=True)
        log = self.log_folder / f"provider-{time.monotonic_ns()}.log"
        with log.open("wb") as output:
            process = subprocess.Popen(
                [str(binary), "-debug"],
                cwd=project,
                # GOGC comes from the suite's environment (conftest.py: 400), as for Terraform.
                env={k: v for k, v in env.items() if k != "TF_REATTACH_PROVIDERS"},
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            text = log.read_text(encoding="utf-8", errors="replace")
            marker = "TF_REATTACH_PROVIDERS='"
            if marker in text and "'" in text.split(marker, 1)[1]:
                config = text.split(marker, 1)[1].split("'", 1)[0]
                json.loads(config)  # whole, or the provider's message changed
                return process, config
            if process.poll() is not None:
                break
            time.sleep(0.05)
        stop(process)
        printed = log.read_text(encoding="utf-8", errors="replace")[-1500:]
        raise RuntimeError(
            f"{binary} -debug did not print its address (exit {process.returncode});"
            f" it printed:\n{printed}"
        )

    def close(self) -> None:
        while self._running:
            _, (process, _) = self._running.popitem()
            stop(process)


def installed_provider(project: Path) -> Path | None:
    """The provider binary `terraform init` installed for the project, if one."""
    found = sorted((project / ".terraform" / "providers" / PROVIDER).glob("*/*/terraform-provider-aws*"))
    return found[0].resolve() if len(found) == 1 else None


def stop(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
