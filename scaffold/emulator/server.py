"""The AWS API emulator: moto's WSGI application with the fidelity rules, on 127.0.0.1.

`vpc-lambda-new emulator [--port N]` (or `python -m scaffold.emulator.server --port N`)
serves it on 127.0.0.1 only, threaded like `moto.server`: the emulator the test suite
runs every apply against, and the one a generated project's `make local` uses. Besides moto's own routes
(/moto-api/...), it answers /fidelity-api/settings: GET returns the rules'
settings as JSON, POST merges a JSON object into them (the tests shorten or
change how Lambda's interfaces are released); and /fidelity-api/events: GET
returns what the rules did, in order (core.EVENTS).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import signal
import socket
import sys
import threading
from collections.abc import Callable, Iterable
from typing import Any

from scaffold.emulator import core, install, principals

SETTINGS_PATH = "/fidelity-api/settings"
EVENTS_PATH = "/fidelity-api/events"
StartResponse = Callable[..., Any]


class CaptureRawBody:
    """Keeps the request body's exact bytes for the signature check.

    Flask parses a form body into fields and moto rebuilds the request from
    those; AWS signs the bytes as sent (principals.aws_request_as_sent).
    """

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        body = environ["wsgi.input"].read(length) if length > 0 else b""
        environ["wsgi.input"] = io.BytesIO(body)
        environ[principals.RAW_BODY_KEY] = body
        return self.app(environ, start_response)


class OneRequestAtATime:
    """Serializes moto's request handling.

    moto's backends have no locks, while Terraform sends up to ten requests at
    once: a request that mutates a list while another serializes it can fail
    after it has taken effect, which AWS never does (a likely cause of the
    doubled security group rule calls fixtures_terraform.MotoQuirk retries).
    Each request takes milliseconds, so one at a time costs nothing noticeable.
    """

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        with self.lock:
            return list(self.app(environ, start_response))


class SettingsRoute:
    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == EVENTS_PATH:
            with core.LOCK:
                body = json.dumps(core.EVENTS).encode()
            start_response("200 OK", [("Content-Type", "application/json")])
            return [body]
        if environ.get("PATH_INFO") != SETTINGS_PATH:
            return self.app(environ, start_response)
        status = "200 OK"
        if environ["REQUEST_METHOD"] == "POST":
            try:
                core.SETTINGS.update(json.loads(environ[principals.RAW_BODY_KEY] or b"{}"))
            except (ValueError, TypeError) as bad:
                status = "400 Bad Request"
                body = json.dumps({"error": str(bad)}).encode()
                start_response(status, [("Content-Type", "application/json")])
                return [body]
        body = json.dumps(core.SETTINGS.as_dict()).encode()
        start_response(status, [("Content-Type", "application/json")])
        return [body]


def build_app() -> Callable[..., Iterable[bytes]]:
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    install.install()
    moto = DomainDispatcherApplication(create_backend_app)
    return CaptureRawBody(SettingsRoute(OneRequestAtATime(moto)))


DEFAULT_PORT = 5555


def serve(port: int = DEFAULT_PORT, *, eni_release_seconds: float | None = None) -> None:
    """Serve the emulator on 127.0.0.1:port until the process is interrupted or terminated.

    Raises OSError when the port cannot be bound (in use, or privileged).
    """
    from werkzeug.serving import make_server

    # moto knows AWS managed policies (AWSLambdaVPCAccessExecutionRole) only with this.
    os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    # As moto.server does: moto builds some URLs from it.
    os.environ.setdefault("MOTO_PORT", str(port))
    if eni_release_seconds is not None:
        core.SETTINGS.lambda_eni_release_seconds = eni_release_seconds
    # werkzeug answers a port in use by printing and exiting; bind once first to raise instead.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(("127.0.0.1", port))
    server = make_server("127.0.0.1", port, build_app(), threaded=True)
    print(
        f"emulator on http://127.0.0.1:{server.server_port}"
        f" (moto with the fidelity rules: {', '.join(install.rule_names())});"
        f" Lambda releases its interfaces {core.SETTINGS.lambda_eni_release_seconds:g} s"
        " after use; Ctrl-C stops it",
        file=sys.stderr,
        flush=True,
    )
    try:
        server.serve_forever()
    finally:
        server.server_close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    options = parser.parse_args(argv)
    # SIGTERM ends it cleanly, as it does moto.server.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    serve(options.port)


if __name__ == "__main__":
    main()
