"""Point 7: images and files, with limits; images previewed in the thread; links only for the conversation."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable
from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import AgentSocket, send, visit


def png(width: int = 4, height: int = 3) -> bytes:
    """A real, decodable PNG (solid blue), made here so the test needs no binary fixture."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x1d\x4e\xd8" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def test_images_are_previewed_and_files_are_downloads(
    browser: Any, sites: Callable[..., str], agents: Callable[[str], AgentSocket]
) -> None:
    site = sites()
    agent = agents(site)
    context = browser.new_context()
    page, chat, errors = visit(context, site + "/")
    send(chat, "Here is a screenshot")
    expect(chat.get_by_role("button", name="Attach a file")).to_be_visible()
    file_input = page.locator("livechat-widget input[type=file]")
    file_input.set_input_files({"name": "screen.png", "mimeType": "image/png", "buffer": png()})
    image = chat.get_by_role("img", name="screen.png")
    expect(image).to_be_visible()
    page.wait_for_function(
        "() => { const root = document.querySelector('livechat-widget').shadowRoot;"
        " const img = root.querySelector('.lc-msg-image');"
        " return img && img.complete && img.naturalWidth === 4; }"
    )
    update = agent.wait_for(
        "conversation_updated", lambda c: (c.get("last_message") or {}).get("body") == "screen.png"
    )
    assert update["last_message"]["attachment"]["image"] is True

    file_input.set_input_files(
        {"name": "invoice.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n..."}
    )
    link = chat.get_by_role("link", name="Download invoice.pdf")
    expect(link).to_be_visible()
    response = context.request.get(site + str(link.get_attribute("href")))
    assert response.status == 200
    assert response.headers["content-disposition"].startswith("attachment;")
    assert response.headers["x-content-type-options"] == "nosniff"
    # Another visitor cannot open it, even with the link.
    stranger = browser.new_context()
    assert stranger.request.get(site + str(link.get_attribute("href"))).status == 403
    stranger.close()
    assert errors == []
    context.close()


def test_files_over_the_limit_or_of_other_types_are_refused_with_a_message(
    browser: Any, sites: Callable[..., str], agents: Callable[[str], AgentSocket]
) -> None:
    site = sites(LIVECHAT_ATTACHMENT_MAX_SIZE=10_000)
    agents(site)
    page, chat, _ = visit(browser, site + "/")
    file_input = page.locator("livechat-widget input[type=file]")
    file_input.set_input_files(
        {"name": "huge.png", "mimeType": "image/png", "buffer": png() + b"\x00" * 20_000}
    )
    expect(chat.get_by_role("alert")).to_have_text("huge.png is too big: at most 9.77 KB.")
    file_input.set_input_files(
        {"name": "tool.exe", "mimeType": "application/x-msdownload", "buffer": b"MZ..."}
    )
    expect(chat.get_by_role("alert")).to_contain_text("tool.exe cannot be sent")
    # The server refuses what slips past the widget's check (content that is not what its name says).
    file_input.set_input_files(
        {"name": "fake.png", "mimeType": "image/png", "buffer": b"<script>alert(1)</script>"}
    )
    expect(chat.get_by_role("alert")).to_have_text(
        "fake.png cannot be sent: its content is not what its name says."
    )  # in the visitor's words, not the server's
    expect(chat.get_by_role("log")).not_to_contain_text("fake.png")
    page.close()
