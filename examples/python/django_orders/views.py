"""The Django example's view: it queues a report on Celery and answers at once."""

import logging

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from logsetup import route_loguru
from tasks import build_report

route_loguru()
log = logging.getLogger("reports.views")


@csrf_exempt
@require_POST
def request_report(request: HttpRequest, report_id: str) -> JsonResponse:
    result = build_report.delay(report_id)
    log.info("report %s queued", report_id, extra={"report.id": report_id, "task.id": result.id})
    return JsonResponse({"report_id": report_id, "task_id": result.id}, status=202)
