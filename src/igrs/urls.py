from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from django.views.static import serve

from igrs.api.api import api
from igrs.core.env import env_bool
from igrs.faces.second_factor import second_factor
from igrs.faces.views import staff_home

urlpatterns = [
    path("", include("igrs.ops.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    # Sign-in, sign-out and a signed-in person's own password change; no password reset by
    # e-mail (accounts are made by admins, who set a new password when one is forgotten).
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/second-factor/", second_factor, name="second_factor"),
    path(
        "accounts/password/",
        auth_views.PasswordChangeView.as_view(template_name="registration/password_change.html"),
        name="password_change",
    ),
    path(
        "accounts/password/changed/",
        auth_views.PasswordChangeDoneView.as_view(
            template_name="registration/password_changed.html"
        ),
        name="password_change_done",
    ),
    path("callcentre/", include("igrs.callcentre.urls")),
    path("staff/", staff_home, name="staff_home"),
    path("open311/v2/", include("igrs.open311.urls")),
    path("monitoring/", include("igrs.monitoring.urls")),
    path("sms/ops/", include("igrs.monitoring.sms_urls")),
    path("suggestions/", include("igrs.intelligence.urls")),
    path("sms/", include("igrs.notifications.urls")),
    path("", include("igrs.officers.urls")),
    path("personal-data/", include("igrs.privacy.urls")),
    path("", include("igrs.portal.urls")),
]

# A demo or intranet install without a front web server serves its own static files.
if env_bool("IGRS_SERVE_STATIC", False):
    urlpatterns += [
        re_path(r"^static/(?P<path>.*)$", serve, {"document_root": settings.STATIC_ROOT}),
    ]
