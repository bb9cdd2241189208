output "function_aliases" {
  description = "ARN of each function's alias live, by function name, for the functions that publish versions (SnapStart, provisioned concurrency): invoke these; $LATEST runs neither from a snapshot nor on provisioned instances."
  value = {
    for name, arn in merge(
      { (var.name) = module.function.alias_arn },
{% if cookiecutter.functions %}
      { for key, function in module.functions : "${var.name}_${key}" => function.alias_arn },
{% endif %}
    ) : name => arn if arn != null
  }
}
