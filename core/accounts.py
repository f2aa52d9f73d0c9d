from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    """People are provisioned by their organisation (admin, API, SCIM), so
    nobody signs up on their own."""

    def is_open_for_signup(self, request) -> bool:
        return False
