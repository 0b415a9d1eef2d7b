#!/usr/bin/env bash
# One entry point for a fresh machine: sets everything up, then runs what was asked.
#   ./dev.sh demo   the backend with the in-process demo rig and the dashboard on http://127.0.0.1:5001/
#   ./dev.sh test   ruff, mypy and the whole test suite (installs what the tests need first)
#   ./dev.sh bench  the benchmarks under bench/
#   ./dev.sh lock   refresh uv.lock after a dependency changed in a pyproject.toml
set -euo pipefail
cd "$(dirname "$0")"

VENV=.venv
PY=$VENV/bin/python
# uv installs exactly what uv.lock says (the whole workspace, every machine the same versions).
# It lives in its own small venv so that syncing .venv never removes it.
UV_VERSION=0.13.9
TOOLS=.tools
UV=$TOOLS/bin/uv

# Debian packages the tests need (browser tests: Chromium and its driver; the dashboard behind a
# path prefix: nginx; the history tests: influxd 1.6; the stack tests: docker-compose, shellcheck
# with ssh and rsync, which deploy.sh needs). Installed only when missing.
DEBIAN_PACKAGES=(chromium chromium-driver nginx influxdb docker-compose shellcheck openssh-client rsync)

setup_uv() {
    if [ ! -x "$UV" ] || [ "$("$UV" --version | cut -d' ' -f2)" != "$UV_VERSION" ]; then
        python3 -m venv "$TOOLS"
        "$TOOLS/bin/python" -m pip install --quiet "uv==$UV_VERSION"
    fi
}

# The packages the programs need, from the lock file (--frozen: never re-resolve).
setup_python() {
    setup_uv
    "$UV" sync --quiet --frozen --all-packages --no-dev
}

# ... plus the development group (pytest, ruff, mypy, hypothesis, selenium).
setup_dev() {
    setup_uv
    "$UV" sync --quiet --frozen --all-packages
}

setup_debian() {
    local missing=()
    for package in "${DEBIAN_PACKAGES[@]}"; do
        dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
    done
    if [ "${#missing[@]}" -gt 0 ]; then
        local sudo=""
        [ "$(id -u)" -eq 0 ] || sudo="sudo"
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
    fi
}

case "${1:-}" in
    demo)
        shift
        setup_python
        exec "$VENV/bin/simcoach" serve --demo "$@"
        ;;
    test)
        shift
        if [ "${#DEBIAN_PACKAGES[@]}" -gt 0 ]; then setup_debian; fi
        setup_dev
        "$VENV/bin/ruff" check .
        "$VENV/bin/ruff" format --check .
        "$VENV/bin/mypy"
        exec "$PY" -m pytest "$@"
        ;;
    bench)
        shift
        setup_dev
        for script in bench/*.py; do
            echo "== $script"
            "$PY" "$script" "$@"
        done
        ;;
    lock)
        shift
        setup_uv
        exec "$UV" lock "$@"
        ;;
    *)
        echo "usage: ./dev.sh demo|test|bench|lock [args]" >&2
        exit 2
        ;;
esac
