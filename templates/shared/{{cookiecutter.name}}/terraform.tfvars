name         = {{ cookiecutter.name | hcl }}
region       = {{ cookiecutter.region | hcl }}
runtime      = {{ cookiecutter.runtime | hcl }}
architecture = {{ cookiecutter.architecture | hcl }}
memory_size  = {{ cookiecutter.memory }}
timeout      = {{ cookiecutter.timeout }}
vpc_cidr     = {{ cookiecutter.vpc_cidr | hcl }}

# One private subnet per availability zone: azN is the Nth available AZ of the region.
private_subnets = {{ cookiecutter.private_subnets | hcl }}
{% if cookiecutter.topology == "private-nat" %}

# One public subnet per NAT gateway ({{ cookiecutter.nat }}).
public_subnets = {{ cookiecutter.public_subnets | hcl }}
{% endif %}

gateway_endpoints   = {{ cookiecutter.gateway_endpoints | hcl }}
interface_endpoints = {{ cookiecutter.interface_endpoints | hcl }}
