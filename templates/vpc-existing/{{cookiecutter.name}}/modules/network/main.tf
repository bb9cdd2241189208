# The network exists already: it is looked up, never created, and checked at
# plan time against the Lambda VPC guide, so a wrong id fails before apply.

data "aws_vpc" "this" {
  id = var.vpc_id

  lifecycle {
    postcondition {
      condition     = self.instance_tenancy == "default"
      error_message = "VPC ${var.vpc_id} has ${self.instance_tenancy} instance tenancy, and Lambda cannot attach to a dedicated-tenancy VPC. Peer it with a default-tenancy VPC and attach the function there."
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
  }
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
      condition     = !anytrue([for route in self.routes : route.cidr_block == "0.0.0.0/0" && startswith(route.gateway_id, "igw-")])
      error_message = "Subnet ${each.key} is public: its route table sends 0.0.0.0/0 to an internet gateway. A public subnet gives a Lambda function neither internet access nor a public IP; use private subnets, with a route to a NAT gateway if the function needs the internet."
    }
  }
}

# A warning, not an error: a function without internet can still be right.
check "internet_access" {
  assert {
    condition     = anytrue([for table in data.aws_route_table.of_subnet : anytrue([for route in table.routes : route.cidr_block == "0.0.0.0/0" && route.nat_gateway_id != ""])])
    error_message = "No subnet of the function routes 0.0.0.0/0 to a NAT gateway: the function will have no internet access, so everything it calls must be inside the VPC or behind a VPC endpoint."
  }
}

locals {
  vpc_id                  = data.aws_vpc.this.id
  vpc_cidr                = data.aws_vpc.this.cidr_block
  private_subnet_ids      = [for id in var.subnet_ids : data.aws_subnet.selected[id].id]
  private_route_table_ids = var.route_table_ids
}
