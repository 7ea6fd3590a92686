from django.urls import path

from hafennetz.meetings import views

urlpatterns = [
    path("treffen/", views.meeting_list, name="meeting-list"),
    path("treffen/neu/", views.meeting_create, name="meeting-create"),
    path("treffen/kalender/", views.calendar_info, name="meeting-calendar"),
    path("treffen/kalender/erneuern/", views.calendar_renew, name="meeting-calendar-renew"),
    path("treffen/kalender/widerrufen/", views.calendar_revoke, name="meeting-calendar-revoke"),
    path("kalender/<str:token>.ics", views.calendar_feed, name="meeting-calendar-feed"),
    path("treffen/<int:pk>/", views.meeting_detail, name="meeting-detail"),
    path("treffen/<int:pk>/bearbeiten/", views.meeting_edit, name="meeting-edit"),
    path("treffen/<int:pk>/termin.ics", views.meeting_ics, name="meeting-ics"),
    path("treffen/<int:pk>/tagesordnung/", views.agenda, name="meeting-agenda"),
    path(
        "treffen/<int:pk>/tagesordnung/<int:block_id>/bearbeiten/",
        views.agenda_edit,
        name="meeting-agenda-edit",
    ),
    path(
        "treffen/<int:pk>/tagesordnung/<int:block_id>/loeschen/",
        views.agenda_delete,
        name="meeting-agenda-delete",
    ),
    path("treffen/<int:pk>/anmelden/", views.register, name="meeting-register"),
    path("treffen/<int:pk>/abmelden/", views.cancel, name="meeting-cancel"),
    path("treffen/<int:pk>/anmeldungen/", views.registrations, name="meeting-registrations"),
    path(
        "treffen/<int:pk>/anmeldungen.<str:fmt>",
        views.registrations_export,
        name="meeting-registrations-export",
    ),
    path("treffen/<int:pk>/nachricht/", views.message, name="meeting-message"),
    path("treffen/<int:pk>/kleingruppen/", views.plan, name="meeting-plan"),
    path(
        "treffen/<int:pk>/kleingruppen/reparieren/", views.plan_repair, name="meeting-plan-repair"
    ),
    path("treffen/<int:pk>/kleingruppen/verschieben/", views.plan_move, name="meeting-plan-move"),
    path(
        # After the two fixed paths above, which it would otherwise shadow.
        "treffen/<int:pk>/kleingruppen/<str:kind>/",
        views.plan_export,
        name="meeting-plan-export",
    ),
    path("treffen/<int:pk>/einchecken/", views.self_checkin, name="meeting-self-checkin"),
    path("treffen/<int:pk>/anwesenheit/", views.checkin, name="meeting-checkin"),
    path("treffen/<int:pk>/protokoll/", views.minutes, name="meeting-minutes"),
    path("treffen/<int:pk>/abschliessen/", views.close, name="meeting-close"),
    path("treffen/<int:pk>/absagen/", views.meeting_call_off, name="meeting-call-off"),
    path("treffen/<int:pk>/wieder-oeffnen/", views.reopen, name="meeting-reopen"),
    path(
        "treffen/<int:pk>/aufgaben/<int:follow_up_id>/",
        views.follow_up_status,
        name="meeting-follow-up-status",
    ),
]
