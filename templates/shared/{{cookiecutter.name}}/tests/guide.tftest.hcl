# The Lambda VPC guide's rules that a plan can show, asserted on this project's own
# configuration and its terraform.tfvars: `make test` (or `terraform init`, then
# `terraform test`). Terraform 1.11 or later (override_during); no credentials, no
# network: the AWS provider is mocked.
#
# What the mock stands in for: {% if cookiecutter.topology == "existing" %}the VPC, subnets and route tables AWS would
# return (their real zones and routes are checked when you plan against AWS, by the
# postconditions in modules/network/main.tf, and by `vpc-lambda-new check --plan`){% else %}the
# region's availability zones (the names and IDs below are placeholders; the real ones
# are read when you plan against AWS){% endif %}, and the IDs AWS assigns at apply, which
# the overrides below name so the assertions can compare them.
#
# Left to `vpc-lambda-new check`, because no assertion can see them: the order of
# creation and destruction (the function is created after its role's network-interface
# permissions, and the subnets are destroyed before them), and whatever only a plan
# against AWS knows.

mock_provider "aws" {
  override_during = plan

{% if cookiecutter.topology != "existing" %}
  mock_data "aws_availability_zones" {
    defaults = {
      names    = {{ cookiecutter.mock_zones.names | hcl }}
      zone_ids = {{ cookiecutter.mock_zones.ids | hcl }}
    }
  }

{% endif %}
  mock_data "aws_vpc_endpoint_service" {
    defaults = {
      availability_zones = {{ cookiecutter.mock_zones.names | hcl }}
    }
  }

{% if cookiecutter.nat_type == "instance" %}
  # The NAT instances' type is offered in every zone here; where EC2 really offers it is
  # checked when you plan against AWS (the groups' precondition).
  mock_data "aws_ec2_instance_type_offerings" {
    defaults = {
      locations = {{ cookiecutter.mock_zones.names | hcl }}
    }
  }

{% endif %}
  mock_data "aws_partition" {
    defaults = {
      partition  = {{ cookiecutter.partition | hcl }}
      dns_suffix = "amazonaws.com"
    }
  }

  # The provider renders policy documents itself: a stand-in JSON document here, and the
  # assertions read the statements the configuration writes.
  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
  }

  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "123456789012"
    }
  }
{% if cookiecutter.connect_layer %}

  # The connect targets, as the data sources read them, in the project's VPC.
  mock_data "aws_db_instance" {
    defaults = {
      address             = "db.mock.internal"
      port                = 5432
      vpc_security_groups = ["sg-0000000000000000d"]
      db_subnet_group     = "mock-db"
    }
  }

  mock_data "aws_db_subnet_group" {
    defaults = {
      vpc_id = {{ (cookiecutter.vpc_id or "vpc-00000000000000000") | hcl }}
    }
  }

  mock_data "aws_db_proxy" {
    defaults = {
      endpoint               = "proxy.mock.internal"
      engine_family          = "POSTGRESQL"
      vpc_id                 = {{ (cookiecutter.vpc_id or "vpc-00000000000000000") | hcl }}
      vpc_security_group_ids = ["sg-0000000000000000e"]
    }
  }

  mock_data "aws_elasticache_replication_group" {
    defaults = {
      member_clusters                = ["mock-cache-001"]
      port                           = 6379
      primary_endpoint_address       = "cache.mock.internal"
      configuration_endpoint_address = ""
    }
  }

  mock_data "aws_elasticache_cluster" {
    defaults = {
      security_group_ids = ["sg-0000000000000000c"]
      subnet_group_name  = "mock-cache"
    }
  }

  mock_data "aws_elasticache_subnet_group" {
    defaults = {
      vpc_id = {{ (cookiecutter.vpc_id or "vpc-00000000000000000") | hcl }}
    }
  }

  mock_data "aws_security_group" {
    defaults = {
      vpc_id = {{ (cookiecutter.vpc_id or "vpc-00000000000000000") | hcl }}
    }
  }

  mock_data "aws_secretsmanager_secret" {
    defaults = {
      kms_key_id = ""
    }
  }
{% endif %}
{% if cookiecutter.topology == "existing" %}

  mock_data "aws_vpc" {
    defaults = {
      instance_tenancy     = "default"
      enable_dns_support   = true
      enable_dns_hostnames = true
      cidr_block           = "10.0.0.0/16"
      ipv6_cidr_block      = "2600:1f18:abcd:1200::/56"
      cidr_block_associations = [
        { association_id = "vpc-cidr-assoc-00000000000000000", cidr_block = "10.0.0.0/16", state = "associated" },
      ]
    }
  }

  # The mock VPC's route tables hold one route, 0.0.0.0/0 to a NAT gateway (so the check
  # that warns about subnets without internet access stays quiet), whatever the real
  # ones hold.
  mock_data "aws_route_table" {
    defaults = {
      id     = {{ cookiecutter.route_table_ids[0] | hcl if cookiecutter.route_table_ids else '"rtb-00000000000000000"' }}
      routes = [{ cidr_block = "0.0.0.0/0", ipv6_cidr_block = "", destination_prefix_list_id = "", carrier_gateway_id = "", core_network_arn = "", egress_only_gateway_id = "", gateway_id = "", instance_id = "", local_gateway_id = "", nat_gateway_id = "nat-00000000000000000", network_interface_id = "", transit_gateway_id = "", vpc_endpoint_id = "", vpc_peering_connection_id = "" }]
    }
  }

  mock_data "aws_route_tables" {
    defaults = {
      ids = []
    }
  }

  mock_data "aws_subnets" {
    defaults = {
      ids = []
    }
  }
{% else %}

  mock_resource "aws_vpc" {
    defaults = {
      ipv6_cidr_block = "2600:1f18:abcd:1200::/56"
    }
  }

  # No ingress and no egress blocks in the configuration remove every rule, as AWS does.
  mock_resource "aws_default_security_group" {
    defaults = {
      ingress = []
      egress  = []
    }
  }

  mock_resource "aws_route_table" {
    defaults = {
      route = []
    }
  }
{% endif %}
}

