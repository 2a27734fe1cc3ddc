from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("dlr/<int:message_id>/<str:signature>/", views.delivery_report, name="dlr"),
    path("ops/", views.operations, name="ops"),
    path("ops/release/", views.release, name="release"),
    path("ops/send-again/<int:message_id>/", views.send_again, name="send_again"),
]
