from django.urls import path

from django_orders import views

urlpatterns = [path("reports/<str:report_id>", views.request_report)]
