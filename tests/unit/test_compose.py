"""infra/compose cannot run here (no Docker engine), so it is checked by construction.

The compose file is validated against the Compose Specification's JSON schema (vendored in
tests/fixtures/compose-spec/), then read as compose would read it (YAML anchors merged, ``${VAR}``
interpolated from .env.example, and from cluster.env on top for the cluster profile) and checked
for consistency: image tags against the local stack's versions, ports, volumes, Dockerfiles,
``KHABAR_*`` variables against the settings, start order and healthchecks, and the Elasticsearch
users and roles. Each check returns its problems; every check is also shown to find a planted one.
"""

from __future__ import annotations

import copy
import dataclasses
import fnmatch
import functools
import json
import re
import subprocess
import tomllib
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import pytest
import typer.main
import yaml
from packaging.specifiers import SpecifierSet

from pipelines.config import PROJECT_ROOT, Settings
from pipelines.elastic.template import first_index_name, template_body

COMPOSE_DIR = PROJECT_ROOT / "infra" / "compose"
COMPOSE_FILE = COMPOSE_DIR / "docker-compose.yml"
SCHEMA_FILE = PROJECT_ROOT / "tests" / "fixtures" / "compose-spec" / "compose-spec.json"
ES_DIR = COMPOSE_DIR / "elasticsearch"


# Ports the images listen on by default (not configured in the compose file).
IMAGE_PORTS = {
    "elasticsearch": {9200, 9300},  # http.port, transport.port
    "kibana": {5601},  # server.port
    "airflow-api-server": {8080},  # airflow api-server --port
    "airflow-scheduler": {8974},  # [scheduler] scheduler_health_check_server_port
}

Env = Mapping[str, str]

