"""The question table: how each answer is asked, parsed and defaulted, and the relations
between answers, for flags, answers files, update and the wizard alike."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from scaffold.answers.functions import (
    COLD_START_KEYS,
    FUNCTION_KEYS,
    cold_start_problem,
    function_targets,
    names_problem,
    parse_functions,
    provisioned_total_problem,
    snapstart_region_problem,
)
from scaffold.answers.parsers import (
    ARCHITECTURE_NOTES,
    ARCHITECTURES,
    AZ_RANGE,
    EGRESS_GB_RANGE,
    EPHEMERAL_STORAGE_RANGE,
    GATEWAY_ENDPOINTS,
    IAM_MODES,
    INTERFACE_ENDPOINTS,
    MEMORY_RANGE,
    NAT_INSTANCE_LAYOUTS,
    NAT_INSTANCE_TYPE_DEFAULT,
    NAT_LAYOUTS,
    NEW_VPC_TOPOLOGIES,
    PROVISIONED_CONCURRENCY_RANGE,
    RUNTIME_NOTES,
    TIMEOUT_RANGE,
    TOPOLOGIES,
    choice,
    id_list,
    parse_endpoints,
    parse_github_repository,
    parse_instance_type,
    parse_name,
    parse_output_dir,
    parse_region,
    parse_runtime,
    parse_state_bucket,
    parse_state_key,
    parse_tags,
    parse_vpc_cidr,
    parse_vpc_id,
    parse_yes_no,
    parse_zones,
    whole_number,
    zone_in_region,
)
from scaffold.answers.targets import EXAMPLES, IN_THE_VPC, KINDS, MAX_TARGETS, parse_connect
from scaffold.errors import InvalidAnswer


@dataclass(frozen=True)
class Question:
    """One answer: how it is asked, parsed and defaulted, for flags, files and the wizard."""

    key: str
    prompt: str
    parse: Callable[[object], object]
    # A value, or a function of the answers so far (e.g. a state key named after the project).
    default: object
    choices: Mapping[str, str] = field(default_factory=dict)
    applies: Callable[[Mapping[str, object]], bool] = lambda answers: True
    accepts: str = ""  # what a valid answer looks like, for --help
    # A question added in a later release: the release, and the answer projects recorded by
    # an earlier one get, because it is what they had (None: they take the default).
    since: tuple[int, int, int] | None = None
    earlier: object = None
    # When it applies, for the error of an answer given where it does not ("with
    # --state-bucket"); empty: the topology decides.
    only: str = ""
    # A flag that may be given more than once, its values joined by commas (--connect).
    repeatable: bool = False
    # Asked by the wizard and given by a flag; False: only answers files and the record
    # hold it (the added functions, which `add-function` and `remove-function` change).
    asked: bool = True

    @property
    def default_label(self) -> str:
        """The default as --help shows it."""
        if callable(self.default):
            return str(self.default.__doc__)
        if self.default is None:
            return "none; required with --topology existing"
        return str(self.default) if self.default != "" else "none"

    @property
    def flag(self) -> str:
        return "--" + self.key.replace("_", "-")

    @property
    def is_yes_no(self) -> bool:
        return self.parse is parse_yes_no

    def default_for(self, known: Mapping[str, object]) -> object:
        return self.default(known) if callable(self.default) else self.default

    def check(self, text: str) -> bool | str:
        """questionary's validate= contract: True, or the message to show inline."""
        try:
            self.parse(text)
        except InvalidAnswer as problem:
            return str(problem)
        return True


def _nat_applies(answers: Mapping[str, object]) -> bool:
    return answers.get("topology") == "private-nat"


def _nat_instance_applies(answers: Mapping[str, object]) -> bool:
    return _nat_applies(answers) and answers.get("nat") in NAT_INSTANCE_LAYOUTS


def _new_vpc_applies(answers: Mapping[str, object]) -> bool:
    return answers.get("topology") in NEW_VPC_TOPOLOGIES


