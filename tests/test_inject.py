"""The widget's loader tag on host pages, and where it must never go."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from flask import Flask, Response, render_template_string, stream_with_context
from flask.testing import FlaskClient

from flask_livechat import no_widget

TAG = b'<script defer src="/livechat/static/loader.js'


def test_tag_goes_before_the_last_closing_body(client: FlaskClient) -> None:
    page = client.get("/").data
    assert page.count(TAG) == 1
    assert page.index(TAG) < page.rindex(b"</body>")
    assert page.endswith(b"</body></html>")
    assert b'data-socketio-path="/socket.io"' in page


def test_content_length_follows_the_new_body(client: FlaskClient) -> None:
    response = client.get("/")
    assert int(response.headers["Content-Length"]) == len(response.data)


def test_not_into_the_console_json_errors_or_streams(app: Flask, client: FlaskClient) -> None:
    @app.get("/data")
    def data() -> dict[str, str]:
        return {"html": "</body>"}

    @app.get("/teapot")
    def teapot() -> Response:
        return Response("<html><body>short and stout</body></html>", status=418, mimetype="text/html")

    @app.get("/stream")
    def stream() -> Response:
        def parts() -> Iterator[str]:
            yield "<html><body>"
            yield "</body></html>"

        return Response(stream_with_context(parts()), mimetype="text/html")

    client.get("/login-as/ada")
    for path in ("/data", "/teapot", "/stream", "/missing", "/livechat/agent/"):
        assert TAG not in client.get(path).data, path


def test_no_widget_decorator_opts_a_view_out(app: Flask, client: FlaskClient) -> None:
    @app.get("/checkout")
    @no_widget
    def checkout() -> str:
        return "<html><body>pay</body></html>"

    assert TAG not in client.get("/checkout").data


@pytest.mark.livechat_config(LIVECHAT_INJECT_EXCLUDE_PREFIXES=["/admin"])
def test_excluded_prefixes_get_no_widget(app: Flask, client: FlaskClient) -> None:
    @app.get("/admin/users")
    def admin_users() -> str:
        return "<html><body>users</body></html>"

    assert TAG not in client.get("/admin/users").data
    assert TAG in client.get("/").data


def test_uses_the_nonce_from_the_hosts_csp_header(app: Flask, client: FlaskClient) -> None:
    @app.get("/strict")
    def strict() -> Response:
        response = Response("<html><body>x</body></html>", mimetype="text/html")
        response.headers["Content-Security-Policy"] = "script-src 'self' 'nonce-r4nd0m+/='"
        return response

    assert b'nonce="r4nd0m+/="' in client.get("/strict").data


def test_host_can_place_the_tag_by_hand(app: Flask, client: FlaskClient) -> None:
    @app.get("/manual")
    def manual() -> str:
        return render_template_string("<html><head>{{ livechat_script() }}</head><body>x</body></html>")

    page = client.get("/manual").data
    assert page.count(TAG) == 1
    assert page.index(TAG) < page.index(b"</head>")


@pytest.mark.livechat_config(LIVECHAT_INJECT_WIDGET=False)
def test_injection_can_be_switched_off(client: FlaskClient) -> None:
    assert TAG not in client.get("/").data


def test_page_without_body_end_is_left_alone(app: Flask, client: FlaskClient) -> None:
    @app.get("/fragment")
    def fragment() -> str:
        return "<p>partial for htmx</p>"

    assert client.get("/fragment").data == b"<p>partial for htmx</p>"


def test_widget_and_console_bundles_are_served(client: FlaskClient) -> None:
    for name in ("loader.js", "widget.js", "console.js"):
        response = client.get(f"/livechat/static/{name}")
        assert response.status_code == 200
        assert response.mimetype in ("text/javascript", "application/javascript")
        response.close()


def test_a_document_without_body_end_gets_the_widget_at_its_end(app: Flask, client: FlaskClient) -> None:
    """Flask tutorial's base template closes neither <body> nor <html>."""

    @app.get("/tutorial")
    def tutorial() -> str:
        return "<!doctype html>\n<title>Posts - Flaskr</title>\n<section><h1>Posts</h1></section>\n"

    page = client.get("/tutorial").get_data(as_text=True)
    assert page.startswith("<!doctype html>") and page.rstrip().endswith("</script>")
    assert page.count("data-livechat") == 1


def test_a_page_with_html_end_but_no_body_end_gets_it_before_html_end(
    app: Flask, client: FlaskClient
) -> None:
    @app.get("/no-body-end")
    def no_body_end() -> str:
        return "<html><p>hi</p></html>"

    page = client.get("/no-body-end").get_data(as_text=True)
    assert page.index("data-livechat") < page.index("</html>")


def test_a_page_that_cannot_be_injected_says_so_in_the_debug_log(
    app: Flask, client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    @app.get("/streamed")
    def streamed() -> Response:
        return Response(iter([b"<!doctype html><body>", b"</body>"]), mimetype="text/html")

    caplog.set_level(logging.DEBUG, "flask_livechat")
    assert b"data-livechat" not in client.get("/streamed").data
    assert any("no widget on GET /streamed: it is streamed" in r.getMessage() for r in caplog.records)
