from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import set_language

from hafennetz.web import views as web_views
from hafennetz.web.account import PasswordChangeView
from hafennetz.web.audit import audit_log

urlpatterns = [
    path("", web_views.home, name="home"),
    path("karte/laender.geojson", web_views.state_boundaries, name="state-boundaries"),
    path("verwaltung/protokoll/", audit_log, name="audit-log"),
    path("konto/anmelden/", auth_views.LoginView.as_view(), name="login"),
    path("konto/abmelden/", auth_views.LogoutView.as_view(), name="logout"),
    path("konto/passwort/", PasswordChangeView.as_view(), name="password_change"),
    path(
        "konto/passwort/geaendert/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("sprache/", set_language, name="set_language"),
    path("", include("hafennetz.members.urls")),
    path("", include("hafennetz.situation.urls")),
    path("", include("hafennetz.meetings.urls")),
]
