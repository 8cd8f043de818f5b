"""``/v1/aux/pdinet`` over real HTTP: classification with the shipped checkpoint, the invariance
check, and clear 422s for bad input."""

import numpy as np
import pytest

from tests.api.conftest import start_server, stop_server

IDENTITY = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
PERSPECTIVE = [[1.0, 0.15, 0.05], [-0.1, 0.9, 0.0], [0.25, -0.2, 1.0]]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    running = start_server(tmp_path_factory.mktemp("state"), workers=0)
    yield running
    stop_server(running)


def _digit(label: int) -> list[list[float]]:
    from sklearn.datasets import load_digits

    digits = load_digits()
    index = int(np.flatnonzero(digits.target == label)[-1])
    return (digits.images[index] / 16.0).tolist()


def _loc(response) -> list:
    return response.json()["detail"][0]["loc"]


def test_classify_a_grey_digit(server):
    with server.client() as client:
        response = client.post("/v1/aux/pdinet/classify", json={"image": _digit(0)})
    assert response.status_code == 200, response.text
    body = response.json()
    assert len(body["probabilities"]) == 10
    assert abs(sum(body["probabilities"]) - 1) < 1e-4
    assert body["label"] == int(np.argmax(body["probabilities"]))


def test_classify_a_colour_card(server):
    image = np.stack(np.meshgrid(np.linspace(0, 1, 24), np.linspace(0, 1, 24)), -1)
    card = np.concatenate([np.zeros((24, 24, 1)), image], axis=-1).tolist()
    with server.client() as client:
        response = client.post("/v1/aux/pdinet/classify", json={"image": card})
    assert response.status_code == 200, response.text
    assert len(response.json()["probabilities"]) == 10


@pytest.mark.parametrize(
    "image",
    [
        [[0.0] * 4] * 4,  # too small
        [[0.0] * 200] * 10,  # too wide
        [[0.0] * 8] * 7 + [[0.0] * 9],  # ragged
        [[[0.0, 0.0]] * 8] * 8,  # two channels
        [["a"] * 8] * 8,  # not numbers
        "not an image",
    ],
)
def test_bad_images_are_422_naming_the_field(server, image):
    with server.client() as client:
        response = client.post("/v1/aux/pdinet/classify", json={"image": image})
    assert response.status_code == 422, response.text
    assert "image" in _loc(response)


def test_non_finite_pixels_are_422(server):
    body = '{"image": ' + str([[0.0] * 8] * 7 + [[float("nan")] * 8]).replace("nan", "NaN") + "}"
    with server.client() as client:
        response = client.post(
            "/v1/aux/pdinet/classify", content=body, headers={"content-type": "application/json"}
        )
    assert response.status_code == 422, response.text
    assert "image" in _loc(response)


def test_invariance_check(server):
    with server.client() as client:
        response = client.post("/v1/aux/pdinet/invariance", json={"homography": PERSPECTIVE})
        identity = client.post("/v1/aux/pdinet/invariance", json={"homography": IDENTITY})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["normalised_invariants"] < 0.06
    assert body["raw_derivatives"] > 5 * body["normalised_invariants"]
    assert body["det_min"] < body["det_max"]
    assert identity.json()["raw_derivatives"] < 1e-9


@pytest.mark.parametrize(
    "homography",
    [
        [[1, 0, 0], [0, 1, 0], [0, 0, 0]],  # singular
        [[1, 0, 0], [0, 1, 0], [3, 0, 1]],  # horizon across the view
        [[1, 0, 0], [0, 1, 0]],  # 2x3
        [[1, 0], [0, 1], [0, 0]],  # 3x2
        [[1, 0, 0], [0, 1, 0], [0, 0, "x"]],  # not a number
        [[1, 0, 50], [0, 1, 0], [0, 0, 1]],  # no overlap with the view
    ],
)
def test_bad_homographies_are_422_naming_the_field(server, homography):
    with server.client() as client:
        response = client.post("/v1/aux/pdinet/invariance", json={"homography": homography})
    assert response.status_code == 422, response.text
    assert "homography" in _loc(response)


def test_scene_size_is_bounded(server):
    with server.client() as client:
        response = client.post(
            "/v1/aux/pdinet/invariance", json={"homography": IDENTITY, "size": 4096}
        )
    assert response.status_code == 422
    assert "size" in _loc(response)
