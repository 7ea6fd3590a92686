from django.urls import path

from hafennetz.admission import results_views, views

urlpatterns = [
    path("aufnahme/zusagen/", views.overview, name="pledge-overview"),
    path("aufnahme/zusagen/<str:ags>/", views.member_pledges, name="pledges-of-member"),
    path("aufnahme/zusagen/<str:ags>/neu/", views.pledge_create, name="pledge-create"),
    path("aufnahme/zusage/<int:pk>/", views.pledge_edit, name="pledge-edit"),
    path("aufnahme/zusage/<int:pk>/status/", views.pledge_status, name="pledge-status"),
    path("aufnahme/kontingente/", views.contingent_list, name="contingent-list"),
    path("aufnahme/kontingente/neu/", views.contingent_edit, name="contingent-create"),
    path("aufnahme/kontingente/<int:pk>/", views.contingent_detail, name="contingent-detail"),
    path(
        "aufnahme/kontingente/<int:pk>/bearbeiten/",
        views.contingent_edit,
        name="contingent-edit",
    ),
    path("aufnahme/schluessel/neu/", views.key_table_create, name="key-table-create"),
    path("aufnahme/kontingente/<int:pk>/haushalte/", views.household_list, name="household-list"),
    path(
        "aufnahme/kontingente/<int:contingent_pk>/haushalte/neu/",
        views.household_edit,
        name="household-create",
    ),
    path("aufnahme/haushalt/<int:pk>/", views.household_edit, name="household-edit"),
    path(
        "aufnahme/kontingente/<int:pk>/haushalte/import/",
        views.household_import,
        name="household-import",
    ),
    path(
        "aufnahme/kontingente/<int:pk>/haushalte/import/bestaetigen/",
        views.household_import_confirm,
        name="household-import-confirm",
    ),
    path("aufnahme/haushalt/<int:pk>/eingriff/", views.override_create, name="override-create"),
    path("aufnahme/kontingente/<int:pk>/eingriffe/", views.override_list, name="override-list"),
    path(
        "aufnahme/eingriff/<int:pk>/zuruecknehmen/",
        views.override_withdraw,
        name="override-withdraw",
    ),
    path("aufnahme/verteilung/<int:pk>/wiederholen/", views.run_rerun, name="run-rerun"),
    path("aufnahme/haushalt/<int:pk>/loeschen/", views.household_delete, name="household-delete"),
    path("aufnahme/kontingente/<int:pk>/verteilung/", views.run_start, name="run-start"),
    path("aufnahme/verteilung/<int:pk>/", views.run_detail, name="run-detail"),
    path("aufnahme/verteilung/<int:pk>/fortschritt/", views.run_progress, name="run-progress"),
    path("aufnahme/verteilung/<int:pk>/abbrechen/", views.run_cancel, name="run-cancel"),
    path("aufnahme/verteilung/<int:pk>/freigeben/", views.run_approve, name="run-approve"),
    path("aufnahme/zuweisungen/<str:ags>/", views.member_placements, name="placements-of-member"),
    path(
        "aufnahme/zuweisung/<int:pk>/bestaetigen/",
        views.placement_confirm,
        name="placement-confirm",
    ),
    path("aufnahme/zuweisung/<int:pk>/problem/", views.placement_problem, name="placement-problem"),
    path("aufnahme/transparenz/", views.transparency_list, name="transparency-list"),
    path("aufnahme/transparenz/<int:pk>/", views.transparency, name="transparency"),
    # Results side by side, decision report, extracts, state aggregates (results_views).
    path("aufnahme/verteilung/<int:pk>/ergebnis/", results_views.run_results, name="run-results"),
    path(
        "aufnahme/kontingente/<int:pk>/bericht/",
        results_views.contingent_report,
        name="contingent-report",
    ),
    path(
        "aufnahme/verteilung/<int:pk>/auszug/<str:ags>/",
        results_views.run_extract,
        name="run-extract",
    ),
    path(
        "aufnahme/verteilung/<int:pk>/auszug/<str:ags>/pdf/",
        results_views.run_extract_pdf,
        name="run-extract-pdf",
    ),
    path("aufnahme/laender/", results_views.my_state_results, name="state-results-mine"),
    path("aufnahme/laender/<str:state>/", results_views.state_results, name="state-results"),
]