def _existing_vpc_applies(answers: Mapping[str, object]) -> bool:
    return answers.get("topology") == "existing"


def remote_state_applies(answers: Mapping[str, object]) -> bool:
    return bool(answers.get("state_bucket"))


def _connect_applies(answers: Mapping[str, object]) -> bool:
    return bool(answers.get("connect"))


def _secrets_in_region(answers: Mapping[str, object]) -> str | None:
    targets = answers.get("connect")
    region = str(answers.get("region"))
    for target in targets if isinstance(targets, tuple) else ():
        if target.region is not None and target.region != region:
            # The function calls Secrets Manager in its own region: through its endpoint
            # there, and with the role's rights on that region's ARN.
            return f"{target.text!r} is in {target.region}, not --region {region}"
    return None


def _targets_of_a_vpc_to_be(answers: Mapping[str, object]) -> str | None:
    """A new VPC holds no security group, database or cache yet: such a target is added
    once the VPC exists (`update --connect`), when `terraform plan` can check it is there."""
    targets = answers.get("connect")
    if answers.get("topology") not in NEW_VPC_TOPOLOGIES:
        return None
    for target in targets if isinstance(targets, tuple) else ():
        if target.kind in IN_THE_VPC:
            what = KINDS[target.kind].split(" ", 1)[1].removesuffix(" and a port")
            return (
                f"{target.text!r}: the VPC this project creates holds no {what} yet; apply the"
                " project, create it in the private subnets, then add it with"
                " vpc-lambda-new update --connect"
            )
    return None


def _default_endpoints(answers: Mapping[str, object]) -> str:
    """s3,dynamodb (with --topology existing, only when --route-table-ids are given)"""
    if answers.get("topology") == "existing" and not answers.get("route_table_ids"):
        return ""  # gateway endpoints attach to route tables: none given, none to attach
    return ",".join(GATEWAY_ENDPOINTS)


def _gateway_endpoints_need_route_tables(answers: Mapping[str, object]) -> str | None:
    endpoints = answers.get("endpoints")
    chosen = endpoints if isinstance(endpoints, tuple) else ()
    gateway = [item for item in chosen if item in GATEWAY_ENDPOINTS]
    if answers.get("topology") == "existing" and not answers.get("route_table_ids") and gateway:
        return (
            f"gateway endpoints ({', '.join(gateway)}) attach to route tables;"
            " with --topology existing give --route-table-ids"
        )
    return None


def _execute_api_chosen(answers: Mapping[str, object]) -> bool:
    endpoints = answers.get("endpoints")
    return isinstance(endpoints, tuple) and "execute-api" in endpoints


def _default_execute_api_private_dns(answers: Mapping[str, object]) -> bool:
    """yes with --topology private (no way out to public APIs anyway), no otherwise"""
    # With NAT, or in an existing VPC (other teams' workloads), private DNS would turn
    # every public API Gateway call from the VPC into a 403.
    return answers.get("topology") == "private"


def _default_azs(answers: Mapping[str, object]) -> int:
    """2, or as many as --zones pins"""
    zones = answers.get("zones")
    return len(zones) if isinstance(zones, tuple) and zones else AZ_RANGE[0]


def _zones_in_region(answers: Mapping[str, object]) -> str | None:
    zones = answers.get("zones")
    region = str(answers.get("region"))
    for zone in zones if isinstance(zones, tuple) else ():
        if not zone_in_region(zone, region):
            return f"{zone} is not an availability zone of --region {region}"
    return None


def _one_subnet_per_pinned_zone(answers: Mapping[str, object]) -> str | None:
    zones, azs = answers.get("zones"), answers.get("azs")
    if isinstance(zones, tuple) and zones and azs != len(zones):
        return f"{azs} AZs, but --zones pins {len(zones)} ({', '.join(zones)}): one per AZ"
    return None


