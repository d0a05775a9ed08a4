from django import template

from campaign.forms import LaunchSignupForm

register = template.Library()


@register.simple_tag
def new_launch_signup_form() -> LaunchSignupForm:
    """An empty sign-up form, for pages that include the partial without one
    (templates/campaign/_launch_signup.html)."""
    return LaunchSignupForm()
