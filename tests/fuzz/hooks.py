"""Schemathesis hooks for the Baton fuzz run: the extra check every answer must pass.

Loaded through SCHEMATHESIS_HOOKS=hooks (tests/fuzz on PYTHONPATH) by tests/fuzz/run.py.
"""

import schemathesis


@schemathesis.check
def error_is_json_with_detail(ctx, response, case):
    """Every error is a 4xx (never 5xx) with a JSON body that has a non-empty `detail`."""
    status = response.status_code
    if status < 400:
        return None
    if status >= 500:
        raise AssertionError(f"server error {status}: {response.text[:500]}")
    try:
        body = response.json()
    except Exception as exc:  # noqa: BLE001 - any decoding failure is the finding
        raise AssertionError(f"{status} answer is not JSON ({exc}): {response.text[:300]!r}")
    if not isinstance(body, dict) or not body.get("detail"):
        raise AssertionError(f"{status} answer has no 'detail': {body!r}")
    return None
