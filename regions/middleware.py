import time

from django.contrib.auth import SESSION_KEY
from django.shortcuts import redirect
from django.urls import reverse


class MustChangePasswordMiddleware:
    """An account created with a one-time password must set its own before anything else: a
    staff account at the admin's password page, a caring mother's at hers (mothers.views)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        profile = self._pending_profile(request)
        if profile is None:
            return self.get_response(request)
        if getattr(profile, "volunteer_id", None) is not None:  # volunteers.MotherAccount
            # Her password view clears the flag itself (MotherPasswordChangeView.form_valid).
            change_url = reverse("mothers:password_change")
            if request.path not in {change_url, reverse("mothers:logout")}:
                return redirect(change_url)
            return self.get_response(request)
        change_url = reverse("admin:password_change")
        allowed = {change_url, reverse("admin:password_change_done"), reverse("admin:logout"), reverse("admin:jsi18n")}
        if request.path not in allowed:
            return redirect(change_url)
        response = self.get_response(request)
        # Django's password change view redirects only after a valid form has saved the password.
        if request.path == change_url and request.method == "POST" and response.status_code == 302:
            profile.must_change_password = False
            profile.save(update_fields=["must_change_password"])
        return response

    @staticmethod
    def _pending_profile(request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        profile = getattr(user, "staff_profile", None) or getattr(user, "mother_account", None)
        return profile if profile is not None and profile.must_change_password else None


class SessionRenewalMiddleware:
    """Keep sessions idle-timed without writing the session row on every request.

    ``SESSION_SAVE_EVERY_REQUEST`` costs an UPDATE (and a transaction) per page. Instead a signed-in
    session is marked as modified when its last renewal is older than ``RENEW_AFTER`` seconds, and
    Django's session middleware then saves it with a fresh expiry: the idle timeout holds to within
    a minute. Sits after the session middleware, so its response phase runs first.
    """

    RENEW_AFTER = 60
    KEY = "_renewed_at"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        # A cookie at all, then (loading it) a signed-in session: a stale cookie loads as empty.
        if session is not None and session.session_key and SESSION_KEY in session:
            now = int(time.time())
            if now - session.get(self.KEY, 0) >= self.RENEW_AFTER:
                session[self.KEY] = now
        return response
