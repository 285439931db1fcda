from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("settings/", views.settings_view, name="settings"),
    path("settings/download/", views.download_data, name="download_data"),
    path("settings/delete/", views.delete_account, name="delete"),
    path("deleted/", views.account_deleted, name="deleted"),
    path("staff-mfa-required/", views.staff_mfa_required, name="staff_mfa_required"),
    path("<int:pk>/", views.ProfileView.as_view(), name="profile"),
]
