"""Asking the model: the real openai client against a local chat-completions server that answers from a script."""

from __future__ import annotations

import json

import pytest

from simcoach.report.answer import ASKED_OBSERVATIONS
from simcoach.report.checked import ask
from simcoach.report.llm import RETRY_AFTER_CAP_S, explain
from simcoach.settings import ReportSettings
from tests.conftest import free_port
from tests.report import chat_server as reply
from tests.report.chat_server import ChatServer
from tests.report.packets import POUHON, good_answer, observation, spa_packet

pytestmark = pytest.mark.integration

# Short enough that a test of three timeouts takes seconds, long enough for a loaded machine to answer.
TIMEOUT_S = 1.0
BACKOFF_S = 0.05


def settings_for(server: ChatServer, **overrides: object) -> ReportSettings:
    values: dict[str, object] = {
        "api_key": "sk-test-0123456789",
        "base_url": server.url,
        "model": "coach-test",
        "timeout_s": TIMEOUT_S,
        "retries": 2,
    }
    values.update(overrides)
    return ReportSettings(_env_file=None, **values)  # type: ignore[arg-type]


@pytest.fixture
def server():
    with ChatServer() as running:
        yield running


def test_a_good_answer_becomes_the_reports_observations(server):
    server.script(reply.answer(good_answer()))
    result = ask(spa_packet(), settings_for(server))

    assert result.outcome.status == "answered"
    assert [o.corner for o in result.observations] == ["La Source", "Pouhon"]
    assert result.observations[0].evidence_ids == ["corner:La Source:lap2"]
    assert result.priorities == good_answer()["priorities"]
    assert result.uncertainty == good_answer()["uncertainty"]
    assert result.dropped == [] and result.dropped_notes == []
    assert [a.problem for a in result.outcome.attempts] == [None]
    assert (result.outcome.prompt_tokens, result.outcome.completion_tokens) == (900, 150)


def test_the_model_is_asked_for_the_schema_and_shown_the_evidence_only(server):
    server.script(reply.answer(good_answer()))
    ask(spa_packet(), settings_for(server))

    (request,) = server.requests
    assert request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == "Bearer sk-test-0123456789"
    body = request.body
    assert body["model"] == "coach-test"
    fmt = body["response_format"]
    assert fmt["type"] == "json_schema" and fmt["json_schema"]["strict"] is True
    schema = fmt["json_schema"]["schema"]
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == {"observations", "priorities", "uncertainty"}
    item = schema["properties"]["observations"]["items"]
    assert set(item["required"]) == set(item["properties"]) and item["additionalProperties"] is False
    # The model is shown the rules and the packet, and nothing else: the user's message is the packet exactly.
    system, user = body["messages"]
    assert system["role"] == "system" and "Use the evidence only" in system["content"]
    header, _, packet_json = user["content"].partition("\n")
    assert header == "Evidence of the session:"
    assert json.loads(packet_json) == spa_packet().model_dump(mode="json", exclude_none=True)
    for evidence in spa_packet().items:
        assert json.dumps(evidence.id) in request.prompt
    for frame_field in ("throttle", "steering", "speed_kmh", "pos_x", "seq", "frames"):
        assert f'"{frame_field}":' not in request.prompt


def test_an_observation_naming_a_corner_not_in_its_evidence_is_dropped_and_said(server):
    wrong = observation(corner="Eau Rouge")
    server.script(reply.answer({**good_answer(), "observations": [wrong, POUHON]}))
    result = ask(spa_packet(), settings_for(server))

    assert [o.corner for o in result.observations] == ["Pouhon"]
    (dropped,) = result.dropped
    assert dropped.observation.corner == "Eau Rouge"
    assert dropped.reasons == ["names corner 'Eau Rouge', but its evidence (corner:La Source:lap2) is about La Source"]


def test_an_observation_stating_a_number_not_in_its_evidence_is_dropped_and_said(server):
    invented = observation(what_happened="You braked 25 m too late and lost 1.3 s.")
    server.script(reply.answer({**good_answer(), "observations": [POUHON, invented]}))
    result = ask(spa_packet(), settings_for(server))

    assert [o.corner for o in result.observations] == ["Pouhon"]
    (dropped,) = result.dropped
    assert [r.split(",")[0] for r in dropped.reasons] == [
        "states '25 m'",
        "states '1.3 s'",
    ]
    assert "corner:La Source:lap2 holds time_lost_s 0.42" in dropped.reasons[0]


