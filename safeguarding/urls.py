from django.urls import path

from . import views

app_name = "safeguarding"

urlpatterns = [path("consents/<int:pk>/scan/", views.consent_scan, name="consent_scan")]
