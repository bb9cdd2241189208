# S3 and DynamoDB gateway endpoints in a VPC this project does not own.
#
# A gateway endpoint is a route in each of its route tables, to the service's prefix
# list, and a route table holds one route per destination: AWS refuses a second endpoint
# for a service on a route table that already routes it ("route table ... already has a
# route with destination-prefix-list-id"; VPC User Guide, "Gateway endpoints"). Both read
# at plan: each service's prefix list, and which of the subnets' route tables route it.
data "aws_prefix_list" "gateway" {
  for_each = toset(["dynamodb", "s3"])

  name = "com.amazonaws.${var.region}.${each.key}"
}

data "aws_route_tables" "routing_gateway_service" {
  for_each = toset(["dynamodb", "s3"])

  vpc_id = var.vpc_id

  filter {
    name   = "route.destination-prefix-list-id"
    values = [data.aws_prefix_list.gateway[each.key].id]
  }

  filter {
    name   = "route-table-id"
    values = local.subnet_route_table_ids
  }
}

locals {
  subnet_route_table_ids = distinct([for table in data.aws_route_table.of_subnet : table.id])
  # The function may reach a service through a gateway endpoint when this project creates
  # one, and equally when one of the VPC's own already routes its subnets: its egress to the
  # prefix list does not depend on whose endpoint it is.
  gateway_services_routed = [for service, tables in data.aws_route_tables.routing_gateway_service : service if length(tables.ids) > 0]
  gateway_prefix_list_ids = [
    for service in sort(distinct(concat(var.gateway_endpoints, local.gateway_services_routed))) : data.aws_prefix_list.gateway[service].id
  ]
}

# Warnings, not errors: a service the VPC's own endpoints route for only some of the
# function's subnets (this project's endpoints route them all, route_table_ids being every
# subnet's table).
check "gateway_routes" {
  assert {
    condition = alltrue([
      for service, tables in data.aws_route_tables.routing_gateway_service :
      contains(var.gateway_endpoints, service) || length(tables.ids) == 0 || length(tables.ids) == length(local.subnet_route_table_ids)
    ])
    error_message = "A gateway endpoint of the VPC routes ${join(" and ", [for service, tables in data.aws_route_tables.routing_gateway_service : service if !contains(var.gateway_endpoints, service) && length(tables.ids) > 0 && length(tables.ids) < length(local.subnet_route_table_ids)])} for only some of the function's subnets: invocations in the others reach it through NAT, or not at all."
  }
}

# One claim per route this project's gateway endpoints add (service and route table),
# taken when the route is added: it records whether the route table routed that service
# already, through an endpoint that is not this project's, and the plan fails if it did.
# ignore_changes keeps what was seen then, so this project's own route, once there, never
# counts against it. A route a project of an earlier release added before these claims
# existed is listed in gateway_routes_adopted (written by vpc-lambda-new update).
resource "terraform_data" "gateway_route" {
  for_each = {
    for pair in setproduct(var.gateway_endpoints, var.route_table_ids) : "${pair[0]}:${pair[1]}" => {
      service     = pair[0]
      route_table = pair[1]
    }
  }

  input = {
    routed_before = contains(data.aws_route_tables.routing_gateway_service[each.value.service].ids, each.value.route_table) && !contains(var.gateway_routes_adopted, each.key)
    prefix_list   = data.aws_prefix_list.gateway[each.value.service].id
  }

  lifecycle {
    ignore_changes = [input]

    postcondition {
      # try: an imported claim (terraform import) has no input, and claims nothing.
      condition     = !try(self.input.routed_before, false)
      error_message = "Route table ${each.value.route_table} already routes ${data.aws_prefix_list.gateway[each.value.service].name} (prefix list ${self.input.prefix_list}) through a gateway endpoint of the VPC that this project does not manage, and AWS takes one endpoint per service on a route table. That endpoint already serves the function, whose egress to ${self.input.prefix_list} stays: leave ${each.value.service} out of gateway_endpoints (vpc-lambda-new update --endpoints). If the endpoint is this project's own (its claim was removed from the state or replaced), list \"${each.key}\" in gateway_routes_adopted in terraform.tfvars. To see the endpoint: aws ec2 describe-vpc-endpoints --filters Name=vpc-id,Values=${var.vpc_id} Name=service-name,Values=${data.aws_prefix_list.gateway[each.value.service].name} --query \"VpcEndpoints[?contains(RouteTableIds, '${each.value.route_table}')].VpcEndpointId\""
    }
  }
}