def _default_state_key(answers: Mapping[str, object]) -> str:
    """NAME/terraform.tfstate"""
    return f"{answers.get('name', 'vpc-lambda')}/terraform.tfstate"


def _default_state_region(answers: Mapping[str, object]) -> object:
    """the --region"""
    return answers.get("region", "us-east-1")


QUESTIONS: tuple[Question, ...] = (
    Question(
        "name",
        "Project and function name",
        parse_name,
        "vpc-lambda",
        accepts="a letter, then up to 39 letters, digits or hyphens; not sg-",
    ),
    Question("topology", "Network topology", choice(TOPOLOGIES), "private", TOPOLOGIES),
    Question("region", "AWS region", parse_region, "us-east-1"),
    Question(
        "vpc_id",
        "ID of the existing VPC",
        parse_vpc_id,
        None,
        applies=_existing_vpc_applies,
        accepts="vpc-0123456789abcdef0",
    ),
    Question(
        "subnet_ids",
        "Private subnet ids, comma-separated (2 or more, in different AZs)",
        id_list("subnet", 2),
        None,
        applies=_existing_vpc_applies,
        accepts="subnet-0123456789abcdef0,subnet-...",
    ),
    Question(
        "security_group_ids",
        "Security group ids for the function (empty: create a dedicated one)",
        # Lambda takes 5 (API reference, VpcConfig); the project adds one of its own.
        id_list("sg", 0, 4, "Lambda takes 5 security groups and the project adds one"),
        "",
        applies=_existing_vpc_applies,
    ),
    Question(
        "route_table_ids",
        "Route table ids of those subnets, for S3/DynamoDB gateway endpoints (empty: none)",
        id_list("rtb", 0),
        "",
        applies=_existing_vpc_applies,
    ),
    Question(
        "vpc_cidr",
        "VPC CIDR",
        parse_vpc_cidr,
        "10.0.0.0/16",
        applies=_new_vpc_applies,
        accepts="/16 to /24; its lower half holds the private subnets, /27 at least",
    ),
    Question(
        "zones",
        "Zones to pin, names or AZ IDs, comma-separated (empty: chosen at plan)",
        parse_zones,
        "",
        applies=_new_vpc_applies,
        accepts="us-east-1a,us-east-1b, or AZ IDs, the same zones in every account:"
        " use1-az1,use1-az2; empty: the region's first that every interface endpoint"
        " service is offered in",
    ),
    Question(
        "azs",
        "Availability zones (one private subnet each)",
        whole_number(*AZ_RANGE),
        _default_azs,
        applies=_new_vpc_applies,
        accepts=f"{AZ_RANGE[0]} to {AZ_RANGE[1]}, as many as the VPC CIDR holds",
    ),
    Question("nat", "NAT layout", choice(NAT_LAYOUTS), "single", NAT_LAYOUTS, _nat_applies),
    Question(
        "nat_instance_type",
        "EC2 instance type of the NAT instances",
        parse_instance_type,
        NAT_INSTANCE_TYPE_DEFAULT,
        applies=_nat_instance_applies,
        accepts="FAMILY.SIZE, e.g. t4g.nano (Graviton, arm64) or t3.nano (x86_64)",
        since=(0, 8, 0),
        only="with --nat instance or instance-per-az",
    ),
    Question(
        "egress_gb",
        "GB a month the functions send out of the VPC, for the cost comparison",
        whole_number(*EGRESS_GB_RANGE),
        10,
        applies=_new_vpc_applies,
        accepts=f"{EGRESS_GB_RANGE[0]} to {EGRESS_GB_RANGE[1]:,}".replace(",", ""),
        since=(0, 8, 0),
        earlier=10,
    ),
    Question(
        "endpoints",
        "VPC endpoints",
        parse_endpoints,
        _default_endpoints,
        accepts=f"comma-separated: {', '.join(GATEWAY_ENDPOINTS)} (gateway, free);"
        f" {', '.join(INTERFACE_ENDPOINTS)} (interface, billed hourly per AZ)",
    ),
    Question(
        "execute_api_private_dns",
        # API Gateway developer guide, "Private REST APIs": with private DNS on the
        # execute-api endpoint, the VPC cannot reach public (edge-optimized and regional)
        # APIs by their default names; they answer 403 Forbidden.
        "Private DNS on the execute-api endpoint (every public API Gateway API then answers"
        " 403 Forbidden to callers in the VPC)",
        parse_yes_no,
        _default_execute_api_private_dns,
        applies=_execute_api_chosen,
        since=(0, 5, 0),
        earlier=True,
    ),
    Question(
        "connect",
        "Connect to: sg-ID:PORT, CIDR:PORT, rds:, rds-proxy:, elasticache:, secret:ARN",
        parse_connect,
        "",
        accepts=f"up to {MAX_TARGETS}, repeatable: {EXAMPLES}",
        since=(0, 9, 0),
        earlier="",
        repeatable=True,
    ),
    Question(
        "connect_ingress",
        "Add a rule admitting the function to each target's security group",
        parse_yes_no,
        True,
        applies=_connect_applies,
        only="with --connect",
        since=(0, 9, 0),
        earlier=True,
    ),
    Question("runtime", "Lambda runtime", parse_runtime, "python3.12", RUNTIME_NOTES),
    Question(
        "architecture", "CPU architecture", choice(ARCHITECTURES), "arm64", ARCHITECTURE_NOTES
    ),
    Question(
        "memory",
        "Memory (MB)",
        whole_number(*MEMORY_RANGE),
        256,
        accepts=f"{MEMORY_RANGE[0]} to {MEMORY_RANGE[1]}",
    ),
    Question(
        "timeout",
        "Timeout (seconds)",
        whole_number(*TIMEOUT_RANGE),
        30,
        accepts=f"{TIMEOUT_RANGE[0]} to {TIMEOUT_RANGE[1]}",
    ),
    Question(
        "ephemeral_storage",
        "Ephemeral storage, /tmp (MB)",
        whole_number(*EPHEMERAL_STORAGE_RANGE),
        512,
        accepts=f"{EPHEMERAL_STORAGE_RANGE[0]} to {EPHEMERAL_STORAGE_RANGE[1]}",
        since=(0, 10, 0),
        earlier=512,
    ),
    Question(
        "snapstart",
        "SnapStart: publish a version from a snapshot, invoked through the alias live",
        parse_yes_no,
        False,
        since=(0, 10, 0),
        earlier=False,
    ),
    Question(
        "provisioned_concurrency",
        "Provisioned concurrency on the alias live (0 for none; billed by the hour)",
        whole_number(*PROVISIONED_CONCURRENCY_RANGE),
        0,
        accepts=f"{PROVISIONED_CONCURRENCY_RANGE[0]} to {PROVISIONED_CONCURRENCY_RANGE[1]}",
        since=(0, 10, 0),
        earlier=0,
    ),
    Question(
        "iam", "ENI permissions of the execution role", choice(IAM_MODES), "inline", IAM_MODES
    ),
    Question(
        "flow_logs",
        "VPC flow logs to CloudWatch Logs (billed per GB ingested)",
        parse_yes_no,
        False,
        applies=_new_vpc_applies,
    ),
    Question(
        "ipv6",
        "Dual-stack IPv6: subnets get IPv6 blocks and the function may send IPv6 traffic",
        parse_yes_no,
        False,
    ),
    Question("tags", "Extra tags, Key=Value comma-separated (empty for none)", parse_tags, ""),
    Question(
        "state_bucket",
        "S3 bucket for remote Terraform state (empty: local state file)",
        parse_state_bucket,
        "",
    ),
    Question(
        "state_key",
        "Key of the state object in that bucket",
        parse_state_key,
        _default_state_key,
        applies=remote_state_applies,
        only="with --state-bucket",
    ),
    Question(
        "state_region",
        "Region of the state bucket",
        parse_region,
        _default_state_region,
        applies=remote_state_applies,
        only="with --state-bucket",
    ),
    Question(
        "github_repository",
        "GitHub repository OWNER/REPO whose CI plans it, for bootstrap/ (empty: none)",
        parse_github_repository,
        "",
        accepts="OWNER/REPO",
        since=(0, 7, 0),
        earlier="",
    ),
    Question(
        "functions",
        "Functions added to the first one (vpc-lambda-new add-function)",
        lambda value: parse_functions(value, _function_parsers(), _function_defaults()),
        (),
        accepts="a list of mappings: name, runtime, memory, ..., security_group",
        since=(0, 10, 0),
        earlier=(),
        asked=False,
    ),
    Question(
        "output_dir", "Output folder (the project goes to FOLDER/NAME)", parse_output_dir, "."
    ),
)
QUESTIONS_BY_KEY = {question.key: question for question in QUESTIONS}


