from django.urls import path

from . import views

app_name = "activities"

urlpatterns = [
    path("visits/new/", views.visit_entry, name="visit_entry"),
    path("visits/children/", views.child_search, name="child_search"),
    path("visits/mothers/", views.mother_search, name="mother_search"),
    path("visits/<int:pk>/saved/", views.visit_saved, name="visit_saved"),
    path("visits/photos/<int:pk>/", views.visit_photo, name="visit_photo"),
]