# --------------------------------------------------------------------------- reading the files


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines of a compose env file (comments and blank lines skipped)."""
    out: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            out[key.strip()] = value.strip()
    return out


EXAMPLE_ENV = read_env_file(COMPOSE_DIR / ".env.example")
CLUSTER_ENV = {**EXAMPLE_ENV, **read_env_file(COMPOSE_DIR / "cluster.env")}

_VAR = re.compile(
    r"\$(?:(?P<escaped>\$)"
    r"|\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>[^}]*))?\}"
    r"|(?P<named>[A-Za-z_][A-Za-z0-9_]*))"
)


class InterpolationError(ValueError):
    pass


def interpolate_text(text: str, env: Env) -> str:
    """Compose's interpolation: $$, $VAR, ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error},
    ${VAR?error}, ${VAR:+alternative}. A variable with neither a value nor a default is an error
    here (compose would warn and use an empty string: a deployment nobody meant)."""

    def replace(match: re.Match[str]) -> str:
        if match["escaped"]:
            return "$"
        name = match["braced"] or match["named"]
        op, arg = match["op"], match["arg"] or ""
        value = env.get(name)
        is_set = value is not None and (value != "" or not (op or "").startswith(":"))
        if op in (":-", "-"):
            return value if is_set else interpolate_text(arg, env)
        if op in (":?", "?"):
            if not is_set:
                raise InterpolationError(f"{name}: {arg or 'required'}")
            return str(value)
        if op in (":+", "+"):
            return interpolate_text(arg, env) if is_set else ""
        if value is None:
            raise InterpolationError(f"{name} has no value and no default")
        return value

    if "${" in _VAR.sub("", text):
        raise InterpolationError(f"malformed interpolation in {text!r}")
    return _VAR.sub(replace, text)


def interpolate(node: Any, env: Env) -> Any:
    if isinstance(node, str):
        return interpolate_text(node, env)
    if isinstance(node, list):
        return [interpolate(item, env) for item in node]
    if isinstance(node, dict):
        return {key: interpolate(value, env) for key, value in node.items()}
    return node


def raw_compose() -> dict[str, Any]:
    """The file as YAML (anchors and merge keys resolved), before interpolation."""
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))


def variables_used(node: Any) -> Iterator[tuple[str, bool]]:
    """(variable, has a default or an alternative) for every interpolation in the raw file."""
    if isinstance(node, str):
        for match in _VAR.finditer(node):
            name = match["braced"] or match["named"]
            if name:
                yield name, (match["op"] or "").lstrip(":") in ("-", "+")
    elif isinstance(node, list):
        for item in node:
            yield from variables_used(item)
    elif isinstance(node, dict):
        for value in node.values():
            yield from variables_used(value)


@dataclasses.dataclass
class Model:
    """The compose application as one topology sees it: interpolated, profiles applied."""

    raw: dict[str, Any]
    doc: dict[str, Any]
    env: Env

    @property
    def profiles(self) -> set[str]:
        return {p for p in self.env.get("COMPOSE_PROFILES", "").split(",") if p}

    @property
    def services(self) -> dict[str, dict[str, Any]]:
        return {
            name: svc
            for name, svc in self.doc["services"].items()
            if not svc.get("profiles") or set(svc["profiles"]) & self.profiles
        }

    def raw_service(self, name: str) -> dict[str, Any]:
        return self.raw["services"][name]


def model(env: Env) -> Model:
    raw = raw_compose()
    return Model(raw=raw, doc=interpolate(copy.deepcopy(raw), env), env=env)


def environment(svc: Mapping[str, Any]) -> dict[str, str]:
    env = svc.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.partition("=")[::2] for item in env)
    return {str(k): "" if v is None else str(v) for k, v in env.items()}


def command_words(svc: Mapping[str, Any]) -> list[str]:
    words: list[str] = []
    for key in ("entrypoint", "command"):
        value = svc.get(key) or []
        words += value.split() if isinstance(value, str) else [str(v) for v in value]
    return words


def kind(name: str, svc: Mapping[str, Any]) -> str:
    """What a service runs, from its image: kafka, elasticsearch (a node: khabar's image with
    analysis-icu), elasticsearch-tools (the stock image running a setup job), kibana, khabar..."""
    image = str(svc.get("image", ""))
    if image.startswith("khabar-elasticsearch:"):
        return "elasticsearch"
    if image.startswith("khabar-airflow:"):
        return "khabar"
    if image.startswith("docker.elastic.co/elasticsearch/"):
        return "elasticsearch-tools"
    for key in ("kafka", "kibana", "postgres", "redis"):
        if f"/{key}:" in image or image.startswith(f"{key}:"):
            return key
    return name


def one_shot(svc: Mapping[str, Any]) -> bool:
    return str(svc.get("restart", "no")) == "no"


def pom_property(pom: Path, name: str) -> str:
    ns = {"m": "http://maven.apache.org/POM/4.0.0"}
    root = ET.parse(pom).getroot()
    node = root.find(f"m:properties/m:{name}", ns)
    if node is None:
        node = root.find(f"properties/{name}")
    assert node is not None and node.text, f"{pom}: no <{name}>"
    return node.text.strip()


def dockerfile(path: Path) -> tuple[dict[str, str], list[str], list[list[str]]]:
    """ARG defaults, FROM images, COPY sources of a Dockerfile."""
    args: dict[str, str] = {}
    froms: list[str] = []
    copies: list[list[str]] = []
    text = path.read_text(encoding="utf-8").replace("\\\n", " ")
    for line in text.splitlines():
        words = line.split()
        if not words or words[0].startswith("#"):
            continue
        instruction = words[0].upper()
        if instruction == "ARG" and "=" in words[1]:
            key, _, value = words[1].partition("=")
            args.setdefault(key, value)
        elif instruction == "FROM":
            froms.append(words[1])
        elif instruction == "COPY":
            paths = [w for w in words[1:] if not w.startswith("--")]
            copies.append(paths[:-1])
    return args, froms, copies


def settings_fields() -> set[str]:
    """Settings field names, from a dataclass or a pydantic(-settings) model alike."""
    model_fields = getattr(Settings, "model_fields", None)
    if model_fields is not None:
        return set(model_fields)
    return {f.name for f in dataclasses.fields(Settings)}


@functools.cache
def cli_envvars() -> frozenset[str]:
    """Environment variables the options of any ``khabar`` command read (e.g. KHABAR_KIBANA_URL).

    Duck-typed: Typer may bring its own copy of click, so no isinstance checks against click's."""
    from pipelines.cli import app

    found: set[str] = set()

    def walk(command: Any, ctx: Any) -> None:
        for param in command.params:
            envvar = getattr(param, "envvar", None)
            if isinstance(envvar, str):
                found.add(envvar)
            elif envvar:
                found.update(envvar)
        if hasattr(command, "list_commands"):
            for name in command.list_commands(ctx):
                sub = command.get_command(ctx, name)
                if sub is not None:
                    walk(sub, sub.context_class(sub, parent=ctx, info_name=name))

    root = typer.main.get_command(app)
    walk(root, root.context_class(root, info_name="khabar"))
    return frozenset(found)


def khabar_command_problem(words: list[str]) -> str | None:
    """Why ``khabar WORDS...`` would not run (unknown command or option), or None."""
    from pipelines.cli import app

    command = typer.main.get_command(app)
    ctx = command.context_class(command, info_name="khabar")
    rest = list(words)
    while rest and hasattr(command, "list_commands"):
        sub = command.get_command(ctx, rest[0])
        if sub is None:
            return f"khabar has no command {' '.join(words[: len(words) - len(rest) + 1])!r}"
        command, ctx, rest = sub, sub.context_class(sub, parent=ctx, info_name=rest[0]), rest[1:]
    options = {opt for param in command.params for opt in (*param.opts, *param.secondary_opts)}
    unknown = [w.split("=")[0] for w in rest if w.startswith("-") and w.split("=")[0] not in options]
    return f"khabar {' '.join(words)}: unknown option {unknown[0]}" if unknown else None


# --------------------------------------------------------------------------- the checks

Check = Callable[[Model], list[str]]


def schema_problems(doc: Mapping[str, Any]) -> list[str]:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    validator = jsonschema.Draft7Validator(schema)
    return [
        f"{'/'.join(map(str, error.absolute_path)) or '<root>'}: {error.message[:300]}"
        for error in validator.iter_errors(doc)
    ]


