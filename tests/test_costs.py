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
from scaffold.egress import compare

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
    assert "af-south-1" not in price_file()["regions"]
    cost = estimate(answers_of(topology="private-nat", region="af-south-1"))
    assert not cost.priced and cost.monthly_total is None
    assert all(charge.unit_price is None for charge in cost.fixed)
    assert "no prices on file for af-south-1" in lines(cost)[0]


def test_a_region_with_some_prices_names_the_missing_one() -> None:
    # sa-east-1: the public IPv4 charge (one price everywhere) is on file, its NAT gateway's is not.
    cost = estimate(answers_of(topology="private-nat", region="sa-east-1"))
    assert cost.priced and cost.monthly_total is None
    assert lines(cost)[0] == "Fixed cost: not known: no price on file in sa-east-1 for NAT gateway"


def test_every_region_on_file_has_its_date_source_and_hourly_prices() -> None:
    prices = price_file()
    for region, entry in prices["regions"].items():
        assert entry["taken"] and entry["source"] in prices["sources"], region
        for key in ("nat_gateway_hour", "public_ipv4_hour", "interface_endpoint_az_hour"):
            if key in entry:  # a price the file lacks is said to be missing, never guessed
                assert isinstance(entry[key], float) and 0 < entry[key] < 1, (region, key)
        instances = entry.get("ec2_instance_hour", {})
        if instances:
            assert entry["ec2_instance_hour_source"] in prices["sources"], region
            assert entry["ec2_instance_hour_taken"], region
        assert all(0 < price < 1 for price in instances.values()), region
        for key, value in entry.items():
            if key.endswith("_source"):
                assert value in prices["sources"], (region, key)


def test_every_commercial_region_of_the_issue_list_has_nat_instance_prices() -> None:
    # The regions the price file names, each with the default NAT instance type's price.
    regions = price_file()["regions"]
    assert len(regions) >= 16
    assert all("t4g.nano" in entry["ec2_instance_hour"] for entry in regions.values())


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
        (("--topology", "private-nat", "--region", "af-south-1"), "has no prices for `af-south-1`"),
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


# --- NAT instances, and each way out for the user's traffic (scaffold/egress.py) -------------


def test_nat_instance_fixed_cost() -> None:
    cost = estimate(answers_of(topology="private-nat", nat="instance", azs=2))
    # us-east-1: t4g.nano $0.0042 an hour, its public IPv4 address $0.005 an hour, its
    # 8 GB gp3 root volume $0.08 a GB-month: 3.066 + 3.65 + 0.64.
    assert [c.monthly(HOURS) for c in cost.fixed] == [3.07, 3.65, 0.64]
    assert cost.monthly_total == 7.36


def test_nat_instance_per_az_of_another_type() -> None:
    cost = estimate(answers_of(topology="private-nat", nat="instance-per-az", azs=3, nat_instance_type="t3.micro"))
    # 3 x t3.micro $0.0104 x 730 h = 22.776, 3 x IPv4 $0.005 x 730 h, 3 x 8 GB x $0.08.
    assert cost.monthly_total == 35.65 == pytest.approx(22.78 + 10.95 + 1.92)  # each charge in cents


def test_an_instance_type_without_a_price_says_so() -> None:
    cost = estimate(answers_of(topology="private-nat", nat="instance", nat_instance_type="m7i.large"))
    assert cost.fixed[0].unit_price is None and cost.monthly_total is None
    assert "no price on file in us-east-1 for NAT instance (m7i.large)" in lines(cost)[0]


def comparison(gb: int, **values: object):  # type: ignore[no-untyped-def]
    both = compare(answers_of(topology="private-nat", azs=2, egress_gb=gb, **values))
    assert both is not None
    return both


def way(found, key: str):  # type: ignore[no-untyped-def]
    return next(item for item in found.ways if item.key == key)


