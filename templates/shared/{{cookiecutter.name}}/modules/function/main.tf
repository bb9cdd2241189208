locals {
  # The given security groups, or else the dedicated one (count makes it exist only then).
  # With the given ones goes the rule-less aws_security_group.released (it opens nothing):
  # every interface Lambda builds then holds a group of this project, whose deletion waits
  # until Lambda has released them all, and the role's network-interface permissions, which
  # Lambda releases them with, are destroyed only after it, as with the dedicated group.
  # https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html#configuration-vpc-permissions
  # A function added on the project's shared group takes exactly the first function's
  # groups: one combination of subnet and groups, so Lambda's interfaces are shared.
  security_group_ids = (
    length(var.shared_security_group_ids) > 0
    ? var.shared_security_group_ids
    : length(var.security_group_ids) > 0
    ? concat(var.security_group_ids, [aws_security_group.released.id])
    : aws_security_group.this[*].id
  )
  # SnapStart snapshots a published version, and provisioned concurrency is configured
  # on one: either publishes a version on every change, invoked through the alias live.
  publish = var.snapstart || var.provisioned_concurrency > 0
}

# The role's network-interface permissions, from module.execution_role: the function and
# its security groups are created after them and destroyed before them, so Lambda can
# still release its interfaces (a variable cannot be named in depends_on; this can).
resource "terraform_data" "network_interface_grant" {
  input = var.network_interface_grant
}

resource "aws_lambda_function" "this" {
  # checkov:skip=CKV_AWS_116: a dead-letter queue only applies to asynchronous invocations; add dead_letter_config when something invokes this function asynchronously.
  # checkov:skip=CKV_AWS_272: code signing needs an AWS Signer profile that only you can create; set code_signing_config_arn once you have one.
  # checkov:skip=CKV_AWS_173: the environment variables are a host:port and two probe settings, not secrets, and Lambda encrypts them at rest with an AWS managed key; set kms_key_arn for a customer key.
  function_name    = var.name
  description      = "Lambda function in the private subnets of ${var.name}"
  role             = var.role_arn
  runtime          = var.runtime
  handler          = var.handler
  architectures    = [var.architecture]
  memory_size      = var.memory_size
  timeout          = var.timeout
  filename         = var.package_path
  source_code_hash = filebase64sha256(var.package_path)
  # -1 leaves the function on the account's unreserved pool.
  reserved_concurrent_executions = var.reserved_concurrency
  publish                        = local.publish

  ephemeral_storage {
    size = var.ephemeral_storage
  }

  dynamic "snap_start" {
    for_each = var.snapstart ? ["PublishedVersions"] : []

    content {
      apply_on = snap_start.value
    }
  }

  environment {
    variables = {
      PROBE_TARGET = var.probe_target
{% if cookiecutter.connect_layer %}
      # Each connect target and where it answers (host:port; empty for a group or a block).
      CONNECT_TARGETS = jsonencode(local.probe_targets)
{% endif %}
      # "sts" only where the function has a path to STS (NAT or an sts endpoint):
      # elsewhere the probe would cost a timeout on every invocation.
      AWS_API_PROBE = var.aws_api_probe ? "sts" : "off"
      # The global sts.amazonaws.com is not served by a regional interface endpoint.
      AWS_STS_REGIONAL_ENDPOINTS = "regional"
    }
  }

  tracing_config {
    mode = var.tracing_mode
  }

  vpc_config {
    # Private subnets only: a public subnet gives a function neither internet access nor a public IP.
    subnet_ids                  = var.attach_to_vpc ? var.subnet_ids : []
    security_group_ids          = var.attach_to_vpc ? local.security_group_ids : []
    ipv6_allowed_for_dual_stack = var.attach_to_vpc && var.enable_ipv6
  }

  # On destroy, moves the function off its own security group first (see aws_security_group.released).
  # Not a function on another's groups: they stay in use, and the move would only make
  # Lambda create interfaces for the released group, to delete them again.
  replace_security_groups_on_destroy = var.attach_to_vpc && length(var.shared_security_group_ids) == 0
  replacement_security_group_ids     = var.attach_to_vpc && length(var.shared_security_group_ids) == 0 ? [aws_security_group.released.id] : null

  lifecycle {
    # Lambda developer guide, SnapStart: Python 3.12 and later; "SnapStart does not
    # support provisioned concurrency, Amazon EFS, or ephemeral storage greater than 512 MB".
    precondition {
      condition     = !var.snapstart || (can(regex("^python3\\.(1[2-9]|[2-9][0-9])$", var.runtime)) && var.provisioned_concurrency == 0 && var.ephemeral_storage <= 512)
      error_message = "SnapStart needs Python 3.12 or later, and does not support provisioned concurrency or ephemeral storage over 512 MB (Lambda developer guide, SnapStart)."
    }

    # Provisioned concurrency comes out of the function's reserved concurrency, when it has one.
    precondition {
      condition     = var.reserved_concurrency == -1 || var.provisioned_concurrency <= var.reserved_concurrency
      error_message = "Provisioned concurrency cannot exceed the function's reserved concurrency (reserved_concurrency)."
    }
  }

  # Without the ENI permissions in place first, creation races IAM propagation;
  # on destroy, the interfaces must be released before the permissions go.
  depends_on = [
    terraform_data.network_interface_grant,
    aws_iam_role_policy.logging,
    aws_iam_role_policy.tracing,
    aws_cloudwatch_log_group.this,
{% if cookiecutter.connect_layer %}
    # The targets admit the function's group before it uses them, and after it has moved
    # to a new group (connect.tf).
    aws_vpc_security_group_ingress_rule.connect,
{% endif %}
  ]
}