@dataclass(frozen=True)
class Relation:
    """A rule between answers, declared beside the questions, for flags, files, update
    and the wizard alike: judged once every key it needs is known, blamed on `blame`."""

    needs: frozenset[str]
    blame: str
    problem: Callable[[Mapping[str, object]], str | None]  # None when the answers fit
    # Judged when a project is generated, not when one is updated (what a new VPC lacks).
    new_projects_only: bool = False

    def __call__(self, known: Mapping[str, object]) -> str | None:
        return self.problem(known) if self.needs <= known.keys() else None


# The subnets fitting the VPC CIDR is the other relation: Answers.subnet_plan, planned
# once per answers and blamed on vpc_cidr (the wizard judges it at azs, as it is asked).
def _function_parsers() -> dict[str, Callable[[object], object]]:
    return {key: QUESTIONS_BY_KEY[key].parse for key in (*FUNCTION_KEYS, "connect")}


def _functions_secrets_in_region(answers: Mapping[str, object]) -> str | None:
    return _secrets_in_region({"region": answers.get("region"), "connect": function_targets(answers)})


def _functions_targets_of_a_vpc_to_be(answers: Mapping[str, object]) -> str | None:
    return _targets_of_a_vpc_to_be({"topology": answers.get("topology"), "connect": function_targets(answers)})


