"""The web console in a real headless Chromium, driven by Selenium, against a real server.

Needs Debian's ``chromium`` and ``chromium-driver`` (``make test`` installs them where apt and
root allow); without them every test here skips and says so. Screenshots of the views are kept
in ``test-artifacts/console/`` at the repository root.
"""

from __future__ import annotations

import io
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

from tests.api.conftest import start_server, stop_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "console"
SMILES = ["CCO", "c1ccccc1O"]
KEY = "console-test-key"


@pytest.fixture(scope="module")
def servers(tmp_path_factory) -> Iterator[tuple[Any, Any]]:
    """An open server (one worker) and one that requires ``KEY`` (no worker), started together."""
    folders = tmp_path_factory.mktemp("state"), tmp_path_factory.mktemp("keyed")
    with ThreadPoolExecutor(2) as pool:
        futures = [
            pool.submit(start_server, folders[0]),
            pool.submit(start_server, folders[1], workers=0, api_keys=KEY),
        ]
        started, errors = [], []
        for future in futures:
            try:
                started.append(future.result())
            except Exception as e:  # stop the one that did start, then raise
                errors.append(e)
    try:
        if errors:
            raise errors[0]
        yield started[0], started[1]
    finally:
        for running in started:
            stop_server(running)


@pytest.fixture(scope="module")
def server(servers) -> Any:
    return servers[0]


