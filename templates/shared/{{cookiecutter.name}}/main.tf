module "network" {
  source = "./modules/network"

  name = var.name

{% if cookiecutter.topology == "existing" %}
  vpc_id          = var.vpc_id
  subnet_ids      = var.subnet_ids
  route_table_ids = var.route_table_ids
{% else %}
  vpc_cidr           = var.vpc_cidr
  private_subnets    = var.private_subnets
{% if cookiecutter.topology == "private-nat" %}
  public_subnets     = var.public_subnets
{% endif %}
  availability_zones = var.availability_zones
  enable_flow_logs   = var.enable_flow_logs
  # Flow logs are kept as long as the function's logs.
  flow_log_retention_days = var.log_retention_days
{% endif %}

  gateway_endpoints   = var.gateway_endpoints
  interface_endpoints = var.interface_endpoints
  # Interface endpoints admit HTTPS only from the function's security groups.
  endpoint_client_security_group_ids = module.function.security_group_ids
  tags                               = var.tags
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
  vpc_cidr           = module.network.vpc_cidr
  subnet_ids         = module.network.private_subnet_ids
  attach_to_vpc      = var.attach_to_vpc
  tags               = var.tags

{% if cookiecutter.topology == "existing" %}
  security_group_ids      = var.security_group_ids
{% endif %}
  gateway_prefix_list_ids = module.network.gateway_prefix_list_ids
  additional_egress_cidrs = var.additional_egress_cidrs
  reserved_concurrency    = var.reserved_concurrency
  tracing_mode            = var.tracing_mode
  log_kms_key_arn         = var.log_kms_key_arn
}
