from django.urls import path

from hafennetz.admission import views

urlpatterns = [
    path("aufnahme/zusagen/", views.overview, name="pledge-overview"),
    path("aufnahme/zusagen/<str:ags>/", views.member_pledges, name="pledges-of-member"),
    path("aufnahme/zusagen/<str:ags>/neu/", views.pledge_create, name="pledge-create"),
    path("aufnahme/zusage/<int:pk>/", views.pledge_edit, name="pledge-edit"),
    path("aufnahme/zusage/<int:pk>/status/", views.pledge_status, name="pledge-status"),
]
