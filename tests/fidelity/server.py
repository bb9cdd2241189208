"""The tests' AWS API emulator: moto's WSGI application with the fidelity rules.

`python -m fidelity.server --port PORT` (with tests/ on sys.path) serves it on
127.0.0.1 only, threaded like `moto.server`. Besides moto's own routes
(/moto-api/...), it answers /fidelity-api/settings: GET returns the rules'
settings as JSON, POST merges a JSON object into them (the tests shorten or
change how Lambda's interfaces are released).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterable
from typing import Any

from fidelity import rules

SETTINGS_PATH = "/fidelity-api/settings"
StartResponse = Callable[..., Any]


class CaptureRawBody:
    """Keeps the request body's exact bytes for the signature check.

    Flask parses a form body into fields and moto rebuilds the request from
    those; AWS signs the bytes as sent (rules.aws_request_as_sent).
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
        environ[rules.RAW_BODY_KEY] = body
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
        if environ.get("PATH_INFO") != SETTINGS_PATH:
            return self.app(environ, start_response)
        status = "200 OK"
        if environ["REQUEST_METHOD"] == "POST":
            try:
                rules.SETTINGS.update(json.loads(environ[rules.RAW_BODY_KEY] or b"{}"))
            except (ValueError, TypeError) as bad:
                status = "400 Bad Request"
                body = json.dumps({"error": str(bad)}).encode()
                start_response(status, [("Content-Type", "application/json")])
                return [body]
        body = json.dumps(rules.SETTINGS.as_dict()).encode()
        start_response(status, [("Content-Type", "application/json")])
        return [body]


def build_app() -> Callable[..., Iterable[bytes]]:
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    rules.install()
    moto = DomainDispatcherApplication(create_backend_app)
    return CaptureRawBody(SettingsRoute(OneRequestAtATime(moto)))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    options = parser.parse_args(argv)
    from werkzeug.serving import make_server

    # As moto.server does: moto builds some URLs from it, and SIGTERM ends it cleanly.
    os.environ.setdefault("MOTO_PORT", str(options.port))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))

    server = make_server("127.0.0.1", options.port, build_app(), threaded=True)
    print(
        f"fidelity emulator on 127.0.0.1:{server.server_port}; rules: {', '.join(rules.rule_names())}",
        file=sys.stderr,
        flush=True,
    )
    server.serve_forever()


if __name__ == "__main__":
    main()
