"""The one pattern of a checkov skip comment, `# checkov:skip=<ID>: <reason>`.

A bottom module (it imports nothing of the package): the README's list of scan
exceptions (`scaffold.render`), the `scan-exceptions` rule of `check`, and
scripts/checkov.sh (whose copy a test holds equal to this one) all read skips with it.
Groups: `check` (the ID), `rest` (all that follows the ID on the line), `reason` (what
follows the colon, without the spaces before it; None without a colon).
"""

from __future__ import annotations

import re

CHECKOV_SKIP_PATTERN = r"#\s*checkov:skip=(?P<check>[A-Z0-9_]+)(?P<rest>(?::\s*(?P<reason>.*))?.*)"
CHECKOV_SKIP = re.compile(CHECKOV_SKIP_PATTERN)
