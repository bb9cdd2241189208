"""The AWS API emulator: moto's WSGI application with the fidelity rules, on 127.0.0.1.

`vpc-lambda-new emulator [--port N]` (or `python -m scaffold.emulator.server --port N`)
serves it on 127.0.0.1 only, threaded like `moto.server`: the emulator the test suite
runs every apply against, and the one a generated project's `make local` uses. Besides moto's own routes
(/moto-api/...), it answers /fidelity-api/settings: GET returns the rules'
settings as JSON, POST merges a JSON object into them (the tests shorten or
change how Lambda's interfaces are released, or offer an endpoint service in fewer
zones: `endpoint_service_zones`); and /fidelity-api/events: GET
returns what the rules did, in order (core.EVENTS).
"""

from __future__ import annotations

import argparse
import collections
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
    """Serializes moto's request handling, and answers a client's retry with the first answer.

    moto's backends have no locks, while Terraform sends up to ten requests at
    once: a request that mutates a list while another serializes it can fail
    after it has taken effect, which AWS never does. Each request takes
    milliseconds, so one at a time costs nothing noticeable.

    The AWS SDKs send a request again when they saw no answer to it (a connection
    reset, a timeout), with the same `amz-sdk-invocation-id` and a higher
    `amz-sdk-request: attempt=N`. On a loaded machine the emulator can carry out
    the first attempt and the client still miss its answer; the retry then fails
    where AWS's would not have been needed (CreateRole: EntityAlreadyExists). The
    first attempt's answer (unless a 5xx, which the client is right to retry) is kept,
    for the last KEPT_ANSWERS invocations, and given to its retries, and the
    log says so.
    """

    KEPT_ANSWERS = 256

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.lock = threading.Lock()
        self.answers: collections.OrderedDict[str, tuple[str, list[Any], list[bytes]]] = (
            collections.OrderedDict()
        )

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        invocation = environ.get("HTTP_AMZ_SDK_INVOCATION_ID", "")
        attempt = environ.get("HTTP_AMZ_SDK_REQUEST", "")
        with self.lock:
            kept = self.answers.get(invocation) if invocation else None
            if kept is not None and not attempt.startswith("attempt=1;"):
                status, headers, body = kept
                print(
                    f"vpc-lambda-new emulator: {attempt.split(';')[0]} of invocation"
                    f" {invocation} answered with the first attempt's {status}",
                    file=sys.stderr,
                    flush=True,
                )
                start_response(status, headers)
                return body
            seen: list[tuple[str, list[Any]]] = []

            def keep_status(status: str, headers: list[Any], *rest: Any) -> Any:
                seen.append((status, list(headers)))
                return start_response(status, headers, *rest)

            body = list(self.app(environ, keep_status))
            if invocation and seen and not seen[-1][0].startswith("5"):
                self.answers[invocation] = (*seen[-1], body)
                while len(self.answers) > self.KEPT_ANSWERS:
                    self.answers.popitem(last=False)
            return body


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
