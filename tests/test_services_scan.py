"""scaffold/check/services.py: the AWS services a project's handler code calls.

The fixtures are the JavaScript tokenizer's oracle: every client creation style the SDKs
document, and the look-alikes (comments, docstrings, strings, variables) that must not
count. The data file is checked against what scripts/sdk_services.py builds from botocore.
"""

from __future__ import annotations

import importlib.util
import json
import os
import tempfile
import time
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scaffold.check.services import MAX_BYTES, ServiceCall, scan_project, services_called

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "scaffold" / "data" / "sdk_services.json"
HANDLER_TEMPLATES = {
    "handler-python": "src/handler.py",
    "handler-node": "src/index.mjs",
}


def write(project: Path, name: str, text: str | bytes) -> Path:
    path = project / "src" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def found(project: Path) -> list[tuple[str, str, int]]:
    return [(call.service, call.file, call.line) for call in scan_project(project)]


# Python -----------------------------------------------------------------------------------

# name: (source, service, line, how; None: not checked)
PYTHON_CALLS = {
    "client": ('import boto3\nboto3.client("sqs")\n', "sqs", 2, 'boto3.client("sqs")'),
    "resource": ('import boto3\nboto3.resource("dynamodb")\n', "dynamodb", 2, None),
    "keyword": (
        'import boto3\nboto3.client(service_name="sqs")\n',
        "sqs",
        2,
        'boto3.client(service_name="sqs")',
    ),
    "keyword resource": ('import boto3\nboto3.resource(service_name="s3")\n', "s3", 2, None),
    "session module": (
        'import boto3\nboto3.session.Session().client("sqs")\n',
        "sqs",
        2,
        'boto3.session.Session().client("sqs")',
    ),
    "session variable": (
        'import boto3\nsession = boto3.Session()\nsession.client("s3")\n',
        "s3",
        3,
        'session.client("s3")',
    ),
    "from import": ('from boto3 import client\nclient("sqs")\n', "sqs", 2, 'client("sqs")'),
    "from import alias": (
        'from boto3 import resource as res\nres("dynamodb")\n',
        "dynamodb",
        2,
        'res("dynamodb")',
    ),
    "module alias": ('import boto3 as b\nb.client("secretsmanager")\n', "secretsmanager", 2, None),
    "aioboto3": (
        (
            "import aioboto3\n\nasync def f():\n"
            '    async with aioboto3.Session().client("sqs") as c:\n        pass\n'
        ),
        "sqs",
        4,
        'aioboto3.Session().client("sqs")',
    ),
    "botocore": (
        'import botocore.session\nbotocore.session.get_session().create_client("sts")\n',
        "sts",
        2,
        None,
    ),
    "prefix differs": ('import boto3\nboto3.client("stepfunctions")\n', "states", 2, None),
    "more arguments": ('import boto3\nboto3.client("logs", region_name="x")\n', "logs", 2, None),
    "multi-line": (
        'import boto3\nx = [\n    boto3.client(\n        "events",\n    )\n]\n',
        "events",
        3,
        None,
    ),
    "nested": (
        'def f():\n    class A:\n        c = __import__("boto3").client("kms")\n',
        "kms",
        3,
        None,
    ),
}


@pytest.mark.parametrize("source, service, line, how", PYTHON_CALLS.values(), ids=PYTHON_CALLS)
def test_python_client_styles(
    tmp_path: Path, source: str, service: str, line: int, how: str | None
) -> None:
    write(tmp_path, "handler.py", source)
    calls = scan_project(tmp_path)
    assert [(call.service, call.file, call.line) for call in calls] == [
        (service, "src/handler.py", line)
    ]
    if how is not None:
        assert calls[0].how == how


