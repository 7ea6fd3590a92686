"""How the audit log shows logins, account security and refused requests (see
core.audit_types)."""

from django.utils.translation import gettext_lazy as _

from hafennetz.core.audit_types import register

register("user.login", _("%(actor)s logged in"))
register("user.logout", _("%(actor)s logged out"))
register("user.login_failed", _("Failed login as %(actor)s"))
register("user.locked_out", _("%(actor)s was locked out after repeated failed logins"))
register("user.session_expired", _("The session of %(actor)s expired"))
register("user.password_change", _("%(actor)s changed their password"))
register("user.password_reset_requested", _("A password reset was requested for %(actor)s"))
register("user.password_reset", _("%(actor)s set a new password with a reset link"))
register("user.two_factor_enabled", _("%(actor)s set up two-factor authentication"))
register("user.two_factor_verified", _("%(actor)s confirmed the login with the second factor"))
register("user.two_factor_failed", _("%(actor)s entered a wrong second-factor code"))
register("user.recovery_code_used", _("%(actor)s logged in with a recovery code"))
register("user.recovery_codes_renewed", _("%(actor)s renewed their recovery codes"))
register("user.two_factor_disabled", _("%(actor)s switched off two-factor authentication"))
register("request.refused", _("%(actor)s was refused: %(object)s"))
