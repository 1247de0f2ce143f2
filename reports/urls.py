from django.urls import path

from . import job_views as views

app_name = "reports"

urlpatterns = [
    path("jobs/<int:pk>/status/", views.job_status_view, name="job_status"),
    path("jobs/<int:pk>/file/", views.job_file, name="job_file"),
]
