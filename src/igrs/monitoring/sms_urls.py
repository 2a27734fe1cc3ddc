from django.urls import path

from . import sms_views

app_name = "sms"

urlpatterns = [
    path("", sms_views.operations, name="ops"),
    path("release/", sms_views.release, name="release"),
    path("send-again/<int:message_id>/", sms_views.send_again, name="send_again"),
]
