"""The AWS API emulator: moto made to refuse what AWS refuses (the fidelity layer).

moto is more lenient than AWS, and a suite that only proves "it applies on moto"
proves little about AWS. This package holds, in one place, every rule by which
the tests' emulator is made stricter than moto:

- the rules themselves, each modelling one documented AWS behaviour that moto
  (5.2) lacks, citing the AWS documentation or the provider source it follows,
  and saying what it does not model: `core` (settings, the record of events,
  AWS's error shapes, one request as the rules see it, the rule registry),
  `principals` (IAM enforcement per access key, implied actions), `ec2_rules`
  (what is in use, endpoints, routes, NAT), `instance_rules` (NAT instances: what a
  terminated instance leaves, launch templates), `group_rules` (security groups referring
  to groups: only in the same VPC or across an active peering; a rule's description
  whatever its peer), `data_rules` (what ElastiCache returns for a replication group's
  members, as the connect targets' lookups read it), `lambda_rules` (VpcConfig checks,
  Lambda's Hyperplane interfaces), `snapstart_rules` (SnapStart kept per version and
  answered as AWS does; the runtimes, EFS and ephemeral storage it refuses),
  `provisioned_rules` (provisioned concurrency, which moto lacks: on a published version or
  alias only, one per version, within the concurrency there is, never on a SnapStart
  version), `install` (what it patches into moto).
  `tests/test_fidelity.py`, `test_fidelity_instances.py`, `test_fidelity_groups.py` and
  `test_fidelity_lambda.py` prove each one active: a known-bad request or configuration
  fails against it.
- `server`: moto's WSGI application with those rules installed, served on
  127.0.0.1 by werkzeug: what the test suite starts (`fixtures_terraform.aws_emulator`),
  and what `vpc-lambda-new emulator` serves for a generated project's `make local`.

moto is an optional dependency: `pip install '.[emulator]'` in vpc-lambda-new's folder. Nothing
else in the package imports this one.

What the layer proves, and what it cannot:

- IAM: requests signed with keys the emulator issued to an IAM user are
  authorized against that user's policies; the fixtures' dummy keys stay
  unrestricted. moto checks most services against the resource `*` and ignores
  conditions, so the deployer tests give the deployer its policy with every
  Resource widened to `*`: they prove that every API action Terraform calls (and
  the documented implied actions: iam:PassRole, tag-on-create, Lambda's VPC
  checks, private DNS) is granted, and NOT that the policy's resource ARNs or
  conditions are right. `tests/test_deployer_policy.py` checks those statically
  against AWS's own data instead.
- Network: Lambda's Hyperplane interfaces exist while a function uses a subnet
  and security group, and linger after it stops; subnets, security groups and
  VPCs that anything still uses cannot be deleted; endpoint and route rules AWS
  enforces. Timings are shortened (see rules.Settings); eventual consistency,
  quotas, and pricing are not modelled.
"""
