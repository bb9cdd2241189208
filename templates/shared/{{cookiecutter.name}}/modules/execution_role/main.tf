# The execution role and its network-interface permissions: what Lambda uses to create
# and release the function's interfaces. The network (whose subnets are deleted only after
# Lambda has released them) and the function (created only once the permissions exist)
# both consume it; it depends on neither.
data "aws_partition" "current" {}

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
  # (An added function's role: FUNCTION-REGION, FUNCTION being PROJECT_NAME.)
  name                 = var.function_name == null ? "${var.name}-lambda-${var.region}" : "${var.function_name}-${var.region}"
  path                 = "/vpc-lambda-new/${var.name}/"
  description          = "Execution role of the Lambda function ${coalesce(var.function_name, var.name)} in ${var.region}"
  assume_role_policy   = data.aws_iam_policy_document.assume_role.json
  permissions_boundary = var.permissions_boundary_arn

  tags = var.tags
}

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

# var.iam: "inline", exactly those six actions; "managed", AWSLambdaVPCAccessExecutionRole.
resource "aws_iam_role_policy" "network_interfaces" {
  count = var.iam == "inline" ? 1 : 0

  name   = "network-interfaces"
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.network_interfaces.json
}

resource "aws_iam_role_policy_attachment" "vpc_access" {
  count = var.iam == "managed" ? 1 : 0

  role       = aws_iam_role.this.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
}

# Addresses before 0.10.0, when the project's one mode was rendered without count.
moved {
  from = aws_iam_role_policy.network_interfaces
  to   = aws_iam_role_policy.network_interfaces[0]
}

moved {
  from = aws_iam_role_policy_attachment.vpc_access
  to   = aws_iam_role_policy_attachment.vpc_access[0]
}
