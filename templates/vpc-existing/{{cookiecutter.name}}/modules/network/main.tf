# The network exists already: it is looked up, never created, and checked at
# plan time against the Lambda VPC guide, so a wrong id fails before apply.

data "aws_vpc" "this" {
  id = var.vpc_id

  lifecycle {
    postcondition {
      condition     = self.instance_tenancy == "default"
      error_message = "VPC ${var.vpc_id} has ${self.instance_tenancy} instance tenancy, and Lambda cannot attach to a dedicated-tenancy VPC. Peer it with a default-tenancy VPC and attach the function there."
    }
    postcondition {
      condition     = length(var.interface_endpoints) == 0 || (self.enable_dns_support && self.enable_dns_hostnames)
      error_message = "VPC ${var.vpc_id} has DNS support or DNS hostnames turned off, and interface endpoints with private DNS need both: turn on enableDnsSupport and enableDnsHostnames (aws ec2 modify-vpc-attribute), or remove the interface endpoints."
    }
  }
}

data "aws_subnet" "selected" {
  for_each = toset(var.subnet_ids)

  id = each.key

  lifecycle {
    postcondition {
      condition     = self.vpc_id == var.vpc_id
      error_message = "Subnet ${self.id} belongs to ${self.vpc_id}, not to ${var.vpc_id}; list only subnets of the function's VPC."
    }
    postcondition {
      condition     = !var.enable_ipv6 || coalesce(self.ipv6_cidr_block, "none") != "none"
      error_message = "Subnet ${self.id} has no IPv6 CIDR block, and a dual-stack function needs one in every subnet: associate an IPv6 block with it, or generate the project without --ipv6."
    }
  }
}

# A VPC may have up to five IPv6 blocks, and its subnets draw from any of them, but
# data.aws_vpc reads only the first: the blocks of every subnet of the VPC (outside that
# first one) stand for the others in the function's egress.
data "aws_subnets" "of_vpc" {
  count = var.enable_ipv6 ? 1 : 0

  filter {
    name   = "vpc-id"
    values = [var.vpc_id]
  }
}

data "aws_subnet" "of_vpc" {
  for_each = toset(var.enable_ipv6 ? data.aws_subnets.of_vpc[0].ids : [])

  id = each.key
}

data "aws_route_table" "main" {
  vpc_id = var.vpc_id

  filter {
    name   = "association.main"
    values = ["true"]
  }

  lifecycle {
    precondition {
      condition     = length(distinct([for subnet in data.aws_subnet.selected : subnet.availability_zone])) >= 2
      error_message = "The subnets lie in fewer than two availability zones; give subnets in at least two AZs so the function survives an AZ outage."
    }
  }
}

data "aws_route_tables" "explicit" {
  for_each = toset(var.subnet_ids)

  vpc_id = var.vpc_id

  filter {
    name   = "association.subnet-id"
    values = [each.key]
  }
}

data "aws_route_table" "of_subnet" {
  for_each = toset(var.subnet_ids)

  # A subnet without a route table of its own uses the VPC's main one.
  route_table_id = try(data.aws_route_tables.explicit[each.key].ids[0], data.aws_route_table.main.id)

  lifecycle {
    postcondition {
      # IPv4 and IPv6 apart: an IPv4 route to an internet gateway makes a subnet public,
      # while ::/0 to an internet gateway is IPv6 internet access, as an egress-only
      # gateway gives (judged with ipv6_internet_egress below).
      condition     = !anytrue([for route in self.routes : startswith(route.gateway_id, "igw-") && route.cidr_block != ""])
      error_message = "Subnet ${each.key} is public: its route table ${self.id} routes IPv4 to an internet gateway. A public subnet gives a Lambda function neither internet access nor a public IP; use private subnets, with a route to a NAT gateway if the function needs the internet."
    }
    postcondition {
      condition     = length(var.gateway_endpoints) == 0 || contains(var.route_table_ids, self.id)
      error_message = "Subnet ${each.key} uses route table ${self.id}, which is not in route_table_ids: the gateway endpoints would not serve it. List the route tables of every subnet."
    }
  }
}

