from django.apps import AppConfig, apps


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        # allauth's "account" app is called "Accounts" too: two blocks of the same
        # name on the admin's index. Its only model there is the sign-in addresses.
        if apps.is_installed("allauth.account"):
            apps.get_app_config("account").verbose_name = "Sign-in email addresses"
