"""The one walk over the questions: layered sources (flags, an answers file, the project's
record) into validated `Answers`, the only thing rendering takes."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from functools import cached_property
from pathlib import Path

from scaffold.answers.functions import Function
from scaffold.answers.parsers import (
    GATEWAY_ENDPOINTS,
    INTERFACE_ENDPOINTS,
    NAT_INSTANCE_LAYOUTS,
    PER_AZ_NAT_LAYOUTS,
)
from scaffold.answers.questions import (
    QUESTIONS,
    QUESTIONS_BY_KEY,
    RELATIONS,
    Question,
)
from scaffold.answers.targets import Target
from scaffold.errors import InvalidAnswer, ScaffoldError
from scaffold.network import SubnetPlan, plan_subnets, public_subnet_count


@dataclass(frozen=True)
class Answers:
    """Validated answers; rendering takes nothing else."""

    name: str
    topology: str
    region: str
    vpc_id: str | None
    subnet_ids: tuple[str, ...] | None
    security_group_ids: tuple[str, ...] | None
    route_table_ids: tuple[str, ...] | None
    vpc_cidr: ipaddress.IPv4Network | None
    zones: tuple[str, ...] | None
    azs: int | None
    nat: str | None
    nat_instance_type: str | None
    egress_gb: int | None
    endpoints: tuple[str, ...]
    execute_api_private_dns: bool | None
    connect: tuple[Target, ...]
    connect_ingress: bool | None
    runtime: str
    architecture: str
    memory: int
    timeout: int
    ephemeral_storage: int
    snapstart: bool
    provisioned_concurrency: int
    iam: str
    flow_logs: bool | None
    ipv6: bool
    tags: tuple[tuple[str, str], ...]
    state_bucket: str
    state_key: str | None
    state_region: str | None
    github_repository: str
    functions: tuple[Function, ...]
    output_dir: Path
    # The answers nobody gave: they took their defaults (recorded as the record's _defaults).
    defaulted: frozenset[str] = field(default=frozenset(), compare=False)
    # (existing) "SERVICE:ROUTE-TABLE-ID" of the gateway endpoint routes a release before
    # GATEWAY_CLAIMS_SINCE added: the project's own, which its claims must not take for
    # another endpoint's (recorded as the record's _gateway_routes_adopted).
    gateway_routes_adopted: tuple[str, ...] = ()

    @property
    def project_dir(self) -> Path:
        return self.output_dir / self.name

    @property
    def gateway_endpoints(self) -> tuple[str, ...]:
        return tuple(item for item in self.endpoints if item in GATEWAY_ENDPOINTS)

    @property
    def interface_endpoints(self) -> tuple[str, ...]:
        return tuple(item for item in self.endpoints if item in INTERFACE_ENDPOINTS)

    @property
    def nat_count(self) -> int:
        """NAT gateways or NAT instances, each in a public subnet of its own."""
        return public_subnet_count(self.topology, self.azs, self.nat in PER_AZ_NAT_LAYOUTS)

    @property
    def nat_type(self) -> str | None:
        """gateway or instance, with private-nat; None otherwise."""
        if self.topology != "private-nat":
            return None
        return "instance" if self.nat in NAT_INSTANCE_LAYOUTS else "gateway"

    @property
    def nat_gateway_count(self) -> int:
        return self.nat_count if self.nat_type == "gateway" else 0

    @property
    def nat_instance_count(self) -> int:
        return self.nat_count if self.nat_type == "instance" else 0

    @cached_property
    def subnet_plan(self) -> SubnetPlan:
        """The subnets to create, planned once per answers (InvalidAnswer if they do not fit)."""
        return plan_subnets(self.vpc_cidr, self.azs, self.nat_count)

    def to_record(self) -> dict[str, object]:
        """The answers as plain data, in question order, for the project's answers file."""
        record: dict[str, object] = {}
        for item in fields(self):
            if item.name in ("output_dir", "defaulted", "gateway_routes_adopted"):
                continue
            value = getattr(self, item.name)
            if item.name == "endpoints":
                value = ",".join(value)
            elif item.name == "tags":
                value = dict(value)
            elif item.name == "connect":
                value = [target.text for target in value]
            elif item.name == "functions":
                value = [function.to_record() for function in value]
            elif isinstance(value, tuple):
                value = list(value)
            elif isinstance(value, ipaddress.IPv4Network):
                value = str(value)
            if value is not None:
                record[item.name] = value
        return record


