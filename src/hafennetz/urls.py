from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import set_language

from hafennetz.web import accessibility, account, start, twofactor
from hafennetz.web import views as web_views
from hafennetz.web.audit import audit_log

# A refused request of a logged-in user is logged in the audit log before the 403 page.
handler403 = "hafennetz.web.errors.permission_denied"

urlpatterns = [
    path("", web_views.home, name="home"),
    path("karte/laender.geojson", web_views.state_boundaries, name="state-boundaries"),
    path("verwaltung/protokoll/", audit_log, name="audit-log"),
    path("mein-ueberblick/", start.my_overview, name="my-overview"),
    path("konto/", account.account, name="account"),
    path(
        "konto/anmelden/",
        auth_views.LoginView.as_view(authentication_form=account.LoginForm),
        name="login",
    ),
    path("konto/abmelden/", auth_views.LogoutView.as_view(), name="logout"),
    path("konto/passwort/", account.PasswordChangeView.as_view(), name="password_change"),
    path(
        "konto/passwort/geaendert/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("konto/passwort-vergessen/", account.PasswordResetView.as_view(), name="password_reset"),
    path(
        "konto/passwort-vergessen/gesendet/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "konto/passwort-neu/<uidb64>/<token>/",
        account.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "konto/passwort-neu/fertig/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("konto/zwei-faktor/einrichten/", twofactor.setup, name="two-factor-setup"),
    path("konto/zwei-faktor/pruefen/", twofactor.verify, name="two-factor-verify"),
    path(
        "konto/zwei-faktor/wiederherstellungscodes/",
        twofactor.recovery_codes,
        name="two-factor-recovery",
    ),
    path("konto/zwei-faktor/ausschalten/", twofactor.disable, name="two-factor-disable"),
    path("sprache/", set_language, name="set_language"),
    path("", include("hafennetz.members.urls")),
    path("", include("hafennetz.situation.urls")),
    path("", include("hafennetz.meetings.urls")),
    path("", include("hafennetz.admission.urls")),
    path("", include("hafennetz.api.urls")),
    path("", include("hafennetz.positions.urls")),
    path("", include("hafennetz.exchange.urls")),
    path("aufnahme/meine/", web_views.my_admission, name="my-admission"),
    path("barrierefreiheit/", accessibility.statement, name="accessibility"),
]
