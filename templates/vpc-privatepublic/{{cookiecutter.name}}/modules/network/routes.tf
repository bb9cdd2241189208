locals {
  # A private subnet routes through the NAT (gateway or instance) in its own AZ, or
  # through the first one when its AZ has none (the single-NAT layout).
  nat_key_of              = { for key in keys(var.private_subnets) : key => contains(keys(var.public_subnets), key) ? key : sort(keys(var.public_subnets))[0] }
  private_route_table_ids = [for table in aws_route_table.private : table.id]
  internet_egress         = true
  ipv6_internet_egress    = var.enable_ipv6
}

resource "aws_subnet" "public" {
  for_each = var.public_subnets

  vpc_id            = aws_vpc.this.id
  cidr_block        = each.value
  ipv6_cidr_block   = var.enable_ipv6 ? cidrsubnet(aws_vpc.this.ipv6_cidr_block, 8, 128 + local.ipv6_netnums[each.key]) : null
  availability_zone = local.az_names[each.key]
  # Only NAT lives here: a gateway takes its address from an Elastic IP, an instance its
  # own from its launch template.
  map_public_ip_on_launch = false

  tags = merge({ Name = "${var.name}-public-${each.key}", Tier = "public" }, var.tags)
}

resource "aws_internet_gateway" "this" {
  vpc_id = aws_vpc.this.id

  tags = merge({ Name = var.name }, var.tags)
}

resource "aws_route_table" "public" {
  vpc_id = aws_vpc.this.id

  tags = merge({ Name = "${var.name}-public" }, var.tags)
}

resource "aws_route" "public_internet" {
  route_table_id         = aws_route_table.public.id
  destination_cidr_block = "0.0.0.0/0"
  gateway_id             = aws_internet_gateway.this.id
}

resource "aws_route" "public_internet_ipv6" {
  count = var.enable_ipv6 ? 1 : 0

  route_table_id              = aws_route_table.public.id
  destination_ipv6_cidr_block = "::/0"
  gateway_id                  = aws_internet_gateway.this.id
}

resource "aws_route_table_association" "public" {
  for_each = aws_subnet.public

  subnet_id      = each.value.id
  route_table_id = aws_route_table.public.id
}

{% if cookiecutter.nat_type == "gateway" %}
resource "aws_eip" "nat" {
  for_each = var.public_subnets

  domain = "vpc"

  tags = merge({ Name = "${var.name}-nat-${each.key}" }, var.tags)

  depends_on = [aws_internet_gateway.this]
}

resource "aws_nat_gateway" "this" {
  # Keyed by the variable, as the Elastic IPs are: the same keys as aws_subnet.public, and
  # a for_each checkov's graph expands alike for both, so it sees each EIP's gateway.
  for_each = var.public_subnets

  allocation_id = aws_eip.nat[each.key].id
  subnet_id     = aws_subnet.public[each.key].id

  tags = merge({ Name = "${var.name}-${each.key}" }, var.tags)

  depends_on = [aws_internet_gateway.this]
}

{% endif %}
# One private route table per NAT gateway or instance.
resource "aws_route_table" "private" {
  for_each = var.public_subnets

  vpc_id = aws_vpc.this.id

  tags = merge({ Name = "${var.name}-private-${each.key}" }, var.tags)
}

resource "aws_route" "private_nat" {
  for_each = var.public_subnets

  route_table_id         = aws_route_table.private[each.key].id
  destination_cidr_block = "0.0.0.0/0"
{% if cookiecutter.nat_type == "instance" %}
  network_interface_id   = aws_network_interface.nat_instance[each.key].id
{% else %}
  nat_gateway_id         = aws_nat_gateway.this[each.key].id
{% endif %}
}

# IPv6 needs no NAT: an egress-only internet gateway lets the private subnets out,
# and nothing in, and costs nothing per hour.
resource "aws_egress_only_internet_gateway" "this" {
  count = var.enable_ipv6 ? 1 : 0

  vpc_id = aws_vpc.this.id

  tags = merge({ Name = var.name }, var.tags)
}

resource "aws_route" "private_ipv6_egress" {
  for_each = { for key, table in aws_route_table.private : key => table.id if var.enable_ipv6 }

  route_table_id              = each.value
  destination_ipv6_cidr_block = "::/0"
  egress_only_gateway_id      = aws_egress_only_internet_gateway.this[0].id
}

resource "aws_route_table_association" "private" {
  for_each = aws_subnet.private

  subnet_id      = each.value.id
  route_table_id = aws_route_table.private[local.nat_key_of[each.key]].id
}
