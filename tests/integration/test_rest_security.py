"""The REST API refuses what a browser on another site could make it do
(issue 6, finding 3): a request body must say Content-Type: application/json
(415 otherwise: an HTML form can send text/plain, urlencoded or multipart to
any site, never JSON without a CORS preflight); a request whose Origin is not
the server's own scheme://Host, "null" included, or whose Sec-Fetch-Site says
cross-site or same-site, is 403 problem JSON; no Origin at all (the CLI, curl,
SDKs) is fine; a 401 never carries WWW-Authenticate, so a browser neither
offers its login dialog nor caches Basic credentials for other pages to use.
Also: Allow only on 405 and OPTIONS, never on a 201 (finding 9e). Driven with
requests and curl against a running server."""
import shutil
import subprocess
import uuid

import pytest
import requests

from helpers.server import ROOT_AK, ROOT_SK

AUTH = (ROOT_AK, ROOT_SK)


def new_name(prefix="sec"):
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def users(server):
    r = requests.get(server.web_url + "/api/v1/users", auth=AUTH, timeout=30)
    assert r.status_code == 200, r.text
    return [u["access_key"] for u in r.json()["users"]]


def post_user(server, name, *, data=None, headers=None):
    body = data if data is not None else f'{{"access_key":"{name}","role":"admin"}}'
    return requests.post(server.web_url + "/api/v1/users", data=body, auth=AUTH,
                         headers=headers or {}, timeout=30)


def assert_problem(r, status):
    assert r.status_code == status, (r.status_code, r.text)
    assert r.headers["Content-Type"] == "application/problem+json", r.headers
    doc = r.json()
    assert doc["status"] == status and doc["type"] == "about:blank" and doc["detail"], doc
    return doc


@pytest.mark.parametrize("ctype", [None, "text/plain", "text/plain;charset=UTF-8",
                                   "application/x-www-form-urlencoded",
                                   "multipart/form-data; boundary=x"])
def test_a_body_that_is_not_declared_json_is_415(server, ctype):
    """The body of a cross-site form POST creates nothing, whatever it holds."""
    name = new_name()
    r = post_user(server, name, headers={"Content-Type": ctype} if ctype else {})
    if ctype is None:  # requests sends none for a str body: make sure
        assert "Content-Type" not in r.request.headers
    doc = assert_problem(r, 415)
    assert "application/json" in doc["detail"]
    assert name not in users(server)


@pytest.mark.parametrize("ctype", ["application/json", "application/json; charset=utf-8",
                                   "Application/JSON;charset=UTF-8"])
def test_json_bodies_are_accepted(server, ctype):
    name = new_name()
    r = post_user(server, name, data=f'{{"access_key":"{name}","role":"reader"}}',
                  headers={"Content-Type": ctype})
    assert r.status_code == 201, r.text
    assert name in users(server)


def test_requests_without_a_body_need_no_content_type(server):
    name = new_name()
    assert post_user(server, name, data=f'{{"access_key":"{name}"}}',
                     headers={"Content-Type": "application/json"}).status_code == 201
    # PUT with Content-Length: 0 and no Content-Type: a generated secret
    r = requests.put(f"{server.web_url}/api/v1/users/{name}/secret", auth=AUTH, timeout=30)
    assert r.request.headers.get("Content-Length") == "0" and "Content-Type" not in r.request.headers
    assert r.status_code == 200, r.text
    assert len(r.json()["secret_key"]) == 40
    r = requests.delete(f"{server.web_url}/api/v1/users/{name}", auth=AUTH, timeout=30)
    assert r.status_code == 204, r.text


@pytest.mark.parametrize("origin", ["http://evil.example", "null", "https://{web}",
                                    "http://{host}:1", "http://{web}.evil.example",
                                    "http://{web}/x"])
def test_a_foreign_origin_is_403(server, origin):
    web = server.endpoints["web"]
    origin = origin.format(web=web, host=web.rsplit(":", 1)[0])
    name = new_name()
    r = post_user(server, name, headers={"Content-Type": "application/json", "Origin": origin})
    doc = assert_problem(r, 403)
    assert "cross-origin" in doc["detail"]
    assert name not in users(server)
    # reads too: a foreign page learns nothing, not even with credentials
    r = requests.get(server.web_url + "/api/v1/users", auth=AUTH, headers={"Origin": origin},
                     timeout=30)
    assert_problem(r, 403)