@dataclass(frozen=True)
class RawAnswer:
    """An answer as given, before validation, and where it came from."""

    value: object
    source: str  # how the user named it: "--vpc-cidr", "vpc_cidr in answers.yml"


@dataclass(frozen=True)
class Layer:
    """One source of answers. The walker reads layers in order: flags, then an answers
    file, then the project's record (copier's layered answers)."""

    answers: Mapping[str, RawAnswer]
    # The project's record: an answer that no longer applies is dropped, not refused, and
    # one that was a default follows the new default when other answers moved it.
    recorded: bool = False
    defaults: frozenset[str] = frozenset()  # (recorded) the answers that were defaults
    # (recorded) the release that wrote the record; None when it does not say
    release: tuple[int, int, int] | None = None
    # (recorded) the gateway endpoint routes the record lists as adopted
    gateway_routes_adopted: tuple[str, ...] = ()


# The release whose `existing` projects claim each gateway endpoint route they add
# (modules/network/gateway_routes.tf); the routes of a project recorded earlier are adopted.
GATEWAY_CLAIMS_SINCE = (0, 6, 0)


# Asked for a question no layer answers (the wizard): the question, the value it would
# otherwise take (the recorded answer or the default), the answers so far.
Ask = Callable[["Question", object, Mapping[str, object]], RawAnswer]


def walk(layers: Sequence[Layer], ask: Ask | None = None) -> Answers:
    """The one walk over the questions: each answer from the first layer that gives it,
    asked (when `ask` is given) or defaulted otherwise, parsed once, the questions'
    conditions applied once, and the relations between answers judged."""
    for layer in layers:
        unknown = sorted(set(layer.answers) - set(QUESTIONS_BY_KEY))
        if unknown:
            raise ScaffoldError(f"{layer.answers[unknown[0]].source}: unknown answer")
    then = _recorded_values(layers)
    values: dict[str, object] = {}
    sources: dict[str, str] = {}
    defaulted: set[str] = set()
    for question in QUESTIONS:
        explicit = next((layer.answers[question.key] for layer in layers
                         if not layer.recorded and question.key in layer.answers), None)  # fmt: skip
        if not question.applies(values):
            if explicit is not None:
                if question.only:
                    raise ScaffoldError(f"{explicit.source}: applies only {question.only}")
                raise ScaffoldError(
                    f"{explicit.source}: does not apply to --topology {values['topology']}"
                )
            values[question.key] = None
            continue
        given = explicit
        fallback, fallback_was_default = _recorded(question, layers, then, values)
        if given is None and ask is not None and question.asked:
            offered = question.default_for(values) if fallback is None else fallback.value
            given = ask(question, offered, values)
            if not fallback_was_default and fallback is not None:
                pass  # a recorded choice, offered and confirmed or changed: chosen
            elif _same(question, given.value, question.default_for(values)):
                defaulted.add(question.key)
        if given is None:
            given = fallback
            if fallback is None or fallback_was_default:
                defaulted.add(question.key)
        if given is None:
            value = question.default_for(values)
        else:
            value = given.value
            if value is None:  # `key: null` in an answers file
                raise ScaffoldError(f"{given.source}: needs a value, not null")
        source = given.source if given else question.flag
        if value is None:
            raise ScaffoldError(f"{source}: required with --topology {values['topology']}")
        try:
            values[question.key] = question.parse(value)
        except InvalidAnswer as problem:
            raise ScaffoldError(f"{source}: {problem}") from None
        sources[question.key] = source
    updating = any(layer.recorded for layer in layers)
    for relation in RELATIONS:
        if relation.new_projects_only and updating:
            continue
        misfit = relation(values)
        if misfit is not None:
            raise ScaffoldError(f"{sources.get(relation.blame, relation.blame)}: {misfit}")
    answers = Answers(
        **values,  # type: ignore[arg-type]
        defaulted=frozenset(defaulted),
        gateway_routes_adopted=_adopted_gateway_routes(layers, then, values),
    )
    try:
        answers.subnet_plan  # noqa: B018  (planned once here, where a misfit is bad input)
    except InvalidAnswer as problem:
        raise ScaffoldError(f"{sources.get('vpc_cidr', '--vpc-cidr')}: {problem}") from None
    return answers


