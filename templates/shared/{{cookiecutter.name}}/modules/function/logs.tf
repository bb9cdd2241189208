resource "aws_cloudwatch_log_group" "this" {
  # A customer-managed key is optional: its key policy must first grant CloudWatch
  # Logs access. Without one, CloudWatch Logs still encrypts the group at rest.
  name              = "/aws/lambda/${var.name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.log_kms_key_arn

  tags = var.tags
}
