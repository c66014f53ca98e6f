"""The Celery app and its tasks, shared by the FastAPI and Django services (which enqueue) and the
worker (which runs them):

    opentelemetry-instrument celery -A tasks worker --loglevel "$LOG_LEVEL" --concurrency 2

The Celery instrumentation links the two sides: enqueueing makes an `apply_async/<task>` producer
span and puts its context in the message headers; the worker continues that trace in a
`run/<task>` consumer span, so everything a task logs or calls carries the request's trace id.
"""

import logging
import os

import requests
from celery import Celery
from celery.signals import after_setup_task_logger
from celery.utils.log import get_task_logger
from loguru import logger as loguru_logger
from opentelemetry.instrumentation.logging.handler import LoggingHandler

from logsetup import configure_logging

configure_logging()

app = Celery("orders", broker=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
app.conf.update(
    task_ignore_result=True,
    broker_connection_retry_on_startup=True,
    # Celery's default is to empty the root logger's handlers when the worker starts, and with
    # them the handler `opentelemetry-instrument` put there: the worker's own records ("Task …
    # succeeded in 0.02s") and the tasks' records would then never be exported. Keep the handlers
    # configure_logging() and the instrumentation set up; Celery still applies --loglevel.
    worker_hijack_root_logger=False,
)


@after_setup_task_logger.connect
def _export_task_logger(logger: logging.Logger, **_: object) -> None:
    """Celery's task logger (`get_task_logger()`) does not propagate to the root logger: give it
    the root logger's OpenTelemetry handler as well."""
    for handler in logging.getLogger().handlers:
        if isinstance(handler, LoggingHandler) and handler not in logger.handlers:
            logger.addHandler(handler)


log = logging.getLogger("orders.settlement")
task_log = get_task_logger(__name__)
LEDGER_URL = os.environ.get("LEDGER_URL", "http://127.0.0.1:3001")


@app.task(name="orders.settle")
def settle_order(order_id: str) -> dict:
    """Books a settled order with the ledger (a Node service) and reports it three ways: standard
    logging, Celery's task logger and Loguru. Fails for order ids starting with `fail-`."""
    log.info("settling order %s", order_id, extra={"order.id": order_id})
    if order_id.startswith("fail-"):
        raise RuntimeError(f"settlement refused for {order_id}")
    response = requests.post(f"{LEDGER_URL}/ledger/{order_id}", timeout=10)
    response.raise_for_status()
    task_log.info("ledger answered %s", response.status_code)
    loguru_logger.bind(**{"order.id": order_id}).info("order {} settled", order_id)
    return {"order_id": order_id, "booked": response.json().get("booked")}


@app.task(name="reports.build")
def build_report(report_id: str) -> dict:
    """The Django example's task: a report built in the background."""
    log.info("building report %s", report_id, extra={"report.id": report_id})
    loguru_logger.bind(**{"report.id": report_id}).info("report {} built", report_id)
    return {"report_id": report_id}
