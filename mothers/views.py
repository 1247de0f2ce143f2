"""A caring mother's own pages (role ``mother``): her children now, a contact, her reminders.

Outside the admin, which refuses her (her account is no staff account). Every row comes from
``for_user``, which gives her account only the children she is paired with now
(``regions.scoping.ScopedQuerySet.for_mother``): another child's number in the address, or her
own child's after the pairing ended, answers 404. She never sees an ID number; her child's
guardian's phone is shown in full on that child's contact page only (she calls the family),
and opening it is logged as a record view, as for staff.

Her contacts are visits marked ``Visit.Source.MOTHER`` ("爱心妈妈本人记录"); how they count in
the figures is in docs/mothers.md.
"""

import functools

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from activities.models import Visit
from activities.services import DuplicateVisit, visit_record_by_mother
from children.models import Child
from core.signals import child_record_viewed
from regions.scoping import user_mother

from .forms import ContactForm, MotherLoginForm
from .reminders import mother_reminders

LOGIN_URL = reverse_lazy("mothers:login")
#: Her latest records shown on her page.
RECENT = 10


def mother_page(view):
    """Signed in (at the mothers' sign-in) as a mother who may see something now; else 403."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), LOGIN_URL)
        mother = user_mother(request.user)
        if mother is None:
            raise PermissionDenied
        request.mother = mother
        return never_cache(view)(request, *args, **kwargs)

    return wrapped


@mother_page
def index(request):
    user = request.user
    today = timezone.localdate()
    children = list(Child.objects.for_user(user).with_visit_schedule(today=today).select_related("region"))
    children.sort(key=lambda c: (-(c.days_overdue or 0), c.name, c.pk))
    recent = Visit.objects.for_user(user).select_related("child", "mode").order_by("-visited_on", "-id")[:RECENT]
    return render(
        request,
        "mothers/index.html",
        {
            "mother": request.mother,
            "children": children,
            "reminders": mother_reminders(user, today=today),
            "recent": recent,
            "mother_source": Visit.Source.MOTHER,
        },
    )


@mother_page
def contact(request, pk):
    user = request.user
    child = get_object_or_404(Child.objects.for_user(user).select_related("region"), pk=pk)
    if request.method == "POST":
        form = ContactForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                visit_record_by_mother(
                    mother=request.mother,
                    child=child,
                    visited_on=data["visited_on"],
                    mode=data["method"],
                    findings=data["findings"].strip(),
                    by=user,
                )
            except DuplicateVisit:
                form.add_error(None, _("This contact is already recorded."))
            except ValidationError as error:  # e.g. the month is closed
                form.add_error(None, error)
            else:
                messages.success(request, _("The contact has been saved."))
                return redirect("mothers:index")
    else:
        form = ContactForm(initial={"visited_on": timezone.localdate()})
        # Her child's guardian and full phone are on this page: a look at the child's record.
        child_record_viewed.send(sender=contact, user=user, child=child)
    return render(request, "mothers/contact.html", {"form": form, "child": child})


class MotherLoginView(auth_views.LoginView):
    authentication_form = MotherLoginForm
    template_name = "mothers/login.html"
    redirect_authenticated_user = False

    def get_default_redirect_url(self):
        return reverse("mothers:index")


class MotherLogoutView(auth_views.LogoutView):
    next_page = LOGIN_URL


class MotherPasswordChangeView(auth_views.PasswordChangeView):
    """Her first sign-in ends here (``regions.middleware.MustChangePasswordMiddleware``)."""

    template_name = "mothers/password.html"
    success_url = reverse_lazy("mothers:index")

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), LOGIN_URL)
        if user_mother(request.user) is None:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        response = super().form_valid(form)
        account = self.request.user.mother_account
        account.must_change_password = False
        account.save(update_fields=["must_change_password"])
        messages.success(self.request, _("Your password has been changed."))
        return response
