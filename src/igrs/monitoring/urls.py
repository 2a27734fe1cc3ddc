from django.urls import path

from . import desk_views, views

app_name = "monitoring"

urlpatterns = [
    path("", views.home, name="home"),
    path("unit/<int:unit_id>/", views.unit, name="unit"),
    path("defaulters/", views.defaulter_list, name="defaulters"),
    path("quality/", views.quality, name="quality"),
    path("clusters/", views.clusters, name="clusters"),
    path("ranking/", views.ranking, name="ranking"),
    path("report/<int:district_id>/", views.district_report, name="report"),
    path("ranking/lost/", views.lost_marks, name="lost_marks"),
    path("post/<int:post_id>/", views.post, name="post"),
    path("complaints/<str:ref>/", views.complaint, name="complaint"),
    path("desk/", desk_views.queue, name="desk"),
    path("desk/<str:ref>/", desk_views.complaint, name="desk_complaint"),
    path("desk/<str:ref>/<str:action>/", desk_views.act, name="desk_act"),
    path("complaints/<str:ref>/files/<int:attachment_id>/", views.attachment, name="attachment"),
]
