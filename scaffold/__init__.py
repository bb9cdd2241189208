"""vpc-lambda-new: a Terraform project for an AWS Lambda function inside a VPC."""

# The one place the version is written: pyproject.toml reads it from here (hatch), so
# no run pays for importlib.metadata to learn it.
__version__ = "0.10.0"
