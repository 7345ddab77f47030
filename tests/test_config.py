"""Settings from cloudstack.ini, environment and flags; every bad input is a ConfigError saying what to fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from cloudstack_mcp.config import Settings, default_cache_dir, load_settings, parse_bool, split_list
from cloudstack_mcp.errors import ConfigError

ENDPOINT = "https://cloud.example.com/client/api"


def load(tmp_path: Path, env: dict[str, str] | None = None, flags: dict | None = None, ini: str | None = None):
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    if ini is not None:
        (home / ".cloudstack.ini").write_text(ini)
    cwd = tmp_path / "cwd"
    cwd.mkdir(exist_ok=True)
    return load_settings(flags or {}, {"HOME": str(home), **(env or {})}, home=home, cwd=cwd)


def test_nothing_configured_means_simulator(tmp_path: Path) -> None:
    s = load(tmp_path)
    assert s.use_simulator and s.endpoint is None and s.auth_mode == "none"
    assert s.toolsets == () and not s.read_only


def test_ini_default_section(tmp_path: Path) -> None:
    s = load(tmp_path, ini=f"[cloudstack]\nendpoint = {ENDPOINT}\nkey = K\nsecret = S\ntimeout = 12\nmethod = post\n")
    assert (s.endpoint, s.api_key, s.secret_key, s.timeout, s.method) == (ENDPOINT, "K", "S", 12.0, "post")
    assert "[cloudstack]" in s.source and s.auth_mode == "keys" and not s.use_simulator


def test_region_section_and_env_override(tmp_path: Path) -> None:
    ini = f"[cloudstack]\nendpoint = {ENDPOINT}\nkey = A\nsecret = B\n[lab]\nendpoint = http://lab:8080/client/api\nkey = L\nsecret = M\n"
    s = load(tmp_path, env={"CLOUDSTACK_REGION": "lab"}, ini=ini)
    assert (s.endpoint, s.api_key, s.region) == ("http://lab:8080/client/api", "L", "lab")
    s = load(tmp_path, env={"CLOUDSTACK_REGION": "lab", "CLOUDSTACK_KEY": "EK", "CLOUDSTACK_SECRET": "ES"}, ini=ini)
    assert (s.api_key, s.secret_key) == ("EK", "ES")
    s = load(tmp_path, flags={"region": "cloudstack", "endpoint": "http://flag/client/api"}, ini=ini)
    assert (s.endpoint, s.api_key, s.source) == ("http://flag/client/api", "A", "--endpoint")


def test_cloudstack_config_file_wins(tmp_path: Path) -> None:
    other = tmp_path / "other.ini"
    other.write_text("[cloudstack]\nendpoint = http://other/client/api\nkey = O\nsecret = P\n")
    s = load(
        tmp_path, env={"CLOUDSTACK_CONFIG": str(other)}, ini=f"[cloudstack]\nendpoint = {ENDPOINT}\nkey=A\nsecret=B\n"
    )
    assert (s.endpoint, s.api_key) == ("http://other/client/api", "O")


def test_other_mcp_servers_variable_names(tmp_path: Path) -> None:
    env = {"CLOUDSTACK_API_URL": ENDPOINT, "CLOUDSTACK_API_KEY": "K", "CLOUDSTACK_SECRET_KEY": "S"}
    s = load(tmp_path, env=env)
    assert (s.endpoint, s.api_key, s.secret_key) == (ENDPOINT, "K", "S")
    assert s.source == "environment variable CLOUDSTACK_API_URL"


def test_username_password_login(tmp_path: Path) -> None:
    env = {"CLOUDSTACK_ENDPOINT": ENDPOINT, "CLOUDSTACK_USERNAME": "admin", "CLOUDSTACK_PASSWORD": "pw"}
    s = load(tmp_path, env={**env, "CLOUDSTACK_DOMAIN": "ops/eu"})
    assert s.auth_mode == "login" and s.domain == "/ops/eu" and s.user == "user:/ops/eu/admin"
    assert "pw" not in repr(s)


def test_secret_not_in_repr(tmp_path: Path) -> None:
    s = load(tmp_path, env={"CLOUDSTACK_ENDPOINT": ENDPOINT, "CLOUDSTACK_KEY": "K", "CLOUDSTACK_SECRET": "TOPSECRET"})
    assert "TOPSECRET" not in repr(s) and s.user == "key:K"


def test_endpoint_without_path_gets_client_api(tmp_path: Path) -> None:
    env = {"CLOUDSTACK_ENDPOINT": "http://mgmt:8080", "CLOUDSTACK_KEY": "K", "CLOUDSTACK_SECRET": "S"}
    assert load(tmp_path, env=env).endpoint == "http://mgmt:8080/client/api"


@pytest.mark.parametrize(
    ("env", "ini", "needle"),
    [
        ({"CLOUDSTACK_ENDPOINT": ENDPOINT, "CLOUDSTACK_KEY": "K"}, None, "CLOUDSTACK_KEY"),
        (
            {"CLOUDSTACK_ENDPOINT": ENDPOINT, "CLOUDSTACK_SECRET": "S"},
            None,
            "API secret is set (environment variable CLOUDSTACK_SECRET)",
        ),
        ({}, f"[cloudstack]\nendpoint = {ENDPOINT}\nkey = K\n", ".cloudstack.ini [cloudstack] key 'key'"),
        ({"CLOUDSTACK_ENDPOINT": ENDPOINT}, None, "no credentials"),
        ({"CLOUDSTACK_KEY": "K", "CLOUDSTACK_SECRET": "S"}, None, "no endpoint"),
        ({"CLOUDSTACK_ENDPOINT": ENDPOINT, "CLOUDSTACK_USERNAME": "u"}, None, "CLOUDSTACK_PASSWORD"),
        (
            {"CLOUDSTACK_ENDPOINT": "cloud.example.com", "CLOUDSTACK_KEY": "K", "CLOUDSTACK_SECRET": "S"},
            None,
            "is not a URL",
        ),
        (
            {"CLOUDSTACK_ENDPOINT": "ftp://x/client/api", "CLOUDSTACK_KEY": "K", "CLOUDSTACK_SECRET": "S"},
            None,
            "http(s)://",
        ),
        ({"CLOUDSTACK_ENDPOINT": "http://x:99999/", "CLOUDSTACK_KEY": "K", "CLOUDSTACK_SECRET": "S"}, None, "bad port"),
        ({"CLOUDSTACK_REGION": "nowhere"}, "[cloudstack]\nendpoint = x\n", "sections found: cloudstack"),
        ({"CLOUDSTACK_REGION": "nowhere"}, None, "there is no cloudstack.ini"),
        ({"CLOUDSTACK_CONFIG": "/no/such/file.ini"}, None, "CLOUDSTACK_CONFIG names /no/such/file.ini"),
        ({}, "endpoint = x\n[cloudstack\n", "cannot read"),
        ({}, "[cloudstack]\nendpoint = x\nendpoint = y\n", "cannot read"),
        (
            {
                "CLOUDSTACK_ENDPOINT": ENDPOINT,
                "CLOUDSTACK_KEY": "K",
                "CLOUDSTACK_SECRET": "S",
                "CLOUDSTACK_TIMEOUT": "soon",
            },
            None,
            "timeout",
        ),
        (
            {
                "CLOUDSTACK_ENDPOINT": ENDPOINT,
                "CLOUDSTACK_KEY": "K",
                "CLOUDSTACK_SECRET": "S",
                "CLOUDSTACK_TIMEOUT": "0",
            },
            None,
            "at least",
        ),
        (
            {
                "CLOUDSTACK_ENDPOINT": ENDPOINT,
                "CLOUDSTACK_KEY": "K",
                "CLOUDSTACK_SECRET": "S",
                "CLOUDSTACK_METHOD": "put",
            },
            None,
            "use get, post or auto",
        ),
        (
            {
                "CLOUDSTACK_ENDPOINT": ENDPOINT,
                "CLOUDSTACK_KEY": "K",
                "CLOUDSTACK_SECRET": "S",
                "CLOUDSTACK_VERIFY": "/no/ca.pem",
            },
            None,
            "CA bundle",
        ),
        ({"CLOUDSTACK_MCP_READ_ONLY": "maybe"}, None, "not a boolean"),
        ({"CLOUDSTACK_MCP_API_SPEC": "/no/spec.json"}, None, "no such file"),
    ],
)
def test_bad_configuration_is_a_clear_error(tmp_path: Path, env: dict, ini: str | None, needle: str) -> None:
    with pytest.raises(ConfigError) as err:
        load(tmp_path, env=env, ini=ini)
    assert needle in str(err.value)


def test_malformed_ini_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        load(tmp_path, ini="this is not an ini file\n")
    assert str(tmp_path / "home" / ".cloudstack.ini") in str(err.value)
    assert "[cloudstack]" in str(err.value)


def test_verify_settings(tmp_path: Path) -> None:
    base = {"CLOUDSTACK_ENDPOINT": ENDPOINT, "CLOUDSTACK_KEY": "K", "CLOUDSTACK_SECRET": "S"}
    assert load(tmp_path, env={**base, "CLOUDSTACK_VERIFY": "false"}).verify is False
    ca = tmp_path / "ca.pem"
    ca.write_text("x")
    assert load(tmp_path, env={**base, "CLOUDSTACK_VERIFY": str(ca)}).verify == str(ca)
    assert load(tmp_path, env={**base, "CLOUDSTACK_DANGEROUS_NO_TLS_VERIFY": "true"}).verify is False


def test_server_options_from_flags_and_env(tmp_path: Path) -> None:
    spec = tmp_path / "spec.json"
    spec.write_text("{}")
    env = {"CLOUDSTACK_MCP_TOOLSETS": "network, vm", "CLOUDSTACK_MCP_READ_ONLY": "yes", "XDG_CACHE_HOME": str(tmp_path)}
    s = load(tmp_path, env=env, flags={"tools": "list_*", "api_spec": str(spec), "max_pages": 3, "job_timeout": 5})
    assert s.toolsets == ("network", "vm") and s.tools == ("list_*",) and s.read_only
    assert s.api_spec == spec and s.max_pages == 3 and s.job_timeout == 5.0
    assert s.cache_dir == tmp_path / "cloudstack-mcp"
    s = load(tmp_path, env=env, flags={"toolsets": "all", "read_only": False, "transport": "http", "http_port": 0})
    assert s.toolsets == ("all",) and s.transport == "http" and s.http_port == 0
    with pytest.raises(ConfigError, match="use stdio or http"):
        load(tmp_path, flags={"transport": "carrier-pigeon"})
    with pytest.raises(ConfigError, match="--max-pages"):
        load(tmp_path, flags={"max_pages": 0})


def test_helpers() -> None:
    assert split_list(" a, ,b ") == ("a", "b") and split_list(None) == () and split_list(["x", " "]) == ("x",)
    assert parse_bool("ON", name="x") is True and parse_bool("0", name="x") is False and parse_bool(True, name="x")
    assert default_cache_dir({"HOME": "/h"}) == Path("/h/.cache/cloudstack-mcp")
    assert default_cache_dir({"XDG_CACHE_HOME": "/c", "HOME": "/h"}) == Path("/c/cloudstack-mcp")
    assert Settings().with_connection(endpoint="http://x/client/api").endpoint == "http://x/client/api"
