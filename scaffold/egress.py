"""What each way out of the VPC costs for the user's own traffic (--egress-gb).

For the traffic the functions send out each month, and the answers' AZs and region, each
way out: NAT gateways (one, or one per AZ), NAT instances (the same), interface endpoints
instead of NAT for AWS services, and IPv6 through the egress-only internet gateway. Each
has a fixed monthly cost (the hourly charges of `scaffold.costs`, the one home of those)
and a cost per GB; the comparison gives each total, the cheapest, and the break-even
points: the traffic at which the cheapest way changes.

Two destinations are priced apart, because AWS bills them apart: the internet (data
transfer out applies) and AWS services in the region (no data transfer out; interface
endpoints can replace NAT for them). Replies (data in) are not counted: internet data in
is free, and NAT processing and cross-AZ transfer of replies add the same rates per GB.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from scaffold import costs
from scaffold.answers import (
    NAT_INSTANCE_LAYOUTS,
    NAT_INSTANCE_TYPE_DEFAULT,
    PER_AZ_NAT_LAYOUTS,
    Answers,
)
from scaffold.costs import (
    FixedCharge,
    RegionPrices,
    cross_az_share,
    endpoint_charge,
    money,
    monthly_total,
    nat_charges,
    price_file,
    region_prices,
    unit_money,
)

INTERNET = "the internet"
AWS_SERVICES = "AWS services in the region"


@dataclass(frozen=True)
class PerGb:
    """One part of a way out's cost per GB."""

    item: str
    unit_price: float | None  # None: no price on file
    share: float = 1.0  # the part of the traffic it applies to

    @property
    def per_gb(self) -> float | None:
        return None if self.unit_price is None else self.unit_price * self.share


@dataclass(frozen=True)
class WayOut:
    key: str  # a --nat value, "endpoints" or "ipv6"
    label: str
    survives_az_outage: bool
    fixed: tuple[FixedCharge, ...]
    per_gb_parts: tuple[PerGb, ...]
    note: str = ""
    # False: shown, but not a way for these answers (IPv6 without --ipv6)
    usable: bool = True

    def fixed_monthly(self, hours: int) -> float | None:
        return monthly_total(self.fixed, hours)

    @property
    def per_gb(self) -> float | None:
        parts = [part.per_gb for part in self.per_gb_parts]
        if any(part is None for part in parts):
            return None
        return sum(part for part in parts if part is not None)

    def total(self, gb: float, hours: int) -> float | None:
        fixed, per_gb = self.fixed_monthly(hours), self.per_gb
        if fixed is None or per_gb is None:
            return None
        return round(fixed + per_gb * gb, 2)


@dataclass(frozen=True)
class Comparison:
    destination: str
    gb: int
    region: str
    azs: int
    hours: int
    ways: tuple[WayOut, ...]
    chosen: str | None  # the answers' --nat; None without NAT

    @property
    def priced(self) -> tuple[WayOut, ...]:
        return tuple(way for way in self.ways if way.total(self.gb, self.hours) is not None)

    def unpriced(self) -> tuple[WayOut, ...]:
        """The usable ways the price file cannot total: left out of the comparison."""
        return tuple(way for way in self.ways if way.usable and way not in self.priced)

    def eligible(self) -> tuple[WayOut, ...]:
        """The ways as available as the chosen one: with NAT per AZ, only ways that survive
        an AZ outage; otherwise every way."""
        chosen = next((way for way in self.ways if way.key == self.chosen), None)
        usable = tuple(way for way in self.priced if way.usable)
        if chosen is None or not chosen.survives_az_outage:
            return usable
        return tuple(way for way in usable if way.survives_az_outage)

    def cheapest(self) -> WayOut | None:
        """The cheapest at the chosen availability (ties: the first listed)."""
        ways = self.eligible()
        return min(ways, key=lambda way: way.total(self.gb, self.hours) or 0.0) if ways else None

    def break_evens(self) -> list[tuple[float, WayOut, WayOut]]:
        """(GB a month, cheaper below, cheaper from there) wherever the cheapest way at the
        chosen availability changes as the traffic grows from 0."""
        return lower_envelope(self.eligible(), self.hours)


def lower_envelope(ways: Sequence[WayOut], hours: int) -> list[tuple[float, WayOut, WayOut]]:
    """The points where the cheapest of these lines (fixed + per_gb x GB) changes."""
    lines = [(way.fixed_monthly(hours), way.per_gb, way) for way in ways]
    known = [(f, g, way) for f, g, way in lines if f is not None and g is not None]
    if not known:
        return []
    # Start at 0 GB with the lowest fixed cost (then the lowest per GB), and follow the
    # line that first undercuts the current one.
    fixed, per_gb, current = min(known, key=lambda line: (line[0], line[1]))
    at = 0.0
    found: list[tuple[float, WayOut, WayOut]] = []
    while True:
        crossings = [
            ((f - fixed) / (per_gb - g), g, way)
            for f, g, way in known
            if g < per_gb and (f - fixed) / (per_gb - g) >= at
        ]
        if not crossings:
            return found
        point, slope, way = min(crossings, key=lambda item: (item[0], item[1]))
        next_fixed = next(f for f, _, w in known if w is way)
        found.append((point, current, way))
        fixed, per_gb, current, at = next_fixed, slope, way, point


