"""Whether a route lets a caller (RequestRouter.CanAccessRoute) and, when it does not, the server's words
(RequestRouter.UnlikelyFailAuthorizationAsync): a message per status, the browser-cache hint for callers
that are not a client API, and the suffix naming the access the route requires."""

from __future__ import annotations

from datetime import datetime

from ravensec.core.models import DatabaseAccess
from ravensec.mock.routes import Requirement, RouteMatch

from .identity import AuthStatus, Identity


def _date(value: datetime | None) -> str:
    # .NET's "D" long date pattern: "Monday, 01 January 2024".
    return value.strftime("%A, %d %B %Y") if value else ""


# RequestRouter.BrowserCertificateMessage (Environment.NewLine is "\n" on the cloud's Linux nodes).
BROWSER_CACHE = (
    "\nYour certificate store may be cached by the browser. Create a new private browsing tab, which will not "
    "cache any certificates. (Ctrl+Shift+N in Chrome, Ctrl+Shift+P in Firefox)"
)

_SUFFIX = {
    Requirement.CLUSTER_ADMIN: " ClusterAdmin access is required but not given to this certificate.",
    Requirement.OPERATOR: " Operator/ClusterAdmin access is required but not given to this certificate.",
    Requirement.DATABASE_ADMIN: " DatabaseAdmin access is required but not given to this certificate.",
}


# The one unauthenticated route the server still refuses to a caller without a usable certificate: the Studio's
# main page (its other files stay public).
STUDIO_MAIN_PAGE = "/studio/index.html"
_CANNOT_OPEN_STUDIO = frozenset(
    {
        AuthStatus.NO_CERTIFICATE,
        AuthStatus.EXPIRED,
        AuthStatus.NOT_YET_VALID,
        AuthStatus.UNFAMILIAR_CERTIFICATE,
        AuthStatus.UNFAMILIAR_ISSUER,
        AuthStatus.DISABLED,
    }
)


def can_access(identity: Identity, rm: RouteMatch) -> bool:
    """RequestRouter.CanAccessRoute."""
    req = rm.route.requirement
    st = identity.status
    if req == Requirement.UNAUTHENTICATED:
        return not (rm.route.path == STUDIO_MAIN_PAGE and st in _CANNOT_OPEN_STUDIO)
    if st == AuthStatus.CLUSTER_ADMIN:
        return True
    if st == AuthStatus.OPERATOR:
        return req != Requirement.CLUSTER_ADMIN
    if st in (AuthStatus.UNFAMILIAR_CERTIFICATE, AuthStatus.UNFAMILIAR_ISSUER):
        # CanAccessRoute: RestrictedAccess endpoints authorize an unfamiliar certificate themselves.
        return req == Requirement.RESTRICTED
    if st != AuthStatus.ALLOWED:
        return False  # no certificate, expired, not yet valid, disabled
    if req in (Requirement.OPERATOR, Requirement.CLUSTER_ADMIN):
        return False
    if rm.database is None:
        return True  # ValidUser and RestrictedAccess server routes: the handler filters by database
    access = identity.access(rm.database)
    if access is None:
        return False
    if req == Requirement.DATABASE_ADMIN:
        return access == DatabaseAccess.ADMIN
    return not (rm.route.is_write and access == DatabaseAccess.READ)


def refusal_message(identity: Identity, rm: RouteMatch, *, from_client_api: bool) -> str:
    """RequestRouter.UnlikelyFailAuthorizationAsync's message. ``from_client_api``: the request carries
    ``Raven-Client-Version`` (HttpRequestExtensions.IsFromClientApi); others get the browser-cache hint."""
    st = identity.status
    browser = "" if from_client_api else BROWSER_CACHE
    target = rm.database if rm.database is not None else "the server"
    q = identity.quoted
    if st == AuthStatus.NO_CERTIFICATE:
        message = (
            "This server requires client certificate for authentication, but none was provided by the client. "
            "Did you forget to install the certificate?" + browser
        )
    elif st == AuthStatus.UNFAMILIAR_CERTIFICATE:
        message = (
            f"The supplied client certificate {q} is unknown to the server. "
            "In order to register your certificate please contact your system administrator." + browser
        )
    elif st == AuthStatus.UNFAMILIAR_ISSUER:
        # The trailing space is the server's.
        message = (
            f"The supplied client certificate {q} is unknown to the server but has a known Public Key Pinning "
            "Hash. Will not use it to authenticate because the issuer is unknown. "
        )
    elif st == AuthStatus.ALLOWED:
        message = f"Could not authorize access to {target} using provided client certificate {q}."
    elif st == AuthStatus.OPERATOR:
        message = f"Insufficient security clearance to access {target} using provided client certificate {q}."
    elif st == AuthStatus.EXPIRED:
        message = (
            f"The supplied client certificate {q} has expired on {_date(identity.not_after)}. "
            "Please contact your system administrator in order to obtain a new one."
        )
    elif st == AuthStatus.NOT_YET_VALID:
        message = f"The supplied client certificate {q} cannot be used before {_date(identity.not_before)}"
    elif st == AuthStatus.DISABLED:
        message = (
            f"The supplied client certificate {q} is disabled. "
            "Please contact your system administrator in order to enable it."
        )
    else:
        message = "Access to the server was denied."
    # The suffix follows every refusal, whatever the status (UnlikelyFailAuthorizationAsync's last switch).
    return message + _SUFFIX.get(rm.route.requirement, "")


def refusal(identity: Identity, rm: RouteMatch, *, from_client_api: bool = True) -> str | None:
    """None when ``identity`` may call the matched route, else the 403 ``InvalidAuth`` message."""
    if can_access(identity, rm):
        return None
    return refusal_message(identity, rm, from_client_api=from_client_api)