PYTHON_NOT_CALLS = {
    "comment": 'import boto3\n# boto3.client("sqs")\n',
    "docstring": '"""Calls boto3.client("sqs") later."""\nimport boto3\n',
    "string": "import boto3\ncode = 'boto3.client(\"sqs\")'\nprint(\"boto3.client('s3')\")\n",
    "variable name": "import boto3\nsqs_client = None\ns3 = sqs_client\n",
    "variable argument": 'import boto3\nname = "sqs"\nboto3.client(name)\n',
    "f-string argument": 'import boto3\nkind = "s"\nboto3.client(f"{kind}qs")\n',
    "not a service": 'import boto3\nboto3.client("not-a-service")\nredis.client("main")\n',
    "bare client not from boto3": 'def client(name): ...\nclient("sqs")\n',
    "method named differently": 'import boto3\nboto3.clients("sqs")\nboto3.Session("sqs")\n',
    "first argument not literal": 'import boto3\nboto3.client(x, service_name="sqs")\n',
}


@pytest.mark.parametrize("source", PYTHON_NOT_CALLS.values(), ids=PYTHON_NOT_CALLS)
def test_python_look_alikes_do_not_count(tmp_path: Path, source: str) -> None:
    write(tmp_path, "handler.py", source)
    assert scan_project(tmp_path) == []


# JavaScript and TypeScript ----------------------------------------------------------------

SCRIPT_CALLS = {
    "import named": ('import { SQSClient } from "@aws-sdk/client-sqs";\n', "sqs"),
    "import default": ("import sqs from '@aws-sdk/client-sqs';\n", "sqs"),
    "import namespace": (
        'import * as sm from "@aws-sdk/client-secrets-manager";\n',
        "secretsmanager",
    ),
    "import multi-line": (
        'import {\n  DynamoDBClient,\n  GetItemCommand,\n} from "@aws-sdk/client-dynamodb";\n',
        "dynamodb",
    ),
    "import default and named": (
        'import S3, { GetObjectCommand } from "@aws-sdk/client-s3";',
        "s3",
    ),
    "import side effect": ('import "@aws-sdk/client-sts";\n', "sts"),
    "import with attributes": ('import x from "@aws-sdk/client-sqs" with { type: "js" };\n', "sqs"),
    "require": ('const { SQSClient } = require("@aws-sdk/client-sqs");\n', "sqs"),
    "require subpath": ('const c = require("@aws-sdk/client-sqs/dist-cjs/index.js");\n', "sqs"),
    "dynamic import": ('const { SFNClient } = await import("@aws-sdk/client-sfn");\n', "states"),
    "dynamic import template": (
        "const m = await import(`@aws-sdk/client-cloudwatch-logs`);\n",
        "logs",
    ),
    "re-export": ('export { SQSClient } from "@aws-sdk/client-sqs";\n', "sqs"),
    "re-export all": ('export * from "@aws-sdk/client-eventbridge";\n', "events"),
    "v3 renamed package": (
        'import { PutEventsCommand } from "@aws-sdk/client-cloudwatch-events";',
        "events",
    ),
    "lib-dynamodb": (
        'import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";\n',
        "dynamodb",
    ),
    "lib-storage": ('const { Upload } = require("@aws-sdk/lib-storage");\n', "s3"),
    "v2 clients module": ('const SQS = require("aws-sdk/clients/sqs");\n', "sqs"),
    "v2 clients module .js": (
        'import StepFunctions from "aws-sdk/clients/stepfunctions.js";\n',
        "states",
    ),
    "v2 new": ('const AWS = require("aws-sdk");\nconst q = new AWS.SQS({});\n', "sqs"),
    "v2 document client": (
        'const AWS = require("aws-sdk");\nconst db = new AWS.DynamoDB.DocumentClient();\n',
        "dynamodb",
    ),
    "v2 alias": ('const aws = require("aws-sdk");\nnew aws.CloudWatchLogs();\n', "logs"),
    "v2 namespace import": (
        'import * as sdk from "aws-sdk";\nnew sdk.SecretsManager();\n',
        "secretsmanager",
    ),
    "v2 destructured": ('const { SNS } = require("aws-sdk");\nconst t = new SNS();\n', "sns"),
    "v2 destructured renamed": ('const { Lambda: L } = require("aws-sdk");\nnew L();\n', "lambda"),
    "v2 named import": ('import { Kinesis as K } from "aws-sdk";\nnew K();\n', "kinesis"),
    "regex with quote before": (
        "const q = /'/;\nconst s = require('@aws-sdk/client-sns');\nconst r = /'/;\n",
        "sns",
    ),
    "division is not a regex": (
        "const h = w / 2; require('@aws-sdk/client-sqs'); const i = (a) / 2, j = a[0] / b;\n",
        "sqs",
    ),
    "after a template": ('const t = `a ${b} c`;\nimport("@aws-sdk/client-kms");\n', "kms"),
    "import type alongside values": (
        'import { type SQSClientConfig, SQSClient } from "@aws-sdk/client-sqs";',
        "sqs",
    ),
}


