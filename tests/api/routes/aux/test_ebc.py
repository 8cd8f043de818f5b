"""``/v1/aux/ebc`` over real HTTP: a fit job, embedding with it, R from pairs, bad input."""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pytest

from service.jobs.tasks import EbcFitParams
from tests.api.conftest import start_server, stop_server, wait_for
from tests.helpers import run_qsdiff

FIT = {"setting": "latent", "dim": 2, "steps": 30, "systems": 8, "seed": 3}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    running = start_server(tmp_path_factory.mktemp("state"))
    yield running
    stop_server(running)


@pytest.fixture(scope="module")
def fitted(server) -> str:
    with server.client() as client:
        answer = client.post("/v1/aux/ebc/fit", json=FIT)
        assert answer.status_code == 202, answer.text
        assert answer.headers["Location"] == f"/v1/jobs/{answer.json()['id']}"
        job = wait_for(client, answer.json()["id"], timeout=300)
        assert job["status"] == "succeeded", job
        return job["id"]


def _detail_names(answer, field: str) -> bool:
    assert answer.status_code == 422, answer.text
    return any(field in map(str, err["loc"]) for err in answer.json()["detail"])


def test_fit_job_stores_the_encoder_and_report(server, fitted):
    with server.client() as client:
        report = client.get(f"/v1/jobs/{fitted}/results", params={"format": "json"}).json()
        assert report["config"]["steps"] == 30
        assert set(report["measurements"]) >= {"r2", "equivariance_error", "homomorphism_error"}
        archive = client.get(f"/v1/jobs/{fitted}/results", params={"format": "zip"})
        names = zipfile.ZipFile(io.BytesIO(archive.content)).namelist()
        assert sorted(names) == ["encoder.pt", "report.json"]


def test_embed_with_the_fitted_encoder(server, fitted):
    inputs = np.random.default_rng(0).normal(size=(5, 10)).tolist()  # latent dim 2 -> F = 10
    with server.client() as client:
        answer = client.post("/v1/aux/ebc/embed", json={"job_id": fitted, "inputs": inputs})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["dim"], body["setting"], body["identity"]) == (2, "latent", False)
    assert np.asarray(body["embeddings"]).shape == (5, 2)


def test_representation_recovers_a_known_matrix(server):
    rng = np.random.default_rng(1)
    r = rng.normal(size=(3, 3))
    x = rng.normal(size=(6, 3))
    with server.client() as client:
        answer = client.post(
            "/v1/aux/ebc/representation", json={"x": x.tolist(), "x_prime": (x @ r.T).tolist()}
        )
    assert answer.status_code == 200, answer.text
    np.testing.assert_allclose(answer.json()["matrix"], r, atol=1e-8)
    assert answer.json()["residual"] < 1e-10


def test_representation_of_observations_through_the_encoder(server, fitted):
    rng = np.random.default_rng(2)
    x = rng.normal(size=(4, 10)).tolist()
    body = {"job_id": fitted, "x": x, "x_prime": x}  # g = e: R must be the identity
    with server.client() as client:
        answer = client.post("/v1/aux/ebc/representation", json=body)
    assert answer.status_code == 200, answer.text
    np.testing.assert_allclose(answer.json()["matrix"], np.eye(2), atol=1e-6)


