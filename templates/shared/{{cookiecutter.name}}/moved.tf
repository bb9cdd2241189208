# Addresses that moved in vpc-lambda-new 0.5.0: the execution role and its network-interface
# permissions left module.function for module.execution_role, which the network and the
# function both consume. Terraform moves them in the state on the next plan; nothing is
# destroyed or replaced.
moved {
  from = module.function.aws_iam_role.this
  to   = module.execution_role.aws_iam_role.this
}
{% if cookiecutter.iam == "inline" %}

moved {
  from = module.function.aws_iam_role_policy.network_interfaces
  to   = module.execution_role.aws_iam_role_policy.network_interfaces
}
{% else %}

moved {
  from = module.function.aws_iam_role_policy_attachment.vpc_access
  to   = module.execution_role.aws_iam_role_policy_attachment.vpc_access
}
{% endif %}
