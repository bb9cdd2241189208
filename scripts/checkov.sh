#!/usr/bin/env bash
# Scans every generated variant with checkov: zero failed checks, every skip with a
# reason, and every skip listed in the generated README. Exit 0 only when all hold.
# checkov scans a copy with the skip comments blanked, and the skips are applied to its
# findings here, so one scan also fails any skip that hides nothing (the README would list
# an exception that is not one).
#
# checkov lives in its own virtualenv (.ci/venvs/checkov): it depends on a fork that
# installs a module also named hcl2, which would shadow python-hcl2 used by the tests.
#
# No network beyond PyPI for the install: --skip-download and BC_SKIP_MAPPING keep
# checkov from fetching policy metadata and ID mappings, CKV_SKIP_PACKAGE_UPDATE_CHECK
# from asking PyPI for a newer version, and without an API key nothing is uploaded.
# Checked with `strace -f -e trace=connect`: with these settings the scan opens no
# AF_INET socket at all; without them it resolves names through DNS.
set -euo pipefail
cd "$(dirname "$0")/.."

CHECKOV_VERSION="3.3.30"
# The test suite keeps it outside the clone (VPC_LAMBDA_NEW_CHECKOV_VENV), so that a fresh
# clone on the same machine does not build it again; the version check below rebuilds it
# whenever it is not exactly $CHECKOV_VERSION.
VENV="${VPC_LAMBDA_NEW_CHECKOV_VENV:-.ci/venvs/checkov}"
GENERATOR="${VPC_LAMBDA_NEW:-vpc-lambda-new}"

fail() { echo "scripts/checkov.sh: $*" >&2; exit 1; }

command -v "$GENERATOR" >/dev/null || fail "$GENERATOR is not on PATH; pip install -e . first"

# One build at a time, so parallel runs do not pip-install into the same folder.
mkdir -p "$(dirname "$VENV")"
exec 9>"$VENV.lock"
flock 9
if [ "$("$VENV/bin/checkov" --version 2>/dev/null)" != "$CHECKOV_VERSION" ]; then
  rm -rf "$VENV"
  python3 -m venv "$VENV" || fail "cannot create the virtualenv $VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "checkov==$CHECKOV_VERSION" \
    || fail "cannot install checkov==$CHECKOV_VERSION into $VENV"
  [ "$("$VENV/bin/checkov" --version)" = "$CHECKOV_VERSION" ] || fail "$VENV/bin/checkov is not $CHECKOV_VERSION"
fi
flock -u 9

work="$(mktemp -d "${TMPDIR:-/tmp}/vpc-lambda-new-checkov.XXXXXX")"
if [ -z "${CHECKOV_KEEP_WORKDIR:-}" ]; then
  trap 'rm -rf "$work"' EXIT
else
  echo "scripts/checkov.sh: keeping $work"
fi
projects="$work/projects"

# The Terraform and the CI workflow of every variant, as the projects' own CI scans them.
# Every variant: both new-VPC topologies (NAT single and per-az; IPv6 on private and
# per-az) x IAM inline/managed x with/without interface endpoints x flow logs off/on,
# the existing-VPC topology, and remote state.
generate() {
  local variant="$1"
  shift
  "$GENERATOR" --no-input --name scan --output-dir "$projects/$variant" "$@" >/dev/null \
    || fail "generating $variant failed: $GENERATOR $*"
}
count=0
for layout in private nat-single nat-per-az; do
  case "$layout" in
    private) layout_flags=(--topology private --ipv6) ;;
    nat-single) layout_flags=(--topology private-nat --nat single) ;;
    nat-per-az) layout_flags=(--topology private-nat --nat per-az --azs 3 --ipv6) ;;
  esac
  for iam in inline managed; do
    for endpoints in gateway interface; do
      case "$endpoints" in
        gateway) endpoint_flags=(--endpoints s3,dynamodb) ;;
        interface) endpoint_flags=(--endpoints s3,dynamodb,sts,secretsmanager,logs) ;;
      esac
      for flow_logs in no-flow-logs flow-logs; do
        generate "$layout-$iam-$endpoints-$flow_logs" "${layout_flags[@]}" --iam "$iam" \
          "${endpoint_flags[@]}" "--$flow_logs" --tags "Team=platform,Cost Center=42"
        count=$((count + 1))
      done
    done
  done
