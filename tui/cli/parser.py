"""The argument parser of ``ravensec``: global options, every subcommand, and where each one is handled.

Each leaf parser sets ``handler`` to the command's function (see ``context.Handler``); the command modules
import no Textual and no mock, so the headless CLI loads neither. Global options are accepted before or after the subcommand: subparsers carry copies
whose defaults are suppressed, so a value given anywhere wins and the main parser's default fills the rest.
"""

from __future__ import annotations

import argparse
import sys
from typing import TypeAlias

from . import (
    commands_audit,
    commands_backups,
    commands_certs,
    commands_ips,
    commands_products,
    commands_profile,
    commands_train,
    doctor,
)
from .completion import bash_script
from .context import Context, Handler
from .exitcodes import USAGE
from .failures import error_record, report
from .options import ArgumentsRefused, RefusingParser, add_global_options, add_tui_options
from .output import FORMATS, Format, Output

CLEARANCES = ("cluster-admin", "operator", "user")
ACCESS_LEVELS = ("read", "read-write", "admin")
KEY_TYPES = ("ec-p256", "rsa2048", "rsa4096")
PROFILE_KINDS = ("cloud", "direct", "mock")

# argparse's type for what add_subparsers() returns (generic in typeshed only, hence a string).
Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"

EPILOG = (
    "exit codes: 0 ok, 1 failed, 2 usage error, 3 refused (auth, permission, read-only), 4 not found, "
    "5 unreachable. Run with no command to start the terminal UI."
)


def requested_format(argv: list[str]) -> Format:
    """The ``-o/--output`` on a command line argparse refused (it may be anywhere); "table" when absent."""
    fmt = "table"
    for i, arg in enumerate(argv):
        if arg in ("-o", "--output") and i + 1 < len(argv):
            fmt = argv[i + 1]
        elif arg.startswith("--output="):
            fmt = arg.partition("=")[2]
        elif arg.startswith("-o") and len(arg) > 2 and not arg.startswith("--"):
            fmt = arg[2:]
    return next((f for f in FORMATS if f == fmt), "table")


def _product(p: argparse.ArgumentParser, *, required: bool = False) -> None:
    p.add_argument("--product", "-p", metavar="ID|NAME", required=required,
                   help="product id or display name (optional when the profile has one product)")


def _dry_run(p: argparse.ArgumentParser) -> None:
    p.add_argument("--dry-run", action="store_true", help="show what would change, change nothing")


def _allow_lockout(p: argparse.ArgumentParser) -> None:
    p.add_argument("--allow-lockout", action="store_true",
                   help="go on even though the plan says you lose your own access")


def _cert_access(p: argparse.ArgumentParser, *, required: bool) -> None:
    p.add_argument("--clearance", choices=CLEARANCES, required=required,
                   help="security clearance (user needs --db grants)")
    p.add_argument("--db", action="append", default=[], metavar="DB=ACCESS",
                   help=f"grant database access ({', '.join(ACCESS_LEVELS)}); repeatable")


class _Builder:
    def __init__(self) -> None:
        self.common = argparse.ArgumentParser(add_help=False)
        add_global_options(self.common, suppress=True)

    def group(self, subs: Subparsers, name: str, help_text: str) -> Subparsers:
        p = subs.add_parser(name, help=help_text, description=help_text, parents=[self.common])
        inner = p.add_subparsers(dest=f"{name}_command", metavar="ACTION", required=True)
        return inner

    def leaf(self, subs: Subparsers, name: str, help_text: str, handler: Handler) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = subs.add_parser(
            name, help=help_text, description=help_text, parents=[self.common]
        )
        p.set_defaults(handler=handler)
        return p


