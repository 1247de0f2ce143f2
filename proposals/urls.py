from django.urls import path

from . import views

app_name = "proposals"

urlpatterns = [
    path("proposals/", views.mine, name="mine"),
    path("proposals/new/<str:kind>/", views.propose, name="propose"),
    path("proposals/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
]
