from django.urls import path

from . import views

app_name = "privacy"

urlpatterns = [
    path("staff/<str:ref>/", views.staff_page, name="staff"),
    path("views/", views.view_log, name="views"),
    path("mine/", views.mine, name="mine"),
    path("mine/everything.<str:fmt>", views.download, name="download"),
]
