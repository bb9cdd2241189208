data "aws_partition" "current" {}

locals {
  # The given security groups, or else the dedicated one (count makes it exist only then).
  # With the given ones goes the rule-less aws_security_group.released (it opens nothing):
  # every interface Lambda builds then holds a group of this project, whose deletion waits
  # until Lambda has released them all, and the role's network-interface permissions, which
  # Lambda releases them with, are destroyed only after it, as with the dedicated group.
  # https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html#configuration-vpc-permissions
  security_group_ids = (
    length(var.security_group_ids) > 0
    ? concat(var.security_group_ids, [aws_security_group.released.id])
    : aws_security_group.this[*].id
  )
}

resource "aws_security_group" "this" {
  # checkov:skip=CKV2_AWS_5: attached to the function's vpc_config through local.security_group_ids, which the scanner's graph does not follow.
  count = length(var.security_group_ids) > 0 ? 0 : 1

  # A prefix, not a fixed name: a replacement is created before the old group is
  # deleted, and the old one stays busy while Lambda releases its interfaces.
  name_prefix = "${var.name}-function-"
  description = "Lambda function ${var.name}: no inbound; outbound only where it needs to go"
  vpc_id      = var.vpc_id

  egress {
    description      = "Private resources and interface endpoints inside the VPC"
    from_port        = 0
    to_port          = 0
    protocol         = "-1"
    cidr_blocks      = var.vpc_cidrs
    ipv6_cidr_blocks = var.vpc_ipv6_cidrs
  }

  dynamic "egress" {
    for_each = var.gateway_prefix_list_ids

    content {
      description     = "HTTPS to S3 or DynamoDB through its gateway endpoint"
      from_port       = 443
      to_port         = 443
      protocol        = "tcp"
      prefix_list_ids = [egress.value]
    }
  }

  dynamic "egress" {
    for_each = var.internet_egress ? ["0.0.0.0/0"] : []

    content {
      description = "HTTPS to the internet through NAT"
      from_port   = 443
      to_port     = 443
      protocol    = "tcp"
      cidr_blocks = [egress.value]
    }
  }

  dynamic "egress" {
    for_each = var.ipv6_internet_egress ? ["::/0"] : []

    content {
      description      = "HTTPS to the internet over IPv6 through the egress-only internet gateway"
      from_port        = 443
      to_port          = 443
      protocol         = "tcp"
      ipv6_cidr_blocks = [egress.value]
    }
  }

  dynamic "egress" {
    for_each = var.additional_egress_cidrs

    content {
      description      = "Extra destination from var.additional_egress_cidrs"
      from_port        = 0
      to_port          = 0
      protocol         = "-1"
      cidr_blocks      = strcontains(egress.value, ":") ? [] : [egress.value]
      ipv6_cidr_blocks = strcontains(egress.value, ":") ? [egress.value] : []
    }
  }

  tags = merge({ Name = "${var.name}-function" }, var.tags)

  lifecycle {
    create_before_destroy = true
  }

  # Deleted before the permissions Lambda needs to release its interfaces.
  depends_on = [{{ cookiecutter.network_interface_grant }}]
}

# On destroy the function is first moved to this group (replace_security_groups_on_destroy),
# so Lambda starts releasing the interfaces of its own group while the function still
# exists; that group stays busy until they are released, as Lambda also creates
# interfaces for this one (https://github.com/hashicorp/terraform-provider-aws/pull/37624).
# This one has no rules, exists exactly as long as the function, and its deletion waits
# until Lambda has released the interfaces it holds (with security groups of your own,
# every interface of the function holds it too): the execution role, which Lambda uses to
# delete them, outlives that wait.
resource "aws_security_group" "released" {
  name_prefix = "${var.name}-released-"
  description = "Holds the network interfaces of Lambda function ${var.name} while they are released on destroy; no rules"
  vpc_id      = var.vpc_id

  tags = merge({ Name = "${var.name}-released" }, var.tags)

  lifecycle {
    create_before_destroy = true
  }

  depends_on = [{{ cookiecutter.network_interface_grant }}]
}

