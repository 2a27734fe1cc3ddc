from django.urls import path

from . import views

app_name = "callcentre"

urlpatterns = [
    path("", views.inbound, name="inbound"),
    path("live/", views.live, name="live"),
    path("complaints/<str:ref>/", views.complaint, name="complaint"),
    path("complaints/<str:ref>/note/", views.add_note, name="note"),
    path("complaints/<str:ref>/remind/", views.remind, name="remind"),
    path("complaints/<str:ref>/files/<int:attachment_id>/", views.attachment, name="attachment"),
    path("outbound/", views.outbound, name="outbound"),
    path("outbound/next/", views.next_call, name="next_call"),
    path("outbound/<str:ref>/outcome/", views.verification_outcome, name="outcome"),
    path("supervisor/", views.supervisor, name="supervisor"),
    path("audit/", views.audit, name="audit"),
    path("audit/next/", views.next_audit, name="next_audit"),
    path("audit/<int:audit_id>/outcome/", views.audit_outcome, name="audit_outcome"),
]
