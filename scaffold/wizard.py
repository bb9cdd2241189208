"""The interactive wizard: one prompt per question of `scaffold.answers.QUESTIONS`.

Imported only when prompting, so `--no-input` and `--help` never pay for
questionary and prompt_toolkit. Every prompt validates while the user types,
with its question's own `check` and then with `build_answers` itself over the
answers so far, so the wizard cannot accept what a flag would refuse, and a
rule that spans answers stops the user at the question it is about. Nothing
is written here: rendering starts only after `ask` returns.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping, Sequence
from ipaddress import IPv4Network
from pathlib import Path

import questionary
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent, merge_key_bindings

from scaffold import answers as model
from scaffold import egress
from scaffold.answers import QUESTIONS, QUESTIONS_BY_KEY, Answers, Layer, Question, RawAnswer
from scaffold.answers.functions import (
    COLD_START_KEYS,
    aws_name,
    cold_start_problem,
    snapstart_region_problem,
)
from scaffold.errors import InvalidAnswer, ScaffoldError
from scaffold.interfaces import interface_budget
from scaffold.network import plan_subnets
from scaffold.project import check_target

Known = Mapping[str, object]


def ask(
    layers: Sequence[Layer], *, force: bool = False, updating: bool = False
) -> Answers | None:
    """Ask every question that no layer answers; None when the user declines.

    The walk is `scaffold.answers.walk`'s, as for flags and files: the wizard only
    supplies the answers nobody gave. updating: the lowest layer is the project's
    record, each of its answers offered as its question's default; the project stays
    in its folder, so the folder is not asked.
    """
    given = layers[0].answers if layers else {}
    recorded = next((layer.answers for layer in layers if layer.recorded), None)
    if updating and recorded is not None:
        given = {**given, "output_dir": recorded["output_dir"]}
        layers = [Layer(given), *layers[1:]]
    session = Session(given, force, updating=updating)
    answers = model.walk(layers, ask=session.answer)
    print_summary(answers)
    confirm = "Update this project?" if updating else "Generate this project?"
    if not unsafe_ask(questionary.confirm(confirm, default=True)):
        return None
    return answers


@dataclasses.dataclass(frozen=True)
class CrossCheck:
    """A rule over several answers, checked at whichever of them is asked last."""

    keys: frozenset[str]
    problem: Callable[[Known], str | None]  # None when the answers fit together

    def __call__(self, known: Known) -> str | None:
        return self.problem(known) if self.keys <= known.keys() else None


class Session:
    """The answers so far: as given (for build_answers) and parsed (for `applies`)."""

    def __init__(self, raw: Mapping[str, RawAnswer], force: bool, *, updating: bool) -> None:
        self.raw = raw
        self.collected = dict(raw)
        # The value the walk offers for the question being asked: the project's recorded
        # answer when updating, else the question's default.
        self.offered: object = None
        self.updating = updating
        # Rules build_answers blames on another answer (or render applies later),
        # checked here at whichever of their answers is asked last.
        self.cross_checks: tuple[CrossCheck, ...] = (
            CrossCheck(frozenset({"vpc_cidr", "azs"}), subnets_fit),
            *(
                CrossCheck(relation.needs, relation.problem)
                for relation in model.RELATIONS
                if not (relation.new_projects_only and updating)
            ),
        )
        if not updating:  # an update writes into its own, non-empty, folder
            self.cross_checks += (
                CrossCheck(frozenset({"name", "output_dir"}), target_is_free(force)),
            )
        self.known = parse_given(raw, self.cross_checks)
        # Flags no later answer can reconcile (--snapstart with --provisioned-concurrency):
        # refused before the first question, not at an unrelated one.
        settled = {"functions": (), **self.known}  # a new project's functions: none yet
        early = cold_start_problem(self.known) or (
            snapstart_region_problem(settled) if "region" in self.known else None
        )
        if early is not None:
            raise ScaffoldError(f"{raw['snapstart'].source if 'snapstart' in raw else '--snapstart'}: {early}")

    def answer(self, question: Question, offered: object, known: Known) -> RawAnswer:
        """The walk's `ask`: prompt for one question, offering `offered`."""
        self.known = dict(known)
        self.offered = offered
        text = self.prompt_for(question)
        self.record(question, text)
        return self.collected[question.key]

    def record(self, question: Question, text: str) -> None:
        self.known[question.key] = question.parse(text)
        self.collected[question.key] = RawAnswer(text, source(question))

    def problem(self, question: Question, text: str) -> str | None:
        """Why text cannot answer this question now, or None."""
        try:
            value = question.parse(text)
        except InvalidAnswer as invalid:
            return str(invalid)
        candidate = {**self.known, question.key: value}
        for check in self.cross_checks:
            if question.key in check.keys and (found := check(candidate)) is not None:
                return found
        # SnapStart's rules, on what is known so far: each setting is refused where it is
        # asked, not at a later question that cannot change it.
        if question.key in COLD_START_KEYS and (found := cold_start_problem(candidate)) is not None:
            return found
        try:
            model.build_answers({**self.collected, question.key: RawAnswer(text, source(question))})
        except ScaffoldError as error:
            # Only what is blamed on this answer: later questions still hold defaults.
            prefix = f"{source(question)}: "
            if str(error).startswith(prefix):
                return str(error)[len(prefix) :]
        return None

    def validator(self, question: Question) -> Callable[[str], bool | str]:
        def validate(text: str) -> bool | str:
            return self.problem(question, text) or True

        return validate

    def default_text(self, question: Question) -> str:
        if question.key == "topology" and "nat" in self.raw and not self.updating:
            return "private-nat"  # a NAT layout was given: that implies NAT
        return "" if self.offered is None else as_text(self.offered)

    def default_yes(self, question: Question) -> bool:
        try:
            return bool(question.parse(self.offered))
        except InvalidAnswer:
            return bool(question.default)

    def prompt_for(self, question: Question) -> str:
        """Ask one question; the answer as text, for `question.parse`."""
        if question.key == "endpoints":
            return self.ask_endpoints(question)
        if question.key == "azs":
            return self.ask_azs(question)
        if question.is_yes_no:
            while True:
                yes = unsafe_ask(
                    questionary.confirm(question.prompt, default=self.default_yes(question))
                )
                refused = self.problem(question, "yes" if yes else "no")
                if refused is None:
                    return "yes" if yes else "no"
                print(f"  {refused}")
        default = self.default_text(question)
        if question.choices:
            # A choice the answers so far rule out is shown disabled, with why.
            choices = [
                questionary.Choice(f"{key}: {note}", value=key, disabled=self.problem(question, key))
                for key, note in question.choices.items()
            ]
            enabled = [choice.value for choice in choices if not choice.disabled]
            if default not in enabled:
                default = str(enabled[0]) if enabled else default
            prompt = questionary.select(question.prompt, choices=choices, default=default)
        elif question.key == "region":
            prompt = questionary.autocomplete(
                question.prompt,
                choices=list(model.REGIONS),
                default=default,
                validate=self.validator(question),
                match_middle=False,
            )
        elif question.key == "output_dir":
            prompt = questionary.path(
                question.prompt,
                default=default,
                only_directories=True,
                validate=self.validator(question),
            )
        else:
            prompt = questionary.text(
                question.prompt, default=default, validate=self.validator(question)
            )
        return str(unsafe_ask(prompt))

    def ask_azs(self, question: Question) -> str:
        """A list of AZ counts; those the VPC CIDR cannot hold are shown disabled, with why."""
        low, high = model.AZ_RANGE
        choices = []
        for count in range(low, high + 1):
            problem = self.problem(question, str(count))
            title = str(count)
            if problem is None and "vpc_cidr" in self.known:
                size = private_subnet_size({**self.known, question.key: count})
                title += f": private subnets of /{size.prefixlen}"
            choices.append(questionary.Choice(title, value=str(count), disabled=problem))
        prompt = questionary.select(
            question.prompt, choices=choices, default=self.default_text(question)
        )
        return str(unsafe_ask(prompt))

    def ask_endpoints(self, question: Question) -> str:
        """Checkboxes, gateway endpoints then interface ones, each group headed by its cost."""
        try:  # the project's, or the default for the answers so far
            checked = set(model.parse_endpoints(self.offered))
        except InvalidAnswer:
            checked = set()
        choices: list[questionary.Choice | questionary.Separator] = []
        for kind, note, keys in (
            ("gateway", model.GATEWAY_ENDPOINT_NOTE, model.GATEWAY_ENDPOINTS),
            ("interface", model.INTERFACE_ENDPOINT_NOTE, model.INTERFACE_ENDPOINTS),
        ):
            choices.append(questionary.Separator(f"{kind} endpoints, {note}:"))
            for key in keys:
                problem = self.problem(question, key)
                choices.append(
                    questionary.Choice(
                        key, value=key, checked=key in checked and not problem, disabled=problem
                    )
                )
        validate = self.validator(question)
        prompt = questionary.checkbox(
            question.prompt,
            choices=choices,
            validate=lambda selected: validate(",".join(selected)),
        )
        answer = unsafe_ask(prompt)
        assert isinstance(answer, list)
        return ",".join(answer)


