"""The rig agent stays light: it installs and runs without the backend's web framework or a database client."""

import re
import subprocess
import sys
from importlib.metadata import requires

HEAVY = ("fastapi", "starlette", "uvicorn", "influxdb", "influxdb-client", "sqlalchemy", "openai")


def test_the_agent_package_depends_on_nothing_heavy():
    names = {re.split(r"[\s;<>=!~\[]", r, maxsplit=1)[0].lower() for r in requires("simcoach-agent") or []}
    assert "msgspec" in names
    assert names.isdisjoint(HEAVY)


def test_running_the_agent_loads_no_web_framework_or_database_client():
    code = (
        "import atexit, sys\n"
        "heavy = lambda: sorted({m.split('.')[0] for m in sys.modules} & {'fastapi', 'starlette', 'uvicorn', "
        "'influxdb_client', 'simcoach'})\n"
        "atexit.register(lambda: sys.stderr.write(f'loaded heavy modules: {heavy()}\\n'))\n"
        "from simcoach_agent.cli import app\n"
        "app(['--game', 'demo', '--once', '--rig', 'r'])\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert result.stdout.startswith('{"type":"frame"')
    assert "loaded heavy modules: []" in result.stderr