{% macro overrides(prefix) %}
override_resource {
  target          = {{ prefix }}aws_security_group.endpoints[0]
  override_during = plan
  values = {
    id = "sg-endpoints"
  }
}

{% if cookiecutter.topology == "existing" %}
{% for id in cookiecutter.subnet_ids %}
override_data {
  target          = {{ prefix }}data.aws_subnet.selected[{{ id | hcl }}]
  override_during = plan
  values = {
    vpc_id            = {{ cookiecutter.vpc_id | hcl }}
    availability_zone = {{ cookiecutter.mock_zones.names[loop.index0] | hcl }}
    ipv6_cidr_block   = "2600:1f18:abcd:12{{ '%02x' % loop.index0 }}::/64"
  }
}

{% endfor %}
{% for id in cookiecutter.subnet_ids if cookiecutter.route_table_ids %}
override_data {
  target          = {{ prefix }}data.aws_route_table.of_subnet[{{ id | hcl }}]
  override_during = plan
  values = {
    id     = {{ cookiecutter.route_table_ids[loop.index0 % (cookiecutter.route_table_ids | length)] | hcl }}
    routes = [{ cidr_block = "0.0.0.0/0", ipv6_cidr_block = "", destination_prefix_list_id = "", carrier_gateway_id = "", core_network_arn = "", egress_only_gateway_id = "", gateway_id = "", instance_id = "", local_gateway_id = "", nat_gateway_id = "nat-00000000000000000", network_interface_id = "", transit_gateway_id = "", vpc_endpoint_id = "", vpc_peering_connection_id = "" }]
  }
}

{% endfor %}
{% for id in cookiecutter.route_table_ids %}
override_data {
  target          = {{ prefix }}data.aws_route_table.given[{{ id | hcl }}]
  override_during = plan
  values = {
    id     = {{ id | hcl }}
    routes = [{ cidr_block = "0.0.0.0/0", ipv6_cidr_block = "", destination_prefix_list_id = "", carrier_gateway_id = "", core_network_arn = "", egress_only_gateway_id = "", gateway_id = "", instance_id = "", local_gateway_id = "", nat_gateway_id = "nat-00000000000000000", network_interface_id = "", transit_gateway_id = "", vpc_endpoint_id = "", vpc_peering_connection_id = "" }]
  }
}

{% endfor %}
{% else %}
{% for key in cookiecutter.private_subnets %}
override_resource {
  target          = {{ prefix }}aws_subnet.private[{{ key | hcl }}]
  override_during = plan
  values = {
    id = "subnet-private-{{ key }}"
  }
}

