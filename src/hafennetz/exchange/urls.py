from django.urls import path

from hafennetz.exchange import views

urlpatterns = [
    path("austausch/", views.hub, name="exchange-hub"),
    path("austausch/praxis/", views.practice_list, name="practice-list"),
    path("austausch/praxis/neu/", views.practice_create, name="practice-create"),
    path("austausch/praxis/<int:pk>/", views.practice_detail, name="practice-detail"),
    path("austausch/praxis/<int:pk>/bearbeiten/", views.practice_edit, name="practice-edit"),
    path("austausch/praxis/<int:pk>/status/", views.practice_status, name="practice-status"),
    path("austausch/praxis/<int:pk>/anhang/", views.attachment_upload, name="practice-attach"),
    path("austausch/praxis/<int:pk>/hilfreich/", views.practice_helpful, name="practice-helpful"),
    path("austausch/praxis/<int:pk>/kommentar/", views.practice_comment, name="practice-comment"),
    path("austausch/anhang/<int:pk>/", views.attachment_download, name="attachment-download"),
    path("austausch/anhang/<int:pk>/entfernen/", views.attachment_delete, name="attachment-delete"),
    path("austausch/voneinander-lernen/", views.learning, name="exchange-learning"),
    path("austausch/ansprechbar/", views.opt_ins, name="exchange-opt-ins"),
    path("austausch/anfragen/", views.request_list, name="contact-request-list"),
    path("austausch/anfragen/neu/<str:ags>/", views.request_create, name="contact-request-create"),
    path("austausch/anfragen/<int:pk>/", views.request_detail, name="contact-request-detail"),
    path("austausch/uebersicht/", views.overview, name="exchange-overview"),
    path(
        "austausch/uebersicht/treffen/<int:pk>/teilnehmende.csv",
        views.overview_participants,
        name="exchange-participants",
    ),
    path(
        "austausch/uebersicht/teilnehmende/",
        views.participants_redirect,
        name="exchange-participants-choose",
    ),
    path("austausch/uebersicht/kleingruppen/", views.overview_seed, name="exchange-seed"),
    path(
        "austausch/verweise/<str:kind>/<int:pk>/",
        views.reference_add,
        name="exchange-reference-add",
    ),
    path(
        "austausch/verweise/<int:pk>/entfernen/",
        views.reference_remove,
        name="exchange-reference-remove",
    ),
    path("austausch/benachrichtigungen/", views.digest_settings, name="digest-settings"),
    path("austausch/abbestellen/<str:token>/", views.digest_unsubscribe, name="digest-unsubscribe"),
]