def _recorded(
    question: Question,
    layers: Sequence[Layer],
    then: Mapping[str, object],
    now: Mapping[str, object],
) -> tuple[RawAnswer | None, bool]:
    """The project's recorded answer to a question if it still holds, and whether it was
    a default: one that was is kept only while the default is what it was (the answers it
    depends on unchanged), and follows the new default otherwise."""
    for layer in layers:
        if layer.recorded and question.key in layer.answers:
            was_default = question.key in layer.defaults
            if was_default and question.default_for(then) != question.default_for(now):
                return None, True
            return layer.answers[question.key], was_default
        # A project recorded before the question existed, to which it applied then (it
        # chose what the question is about): it keeps what it had.
        earlier = question.earlier
        if layer.recorded and earlier is not None and _predates(layer, question, then):
            since = ".".join(map(str, question.since or ()))
            return RawAnswer(earlier, f"{question.flag} (as before {since})"), False
    return None, False


def gateway_routes(answers: Mapping[str, object]) -> set[str]:
    """The gateway endpoint routes an `existing` project's answers add: SERVICE:ROUTE-TABLE-ID."""
    endpoints, tables = answers.get("endpoints"), answers.get("route_table_ids")
    if answers.get("topology") != "existing" or not isinstance(endpoints, tuple):
        return set()
    services = [item for item in endpoints if item in GATEWAY_ENDPOINTS]
    listed = tables if isinstance(tables, tuple) else ()
    return {f"{service}:{table}" for service in services for table in listed}


def with_adopted_routes(answers: Answers, recorded: Layer) -> Answers:
    """Answers given afresh for a folder that holds a project (--force): they adopt the
    routes its record adopted or its earlier release added, as an update's answers do."""
    now = {
        "topology": answers.topology,
        "endpoints": answers.endpoints,
        "route_table_ids": answers.route_table_ids,
    }
    adopted = _adopted_gateway_routes([recorded], _recorded_values([recorded]), now)
    return replace(answers, gateway_routes_adopted=adopted)


def _adopted_gateway_routes(
    layers: Sequence[Layer], then: Mapping[str, object], now: Mapping[str, object]
) -> tuple[str, ...]:
    """The routes of the project's own gateway endpoints that it added before it claimed
    them: those its record lists, and every route of a record written before
    GATEWAY_CLAIMS_SINCE (or by an unknown release); only those the answers still add."""
    adopted: set[str] = set()
    for layer in layers:
        if not layer.recorded:
            continue
        adopted.update(layer.gateway_routes_adopted)
        if layer.release is None or layer.release < GATEWAY_CLAIMS_SINCE:
            adopted |= gateway_routes(then)
    return tuple(sorted(adopted & gateway_routes(now)))


def _predates(layer: Layer, question: Question, then: Mapping[str, object]) -> bool:
    """Whether a recorded layer was written before the question existed, for a project
    the question applied to."""
    if question.since is None or (layer.release is not None and layer.release >= question.since):
        return False
    return question.applies(then)


def _same(question: Question, value: object, default: object) -> bool:
    """Whether an answer is its question's default, compared as parsed values."""
    try:
        return default is not None and question.parse(value) == question.parse(default)
    except InvalidAnswer:
        return False


def _recorded_values(layers: Sequence[Layer]) -> dict[str, object]:
    """The recorded answers, parsed where they parse: the answers a recorded default
    was chosen against."""
    known: dict[str, object] = {}
    for layer in layers:
        if not layer.recorded:
            continue
        for question in QUESTIONS:
            given = layer.answers.get(question.key)
            known[question.key] = None
            if given is not None:
                try:
                    known[question.key] = question.parse(given.value)
                except (InvalidAnswer, TypeError):
                    pass
    return known


def given(values: Mapping[str, object]) -> dict[str, RawAnswer]:
    """Answers as a library caller passes them ({"memory": 512}), each named by its key;
    a RawAnswer passes through."""
    return {
        key: value if isinstance(value, RawAnswer) else RawAnswer(value, key)
        for key, value in values.items()
    }


def build_answers(raw: Mapping[str, RawAnswer]) -> Answers:
    """Validate every answer (defaults for the rest) into one Answers object."""
    return walk([Layer(raw)])
