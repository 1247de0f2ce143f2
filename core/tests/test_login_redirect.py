from django.urls import reverse


def test_it_opens_the_dashboard_after_a_login_at_the_bare_login_page(client, users):
    # unfold's login form has no "next" field, so LOGIN_REDIRECT_URL decides.
    response = client.post(reverse("admin:login"), {"username": "county_admin", "password": "Correct-horse-9"})
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")
