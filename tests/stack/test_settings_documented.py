"""Every setting is documented twice and the same: .env.example (with a comment) and the README's table."""

from __future__ import annotations

import re
from pathlib import Path

from simcoach.settings import InfluxSettings, ReportSettings, Settings
from simcoach_agent.settings import AgentSettings

REPO = Path(__file__).resolve().parents[2]
# KEY=value, or "# KEY=value" for one whose example stays commented out.
SETTING = re.compile(r"^(?:# )?([A-Z][A-Z0-9_]+)=")


def example_settings() -> dict[str, str]:
    """Each setting of .env.example with the comment above it (settings listed together share one)."""
    found: dict[str, str] = {}
    comment: list[str] = []
    after_setting = False
    for line in (REPO / ".env.example").read_text().splitlines():
        match = SETTING.match(line)
        if match:
            found[match.group(1)] = " ".join(comment)
        elif not line.strip() or line.startswith("# ---"):
            comment = []
        elif line.startswith("# "):
            comment = [*([] if after_setting else comment), line[2:]]  # a comment after a setting is the next one's
        after_setting = bool(match)
    return found


def readme_settings() -> set[str]:
    return set(re.findall(r"^\| `([A-Z][A-Z0-9_]+)` \|", (REPO / "README.md").read_text(), re.M))


def test_the_readme_table_lists_exactly_the_settings_of_the_example_file():
    example, readme = set(example_settings()), readme_settings()
    assert example - readme == set(), "in .env.example, missing from the README's table"
    assert readme - example == set(), "in the README's table, missing from .env.example"


def test_every_setting_the_code_reads_is_in_the_example_file():
    example = set(example_settings())
    code = {f"SIMCOACH_{name.upper()}" for name in Settings.model_fields}
    code |= {f"INFLUXDB_{name.upper()}" for name in InfluxSettings.model_fields}
    code |= {f"SIMCOACH_AGENT_{name.upper()}" for name in AgentSettings.model_fields}
    # The report's model: OPENAI_* (the openai package's own names, as aliases) and SIMCOACH_REPORT_*.
    for name, field in ReportSettings.model_fields.items():
        aliases = getattr(field.validation_alias, "choices", None)
        code.add(str(aliases[0]) if aliases else f"SIMCOACH_REPORT_{name.upper()}")
    assert code - example == set(), "read by the code, not in .env.example"


def test_every_setting_of_the_example_file_has_a_comment():
    uncommented = [key for key, comment in example_settings().items() if not comment]
    assert uncommented == []
