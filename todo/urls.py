from django.urls import path

from . import views

app_name = "todo"

urlpatterns = [
    path("todo/", views.index, name="index"),
]