def version_problems(m: Model) -> list[str]:
    kafka = pom_property(PROJECT_ROOT / "infra/local/kafka/pom.xml", "kafka.version")
    elastic = pom_property(PROJECT_ROOT / "infra/local/elasticsearch/pom.xml", "elasticsearch.version")
    pins = dict(
        line.split(";")[0].strip().split("==", 1)
        for line in (PROJECT_ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines()
        if "==" in line and not line.strip().startswith("#")
    )
    airflow = pins["apache-airflow"]
    want = {
        "kafka": kafka,
        "elasticsearch": elastic,
        "elasticsearch-tools": elastic,
        "kibana": elastic,
        "khabar": airflow,
    }
    problems: list[str] = []
    for name, svc in m.doc["services"].items():
        what = kind(name, svc)
        tag = str(svc.get("image", "")).rpartition(":")[2]
        if what in want and tag != want[what]:
            problems.append(f"{name}: image {svc['image']} but the local stack runs {what} {want[what]}")
        build_args = (svc.get("build") or {}).get("args") or {}
        for arg, expected in (("ES_VERSION", elastic), ("AIRFLOW_VERSION", airflow)):
            if arg in build_args and str(build_args[arg]) != expected:
                problems.append(f"{name}: build arg {arg}={build_args[arg]}, expected {expected}")
    for path, arg, expected in (
        (COMPOSE_DIR / "elasticsearch.Dockerfile", "ES_VERSION", elastic),
        (COMPOSE_DIR / "airflow.Dockerfile", "AIRFLOW_VERSION", airflow),
    ):
        if dockerfile(path)[0].get(arg) != expected:
            problems.append(f"{path.name}: ARG {arg} default is not {expected}")
    for var, expected in (("KAFKA_VERSION", kafka), ("ES_VERSION", elastic), ("AIRFLOW_VERSION", airflow)):
        if m.env.get(var, expected) != expected:
            problems.append(f"env file: {var}={m.env[var]}, expected {expected}")
    problems += python_problems()
    return problems


def python_problems() -> list[str]:
    """The image's Python is the one the pins were resolved for: requires-python's lower bound, or
    the version named in constraints.txt's header when the lock recipe writes one."""
    _, froms, _ = dockerfile(COMPOSE_DIR / "airflow.Dockerfile")
    match = re.search(r"-python(\d+\.\d+)$", froms[0])
    if not match:
        return [f"airflow.Dockerfile: FROM {froms[0]} names no -pythonX.Y tag"]
    image_python = match[1]
    pyproject = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    requires = SpecifierSet(pyproject["project"]["requires-python"])
    floor = next((s.version for s in requires if s.operator in (">=", "~=", "==")), None)
    header = "\n".join(
        line
        for line in (PROJECT_ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines()
        if line.startswith("#")
    )
    # uv: "--python-version 3.11"; pip-compile: "autogenerated by pip-compile with Python 3.11"
    locked = re.search(r"(?:python[-_ ]?version[ =]+|with python )(\d+\.\d+)", header, re.I)
    expected = locked[1] if locked else floor
    problems = []
    if image_python not in requires:
        problems.append(f"image Python {image_python} is outside requires-python {requires}")
    if expected and ".".join(expected.split(".")[:2]) != image_python:
        problems.append(f"image Python {image_python}, the pins are for Python {expected}")
    return problems


def settings_problems(m: Model) -> list[str]:
    known = {f"KHABAR_{name.upper()}" for name in settings_fields()} | cli_envvars()
    problems = []
    for name, svc in m.doc["services"].items():
        for key in environment(svc):
            if key.startswith("KHABAR_") and key not in known:
                problems.append(f"{name}: {key} is neither a Settings field nor a khabar option")
    for var, _ in variables_used(m.raw):
        if var.startswith("KHABAR_"):
            problems.append(f"interpolation variable {var}: an exported KHABAR_* setting would leak in")
    return problems


def _ports(svc: Mapping[str, Any]) -> Iterator[tuple[str, list[int], int]]:
    """(host ip, host ports, container port) of each published port (short syntax)."""
    for spec in svc.get("ports") or []:
        parts = str(spec).split(":")
        host_ip = parts[0] if len(parts) == 3 else ""
        host = parts[-2] if len(parts) >= 2 else parts[-1]
        first, _, last = host.partition("-")
        yield host_ip, list(range(int(first), int(last or first) + 1)), int(parts[-1].split("/")[0])


def listening_ports(name: str, svc: Mapping[str, Any]) -> set[int]:
    env = environment(svc)
    ports = set(IMAGE_PORTS.get(kind(name, svc), set())) | set(IMAGE_PORTS.get(name, set()))
    for listener in env.get("KAFKA_LISTENERS", "").split(","):
        if listener:
            ports.add(int(listener.rpartition(":")[2]))
    if env.get("KHABAR_METRICS_PORT"):
        ports.add(int(env["KHABAR_METRICS_PORT"]))
    words = command_words(svc)
    if "--port" in words:
        ports.add(int(words[words.index("--port") + 1]))
    return ports


def _hosts(value: str) -> list[tuple[str, str, int]]:
    """(scheme, host, port) of each entry of a comma-separated list of URLs or host:port pairs."""
    out = []
    for item in value.split(","):
        parts = urlsplit(item.strip() if "://" in item else f"//{item.strip()}")
        out.append((parts.scheme, parts.hostname or "", parts.port or 0))
    return out


def port_problems(m: Model) -> list[str]:
    problems: list[str] = []
    taken: dict[int, str] = {}
    services = m.services
    kafka = {n: s for n, s in services.items() if kind(n, s) == "kafka"}
    elastic = {n: s for n, s in services.items() if kind(n, s) == "elasticsearch"}
    for name, svc in services.items():
        listening = listening_ports(name, svc)
        for host_ip, host_ports, container_port in _ports(svc):
            if host_ip != "127.0.0.1":
                problems.append(f"{name}: port {container_port} published on {host_ip or 'all interfaces'}")
            if container_port not in listening:
                problems.append(f"{name}: publishes {container_port}, listens on {sorted(listening)}")
            for port in host_ports:
                if port in taken:
                    problems.append(f"host port {port}: {taken[port]} and {name}")
                taken[port] = name
        for url_port in re.findall(r"(?:localhost|127\.0\.0\.1):(\d+)", json.dumps(svc.get("healthcheck"))):
            if int(url_port) not in listening:
                problems.append(f"{name}: healthcheck asks port {url_port}, listens on {sorted(listening)}")
        env = environment(svc)
        if "KHABAR_METRICS_PORT" in env and list(_ports(svc)) and env.get("KHABAR_METRICS_ADDR") != "0.0.0.0":
            problems.append(f"{name}: metrics published but KHABAR_METRICS_ADDR is not 0.0.0.0")
        if "KAFKA_ADVERTISED_LISTENERS" in env:
            published = {c: h for _, h, c in _ports(svc)}
            for listener in env["KAFKA_ADVERTISED_LISTENERS"].split(","):
                label, _, address = listener.partition("://")
                host, _, port = address.rpartition(":")
                if label == "PLAINTEXT" and host != name:
                    problems.append(f"{name}: advertises {listener}, not its service name")
                if label == "HOST" and [int(port)] not in published.values():
                    problems.append(f"{name}: advertises {listener} but publishes {published}")
        for _, host, port in (
            _hosts(env.get("KHABAR_KAFKA_BOOTSTRAP", "")) if "KHABAR_KAFKA_BOOTSTRAP" in env else []
        ):
            if host not in kafka or port not in listening_ports(host, kafka[host]):
                problems.append(f"{name}: KHABAR_KAFKA_BOOTSTRAP names {host}:{port}, no such broker")
        for scheme, host, port in _hosts(env["KHABAR_ES_URL"]) if "KHABAR_ES_URL" in env else []:
            if scheme != "https" or host not in elastic or port != 9200:
                problems.append(f"{name}: KHABAR_ES_URL names {scheme}://{host}:{port}, no such node")
        if "AIRFLOW_CONN_KHABAR_KAFKA" in env:
            kafka_conn = json.loads(env["AIRFLOW_CONN_KHABAR_KAFKA"])["extra"]["bootstrap_servers"]
            es_conn = json.loads(env["AIRFLOW_CONN_KHABAR_ELASTICSEARCH"])["host"]
            if kafka_conn != env["KHABAR_KAFKA_BOOTSTRAP"] or es_conn != env["KHABAR_ES_URL"]:
                problems.append(f"{name}: the Airflow connections and the KHABAR_* settings differ")
    return problems


def volume_problems(m: Model) -> list[str]:
    declared = set(m.doc.get("volumes") or {})
    used: set[str] = set()
    problems = []
    for name, svc in m.doc["services"].items():
        for spec in svc.get("volumes") or []:
            source = str(spec).split(":")[0]
            if source.startswith((".", "/")):
                if not (COMPOSE_DIR / source).exists():
                    problems.append(f"{name}: bind mount {source} does not exist")
            elif source not in declared:
                problems.append(f"{name}: volume {source} is not declared")
            else:
                used.add(source)
    problems += [f"volume {v} is declared but unused" for v in sorted(declared - used)]
    return problems


def build_problems(m: Model) -> list[str]:
    problems = []
    for name, svc in m.doc["services"].items():
        build = svc.get("build")
        if not build:
            continue
        context = (COMPOSE_DIR / build.get("context", ".")).resolve()
        path = context / build.get("dockerfile", "Dockerfile")
        if not path.is_file():
            problems.append(f"{name}: Dockerfile {path} does not exist")
            continue
        for sources in dockerfile(path)[2]:
            problems += [
                f"{name}: {path.name} copies {s}, missing" for s in sources if not (context / s).exists()
            ]
    return problems


def start_order_problems(m: Model) -> list[str]:
    problems = []
    services = m.services
    for name, svc in services.items():
        if "restart" not in svc:
            problems.append(f"{name}: no restart policy")
        if not one_shot(svc) and (not svc.get("healthcheck") or svc["healthcheck"].get("disable")):
            problems.append(f"{name}: long-running service without a healthcheck")
        depends = svc.get("depends_on") or {}
        if isinstance(depends, list):
            problems.append(f"{name}: depends_on without conditions")
            continue
        for target, spec in depends.items():
            if target not in services:
                problems.append(f"{name}: depends on {target}, which this profile does not start")
                continue
            wanted = "service_completed_successfully" if one_shot(services[target]) else "service_healthy"
            if spec.get("condition") != wanted:
                problems.append(f"{name}: depends on {target} with {spec.get('condition')}, want {wanted}")
        if (
            kind(name, svc) == "elasticsearch"
            and (depends.get("es-certs") or {}).get("condition") != "service_completed_successfully"
        ):
            problems.append(f"{name}: starts before es-certs completed")
    # no cycles
    state: dict[str, int] = {}

    def visit(node: str, path: tuple[str, ...]) -> None:
        if state.get(node) == 1:
            problems.append(f"dependency cycle: {' -> '.join((*path, node))}")
            return
        if state.get(node) == 2 or node not in services:
            return
        state[node] = 1
        for target in services[node].get("depends_on") or {}:
            visit(target, (*path, node))
        state[node] = 2

    for node in services:
        visit(node, ())
    return problems


def setup_users() -> dict[str, tuple[str, str]]:
    """user -> (password variable, role), as elasticsearch/setup.sh creates them."""
    text = (ES_DIR / "setup.sh").read_text(encoding="utf-8")
    return {u: (v, r) for u, v, r in re.findall(r"^user\s+(\S+)\s+(\w+)\s+(\S+)\s*$", text, re.M)}


def role(name: str) -> dict[str, Any]:
    return json.loads((ES_DIR / "roles" / f"{name}.json").read_text(encoding="utf-8"))


def _password_variable(raw_value: str) -> str | None:
    match = _VAR.search(raw_value)
    return (match["braced"] or match["named"]) if match else None


def security_problems(m: Model) -> list[str]:
    users = setup_users()
    problems = []
    es_setup_env = environment(m.raw_service("es-setup"))
    for user, (variable, role_name) in users.items():
        if _password_variable(es_setup_env.get(variable, "")) != variable:
            problems.append(f"es-setup does not pass {variable} (password of {user})")
        if role_name != "kibana_admin" and not (ES_DIR / "roles" / f"{role_name}.json").is_file():
            problems.append(f"user {user}: role {role_name} has no roles/{role_name}.json")
    for name, svc in m.doc["services"].items():
        env, raw_env = environment(svc), environment(m.raw_service(name))
        identities: list[tuple[str, str]] = []  # (user, raw password value)
        if "KHABAR_ES_USERNAME" in env:
            identities.append((env["KHABAR_ES_USERNAME"], raw_env.get("KHABAR_ES_PASSWORD", "")))
        if "AIRFLOW_CONN_KHABAR_ELASTICSEARCH" in env:
            conn = json.loads(env["AIRFLOW_CONN_KHABAR_ELASTICSEARCH"])
            raw_password = re.search(r'"password":\s*"([^"]*)"', raw_env["AIRFLOW_CONN_KHABAR_ELASTICSEARCH"])
            identities.append((conn.get("login", ""), raw_password[1] if raw_password else ""))
        if "KHABAR_KIBANA_USER" in env:
            identities.append((env["KHABAR_KIBANA_USER"], raw_env.get("KHABAR_KIBANA_PASSWORD", "")))
        if "KHABAR_ES_URL" in env and not identities:
            problems.append(f"{name}: talks to Elasticsearch with no identity of its own")
        for user, raw_password in identities:
            if user not in users:
                problems.append(f"{name}: user {user!r} is not created by es-setup (elastic is for people)")
            elif _password_variable(raw_password) != users[user][0]:
                problems.append(f"{name}: {user}'s password is not ${{{users[user][0]}}}")
        for key, value in raw_env.items():
            if re.search(r"PASSWORD|SECRET|_KEY$|TOKEN|_AUTH$", key) and "${" not in value:
                problems.append(f"{name}: {key} is a literal in the compose file, not from .env")
    return problems


def role_problems() -> list[str]:
    """Roles cover khabar's index names and grant each component what it does, no more."""
    alias = Settings().index_alias
    names = [alias, first_index_name(alias), *template_body(Settings()).get("index_patterns", [])]
    allowed = {
        # setup_index/reindex: template, create index, put mapping, alias swap, refresh, bulk, count
        "khabar_maintenance": (
            {"manage_index_templates"},
            {"create_index", "manage", "index", "read", "view_index_metadata"},
        ),
        "khabar_indexer": (set(), {"index", "read"}),  # _bulk through the alias, msearch for near-duplicates
        "khabar_search": (set(), {"read"}),  # search the alias
    }
    problems = []
    for file in sorted((ES_DIR / "roles").glob("*.json")):
        name = file.stem
        body = role(name)
        if name not in allowed:
            problems.append(f"role {name}: no rule in this test says what it may do")
            continue
        cluster, index_privileges = allowed[name]
        if set(body.get("cluster", [])) - cluster:
            problems.append(f"role {name}: cluster privileges {set(body['cluster']) - cluster}")
        granted: set[str] = set()
        for entry in body.get("indices", []):
            granted |= set(entry["privileges"])
            if set(entry["names"]) - {alias, f"{alias}-*"}:
                problems.append(f"role {name}: {entry['names']} reach beyond {alias} and {alias}-*")
            for index in names:
                if not any(fnmatch.fnmatchcase(index, pattern) for pattern in entry["names"]):
                    problems.append(f"role {name}: {entry['names']} does not cover {index}")
        if granted != index_privileges:
            problems.append(
                f"role {name}: index privileges {sorted(granted)}, want {sorted(index_privileges)}"
            )
    return problems


def topology_problems(m: Model) -> list[str]:
    """Kafka voters, Elasticsearch discovery, and khabar's replication settings fit the nodes."""
    services = m.services
    kafka = {n: environment(s) for n, s in services.items() if kind(n, s) == "kafka"}
    elastic = {n: s for n, s in services.items() if kind(n, s) == "elasticsearch"}
    problems = []
    voters = {f"{env['KAFKA_NODE_ID']}@{n}:9093" for n, env in kafka.items()}
    for name, env in kafka.items():
        if set(env["KAFKA_CONTROLLER_QUORUM_VOTERS"].split(",")) != voters:
            problems.append(
                f"{name}: quorum voters {env['KAFKA_CONTROLLER_QUORUM_VOTERS']}, nodes {sorted(voters)}"
            )
    if len({env["KAFKA_NODE_ID"] for env in kafka.values()}) != len(kafka):
        problems.append("two Kafka nodes share a node id")
    certs_nodes = re.search(r"^nodes=\((.*)\)", (ES_DIR / "certs.sh").read_text(encoding="utf-8"), re.M)
    cert_names = set(certs_nodes[1].split()) if certs_nodes else set()
    for name, svc in elastic.items():
        env = environment(svc)
        if env.get("node.name") != name or f"certs/{name}/{name}.key" != env.get(
            "xpack.security.http.ssl.key"
        ):
            problems.append(f"{name}: node name or certificate is not its own")
        if name not in cert_names:
            problems.append(f"{name}: es-certs makes no certificate for it")
        config_mounts = [v for v in svc.get("volumes", []) if str(v).endswith("config/elasticsearch.yml:ro")]
        config = yaml.safe_load((COMPOSE_DIR / config_mounts[0].split(":")[0]).read_text(encoding="utf-8"))
        if len(elastic) == 1:
            if config.get("discovery.type") != "single-node":
                problems.append(f"{name}: one node but discovery.type is not single-node")
        elif set(config.get("discovery.seed_hosts", [])) != set(elastic) or set(
            config.get("cluster.initial_master_nodes", [])
        ) != set(elastic):
            problems.append(f"{name}: discovery names {config}, nodes are {sorted(elastic)}")
    for name, svc in services.items():
        env = environment(svc)
        if "KHABAR_REPLICATION_FACTOR" not in env:
            continue
        rf, isr = int(env["KHABAR_REPLICATION_FACTOR"]), int(env["KHABAR_MIN_INSYNC_REPLICAS"])
        replicas = int(env["KHABAR_INDEX_REPLICAS"])
        brokers, nodes = len(kafka), len(elastic)
        # A copy on every broker; acks=all still succeeds with one broker down (as topics.py sizes
        # min.insync.replicas); one index replica as soon as there is a second node to hold it.
        if (rf, isr, replicas) != (brokers, min(2, max(1, rf - 1)), min(1, nodes - 1)):
            problems.append(
                f"{name}: replication {rf}/min.insync {isr}/index replicas {replicas} "
                f"on {brokers} brokers and {nodes} nodes"
            )
    for name, env in kafka.items():
        if int(env["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"]) != len(kafka):
            problems.append(f"{name}: internal topics' replication factor is not {len(kafka)}")
    return problems


def env_file_problems(m: Model) -> list[str]:
    used = dict(variables_used(m.raw))
    problems = [
        f"{var} has no default and .env.example does not set it"
        for var, has_default in sorted(used.items())
        if not has_default and var not in EXAMPLE_ENV
    ]
    for path in (COMPOSE_DIR / ".env.example", COMPOSE_DIR / "cluster.env"):
        for var, value in read_env_file(path).items():
            if var not in used and not var.startswith("COMPOSE_"):
                problems.append(f"{path.name}: {var} is not used by docker-compose.yml")
            if re.search(r"PASSWORD|SECRET|FERNET", var) and not value.startswith("change-me"):
                problems.append(f"{path.name}: {var} must be a change-me placeholder, not a secret")
    return problems


def command_problems(m: Model) -> list[str]:
    """Every ``khabar ...`` a service runs (as its entrypoint or inside its shell script) exists."""
    problems = []
    for name, svc in m.doc["services"].items():
        words = command_words(svc)
        calls = [words] if words[:1] == ["khabar"] else []
        for text in words:
            calls += [c.split() for c in re.findall(r"\bkhabar(?: [a-z][\w-]*| --?[\w-]+(?:=\S+)?)+", text)]
        for call in calls:
            problem = khabar_command_problem(call[1:])
            if problem:
                problems.append(f"{name}: {problem}")
    return problems


TOPOLOGIES = {"single": EXAMPLE_ENV, "cluster": CLUSTER_ENV}
CHECKS: dict[str, Check] = {
    "versions": version_problems,
    "settings": settings_problems,
    "ports": port_problems,
    "volumes": volume_problems,
    "builds": build_problems,
    "commands": command_problems,
    "start order": start_order_problems,
    "security": security_problems,
    "topology": topology_problems,
    "env files": env_file_problems,
}

# --------------------------------------------------------------------------- the tests


def test_vendored_schema_comes_with_its_licence() -> None:
    folder = SCHEMA_FILE.parent
    assert "Apache License" in (folder / "LICENSE").read_text(encoding="utf-8")
    assert (folder / "NOTICE").is_file()
    readme = (folder / "README.md").read_text(encoding="utf-8")
    assert re.search(r"\b[0-9a-f]{40}\b", readme), "README names the commit the schema came from"


@pytest.mark.parametrize("topology", TOPOLOGIES)
def test_compose_file_is_valid_against_the_compose_specification(topology: str) -> None:
    assert schema_problems(raw_compose()) == []
    assert schema_problems(model(TOPOLOGIES[topology]).doc) == []


def test_schema_validation_rejects_what_compose_would_reject() -> None:
    doc = raw_compose()
    doc["services"]["indexer"]["healthcheck"]["intervall"] = "10s"
    doc["services"]["search"]["depends_on"]["khabar-setup"]["condition"] = "service_ready"
    doc["services"]["kafka"]["ports"] = "29092"
    problems = schema_problems(doc)
    assert any("intervall" in p for p in problems)
    assert any("service_ready" in p for p in problems)
    assert any(p.startswith("services/kafka/ports") for p in problems)


@pytest.mark.parametrize("topology", TOPOLOGIES)
@pytest.mark.parametrize("check", CHECKS)
def test_compose_is_consistent(check: str, topology: str) -> None:
    assert CHECKS[check](model(TOPOLOGIES[topology])) == []


def test_roles_grant_each_component_only_what_it_does() -> None:
    assert role_problems() == []


def test_both_topologies_start_what_they_promise() -> None:
    single, cluster = model(EXAMPLE_ENV), model(CLUSTER_ENV)
    count = lambda m, what: sum(kind(n, s) == what for n, s in m.services.items())  # noqa: E731
    assert (count(single, "kafka"), count(single, "elasticsearch")) == (1, 1)
    assert (count(cluster, "kafka"), count(cluster, "elasticsearch")) == (3, 3)
    indexer = environment(cluster.services["indexer"])
    assert (indexer["KHABAR_REPLICATION_FACTOR"], indexer["KHABAR_MIN_INSYNC_REPLICAS"]) == ("3", "2")
    assert indexer["KHABAR_INDEX_REPLICAS"] == "1"
    workers = single.services["airflow-worker"]
    assert workers["deploy"]["replicas"] == 2 and workers["command"] == ["celery", "worker"]
    assert environment(workers)["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    for needed in ("airflow-scheduler", "airflow-dag-processor", "airflow-triggerer", "airflow-api-server"):
        assert needed in single.services


def test_the_search_healthcheck_asks_a_route_the_app_serves() -> None:
    from pipelines.web import create_app

    search = model(EXAMPLE_ENV).services["search"]
    path = urlsplit(re.search(r"http://[^']+", " ".join(search["healthcheck"]["test"]))[0]).path
    routes = {getattr(route, "path", None) for route in create_app(Settings()).routes}
    assert path in routes


def test_setup_scripts_are_valid_bash() -> None:
    for script in ("certs.sh", "setup.sh"):
        result = subprocess.run(
            ["bash", "-n", str(ES_DIR / script)], capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, result.stderr


def test_interpolation_follows_compose() -> None:
    env = {"SET": "x", "EMPTY": ""}
    assert interpolate_text("$$SET ${SET} $SET ${MISSING:-d} ${EMPTY:-d} ${EMPTY-d}", env) == "$SET x x d d "
    assert interpolate_text("${SET:+alt}${MISSING:+alt}", env) == "alt"
    for bad in ("${MISSING:?set it}", "${EMPTY:?set it}", "${MISSING}", "${SET"):
        with pytest.raises(InterpolationError):
            interpolate_text(bad, env)
    with pytest.raises(InterpolationError, match="ELASTIC_PASSWORD"):
        model({k: v for k, v in EXAMPLE_ENV.items() if k != "ELASTIC_PASSWORD"})


def _planted(env: Env, edit: Callable[[dict[str, Any]], None]) -> Model:
    m = model(env)
    edit(m.doc)
    return m


# Each check finds a fault planted in an otherwise good model: none of them can pass vacuously.
PLANTED: list[tuple[str, Env, Callable[[dict[str, Any]], None], str]] = [
    ("versions", EXAMPLE_ENV, lambda d: d["services"]["kafka"].update(image="apache/kafka:3.9.0"), "kafka"),
    (
        "versions",
        EXAMPLE_ENV,
        lambda d: d["services"]["kibana"].update(image="docker.elastic.co/kibana/kibana:9.0.0"),
        "kibana",
    ),
    (
        "settings",
        EXAMPLE_ENV,
        lambda d: d["services"]["indexer"]["environment"].update(KHABAR_ES_URI="x"),
        "KHABAR_ES_URI",
    ),
    (
        "ports",
        EXAMPLE_ENV,
        lambda d: d["services"]["search"].update(ports=["0.0.0.0:8000:8000"]),
        "published on 0.0.0.0",
    ),
    (
        "ports",
        EXAMPLE_ENV,
        lambda d: d["services"]["search"].update(ports=["127.0.0.1:9200:8000"]),
        "host port 9200",
    ),
    (
        "ports",
        EXAMPLE_ENV,
        lambda d: d["services"]["indexer"]["environment"].update(KHABAR_METRICS_PORT="9999"),
        "9464",
    ),
    (
        "ports",
        CLUSTER_ENV,
        lambda d: d["services"]["indexer"]["environment"].update(KHABAR_KAFKA_BOOTSTRAP="kafka-4:9092"),
        "kafka-4",
    ),
    (
        "volumes",
        EXAMPLE_ENV,
        lambda d: d["services"]["kafka"].update(volumes=["kafka-logs:/x"]),
        "kafka-logs",
    ),
    (
        "builds",
        EXAMPLE_ENV,
        lambda d: d["services"]["indexer"]["build"].update(dockerfile="infra/compose/nope.Dockerfile"),
        "nope",
    ),
    (
        "commands",
        EXAMPLE_ENV,
        lambda d: d["services"]["indexer"].update(entrypoint=["khabar", "index", "runn"]),
        "runn",
    ),
    (
        "commands",
        EXAMPLE_ENV,
        lambda d: d["services"]["search"].update(entrypoint=["khabar", "serve", "--hots", "x"]),
        "--hots",
    ),
    ("start order", EXAMPLE_ENV, lambda d: d["services"]["elasticsearch"].pop("depends_on"), "es-certs"),
    ("start order", EXAMPLE_ENV, lambda d: d["services"]["search"].pop("healthcheck"), "search"),
    (
        "start order",
        EXAMPLE_ENV,
        lambda d: d["services"]["indexer"].update(depends_on={"kafka-2": {"condition": "service_healthy"}}),
        "kafka-2",
    ),
    (
        "security",
        EXAMPLE_ENV,
        lambda d: d["services"]["indexer"]["environment"].update(KHABAR_ES_USERNAME="elastic"),
        "elastic",
    ),
    (
        "topology",
        CLUSTER_ENV,
        lambda d: d["services"]["kafka-3"]["environment"].update(KAFKA_NODE_ID=2),
        "node id",
    ),
    (
        "topology",
        EXAMPLE_ENV,
        lambda d: d["services"]["indexer"]["environment"].update(KHABAR_REPLICATION_FACTOR="3"),
        "replication",
    ),
]


@pytest.mark.parametrize(
    ("check", "env", "edit", "expected"), PLANTED, ids=[f"{p[0]}-{p[3]}" for p in PLANTED]
)
def test_each_check_finds_a_planted_fault(
    check: str, env: Env, edit: Callable[[dict[str, Any]], None], expected: str
) -> None:
    problems = CHECKS[check](_planted(env, edit))
    assert any(expected in problem for problem in problems), problems


def test_security_check_finds_a_literal_secret_and_a_wrong_password_variable() -> None:
    m = model(EXAMPLE_ENV)
    m.raw["services"]["search"]["environment"]["KHABAR_ES_PASSWORD"] = "${ES_KHABAR_INDEXER_PASSWORD}"
    m.raw["services"]["redis"]["environment"]["REDISCLI_AUTH"] = "hunter2hunter2"
    problems = security_problems(m)
    assert any("khabar_search's password" in p for p in problems), problems
    assert any("REDISCLI_AUTH is a literal" in p for p in problems), problems


@pytest.mark.parametrize(
    ("field", "extra", "expected"),
    [("privileges", "manage", "index privileges"), ("names", "news-*", "reach beyond")],
)
def test_role_check_finds_too_much_privilege(
    monkeypatch: pytest.MonkeyPatch, field: str, extra: str, expected: str
) -> None:
    real = json.loads

    def widened(text: str | bytes, **kwargs: Any) -> Any:
        body = real(text, **kwargs)
        if isinstance(body, dict) and str(body.get("description", "")).startswith("khabar indexer"):
            body["indices"][0][field].append(extra)
        return body

    monkeypatch.setattr(json, "loads", widened)
    assert any(p.startswith("role khabar_indexer") and expected in p for p in role_problems())
