"""Records every HTTP request the Prefect client makes (and the answer) when BATON_P2_RECORD names a
JSONL file. Put this directory on PYTHONPATH of the client processes (tests/prefect2/conftest.py does
when BATON_P2_RECORD is set). Used to compare Baton's answers with Prefect 2's own server
(tests/prefect2/record/compare.py); the tests never need it."""

import os

_PATH = os.environ.get("BATON_P2_RECORD")

if _PATH:
    import json
    import sys
    import threading
    import time

    import httpx

    _lock = threading.Lock()

    def _body(content: bytes):
        if not content:
            return None
        try:
            return json.loads(content)
        except Exception:
            return content[:2000].decode("utf-8", "replace")

    def _record(request: httpx.Request, response: "httpx.Response | None", error: "str | None") -> None:
        try:
            req_body = _body(request.content)
        except Exception:
            req_body = "<stream>"
        entry = {
            "t": time.time(),
            "pid": os.getpid(),
            "argv": " ".join(sys.argv[:4])[-200:],
            "method": request.method,
            "url": str(request.url),
            "headers": {k: v for k, v in request.headers.items() if k.lower().startswith(("x-prefect", "prefect-"))},
            "request": req_body,
            "status": response.status_code if response is not None else None,
            "response": _body(response.content) if response is not None else None,
            "error": error,
        }
        line = json.dumps(entry, default=str)
        with _lock, open(_PATH, "a") as fh:
            fh.write(line + "\n")

    _orig_async_send = httpx.AsyncClient.send
    _orig_send = httpx.Client.send

    async def _async_send(self, request, *args, **kwargs):
        try:
            response = await _orig_async_send(self, request, *args, **kwargs)
        except Exception as exc:
            _record(request, None, repr(exc))
            raise
        try:
            await response.aread()
            _record(request, response, None)
        except Exception as exc:  # a stream the caller reads itself
            _record(request, None, f"unread body: {exc!r}")
        return response

    def _send(self, request, *args, **kwargs):
        try:
            response = _orig_send(self, request, *args, **kwargs)
        except Exception as exc:
            _record(request, None, repr(exc))
            raise
        try:
            response.read()
            _record(request, response, None)
        except Exception as exc:
            _record(request, None, f"unread body: {exc!r}")
        return response

    httpx.AsyncClient.send = _async_send
    httpx.Client.send = _send

    try:  # websockets (the events client): record the URL only
        import websockets.legacy.client as _wlc

        _orig_connect_init = _wlc.Connect.__init__

        def _connect_init(self, uri, *args, **kwargs):
            with _lock, open(_PATH, "a") as fh:
                fh.write(json.dumps({"t": time.time(), "pid": os.getpid(), "method": "WEBSOCKET", "url": uri}) + "\n")
            _orig_connect_init(self, uri, *args, **kwargs)

        _wlc.Connect.__init__ = _connect_init
    except Exception:
        pass
