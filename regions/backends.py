from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class StaffModelBackend(ModelBackend):
    """Django's model backend, loading the staff profile and its region (or a caring mother's
    account and her volunteer record) with the user.

    Every request needs both (region scoping, the must-change-password check): one joined query
    instead of three.
    """

    def get_user(self, user_id):
        user_model = get_user_model()
        try:
            user = user_model._default_manager.select_related("staff_profile__region", "mother_account__volunteer").get(
                pk=user_id
            )
        except user_model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
