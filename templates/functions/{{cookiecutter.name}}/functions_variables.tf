variable "functions" {
  type = map(object({
    runtime                 = string
    architecture            = optional(string, "arm64")
    memory_size             = optional(number, 256)
    timeout                 = optional(number, 30)
    ephemeral_storage       = optional(number, 512)
    snapstart               = optional(bool, false)
    provisioned_concurrency = optional(number, 0)
    security_group          = optional(string, "shared")
    iam                     = optional(string, "{{ cookiecutter.iam }}")
    connect                 = optional(list(string), [])
  }))
  description = "The functions added to the first one (vpc-lambda-new add-function NAME), by name: each is PROJECT_NAME in AWS, its handler in functions/NAME/. security_group shared uses the first function's groups (no new interfaces); own gives it a group, and one more interface in each private subnet."
  default     = {}

  validation {
    condition     = alltrue([for key, function in var.functions : can(regex("^[a-z][a-z0-9]*(-[a-z0-9]+)*$", key)) && contains({{ cookiecutter.runtimes | hcl }}, function.runtime) && contains({{ cookiecutter.architectures | hcl }}, function.architecture) && contains(["shared", "own"], function.security_group) && contains(["inline", "managed"], function.iam)])
    error_message = "Each function needs a lower-case name, a runtime of {{ cookiecutter.runtimes | join(", ") }}, arm64 or x86_64, security_group shared or own, and iam inline or managed."
  }

  validation {
    condition     = alltrue([for function in values(var.functions) : length(function.connect) == 0 || function.security_group == "own"])
    error_message = "A function's connect targets need security_group own: on the shared group it reaches what the first function's targets admit."
  }

{% if not cookiecutter.cold_starts %}
  validation {
    condition     = alltrue([for function in values(var.functions) : !function.snapstart && function.provisioned_concurrency == 0])
    error_message = "This project has no aliases nor their deployer policy yet: vpc-lambda-new add-function NAME --snapstart (or --provisioned-concurrency N) adds them."
  }

{% endif %}
  validation {
    condition     = alltrue([for function in values(var.functions) : !function.snapstart || (can(regex("^python3\\.(1[2-9]|[2-9][0-9])$", function.runtime)) && function.provisioned_concurrency == 0 && function.ephemeral_storage <= 512)])
    error_message = "SnapStart needs Python 3.12 or later, and does not support provisioned concurrency or ephemeral storage over 512 MB (Lambda developer guide, SnapStart)."
  }
}
