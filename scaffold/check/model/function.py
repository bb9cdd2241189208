"""Building Lambda functions."""

from __future__ import annotations

from ipaddress import IPv4Network, IPv6Network

from scaffold.check.model.base import BuilderBase
from scaffold.check.model.entities import Function, Unresolved, as_list
from scaffold.check.values import (
    Unknown,
)

Network = IPv4Network | IPv6Network


class FunctionBuilder(BuilderBase):
    # --- the function -------------------------------------------------------------------------

    def function(self, address: str, type_name: str, mode: str) -> Function:
        function = Function(**self.entity_args(address, type_name, mode))
        self.register(function)
        function.name = self.value(address, "function_name")
        function.role = self.link(self.value(address, "role"), f"{address}.role")
        config = self.value(address, "vpc_config")
        if isinstance(config, Unknown):
            function.subnets = function.security_groups = Unresolved(
                f"{address}.vpc_config is not known"
            )
        else:
            first = as_list(config)[0] if as_list(config) else {}
            if not isinstance(first, dict):
                first = {}
            function.subnets = self.links(
                first.get("subnet_ids"), f"{address}.vpc_config.subnet_ids"
            )
            function.security_groups = self.links(
                first.get("security_group_ids"), f"{address}.vpc_config.security_group_ids"
            )
        function.replace_on_destroy = self.value(address, "replace_security_groups_on_destroy")
        function.replacement_groups = self.links(
            self.value(address, "replacement_security_group_ids"),
            f"{address}.replacement_security_group_ids",
        )
        return function
