from django.contrib import admin
from django.urls import path

from .views import month_action

app_name = "closing"

urlpatterns = [
    path("admin/closing/month/<slug:action>/", admin.site.admin_view(month_action), name="month_action"),
]
