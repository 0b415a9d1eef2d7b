#!/usr/bin/env bash
# Deploy the stack (docker-compose.yml) to a home server, or to this machine.
#   ./deploy.sh            copy the project to DEPLOY_USER@DEPLOY_HOST:DEPLOY_PATH (rsync over ssh),
#                          build and start the containers there (docker compose up -d --build), wait
#                          for their health checks and print the URLs of the dashboard, Grafana and
#                          the rig endpoint
#   ./deploy.sh --dry-run  check the settings and tools, then print every step without doing it
# The target comes from .env (DEPLOY_HOST, DEPLOY_USER, DEPLOY_PATH, DEPLOY_SSH_PORT, DEPLOY_WAIT_S; set in
# the environment, a variable wins, as with docker compose). No DEPLOY_HOST: the stack runs here.
# The server needs Docker with Compose, and rsync; its ssh user must be allowed to run docker.
set -euo pipefail

PROJECT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ENV_FILE=$PROJECT/.env
DRY_RUN=0
STEP=0

fail() {
    echo "deploy.sh: $*" >&2
    exit 1
}

usage() {
    sed -n '2,10s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
}

for arg in "$@"; do
    case $arg in
        --dry-run) DRY_RUN=1 ;;
        -h | --help)
            usage
            exit 0
            ;;
        *)
            echo "deploy.sh: unknown argument '$arg'" >&2
            usage >&2
            exit 2
            ;;
    esac
done

