"""``POST /v1/aux/equizero/classify`` on a real server with the shipped checkpoint."""

import json
import math

import numpy as np
import pytest

from service.aux.equizero import EquizeroModelMissing, load_trained
from tests.api.conftest import start_server, stop_server
from tests.helpers import run_qsdiff

SEVEN = [
    [0, 0, 7, 8, 13, 16, 15, 1],
    [0, 0, 7, 7, 4, 11, 12, 0],
    [0, 0, 0, 0, 8, 13, 1, 0],
    [0, 4, 8, 8, 15, 15, 6, 0],
    [0, 2, 11, 15, 15, 4, 0, 0],
    [0, 0, 0, 16, 5, 0, 0, 0],
    [0, 0, 9, 15, 1, 0, 0, 0],
    [0, 0, 13, 5, 0, 0, 0, 0],
]  # scikit-learn's digit 7 (images[7])
URL = "/v1/aux/equizero/classify"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    running = start_server(tmp_path_factory.mktemp("state"), workers=0)
    yield running
    stop_server(running)


def _post(server, body):
    with server.client() as client:
        return client.post(URL, json=body)


@pytest.mark.parametrize("method", ["equitune", "equizero", "lambda_equitune"])
def test_wrappers_answer_the_same_for_every_rotated_or_mirrored_image(server, method):
    answers = []
    for k, mirror in [(0, False), (1, False), (2, True), (3, True)]:
        image = np.rot90(np.fliplr(SEVEN) if mirror else np.array(SEVEN), k).tolist()
        answer = _post(server, {"image": image, "group": "d4", "method": method})
        assert answer.status_code == 200, answer.text
        answers.append(answer.json())
    first = answers[0]
    assert all(a["probabilities"] == first["probabilities"] for a in answers)
    assert first["orbit_consistent"] is True
    assert len(first["orbit_predictions"]) == 8
    assert math.isclose(sum(first["group_weights"].values()), 1.0, rel_tol=1e-5)
    if method == "lambda_equitune":
        assert first["predicted"] == 7


def test_equizero_names_its_transformation_and_the_model_does_not(server):
    seven = _post(server, {"image": SEVEN, "group": "c4", "method": "equizero", "proxy": "lambda"})
    assert seven.status_code == 200, seven.text
    body = seven.json()
    assert body["chosen_g"] in body["group_weights"]
    assert body["group_weights"][body["chosen_g"]] == 1.0
    assert body["predicted"] == 7
    bare = _post(server, {"image": np.rot90(SEVEN).tolist(), "group": "c4", "method": "model"})
    assert bare.status_code == 200, bare.text
    assert bare.json()["chosen_g"] is None
    assert bare.json()["group_weights"]["e"] == 1.0
    assert len(set(bare.json()["orbit_predictions"].values())) > 1  # M alone is not invariant


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"image": SEVEN[:7]}, "image"),
        ({"image": [*SEVEN[:7], [0] * 9]}, "image"),
        ({"image": [["a"] * 8] * 8}, "image"),
        ({"image": [["3"] * 8] * 8}, "image"),
        ({"image": [[True] * 8] * 8}, "image"),
        ({"image": [[17] * 8] * 8}, "image"),
        ({"image": [[-1] * 8] * 8}, "image"),
        ({"image": "seven"}, "image"),
        ({"image": SEVEN, "group": "c8"}, "group"),
        ({"image": SEVEN, "method": "vote"}, "method"),
        ({"image": SEVEN, "proxy": "margin"}, "proxy"),
        ({"image": SEVEN, "colour": "red"}, "colour"),
        ({}, "image"),
    ],
)
def test_bad_requests_are_422_naming_the_field(server, body, field):
    answer = _post(server, body)
    assert answer.status_code == 422, answer.text
    assert any(field in map(str, e["loc"]) for e in answer.json()["detail"]), answer.text


def test_nan_pixels_and_broken_json_are_422(server):
    with server.client() as client:
        nan = client.post(
            URL,
            content=json.dumps({"image": [[float("nan")] * 8] * 8}),
            headers={"content-type": "application/json"},
        )
        broken = client.post(URL, content="{", headers={"content-type": "application/json"})
    assert nan.status_code == 422, nan.text
    assert any("image" in map(str, e["loc"]) for e in nan.json()["detail"])
    assert broken.status_code == 422, broken.text


def test_without_a_checkpoint_the_service_says_how_to_train_one(tmp_path):
    with pytest.raises(EquizeroModelMissing, match="qsdiff aux equizero train"):
        load_trained(tmp_path)


def test_the_cli_answers_as_the_server_does_and_refuses_bad_input(server):
    done = run_qsdiff("aux", "equizero", "classify", "--image", json.dumps(SEVEN), "--group",
                      "d4", "--method", "lambda_equitune")  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    served = _post(server, {"image": SEVEN, "group": "d4", "method": "lambda_equitune"}).json()
    assert json.loads(done.stdout)["probabilities"] == served["probabilities"]
    bad = run_qsdiff("aux", "equizero", "classify", "--image", "[[1, 2]]", "--group", "d4")
    assert bad.returncode == 2
    assert "image" in bad.stderr
    assert bad.stdout == ""
