terraform {
  required_version = "{{ cookiecutter.required_terraform }}"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100, < 7.0"
    }
  }
}