def source(question: Question) -> str:
    return f"wizard: {question.key}"


def as_text(value: object) -> str:
    """A recorded answer as it would be typed."""
    if isinstance(value, Mapping):
        return ",".join(f"{key}={item}" for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return ",".join(str(item) for item in value)
    return str(value)


def parse_given(
    raw: Mapping[str, RawAnswer], cross_checks: Sequence[CrossCheck]
) -> dict[str, object]:
    """Validate pre-answered values up front, so a bad flag fails before any question."""
    known: dict[str, object] = {}
    for key, given in raw.items():
        question = QUESTIONS_BY_KEY.get(key)
        if question is None:
            continue  # build_answers names it
        try:
            known[key] = question.parse(given.value)
        except InvalidAnswer as invalid:
            raise ScaffoldError(f"{given.source}: {invalid}") from None
    for check in cross_checks:
        problem = check(known)
        if problem is not None:
            first = next(question.key for question in QUESTIONS if question.key in check.keys)
            raise ScaffoldError(f"{raw[first].source}: {problem}")
    return known


def subnets_fit(known: Known) -> str | None:
    try:
        private_subnet_size(known)
    except InvalidAnswer as problem:
        return str(problem)
    return None


def private_subnet_size(known: Known) -> IPv4Network:
    """The first private subnet plan_subnets would make for these answers."""
    vpc_cidr, azs = known["vpc_cidr"], known["azs"]
    assert isinstance(vpc_cidr, IPv4Network) and isinstance(azs, int)
    return plan_subnets(vpc_cidr, azs).private[0].cidr


def target_is_free(force: bool) -> Callable[[Known], str | None]:
    def check(known: Known) -> str | None:
        output_dir = known["output_dir"]
        assert isinstance(output_dir, Path)
        try:
            check_target(output_dir, output_dir / str(known["name"]), force=force)
        except ScaffoldError as problem:
            # render names the flag; here the question on screen is the context.
            return re.sub(r"^--[a-z-]+: ", "", str(problem))
        return None

    return check


def unsafe_ask(prompt: questionary.Question) -> object:
    """Ask; Ctrl-C raises KeyboardInterrupt and Ctrl-D EOFError, at any prompt."""
    end_of_input = KeyBindings()

    @end_of_input.add("c-d", eager=True)
    def _(event: KeyPressEvent) -> None:
        event.app.exit(exception=EOFError, style="class:aborting")

    application = prompt.application
    # Later bindings win: this overrides prompt_toolkit's "delete character" for Ctrl-D.
    application.key_bindings = merge_key_bindings(
        [application.key_bindings or KeyBindings(), end_of_input]
    )
    return prompt.unsafe_ask()


def print_summary(answers: Answers) -> None:
    rows: list[tuple[str, str]] = [("Topology", answers.topology), ("Region", answers.region)]
    if answers.vpc_id is not None:
        rows += existing_network_rows(answers)
    else:
        rows += new_network_rows(answers)
    rows.append(("Endpoints", endpoint_summary(answers)))
    function = (
        f"{answers.runtime} on {answers.architecture}, {answers.memory} MB,"
        f" {answers.timeout} s timeout"
    )
    rows.append(("Function", function))
    rows.append(("IAM", f"{answers.iam}: {model.IAM_MODES[answers.iam]}"))
    for question in QUESTIONS:  # answers the rows above do not cover
        value = getattr(answers, question.key)
        if question.key == "state_bucket" and not value:
            value = "none: the state stays in a local file"
        if question.key not in SUMMARISED and value is not None:
            rows.append((question.key.replace("_", " ").capitalize(), shown(value)))
    for added in answers.functions:
        described = (
            f"{added.runtime} on {added.architecture}, {added.memory} MB, {added.timeout} s"
            f" timeout, {added.security_group} security group"
        )
        rows.append((f"+ {aws_name(answers.name, added.name)}", described))
    budget = interface_budget(answers).lines()
    rows.append(("Interfaces", budget[0].removeprefix("Network interfaces: ")))
    rows.append(("Folder", str(answers.project_dir.absolute())))
    width = max(len(label) for label, _ in rows)
    print()
    print("This will generate:")
    for label, value in rows:
        print(f"  {label:<{width}}  {value}")
    print()
    for line in egress.cost_lines(answers):
        print(f"  {line}")
    print()


SUMMARISED = frozenset(
    {"name", "topology", "region", "vpc_id", "subnet_ids", "security_group_ids"}
    | {"route_table_ids", "vpc_cidr", "zones", "azs", "nat", "endpoints", "runtime", "architecture"}
    | {"memory", "timeout", "iam", "output_dir", "ipv6", "nat_instance_type", "egress_gb"}
    | {"functions"}
)


def shown(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, tuple):
        return ", ".join(shown_item(item) for item in value) or "none"
    return str(value)


def shown_item(item: object) -> str:
    if isinstance(item, tuple) and len(item) == 2:
        return f"{item[0]}={item[1]}"  # a Key=Value pair, as typed
    return str(item)


def new_network_rows(answers: Answers) -> list[tuple[str, str]]:
    plan = answers.subnet_plan
    rows = [("VPC CIDR", str(answers.vpc_cidr))]
    zones = ", ".join(answers.zones or ()) or (
        "the region's first that every interface endpoint service is offered in"
        if answers.interface_endpoints
        else "the region's first"
    )
    rows.append(("Zones", f"{zones} (az1..az{answers.azs})"))
    subnets = [("private", subnet) for subnet in plan.private]
    subnets += [("public", subnet) for subnet in plan.public]
    for index, (kind, subnet) in enumerate(subnets):
        rows.append(("Subnets" if index == 0 else "", f"{kind:<8} {subnet.key:<4} {subnet.cidr}"))
    nat_count = answers.nat_count
    if nat_count:
        kind = (
            f"NAT instance{'s' if nat_count > 1 else ''} ({answers.nat_instance_type})"
            if answers.nat_instance_count
            else f"NAT gateway{'s' if nat_count > 1 else ''}"
        )
        where = "one per AZ" if nat_count > 1 else "in az1"
        rows.append(("NAT", f"{nat_count} {kind}, {where}, billed hourly"))
    else:
        rows.append(("NAT", "none: no internet access from the VPC"))
    if answers.ipv6:
        outbound = (
            "an egress-only internet gateway for IPv6 out (free)"
            if answers.topology == "private-nat"
            else "no IPv6 route out of the VPC"
        )
        rows.append(("IPv6", f"Amazon-provided /56, a /64 per subnet; {outbound}"))
    else:
        rows.append(("IPv6", "no: IPv4 only"))
    return rows


def existing_network_rows(answers: Answers) -> list[tuple[str, str]]:
    return [
        ("VPC", f"{answers.vpc_id} (existing; no network is created)"),
        ("Subnets", ", ".join(answers.subnet_ids or ())),
        (
            "Security groups",
            ", ".join(answers.security_group_ids or ()) or "a dedicated group, created",
        ),
        ("Route tables", ", ".join(answers.route_table_ids or ()) or "none given"),
        ("IPv6", "dual stack: every subnet must have an IPv6 block" if answers.ipv6 else "no"),
    ]


def endpoint_summary(answers: Answers) -> str:
    parts = []
    if answers.gateway_endpoints:
        gateway = ", ".join(answers.gateway_endpoints)
        parts.append(f"{gateway} (gateway, {model.GATEWAY_ENDPOINT_NOTE})")
    if answers.interface_endpoints:
        interface = ", ".join(answers.interface_endpoints)
        parts.append(f"{interface} (interface, {model.INTERFACE_ENDPOINT_NOTE})")
    return "; ".join(parts) or "none"


def ask_function(
    name: str, offered: Mapping[str, object], given: Mapping[str, object]
) -> dict[str, object]:
    """add-function's questions that no flag answered: the function's settings, each
    offered its default, parsed by its question, SnapStart's rules judged as it is asked."""
    from scaffold.answers.functions import (
        FUNCTION_KEYS,
        SECURITY_GROUP_MODES,
        cold_start_problem,
        parse_security_group,
    )

    chosen = dict(given)
    print(f"Function {name}:")
    for key in (*FUNCTION_KEYS, "security_group"):
        if key in chosen:
            continue
        if key == "security_group":
            choices = [questionary.Choice(f"{k}: {note}", value=k) for k, note in SECURITY_GROUP_MODES.items()]
            text = unsafe_ask(questionary.select("Security group", choices=choices, default="shared"))
            chosen[key] = parse_security_group(text)
            continue
        question = model.QUESTIONS_BY_KEY[key]

        def fits(text: str, question: Question = question) -> bool | str:
            checked = question.check(text)
            if checked is not True:
                return checked
            spec = {**offered, **chosen, question.key: question.parse(text)}
            return cold_start_problem(spec) or True

        if question.is_yes_no:
            if cold_start_problem({**offered, **chosen, key: True}) is not None:
                chosen[key] = False  # SnapStart cannot be had with what is chosen: not asked
                continue
            yes = unsafe_ask(questionary.confirm(question.prompt, default=bool(offered[key])))
            chosen[key] = yes
        elif question.choices:
            # The choices alone: the project's notes on them speak of its first function.
            choices = [questionary.Choice(k, value=k) for k in question.choices]
            chosen[key] = question.parse(
                unsafe_ask(questionary.select(question.prompt, choices=choices, default=str(offered[key])))
            )
        else:
            text = unsafe_ask(questionary.text(question.prompt, default=as_text(offered[key]), validate=fits))
            chosen[key] = question.parse(text)
    return chosen
