"""Asks the model to explain an evidence packet, through OpenAI's chat completions with a JSON schema.

The common ground of OpenAI and of what self-hosters run (Ollama, llama.cpp, LM Studio, vLLM): the
``openai`` package, ``response_format`` of type ``json_schema``. Whatever goes wrong (a timeout, a rate
limit, a refusal, a body that is no chat completion, an answer that is not the schema's) is retried a
bounded number of times and then told in the outcome: ``explain`` never raises for it and never waits
without end. Each attempt has the settings' timeout (connecting, and between bytes of the reply: httpx's
timeouts), waits between attempts are capped, so the whole is bounded by about
``(retries + 2) * (timeout_s + RETRY_AFTER_CAP_S)``: the one attempt more is for a server that refuses the
``json_schema`` form and is asked again, once, with the same schema in the ``json_object`` form that
llama-cpp-python's server takes.
"""

from __future__ import annotations

import email.utils
import logging
import re
import time
from typing import Any, Literal, cast

import openai
from openai.types.chat import ChatCompletionMessageParam
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from simcoach.report.answer import Answer, json_object_format, response_format
from simcoach.report.evidence import EvidencePacket
from simcoach.settings import ReportSettings

log = logging.getLogger(__name__)

ResponseFormat = Literal["json_schema", "json_object"]

# The longest a rate-limited attempt waits for the server's Retry-After before trying again.
RETRY_AFTER_CAP_S = 30.0
# Where a reply's text is quoted in an attempt's problem, it is cut to this many characters.
QUOTE_CHARS = 200

SYSTEM_PROMPT = """\
You are a sim racing driving coach writing the review of one session.
You are given the session's evidence as JSON: items, each with an id, its lap, corner, place on the lap \
(lap_dist_m, metres), session time (session_time_s, seconds since the session began), a summary and its \
measured numbers (named with their unit: _s seconds, _m metres, _kmh km/h). "ranked" lists the ids most \
worth reviewing first.
Rules:
- Use the evidence only. Every observation lists, in evidence_ids, the ids of the items it rests on, and \
takes its lap, corner and session_time_s from those items (null where they have none).
- State only numbers that are in the items you cite, as they are or rounded. Never compute, estimate or \
invent a number.
- what_happened says what the driver did, in plain words; what_to_try says what to do differently next time.
- priorities: at most three things to work on in the next session, most important first.
- uncertainty: what the evidence cannot tell (missing data, too few laps, a cause you cannot see).
Answer with one JSON object only, of this shape:
{"observations": [{"lap": 3, "corner": "...", "session_time_s": 123.4, "what_happened": "...", \
"what_to_try": "...", "evidence_ids": ["..."]}], "priorities": ["..."], "uncertainty": ["..."]}
"""


class Attempt(BaseModel):
    """One request to the model: how long it took and, unless it gave the answer, what went wrong."""

    model_config = ConfigDict(frozen=True)

    number: int
    seconds: float
    # None: this attempt gave the answer.
    problem: str | None = None
    # How the schema was asked for: OpenAI's json_schema, or the json_object form with a schema.
    response_format: ResponseFormat = "json_schema"


class ModelOutcome(BaseModel):
    """What came of asking the model: the parsed answer, or why there is none, and every attempt."""

    model_config = ConfigDict(frozen=True)

    status: Literal["answered", "failed", "not_asked"]
    model: str
    # The server asked (OPENAI_BASE_URL), or None for OpenAI's own.
    server: str | None
    answer: Answer | None = None
    attempts: list[Attempt] = Field(default_factory=list)
    seconds: float = 0.0
    # Why there is no answer, in plain words (None when answered).
    problem: str | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None


class _Failure(Exception):
    """An attempt that gave no answer: what to say about it, whether another try may help, how long to wait."""

    def __init__(
        self, problem: str, *, retry: bool = True, wait_s: float | None = None, format_refused: bool = False
    ) -> None:
        super().__init__(problem)
        self.problem = problem
        self.retry = retry
        self.wait_s = wait_s
        self.format_refused = format_refused


# The reply, read leniently: servers add fields of their own, and only these matter here.
class _Message(BaseModel):
    content: str | None = None
    refusal: str | None = None


