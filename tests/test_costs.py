"""The fixed monthly cost: arithmetic from the one price file, shown in --dry-run, the README
and the wizard's summary (the wizard's is driven in test_wizard.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import Generate

from scaffold.answers import RawAnswer, build_answers
from scaffold.cli import main
from scaffold.costs import estimate, lines, price_file

HOURS = 730


def answers_of(**values: object):  # type: ignore[no-untyped-def]
    return build_answers({key: RawAnswer(value, key) for key, value in values.items()})


def test_per_az_nat_with_sts_in_three_azs() -> None:
    cost = estimate(answers_of(topology="private-nat", nat="per-az", azs=3, endpoints="s3,dynamodb,sts"))
    assert [(c.item.split(" (")[0], c.count) for c in cost.fixed] == [
        ("NAT gateway", 3), ("public IPv4 address", 3), ("interface endpoint", 3),
    ]  # fmt: skip
    # us-east-1: $0.045 per NAT-hour, $0.005 per IPv4-hour, $0.01 per endpoint-AZ-hour.
    assert [c.monthly(HOURS) for c in cost.fixed] == [98.55, 10.95, 21.90]
    assert cost.monthly_total == 131.40
    assert cost.taken == "2026-09-29" and cost.region == "us-east-1"


def test_private_with_gateway_endpoints_only_costs_nothing_fixed() -> None:
    cost = estimate(answers_of())
    assert cost.fixed == () and cost.monthly_total == 0
    assert lines(cost)[0].startswith("Fixed cost: $0.00 a month")


def test_single_nat_two_interface_endpoints_in_eu_west_1() -> None:
    cost = estimate(answers_of(topology="private-nat", azs=2, endpoints="s3,sts,sqs", region="eu-west-1"))
    # 1 NAT ($0.048) + 1 address ($0.005) + 2 endpoints x 2 AZs ($0.011), 730 hours each.
    assert cost.monthly_total == round(0.048 * 730 + 0.005 * 730 + 4 * 0.011 * 730, 2) == 70.81


def test_existing_vpc_bills_only_its_interface_endpoints() -> None:
    cost = estimate(answers_of(
        topology="existing", vpc_id="vpc-01234567", subnet_ids="subnet-01234567,subnet-01234568,subnet-01234569",
        endpoints="sts",
    ))  # fmt: skip
    (charge,) = cost.fixed
    assert charge.count == 3 and "up to 3 AZs" in charge.item  # one subnet per AZ: at most 3


def test_a_region_without_prices_says_so_and_invents_none() -> None:
    assert "eu-north-1" not in price_file()["regions"]
    cost = estimate(answers_of(topology="private-nat", region="eu-north-1"))
    assert not cost.priced and cost.monthly_total is None
    assert all(charge.unit_price is None for charge in cost.fixed)
    assert "no prices on file for eu-north-1" in lines(cost)[0]


def test_every_region_on_file_has_its_date_source_and_hourly_prices() -> None:
    prices = price_file()
    for region, entry in prices["regions"].items():
        assert entry["taken"] and entry["source"] in prices["sources"], region
        for key in ("nat_gateway_hour", "public_ipv4_hour", "interface_endpoint_az_hour"):
            assert isinstance(entry[key], float) and 0 < entry[key] < 1, (region, key)


def test_dry_run_shows_the_cost(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--no-input", "--dry-run", "--output-dir", str(tmp_path), "--topology", "private-nat",
                 "--nat", "per-az", "--azs", "3", "--endpoints", "s3,sts"])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0 and list(tmp_path.iterdir()) == []
    assert "Fixed cost: $131.40 a month in us-east-1 at prices taken 2026-09-29" in out
    assert "3 x NAT gateway: $0.045 per gateway-hour = $98.55 a month" in out
    assert "plus NAT gateway data processed: $0.045 per GB" in out


@pytest.mark.parametrize(
    ("flags", "says"),
    [
        ((), "the fixed cost is **$0.00 a month**"),
        (("--topology", "private-nat", "--nat", "per-az", "--azs", "3", "--endpoints", "sts"),
         "Fixed cost: **$131.40 a month** (USD, 730 hours)"),
        (("--topology", "private-nat", "--region", "sa-east-1"), "has no prices for `sa-east-1`"),
    ],
    ids=["private", "per-az-sts", "unpriced-region"],
)  # fmt: skip
def test_the_readme_carries_the_cost(generate: Generate, flags: tuple[str, ...], says: str) -> None:
    readme = (generate(*flags) / "README.md").read_text(encoding="utf-8")
    costs = readme.split("## Costs", 1)[1].split("\n## ", 1)[0]
    assert says in costs, costs


def test_the_price_file_ships_in_the_package() -> None:
    import scaffold

    path = Path(scaffold.__file__).parent / "data" / "prices.json"
    assert json.loads(path.read_text(encoding="utf-8"))["currency"] == "USD"