{% endfor %}
{% for key in cookiecutter.public_subnets %}
override_resource {
  target          = {{ prefix }}aws_subnet.public[{{ key | hcl }}]
  override_during = plan
  values = {
    id = "subnet-public-{{ key }}"
  }
}

override_resource {
  target          = {{ prefix }}aws_route_table.private[{{ key | hcl }}]
  override_during = plan
  values = {
    id    = "rtb-private-{{ key }}"
    route = []
  }
}

{% if cookiecutter.nat_type == "instance" %}
override_resource {
  target          = {{ prefix }}aws_network_interface.nat_instance[{{ key | hcl }}]
  override_during = plan
  values = {
    id = "eni-nat-{{ key }}"
  }
}
{% else %}
override_resource {
  target          = {{ prefix }}aws_nat_gateway.this[{{ key | hcl }}]
  override_during = plan
  values = {
    id = "nat-{{ key }}"
  }
}
{% endif %}

{% endfor %}
{% if cookiecutter.topology == "private-nat" %}
override_resource {
  target          = {{ prefix }}aws_route_table.public
  override_during = plan
  values = {
    id    = "rtb-public"
    route = []
  }
}

override_resource {
  target          = {{ prefix }}aws_internet_gateway.this
  override_during = plan
  values = {
    id = "igw-mock"
  }
}

override_resource {
  target          = {{ prefix }}aws_egress_only_internet_gateway.this[0]
  override_during = plan
  values = {
    id = "eigw-mock"
  }
}
{% else %}
override_resource {
  target          = {{ prefix }}aws_route_table.private
  override_during = plan
  values = {
    id    = "rtb-private"
    route = []
  }
}
{% endif %}

{% endif %}
{% endmacro %}
# The IDs AWS would assign, one per instance, so the assertions can tell them apart.
{{ overrides("") }}
variables {
  # Inputs main.tf gives the network module from the other modules.
  network_interface_grant = "network-interface-grant"
}

