"""Hostile input on every route, from the app's own OpenAPI schema (schemathesis, in-process
over ASGI): valid and invalid requests for each operation, as an admin and as a viewer under
row-level security. Whatever arrives, the answer is never a 5xx, and every 4xx is in the
contract's error shape `{"error": {"code", "message", "details"}}`.

Bounded for CI (about a minute of CPU; two or three minutes on a busy two-core machine): the
fuzzing phase only, `EXAMPLES` cases per operation and caller, a fixed seed (a failure
reproduces; `AURORA_FUZZ_SEED=<n>` looks elsewhere), no shrinking, no example database.
Generated dataset keys and column names are often swapped for real ones, so requests get past
"not found" into the query code. The callers use API keys, so a generated logout cannot end
their session; ids in generated paths are random, so the admin's deletes reach nothing that
exists. The fuzzer sees the filter group, the schema's one recursive part, unrolled to one level
past `MAX_FILTER_DEPTH` (`unrolled`): a recursive `$ref` made hypothesis's deferred strategies
recurse with the stack, and a RecursionError while generating failed the run whenever the
recursion limit left too little headroom (in the full suite, one process).
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import strategies as st
from schemathesis.config import SchemathesisConfig
from schemathesis.python.asgi import get_client, shutdown_lifespans

from backend.config import Settings
from backend.main import create_app
from backend.query.spec import MAX_FILTER_DEPTH
from backend.store.engine import Store
from backend.store.migrate import migrate
from tests.conftest import build_tiny_warehouse
from tests.store.fixtures import ADMIN, ADMIN_PASSWORD, USER_PASSWORD, make_settings

EXAMPLES = 10
CONFIG = SchemathesisConfig.from_str(
    f"""