done
existing=(--topology existing --vpc-id vpc-0abc1234def567890
  --subnet-ids subnet-0123456789abcdef0,subnet-0123456789abcdef1)
generate existing-defaults "${existing[@]}"
generate existing-route-tables-managed-interface "${existing[@]}" --route-table-ids rtb-01234567 \
  --endpoints s3,dynamodb,sts --iam managed --runtime nodejs22.x
generate existing-own-security-groups "${existing[@]}" --security-group-ids sg-01234567,sg-01234568 \
  --endpoints sts --architecture x86_64
# NAT instances: one, and one per AZ with the rest switched on.
generate nat-instance --topology private-nat --nat instance
generate nat-instance-per-az-managed-interface-flow-logs --topology private-nat \
  --nat instance-per-az --azs 3 --ipv6 --iam managed --endpoints s3,dynamodb,sts --flow-logs \
  --nat-instance-type t3.nano
# Remote state: backend.tf, and the CI workflow's plan job reading that state.
generate remote-state --topology private-nat --state-bucket acme-tf-state --runtime nodejs22.x \
  --github-repository octo-org/payments-api
count=$((count + 6))
echo "scripts/checkov.sh: generated $count variants; scanning with checkov $CHECKOV_VERSION"

# One scan, of a copy whose skip comments are blanked (the lines stay, so every line
# number is the generated file's): checkov reports each check a skip would hide as failed,
# with the resource's line range. The verdict below applies the skips itself, as checkov
# does (a `checkov:skip=ID` comment inside a resource's block skips check ID there): a
# failure no skip covers is a failed check, and a skip that covers no failure is stale
# (the README would list an exception that is not one).
scan() {
  local folder="$1" report="$2"
  set +e
  env -u BC_API_KEY -u PRISMA_API_URL \
    CKV_SKIP_PACKAGE_UPDATE_CHECK=TRUE BC_SKIP_MAPPING=TRUE \
    "$VENV/bin/checkov" --directory "$folder" --framework terraform github_actions --skip-download \
    --output json --output-file-path "$report" >"$report.log" 2>&1
  local status=$?
  set -e
  if [ ! -s "$report/results_json.json" ]; then
    cat "$report.log" >&2
    fail "checkov wrote no report for $folder (exit $status)"
  fi
  # checkov exits 1 for failed checks; anything else is checkov itself going wrong.
  if [ "$status" -gt 1 ]; then
    tail -n 40 "$report.log" >&2
    fail "checkov exited $status"
  fi
}
cp -r "$projects" "$work/unskipped"
find "$work/unskipped" -name '*.tf' -exec sed -i -E 's/#[[:space:]]*checkov:skip=.*$/#/' {} +
if grep -rq --include='*.tf' 'checkov:skip' "$work/unskipped"; then
  fail "a checkov:skip comment survived blanking in $work/unskipped"
fi
scan "$work/unskipped" "$work/unskipped-report"

# checkov's verdict with the skips applied, plus what it cannot see: skip reasons and the
# README's table.
set +e
"$VENV/bin/python" - "$projects" "$work/unskipped-report/results_json.json" <<'PY'
import json
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

projects = Path(sys.argv[1])


def load(path: str) -> list[dict]:
    report = json.loads(Path(path).read_text())
    return report if isinstance(report, list) else [report]


reports = load(sys.argv[2])
summary = Counter()
for item in reports:
    summary.update({key: item["summary"][key] for key in ("parsing_errors", "resource_count")})
problems = []
if summary["parsing_errors"]:
    problems.append(f"checkov could not parse {summary['parsing_errors']} file(s): {[p for i in reports for p in i['results'].get('parsing_errors', [])]}")
if not summary["resource_count"]:
    problems.append("checkov found no resources: nothing was scanned")

