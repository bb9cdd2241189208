"""What the answers cost before anything is created: the fixed monthly charges.

Prices come from one data file, `scaffold/data/prices.json`, with their source
and the date they were taken. Hourly charges (NAT gateways, public IPv4
addresses, interface endpoints per AZ) make the fixed monthly figure; per-GB
charges are named with their unit price, never guessed. A region the file has
no prices for says so.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

from scaffold.answers import (
    NAT_INSTANCE_LAYOUTS,
    NAT_INSTANCE_TYPE_DEFAULT,
    NAT_LAYOUTS,
    PER_AZ_NAT_LAYOUTS,
    Answers,
)
from scaffold.answers.functions import aws_name

PRICE_FILE = "data/prices.json"


@dataclass(frozen=True)
class FixedCharge:
    """An hourly charge of what the project creates."""

    item: str  # what is billed, e.g. "NAT gateway"
    count: int  # how many units are billed each hour
    unit: str  # e.g. "per NAT gateway-hour"
    unit_price: float | None  # None: the price file has no price for it in this region
    hourly: bool = True  # False: unit_price is per month (an EBS volume's GB-month)

    def monthly(self, hours: int) -> float | None:
        if self.unit_price is None:
            return None
        return round(self.count * self.unit_price * (hours if self.hourly else 1), 2)


@dataclass(frozen=True)
class UsageCharge:
    """A charge per use (per GB, per request), named but not guessed."""

    item: str  # e.g. "NAT gateway data processed"
    unit: str  # e.g. "per GB"
    unit_price: float | None


@dataclass(frozen=True)
class CostEstimate:
    """The fixed monthly cost of a set of answers in one region."""

    region: str
    currency: str
    hours_per_month: int
    taken: str | None  # the date the region's prices were taken; None: no prices
    source: str | None
    fixed: tuple[FixedCharge, ...]
    usage: tuple[UsageCharge, ...]
    # Where prices other than the region's own source come from: "what: source, date".
    notes: tuple[str, ...] = ()
    # The functions billed nothing by the hour (requests and duration only).
    unbilled_functions: tuple[str, ...] = ()

    @property
    def priced(self) -> bool:
        return self.taken is not None

    @property
    def monthly_total(self) -> float | None:
        """The fixed monthly total; None when a charge has no price."""
        return monthly_total(self.fixed, self.hours_per_month)


def monthly_total(charges: Iterable[FixedCharge], hours: int) -> float | None:
    """What the charges cost a month together; None when one has no price."""
    totals = [charge.monthly(hours) for charge in charges]
    if any(total is None for total in totals):
        return None
    return round(sum(total for total in totals if total is not None), 2)


@cache
def price_file() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(
        files("scaffold").joinpath(PRICE_FILE).read_text(encoding="utf-8")
    )
    return loaded


# The NAT instances' root volume: the launch template gives each an 8 GB gp3 volume.
NAT_INSTANCE_VOLUME_GB = 8


@dataclass(frozen=True)
class RegionPrices:
    """One region's entry of the price file; every price None where the file has none."""

    entry: dict[str, Any] | None

    def __call__(self, key: str) -> float | None:
        return None if self.entry is None else self.entry.get(key)

    def instance_hour(self, instance_type: str) -> float | None:
        return None if self.entry is None else self.entry.get("ec2_instance_hour", {}).get(instance_type)

    def source_note(self, what: str, key: str) -> str | None:
        """Where the entry's `key` prices come from, when not from the region's own source."""
        if self.entry is None or f"{key}_source" not in self.entry:
            return None
        source = price_file()["sources"][self.entry[f"{key}_source"]]
        taken = self.entry.get(f"{key}_taken")
        return f"{what}: {source}" + (f", taken {taken}" if taken else "")


def by_architecture(price: RegionPrices, key: str, architecture: str) -> float | None:
    found = price(key)
    return found.get(architecture) if isinstance(found, dict) else None


SECONDS_PER_HOUR = 3600


