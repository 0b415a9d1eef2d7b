#!/usr/bin/env bash
# Deploy the stack with Docker Compose on this machine (a home server).
# Usage: ./deploy.sh            build and (re)start the containers
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -f .env ]; then
    echo "deploy.sh: no .env; copy .env.example to .env and set real rig tokens first" >&2
    exit 2
fi
docker compose build
docker compose up -d
docker compose ps