@pytest.mark.parametrize("site", ["cross-site", "same-site"])
def test_sec_fetch_site_cross_origin_is_403(server, site):
    name = new_name()
    r = post_user(server, name, headers={"Content-Type": "application/json",
                                         "Sec-Fetch-Site": site})
    assert_problem(r, 403)
    assert name not in users(server)


def test_own_origin_and_no_origin_are_served(server):
    own = server.web_url  # http://127.0.0.1:<port>, as a page served from it would send
    name = new_name()
    r = post_user(server, name, headers={"Content-Type": "application/json", "Origin": own,
                                         "Sec-Fetch-Site": "same-origin"})
    assert r.status_code == 201, r.text
    r = requests.get(server.web_url + "/api/v1/users", auth=AUTH, timeout=30)  # no Origin
    assert r.status_code == 200 and name in [u["access_key"] for u in r.json()["users"]]
    # the system endpoints as before
    assert requests.get(server.web_url + "/healthz", timeout=30).status_code == 200


def test_the_csrf_form_of_the_issue_creates_no_admin(server):
    """A page on another site posting a text/plain form at the API with the
    browser's cached credentials: refused for its Origin; and even a browser
    that sent no Origin would be refused for the body type."""
    name = new_name("csrf")
    # <form enctype="text/plain"> with one field named '{"access_key":...,"x":"' and value '"}'
    form = f'{{"access_key":"{name}","role":"admin","x":"="}}'
    r = post_user(server, name, data=form,
                  headers={"Content-Type": "text/plain", "Origin": "http://evil.example"})
    assert_problem(r, 403)
    r = post_user(server, name, data=form, headers={"Content-Type": "text/plain"})
    assert_problem(r, 415)
    assert name not in users(server)


def test_401_carries_no_basic_challenge(server):
    r = requests.get(server.web_url + "/api/v1/users", timeout=30)
    assert_problem(r, 401)
    assert "WWW-Authenticate" not in r.headers, r.headers
    r = requests.get(server.web_url + "/api/v1/tokens", auth=(ROOT_AK, "wrong-secret-x"),
                     timeout=30)
    assert_problem(r, 401)
    assert "WWW-Authenticate" not in r.headers, r.headers


@pytest.mark.skipif(not shutil.which("curl"), reason="curl is not installed")
def test_curl_without_preemptive_auth_gets_no_challenge(server):
    """curl --anyauth only sends credentials after a challenge: with none
    offered it never sends them (a browser behaves the same way)."""
    out = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                          "--anyauth", "-u", f"{ROOT_AK}:{ROOT_SK}",
                          server.web_url + "/api/v1/users"],
                         capture_output=True, text=True, timeout=30)
    assert out.stdout.split()[0] == "401", out.stdout + out.stderr


def test_cli_still_sends_json(server):
    """The lakehouse CLI (libcurl) declares its JSON bodies: add, passwd and
    token create work against the stricter API."""
    name = new_name("cli")
    server.cli("user", "add", name, "--role", "reader", "--secret", "cli-secret-1", check=True)
    server.cli("user", "passwd", name, "--secret", "cli-secret-2", check=True)
    r = server.cli("token", "create", "--owner", name, "--name", "t", check=True)
    assert r.stdout.startswith("lh_"), r.stdout
    server.cli("user", "rm", name, check=True)


def test_allow_only_on_405_and_options(server):
    r = requests.post(server.web_url + "/api/v1/tokens", json={"name": "allow"}, auth=AUTH,
                      timeout=30)
    assert r.status_code == 201, r.text
    assert "Allow" not in r.headers, r.headers
    r = requests.delete(f"{server.web_url}/api/v1/tokens/{r.json()['id']}", auth=AUTH, timeout=30)
    assert r.status_code == 204 and "Allow" not in r.headers, r.headers
    r = requests.put(server.web_url + "/api/v1/tokens", auth=AUTH, timeout=30)
    assert_problem(r, 405)
    assert r.headers["Allow"] == "GET, POST", r.headers
    r = requests.options(server.web_url + "/api/v1/tokens", timeout=30)
    assert r.status_code == 204, r.text
    assert r.headers["Allow"] == "GET, POST, OPTIONS", r.headers
    assert requests.options(server.web_url + "/api/v1/nope", timeout=30).status_code == 404
