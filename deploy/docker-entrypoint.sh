#!/bin/sh
# Runs one of the platform's services: `docker run IMAGE <service> [args...]`.
set -eu

SERVICES="gateway store resolver renderer webhooks devllm"

usage() {
    echo "usage: docker run IMAGE <service> [args...]" >&2
    echo "  service: one of: $SERVICES" >&2
}

name="${1:-}"
case "$name" in
    -h|--help|help) usage; exit 0 ;;
    "") usage; exit 2 ;;
esac
known=""
for service in $SERVICES; do
    if [ "$service" = "$name" ]; then known=1; fi
done
if [ -z "$known" ]; then
    echo "unknown service: '$name'" >&2
    usage
    exit 2
fi
shift

if [ "${REPORTS_ENTRYPOINT_DRY_RUN:-}" = 1 ]; then
    echo "python -m services.$name $*"
    exit 0
fi
exec python -m "services.$name" "$@"
