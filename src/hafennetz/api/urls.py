from django.urls import path

from hafennetz.api import views
from hafennetz.api.v1 import api

urlpatterns = [
    path("api/v1/docs", views.docs, name="api-docs"),
    path("api/v1/", api.urls),
    path("konto/api-tokens/", views.tokens, name="api-tokens"),
    path("konto/api-tokens/<int:pk>/widerrufen/", views.token_revoke, name="api-token-revoke"),
    path("verwaltung/api-tokens/", views.all_tokens, name="api-tokens-all"),
]
