"""The FastAPI orders service: accepts an order and settles it in the background on Celery.

    opentelemetry-instrument uvicorn api:app --port 8000

The FastAPI instrumentation makes a server span per request, named by route; every record logged
while it is current, with standard logging or Loguru, carries its trace id.
"""

import logging
import os

import httpx
from fastapi import FastAPI, Request
from loguru import logger as loguru_logger
from opentelemetry import baggage, trace

from logsetup import configure_logging
from tasks import settle_order

configure_logging()

log = logging.getLogger("orders.api")
app = FastAPI(title="orders")
PRICING_URL = os.environ.get("PRICING_URL", "http://127.0.0.1:3001")


@app.post("/orders/{order_id}")
def place_order(order_id: str) -> dict:
    # The key is a secret on purpose: the collector masks it (in the message and the attribute).
    api_key = os.environ.get("EXCHANGE_API_KEY", "")
    log.info(
        "order %s received, calling the exchange with api_key=%s",
        order_id,
        api_key,
        extra={"order.id": order_id, "api_key": api_key},
    )
    result = settle_order.delay(order_id)
    loguru_logger.bind(**{"order.id": order_id, "task.id": result.id}).info("settlement queued")
    return {"order_id": order_id, "task_id": result.id}


@app.get("/quotes/{symbol}")
def quote(symbol: str, request: Request) -> dict:
    """Asks the pricing service (a Node service) for a quote, and says what trace context this
    service received and passed on (the cross-language propagation test reads it)."""
    answer = httpx.get(f"{PRICING_URL}/quotes/{symbol}", timeout=10).json()
    return {"received": _trace_headers(request), "context": _current_context(), "pricing": answer}


@app.get("/fail")
def fail() -> dict:
    """A fault on purpose: an unhandled error, answered with 500."""
    raise RuntimeError("the order book is unavailable")


def _trace_headers(request: Request) -> dict:
    return {
        name: request.headers[name]
        for name in ("traceparent", "tracestate", "baggage")
        if name in request.headers
    }


def _current_context() -> dict:
    span = trace.get_current_span().get_span_context()
    return {
        "trace_id": format(span.trace_id, "032x"),
        "span_id": format(span.span_id, "016x"),
        "trace_flags": format(span.trace_flags, "02x"),
        "tracestate": span.trace_state.to_header(),
        "baggage": dict(baggage.get_all()),
    }
