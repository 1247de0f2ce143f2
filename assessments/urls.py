from django.urls import path

from . import views

app_name = "assessments"

urlpatterns = [
    path("children/<int:pk>/assess/", views.assessment_new, name="new"),
]
