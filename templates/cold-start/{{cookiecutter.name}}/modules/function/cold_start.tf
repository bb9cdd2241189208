# Cold starts (SnapStart, provisioned concurrency): a version is published on every change
# (main.tf, local.publish), and callers invoke it through the alias live: $LATEST never
# runs from a snapshot nor on provisioned instances.
resource "aws_lambda_alias" "live" {
  count = local.publish ? 1 : 0

  name             = "live"
  description      = "The version published last: SnapStart and provisioned concurrency apply here"
  function_name    = aws_lambda_function.this.function_name
  function_version = aws_lambda_function.this.version
}

# Billed by the hour for every provisioned instance, used or not (Lambda pricing).
resource "aws_lambda_provisioned_concurrency_config" "live" {
  count = var.provisioned_concurrency > 0 ? 1 : 0

  function_name                     = aws_lambda_function.this.function_name
  qualifier                         = aws_lambda_alias.live[0].name
  provisioned_concurrent_executions = var.provisioned_concurrency
}
