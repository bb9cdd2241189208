# The functions added to the first one (vpc-lambda-new add-function NAME), each named
# PROJECT_NAME in AWS (no project name holds "_", so the deployer policy names them all
# as PROJECT_* and no other project's), with its own execution role, log group and
# package (build/functions/NAME.zip, from functions/NAME/src/), in the same private
# subnets. On the shared group ("shared") a function uses exactly the first function's
# security groups, so Lambda's interfaces (one per subnet and combination of groups)
# serve it too; "own" adds a group, and with it one interface in each private subnet.
locals {
  # What Lambda creates and releases interfaces with: every role's permissions, which
  # outlive the subnets and the groups its interfaces sit in.
  network_interface_grants = join(",", concat(
    [module.execution_role.network_interface_grant],
    [for key in sort(keys(var.functions)) : module.function_roles[key].network_interface_grant],
  ))
}

module "function_roles" {
  source   = "./modules/execution_role"
  for_each = var.functions

  name                     = var.name
  function_name            = "${var.name}_${each.key}"
  iam                      = each.value.iam
  region                   = var.region
  permissions_boundary_arn = var.permissions_boundary_arn
  tags                     = var.tags
}

module "functions" {
  source   = "./modules/function"
  for_each = var.functions

  name                    = "${var.name}_${each.key}"
  runtime                 = each.value.runtime
  handler                 = startswith(each.value.runtime, "python") ? "handler.handler" : "index.handler"
  architecture            = each.value.architecture
  memory_size             = each.value.memory_size
  timeout                 = each.value.timeout
  ephemeral_storage       = each.value.ephemeral_storage
  snapstart               = each.value.snapstart
  provisioned_concurrency = each.value.provisioned_concurrency
  package_path            = "${path.module}/build/functions/${each.key}.zip"
  log_retention_days      = var.log_retention_days
  probe_target            = var.probe_target
  vpc_id                  = module.network.vpc_id
  subnet_ids              = module.network.private_subnet_ids
  attach_to_vpc           = var.attach_to_vpc
  enable_ipv6             = var.enable_ipv6
  tags                    = var.tags

  vpc_cidrs               = module.network.vpc_cidrs
  vpc_ipv6_cidrs          = module.network.vpc_ipv6_cidrs
  internet_egress         = module.network.internet_egress
  ipv6_internet_egress    = module.network.ipv6_internet_egress
  gateway_prefix_list_ids = module.network.gateway_prefix_list_ids
  additional_egress_cidrs = var.additional_egress_cidrs
  aws_api_probe           = module.network.internet_egress || contains(var.interface_endpoints, "sts")

{% if cookiecutter.connect_layer %}
  # What it is in the VPC for (modules/function/connect.tf), with a group of its own.
  connect         = each.value.connect
  connect_ingress = var.connect_ingress
  region          = var.region

{% endif %}
  shared_security_group_ids = each.value.security_group == "shared" ? module.function.security_group_ids : []
  reserved_concurrency      = -1
  tracing_mode              = var.tracing_mode
  log_kms_key_arn           = var.log_kms_key_arn

  role_arn                = module.function_roles[each.key].role_arn
  role_name               = module.function_roles[each.key].role_name
  network_interface_grant = module.function_roles[each.key].network_interface_grant
}

# Concurrency is the account's (1,000 a region by default), and 100 of it always stays
# unreserved: what the functions reserve or keep provisioned must leave that.
resource "terraform_data" "concurrency" {
  lifecycle {
    precondition {
      condition     = max(var.reserved_concurrency, var.provisioned_concurrency) + sum(concat([0], [for function in values(var.functions) : function.provisioned_concurrency])) <= 900
      error_message = "The functions reserve or keep provisioned more than 900 concurrent executions in all: a region's default concurrency is 1,000, of which 100 stay unreserved (aws lambda get-account-settings)."
    }
  }
}