def compare(answers: Answers) -> tuple[Comparison, Comparison] | None:
    """Both comparisons for the answers; None for an existing VPC (its ways out are not
    the project's) or when no traffic was given."""
    if answers.azs is None or answers.egress_gb is None:
        return None
    price = region_prices(answers.region)
    hours: int = price_file()["hours_per_month"]
    azs = answers.azs
    chosen = answers.nat if answers.topology == "private-nat" else None
    instance_type = answers.nat_instance_type or NAT_INSTANCE_TYPE_DEFAULT
    services = answers.interface_endpoints or ("one service",)
    found = []
    for destination in (INTERNET, AWS_SERVICES):
        ways = [
            nat_way(nat, azs, instance_type, price, destination)
            for nat in ("single", "per-az", "instance", "instance-per-az")
        ]
        if destination == AWS_SERVICES:
            ways.append(
                WayOut(
                    "endpoints",
                    f"interface endpoints ({', '.join(services)}) instead of NAT",
                    True,
                    (endpoint_charge(services, azs, True, price),),
                    (PerGb("interface endpoint data processed", price("interface_endpoint_gb")),),
                    note="only for the services with an endpoint; S3 and DynamoDB have free"
                    " gateway endpoints",
                )
            )
        else:
            ways.append(
                WayOut(
                    "ipv6",
                    "IPv6 through the egress-only internet gateway",
                    True,
                    (),
                    (PerGb("data transfer out to the internet", price("internet_out_gb")),),
                    note="only to destinations that have IPv6 addresses"
                    + ("" if answers.ipv6 else "; needs --ipv6, so not compared"),
                    usable=answers.ipv6,
                )
            )
        found.append(
            Comparison(
                destination, answers.egress_gb, answers.region, azs, hours, tuple(ways), chosen
            )
        )
    return found[0], found[1]


NAT_LABELS = {
    "single": "NAT gateway, one",
    "per-az": "NAT gateway per AZ",
    "instance": "NAT instance, one",
    "instance-per-az": "NAT instance per AZ",
}


def nat_way(
    nat: str, azs: int, instance_type: str, price: RegionPrices, destination: str
) -> WayOut:
    per_az = nat in PER_AZ_NAT_LAYOUTS
    instances = nat in NAT_INSTANCE_LAYOUTS
    parts = []
    if not instances:
        parts.append(PerGb("NAT gateway data processed", price("nat_gateway_gb")))
    if destination == INTERNET:
        parts.append(PerGb("data transfer out to the internet", price("internet_out_gb")))
    # To AWS services in the region: no data transfer out (S3, DynamoDB, SQS, SNS and the
    # other services AWS lists as free to reach in the same region).
    share = cross_az_share(nat, azs)
    if share:
        # Billed on both sides of the crossing: out of one AZ and into the other.
        parts.append(
            PerGb("data transfer between AZs (both sides)", price("inter_az_gb"), 2 * share)
        )
    label = NAT_LABELS[nat]
    if instances:
        label += f" ({instance_type})"
    return WayOut(
        nat,
        label,
        per_az,
        tuple(nat_charges(nat, azs if per_az else 1, instance_type, price)),
        tuple(parts),
        note="egress pauses while a failed instance is replaced"
        if instances
        else "",
    )


def table(comparison: Comparison) -> list[str]:
    """The comparison as text lines, for --dry-run, the wizard's summary and the README."""
    hours = comparison.hours
    head = (
        f"Ways out for {comparison.gb:,} GB a month to {comparison.destination}"
        f" ({comparison.region}, {comparison.azs} AZs):"
    )
    found = [head]
    cheapest = comparison.cheapest()
    for way in comparison.ways:
        fixed, per_gb = way.fixed_monthly(hours), way.per_gb
        total = way.total(comparison.gb, hours)
        marks = [
            *(["chosen"] if way.key == comparison.chosen else []),
            *(["cheapest"] if cheapest is not None and way is cheapest else []),
        ]
        shown_per_gb = "?" if per_gb is None else unit_money(round(per_gb, 4))
        found.append(
            f"  {way.label}: {money(fixed)} + {shown_per_gb} per GB = {money(total)} a month"
            + (f" [{', '.join(marks)}]" if marks else "")
            + ("" if way.usable else f" ({way.note})")
        )
    for point, below, above in comparison.break_evens():
        found.append(
            f"  break-even at {point:,.0f} GB a month: {below.label} below, {above.label} above"
        )
    if not comparison.priced:
        found.append(f"  no prices on file for {comparison.region} to compare")
    elif comparison.unpriced():
        missing = ", ".join(way.label for way in comparison.unpriced())
        found.append(f"  no price on file for {missing}: the cheapest is of the others")
    return found


def lines(answers: Answers) -> list[str]:
    both = compare(answers)
    if both is None:
        return []
    return [line for comparison in both for line in table(comparison)]


def cost_lines(answers: Answers) -> list[str]:
    """The fixed cost and, for a new VPC, the comparison of the ways out: what --dry-run
    and the wizard's summary show."""
    return [*costs.lines(costs.estimate(answers)), *lines(answers)]


def headline(answers: Answers) -> str | None:
    """One line after generation: the cheapest way out to the internet for the answered
    traffic, against the chosen one; None without a comparison or prices."""
    both = compare(answers)
    if both is None or answers.topology != "private-nat":
        return None  # topology private has no way out to compare it with
    internet = both[0]
    cheapest = internet.cheapest()
    if cheapest is None:
        return None
    total = money(cheapest.total(internet.gb, internet.hours))
    found = f"Cheapest way out for {internet.gb:,} GB a month to the internet: {cheapest.label}, {total} a month"
    if internet.unpriced():
        found += " (of the ways with prices on file)"
    chosen = next((way for way in internet.ways if way.key == internet.chosen), None)
    if chosen is not None and chosen is not cheapest:
        found += f"; chosen: {chosen.label}, {money(chosen.total(internet.gb, internet.hours))}"
    return found + " (README.md: Costs)"