def function_charges(answers: Answers, price: RegionPrices) -> tuple[list[FixedCharge], list[str]]:
    """Each function's hourly charges (Lambda pricing): provisioned concurrency, billed per
    GB-second while configured, used or not; SnapStart's cache of a published version, per
    GB-second while the version is active (at least 3 hours). The functions with neither."""
    functions = [
        (answers.name, answers.memory, answers.architecture, answers.provisioned_concurrency, answers.snapstart),
        *((aws_name(answers.name, f.name), f.memory, f.architecture, f.provisioned_concurrency, f.snapstart)
          for f in answers.functions),
    ]  # fmt: skip
    charges, unbilled = [], []
    for name, memory, architecture, provisioned, snapstart in functions:
        gb_hours = memory / 1024 * SECONDS_PER_HOUR
        if provisioned:
            per_second = by_architecture(price, "lambda_provisioned_gb_second", architecture)
            charges.append(FixedCharge(
                f"provisioned concurrency of {name} ({memory} MB, {architecture})", provisioned,
                "per environment-hour", None if per_second is None else round(per_second * gb_hours, 6),
            ))  # fmt: skip
        if snapstart:
            per_second = price("lambda_snapstart_cache_gb_second")
            charges.append(FixedCharge(
                f"SnapStart cache of the published version of {name} ({memory} MB; each version"
                " kept active is billed)", 1, "per version-hour",
                None if per_second is None else round(per_second * gb_hours, 6),
            ))  # fmt: skip
        if not provisioned and not snapstart:
            unbilled.append(name)
    return charges, unbilled


def region_prices(region: str) -> RegionPrices:
    return RegionPrices(price_file()["regions"].get(region))


def nat_charges(
    nat: str, count: int, instance_type: str | None, price: RegionPrices
) -> list[FixedCharge]:
    """The hourly charges of `count` NAT gateways (nat single or per-az) or NAT instances
    (instance or instance-per-az): one home for the estimate and the egress comparison."""
    if nat in NAT_INSTANCE_LAYOUTS:
        kind = instance_type or NAT_INSTANCE_TYPE_DEFAULT
        return [
            FixedCharge(f"NAT instance ({kind})", count, "per instance-hour", price.instance_hour(kind)),
            FixedCharge(
                "public IPv4 address (the NAT instances' own)",
                count,
                "per address-hour",
                price("public_ipv4_hour"),
            ),
            FixedCharge(
                f"GB of EBS root volume (gp3, {NAT_INSTANCE_VOLUME_GB} GB per NAT instance)",
                count * NAT_INSTANCE_VOLUME_GB,
                "per GB-month",
                price("ebs_gp3_gb_month"),
                hourly=False,
            ),
        ]
    return [
        FixedCharge("NAT gateway", count, "per gateway-hour", price("nat_gateway_hour")),
        FixedCharge(
            "public IPv4 address (the NAT gateways' Elastic IPs)",
            count,
            "per address-hour",
            price("public_ipv4_hour"),
        ),
    ]


def endpoint_charge(services: tuple[str, ...], azs: int, known_azs: bool, price: RegionPrices) -> FixedCharge:
    where = f"{azs} AZs" if known_azs else f"up to {azs} AZs"
    return FixedCharge(
        f"interface endpoint ({', '.join(services)}) in {where}",
        len(services) * azs,
        "per endpoint-AZ-hour",
        price("interface_endpoint_az_hour"),
    )


def cross_az_share(nat: str | None, azs: int) -> float:
    """The part of the traffic that crosses to another AZ on its way out: with one NAT in
    one of `azs` AZs, the traffic of the other AZs' subnets (spread evenly)."""
    if nat not in NAT_LAYOUTS or nat in PER_AZ_NAT_LAYOUTS or azs <= 1:
        return 0.0
    return (azs - 1) / azs