seed = {int(os.environ.get("AURORA_FUZZ_SEED", "1202"))}
suppress-health-check = ["all"]
[generation]
max-examples = {EXAMPLES}
database = "none"
no-shrink = true
[phases.coverage]
enabled = false
"""
)
REF = "#/components/schemas/"


def _without_ref(node: Any, ref: str, replacement: str | None) -> Any:
    """`node` with each `{"$ref": ref}` pointing at `replacement`, or dropped when that is None
    (from a oneOf/anyOf list; the group then holds only conditions)."""
    if isinstance(node, dict):
        if node.get("$ref") == ref:
            return {"$ref": replacement} if replacement else None
        return {k: _without_ref(v, ref, replacement) for k, v in node.items()}
    if isinstance(node, list):
        items = [_without_ref(v, ref, replacement) for v in node]
        return [v for v in items if v is not None]
    return node


def unrolled(openapi: dict[str, Any], depth: int) -> dict[str, Any]:
    """`openapi` with each self-referencing component unrolled into `depth` levels, the last
    without the self-reference, so no strategy the fuzzer builds is recursive."""
    doc = copy.deepcopy(openapi)
    schemas = doc["components"]["schemas"]
    recursive = [n for n, s in schemas.items() if json.dumps(REF + n) in json.dumps(s)]
    for name in recursive:
        body = schemas[name]
        levels = [name, *(f"{name}-{i}" for i in range(2, depth + 1))]
        for level, deeper in zip(levels, [*levels[1:], None], strict=True):
            schemas[level] = _without_ref(body, REF + name, deeper and REF + deeper)
    return doc


# One level past the deepest filter the API takes, so a too-deep one is still sent.
OPENAPI = unrolled(create_app(Settings()).openapi(), MAX_FILTER_DEPTH + 1)
SCHEMA = schemathesis.openapi.from_dict(OPENAPI, config=CONFIG)
DATASETS = ("sales", "items")
COLUMNS = ("region", "amount", "order_date", "item_id", "price", "name")
VIEWER = "vera"
pytestmark = pytest.mark.slow  # in make test; make check leaves it out


@SCHEMA.hook
def flatmap_body(context: Any, body: Any) -> Any:
    """Half the time the spec (plain, or an export's `query`) names a real dataset."""
    if not isinstance(body, dict):
        return st.just(body)
    spec = body.get("query") if isinstance(body.get("query"), dict) else body
    if not isinstance(spec.get("dataset"), str):
        return st.just(body)
    keys = st.sampled_from((spec["dataset"], *DATASETS))
    if spec is body:
        return keys.map(lambda key: {**body, "dataset": key})
    return keys.map(lambda key: {**body, "query": {**spec, "dataset": key}})


@SCHEMA.hook
def flatmap_path_parameters(context: Any, path_parameters: Any) -> Any:
    """Real dataset keys and column names in paths, sometimes."""
    params = dict(path_parameters or {})
    choices: dict[str, Any] = {}
    if isinstance(params.get("key"), str):
        choices["key"] = st.sampled_from((params["key"], *DATASETS))
    if isinstance(params.get("column"), str):
        choices["column"] = st.sampled_from((params["column"], *COLUMNS))
    return st.fixed_dictionaries(choices).map(lambda picked: {**params, **picked})


class Target:
    """The app under test (its lifespan started by schemathesis's ASGI client, once) and an
    API key for each caller."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.client = get_client(app).__enter__()
        self.keys: dict[str, str] = {}

    def call(self, method: str, path: str, body: dict[str, Any], headers: dict[str, str]) -> Any:
        r = self.client.request(method, f"http://testserver{path}", json=body, headers=headers)
        assert r.status_code in (200, 201), r.text
        return r.json()

    def set_up(self) -> None:
        login = {"username": ADMIN, "password": ADMIN_PASSWORD}
        token = self.call("POST", "/api/auth/login", login, {})["access_token"]
        admin = {"Authorization": f"Bearer {token}"}
        viewer = {
            "username": VIEWER,
            "password": USER_PASSWORD,
            "role": "viewer",
            "attributes": {"region": ["North"]},
        }
        self.call("POST", "/api/admin/users", viewer, admin)
        rls = {"rls": [{"column": "region", "attribute": "region"}]}
        self.call("PATCH", "/api/admin/datasets/sales", rls, admin)
        for user in (ADMIN, VIEWER):
            key = self.call(
                "POST", "/api/admin/api-keys", {"username": user, "name": "fuzz"}, admin
            )
            self.keys[user] = key["key"]


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    folder = tmp_path_factory.mktemp("schemathesis")
    warehouse = build_tiny_warehouse(folder / "warehouse").root
    store = Store(f"sqlite:///{folder / 'aurora.db'}")
    migrate(store)
    app = create_app(make_settings(folder, store, data_dir=warehouse, redis_url=None))
    target = Target(app)
    target.set_up()
    yield target
    shutdown_lifespans()
    store.close()


def error_shape_problem(body: Any) -> str | None:
    """What keeps `body` from being the contract's error shape, if anything.

    >>> error_shape_problem({"error": {"code": "x", "message": "y", "details": []}}) is None
    True
    >>> error_shape_problem({"detail": "Not Found"})
    "not {'error': {...}}"
    """
    if not isinstance(body, dict) or set(body) != {"error"} or not isinstance(body["error"], dict):
        return "not {'error': {...}}"
    error = body["error"]
    if not (isinstance(error.get("code"), str) and isinstance(error.get("message"), str)):
        return "error.code and error.message must be strings"
    if not isinstance(error.get("details"), list):
        return "error.details must be a list"
    return None


def _call_and_check(target: Target, case: Any, user: str) -> None:
    response = case.call(app=target.app, headers={"X-API-Key": target.keys[user]})
    where = f"{case.method} {case.formatted_path} as {user} -> {response.status_code}"
    reproduce = case.as_curl_command()
    assert response.status_code < 500, f"{where}: {response.text[:500]}\n{reproduce}"
    if response.status_code >= 400:
        try:
            body = response.json()
        except ValueError:
            body = None
        problem = error_shape_problem(body)
        assert problem is None, f"{where}: {problem}: {response.text[:300]}\n{reproduce}"


@SCHEMA.parametrize()
def test_no_request_of_an_admin_gets_a_5xx_or_a_shapeless_error(case: Any, target: Target) -> None:
    _call_and_check(target, case, ADMIN)


@SCHEMA.parametrize()
def test_no_request_of_a_viewer_gets_a_5xx_or_a_shapeless_error(case: Any, target: Target) -> None:
    _call_and_check(target, case, VIEWER)


def test_unrolling_ends_a_self_reference_after_the_given_depth() -> None:
    node = {"oneOf": [{"type": "integer"}, {"$ref": REF + "N"}]}
    schemas = unrolled({"components": {"schemas": {"N": node}}}, 3)["components"]["schemas"]
    assert schemas == {
        "N": {"oneOf": [{"type": "integer"}, {"$ref": REF + "N-2"}]},
        "N-2": {"oneOf": [{"type": "integer"}, {"$ref": REF + "N-3"}]},
        "N-3": {"oneOf": [{"type": "integer"}]},
    }


def test_the_fuzzed_schema_has_no_recursive_component() -> None:
    schemas = OPENAPI["components"]["schemas"]
    assert "FilterGroup-Input-9" in schemas  # the filter group was unrolled, not lost
    for name, body in schemas.items():
        assert json.dumps(REF + name) not in json.dumps(body), name


def test_the_schema_covers_the_routes_of_the_contract() -> None:
    paths = set(SCHEMA.raw_schema["paths"])
    assert {"/api/query", "/api/exports", "/api/reports", "/api/schedules"} <= paths
    assert {"/api/admin/datasets", "/api/datasets/{key}/table"} <= paths
