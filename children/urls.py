from django.urls import path

from . import views

app_name = "children"

urlpatterns = [
    path("children/<int:pk>/profile/", views.child_profile, name="profile"),
]
