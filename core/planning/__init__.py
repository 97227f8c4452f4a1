"""Plans for every change to security state, and the one ``apply`` that makes a plan true and reads it back.

``plan_*`` read the current state (registrations, the certificate in use, databases, the allow-list, your
address) and say what the change does and costs (:mod:`ravensec.core.plan`); they refuse at once what the
server's rules refuse (:mod:`ravensec.core.certs.access`). ``apply`` checks the consents, re-reads what the
plan depended on (a plan made on stale state is refused, not applied), makes the change and reads it back:
it reports success only when the server shows the change, otherwise it raises with the server's reason.

The certificates' plans are in ``certificates``, the product's (allow-list, initial certificate) in
``product``; what they read first in ``reading``, how they word a change in ``describe``; ``applying`` holds
``apply`` and its read-backs.
"""

from .applying import Applied, apply
from .certificates import (
    plan_delete,
    plan_edit,
    plan_generate,
    plan_generate_local,
    plan_purge_expired,
    plan_register,
)
from .product import plan_ip_rules, plan_regenerate

__all__ = [
    "Applied",
    "apply",
    "plan_delete",
    "plan_edit",
    "plan_generate",
    "plan_generate_local",
    "plan_ip_rules",
    "plan_purge_expired",
    "plan_regenerate",
    "plan_register",
]