# The pattern of scaffold/checkov_skip.py, copied: this Python runs in checkov's own
# virtualenv, which does not have the package; tests/test_checkov_skip.py holds the two equal.
SKIP = re.compile(r"#\s*checkov:skip=(?P<check>[A-Z0-9_]+)(?P<rest>(?::\s*(?P<reason>.*))?.*)")
ROW = re.compile(r"^\| `(?P<file>[^`]+)` \| `[^`]*` \| (?P<check>[A-Z0-9_]+) \| (?P<reason>.*) \|$")
projects_seen = 0
skip_lines = defaultdict(list)  # "VARIANT/scan/FILE" -> [(line, check)] of its skip comments
for readme in sorted(projects.glob("*/*/README.md")):
    project = readme.parent
    projects_seen += 1
    variant = project.relative_to(projects).as_posix()
    skips = Counter()
    for path in sorted(project.rglob("*.tf")):
        relative = path.relative_to(project).as_posix()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if "checkov:skip" not in line:
                continue
            match = SKIP.search(line.strip())
            reason = (match["reason"] or "").strip() if match else ""
            if not match or not reason:
                problems.append(f"{variant}/{relative}:{number}: a checkov skip needs '# checkov:skip=<ID>: <reason>': {line.strip()}")
                continue
            skips[(relative, match["check"], reason)] += 1
            skip_lines[f"{variant}/{relative}"].append((number, match["check"]))
    text = readme.read_text(encoding="utf-8")
    heading = "## Security scan exceptions"
    if heading not in text:
        problems.append(f"{variant}/README.md has no '{heading}' section")
        continue
    section = text.split(heading, 1)[1].split("\n## ", 1)[0]
    rows = Counter(
        (match["file"], match["check"], match["reason"].strip())
        for match in map(ROW.match, section.splitlines())
        if match
    )
    for missing in sorted((skips - rows).elements()):
        problems.append(f"{variant}/README.md does not list the skip {missing[1]} in {missing[0]} ({missing[2]})")
    for extra in sorted((rows - skips).elements()):
        problems.append(f"{variant}/README.md lists {extra[1]} in {extra[0]}, which the Terraform does not skip")
if not projects_seen:
    problems.append("no generated project found to check")


def results(kind: str) -> list[dict]:
    return [check for item in reports for check in item["results"][kind]]


def covering(check: dict) -> list[int]:
    """The lines of the skip comments for this check inside this result's resource block."""
    low, high = check["file_line_range"]
    return [
        number for number, skipped in skip_lines.get(check["file_path"].lstrip("/"), ())
        if skipped == check["check_id"] and low <= number <= high
    ]


failed_all, passed_all = results("failed_checks"), results("passed_checks")
failed = [check for check in failed_all if not covering(check)]
skipped = [check for check in failed_all if covering(check)]
for check in failed:
    problems.append(
        f"FAILED {check['check_id']} {check['check_name']}: {check['resource']}"
        f" in {check['file_path'].lstrip('/')}:{check['file_line_range'][0]}"
    )
# A skip should hide a finding; one that hides nothing is stale. Judged where checkov
# evaluates the resource: a resource a variant does not create (count = 0, e.g. flow logs
# off) is judged in the variants that create it, and a skip confirmed in no variant at
# all is stale too. Variants share files, so stale skips are named by file.
confirmed = {(check["file_path"].lstrip("/"), number) for check in skipped for number in covering(check)}
passing = {(check["file_path"].lstrip("/"), number) for check in passed_all for number in covering(check)}
stale, confirmed_somewhere, every_skip = Counter(), set(), set()
for path, entries in skip_lines.items():
    general = path.split("/", 2)[2]
    for number, check in entries:
        every_skip.add((general, check))
        if (path, number) in confirmed:
            confirmed_somewhere.add((general, check))
        elif (path, number) in passing:
            stale[(general, number, check)] += 1
for (general, number, check), variants in sorted(stale.items()):
    problems.append(f"stale skip {check} at {general}:{number} ({variants} variants): checkov finds nothing there without it")
for general, check in sorted(every_skip - confirmed_somewhere):
    if not any(key[0] == general and key[2] == check for key in stale):
        problems.append(f"stale skip {check} in {general}: checkov finds nothing there without it in any variant")

for problem in problems:
    print(problem)
print(f"Passed checks: {len(passed_all)}, Failed checks: {len(failed)}, Skipped checks: {len(skipped)}")
print(f"({projects_seen} projects, {summary['resource_count']} resources)")
sys.exit(1 if problems else 0)
PY
status=$?
set -e
exit "$status"