def test_timeouts_are_retried_then_reported(server):
    server.script(*(reply.slow(TIMEOUT_S * 10) for _ in range(3)))
    outcome = explain(spa_packet(), settings_for(server), backoff_s=BACKOFF_S)

    assert outcome.status == "failed" and outcome.answer is None
    assert len(server.requests) == 3
    assert [a.problem for a in outcome.attempts] == [f"no reply within the timeout ({TIMEOUT_S:g} s)"] * 3
    # Each attempt gave up at its timeout, not at the server's reply ten times later.
    assert all(a.seconds < TIMEOUT_S * 5 for a in outcome.attempts)
    assert (
        outcome.problem == f"no usable answer after 3 attempts; the last: no reply within the timeout ({TIMEOUT_S:g} s)"
    )


def test_a_timeout_then_an_answer_is_an_answer(server):
    server.script(reply.slow(TIMEOUT_S * 10), reply.answer(good_answer()))
    outcome = explain(spa_packet(), settings_for(server), backoff_s=BACKOFF_S)

    assert outcome.status == "answered"
    assert [a.problem is None for a in outcome.attempts] == [False, True]


def test_a_rate_limit_waits_as_asked_then_tries_again(server):
    server.script(reply.rate_limited(retry_after="1"), reply.answer(good_answer()))
    outcome = explain(spa_packet(), settings_for(server), backoff_s=BACKOFF_S)

    assert outcome.status == "answered"
    first, second = server.requests
    assert second.at - first.at >= 1.0
    assert (
        outcome.attempts[0].problem == "rate limited (HTTP 429: Rate limit reached for requests); it asked to wait 1 s"
    )


def test_rate_limits_are_retried_then_reported(server):
    server.script(*(reply.rate_limited(retry_after="0") for _ in range(3)))
    outcome = explain(spa_packet(), settings_for(server), backoff_s=BACKOFF_S)

    assert outcome.status == "failed"
    assert len(server.requests) == 3
    assert all(a.problem and a.problem.startswith("rate limited (HTTP 429") for a in outcome.attempts)


def test_a_retry_after_longer_than_the_cap_is_cut_to_it(server):
    # A server asking for an hour must not hold the report for an hour.
    server.script(reply.rate_limited(retry_after="3600"))
    outcome = explain(spa_packet(), settings_for(server, retries=0), backoff_s=BACKOFF_S)
    assert outcome.status == "failed" and len(server.requests) == 1
    assert outcome.seconds < RETRY_AFTER_CAP_S


@pytest.mark.parametrize(
    ("bad", "problem"),
    [
        (reply.html(), "the server's reply is not a chat completion: <html><body>502 Bad Gateway</body></html>"),
        (reply.Reply(body=b'{"choices": [{"message": '), "the server's reply is not a chat completion: "),
        (reply.completion("Sure! Here is your report: you were fast."), "the answer does not fit the schema ("),
        (reply.completion('{"observations": 3}'), "the answer does not fit the schema (observations: "),
        (reply.completion('{"observations": [], "priorities": []'), "the answer does not fit the schema ("),
        (reply.completion(None, finish_reason="stop"), "the answer was empty (finish reason: stop)"),
        (reply.completion('{"observations": [', finish_reason="length"), "the answer was cut off at 2000 tokens"),
    ],
    ids=["html", "broken-json", "prose", "wrong-shape", "unfinished", "empty", "cut-off"],
)
def test_malformed_replies_are_retried_then_reported(server, bad, problem):
    server.script(bad, bad, bad)
    outcome = explain(spa_packet(), settings_for(server), backoff_s=BACKOFF_S)

    assert outcome.status == "failed"
    assert len(server.requests) == 3
    assert all(a.problem and a.problem.startswith(problem) for a in outcome.attempts), outcome.attempts


def test_an_answer_in_a_markdown_fence_still_counts(server):
    server.script(reply.completion(f"```json\n{json.dumps(good_answer())}\n```"))
    assert explain(spa_packet(), settings_for(server)).status == "answered"


def test_a_refusal_is_retried_then_reported(server):
    server.script(*(reply.completion(None, refusal="I can't help with that.") for _ in range(3)))
    outcome = explain(spa_packet(), settings_for(server), backoff_s=BACKOFF_S)

    assert outcome.status == "failed" and len(server.requests) == 3
    assert outcome.problem == "no usable answer after 3 attempts; the last: the model refused: I can't help with that."