@pytest.mark.parametrize("source, service", SCRIPT_CALLS.values(), ids=SCRIPT_CALLS)
@pytest.mark.parametrize("suffix", [".mjs", ".ts"])
def test_script_client_styles(tmp_path: Path, source: str, service: str, suffix: str) -> None:
    write(tmp_path, "index" + suffix, source)
    calls = scan_project(tmp_path)
    assert [call.service for call in calls] == [service]
    marker = "new " if "new " in source else ("@aws-sdk" if "@aws-sdk" in source else "aws-sdk/")
    line = next(n for n, text in enumerate(source.splitlines(), 1) if marker in text)
    assert calls[0].line == line


@pytest.mark.parametrize("suffix", [".js", ".cjs", ".mts", ".cts"])
def test_every_script_suffix_is_read(tmp_path: Path, suffix: str) -> None:
    write(tmp_path, "lib/index" + suffix, 'require("@aws-sdk/client-sqs");\n')
    assert found(tmp_path) == [("sqs", f"src/lib/index{suffix}", 1)]


def test_how_shows_the_code_as_written(tmp_path: Path) -> None:
    write(
        tmp_path,
        "index.js",
        'const AWS = require("aws-sdk");\nnew AWS.DynamoDB.DocumentClient();\n'
        'import("@aws-sdk/client-sqs");\n',
    )
    assert [call.how for call in scan_project(tmp_path)] == [
        "new AWS.DynamoDB.DocumentClient",
        "@aws-sdk/client-sqs",
    ]


SCRIPT_NOT_CALLS = {
    "line comment": '// import { SQSClient } from "@aws-sdk/client-sqs";\n',
    "block comment": '/*\nconst c = require("@aws-sdk/client-sqs");\n*/\n',
    "comment after code": 'const a = 1; // require("@aws-sdk/client-sqs")\n',
    "string alone": 'const name = "@aws-sdk/client-sqs";\n',
    "string with python": "console.log(\"boto3.client('sqs')\");\n",
    "string with import": "console.log(\"import x from '@aws-sdk/client-sqs'\");\n",
    "string with require": "const s = 'require(\"@aws-sdk/client-sqs\")';\n",
    "template with require": 'const s = `require("@aws-sdk/client-sqs") ${x} new AWS.SQS()`;\n',
    "regex with a quote": 'const r = /x"/; const s = "/; require(\'@aws-sdk/client-sqs\'); //";\n',
    "regex with require": 'const r = /require\\("@aws-sdk\\/client-sqs"\\)/;\n',
    "variable name": "const sqsClient = makeClient();\nconst SQS = 1;\n",
    "variable specifier": 'const m = "@aws-sdk/client-sqs";\nawait import(m);\nrequire(m);\n',
    "template specifier": "await import(`@aws-sdk/client-${name}`);\n",
    "require.resolve": 'require.resolve("@aws-sdk/client-sqs");\n',
    "method named require": 'loader.require("@aws-sdk/client-sqs");\n',
    "type-only import": 'import type { SQSClient } from "@aws-sdk/client-sqs";\n',
    "type-only export": 'export type { SQSClient } from "@aws-sdk/client-sqs";\n',
    "unknown client": 'import { X } from "@aws-sdk/client-not-a-service";\n',
    "other sdk package": 'import { fromEnv } from "@aws-sdk/credential-providers";\n',
    "v2 module alone": 'const AWS = require("aws-sdk");\nAWS.config.update({});\n',
    "v2 not a class": 'const AWS = require("aws-sdk");\nnew AWS.Config({});\n',
    "new on another object": "new other.SQS();\nnew SQS();\n",
    "object key import": 'const o = { import: "@aws-sdk/client-sqs", require: "x" };\n',
}


