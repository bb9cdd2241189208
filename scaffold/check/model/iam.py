"""Building roles and the policies granted to them."""

from __future__ import annotations

import json
from ipaddress import IPv4Network, IPv6Network
from typing import Any

from scaffold.check.model.base import BuilderBase
from scaffold.check.model.entities import (
    AWS_MANAGED_POLICIES,
    AWS_MANAGED_POLICY_PREFIX,
    Entity,
    Grant,
    Link,
    PolicyStatement,
    Role,
    Unresolved,
    as_list,
    document_block_statement,
    parse_statements,
)
from scaffold.check.values import (
    Ref,
    Template,
    Unknown,
)

Network = IPv4Network | IPv6Network


class IamBuilder(BuilderBase):
    # --- IAM ---------------------------------------------------------------------------------------

    def fill_role(self, role: Role) -> None:
        address = role.address
        role.name = self.value(address, "name")
        role.trust = self.raw_statements(self.value(address, "assume_role_policy"))
        boundary = self.value(address, "permissions_boundary")
        if boundary not in (None, ""):
            role.boundary = self.managed_statements(boundary)
        if self.configured(address, "inline_policy"):
            for block in as_list(self.value(address, "inline_policy")):
                if isinstance(block, dict) and block.get("policy"):
                    role.grants.append(
                        Grant(
                            role,
                            self.statements(block.get("policy")),
                            role,
                            f"inline policy {block.get('name')}",
                        )
                    )
        if self.configured(address, "managed_policy_arns"):
            arns = self.value(address, "managed_policy_arns")
            if isinstance(arns, Unknown):
                role.grants.append(
                    Grant(
                        role,
                        Unresolved(f"{address}.managed_policy_arns is not known"),
                        role,
                        "managed policies",
                    )
                )
            for arn in as_list(arns):
                role.grants.append(
                    Grant(role, self.managed_statements(arn), role, f"managed policy {arn!r}")
                )

    def role_grant(self, address: str, type_name: str, mode: str) -> None:
        source = self.register(Entity(**self.entity_args(address, type_name, mode)))
        if type_name == "aws_iam_policy_attachment":
            roles: list[Link] = [
                found
                for found in (
                    self.link(item, f"{address}.roles")
                    for item in as_list(self.value(address, "roles"))
                )
                if found is not None
            ]
            if isinstance(self.value(address, "roles"), Unknown):
                roles = [Unresolved(f"{address}.roles is not known")]
        else:
            found = self.link(self.value(address, "role"), f"{address}.role")
            roles = [found] if found is not None else []
        if type_name == "aws_iam_role_policy":
            statements = self.statements(self.value(address, "policy"))
            what = f"inline policy {self.value(address, 'name')!r}"
        else:
            arn = self.value(address, "policy_arn")
            statements = self.managed_statements(arn)
            what = f"managed policy {arn!r}"
        for role in roles:
            grant = Grant(source, statements, role, what)
            if isinstance(role, Role):
                role.grants.append(grant)
            else:
                self.model.unplaced_grants.append(grant)

    def managed_statements(self, arn: object) -> list[PolicyStatement] | Unresolved:
        if isinstance(arn, Ref):
            policy = self.by_address.get(arn.address)
            if policy is not None and policy.type == "aws_iam_policy":
                return self.statements(self.value(policy.address, "policy"))
            return Unresolved(f"the policy {arn!r} is not known")
        if isinstance(arn, str) and arn in self.by_id and self.by_id[arn].type == "aws_iam_policy":
            return self.statements(self.value(self.by_id[arn].address, "policy"))
        text = (
            arn
            if isinstance(arn, str)
            else arn.parts[-1]
            if isinstance(arn, Template) and arn.parts and isinstance(arn.parts[-1], str)
            else None
        )
        if isinstance(text, str) and AWS_MANAGED_POLICY_PREFIX in text:
            name = text.split(AWS_MANAGED_POLICY_PREFIX, 1)[1]
            if name in AWS_MANAGED_POLICIES:
                return parse_statements(AWS_MANAGED_POLICIES[name])
            return Unresolved(f"the AWS managed policy {name} is not one this check knows")
        if isinstance(text, str) and text.rsplit(":policy/", 1)[-1] in self.policies:
            return parse_statements(self.policies[text.rsplit(":policy/", 1)[-1]])
        return Unresolved(f"the policy {arn!r} is not known")

    def statements(self, policy: object) -> list[PolicyStatement] | Unresolved:
        raw = self.raw_statements(policy)
        return raw if isinstance(raw, Unresolved) else parse_statements(raw)

    def raw_statements(self, policy: object) -> list[dict[str, Any]] | Unresolved:
        """A policy's statements as JSON objects, from its JSON or from the
        aws_iam_policy_document that makes it."""
        if isinstance(policy, Ref) and policy.path in (("json",), ("minified_json",)):
            known = self.known is not None and policy.address in self.known.values
            if policy.address in self.infos or known:
                address = policy.address
                for extra in (
                    "source_policy_documents",
                    "override_policy_documents",
                    "source_json",
                    "override_json",
                ):
                    if as_list(self.value(address, extra)) not in ([], [None]):
                        return Unresolved(f"{address} merges other documents")
                blocks = self.value(address, "statement")
                if isinstance(blocks, Unknown):
                    return Unresolved(f"the statements of {address} are not known")
                return [document_block_statement(block) for block in as_list(blocks)]
        if isinstance(policy, str):
            try:
                parsed = json.loads(policy)
            except json.JSONDecodeError:
                return Unresolved(f"a policy is not valid JSON: {policy[:60]!r}")
            found = parsed.get("Statement", []) if isinstance(parsed, dict) else []
            found = [found] if isinstance(found, dict) else found
            return (
                found
                if isinstance(found, list)
                else Unresolved("a policy's PolicyStatement is not a list")
            )
        if isinstance(policy, Unknown):
            return Unresolved(f"a policy is {policy!r}")
        return Unresolved("a policy is missing")