# The value of setting $1: the environment's if set there, else its last line in .env (quotes removed).
setting() {
    local name=$1 line value=""
    if [ -n "${!name+set}" ]; then
        printf '%s' "${!name}"
        return
    fi
    while IFS= read -r line || [ -n "$line" ]; do
        line=${line%$'\r'}
        case $line in
            "$name="*) value=${line#"$name="} ;;
        esac
    done <"$ENV_FILE"
    if [ "${#value}" -ge 2 ] && { [[ $value == \"*\" ]] || [[ $value == \'*\' ]]; }; then
        value=${value:1:${#value}-2}
    fi
    printf '%s' "$value"
}

# One step of the plan: print it, then (unless --dry-run) run it; a failure stops everything.
# A step is a command, or "on_target SCRIPT" / "on_host SCRIPT" (a bash script run on the target).
step() {
    local what=$1
    shift
    STEP=$((STEP + 1))
    echo "[$STEP] $what"
    case $1 in
        on_target | on_host)
            if [ -n "$HOST" ]; then echo "    on $DEPLOY_USER@$HOST (ssh, bash):"; else echo "    here (bash):"; fi
            [ "$1" = on_host ] || echo "    | cd $(printf %q "${REMOTE_PATH:-$PROJECT}")"
            printf '%s\n' "$2" | sed 's/^/    | /'
            ;;
        *) echo "    \$ $(printf '%q ' "$@")" ;;
    esac
    [ "$DRY_RUN" = 1 ] && return 0
    local status=0
    "$@" || status=$?
    [ "$status" = 0 ] || fail "step $STEP failed (exit status $status): $what"
}

# A bash script run on the target: through ssh on DEPLOY_HOST (in the user's home), or here.
on_host() {
    if [ -n "$HOST" ]; then
        ssh "${SSH_OPTIONS[@]}" "$DEPLOY_USER@$HOST" bash -s <<<"$1"
    else
        bash -s <<<"$1"
    fi
}

# ... the same in the project's folder there.
on_target() {
    if [ -n "$HOST" ]; then
        on_host "cd $(printf %q "$REMOTE_PATH") && $1"
    else
        (cd "$PROJECT" && bash -s <<<"$1")
    fi
}

# --- settings and tools -----------------------------------------------------------------------------

[ -f "$ENV_FILE" ] || fail "$ENV_FILE is missing: copy .env.example to .env, set the secrets and, to deploy to a server, DEPLOY_HOST, DEPLOY_USER and DEPLOY_PATH"
[ -f "$PROJECT/docker-compose.yml" ] || fail "$PROJECT/docker-compose.yml is missing: run deploy.sh from the project"

HOST=$(setting DEPLOY_HOST)
DEPLOY_USER=$(setting DEPLOY_USER)
DEPLOY_PATH=$(setting DEPLOY_PATH)
SSH_PORT=$(setting DEPLOY_SSH_PORT)
WAIT_S=$(setting DEPLOY_WAIT_S)
WAIT_S=${WAIT_S:-300}
if ! [[ $WAIT_S =~ ^[1-9][0-9]*$ ]]; then
    fail "DEPLOY_WAIT_S in .env must be a whole number of seconds, not '$WAIT_S'"
fi

if [ -n "$HOST" ]; then
    missing=()
    [ -n "$DEPLOY_USER" ] || missing+=(DEPLOY_USER)
    [ -n "$DEPLOY_PATH" ] || missing+=(DEPLOY_PATH)
    case ${#missing[@]} in
        1) fail "DEPLOY_HOST is $HOST but ${missing[0]} is not set in .env (the ssh user on the server and the folder to deploy to)" ;;
        2) fail "DEPLOY_HOST is $HOST but ${missing[0]} and ${missing[1]} are not set in .env (the ssh user on the server and the folder to deploy to)" ;;
    esac
    # (An IPv6 address goes through a Host of ~/.ssh/config: rsync's host:path has no room for its colons.)
    [[ $HOST =~ ^[A-Za-z0-9][A-Za-z0-9._-]*$ ]] || fail "DEPLOY_HOST '$HOST' is not a host name or an IPv4 address"
    [[ $DEPLOY_USER =~ ^[A-Za-z0-9._-]+$ ]] || fail "DEPLOY_USER '$DEPLOY_USER' is not a user name"
    if [ -n "$SSH_PORT" ] && ! [[ $SSH_PORT =~ ^[1-9][0-9]{0,4}$ ]]; then
        fail "DEPLOY_SSH_PORT '$SSH_PORT' is not a port number"
    fi
    [[ $DEPLOY_PATH =~ ^[A-Za-z0-9._/~][A-Za-z0-9._/~-]*$ ]] || fail "DEPLOY_PATH '$DEPLOY_PATH' may hold only letters, digits and . _ / ~ -"
    # "~/x" is x in the user's home, where ssh and rsync start; the shell there never sees a quoted ~.
    REMOTE_PATH=${DEPLOY_PATH#\~/}
    if [ -z "$REMOTE_PATH" ] || [ "$REMOTE_PATH" = "~" ]; then
        fail "DEPLOY_PATH must name a folder, not the home folder itself"
    fi
    tools=(ssh rsync)
else
    tools=(docker)
fi
missing=()
for tool in "${tools[@]}"; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
[ "${#missing[@]}" = 0 ] || fail "missing tool: ${missing[*]} (install it on this machine; deploy.sh needs ${tools[*]})"

# One ssh connection for every step (one password or key prompt at most), closed 60 s after the last.
# In /tmp, not $TMPDIR: a socket's path has at most 104 bytes on macOS.
SSH_OPTIONS=(-o ConnectTimeout=15 -o ControlMaster=auto -o "ControlPath=/tmp/simcoach-deploy-$UID-%C" -o ControlPersist=60)
[ -z "$SSH_PORT" ] || SSH_OPTIONS+=(-o "Port=$SSH_PORT")

# The scripts the target runs (single-quoted: they expand there, not here).
# shellcheck disable=SC2016
{
    # Compose v2 (docker compose) if the target has it, else the older docker-compose.
    COMPOSE='C="docker compose"; docker compose version >/dev/null 2>&1 || C=docker-compose'
    CHECK='command -v docker >/dev/null || { echo "docker is not installed" >&2; exit 3; }
docker compose version >/dev/null 2>&1 || command -v docker-compose >/dev/null ||
    { echo "Docker Compose is not installed (docker compose or docker-compose)" >&2; exit 3; }
docker info >/dev/null 2>&1 ||
    { echo "the Docker daemon does not answer to $(id -un): is it running, is $(id -un) in the group docker?" >&2; exit 3; }'
    # The one-shot config-check refuses placeholder secrets: when it does, show what it said.
    UP="$COMPOSE"'; $C up -d --build || { status=$?; $C logs --no-color config-check >&2; exit $status; }'
    # Every service of the file must have a container whose health check says healthy (or, for the
    # one-shot config-check, that exited with 0); one that turns unhealthy, stops or restarts (it
    # crashed) ends the wait at once, with the state of each and their last log lines.
    WAIT="$COMPOSE; WAIT_S=$WAIT_S"'; start=$SECONDS
services=$($C config --services | wc -l)
while :; do
    ids=$($C ps -a -q)
    states=$([ -z "$ids" ] || docker inspect -f "{{.Name}} {{if .State.Restarting}}restarting{{else if .State.Health}}{{.State.Health.Status}}{{else if eq .State.Status \"exited\"}}exited-{{.State.ExitCode}}{{else}}{{.State.Status}}{{end}}" $ids)
    if [ "$(printf "%s\n" "$states" | grep -cE " (healthy|exited-0)$")" -ge "$services" ]; then
        printf "%s\n" "$states"
        exit 0
    fi
    if printf "%s\n" "$states" | grep -qE " (unhealthy|restarting|exited-[1-9][0-9]*|dead)$" || [ $((SECONDS - start)) -ge "$WAIT_S" ]; then
        printf "not healthy after %s s:\n%s\n" $((SECONDS - start)) "$states" >&2
        $C ps >&2
        $C logs --tail 20 >&2
        exit 4
    fi
    sleep 5
done'
}

# --- the plan ---------------------------------------------------------------------------------------

[ "$DRY_RUN" = 1 ] && echo "deploy.sh --dry-run: the steps, none of them done"
if [ -n "$HOST" ]; then
    target="$DEPLOY_USER@$HOST:$DEPLOY_PATH"
    echo "Deploying $PROJECT to $target"
    step "check that ssh reaches $DEPLOY_USER@$HOST and that it has Docker, Compose and rsync" on_host "$CHECK
command -v rsync >/dev/null || { echo 'rsync is not installed' >&2; exit 3; }"
    step "create $DEPLOY_PATH on $HOST" on_host "mkdir -p $(printf %q "$REMOTE_PATH")"
    # .env goes too (the stack reads it there); local state, caches and the git history do not.
    step "copy the project to $target" \
        rsync -az --delete \
        --exclude=.git/ --exclude=.venv/ --exclude=.tools/ --exclude=/data/ --exclude=/artifacts/ \
        --exclude=__pycache__/ --exclude=.pytest_cache/ --exclude=.mypy_cache/ --exclude=.ruff_cache/ \
        --exclude=.hypothesis/ \
        -e "ssh ${SSH_OPTIONS[*]}" "$PROJECT/" "$DEPLOY_USER@$HOST:$REMOTE_PATH/"
    url_host=$HOST
else
    echo "Deploying $PROJECT on this machine (no DEPLOY_HOST in .env)"
    step "check that Docker and Compose are installed and the daemon answers" on_host "$CHECK"
    url_host=$( (hostname -I 2>/dev/null || true) | { read -r first _ && echo "$first"; } || true)
    url_host=${url_host:-127.0.0.1}
fi
step "build the images and start the containers (docker compose up -d --build)" on_target "$UP"
step "wait up to $WAIT_S s for every container's health check" on_target "$WAIT"

[ "$DRY_RUN" = 1 ] && echo "dry run: nothing was done; once deployed, the stack answers at:"
echo "Dashboard:     http://$url_host:8124/ai-sim-coach/"
echo "Grafana:       http://$url_host:8124/ai-sim-coach/grafana/  (user admin, GRAFANA_ADMIN_PASSWORD)"
echo "Rig endpoint:  ws://$url_host:5001  (simcoach-agent --server ws://$url_host:5001 --token <the rig's token>)"
