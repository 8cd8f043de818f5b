"""A hostile or careless client against a real server with API keys on (the shared setting)."""

from __future__ import annotations

import pytest

from tests.api.conftest import start_server, stop_server

KEY = "key-hardening"
AUTH = {"Authorization": f"Bearer {KEY}"}


@pytest.fixture(scope="module")
def keyed(tmp_path_factory):
    running = start_server(tmp_path_factory.mktemp("keyed"), workers=0, api_keys=KEY)
    yield running
    stop_server(running)


def _chunks(total: int, size: int = 1 << 16):
    sent = 0
    while sent < total:
        yield b" " * size
        sent += size


def test_a_chunked_body_past_the_limit_is_413_before_authentication(keyed):
    with keyed.client() as client:
        answer = client.post(  # a generator body goes out chunked: no Content-Length
            "/v1/conformers",
            content=_chunks(20 << 20),
            headers={"Content-Type": "application/json"},
        )
        assert answer.status_code == 413
        assert "the limit is" in answer.json()["detail"]
        assert client.get("/healthz").status_code == 200


def test_non_ascii_and_malformed_credentials_are_401(keyed):
    with keyed.client() as client:
        for value in ("Bearer kéy-ünïcode".encode(), b"Bearer \xff\xfe", b"Basic abc"):
            answer = client.get("/v1/models", headers={"Authorization": value})
            assert answer.status_code == 401, answer.text


@pytest.mark.parametrize("path", ["/metrics", "/docs", "/openapi.json"])
def test_metrics_docs_and_schema_need_the_key(keyed, path):
    with keyed.client() as client:
        assert client.get(path).status_code == 401
        assert client.get(path, headers=AUTH).status_code == 200


def test_molecule_inputs_that_once_crashed_the_server_are_422(keyed):
    with keyed.client() as client:
        chain = client.post("/v1/conformers", json={"smiles": ["C" * 20_000]}, headers=AUTH)
        assert chain.status_code == 422
        assert "the limit is 2000" in chain.text
        long_molecule = client.post("/v1/conformers", json={"smiles": ["C" * 1500]}, headers=AUTH)
        assert long_molecule.status_code == 422
        assert "the limit is 256" in long_molecule.text
        surrogate = client.post(
            "/v1/conformers",
            content=b'{"smiles": ["\\ud800"]}',
            headers={**AUTH, "Content-Type": "application/json"},
        )
        assert surrogate.status_code == 422
        assert "not valid text" in surrogate.text
        assert client.get("/healthz").status_code == 200  # still up


def test_an_aux_fit_goes_through_the_job_checks_and_the_queue_cap(tmp_path):
    server = start_server(tmp_path, workers=0, max_queued_jobs="2")
    try:
        with server.client() as client:
            defaults = client.post("/v1/aux/ebc/fit", json={})
            assert defaults.status_code == 202, defaults.text  # every field has a default
            assert defaults.json()["progress_total"] == 15_000
            assert client.post("/v1/aux/ebc/fit", json={"steps": 10}).status_code == 202
            full = client.post("/v1/aux/ebc/fit", json={"steps": 10})
            assert full.status_code == 503
            assert "queue is full" in full.json()["detail"]
    finally:
        stop_server(server)
