from django.urls import path

from igrs.faces import pickers

from . import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("privacy/", views.privacy, name="privacy"),
    path("verify/", views.verify_mobile, name="verify_mobile"),
    path("verify/code/", views.verify_code, name="verify_code"),
    path("sign-out/", views.sign_out, name="sign_out"),
    path("file/", views.file_complaint, name="file"),
    path("file/places/", pickers.places, name="places"),
    path("filed/<str:ref>/", views.filed, name="filed"),
    path("track/", views.track, name="track"),
    path("mine/", views.mine, name="mine"),
    path("track/<str:ref>/", views.complaint, name="complaint"),
    path("track/<str:ref>/feedback/", views.feedback, name="feedback"),
    path("track/<str:ref>/remind/", views.remind, name="remind"),
    path("track/<str:ref>/files/<int:attachment_id>/", views.attachment, name="attachment"),
]
