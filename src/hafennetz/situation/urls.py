from django.urls import path

from hafennetz.situation import views

R = "lagebild/runden/<int:number>/"

urlpatterns = [
    path("lagebild/", views.overview, name="situation-overview"),
    path("lagebild/deutschland/", views.public, name="situation-public"),
    path(R, views.dashboard, name="round-dashboard"),
    path(R + "lagebild.pdf", views.pdf, name="round-pdf"),
    path(R + "fortschritt/", views.progress, name="round-progress"),
    path(R + "erinnern/", views.remind, name="round-remind"),
    path(R + "export.<str:fmt>", views.export, name="round-export"),
    path(R + "mitglieder/<str:ags>/", views.report_detail, name="report-detail"),
    path(R + "mitglieder/<str:ags>/bearbeiten/", views.report_edit, name="report-edit"),
    path(
        R + "mitglieder/<str:ags>/neue-version/",
        views.report_new_version,
        name="report-new-version",
    ),
    path(R + "mitglieder/<str:ags>/pruefung/", views.report_review, name="report-review"),
    path(R + "mitglieder/<str:ags>/antwort/", views.report_answer, name="report-answer"),
    path(R + "pruefung/", views.review_queue, name="round-review-queue"),
    path("lagebild/verwaltung/runden/<int:number>/", views.round_edit, name="round-edit"),
    path(
        "lagebild/verwaltung/runden/<int:number>/zurueckziehen/",
        views.round_withdraw,
        name="round-withdraw",
    ),
    path("lagebild/verwaltung/", views.admin, name="situation-admin"),
    path("lagebild/verwaltung/runden/neu/", views.round_create, name="round-create"),
    path("lagebild/verwaltung/themen/neu/", views.topic_edit, name="topic-create"),
    path("lagebild/verwaltung/themen/<slug:code>/", views.topic_edit, name="topic-edit"),
    path(
        "lagebild/verwaltung/fragebogen/<int:version>/",
        views.questionnaire_detail,
        name="questionnaire-detail",
    ),
    path(
        "lagebild/verwaltung/fragebogen/<int:version>/kennzahl/",
        views.figure_create,
        name="figure-create",
    ),
    path(
        "lagebild/verwaltung/fragebogen/<int:version>/neue-version/",
        views.questionnaire_new_version,
        name="questionnaire-new-version",
    ),
]