@pytest.fixture(scope="module")
def keyed_server(servers) -> Any:
    return servers[1]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.is_file()]
    if missing:
        pytest.skip(
            f"CONSOLE NOT TESTED IN A BROWSER: {', '.join(missing)} missing "
            "(make test installs Debian's chromium and chromium-driver where apt and root allow)"
        )
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="qsdiff-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--enable-unsafe-swiftshader",  # WebGL in software, for 3Dmol.js
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1400,1150",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # The driver is Debian's, never one selenium-manager would download.
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def wait(driver: Any, condition: Callable[[Any], Any], timeout: float = 60) -> Any:
    """``condition(driver)`` once truthy; its last error or a timeout otherwise."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout, 0.1, (StaleElementReferenceException,)).until(condition)


def by_id(driver: Any, id_: str) -> Any:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.ID, id_)


def css(driver: Any, selector: str) -> list[Any]:
    from selenium.webdriver.common.by import By

    return driver.find_elements(By.CSS_SELECTOR, selector)


def open_view(driver: Any, server: Any, view: str) -> None:
    """Show a console view, loading the console first where the browser is on another page."""
    if driver.current_url.split("#")[0] != f"{server.url}/":
        driver.get(f"{server.url}/")
    driver.execute_script("location.hash = arguments[0]", view)


def submit_conformers(driver: Any, server: Any, smiles: list[str], count: int, steps: int) -> str:
    """Fill the conformer form, press Generate; the previous URL (the new job's is not yet)."""
    open_view(driver, server, "#new")
    wait(driver, lambda d: by_id(d, "treatment").get_attribute("value") == "quotient")
    driver.execute_script(
        "document.getElementById('smiles').value = arguments[0];"
        "document.getElementById('conformer-count').value = arguments[1];"
        "document.getElementById('num-steps').value = arguments[2];",
        "\n".join(smiles),
        count,
        steps,
    )
    before = driver.current_url
    by_id(driver, "submit").click()
    return before


def submitted_job(driver: Any, before: str) -> str:
    """The id of the job the page opened after a submission (``#job/ID``)."""
    url = wait(
        driver, lambda d: d.current_url != before and "#job/" in d.current_url and d.current_url
    )
    job_id = url.rsplit("/", 1)[1]
    wait(driver, lambda d: by_id(d, "job-id").text == job_id)
    return job_id


def test_models_view_shows_every_card(browser, server) -> None:
    driver = browser
    driver.get(f"{server.url}/")
    wait(driver, lambda d: by_id(d, "treatment").get_attribute("value") == "quotient")
    driver.save_screenshot(str(ARTIFACTS / "01-first-visit.png"))
    with server.client() as client:
        models = client.get("/v1/models").json()
    open_view(driver, server, "#models")
    cards = wait(driver, lambda d: len(c := css(d, ".model-card")) == len(models) and c)
    text = by_id(driver, "models").text
    for model in models:
        assert model["checkpoint"] in text
    conformer = next(c for c in cards if c.get_attribute("data-task") == "conformer")
    amr = models[[m["task"] for m in models].index("conformer")]["card"]["benchmark"]["metrics"]
    assert "amr" in conformer.text
    assert f"{amr['amr']:.4g}" in conformer.text
    driver.save_screenshot(str(ARTIFACTS / "02-models.png"))


def test_api_docs_render_without_a_cdn(browser, server) -> None:
    driver = browser
    driver.get(f"{server.url}/docs")
    operations = wait(driver, lambda d: len(o := css(d, ".opblock")) > 10 and o)
    assert any("/v1/conformers" in o.text for o in operations)
    driver.save_screenshot(str(ARTIFACTS / "00-api-docs.png"))


def test_invalid_smiles_shows_the_api_message(browser, server) -> None:
    driver = browser
    bad = ["CCO", "C1CC"]
    with server.client() as client:
        answer = client.post("/v1/jobs", json={"task": "conformers", "params": {"smiles": bad}})
    assert answer.status_code == 422
    (error,) = answer.json()["detail"]
    submit_conformers(driver, server, bad, count=1, steps=2)
    shown = wait(driver, lambda d: (e := by_id(d, "submit-error")).is_displayed() and e.text)
    assert f"smiles.1: {error['msg']}" in shown


def test_conformers_submit_progress_3d_and_sdf(browser, server) -> None:
    driver = browser
    job_id = submitted_job(driver, submit_conformers(driver, server, SMILES, count=2, steps=5))
    # the worker starts with the server; on a busy machine it may still be loading
    wait(driver, lambda d: by_id(d, "job-status").text == "succeeded", timeout=180)
    assert by_id(driver, "job-progress-text").text == "4 / 4 samples"
    bar = by_id(driver, "job-progress")
    assert bar.get_attribute("value") == bar.get_attribute("max") == "4"
    log = (server.state_dir / "server.log").read_text(errors="replace")
    assert f"/v1/jobs/{job_id}/events" in log, "progress did not come from the event stream"

    # the structures, one at a time, and their metrics
    wait(driver, lambda d: by_id(d, "job-results").is_displayed())
    assert len(css(driver, "#structure-picker option")) == 4
    assert len(css(driver, "#metrics-table tbody tr")) == 4
    assert "conformer_index" in by_id(driver, "metrics-table").text
    assert "stereo_matched" in by_id(driver, "metrics-summary").text
    assert by_id(driver, "structure-count").text == "1 of 4"
    canvas = wait(driver, lambda d: (c := css(d, "#viewer canvas")) and c[0])
    time.sleep(0.5)  # the first frame
    from PIL import Image, ImageStat

    image = Image.open(io.BytesIO(canvas.screenshot_as_png)).convert("L")
    inked = float((np.asarray(image) < 200).mean())
    assert ImageStat.Stat(image).stddev[0] > 5, "the 3D canvas is blank"
    assert inked > 0.002, "the 3D canvas is blank"
    by_id(driver, "structure-next").click()
    assert by_id(driver, "structure-count").text == "2 of 4"
    css(driver, "#metrics-table tbody tr")[3].click()
    assert by_id(driver, "structure-count").text == "4 of 4"
    driver.save_screenshot(str(ARTIFACTS / "03-results.png"))

    # the SDF link gives the conformers, in RDKit
    from rdkit import Chem

    links = {
        a.get_attribute("data-format"): a.get_attribute("href") for a in css(driver, "#downloads a")
    }
    assert set(links) == {"sdf", "json", "zip"}
    answer = httpx.get(links["sdf"], timeout=30)
    assert answer.status_code == 200
    mols = list(Chem.ForwardSDMolSupplier(io.BytesIO(answer.content), removeHs=False))
    assert len(mols) == 4
    assert all(m is not None and m.GetConformer().Is3D() for m in mols)
    canonical = {Chem.CanonSmiles(smiles) for smiles in SMILES}
    assert {Chem.CanonSmiles(m.GetProp("source_smiles")) for m in mols} == canonical

    # nothing came from anywhere but this server; no script error or CSP violation
    loaded = driver.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
    )
    assert loaded
    assert all(url.startswith(server.url) for url in loaded), loaded
    errors = [
        e
        for e in driver.get_log("browser")
        if e["level"] == "SEVERE" and e["source"] != "network"  # 4xx answers are expected
    ]
    assert not errors, errors