def estimate(answers: Answers) -> CostEstimate:
    prices = price_file()
    price = region_prices(answers.region)
    region = price.entry

    # A new VPC's interface endpoints sit in each AZ; in an existing one, in at most
    # one subnet per AZ of the given subnets.
    endpoint_azs = answers.azs or len(answers.subnet_ids or ())
    fixed = []
    if answers.nat_count and answers.nat:
        fixed += nat_charges(answers.nat, answers.nat_count, answers.nat_instance_type, price)
    if answers.interface_endpoints and endpoint_azs:
        fixed.append(
            endpoint_charge(answers.interface_endpoints, endpoint_azs, bool(answers.azs), price)
        )
    charges, unbilled = function_charges(answers, price)
    fixed += charges
    usage = []
    if answers.nat_gateway_count:
        usage.append(UsageCharge("NAT gateway data processed", "per GB", price("nat_gateway_gb")))
    if answers.nat_count:
        usage.append(
            UsageCharge(
                "data transfer out to the internet (the account's first 100 GB a month are free,"
                " across its services)",
                "per GB",
                price("internet_out_gb"),
            )
        )
        if cross_az_share(answers.nat, answers.azs or 0):
            usage.append(
                UsageCharge(
                    "data transfer between AZs, to the one NAT and back (each way)",
                    "per GB",
                    price("inter_az_gb"),
                )
            )
    if answers.interface_endpoints and endpoint_azs:
        usage.append(
            UsageCharge(
                "interface endpoint data processed", "per GB", price("interface_endpoint_gb")
            )
        )
    if answers.flow_logs:
        usage.append(
            UsageCharge("flow logs delivered to CloudWatch Logs", "per GB", price("flow_logs_gb"))
        )
    usage.append(UsageCharge("function logs ingested", "per GB", price("logs_ingestion_gb")))
    usage.append(
        UsageCharge(
            "logs stored (kept log_retention_days, 365 by default)",
            "per GB-month",
            price("logs_storage_gb_month"),
        )
    )
    usage.append(
        UsageCharge(
            "X-Ray traces recorded (tracing_mode Active, the default; 100,000 free a month)",
            "per million traces",
            price("xray_traces_million"),
        )
    )
    notes = [
        price.source_note(what, key)
        for what, key, wanted in (
            ("EC2 instance prices", "ec2_instance_hour", answers.nat_instance_count),
            ("EBS prices", "ebs_gp3_gb_month", answers.nat_instance_count),
            ("data transfer prices", "data_transfer", answers.nat_count),
            ("X-Ray prices", "xray_traces_million", True),
            ("Lambda provisioned concurrency prices", "lambda_provisioned_gb_second", any("provisioned" in c.item for c in charges)),
            ("SnapStart prices", "lambda_snapstart_cache_gb_second", any("SnapStart" in c.item for c in charges)),
        )
        if wanted
    ]
    return CostEstimate(
        region=answers.region,
        currency=prices["currency"],
        hours_per_month=prices["hours_per_month"],
        taken=None if region is None else region["taken"],
        source=None if region is None else prices["sources"][region["source"]],
        fixed=tuple(fixed),
        usage=tuple(usage),
        notes=tuple(note for note in notes if note),
        unbilled_functions=tuple(unbilled),
    )


def money(amount: float | None, currency: str = "USD") -> str:
    if amount is None:
        return "no price on file"
    return f"${amount:,.2f}" if currency == "USD" else f"{amount:,.2f} {currency}"


def unit_money(amount: float) -> str:
    """A unit price as AWS writes it: cents always, more digits where the price has them
    (never in exponent notation)."""
    if round(amount, 2) == amount:
        return f"${amount:.2f}"
    return "$" + f"{amount:.10f}".rstrip("0")


def summary(cost: CostEstimate) -> str:
    """One line: the fixed monthly total and where the prices come from."""
    if not cost.fixed:
        return f"$0.00 a month: nothing here is billed by the hour (region {cost.region})"
    if not cost.priced:
        items = ", ".join(f"{charge.count} x {charge.item}" for charge in cost.fixed)
        return f"no prices on file for {cost.region}: {items} billed hourly"
    if cost.monthly_total is None:
        missing = ", ".join(c.item for c in cost.fixed if c.unit_price is None)
        return f"not known: no price on file in {cost.region} for {missing}"
    return (
        f"{money(cost.monthly_total, cost.currency)} a month in {cost.region}"
        f" at prices taken {cost.taken} ({cost.hours_per_month} h a month)"
    )


def lines(cost: CostEstimate) -> list[str]:
    """The estimate as text lines, for --dry-run and the wizard's summary."""
    found = [f"Fixed cost: {summary(cost)}"]
    unpriced = f"no price on file for {cost.region}"
    for charge in cost.fixed:
        if charge.unit_price is None:
            found.append(f"  {charge.count} x {charge.item}: billed {charge.unit}; {unpriced}")
            continue
        found.append(
            f"  {charge.count} x {charge.item}: {unit_money(charge.unit_price)} {charge.unit}"
            f" = {money(charge.monthly(cost.hours_per_month), cost.currency)} a month"
        )
    for usage in cost.usage:
        price = (
            f"billed {usage.unit}; {unpriced}"
            if usage.unit_price is None
            else f"{unit_money(usage.unit_price)} {usage.unit}"
        )
        found.append(f"  plus {usage.item}: {price}")
    if cost.unbilled_functions:
        names = ", ".join(cost.unbilled_functions)
        found.append(f"  {names}: nothing by the hour")
    found.append("  plus Lambda requests and duration (see https://aws.amazon.com/lambda/pricing/)")
    found += [f"  ({note})" for note in cost.notes]
    return found
