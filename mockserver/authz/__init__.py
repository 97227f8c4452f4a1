"""Who is calling (per request, from the TLS peer certificate) and whether a route lets them, with the exact
statuses and messages of RavenDB's server (RavenDB's src/Raven.Server/Routing/RequestRouter.cs and RavenServer.cs).

Sources (RavenDB 7.x): ``src/Raven.Server/RavenServer.cs`` ``AuthenticateConnectionCertificate`` (the
status), ``src/Raven.Server/Utils/CertificateUtils.cs`` ``CertHasKnownIssuer`` (renewal by pinning hash),
``src/Raven.Server/Routing/RequestRouter.cs`` ``CanAccessRoute`` and ``UnlikelyFailAuthorizationAsync``
(who may call a route, and the refusal's message).

A disabled certificate (7.2's ``Disabled``) is refused as its own status with a message of our own
([mock choice]: nothing public fixes its wording).

``identity`` holds what a caller is (:class:`Identity`, its :class:`AuthStatus`); ``authentication`` finds it
(``identify``) through the cluster's certificates indexed once per version (``index``) and the renewal rule
(``renewal``); ``access`` says whether a route lets it and, if not, the server's words.
"""

from .access import BROWSER_CACHE, STUDIO_MAIN_PAGE, can_access, refusal, refusal_message
from .authentication import identify
from .identity import AuthStatus, Identity, subject_of
from .index import registered

__all__ = [
    "BROWSER_CACHE",
    "STUDIO_MAIN_PAGE",
    "AuthStatus",
    "Identity",
    "can_access",
    "identify",
    "refusal",
    "refusal_message",
    "registered",
    "subject_of",
]
