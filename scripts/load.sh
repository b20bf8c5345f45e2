#!/usr/bin/env bash
# Load test of ipmatch against the bare gin ceiling; see tools/load.
# Usage: scripts/load.sh [--conns 64] [--duration 30s] [--markdown] [--mix name=weight,…]
set -euo pipefail
cd "$(dirname "$0")/.."
exec go run ./tools/load "$@"