def test_each_way_out_to_the_internet_in_us_east_1() -> None:
    internet, _ = comparison(50)
    # NAT gateway, one, 2 AZs: fixed (0.045 + 0.005) x 730 = 36.50; per GB 0.045 processing
    # + 0.09 out + half the traffic crossing AZs, billed on both sides: 0.5 x 2 x 0.01.
    assert way(internet, "single").fixed_monthly(HOURS) == 36.50
    assert way(internet, "single").per_gb == pytest.approx(0.145)
    assert way(internet, "single").total(50, HOURS) == 43.75
    # Per AZ: no crossing. 2 x 36.50 fixed, 0.045 + 0.09 per GB.
    assert way(internet, "per-az").total(50, HOURS) == round(73.00 + 50 * 0.135, 2)
    # NAT instance, one: no processing charge. 7.36 fixed, 0.09 + 0.01 per GB.
    assert way(internet, "instance").total(50, HOURS) == 12.36
    assert internet.cheapest() is way(internet, "instance")
    assert internet.chosen == "single"


def test_the_break_even_between_one_nat_instance_and_one_per_az() -> None:
    # Hand calculation: one instance costs 7.36 + 0.10 x GB, one per AZ 14.71 + 0.09 x GB
    # (2 x 7.355 = 14.71 fixed, no crossing); equal at (14.71 - 7.36) / (0.10 - 0.09) = 735 GB.
    internet, _ = comparison(50)
    (point, below, above), = internet.break_evens()
    assert point == pytest.approx(735.0)
    assert (below.key, above.key) == ("instance", "instance-per-az")


def test_50_and_5000_gb_have_different_cheapest_ways_out() -> None:
    small, _ = comparison(50)
    large, _ = comparison(5000)
    assert small.cheapest().key == "instance"  # type: ignore[union-attr]
    assert large.cheapest().key == "instance-per-az"  # type: ignore[union-attr]


def test_interface_endpoints_against_nat_for_aws_services() -> None:
    _, services = comparison(5000, endpoints="s3,dynamodb,sqs,sts", nat="per-az")
    # Two endpoints x 2 AZs x 0.01 x 730 = 29.20 fixed, 0.01 per GB; no data transfer out
    # to AWS services in the region. NAT gateway per AZ: 73.00 + 0.045 per GB.
    endpoints = way(services, "endpoints")
    assert endpoints.fixed_monthly(HOURS) == 29.20 and endpoints.per_gb == pytest.approx(0.01)
    assert way(services, "per-az").total(5000, HOURS) == round(73.00 + 5000 * 0.045, 2)
    # With --nat per-az, only ways that survive an AZ outage compete: per-AZ NAT instances
    # (14.71 + 0 per GB) beat the endpoints (29.20 + 0.01 per GB) at any traffic.
    assert services.cheapest() is way(services, "instance-per-az")
    assert all(item.survives_az_outage for item in services.eligible())


def test_ipv6_competes_only_with_ipv6_on() -> None:
    internet, _ = comparison(5000)
    assert "ipv6" not in {item.key for item in internet.eligible()}
    dual, _ = comparison(5000, ipv6=True)
    assert dual.cheapest() is way(dual, "ipv6")  # 5000 x 0.09, no fixed cost


def test_a_region_without_prices_compares_nothing() -> None:
    internet, _ = comparison(50, region="af-south-1")
    assert internet.priced == () and internet.cheapest() is None and internet.break_evens() == []


def test_existing_vpcs_get_no_comparison() -> None:
    answers = answers_of(topology="existing", vpc_id="vpc-01234567", subnet_ids="subnet-01234567,subnet-01234568")
    assert compare(answers) is None


def test_dry_run_shows_the_comparison(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--no-input", "--dry-run", "--output-dir", str(tmp_path), "--topology", "private-nat",
                 "--egress-gb", "5000"])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0
    assert "Ways out for 5,000 GB a month to the internet (us-east-1, 2 AZs):" in out
    assert "  NAT gateway, one: $36.50 + $0.145 per GB = $761.50 a month [chosen]" in out
    assert "break-even at 735 GB a month: NAT instance, one (t4g.nano) below, NAT instance per AZ (t4g.nano) above" in out
