"""What the answers cost before anything is created: the fixed monthly charges.

Prices come from one data file, `scaffold/data/prices.json`, with their source
and the date they were taken. Hourly charges (NAT gateways, public IPv4
addresses, interface endpoints per AZ) make the fixed monthly figure; per-GB
charges are named with their unit price, never guessed. A region the file has
no prices for says so.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

from scaffold.answers import Answers

PRICE_FILE = "data/prices.json"


@dataclass(frozen=True)
class FixedCharge:
    """An hourly charge of what the project creates."""

    item: str  # what is billed, e.g. "NAT gateway"
    count: int  # how many units are billed each hour
    unit: str  # e.g. "per NAT gateway-hour"
    unit_price: float | None  # None: the price file has no price for it in this region

    def monthly(self, hours: int) -> float | None:
        return None if self.unit_price is None else round(self.count * self.unit_price * hours, 2)


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

    @property
    def priced(self) -> bool:
        return self.taken is not None

    @property
    def monthly_total(self) -> float | None:
        """The fixed monthly total; None when a charge has no price."""
        totals = [charge.monthly(self.hours_per_month) for charge in self.fixed]
        if any(total is None for total in totals):
            return None
        return round(sum(total for total in totals if total is not None), 2)


@cache
def price_file() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(
        files("scaffold").joinpath(PRICE_FILE).read_text(encoding="utf-8")
    )
    return loaded


def estimate(answers: Answers) -> CostEstimate:
    prices = price_file()
    region = prices["regions"].get(answers.region)

    def price(key: str) -> float | None:
        return None if region is None else region.get(key)

    nat_gateways = answers.nat_gateway_count
    # A new VPC's interface endpoints sit in each AZ; in an existing one, in at most
    # one subnet per AZ of the given subnets.
    endpoint_azs = answers.azs or len(answers.subnet_ids or ())
    endpoint_hours = len(answers.interface_endpoints) * endpoint_azs
    fixed = []
    if nat_gateways:
        fixed.append(
            FixedCharge("NAT gateway", nat_gateways, "per gateway-hour", price("nat_gateway_hour"))
        )
        fixed.append(
            FixedCharge(
                "public IPv4 address (the NAT gateways' Elastic IPs)",
                nat_gateways,
                "per address-hour",
                price("public_ipv4_hour"),
            )
        )
    if endpoint_hours:
        where = f"{endpoint_azs} AZs" if answers.azs else f"up to {endpoint_azs} AZs"
        fixed.append(
            FixedCharge(
                f"interface endpoint ({', '.join(answers.interface_endpoints)}) in {where}",
                endpoint_hours,
                "per endpoint-AZ-hour",
                price("interface_endpoint_az_hour"),
            )
        )
    usage = []
    if nat_gateways:
        usage.append(UsageCharge("NAT gateway data processed", "per GB", price("nat_gateway_gb")))
    if endpoint_hours:
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
    return CostEstimate(
        region=answers.region,
        currency=prices["currency"],
        hours_per_month=prices["hours_per_month"],
        taken=None if region is None else region["taken"],
        source=None if region is None else prices["sources"][region["source"]],
        fixed=tuple(fixed),
        usage=tuple(usage),
    )


def money(amount: float | None, currency: str = "USD") -> str:
    if amount is None:
        return "no price on file"
    return f"${amount:,.2f}" if currency == "USD" else f"{amount:,.2f} {currency}"


def unit_money(amount: float) -> str:
    """A unit price as AWS writes it: cents always, more digits where the price has them."""
    return f"${amount:.2f}" if round(amount, 2) == amount else f"${amount:g}"


def summary(cost: CostEstimate) -> str:
    """One line: the fixed monthly total and where the prices come from."""
    if not cost.fixed:
        return f"$0.00 a month: nothing here is billed by the hour (region {cost.region})"
    if not cost.priced:
        items = ", ".join(f"{charge.count} x {charge.item}" for charge in cost.fixed)
        return f"no prices on file for {cost.region}: {items} billed hourly"
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
    found.append("  plus Lambda requests and duration (see https://aws.amazon.com/lambda/pricing/)")
    return found
