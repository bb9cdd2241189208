provider "aws" {
  region = var.region

  default_tags {
    tags = {
      Project   = var.name
      ManagedBy = "terraform"
      Generator = "vpc-lambda-new"
    }
  }
}
{% if cookiecutter.state_bucket %}

# The state bucket lives where the project's backend.tf says.
provider "aws" {
  alias  = "state"
  region = var.state_region

  default_tags {
    tags = {
      Project   = var.name
      ManagedBy = "terraform"
      Generator = "vpc-lambda-new"
    }
  }
}
{% endif %}