def build_parser() -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = RefusingParser(
        prog="ravensec",
        description="RavenDB Cloud security from the terminal: products, client certificates, IP allow-lists, "
        "backups. With no command, starts the terminal UI.",
        epilog=EPILOG,
    )
    add_global_options(parser, suppress=False)
    add_tui_options(parser)

    b = _Builder()
    subs = parser.add_subparsers(dest="command", metavar="COMMAND")

    products = b.group(subs, "products", "list and inspect products")
    b.leaf(products, "list", "list the profile's products", commands_products.list_products)
    p = b.leaf(products, "show", "one product's details", commands_products.show_product)
    p.add_argument("product", metavar="ID|NAME")
    p = b.leaf(products, "cert-package", "download and unpack a product's certificate package",
               commands_products.cert_package)
    p.add_argument("product", metavar="ID|NAME")
    p.add_argument("--out", metavar="DIR", required=True, help="directory to unpack into (created if missing)")
    p = b.leaf(products, "wait", "wait until a product is Active", commands_products.wait_active)
    p.add_argument("product", metavar="ID|NAME")
    p.add_argument("--timeout", type=float, default=600.0, metavar="SECONDS")
    p.add_argument("--interval", type=float, default=5.0, metavar="SECONDS", help=argparse.SUPPRESS)

    certs = b.group(subs, "certs", "client certificates registered on a product")
    p = b.leaf(certs, "list", "list registered certificates", commands_certs.list_certs)
    _product(p)
    p = b.leaf(certs, "show", "one certificate's details", commands_certs.show_cert)
    _product(p)
    p.add_argument("cert", metavar="THUMBPRINT|NAME", help="thumbprint, unique thumbprint prefix, or name")
    p = b.leaf(certs, "generate", "have the server generate a certificate; saves its ZIP package",
               commands_certs.generate)
    _product(p)
    p.add_argument("--name", required=True)
    _cert_access(p, required=True)
    p.add_argument("--out", metavar="DIR", default=".", help="where to save <name>.zip (default: .)")
    p.add_argument("--password", metavar="TEXT", help="protect the package's PFX with this password")
    p.add_argument("--valid-for", metavar="DURATION", help="e.g. 365d, 12w (default: the server's)")
    _dry_run(p)
    p = b.leaf(certs, "generate-local", "make the key pair here and register only the public certificate",
               commands_certs.generate_local)
    _product(p)
    p.add_argument("--name", required=True)
    _cert_access(p, required=True)
    p.add_argument("--key-type", choices=KEY_TYPES, default="ec-p256")
    p.add_argument("--out", metavar="DIR", help="where to write the PEM/PFX (default: the data directory)")
    p.add_argument("--password", metavar="TEXT", help="encrypt the written key and PFX with this password")
    _dry_run(p)
    p = b.leaf(certs, "upload", "register an existing certificate (PEM, DER or PFX)", commands_certs.upload)
    _product(p)
    p.add_argument("file", metavar="FILE")
    p.add_argument("--name", required=True)
    _cert_access(p, required=True)
    p.add_argument("--password", metavar="TEXT", help="password of the PFX or encrypted key")
    p.add_argument("--replace", action="store_true",
                   help="replace the registration of a certificate that is already registered (same thumbprint)")
    _allow_lockout(p)
    _dry_run(p)
    p = b.leaf(certs, "edit", "change a certificate's name, clearance or database access", commands_certs.edit)
    _product(p)
    p.add_argument("cert", metavar="THUMBPRINT|NAME")
    p.add_argument("--name", help="new name")
    _cert_access(p, required=False)
    p.add_argument("--clear-db", action="store_true", help="remove every database grant (before --db)")
    _allow_lockout(p)
    _dry_run(p)
    toggles: tuple[tuple[str, str, Handler], ...] = (
        ("disable", "disable a certificate (it stays registered)", commands_certs.disable),
        ("enable", "enable a disabled certificate", commands_certs.enable),
    )
    for name, text, handler in toggles:
        p = b.leaf(certs, name, text, handler)
        _product(p)
        p.add_argument("cert", metavar="THUMBPRINT|NAME")
        _allow_lockout(p)
        _dry_run(p)
    p = b.leaf(certs, "delete", "unregister a certificate", commands_certs.delete)
    _product(p)
    p.add_argument("cert", metavar="THUMBPRINT|NAME")
    _dry_run(p)
    p = b.leaf(certs, "purge-expired", "unregister every expired certificate", commands_certs.purge_expired)
    _product(p)
    _dry_run(p)

    ips = b.group(subs, "ips", "a product's IP allow-list")
    p = b.leaf(ips, "list", "list allowed IP ranges", commands_ips.list_ips)
    _product(p)
    p = b.leaf(ips, "add", "allow an IP address or CIDR range", commands_ips.add)
    _product(p)
    p.add_argument("cidr", metavar="CIDR")
    p.add_argument("--alias", default="", help="a note for the rule (e.g. office)")
    _dry_run(p)
    p = b.leaf(ips, "remove", "remove an allowed range", commands_ips.remove)
    _product(p)
    p.add_argument("cidr", metavar="CIDR")
    _allow_lockout(p)
    _dry_run(p)
    p = b.leaf(ips, "set", "replace the allow-list with a file's rules", commands_ips.set_rules)
    _product(p)
    p.add_argument("--from", dest="from_file", metavar="FILE", required=True,
                   help="one 'CIDR [alias]' per line (# comments), or JSON {\"allowedIps\": [...]}; - for stdin")
    _allow_lockout(p)
    _dry_run(p)

    backups = b.group(subs, "backups", "a product's backups")
    p = b.leaf(backups, "list", "list backup files", commands_backups.list_backups)
    _product(p)
    p = b.leaf(backups, "verify", "check that a key opens a backup and count its documents",
               commands_backups.verify)
    _product(p)
    p.add_argument("file", metavar="FILE", help="a local backup file, or a backup of the product: FILE_NAME or DATABASE/FILE_NAME")
    p.add_argument("--key", required=True, metavar="K",
                   help="base64 or hex key; env:VAR reads it from a variable, @PATH from a file, - from stdin")
    p = b.leaf(backups, "download", "save a backup file of the product", commands_backups.download)
    _product(p)
    p.add_argument("file", metavar="FILE_NAME")
    p.add_argument("--out", metavar="DIR", default=".")

    p = b.leaf(subs, "whoami", "the certificate this profile presents to a product", commands_certs.whoami)
    _product(p)
    p = b.leaf(subs, "expiring", "certificates expiring soon across all products", commands_certs.expiring)
    p.add_argument("--within", default="60d", metavar="DURATION", help="e.g. 30d, 8w, 90 (days; default 60d)")

    p = b.leaf(subs, "audit", "posture review: what is worth fixing against RavenDB Cloud's security advice "
               "(exit 1 when something is)", commands_audit.audit_command)
    p.add_argument("--product", "-p", metavar="ID|NAME", help="review this product only (default: every product)")

    prof = b.group(subs, "profile", "connection profiles in the config file")
    b.leaf(prof, "list", "list profiles", commands_profile.list_profiles)
    p = b.leaf(prof, "show", "one profile (secrets are never shown)", commands_profile.show_profile)
    p.add_argument("name", nargs="?", help="default: the active profile")
    p = b.leaf(prof, "add", "add a profile", commands_profile.add_profile)
    p.add_argument("name")
    p.add_argument("--kind", choices=PROFILE_KINDS, required=True)
    p.add_argument("--api-url", help="Cloud API base URL (cloud; default: the real one)")
    p.add_argument("--api-key-env", metavar="VAR", help="read the API key from this environment variable")
    p.add_argument("--api-key-stdin", action="store_true",
                   help="read the API key from stdin and keep it in the 0600 secrets file")
    p.add_argument("--ca-file", metavar="PEM", help="trust only this CA (a mock's ca.pem)")
    p.add_argument("--client-cert", metavar="FILE", help="client certificate (PEM with key, or PFX)")
    p.add_argument("--node", action="append", default=[], metavar="URL", help="node URL (direct); repeatable")
    p.add_argument("--state-dir", metavar="DIR", help="state directory of `ravensec-mock serve` (mock)")
    p.add_argument("--profile-read-only", action="store_true", help="mark the profile read-only")
    p.add_argument("--use", action="store_true", help="make it the current profile")
    p = b.leaf(prof, "remove", "remove a profile", commands_profile.remove_profile)
    p.add_argument("name")
    p = b.leaf(prof, "use", "make a profile the current one", commands_profile.use_profile)
    p.add_argument("name")
    p = b.leaf(prof, "set-key", "read a profile's API key from stdin into the 0600 secrets file",
               commands_profile.set_key)
    p.add_argument("name")

    b.leaf(subs, "doctor", "check config, certificates, reachability, TLS and the IP allow-list",
           doctor.doctor)
    p = b.leaf(subs, "train", "offline security training scenarios against the built-in mock",
               commands_train.train)
    commands_train.add_arguments(p)
    p = b.leaf(subs, "completion", "print a shell completion script", completion)
    p.add_argument("shell", choices=("bash",))
    return parser


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The parsed command line; a refused one exits 2 with argparse's usage, or a JSON/YAML error record."""
    argv = sys.argv[1:] if argv is None else argv
    try:
        return build_parser().parse_args(argv)
    except ArgumentsRefused as e:
        fmt = requested_format(argv)
        if fmt == "table":
            e.parser.print_usage(sys.stderr)
            sys.stderr.write(f"{e.parser.prog}: error: {e.message}\n")
        else:
            hint = f"See `{e.parser.prog} --help`"
            report(Output(fmt, no_color=True), error_record(USAGE, "UsageError", e.message, hint))
        raise SystemExit(USAGE) from None


def completion(ctx: Context) -> int:
    """``ravensec completion bash``: the script for this very parser."""
    ctx.out.stdout.write(bash_script(build_parser()))
    return 0
