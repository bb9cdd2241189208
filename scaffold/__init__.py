"""vpc-lambda-new: a Terraform project for an AWS Lambda function inside a VPC."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("vpc-lambda-new")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"
