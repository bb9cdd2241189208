# State in S3, shared by the team and CI (README.md: Remote state). The lock is an
# object beside the state (use_lockfile, Terraform >= 1.11), so no DynamoDB table.
terraform {
  backend "s3" {
    bucket       = {{ cookiecutter.state_bucket | hcl }}
    key          = {{ cookiecutter.state_key | hcl }}
    region       = {{ cookiecutter.state_region | hcl }}
    encrypt      = true
    use_lockfile = true
  }
}
