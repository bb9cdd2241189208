data "aws_partition" "current" {}

resource "aws_security_group" "this" {
  name        = "${var.name}-function"
  description = "Lambda function ${var.name}: outbound only, no inbound"
  vpc_id      = var.vpc_id

  egress {
    description = "HTTPS to AWS APIs through VPC endpoints{{ ' or the NAT gateway' if cookiecutter.topology == 'private-nat' else '' }}"
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }

  egress {
    description = "Private resources inside the VPC (databases, caches, internal services)"
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = [var.vpc_cidr]
  }

  tags = merge({ Name = "${var.name}-function" }, var.tags)
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
  name               = "${var.name}-lambda"
  description        = "Execution role of the Lambda function ${var.name}"
  assume_role_policy = data.aws_iam_policy_document.assume_role.json

  tags = var.tags
}
{% if cookiecutter.iam == "inline" %}

data "aws_iam_policy_document" "network_interfaces" {
  statement {
    sid = "ManageNetworkInterfaces"
    actions = [
      "ec2:CreateNetworkInterface",
      "ec2:DescribeNetworkInterfaces",
      "ec2:DeleteNetworkInterface",
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
  name              = "/aws/lambda/${var.name}"
  retention_in_days = var.log_retention_days

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

resource "aws_lambda_function" "this" {
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

  environment {
    variables = {
      PROBE_TARGET = var.probe_target
    }
  }

  vpc_config {
    # Private subnets only: a public subnet gives a function neither internet access nor a public IP.
    subnet_ids         = var.attach_to_vpc ? var.subnet_ids : []
    security_group_ids = var.attach_to_vpc ? [aws_security_group.this.id] : []
  }

  # Without the ENI permissions in place first, creation races IAM propagation;
  # on destroy, the interfaces must be released before the permissions go.
  depends_on = [
{% if cookiecutter.iam == "inline" %}
    aws_iam_role_policy.network_interfaces,
{% else %}
    aws_iam_role_policy_attachment.vpc_access,
{% endif %}
    aws_iam_role_policy.logging,
    aws_cloudwatch_log_group.this,
  ]
}