class _Choice(BaseModel):
    message: _Message
    finish_reason: str | None = None


class _Usage(BaseModel):
    prompt_tokens: int | None = None
    completion_tokens: int | None = None


class _Completion(BaseModel):
    choices: list[_Choice] = Field(min_length=1)
    usage: _Usage | None = None


def messages(shown: EvidencePacket, left_out: int = 0) -> list[ChatCompletionMessageParam]:
    """The chat the model is given: the rules, then the packet it is shown (and nothing else of the session)."""
    more = f"\n({left_out} further items, less worth reviewing, are left out.)" if left_out else ""
    return [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "user", "content": f"Evidence of the session:\n{shown.for_model()}{more}"},
    ]


def make_client(settings: ReportSettings) -> openai.OpenAI:
    """The client for the settings' server; it never retries by itself (explain does, within bounds)."""
    return openai.OpenAI(
        api_key=settings.key(),
        # Explicit, so that an OPENAI_BASE_URL in the process's environment never overrides the settings.
        base_url=settings.base_url or "https://api.openai.com/v1",
        timeout=settings.timeout_s,
        max_retries=0,
    )


def explain(
    packet: EvidencePacket,
    settings: ReportSettings,
    *,
    client: openai.OpenAI | None = None,
    backoff_s: float = 1.0,
) -> ModelOutcome:
    """Ask the model about the packet and parse its answer; retried and bounded, never raising for the model.

    ``client``: one built in the app's lifespan (make_client), or None to make and close one here.
    ``backoff_s``: the wait before the first retry (doubled each time after) when the server gave no Retry-After.
    """
    if not settings.can_ask():
        return ModelOutcome(
            status="not_asked",
            model=settings.model,
            server=None,
            problem="not asked: no OPENAI_API_KEY (and no OPENAI_BASE_URL of a server of your own) is set",
        )
    own_client = client is None
    active = make_client(settings) if client is None else client
    started = time.monotonic()
    attempts: list[Attempt] = []
    form: ResponseFormat = "json_schema"
    retries_left = settings.retries
    try:
        while True:
            number = len(attempts) + 1
            attempt_started = time.monotonic()
            try:
                answer, usage = _ask_once(active, packet, settings, form)
            except _Failure as failure:
                attempts.append(
                    Attempt(
                        number=number, seconds=_since(attempt_started), problem=failure.problem, response_format=form
                    )
                )
                log.info("report model attempt %d: %s", number, failure.problem)
                if failure.format_refused and form == "json_schema":
                    form = "json_object"  # once, and not counted as a retry: it is another question, not the same
                    continue
                if not failure.retry or retries_left == 0:
                    break
                retries_left -= 1
                retried = settings.retries - retries_left
                wait_s = failure.wait_s if failure.wait_s is not None else backoff_s * 2 ** (retried - 1)
                time.sleep(min(max(wait_s, 0.0), RETRY_AFTER_CAP_S))
                continue
            attempts.append(Attempt(number=number, seconds=_since(attempt_started), response_format=form))
            return ModelOutcome(
                status="answered",
                model=settings.model,
                server=settings.base_url,
                answer=answer,
                attempts=attempts,
                seconds=_since(started),
                prompt_tokens=usage.prompt_tokens if usage else None,
                completion_tokens=usage.completion_tokens if usage else None,
            )
    finally:
        if own_client:
            active.close()
    tries = f"{len(attempts)} attempt{'s' if len(attempts) != 1 else ''}"
    return ModelOutcome(
        status="failed",
        model=settings.model,
        server=settings.base_url,
        attempts=attempts,
        seconds=_since(started),
        problem=f"no usable answer after {tries}; the last: {attempts[-1].problem}",
    )