run "network" {
  command = plan

  module {
    source = "./modules/network"
  }

  assert {
    condition     = length(output.private_subnet_ids) >= 2
    error_message = "The function needs private subnets in two availability zones or more (guide: high availability); it has ${length(output.private_subnet_ids)}."
  }

{% if cookiecutter.topology != "existing" %}
  assert {
    condition     = length(distinct([for subnet in aws_subnet.private : subnet.availability_zone])) == length(aws_subnet.private)
    error_message = "Two private subnets share an availability zone: ${join(", ", [for key, subnet in aws_subnet.private : "${key} in ${subnet.availability_zone}"])}."
  }

  assert {
    condition     = alltrue([for subnet in aws_subnet.private : !subnet.map_public_ip_on_launch])
    error_message = "A private subnet gives instances public IPv4 addresses."
  }

  assert {
    condition     = length(aws_default_security_group.this[*]) == 1 && alltrue([for group in aws_default_security_group.this[*] : length(group.ingress) == 0 && length(group.egress) == 0])
    error_message = "The VPC's default security group is not managed to allow nothing (a VPC's default group admits its own members), so nothing that lands in it by accident is reachable."
  }

  assert {
    condition     = var.enable_ipv6 == alltrue([for subnet in aws_subnet.private : subnet.ipv6_cidr_block != null])
    error_message = "enable_ipv6 is ${var.enable_ipv6}, and the private subnets' IPv6 blocks do not follow it."
  }

  assert {
    condition     = aws_vpc.this.instance_tenancy == "default"
    error_message = "The VPC's tenancy is ${aws_vpc.this.instance_tenancy}: Lambda cannot attach to a dedicated-tenancy VPC."
  }

  assert {
    condition     = length(var.interface_endpoints) == 0 || (aws_vpc.this.enable_dns_support && aws_vpc.this.enable_dns_hostnames)
    error_message = "Interface endpoints with private DNS need the VPC's DNS support and DNS hostnames both on."
  }

  assert {
    condition     = length(aws_flow_log.this[*]) == (var.enable_flow_logs ? 1 : 0) && alltrue([for log in aws_flow_log.this[*] : log.traffic_type == "ALL"])
    error_message = "enable_flow_logs is ${var.enable_flow_logs}: the VPC's flow logs should follow it, and record all traffic, accepted and rejected."
  }

{% endif %}
{% if cookiecutter.topology == "private" %}
  assert {
    condition     = length(aws_route_table.private.route) == 0
    error_message = "The private route table has routes of its own: in this topology the function reaches AWS services through endpoints only, and nothing through the internet."
  }

  assert {
    condition     = alltrue([for association in aws_route_table_association.private : association.route_table_id == aws_route_table.private.id])
    error_message = "A private subnet is associated with another route table than the private one."
  }

{% elif cookiecutter.topology == "private-nat" %}
  assert {
    condition     = alltrue([for table in aws_route_table.private : length(table.route) == 0])
    error_message = "A private route table has inline routes: its routes are the aws_route resources, 0.0.0.0/0 to its NAT gateway only."
  }

  assert {
    condition     = alltrue([for association in aws_route_table_association.private : contains([for route in aws_route.private_nat : route.route_table_id], association.route_table_id)])
    error_message = "A private subnet is associated with a route table that does not send 0.0.0.0/0 to a NAT gateway (a route table with an internet gateway would make it public; the guide: a function in a public subnet gets no internet access)."
  }

{% if cookiecutter.nat_type == "instance" %}
  assert {
    # network_interface_id is unknown in a plan where the route names another target: the
    # other targets are judged first.
    condition     = alltrue([for route in aws_route.private_nat : route.nat_gateway_id == null && route.gateway_id == null ? route.network_interface_id != null && route.destination_cidr_block == "0.0.0.0/0" : false])
    error_message = "A private route's 0.0.0.0/0 does not go to a NAT instance's network interface."
  }
{% else %}
  assert {
    condition     = alltrue([for route in aws_route.private_nat : route.nat_gateway_id != null && route.gateway_id == null && route.destination_cidr_block == "0.0.0.0/0"])
    error_message = "A private route's 0.0.0.0/0 does not go to a NAT gateway."
  }
{% endif %}

  assert {
    condition     = alltrue([for route in concat([aws_route.public_internet], aws_route.public_internet_ipv6) : route.route_table_id == aws_route_table.public.id])
    error_message = "A route to the internet gateway is on another table than the public one."
  }

  assert {
    condition     = alltrue([for association in aws_route_table_association.public : association.route_table_id == aws_route_table.public.id])
    error_message = "A public subnet is not on the public route table: its NAT gateway would not reach the internet gateway."
  }

  assert {
    condition     = aws_route.public_internet.destination_cidr_block == "0.0.0.0/0" && alltrue([for subnet in aws_subnet.public : !subnet.map_public_ip_on_launch])
    error_message = "The public route table does not send all of IPv4 (0.0.0.0/0) to the internet gateway, or a public subnet hands out public IPs: only the NAT gateways live there, with Elastic IPs."
  }

{% if cookiecutter.nat_type == "instance" %}
  assert {
    condition = alltrue([
      for key, association in aws_route_table_association.private : !contains(keys(var.public_subnets), key) || anytrue([
        for route in aws_route.private_nat : route.route_table_id == association.route_table_id && (route.nat_gateway_id == null && route.gateway_id == null ? anytrue([
          for nat in aws_network_interface.nat_instance : nat.id == route.network_interface_id && anytrue([
            for subnet in aws_subnet.public : subnet.id == nat.subnet_id && subnet.availability_zone == aws_subnet.private[key].availability_zone
          ])
        ]) : false)
      ])
    ])
    error_message = "A private subnet in a zone with a NAT instance of its own routes through another zone's NAT instance: an outage of that zone would cut it off, and cross-zone traffic is billed."
  }

  assert {
    condition     = alltrue([for nat in aws_network_interface.nat_instance : contains([for subnet in aws_subnet.public : subnet.id], nat.subnet_id) && nat.source_dest_check == false])
    error_message = "A NAT instance's network interface is not in a public subnet, or has its source/destination check on: EC2 would drop what the private subnets send to the internet."
  }

  assert {
    condition     = length(aws_network_interface.nat_instance) == length(var.public_subnets) && length(aws_route_table.private) == length(aws_network_interface.nat_instance)
    error_message = "public_subnets asks for ${length(var.public_subnets)} NAT instance(s), each with its network interface and its own private route table."
  }

  assert {
    condition = alltrue([
      for key, group in aws_autoscaling_group.nat_instance : group.min_size == 1 && group.max_size == 1 && group.desired_capacity == 1 && length(group.vpc_zone_identifier) == 1 && contains(group.vpc_zone_identifier, aws_network_interface.nat_instance[key].subnet_id)
    ])
    error_message = "A NAT instance's auto scaling group does not keep exactly one instance in the subnet of its network interface."
  }

  assert {
    condition = alltrue([
      for template in aws_launch_template.nat_instance : template.metadata_options[0].http_tokens == "required" && template.key_name == null && alltrue([for interface in template.network_interfaces : interface.associate_public_ip_address == "true"])
    ])
    error_message = "A NAT instance's launch template allows IMDSv1, names a key pair (SSH), or gives the instance no public IPv4 address to reach the internet gateway with."
  }

  assert {
    condition     = alltrue([for rule in aws_security_group.nat_instance.ingress : alltrue([for block in(rule.cidr_blocks == null ? [] : rule.cidr_blocks) : contains(values(var.private_subnets), block)]) && try(length(rule.ipv6_cidr_blocks), 0) == 0])
    error_message = "The NAT instances' security group admits more than the private subnets: nothing from the internet may reach them."
  }

{% else %}
  assert {
    condition = alltrue([
      for key, association in aws_route_table_association.private : !contains(keys(var.public_subnets), key) || anytrue([
        for route in aws_route.private_nat : route.route_table_id == association.route_table_id && anytrue([
          for nat in aws_nat_gateway.this : nat.id == route.nat_gateway_id && anytrue([
            for subnet in aws_subnet.public : subnet.id == nat.subnet_id && subnet.availability_zone == aws_subnet.private[key].availability_zone
          ])
        ])
      ])
    ])
    error_message = "A private subnet in a zone with a NAT gateway of its own routes through another zone's NAT gateway: an outage of that zone would cut it off, and cross-zone traffic is billed."
  }

  assert {
    condition     = alltrue([for nat in aws_nat_gateway.this : contains([for subnet in aws_subnet.public : subnet.id], nat.subnet_id)])
    error_message = "A NAT gateway is not in a public subnet: it could not reach the internet gateway."
  }

  assert {
    condition     = length(aws_nat_gateway.this) == length(var.public_subnets) && length(aws_route_table.private) == length(aws_nat_gateway.this)
    error_message = "public_subnets asks for ${length(var.public_subnets)} NAT gateway(s), each with its own private route table."
  }

{% endif %}
  assert {
    condition     = length(aws_route.private_ipv6_egress) == (var.enable_ipv6 ? length(aws_route_table.private) : 0) && alltrue([for route in aws_route.private_ipv6_egress : route.egress_only_gateway_id != null && route.gateway_id == null])
    error_message = "With enable_ipv6, every private route table sends ::/0 to the egress-only internet gateway, and never to the internet gateway."
  }

{% else %}
  assert {
    condition     = toset(output.private_subnet_ids) == toset(var.subnet_ids)
    error_message = "The function's subnets are not the subnet_ids of terraform.tfvars."
  }

{% endif %}
  assert {
    condition     = join(",", sort(keys(aws_vpc_endpoint.gateway))) == join(",", sort(var.gateway_endpoints)) && join(",", sort(keys(aws_vpc_endpoint.interface))) == join(",", sort(var.interface_endpoints))
    error_message = "The endpoints are not the ones terraform.tfvars asks for."
  }

  assert {
    condition     = alltrue([for endpoint in aws_vpc_endpoint.gateway : length(output.private_route_table_ids) > 0 && toset(endpoint.route_table_ids) == toset(output.private_route_table_ids)])
    error_message = "A gateway endpoint is not on every private route table (and only on those): a subnet whose table lacks it reaches the service some other way, or not at all."
  }

  assert {
    condition     = alltrue([for endpoint in aws_vpc_endpoint.interface : length(endpoint.subnet_ids) == length(distinct([for subnet in local.private_subnets : subnet.availability_zone]))])
    error_message = "An interface endpoint is not in every availability zone of the function's subnets: the function in a zone without one pays for cross-zone traffic, and loses the service when the endpoint's zone fails."
  }

  assert {
    condition     = alltrue([for group in aws_security_group.endpoints : alltrue([for rule in group.ingress : rule.protocol == "tcp" && rule.from_port == 443 && rule.to_port == 443 && length(rule.cidr_blocks) > 0 && length(setsubtract(rule.cidr_blocks, output.vpc_cidrs)) == 0 && length(coalesce(rule.ipv6_cidr_blocks, [])) + length(coalesce(rule.security_groups, [])) + length(coalesce(rule.prefix_list_ids, [])) == 0 && rule.self != true])])
    error_message = "The interface endpoints' security group admits more than HTTPS from the VPC, or nothing at all."
  }

  assert {
    condition     = alltrue([for endpoint in aws_vpc_endpoint.interface : length(endpoint.security_group_ids) > 0 && toset(endpoint.security_group_ids) == toset(aws_security_group.endpoints[*].id)])
    error_message = "An interface endpoint is not behind the endpoints' security group (HTTPS from the VPC)."
  }

  assert {
    condition     = alltrue([for service, endpoint in aws_vpc_endpoint.interface : (endpoint.private_dns_enabled || service == "execute-api") && length(endpoint.subnet_ids) > 0 && length(setsubtract(endpoint.subnet_ids, output.private_subnet_ids)) == 0])
    error_message = "An interface endpoint lacks private DNS (the SDK would not find it by the service's usual name), or lies outside the function's subnets."
  }
}

