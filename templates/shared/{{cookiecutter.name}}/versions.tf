terraform {
  required_version = "{{ cookiecutter.required_terraform }}"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.70, < 7.0"
    }
  }
}
