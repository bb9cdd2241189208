name         = {{ cookiecutter.name | hcl }}
region       = {{ cookiecutter.region | hcl }}
runtime      = {{ cookiecutter.runtime | hcl }}
architecture = {{ cookiecutter.architecture | hcl }}
memory_size  = {{ cookiecutter.memory }}
timeout      = {{ cookiecutter.timeout }}
{% if cookiecutter.ephemeral_storage != 512 %}

# The size of /tmp in MB (512 is included in the price).
ephemeral_storage = {{ cookiecutter.ephemeral_storage }}
{% endif %}
{% if cookiecutter.snapstart %}

# Invoke {{ cookiecutter.name }}:live: SnapStart restores the published version from its snapshot.
snapstart = true
{% endif %}
{% if cookiecutter.provisioned_concurrency %}

# Kept initialized on the alias live, billed by the hour (README.md, Costs).
provisioned_concurrency = {{ cookiecutter.provisioned_concurrency }}
{% endif %}
{% if cookiecutter.topology == "existing" %}

# The existing network; terraform plan checks it against the Lambda VPC guide.
vpc_id             = {{ cookiecutter.vpc_id | hcl }}
subnet_ids         = {{ cookiecutter.subnet_ids | hcl }}
route_table_ids    = {{ cookiecutter.route_table_ids | hcl }}
security_group_ids = {{ cookiecutter.security_group_ids | hcl }}
{% if cookiecutter.gateway_routes_adopted %}

# The gateway endpoint routes a release before 0.6.0 added: this project's own, never
# taken for another endpoint's (modules/network/gateway_routes.tf).
gateway_routes_adopted = {{ cookiecutter.gateway_routes_adopted | hcl }}
{% endif %}
{% else %}

vpc_cidr         = {{ cookiecutter.vpc_cidr | hcl }}
enable_flow_logs = {{ cookiecutter.flow_logs | hcl }}

{% if cookiecutter.zones %}
# One private subnet per availability zone: azN is the Nth zone of availability_zones.
private_subnets = {{ cookiecutter.private_subnets | hcl }}

# The pinned zones, az1..azN in order{{ ": AZ IDs name the same zones in every account" if cookiecutter.zones_are_ids else "" }}.
availability_zones = {{ cookiecutter.zones | hcl }}
{% else %}
# One private subnet per availability zone: azN is the Nth available AZ of the region.
private_subnets = {{ cookiecutter.private_subnets | hcl }}
{% endif %}
{% if cookiecutter.topology == "private-nat" %}

# One public subnet per NAT {{ cookiecutter.nat_type }} ({{ cookiecutter.nat }}).
public_subnets = {{ cookiecutter.public_subnets | hcl }}
{% if cookiecutter.nat_type == "instance" %}
nat_instance_type = {{ cookiecutter.nat_instance_type | hcl }}
{% endif %}
{% endif %}
{% endif %}

gateway_endpoints   = {{ cookiecutter.gateway_endpoints | hcl }}
interface_endpoints = {{ cookiecutter.interface_endpoints | hcl }}
{% if "execute-api" in cookiecutter.interface_endpoints %}

# Private DNS on the execute-api endpoint sends every caller in the VPC to it for
# *.execute-api names: public API Gateway APIs then answer them 403 Forbidden. Off, call
# private APIs through the endpoint's own DNS name with an x-apigw-api-id header.
execute_api_private_dns = {{ cookiecutter.execute_api_private_dns | hcl }}
{% endif %}

{% if cookiecutter.functions %}
# The functions added to the first one (vpc-lambda-new add-function, remove-function).
functions = {
{% for function in cookiecutter.added_functions %}
  {{ function.name }} = {
    runtime                 = {{ function.runtime | hcl }}
    architecture            = {{ function.architecture | hcl }}
    memory_size             = {{ function.memory }}
    timeout                 = {{ function.timeout }}
    ephemeral_storage       = {{ function.ephemeral_storage }}
    snapstart               = {{ function.snapstart | hcl }}
    provisioned_concurrency = {{ function.provisioned_concurrency }}
    security_group          = {{ function.security_group | hcl }}
    iam                     = {{ function.iam | hcl }}
{% if function.connect %}
    connect                 = {{ function.connect | hcl }}
{% endif %}
  }
{% endfor %}
}

{% endif %}
{% if cookiecutter.connect %}
# What the function is in the VPC for: each target's security group admits the function's
# on its port{{ "" if cookiecutter.connect_ingress else " (not this project's to add: connect_ingress is off)" }}, and the function's may send there.
connect         = {{ cookiecutter.connect | hcl }}
connect_ingress = {{ cookiecutter.connect_ingress | hcl }}

{% endif %}
# Dual stack: IPv6 for the {{ "subnets' blocks" if cookiecutter.topology == "existing" else "VPC and its subnets" }}, allowed for the function.
enable_ipv6 = {{ cookiecutter.ipv6 | hcl }}

# Extra tags for every resource (the provider adds Project, ManagedBy and Generator).
tags = {{ cookiecutter.tags | hcl }}

# Whoever applies with deployer-policy.json can create roles only with this boundary set (README.md, Permissions).
# permissions_boundary_arn = "arn:{{ cookiecutter.partition }}:iam::ACCOUNT_ID:policy/{{ cookiecutter.name }}-boundary"