run "execution_role" {
  command = plan

  module {
    source = "./modules/execution_role"
  }

  variables {
    iam = "{{ cookiecutter.iam }}"
  }

  assert {
    condition     = length(data.aws_iam_policy_document.assume_role.statement) > 0 && alltrue([for statement in data.aws_iam_policy_document.assume_role.statement : toset(statement.actions) == toset(["sts:AssumeRole"]) && length(statement.principals) > 0 && alltrue([for principal in statement.principals : principal.type == "Service" && toset(principal.identifiers) == toset(["lambda.amazonaws.com"])])])
    error_message = "The execution role does not trust Lambda alone."
  }

{% if cookiecutter.iam == "inline" %}
  assert {
    condition     = aws_iam_role_policy.network_interfaces[0].policy == data.aws_iam_policy_document.network_interfaces.json && alltrue([for statement in data.aws_iam_policy_document.network_interfaces.statement : coalesce(statement.effect, "Allow") == "Allow"]) && length(setsubtract(["ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets", "ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"], flatten(data.aws_iam_policy_document.network_interfaces.statement[*].actions))) == 0
    error_message = "The role lacks a network-interface permission the guide requires (Required IAM permissions): Lambda could not create or release the function's interfaces."
  }
{% else %}
  assert {
    condition     = length(aws_iam_role_policy.network_interfaces) == 0 && aws_iam_role_policy_attachment.vpc_access[0].policy_arn == "arn:{{ cookiecutter.partition }}:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
    error_message = "The role does not hold AWSLambdaVPCAccessExecutionRole, the guide's managed policy for the network-interface permissions."
  }
{% endif %}
}

