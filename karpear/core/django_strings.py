"""Messages of Django and DRF that users see, listed here so our Khmer catalogue translates them.

Django's own Khmer catalogue is mostly empty (DOMAIN §6), and our LOCALE_PATHS catalogue takes precedence,
so each message below, extracted by makemessages, is shown in Khmer. Nothing here runs.
"""

from django.utils.translation import gettext_noop, ngettext


def _extract_only(n: int) -> None:  # pragma: no cover - never called; read by makemessages
    # Django forms and validators
    gettext_noop("This field is required.")
    gettext_noop("Enter a whole number.")
    gettext_noop("Enter a valid date.")
    gettext_noop("Enter a valid value.")
    gettext_noop("Select a valid choice. %(value)s is not one of the available choices.")
    gettext_noop("Select a valid choice. That choice is not one of the available choices.")
    gettext_noop("Ensure this value is greater than or equal to %(limit_value)s.")
    gettext_noop("Ensure this value is less than or equal to %(limit_value)s.")
    ngettext(
        "Ensure this value has at most %(limit_value)d character (it has %(show_value)d).",
        "Ensure this value has at most %(limit_value)d characters (it has %(show_value)d).",
        n,
    )
    gettext_noop("Null characters are not allowed.")
    gettext_noop("Username")
    gettext_noop("Password")
    # Changing one's password (django.contrib.auth forms and password validators)
    gettext_noop("Old password")
    gettext_noop("New password")
    gettext_noop("New password confirmation")
    gettext_noop("Enter the same password as before, for verification.")
    gettext_noop("Your old password was entered incorrectly. Please enter it again.")
    gettext_noop("The two password fields didn’t match.")
    gettext_noop("This password is too common.")
    gettext_noop("Your password can’t be a commonly used password.")
    gettext_noop("This password is entirely numeric.")
    gettext_noop("Your password can’t be entirely numeric.")
    gettext_noop("The password is too similar to the %(verbose_name)s.")
    gettext_noop("Your password can’t be too similar to your other personal information.")
    ngettext(
        "This password is too short. It must contain at least %d character.",
        "This password is too short. It must contain at least %d characters.",
        n,
    )
    ngettext(
        "Your password must contain at least %(min_length)d character.",
        "Your password must contain at least %(min_length)d characters.",
        n,
    )
    # Django REST framework
    gettext_noop("A valid integer is required.")
    gettext_noop("Not a valid string.")
    gettext_noop("This field may not be blank.")
    gettext_noop("This field may not be null.")
    gettext_noop("Must be a valid UUID.")
    gettext_noop("Ensure this field has no more than {max_length} characters.")
    gettext_noop("Ensure this value is greater than or equal to {min_value}.")
    gettext_noop("Ensure this value is less than or equal to {max_value}.")
    gettext_noop('"{input}" is not a valid choice.')
    gettext_noop("Date has wrong format. Use one of these formats instead: {format}.")
    gettext_noop("Authentication credentials were not provided.")
    gettext_noop("Invalid token.")
    gettext_noop("You do not have permission to perform this action.")
    gettext_noop("Invalid page.")
    gettext_noop('Method "{method}" not allowed.')
    gettext_noop("JSON parse error - {detail}")
    gettext_noop("Request was throttled.")
