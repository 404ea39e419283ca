"""Asking a running server instead of loading the models in the command: a recommendation in
about the time of one HTTP request."""

import json
import urllib.error
import urllib.request
from typing import Any

from matcher.cli.common import CliError

TIMEOUT_S = 120


def post_json(url: str, body: dict[str, Any], key: str | None) -> dict[str, Any]:
    """POST a JSON body; the JSON answer, or a CliError with the server's own message."""
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    data = json.dumps(body).encode("utf-8")
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as answer:
            return json.loads(answer.read().decode("utf-8"))
    except urllib.error.HTTPError as exc:
        try:
            message = json.loads(exc.read().decode("utf-8"))["error"]["message"]
        except (ValueError, KeyError, TypeError):
            message = exc.reason
        raise CliError(f"the server answered {exc.code}: {message}") from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise CliError(f"cannot reach the server at {url}: {reason}") from exc


def recommend_remote(server: str, request: Any, key: str | None) -> Any:
    """The server's RecommendationResponse for a NeedRequest."""
    from matcher.schemas import RecommendationResponse

    base = server.rstrip("/")
    if not base.startswith(("http://", "https://")):
        raise CliError(f"--server takes an http:// or https:// address, not '{server}'")
    body = request.model_dump(mode="json", exclude_none=True)
    answer = post_json(f"{base}/v1/recommendations", body, key)
    return RecommendationResponse.model_validate(answer)