run "project" {
  command = plan

  # The same IDs, for the modules as main.tf calls them.
  {{ overrides("module.network.") | indent(2) }}
{% if cookiecutter.connect and cookiecutter.topology != "existing" %}
  # The VPC the connect targets' mocks are in.
  override_resource {
    target          = module.network.aws_vpc.this
    override_during = plan
    values = {
      id = "vpc-00000000000000000"
    }
  }

{% endif %}
{% if cookiecutter.connect %}
  assert {
    condition     = toset(keys(output.connect_targets)) == toset([for target in var.connect : target if !startswith(target, "secret:")])
    error_message = "A connect target is not wired to the function (its address does not reach the handler)."
  }

{% endif %}
  assert {
    condition     = !var.attach_to_vpc || (length(module.function.vpc_config.subnet_ids) >= 2 && toset(module.function.vpc_config.subnet_ids) == toset(module.network.private_subnet_ids))
    error_message = "The function is not attached to the project's private subnets (all of them, two AZs or more); attach_to_vpc = false detaches it on purpose."
  }

  assert {
    condition     = !var.attach_to_vpc || length(module.function.vpc_config.security_group_ids) > 0
    error_message = "The function has no security group."
  }

  assert {
    condition     = module.function.vpc_config.ipv6_allowed_for_dual_stack == (var.attach_to_vpc && var.enable_ipv6)
    error_message = "enable_ipv6 is ${var.enable_ipv6}, and the function's dual-stack setting does not follow it."
  }
{% if cookiecutter.functions %}

  # The added functions (functions.tf): in the same private subnets (their groups are
  # known only at apply; `vpc-lambda-new check` judges them).
  assert {
    condition     = !var.attach_to_vpc || alltrue([for key, function in module.functions : toset(function.vpc_config.subnet_ids) == toset(module.network.private_subnet_ids)])
    error_message = "An added function is not attached to every private subnet of the project."
  }
{% endif %}
}
