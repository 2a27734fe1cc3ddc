from django.urls import path

from . import views

app_name = "intelligence"

urlpatterns = [
    path("category/", views.suggest_category, name="category"),
]
