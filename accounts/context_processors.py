from accounts.rules import can


def staff(request) -> dict:
    """Whether to offer the staff area; asked of accounts.rules, and only when a
    template needs it."""
    return {"can_view_staff_area": lambda: can(request.user, "view_staff_area")}