data "aws_iam_policy_document" "assume_role" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "this" {
  # Role names are global to the account: the region keeps two deployments apart, and
  # the path keeps this project's roles apart from another's in IAM policies.
  name                 = "${var.name}-lambda-${var.region}"
  path                 = "/vpc-lambda-new/${var.name}/"
  description          = "Execution role of the Lambda function ${var.name} in ${var.region}"
  assume_role_policy   = data.aws_iam_policy_document.assume_role.json
  permissions_boundary = var.permissions_boundary_arn

  tags = var.tags
}
{% if cookiecutter.iam == "inline" %}

data "aws_iam_policy_document" "network_interfaces" {
  # checkov:skip=CKV_AWS_111: the six network-interface actions the Lambda guide requires; Lambda names the interfaces it creates, so no resource constraint is possible.
  # checkov:skip=CKV_AWS_356: as above: the interfaces do not exist before Lambda creates them, and DescribeNetworkInterfaces and DescribeSubnets take no resource at all.
  # The Lambda developer guide's "Required IAM permissions", the actions
  # AWSLambdaVPCAccessExecutionRole grants too:
  # https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html#configuration-vpc-permissions
  statement {
    sid = "ManageNetworkInterfaces"
    actions = [
      "ec2:CreateNetworkInterface",
      "ec2:DescribeNetworkInterfaces",
      "ec2:DescribeSubnets",
      "ec2:DeleteNetworkInterface",
      "ec2:AssignPrivateIpAddresses",
      "ec2:UnassignPrivateIpAddresses",
    ]
    # Lambda creates the interfaces itself, so their ARNs are unknown here, and
    # Describe calls cannot be scoped to a resource at all.
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "network_interfaces" {
  name   = "network-interfaces"
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.network_interfaces.json
}
{% else %}

resource "aws_iam_role_policy_attachment" "vpc_access" {
  role       = aws_iam_role.this.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
}
{% endif %}

resource "aws_cloudwatch_log_group" "this" {
  # A customer-managed key is optional: its key policy must first grant CloudWatch
  # Logs access. Without one, CloudWatch Logs still encrypts the group at rest.
  name              = "/aws/lambda/${var.name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.log_kms_key_arn

  tags = var.tags
}

data "aws_iam_policy_document" "logging" {
  statement {
    sid       = "WriteOwnLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.this.arn}:*"]
  }
}

resource "aws_iam_role_policy" "logging" {
  name   = "logging"
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.logging.json
}

data "aws_iam_policy_document" "tracing" {
  statement {
    sid     = "WriteTraces"
    actions = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    # X-Ray's write actions take no resource: they cannot be scoped.
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "tracing" {
  count = var.tracing_mode == "Active" ? 1 : 0

  name   = "tracing"
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.tracing.json
}

resource "aws_lambda_function" "this" {
  # checkov:skip=CKV_AWS_116: a dead-letter queue only applies to asynchronous invocations; add dead_letter_config when something invokes this function asynchronously.
  # checkov:skip=CKV_AWS_272: code signing needs an AWS Signer profile that only you can create; set code_signing_config_arn once you have one.
  # checkov:skip=CKV_AWS_173: the environment variables are a host:port and two probe settings, not secrets, and Lambda encrypts them at rest with an AWS managed key; set kms_key_arn for a customer key.
  function_name    = var.name
  description      = "Lambda function in the private subnets of ${var.name}"
  role             = aws_iam_role.this.arn
  runtime          = var.runtime
  handler          = var.handler
  architectures    = [var.architecture]
  memory_size      = var.memory_size
  timeout          = var.timeout
  filename         = var.package_path
  source_code_hash = filebase64sha256(var.package_path)
  # -1 leaves the function on the account's unreserved pool.
  reserved_concurrent_executions = var.reserved_concurrency

  environment {
    variables = {
      PROBE_TARGET = var.probe_target
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
  replace_security_groups_on_destroy = var.attach_to_vpc
  replacement_security_group_ids     = var.attach_to_vpc ? [aws_security_group.released.id] : null

  # Without the ENI permissions in place first, creation races IAM propagation;
  # on destroy, the interfaces must be released before the permissions go.
  depends_on = [
    {{ cookiecutter.network_interface_grant }},
    aws_iam_role_policy.logging,
    aws_iam_role_policy.tracing,
    aws_cloudwatch_log_group.this,
  ]
}