data "aws_route_table" "given" {
  for_each = toset(var.route_table_ids)

  route_table_id = each.key

  lifecycle {
    postcondition {
      condition     = contains([for table in data.aws_route_table.of_subnet : table.id], self.id)
      error_message = "Route table ${self.id} is not the route table of any of the subnets ${join(", ", var.subnet_ids)}; gateway endpoints on it would not serve the function. List only those subnets' route tables."
    }
  }
}

locals {
  routes_to_nat = [
    for table in data.aws_route_table.of_subnet : anytrue([for route in table.routes : route.nat_gateway_id != ""])
  ]
}

# Warnings, not errors: a function without internet can still be right.
check "internet_access" {
  assert {
    condition     = anytrue(local.routes_to_nat) || var.internet_egress == true
    error_message = "No subnet of the function routes to a NAT gateway: the function will have no internet access, so everything it calls must be inside the VPC or behind a VPC endpoint."
  }

  assert {
    condition = !anytrue([
      for table in data.aws_route_table.of_subnet : anytrue([for route in table.routes : startswith(route.gateway_id, "igw-") && route.ipv6_cidr_block != ""])
    ])
    error_message = "A subnet of the function routes IPv6 to an internet gateway: the function reaches the IPv6 internet, and IPv6 from the internet reaches the subnet (the function's security group admits nothing inbound). An egress-only internet gateway lets it out only."
  }

  assert {
    condition     = alltrue(local.routes_to_nat) || !anytrue(local.routes_to_nat)
    error_message = "Only some subnets of the function route to a NAT gateway: invocations that run in the others have no internet access."
  }
}

locals {
  vpc_id = data.aws_vpc.this.id
  # The primary block and every secondary one: the function's own subnets may lie in either.
  vpc_cidrs = [
    for association in data.aws_vpc.this.cidr_block_associations : association.cidr_block if association.state == "associated"
  ]
  # The VPC's first IPv6 block, then the block of each of its subnets that lies in another
  # (a subnet's block, cut to the first block's length, is that block when it lies inside).
  vpc_first_ipv6_cidr = coalesce(data.aws_vpc.this.ipv6_cidr_block, "none")
  vpc_other_ipv6_cidrs = distinct([
    for subnet in data.aws_subnet.of_vpc : subnet.ipv6_cidr_block
    if coalesce(subnet.ipv6_cidr_block, "none") != "none" && try(
      cidrsubnet("${cidrhost(subnet.ipv6_cidr_block, 0)}/${split("/", local.vpc_first_ipv6_cidr)[1]}", 0, 0) != cidrsubnet(local.vpc_first_ipv6_cidr, 0, 0),
      true
    )
  ])
  vpc_ipv6_cidrs = var.enable_ipv6 ? concat(
    local.vpc_first_ipv6_cidr != "none" ? [local.vpc_first_ipv6_cidr] : [],
    sort(local.vpc_other_ipv6_cidrs),
  ) : []
  private_subnets         = [for id in var.subnet_ids : data.aws_subnet.selected[id]]
  zone_ids_by_name        = zipmap([for id in var.subnet_ids : data.aws_subnet.selected[id].availability_zone], [for id in var.subnet_ids : data.aws_subnet.selected[id].availability_zone_id])
  private_route_table_ids = var.route_table_ids
  internet_egress         = coalesce(var.internet_egress, anytrue(local.routes_to_nat))
  ipv6_internet_egress = var.enable_ipv6 && anytrue([
    for table in data.aws_route_table.of_subnet : anytrue([
      for route in table.routes : route.ipv6_cidr_block == "::/0" && (route.egress_only_gateway_id != "" || startswith(route.gateway_id, "igw-"))
    ])
  ])
}
