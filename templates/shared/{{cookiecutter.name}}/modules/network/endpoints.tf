locals {
  # AWS accepts one subnet per Availability Zone on an interface endpoint
  # (DuplicateSubnetsInSameZone): the first of the function's subnets in each zone.
  endpoint_subnet_ids = [
    for zone, ids in { for subnet in local.private_subnets : subnet.availability_zone => subnet.id... } : ids[0]
  ]
  # Per gateway service, the route tables given that already route it through an endpoint
  # that is not this project's.
  gateway_routes_taken = {
    for service in var.gateway_endpoints : service => [
      for route in local.gateway_routes_in_the_way :
      "Route table ${route.route_table_id} already has a gateway endpoint for ${service}, not this project's: the target of its route to ${route.prefix_list_id} (aws ec2 describe-route-tables --route-table-ids ${route.route_table_id})." if route.service == service
    ]
  }
}

# S3's and DynamoDB's AWS-managed prefix lists, by name: the function's egress to them is the
# same whoever owns the gateway endpoint that routes them (this project, or the VPC already).
# https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html
data "aws_prefix_list" "gateway" {
  for_each = toset(local.gateway_services)

  name = "com.amazonaws.${var.region}.${each.key}"
}

resource "aws_vpc_endpoint" "gateway" {
  for_each = toset(var.gateway_endpoints)

  vpc_id            = local.vpc_id
  service_name      = "com.amazonaws.${var.region}.${each.key}"
  vpc_endpoint_type = "Gateway"
  # Private route tables only: public subnets reach these services through the internet gateway.
  route_table_ids = local.private_route_table_ids
  policy          = lookup(var.gateway_endpoint_policies, each.key, null)

  tags = merge({ Name = "${var.name}-${each.key}" }, var.tags)

  lifecycle {
    # AWS refuses a second endpoint route to one service in a route table.
    precondition {
      condition     = length(local.gateway_routes_taken[each.key]) == 0
      error_message = "${join(" ", local.gateway_routes_taken[each.key])} AWS refuses a second one on the same route table. Remove ${each.key} from gateway_endpoints: the function still reaches ${each.key} through that endpoint (its egress to the ${each.key} prefix list stays)."
    }
  }
}

resource "aws_security_group" "endpoints" {
  count = length(var.interface_endpoints) > 0 ? 1 : 0

  name_prefix = "${var.name}-endpoints-"
  description = "Interface endpoints of ${var.name}: HTTPS from inside the VPC"
  vpc_id      = local.vpc_id

  ingress {
    # Private DNS sends every caller in the VPC to these endpoints, not only the function.
    description = "HTTPS from the VPC"
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = local.vpc_cidrs
  }

  tags = merge({ Name = "${var.name}-endpoints" }, var.tags)

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_endpoint" "interface" {
  for_each = toset(var.interface_endpoints)

  vpc_id              = local.vpc_id
  service_name        = "com.amazonaws.${var.region}.${each.key}"
  vpc_endpoint_type   = "Interface"
  private_dns_enabled = true
  subnet_ids          = local.endpoint_subnet_ids
  security_group_ids  = [aws_security_group.endpoints[0].id]

  tags = merge({ Name = "${var.name}-${each.key}" }, var.tags)
}