def _status_failure(exc: openai.APIStatusError) -> _Failure:
    words = _status_words(exc)
    status = exc.status_code
    if isinstance(exc, openai.RateLimitError):
        wait_s = _retry_after(exc.response.headers)
        after = f"; it asked to wait {wait_s:g} s" if wait_s is not None else ""
        return _Failure(f"rate limited (HTTP 429: {words}){after}", wait_s=wait_s)
    if status in (400, 422, 500) and re.search(r"response_format|json_schema", f"{words} {exc.body}"):
        # llama-cpp-python's server, for one, takes only {"type": "json_object", "schema": ...} (and says so
        # with a 500); the same schema in that form is tried once before giving up.
        return _Failure(
            f"the server does not take this response_format (HTTP {status}: {words})", retry=False, format_refused=True
        )
    if isinstance(exc, openai.InternalServerError):
        return _Failure(f"server error (HTTP {status}: {words})")
    # A wrong key, an unknown model, a request the server refuses: the same request would fail the same way.
    return _Failure(f"refused (HTTP {status}: {words})", retry=False)


def _ask_once(
    client: openai.OpenAI, packet: EvidencePacket, settings: ReportSettings, form: ResponseFormat
) -> tuple[Answer, _Usage | None]:
    shown = packet.shown(settings.max_items)
    try:
        # The raw reply, read by our own lenient model: servers differ in what they add and leave out.
        raw = client.chat.completions.with_raw_response.create(
            model=settings.model,
            messages=messages(shown, len(packet.items) - len(shown.items)),
            response_format=response_format(shown) if form == "json_schema" else cast(Any, json_object_format(shown)),
            max_tokens=settings.max_tokens,
        )
        body = raw.http_response.content
    except openai.APITimeoutError:
        raise _Failure(f"no reply within the timeout ({settings.timeout_s:g} s)") from None
    except openai.APIConnectionError as exc:
        raise _Failure(f"could not reach the server ({_cause(exc)})") from None
    except openai.APIStatusError as exc:
        raise _status_failure(exc) from None
    except openai.OpenAIError as exc:
        raise _Failure(f"the request failed ({type(exc).__name__}: {_cause(exc)})") from None

    try:
        completion = _Completion.model_validate_json(body)
    except ValidationError:
        raise _Failure(
            f"the server's reply is not a chat completion: {_quote(body.decode('utf-8', 'replace'))}"
        ) from None
    choice = completion.choices[0]
    if choice.message.refusal:
        raise _Failure(f"the model refused: {_quote(choice.message.refusal)}")
    content = choice.message.content
    if not content or not content.strip():
        raise _Failure(f"the answer was empty (finish reason: {choice.finish_reason or 'none given'})")
    if choice.finish_reason == "length":
        raise _Failure(
            f"the answer was cut off at {settings.max_tokens} tokens (SIMCOACH_REPORT_MAX_TOKENS): {_quote(content)}"
        )
    try:
        answer = Answer.model_validate_json(_json_text(content))
    except ValidationError as exc:
        raise _Failure(f"the answer does not fit the schema ({_first_error(exc)}): {_quote(content)}") from None
    return answer, completion.usage


def _json_text(content: str) -> str:
    # Some servers ignore response_format and wrap the JSON in a Markdown fence; the JSON inside still counts.
    fenced = re.fullmatch(r"\s*```(?:json)?\s*(.*?)\s*```\s*", content, re.DOTALL)
    return fenced.group(1) if fenced else content


def _retry_after(headers: object) -> float | None:
    """Seconds the server asked to wait (Retry-After in seconds or as a date, or retry-after-ms), or None."""
    get = getattr(headers, "get", None)
    if get is None:
        return None
    millis = get("retry-after-ms")
    if millis:
        try:
            return float(millis) / 1000
        except ValueError:
            pass
    value = get("retry-after")
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _status_words(exc: openai.APIStatusError) -> str:
    # The client's message is "Error code: 429 - <the server's message>"; the status is said already.
    return _quote(re.sub(r"^Error code: \d+( - )?", "", exc.message) or "no message")


def _cause(exc: BaseException) -> str:
    cause = exc.__cause__ or exc.__context__
    return _quote(str(cause) if cause else str(exc))


def _first_error(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "the whole answer"
    return f"{where}: {first['msg']}"


def _quote(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= QUOTE_CHARS else text[:QUOTE_CHARS] + "…"


def _since(started: float) -> float:
    return round(time.monotonic() - started, 3)
