"""``/v1/aux/cogs`` over real HTTP: good requests and 422s that name the field."""

import pytest

from tests.api.conftest import start_server, stop_server


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    running = start_server(tmp_path_factory.mktemp("state"), workers=0)
    yield running
    stop_server(running)


def field_of(response):
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    return {str(part) for error in detail for part in error["loc"]}, str(detail)


def test_construct_then_analyse_round_trip(server):
    with server.client() as client:
        built = client.post("/v1/aux/cogs/construct", json={"moduli": [5, 5], "order": 4})
        assert built.status_code == 200, built.text
        body = built.json()
        assert body["num_nodes"] == 50
        assert body["projected_loss"] < 1e-20
        assert body["accuracy"] == 1.0
        assert len(body["w_a"]) == 50
        assert len(body["w_c"]) == 25
        weights = {key: body[key] for key in ("w_a", "w_b", "w_c")}
        answer = client.post("/v1/aux/cogs/analyse", json={"moduli": [5, 5], **weights})
        assert answer.status_code == 200, answer.text
        result = answer.json()
        assert result["match_fraction"] == 1.0
        assert len(result["frequencies"]) == 12


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"moduli": [23], "order": 5}, "order"),
        ({"moduli": [1000]}, "moduli"),
        ({"moduli": [13, 13]}, "moduli"),  # order 169 > 127
        ({"moduli": [4, 6]}, "moduli"),  # even order
        ({"moduli": ["x"]}, "moduli"),
        ({"moduli": [23], "extra": 1}, "extra"),
    ],
)
def test_bad_construct_requests_are_422_naming_the_field(server, payload, field):
    with server.client() as client:
        fields, detail = field_of(client.post("/v1/aux/cogs/construct", json=payload))
    assert field in fields, detail


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"moduli": [3], "w_a": [[1, 0]], "w_b": [[0, 1, 1]], "w_c": [[1], [0], [1]]}, "w_a"),
        ({"moduli": [3], "w_a": [[1, 0, 1]], "w_b": [[0, 1]], "w_c": [[1], [0], [1]]}, "w_b"),
        ({"moduli": [3], "w_a": [[1, 0, 1]], "w_b": [[0, 1, 1]], "w_c": [[1, 2]]}, "w_c"),
        ({"moduli": [3], "w_a": [["a", 0, 1]], "w_b": [[0, 1, 1]], "w_c": [[1], [0], [1]]}, "w_a"),
        ({"moduli": [3], "w_a": [[1, 0, 1]], "w_b": [[0, 1, 1]]}, "w_c"),
        ({"moduli": [500], "w_a": [[1]], "w_b": [[1]], "w_c": [[1]]}, "moduli"),
    ],
)
def test_bad_analyse_requests_are_422_naming_the_field(server, payload, field):
    with server.client() as client:
        fields, detail = field_of(client.post("/v1/aux/cogs/analyse", json=payload))
    assert field in fields, detail


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ('{"moduli": [3], "w_a": [[NaN, 0, 1]], "w_b": [[0, 1, 1]], "w_c": [[1], [0], [1]]}',
         "w_a"),
        ('{"moduli": [3], "w_a": [[1, 0, 1]], "w_b": [[0, 1, 1]], "w_c": [[1], [Infinity], [0]]}',
         "w_c"),
        ('{"moduli": [23], "extra": NaN}', "extra"),
    ],
)  # fmt: skip
def test_non_finite_numbers_are_422_not_500(server, body, field):
    path = "/v1/aux/cogs/construct" if "extra" in body else "/v1/aux/cogs/analyse"
    with server.client() as client:
        response = client.post(path, content=body, headers={"content-type": "application/json"})
    fields, detail = field_of(response)
    assert field in fields, detail
