from django.urls import path

from . import views

app_name = "officers"

urlpatterns = [
    path("o/<str:token>", views.open_link, name="link"),  # short: it goes in SMS
    path("officer/", views.inbox, name="inbox"),
    path("officer/complaints/<str:ref>/", views.complaint, name="complaint"),
    path(
        "officer/complaints/<str:ref>/files/<int:attachment_id>/",
        views.attachment,
        name="attachment",
    ),
    path("officer/complaints/<str:ref>/reveal-mobile/", views.reveal, name="reveal"),
    path("officer/complaints/<str:ref>/<str:action>/", views.act, name="act"),
]
