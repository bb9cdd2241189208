variable "name" {
  type        = string
  description = "The project's name: the boundary, the deployer policy and the CI role are named after it."
}

variable "region" {
  type        = string
  description = "The project's region; IAM is global, so only the provider needs it."
}

variable "github_repository" {
  type        = string
  description = "OWNER/REPO of the GitHub repository, exactly as GitHub spells it: its pull requests may assume the plan role, its main branch the deploy role."

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9._-]+$", var.github_repository))
    error_message = "github_repository is OWNER/REPO, as in github.com/OWNER/REPO."
  }
}

variable "create_boundary" {
  type        = bool
  description = "Create the project's permissions boundary (NAME-boundary). One per account: set false for the project's second region, and the first one's is used."
  default     = true
}

variable "create_oidc_provider" {
  type        = bool
  description = "Create GitHub's OIDC provider in IAM. An account holds at most one per URL: set false when it has one (another project created it), and this uses it."
  default     = true
}
{% if cookiecutter.state_bucket %}

variable "state_bucket" {
  type        = string
  description = "The S3 bucket the project's backend.tf keeps its state in."
}

variable "state_key" {
  type        = string
  description = "The key of the project's state object in that bucket."
}

variable "state_region" {
  type        = string
  description = "The region of the state bucket."
}
{% endif %}