def _function_defaults() -> dict[str, object]:
    return {key: QUESTIONS_BY_KEY[key].default for key in FUNCTION_KEYS}


RELATIONS: tuple[Relation, ...] = (
    Relation(frozenset({"region", "zones"}), "zones", _zones_in_region),
    Relation(frozenset({"zones", "azs"}), "azs", _one_subnet_per_pinned_zone),
    Relation(
        frozenset({"topology", "route_table_ids", "endpoints"}),
        "endpoints",
        _gateway_endpoints_need_route_tables,
    ),
    Relation(frozenset({"region", "connect"}), "connect", _secrets_in_region),
    Relation(
        frozenset({"topology", "connect"}), "connect", _targets_of_a_vpc_to_be, new_projects_only=True
    ),
    Relation(frozenset(COLD_START_KEYS), "snapstart", cold_start_problem),
    Relation(frozenset({"name", "region", "functions"}), "functions", names_problem),
    Relation(frozenset({"region", "snapstart", "functions"}), "snapstart", snapstart_region_problem),
    Relation(
        frozenset({"provisioned_concurrency", "functions"}), "provisioned_concurrency",
        provisioned_total_problem,
    ),
    Relation(frozenset({"region", "functions"}), "functions", _functions_secrets_in_region),
    Relation(
        frozenset({"topology", "functions"}), "functions", _functions_targets_of_a_vpc_to_be,
        new_projects_only=True,
    ),
)