def test_server_errors_are_retried_and_refusals_of_the_request_are_not(server):
    server.script(reply.error(503, "overloaded"), reply.answer(good_answer()))
    assert explain(spa_packet(), settings_for(server), backoff_s=BACKOFF_S).status == "answered"
    assert len(server.requests) == 2

    # A wrong key or an unknown model would fail the same way again: asked once.
    server.script(reply.error(404, "The model `coach-test` does not exist"))
    outcome = explain(spa_packet(), settings_for(server), backoff_s=BACKOFF_S)
    assert len(server.requests) == 3
    assert outcome.problem == (
        "no usable answer after 1 attempt; the last: refused (HTTP 404: The model `coach-test` does not exist)"
    )


def test_a_server_that_refuses_json_schema_is_asked_once_in_the_json_object_form(server):
    # What llama-cpp-python's server says (with a 500) about response_format type json_schema.
    refusal = "1 validation error: ('body', 'response_format', 'type'): Input should be 'text' or 'json_object'"
    server.script(reply.error(500, refusal), reply.answer(good_answer()))
    outcome = explain(spa_packet(), settings_for(server, retries=0), backoff_s=BACKOFF_S)

    assert outcome.status == "answered"
    first, second = server.requests
    assert first.body["response_format"]["type"] == "json_schema"
    strict = first.body["response_format"]["json_schema"]["schema"]
    assert set(second.body["response_format"]) == {"type", "schema"}
    assert second.body["response_format"]["type"] == "json_object"
    # The same schema, with bounds a grammar can hold a small model to.
    bounded = second.body["response_format"]["schema"]
    assert bounded["properties"].keys() == strict["properties"].keys()
    assert bounded["properties"]["observations"]["maxItems"] == ASKED_OBSERVATIONS
    assert "maxItems" not in strict["properties"]["observations"]
    assert [a.response_format for a in outcome.attempts] == ["json_schema", "json_object"]


def test_the_schema_offers_only_the_ids_corners_and_laps_the_model_is_shown(server):
    server.script(reply.answer(good_answer()))
    explain(spa_packet(), settings_for(server))

    schema = server.requests[0].body["response_format"]["json_schema"]["schema"]
    fields = schema["properties"]["observations"]["items"]["properties"]
    assert fields["evidence_ids"]["items"]["enum"] == [item.id for item in spa_packet().items]
    assert fields["corner"]["anyOf"] == [
        {"type": "string", "enum": ["Bus Stop", "La Source", "Pouhon"]},
        {"type": "null"},
    ]
    assert fields["lap"]["anyOf"] == [{"type": "integer", "enum": [1, 2, 3, 4]}, {"type": "null"}]


def test_a_model_with_a_small_context_is_shown_the_items_most_worth_reviewing(server):
    server.script(reply.answer(good_answer()))
    outcome = explain(spa_packet(), settings_for(server, max_items=3))

    (request,) = server.requests
    _, user = request.body["messages"]
    shown = json.loads(user["content"].split("\n")[1])
    assert [item["id"] for item in shown["items"]] == [
        "corner:La Source:lap2",
        "corner:Pouhon:lap3",
        "consistency:Bus Stop",
    ]
    assert user["content"].endswith("(5 further items, less worth reviewing, are left out.)")
    # The answer is still held against the whole packet.
    assert outcome.status == "answered"


def test_a_server_that_cannot_be_reached_is_reported():
    settings = ReportSettings(
        _env_file=None, base_url=f"http://127.0.0.1:{free_port()}/v1", timeout_s=TIMEOUT_S, retries=1
    )
    outcome = explain(spa_packet(), settings, backoff_s=BACKOFF_S)
    assert outcome.status == "failed" and len(outcome.attempts) == 2
    assert all(a.problem and a.problem.startswith("could not reach the server") for a in outcome.attempts)


def test_without_a_key_or_a_server_the_model_is_not_asked(server, monkeypatch):
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    result = ask(spa_packet(), ReportSettings(_env_file=None))

    assert result.outcome.status == "not_asked"
    assert result.outcome.problem == (
        "not asked: no OPENAI_API_KEY (and no OPENAI_BASE_URL of a server of your own) is set"
    )
    assert result.outcome.attempts == [] and result.observations == []
    assert server.requests == []


def test_a_server_of_ones_own_needs_no_key(server):
    server.script(reply.answer(good_answer()))
    outcome = explain(spa_packet(), settings_for(server, api_key=None))

    assert outcome.status == "answered"
    assert server.requests[0].headers["authorization"] == "Bearer not-needed"
