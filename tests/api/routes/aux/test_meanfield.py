"""``aux_meanfield`` over real HTTP: the options route, a job's JSON and PNG, bad input 4xx."""

import pytest

from tests.api.conftest import start_server, stop_server, wait_for

SMALL = {
    "sizes": [6, 12],
    "steps": 10,
    "teachers": ["wi", "si"],
    "heuristic_size": 12,
}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    running = start_server(tmp_path_factory.mktemp("state"))
    yield running
    stop_server(running)


def test_options_name_groups_schemes_and_limits(server):
    with server.client() as client:
        answer = client.get("/v1/aux/meanfield/schemes")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert set(body["schemes"]) == {"free", "da", "fa", "ea"}
    assert body["groups"]["c2"] == {"input_dim": 2, "param_dim": 4, "fixed_dim": 3}
    assert body["max_size"] == 300
    assert "png" in body["result_formats"]


def test_a_job_returns_curves_and_a_plot(server):
    with server.client() as client:
        submitted = client.post("/v1/jobs", json={"task": "aux_meanfield", "params": SMALL})
        assert submitted.status_code == 202, submitted.text
        job = wait_for(client, submitted.json()["id"], timeout=180)
        assert job["status"] == "succeeded", job
        assert job["progress_done"] >= 1
        curves = client.get(f"/v1/jobs/{job['id']}/results", params={"format": "json"})
        png = client.get(f"/v1/jobs/{job['id']}/results", params={"format": "png"})
    assert curves.status_code == 200, curves.text
    body = curves.json()
    assert body["sizes"] == [6, 12]
    assert set(body["curves"]) == {"wi", "si"}
    assert set(body["curves"]["wi"]["distance"]) == {"free-da", "free-fa", "da-fa"}
    assert len(body["curves"]["si"]["escape_free_from_EG"]) == 2
    assert set(body["curves"]["wi"]["risk"]) == {"free", "da", "fa", "ea"}
    assert body["subspace"]["fixed_dim"] == 3
    assert png.status_code == 200
    assert png.headers["content-type"] == "image/png"
    assert png.content[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"sizes": [10, 5000]}, "sizes"),
        ({"sizes": ["ten"]}, "sizes"),
        ({"schemes": ["free", "sgd"]}, "schemes"),
        ({"steps": "many"}, "steps"),
        ({"sizes": [300, 300, 300], "steps": 1000, "seeds": 5}, "sizes"),
        ({"group": "d4"}, "group"),
        ({"widths": [3]}, "widths"),
    ],
)
def test_bad_params_are_422_naming_the_field(server, params, field):
    with server.client() as client:
        answer = client.post("/v1/jobs", json={"task": "aux_meanfield", "params": params})
    assert answer.status_code == 422, answer.text
    detail = answer.json()["detail"]
    assert any(field in map(str, error["loc"]) for error in detail), detail


def test_unknown_task_is_422(server):
    with server.client() as client:
        answer = client.post("/v1/jobs", json={"task": "aux_meanfeld", "params": {}})
    assert answer.status_code == 422
    assert any("task" in map(str, e["loc"]) for e in answer.json()["detail"])