def test_bad_requests_are_4xx_naming_the_field(server, fitted):
    with server.client() as client:
        post = client.post
        assert _detail_names(post("/v1/aux/ebc/fit", json={**FIT, "steps": 10**6}), "steps")
        assert _detail_names(post("/v1/aux/ebc/fit", json={**FIT, "setting": "x"}), "setting")
        assert _detail_names(post("/v1/aux/ebc/fit", json={**FIT, "held_out": "all"}), "held_out")
        costly = post("/v1/aux/ebc/fit", json={**FIT, "steps": 30_000, "systems": 256})
        assert costly.status_code == 422
        assert "steps x systems x pairs per system x hidden" in costly.json()["detail"][0]["msg"]
        shapes = {"setting": "shapes"}
        assert _detail_names(post("/v1/aux/ebc/fit", json={**shapes, "embedding": 40}), "embedding")
        assert _detail_names(post("/v1/aux/ebc/fit", json={**shapes, "embedding": 1}), "embedding")
        long = post("/v1/aux/ebc/fit", json={**shapes, "steps": 30_000})  # 33 pairs per system
        assert long.status_code == 422
        embed = "/v1/aux/ebc/embed"
        wrong_width = post(embed, json={"job_id": fitted, "inputs": [[1.0, 2.0]]})
        assert _detail_names(wrong_width, "inputs")
        words = post(embed, json={"job_id": fitted, "inputs": [["a"] * 10]})
        assert _detail_names(words, "inputs")
        ragged = post(embed, json={"job_id": fitted, "inputs": [[1.0] * 10, [1.0] * 9]})
        assert _detail_names(ragged, "inputs")
        assert _detail_names(post(embed, json={"job_id": "nope", "inputs": [[1.0]]}), "job_id")
        missing = post(embed, json={"job_id": "0" * 32, "inputs": [[1.0] * 10]})
        assert missing.status_code == 404
        rep = "/v1/aux/ebc/representation"
        few = post(rep, json={"x": [[1.0, 0.0, 0.0]], "x_prime": [[0.0, 1.0, 0.0]]})
        assert _detail_names(few, "x")
        rows = post(rep, json={"x": [[1.0, 0.0], [0.0, 1.0]], "x_prime": [[1.0, 0.0]]})
        assert _detail_names(rows, "x_prime")
        assert _detail_names(post(rep, json={"x": [], "x_prime": []}), "x")


def test_unset_budget_and_embedding_are_the_settings():
    shapes = EbcFitParams(setting="shapes").config()
    assert (shapes.steps, shapes.systems, shapes.embedding_dim) == (5000, 32, 16)
    assert shapes.solve_gradient
    latent = EbcFitParams(dim=3, steps=100).config()
    assert (latent.steps, latent.systems, latent.embedding_dim) == (100, 64, 3)
    assert not latent.solve_gradient


def test_embed_before_the_fit_succeeded_is_a_conflict(server, fitted):
    with server.client() as client:
        job = client.post("/v1/aux/ebc/fit", json={**FIT, "steps": 3000}).json()
        answer = client.post("/v1/aux/ebc/embed", json={"job_id": job["id"], "inputs": [[0.0]]})
        client.delete(f"/v1/jobs/{job['id']}")
    assert answer.status_code == 409
    assert "succeeded" in answer.json()["detail"]


def test_command_line_fits_embeds_and_solves_and_names_bad_input(tmp_path):
    encoder = tmp_path / "encoder.pt"
    fitted = run_qsdiff(
        "aux", "ebc", "fit", "--dim", "2", "--steps", "20", "--solve-gradient",
        "--held-out", "one", "--embedding", "3", "-o", str(encoder),
    )  # fmt: skip
    assert fitted.returncode == 0, fitted.stderr
    report = json.loads(fitted.stdout)
    assert report["config"]["steps"] == 20
    assert report["config"]["solve_gradient"] is True
    assert report["config"]["held_out"] == "one"
    assert (report["latent_dim"], report["embedding_dim"]) == (2, 3)
    assert encoder.is_file()
    inputs = tmp_path / "inputs.json"
    inputs.write_text(json.dumps([[0.5] * report["obs_dim"]] * 3))
    embedded = run_qsdiff("aux", "ebc", "embed", str(encoder), str(inputs))
    assert embedded.returncode == 0, embedded.stderr
    assert np.asarray(json.loads(embedded.stdout)["embeddings"]).shape == (3, 3)
    pairs = tmp_path / "pairs.json"
    x = np.random.default_rng(0).normal(size=(6, 2))
    turn = np.array([[0.0, -1.0], [1.0, 0.0]])
    pairs.write_text(json.dumps({"x": x.tolist(), "x_prime": (x @ turn.T).tolist()}))
    solved = run_qsdiff("aux", "ebc", "represent", str(pairs))
    assert solved.returncode == 0, solved.stderr
    np.testing.assert_allclose(json.loads(solved.stdout)["matrix"], turn, atol=1e-9)
    bad = run_qsdiff("aux", "ebc", "fit", "--steps", "0", "-o", str(encoder))
    assert bad.returncode == 2
    assert "--steps" in bad.stderr
    narrow = run_qsdiff("aux", "ebc", "fit", "--embedding", "1", "-o", str(encoder))
    assert narrow.returncode == 2
    assert "--embedding" in narrow.stderr
