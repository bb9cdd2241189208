locals {
  # AWS accepts one subnet per Availability Zone on an interface endpoint
  # (DuplicateSubnetsInSameZone): the first of the function's subnets in each zone.
  endpoint_subnet_ids = [
    for zone, ids in { for subnet in local.private_subnets : subnet.availability_zone => subnet.id... } : ids[0]
  ]
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
{% if cookiecutter.topology == "existing" %}

  # Its routes claimed first: a route table another endpoint routes fails the plan.
  depends_on = [terraform_data.gateway_route]
{% endif %}
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

# An interface endpoint service is offered in some zones of a region, not always all
# (AWS Knowledge Center, "interface-endpoint-availability-zone"), and AWS refuses an endpoint subnet in
# another ("The VPC endpoint service ... does not support the availability zone of the
# subnet"): the zones each one offers, read at plan.
data "aws_vpc_endpoint_service" "interface" {
  for_each = toset(var.interface_endpoints)

  service_name = "com.amazonaws.${var.region}.${each.key}"
  service_type = "Interface"
}

resource "aws_vpc_endpoint" "interface" {
  for_each = toset(var.interface_endpoints)

  vpc_id            = local.vpc_id
  service_name      = "com.amazonaws.${var.region}.${each.key}"
  vpc_endpoint_type = "Interface"
  # The SDK reaches a service by its regular name only through private DNS. execute-api is
  # the exception the user chooses: on, it answers for every public API's name too (403).
  private_dns_enabled = each.key != "execute-api" || var.execute_api_private_dns
  subnet_ids          = local.endpoint_subnet_ids
  security_group_ids  = [aws_security_group.endpoints[0].id]

  tags = merge({ Name = "${var.name}-${each.key}" }, var.tags)

  lifecycle {
    precondition {
      condition     = alltrue([for subnet in local.private_subnets : contains(data.aws_vpc_endpoint_service.interface[each.key].availability_zones, subnet.availability_zone)])
      error_message = "The VPC endpoint service ${data.aws_vpc_endpoint_service.interface[each.key].service_name} does not support the availability zone ${join(", ", distinct([for subnet in local.private_subnets : "${subnet.availability_zone} (${lookup(local.zone_ids_by_name, subnet.availability_zone, "")})" if !contains(data.aws_vpc_endpoint_service.interface[each.key].availability_zones, subnet.availability_zone)]))} of the function's subnets; it is offered in ${join(", ", sort(data.aws_vpc_endpoint_service.interface[each.key].availability_zones))}. {{ "Use subnets in zones it is offered in" if cookiecutter.topology == "existing" else "Pin zones that every interface endpoint service offers (availability_zones, or vpc-lambda-new update --zones)" }}, or leave ${each.key} out of interface_endpoints."
    }
  }
}