def test_smi_and_sdf_files_are_read_in_the_page(browser, server, tmp_path) -> None:
    """A .smi fills the SMILES box; an .sdf gives the SMILES of its records' SMILES fields,
    and one without any is refused with a note (the API takes SMILES only)."""
    from rdkit import Chem

    driver = browser
    open_view(driver, server, "#new")
    smi = tmp_path / "two.smi"
    smi.write_text("CCO ethanol\n# a comment\nc1ccccc1O phenol\n")
    mols = [Chem.AddHs(Chem.MolFromSmiles(s)) for s in SMILES]
    mols[0].SetProp("SMILES", SMILES[0])
    with_field, without = tmp_path / "some.sdf", tmp_path / "none.sdf"
    for path, records in ((with_field, mols), (without, mols[1:])):
        with Chem.SDWriter(str(path)) as writer:
            for mol in records:
                writer.write(mol)
    upload, note = by_id(driver, "smiles-file"), by_id(driver, "file-note")

    upload.send_keys(str(smi))
    wait(driver, lambda d: "2 molecules" in note.text)
    assert by_id(driver, "smiles").get_attribute("value") == "CCO ethanol\nc1ccccc1O phenol"
    upload.send_keys(str(with_field))
    wait(driver, lambda d: "1 of 2" in note.text)
    assert by_id(driver, "smiles").get_attribute("value").split()[0] == "CCO"
    assert "the other 1 cannot be sent" in note.text
    upload.send_keys(str(without))
    wait(driver, lambda d: "takes SMILES only" in note.text)
    assert "error" in note.get_attribute("class")


def test_cancel_from_the_jobs_view(browser, server) -> None:
    driver = browser
    big = [
        "CC(C)Cc1ccc(cc1)[C@@H](C)C(=O)O",
        "CN1CCC[C@H]1c1cccnc1",
        "OC[C@H]1OC(O)[C@H](O)[C@@H]1O",
    ]
    job_id = submitted_job(driver, submit_conformers(driver, server, big, count=100, steps=200))
    open_view(driver, server, "#jobs")
    row = f"#jobs-table tr[data-job-id='{job_id}']"
    # the table is redrawn every 2 s: find and press the button in one go (retried if stale)
    wait(driver, lambda d: (b := css(d, f"{row} button.cancel")) and (b[0].click() or True))
    wait(driver, lambda d: css(d, row)[0].get_attribute("data-status") == "cancelled", timeout=30)
    with server.client() as client:
        assert client.get(f"/v1/jobs/{job_id}").json()["status"] == "cancelled"
    assert css(driver, f"{row} button.cancel") == []
    driver.save_screenshot(str(ARTIFACTS / "04-jobs.png"))


def test_api_key_is_sent_from_the_page(browser, keyed_server) -> None:
    """With QSDIFF_API_KEYS set: the API's 401 shows; with the key, requests and the progress
    stream carry it (a server without workers: the job stays queued until cancelled)."""
    driver, keyed = browser, keyed_server
    driver.get(f"{keyed.url}/#models")
    shown = wait(driver, lambda d: (e := by_id(d, "models-error")).is_displayed() and e.text)
    assert shown.startswith("401: a valid API key is required"), shown
    driver.execute_script(
        "const input = document.getElementById('api-key'); input.value = arguments[0];"
        "input.dispatchEvent(new Event('change'));",
        KEY,
    )
    wait(driver, lambda d: css(d, ".model-card"))
    assert not by_id(driver, "models-error").is_displayed()
    job_id = submitted_job(driver, submit_conformers(driver, keyed, ["CCO"], count=1, steps=2))
    log = keyed.state_dir / "server.log"
    stream = f'"GET /v1/jobs/{job_id}/events HTTP/1.1" 200'
    wait(driver, lambda _: stream in log.read_text(errors="replace"), timeout=30)
    assert by_id(driver, "job-status").text == "queued"
    by_id(driver, "job-cancel").click()
    wait(driver, lambda d: by_id(d, "job-status").text == "cancelled", timeout=30)
    headers = {"Authorization": f"Bearer {KEY}"}
    with keyed.client() as client:
        assert client.get(f"/v1/jobs/{job_id}", headers=headers).json()["status"] == "cancelled"
    assert driver.execute_script("return localStorage.getItem('qsdiff.apiKey')") == KEY
