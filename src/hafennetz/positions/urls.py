from django.urls import path

from hafennetz.positions import views

urlpatterns = [
    path("positionen/", views.position_list, name="position-list"),
    path("positionen/neu/", views.position_create, name="position-create"),
    path("positionen/<int:pk>/", views.position_detail, name="position-detail"),
    path("positionen/<int:pk>/bearbeiten/", views.position_edit, name="position-edit"),
    path("positionen/<int:pk>/vergleich/", views.position_diff, name="position-diff"),
    path("positionen/<int:pk>/phase/", views.position_phase, name="position-phase"),
    path("positionen/<int:pk>/kommentieren/", views.comment_create, name="comment-create"),
    path("positionen/<int:pk>/unterstuetzen/", views.endorsement_create, name="endorsement-create"),
    path("positionen/<int:pk>/unterzeichnende.pdf", views.position_pdf, name="position-pdf"),
    path("positionen/kommentare/<int:pk>/antwort/", views.comment_answer, name="comment-answer"),
    path("positionen/unterstuetzungen/<int:pk>/", views.endorsement_edit, name="endorsement-edit"),
    path(
        "positionen/unterstuetzungen/<int:pk>/zurueckziehen/",
        views.endorsement_withdraw,
        name="endorsement-withdraw",
    ),
    path("forderungen/", views.demand_list, name="demand-list"),
    path("forderungen/neu/", views.demand_edit, name="demand-create"),
    path("forderungen/<int:pk>/bearbeiten/", views.demand_edit, name="demand-edit"),
    path("forderungen/<int:pk>/eintrag/", views.demand_entry_create, name="demand-entry-create"),
]