@pytest.mark.parametrize("source", SCRIPT_NOT_CALLS.values(), ids=SCRIPT_NOT_CALLS)
def test_script_look_alikes_do_not_count(tmp_path: Path, source: str) -> None:
    write(tmp_path, "index.ts", source)
    assert scan_project(tmp_path) == []


# The project -------------------------------------------------------------------------------


def test_sorted_one_per_service_file_and_line(tmp_path: Path) -> None:
    write(tmp_path, "b.py", 'import boto3\nboto3.client("sqs"); boto3.client("sqs")\n')
    write(tmp_path, "a.mjs", 'import "@aws-sdk/client-sqs";\nimport "@aws-sdk/client-dynamodb";\n')
    write(tmp_path, "pkg/c.py", 'import boto3\nboto3.client("sqs")\nboto3.client("dynamodb")\n')
    assert found(tmp_path) == [
        ("dynamodb", "src/a.mjs", 2),
        ("dynamodb", "src/pkg/c.py", 3),
        ("sqs", "src/a.mjs", 1),
        ("sqs", "src/b.py", 2),
        ("sqs", "src/pkg/c.py", 2),
    ]
    assert services_called(tmp_path) == ["dynamodb", "sqs"]
    assert isinstance(scan_project(tmp_path)[0], ServiceCall)


def test_only_sources_under_src_are_read(tmp_path: Path) -> None:
    source = 'require("@aws-sdk/client-sqs");\n'
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "x.mjs").write_text(source)
    (tmp_path / "x.mjs").write_text(source)
    for skipped in ["node_modules/m", "__pycache__", ".venv/lib", "build", "dist", ".aws-sam"]:
        write(tmp_path, f"{skipped}/index.js", source)
    write(tmp_path, "types/index.d.ts", source)
    write(tmp_path, "notes.txt", source)
    write(tmp_path, "handler.rb", source)
    assert scan_project(tmp_path) == []
    assert scan_project(tmp_path / "missing") == []


def test_hostile_files_are_skipped(tmp_path: Path) -> None:
    real = 'import boto3\nboto3.client("sqs")\n'
    write(tmp_path, "big.py", real + "#" * MAX_BYTES)
    write(tmp_path, "binary.py", real.encode() + b"\0")
    write(tmp_path, "latin1.py", real.encode() + "é".encode("latin-1"))
    write(tmp_path, "broken.py", real + "def (:\n")
    write(tmp_path, "deep.py", "x = " + "(" * 100_000 + "1" + ")" * 100_000 + "\n" + real)
    write(tmp_path, "digits.py", "x = " + "9" * 10_000 + "\n" + real)
    write(tmp_path, "minus.py", "x = " + "-" * 200_000 + "1\n" + real)
    write(
        tmp_path, "unclosed.js", 'const s = "abc\nconst t = `${ {\nrequire("@aws-sdk/client-sqs")'
    )
    outside = tmp_path / "outside.py"
    outside.write_text(real)
    (tmp_path / "src" / "link.py").symlink_to(outside)
    (tmp_path / "src" / "linked_dir").symlink_to(tmp_path / "outside_dir", target_is_directory=True)
    (tmp_path / "outside_dir").mkdir()
    (tmp_path / "outside_dir" / "x.py").write_text(real)
    (tmp_path / "src" / "loop").symlink_to(tmp_path / "src", target_is_directory=True)
    os.mkfifo(tmp_path / "src" / "fifo.py")  # reading it would block
    write(tmp_path, "ok.py", real)
    assert [call.file for call in scan_project(tmp_path)] == ["src/ok.py"]


