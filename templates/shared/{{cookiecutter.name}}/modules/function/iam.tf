# The execution role (module.execution_role) may write this function's logs, and its
# traces when tracing is active.
data "aws_iam_policy_document" "logging" {
  statement {
    sid       = "WriteOwnLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.this.arn}:*"]
  }
}

resource "aws_iam_role_policy" "logging" {
  name   = "logging"
  role   = var.role_name
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
  role   = var.role_name
  policy = data.aws_iam_policy_document.tracing.json
}
