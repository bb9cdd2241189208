# The execution role first: the network and the function both consume it, and it
# depends on neither, so every arrow between the modules points one way.
module "execution_role" {
  source = "./modules/execution_role"

  name                     = var.name
  iam                      = "{{ cookiecutter.iam }}"
  region                   = var.region
  permissions_boundary_arn = var.permissions_boundary_arn
  tags                     = var.tags
}

module "network" {
  source = "./modules/network"

  name        = var.name
  region      = var.region
  enable_ipv6 = var.enable_ipv6

{% if cookiecutter.topology == "existing" %}
  vpc_id          = var.vpc_id
  subnet_ids      = var.subnet_ids
  route_table_ids = var.route_table_ids
  internet_egress = var.internet_egress
  # Routes an earlier release added, before the project claimed its own (gateway_routes.tf).
  gateway_routes_adopted = var.gateway_routes_adopted
{% else %}
  vpc_cidr           = var.vpc_cidr
  private_subnets    = var.private_subnets
{% if cookiecutter.topology == "private-nat" %}
  public_subnets     = var.public_subnets
{% if cookiecutter.nat_type == "instance" %}
  nat_instance_type  = var.nat_instance_type
{% endif %}
{% endif %}
  availability_zones = var.availability_zones
  enable_flow_logs   = var.enable_flow_logs
  # Flow logs are kept as long as the function's logs.
  flow_log_retention_days  = var.log_retention_days
  permissions_boundary_arn = var.permissions_boundary_arn
  # The subnets are destroyed before the permissions Lambda needs to release its interfaces in them.
{% if cookiecutter.functions %}
  network_interface_grant = local.network_interface_grants
{% else %}
  network_interface_grant = module.execution_role.network_interface_grant
{% endif %}
{% endif %}

  gateway_endpoints   = var.gateway_endpoints
  interface_endpoints = var.interface_endpoints
  # API Gateway developer guide, "Private REST APIs": with private DNS on this endpoint,
  # the VPC cannot reach public APIs by their default names.
  execute_api_private_dns = var.execute_api_private_dns
  tags                    = var.tags
}

module "function" {
  source = "./modules/function"

  name               = var.name
  runtime            = var.runtime
  handler            = "{{ cookiecutter.handler }}"
  architecture       = var.architecture
  memory_size        = var.memory_size
  timeout            = var.timeout
  package_path       = "${path.module}/build/function.zip"
  log_retention_days = var.log_retention_days
  probe_target       = var.probe_target
  vpc_id             = module.network.vpc_id
  subnet_ids         = module.network.private_subnet_ids
  attach_to_vpc      = var.attach_to_vpc
  enable_ipv6        = var.enable_ipv6
  tags               = var.tags

  # What the function may reach: the VPC's own blocks, the gateway endpoints, and the
  # internet only where the network gives it a way out.
  vpc_cidrs               = module.network.vpc_cidrs
  vpc_ipv6_cidrs          = module.network.vpc_ipv6_cidrs
  internet_egress         = module.network.internet_egress
  ipv6_internet_egress    = module.network.ipv6_internet_egress
  gateway_prefix_list_ids = module.network.gateway_prefix_list_ids
  additional_egress_cidrs = var.additional_egress_cidrs
  aws_api_probe           = module.network.internet_egress || contains(var.interface_endpoints, "sts")

{% if cookiecutter.connect_layer %}
  # What the function is in the VPC for, wired on both sides (modules/function/connect.tf).
  connect         = var.connect
  connect_ingress = var.connect_ingress
  region          = var.region

{% endif %}
{% if cookiecutter.topology == "existing" %}
  security_group_ids   = var.security_group_ids
{% endif %}
  reserved_concurrency = var.reserved_concurrency
  tracing_mode         = var.tracing_mode
  log_kms_key_arn      = var.log_kms_key_arn

  # Cold starts: SnapStart or provisioned concurrency, on the alias live.
  ephemeral_storage       = var.ephemeral_storage
  snapstart               = var.snapstart
  provisioned_concurrency = var.provisioned_concurrency

{% if cookiecutter.functions %}
  # Its security group outlives every function sharing it: each one's role outlives the group.
{% endif %}
  role_arn                = module.execution_role.role_arn
  role_name               = module.execution_role.role_name
  network_interface_grant = {{ "local.network_interface_grants" if cookiecutter.functions else "module.execution_role.network_interface_grant" }}
}
