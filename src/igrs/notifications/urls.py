from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("dlr/<int:message_id>/<str:signature>/", views.delivery_report, name="dlr"),
]