def test_a_long_hostile_script_is_scanned_quickly(tmp_path: Path) -> None:
    """Inputs that would take quadratic time in a naive tokenizer: seconds here, not hours."""
    half = MAX_BYTES // 2 - 100
    write(tmp_path, "a.js", "x = (" + "/[" * (half // 2) + '\nrequire("@aws-sdk/client-sqs")')
    write(tmp_path, "b.js", "import " * (half // 7) + 'from "@aws-sdk/client-sns"')
    write(tmp_path, "c.js", "} = require('aws-sdk') " * (half // 23))
    write(tmp_path, "d.js", "x = `" + "${`" * (half // 3))
    write(tmp_path, "e.js", "/\\/" * (half // 3))
    started = time.monotonic()
    assert [call.service for call in scan_project(tmp_path)] == ["sns", "sqs"]
    assert time.monotonic() - started < 60


@settings(max_examples=60, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(list("`'\"/*\\${}()[]=.;: \nabAWSnewimportrequire")), max_size=300
    )
)
def test_any_text_scans_without_error(text: str) -> None:
    with tempfile.TemporaryDirectory() as directory:
        project = Path(directory)
        write(project, "index.ts", text)
        write(project, "handler.py", text)
        for call in scan_project(project):
            assert call.line >= 1


@pytest.mark.parametrize("template", HANDLER_TEMPLATES)
def test_handler_templates_call_sts_only(template: str) -> None:
    project = ROOT / "templates" / template / "{{cookiecutter.name}}"
    source = (project / HANDLER_TEMPLATES[template]).read_text(encoding="utf-8")
    assert "{{" not in source and "{%" not in source  # read as is: no Jinja in the handler
    calls = scan_project(project)
    assert {call.file for call in calls} == {HANDLER_TEMPLATES[template]}
    assert services_called(project) == ["sts"]


# The data file -----------------------------------------------------------------------------


def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "sdk_services", ROOT / "scripts" / "sdk_services.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_data_file_is_what_botocore_generates() -> None:
    """The file, against the installed botocore's models: byte for byte when it is the
    version the file was made from; otherwise every service both know maps the same, and
    the file lacks none the installed botocore has (a service AWS retired may be gone)."""
    botocore = pytest.importorskip("botocore")
    recorded = json.loads(DATA.read_text(encoding="utf-8"))
    module = generator()
    built = module.build()
    if recorded["botocore_version"] == botocore.__version__:
        assert recorded == built
        assert DATA.read_text(encoding="utf-8") == module.render(built)
        return
    for table in ("boto3", "js_v3_clients", "js_v3_libs", "js_v2_classes"):
        ours, theirs = recorded[table], built[table]
        both = set(ours) & set(theirs)
        assert {key: ours[key] for key in both} == {key: theirs[key] for key in both}, table
        assert len(both) >= 0.95 * len(theirs), (table, sorted(set(theirs) - set(ours))[:10])


def test_data_file_known_names() -> None:
    data = json.loads(DATA.read_text(encoding="utf-8"))
    assert {k: data["boto3"][k] for k in ["sqs", "stepfunctions", "logs", "events", "s3"]} == {
        "sqs": "sqs",
        "stepfunctions": "states",
        "logs": "logs",
        "events": "events",
        "s3": "s3",
    }
    v3 = data["js_v3_clients"]
    assert v3["secrets-manager"] == "secretsmanager"
    assert v3["cloudwatch-logs"] == "logs"
    assert v3["sfn"] == "states"
    assert v3["dynamodb"] == "dynamodb"
    assert v3["s3"] == "s3"
    assert v3["eventbridge"] == v3["cloudwatch-events"] == "events"
    v2 = data["js_v2_classes"]
    assert v2["StepFunctions"] == "states"
    assert v2["CloudWatchLogs"] == "logs"
    assert v2["EventBridge"] == "events"
    assert data["js_v3_libs"] == {"lib-dynamodb": "dynamodb", "lib-storage": "s3"}
    boto3 = pytest.importorskip("boto3")
    assert set(boto3.session.Session().get_available_resources()) <= set(data["boto3"])
