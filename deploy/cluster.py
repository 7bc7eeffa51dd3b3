"""`make cluster`: the platform as in production on this machine, until Ctrl-C or SIGTERM.

A 3-node NATS cluster (JetStream streams with 3 replicas), a fresh PostgreSQL database (dropped at
exit), 2 store replicas, 2 gateways, 3 renderers, 1 resolver and the dev LLM.

Environment: REPORTS_DATABASE_URL names the PostgreSQL server (default
postgresql://postgres@127.0.0.1:5432/test; a database `reports_cluster_<random>` is created on it),
REPORTS_API_KEYS (default the development key), REPORTS_GATEWAY_PORT (default 8080: the gateways
listen on 8080 and 8081), REPORTS_VAR_DIR (default ./var: logs and JetStream data go to var/cluster).
Any other REPORTS_* variable reaches every service.
"""

from __future__ import annotations

import argparse
import os
import sys

from services.common import env
from stack.cluster import DEFAULT_POSTGRES_URL, Cluster, ClusterConfig
from stack.console import api_keys, key_line, run_until_stopped


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nats-nodes", type=int, default=3)
    parser.add_argument("--stores", type=int, default=2)
    parser.add_argument("--gateways", type=int, default=2)
    parser.add_argument("--renderers", type=int, default=3)
    parser.add_argument("--echo", action="store_true", help="copy every service's log lines here")
    args = parser.parse_args(argv)
    environ = dict(os.environ)
    keys = api_keys(environ, env.var_dir(environ))
    config = ClusterConfig(
        var_dir=env.var_dir(environ) / "cluster",
        api_keys=keys.keys,
        postgres_url=environ.get("REPORTS_DATABASE_URL") or DEFAULT_POSTGRES_URL,
        nats_nodes=args.nats_nodes,
        stores=args.stores,
        gateways=args.gateways,
        renderers=args.renderers,
        gateway_port=env.integer(environ, "REPORTS_GATEWAY_PORT", 8080),
        echo=args.echo,
    )
    cluster = Cluster(config)
    key = keys.dev_key or "$REPORTS_API_KEY"

    def banner() -> str:
        return (
            "\nreports cluster is up\n"
            + "\n".join(cluster.describe())
            + "\n"
            + f"""
  api key     {key_line(keys, env.var_dir(environ))}
try it:  curl -s {cluster.gateway_urls[0]}/readyz
         curl -s {cluster.gateway_urls[-1]}/v1/jobs -H "Authorization: Bearer {key}"

Ctrl-C stops everything (and drops the database).
"""
        )

    return run_until_stopped("reports cluster", cluster, banner)


if __name__ == "__main__":
    sys.exit(main())
