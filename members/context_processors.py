from members import permissions


def roles(request):
    """Role flags for navigation; evaluated lazily so pages that do not show them pay nothing."""
    user = request.user
    return {
        "is_committee": lambda: permissions.is_committee(user),
        "is_teacher": lambda: permissions.is_teacher(user),
        "can_import_members": lambda: permissions.can_import_members(user),
    }
