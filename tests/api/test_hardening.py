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


def test_ten_thousand_smiles_inline_are_refused_before_any_chemistry(keyed):
    body = {"smiles": ["c1ccccc1CCN"] * 10_000, "num_samples": 1}
    with keyed.client() as client:
        answer = client.post("/v1/conformers", json=body, headers=AUTH)
        assert answer.status_code == 422
        assert "submit it with POST /v1/jobs" in answer.text
        assert answer.elapsed.total_seconds() < 5  # parsing 10,000 SMILES took ~7 s


def test_event_streams_are_bounded_per_key(tmp_path):
    server = start_server(tmp_path, workers=0, api_keys=KEY, max_streams_per_key="2")
    try:
        with server.client() as client:
            body = {"task": "conformers", "params": {"smiles": ["CCO"], "num_samples": 1}}
            job = client.post("/v1/jobs", json=body, headers=AUTH).json()
            url = f"/v1/jobs/{job['id']}/events"
            with (
                client.stream("GET", url, headers=AUTH) as first,
                client.stream("GET", url, headers=AUTH) as second,
            ):
                assert (first.status_code, second.status_code) == (200, 200)
                third = client.get(url, headers=AUTH)
                assert third.status_code == 429
                assert "event streams are open" in third.text
    finally:
        stop_server(server)


def test_work_limits_per_job_and_per_key_are_named(tmp_path):
    server = start_server(
        tmp_path,
        workers=0,
        api_keys=f"{KEY},other",
        max_queued_jobs_per_key="2",
        max_job_samples="1000",
    )
    try:
        with server.client() as client:
            big = {"smiles": ["CCO"] * 11, "num_samples": 100}  # 1,100 conformers
            answer = client.post(
                "/v1/jobs", json={"task": "conformers", "params": big}, headers=AUTH
            )
            assert answer.status_code == 422
            assert "the limit per job is 1000" in answer.text
            small = {"task": "conformers", "params": {"smiles": ["CCO"], "num_samples": 1}}
            for _ in range(2):
                assert client.post("/v1/jobs", json=small, headers=AUTH).status_code == 202
            over = client.post("/v1/jobs", json=small, headers=AUTH)
            assert over.status_code == 429
            assert over.headers["Retry-After"]
            assert "jobs of this key are waiting" in over.text
            other = client.post("/v1/jobs", json=small, headers={"Authorization": "Bearer other"})
            assert other.status_code == 202  # another key is not held back
    finally:
        stop_server(server)
