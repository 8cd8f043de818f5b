"""``POST /v1/aux/latent/transform`` over real HTTP, on a one-step checkpoint in a temp folder."""

import base64
import json
import struct

import numpy as np
import pytest

from models.aux.latent import LatentTrainConfig
from service.aux.latent import CHECKPOINT_NAME, LatentModelMissing, train_and_save, transform_image
from tests.api.conftest import start_server, stop_server
from tests.helpers import run_qsdiff

URL = "/v1/aux/latent/transform"
IMAGE = [[0.5 if 8 <= r < 16 and 10 <= c < 13 else 0.0 for c in range(24)] for r in range(24)]


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    path = tmp_path_factory.mktemp("checkpoints") / CHECKPOINT_NAME
    train_and_save(path, LatentTrainConfig(steps=1))
    return path


@pytest.fixture(scope="module")
def server(tmp_path_factory, checkpoint):
    running = start_server(
        tmp_path_factory.mktemp("state"), workers=0, checkpoint_dir=str(checkpoint.parent)
    )
    yield running
    stop_server(running)


def test_transform_returns_an_image_and_a_png(server):
    with server.client() as client:
        answer = client.post(URL, json={"image": IMAGE, "angle_degrees": 90, "png": True})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert len(body["image"]) == 24
    assert all(len(row) == 24 for row in body["image"])
    assert all(0 <= v <= 1 for row in body["image"] for v in row)
    assert body["model"] == "latent-plain"
    png = base64.b64decode(body["png_base64"])
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert struct.unpack(">II", png[16:24]) == (24, 24)


def test_a_list_of_angles_composes_to_their_sum(server):
    with server.client() as client:
        two = client.post(URL, json={"image": IMAGE, "angle_degrees": [30, 60], "occluded": True})
        one = client.post(URL, json={"image": IMAGE, "angle_degrees": 90, "occluded": True})
        turn = client.post(URL, json={"image": IMAGE, "angle_degrees": 450, "occluded": True})
    assert two.status_code == one.status_code == turn.status_code == 200
    assert two.json()["total_angle_degrees"] == 90
    assert two.json()["model"] == "latent-occluded"
    assert two.json()["png_base64"] is None
    for other in (one, turn):
        diff = max(
            abs(a - b)
            for ra, rb in zip(two.json()["image"], other.json()["image"], strict=True)
            for a, b in zip(ra, rb, strict=True)
        )
        assert diff < 1e-3


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"image": IMAGE[:23], "angle_degrees": 10}, "image"),
        ({"image": [row[:20] for row in IMAGE], "angle_degrees": 10}, "image"),
        ({"image": [["a"] * 24] * 24, "angle_degrees": 10}, "image"),
        ({"image": [["0.5"] * 24] * 24, "angle_degrees": 10}, "image"),
        ({"image": [[2.0] * 24] * 24, "angle_degrees": 10}, "image"),
        ({"image": [[float("nan")] * 24] * 24, "angle_degrees": 10}, "image"),
        ({"image": "not a list", "angle_degrees": 10}, "image"),
        ({"angle_degrees": 10}, "image"),
        ({"image": IMAGE, "angle_degrees": float("inf")}, "angle_degrees"),
        ({"image": IMAGE, "angle_degrees": float("nan")}, "angle_degrees"),
        ({"image": IMAGE, "angle_degrees": "ninety"}, "angle_degrees"),
        ({"image": IMAGE, "angle_degrees": []}, "angle_degrees"),
        ({"image": IMAGE, "angle_degrees": [1.0] * 17}, "angle_degrees"),
        ({"image": IMAGE, "angle_degrees": 1e9}, "angle_degrees"),
        ({"image": IMAGE, "angle_degrees": 10, "occluded": "yes"}, "occluded"),
        ({"image": IMAGE, "angle_degrees": 10, "colour": "red"}, "colour"),
    ],
)
def test_bad_input_is_a_422_naming_the_field(server, body, field):
    content = json.dumps(body)  # NaN and Infinity as Python writes them; httpx's json= refuses
    with server.client() as client:
        answer = client.post(URL, content=content, headers={"content-type": "application/json"})
    assert answer.status_code == 422, answer.text
    assert any(field in err["loc"] for err in answer.json()["detail"])


def test_a_body_that_is_not_json_is_a_422(server):
    with server.client() as client:
        answer = client.post(
            URL, content=b"{not json", headers={"content-type": "application/json"}
        )
    assert answer.status_code == 422


def test_a_missing_checkpoint_says_how_to_make_one(tmp_path):
    with pytest.raises(LatentModelMissing, match="qsdiff aux latent train"):
        transform_image(IMAGE, [10.0], False, tmp_path / CHECKPOINT_NAME)


def test_cli_transform_writes_npy_and_refuses_bad_input(checkpoint, tmp_path):
    np.save(tmp_path / "in.npy", np.asarray(IMAGE, dtype=np.float32))
    (tmp_path / "bad.json").write_text(json.dumps([[0.1] * 5] * 5))
    common = ("aux", "latent", "transform", "--checkpoint", str(checkpoint), "--angle", "30")
    done = run_qsdiff(*common, "--input", str(tmp_path / "in.npy"), "-o", str(tmp_path / "o.npy"))
    assert done.returncode == 0, done.stderr[-2000:]
    assert np.load(tmp_path / "o.npy").shape == (24, 24)
    bad = run_qsdiff(*common, "--input", str(tmp_path / "bad.json"))
    assert bad.returncode == 2
    assert "expected shape [24, 24], got [5, 5]" in bad.stderr
    nan = run_qsdiff(*common, "--angle", "nan", "--input", str(tmp_path / "in.npy"))
    assert nan.returncode == 2
    assert "angle" in nan.stderr
