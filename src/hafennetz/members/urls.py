from django.urls import path

from hafennetz.members import views

urlpatterns = [
    path("mitglieder/", views.directory, name="member-directory"),
    path("mitglieder/<str:ags>/", views.detail, name="member-detail"),
    path("mitglieder/<str:ags>/bearbeiten/", views.edit, name="member-edit"),
    path("mitglieder/<str:ags>/kontakte/neu/", views.contact_edit, name="contact-create"),
    path("mitglieder/<str:ags>/kontakte/<int:pk>/", views.contact_edit, name="contact-edit"),
    path(
        "mitglieder/<str:ags>/kontakte/<int:pk>/loeschen/",
        views.contact_delete,
        name="contact-delete",
    ),
    path("mitglieder/<str:ags>/unterzeichnung/", views.signature_create, name="signature-create"),
    path(
        "mitglieder/<str:ags>/unterzeichnung/<int:pk>/",
        views.signature_edit,
        name="signature-edit",
    ),
    path(
        "mitglieder/<str:ags>/unterzeichnung/<int:pk>/loeschen/",
        views.signature_delete,
        name="signature-delete",
    ),
    path("mitglieder/<str:ags>/austritt/", views.leave, name="member-leave"),
    path("mitglieder/<str:ags>/wiedereintritt/", views.rejoin, name="member-rejoin"),
    path("mein-mitglied/", views.my_member, name="my-member"),
    path("verwaltung/mitglieder/neu/", views.create, name="member-create"),
    path("verwaltung/gebiete/", views.territory_search, name="territory-search"),
    path("verwaltung/koordination/", views.coordination, name="coordination"),
    path("verwaltung/einladungen/", views.invitations, name="invitations"),
    path("verwaltung/import/", views.import_upload, name="members-import"),
    path("verwaltung/import/bestaetigen/", views.import_confirm, name="members-import-confirm"),
    path("verwaltung/export.<str:fmt>", views.export, name="members-export"),
    path("einladung/<str:token>/", views.invitation_accept, name="invitation-accept"),
]
