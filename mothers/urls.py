from django.urls import path

from . import views

app_name = "mothers"

urlpatterns = [
    path("mother/", views.index, name="index"),
    path("mother/login/", views.MotherLoginView.as_view(), name="login"),
    path("mother/logout/", views.MotherLogoutView.as_view(), name="logout"),
    path("mother/password/", views.MotherPasswordChangeView.as_view(), name="password_change"),
    path("mother/children/<int:pk>/contact/", views.contact, name="contact"),
]
