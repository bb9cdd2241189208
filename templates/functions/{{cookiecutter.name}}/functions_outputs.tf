output "functions" {
  description = "The added functions, by their name in the project: their names in AWS, ARNs, roles and security groups."
  value = {
    for key, function in module.functions : key => {
      function_name      = function.function_name
      function_arn       = function.function_arn
      role_arn           = function.role_arn
      security_group_ids = function.security_group_ids
    }
  }
}
