"""The gateway endpoint routes an earlier release added, adopted by `update`.

From 0.6.0 an `existing` project claims each gateway endpoint route it adds
(modules/network/gateway_routes.tf), and a route table another endpoint already routes
fails the plan. A project of an earlier release added its routes before it claimed them:
its own routes must not count as another endpoint's. `update` lists them in the record
(`_gateway_routes_adopted`) and in terraform.tfvars, keeps the list across updates, and
drops a route the answers no longer add; a new route is never adopted. test_upgrade
applies projects of every release and updates them; this file covers the record.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import Generate
from test_update import EXISTING, run, updated

from scaffold.project import ANSWERS_FILE

OWN = ["dynamodb:rtb-01234567", "s3:rtb-01234567"]


def record_of(project: Path) -> dict[str, object]:
    return json.loads((project / ANSWERS_FILE).read_text())


def written_by(project: Path, release: str, **changes: object) -> None:
    record = record_of(project)
    record["_generator"] = f"vpc-lambda-new {release}"
    record.update(changes)
    (project / ANSWERS_FILE).write_text(json.dumps(record, indent=2) + "\n")


def adopted_in_tfvars(project: Path) -> str | None:
    for line in (project / "terraform.tfvars").read_text().splitlines():
        if line.startswith("gateway_routes_adopted"):
            return line
    return None


def test_a_new_project_adopts_nothing(generate: Generate) -> None:
    project = generate(*EXISTING)
    assert "_gateway_routes_adopted" not in record_of(project)
    assert adopted_in_tfvars(project) is None


def test_an_update_adopts_the_routes_an_earlier_release_added_and_keeps_them(
    generate: Generate, capsys: pytest.CaptureFixture[str]
) -> None:
    project = generate(*EXISTING)
    written_by(project, "0.5.0")
    code, _, err = updated(capsys, project)
    assert code == 0, err
    assert record_of(project)["_gateway_routes_adopted"] == OWN
    assert adopted_in_tfvars(project) == 'gateway_routes_adopted = ["dynamodb:rtb-01234567", "s3:rtb-01234567"]'
    # Kept by the next update of this release; a route table added now is not adopted,
    # and a service left out drops its routes.
    code, _, err = updated(capsys, project, "--route-table-ids", "rtb-01234567,rtb-0123456789abcdef0", "--endpoints", "s3")
    assert code == 0, err
    assert record_of(project)["_gateway_routes_adopted"] == ["s3:rtb-01234567"]
    assert adopted_in_tfvars(project) == 'gateway_routes_adopted = ["s3:rtb-01234567"]'


def test_a_record_of_an_unknown_release_adopts_its_routes(
    generate: Generate, capsys: pytest.CaptureFixture[str]
) -> None:
    project = generate(*EXISTING)
    record = record_of(project)
    del record["_generator"]
    (project / ANSWERS_FILE).write_text(json.dumps(record, indent=2) + "\n")
    code, _, err = updated(capsys, project)
    assert code == 0, err
    assert record_of(project)["_gateway_routes_adopted"] == OWN


@pytest.mark.parametrize(
    "hostile",
    [
        "s3:rtb-01234567",
        ["s3:rtb-01234567\"]\nmemory_size = 1"],
        ["sts:rtb-01234567"],
        ["s3:rtb-0123"],
        [7],
        {"s3": "rtb-01234567"},
    ],
    ids=["not-a-list", "injection", "not-a-gateway-service", "short-id", "number", "mapping"],
)
def test_a_hostile_adopted_list_is_refused_in_one_line_and_nothing_changes(
    generate: Generate, capsys: pytest.CaptureFixture[str], hostile: object
) -> None:
    project = generate(*EXISTING)
    written_by(project, "0.6.0", _gateway_routes_adopted=hostile)
    before = {path: path.read_bytes() for path in project.rglob("*") if path.is_file()}
    code, out, err = updated(capsys, project)
    assert code == 2 and err.count("\n") == 1, err
    assert "_gateway_routes_adopted must be a list of SERVICE:ROUTE-TABLE-ID" in err
    assert "Traceback" not in out + err
    assert {path: path.read_bytes() for path in project.rglob("*") if path.is_file()} == before


def test_force_into_a_project_of_an_earlier_release_adopts_its_routes_too(
    generate: Generate, capsys: pytest.CaptureFixture[str]
) -> None:
    project = generate(*EXISTING)
    written_by(project, "0.5.0")
    code, _, err = run(
        capsys, "--no-input", "--force", "--name", project.name, "--output-dir", str(project.parent),
        *EXISTING, "--endpoints", "s3",
    )  # fmt: skip
    assert code == 0, err
    assert record_of(project)["_gateway_routes_adopted"] == ["s3:rtb-01234567"]
