name              = {{ cookiecutter.name | hcl }}
region            = {{ cookiecutter.region | hcl }}
github_repository = {{ cookiecutter.github_repository | hcl }}

# false when the account has GitHub's OIDC provider already (IAM, Identity providers).
create_oidc_provider = true
# false for this project's second region: the first one's boundary is used.
create_boundary = true
{% if cookiecutter.state_bucket %}

state_bucket = {{ cookiecutter.state_bucket | hcl }}
state_key    = {{ cookiecutter.state_key | hcl }}
state_region = {{ cookiecutter.state_region | hcl }}
{% endif %}
