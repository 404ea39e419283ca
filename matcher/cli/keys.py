"""`matcher keys create|list|revoke`: API keys with roles."""

import argparse
import json

from matcher.cli.common import CliError, Subparsers, load_settings


def cmd_keys(args: argparse.Namespace) -> int:
    """Create, list or revoke API keys in the store's database."""
    from matcher.catalogue.keys import KeyRequestError, KeyStore
    from matcher.catalogue.store import Store, store_location

    settings = load_settings(args)
    keys = KeyStore(Store(store_location(settings)))
    try:
        if args.action == "create":
            key, secret = keys.create(args.name, args.role)
            if args.json:
                print(json.dumps({"id": key.id, "name": key.name, "role": key.role, "key": secret}))
            else:
                print(f"created {key.role} key {key.id} ({key.name}); it is shown only now:")
                print(secret)
            return 0
        if args.action == "revoke":
            key = keys.revoke(args.id)
            print(f"revoked key {key.id} ({key.name}, {key.role})")
            return 0
    except KeyRequestError as exc:
        raise CliError(str(exc)) from exc
    listed = keys.list()
    if args.json:
        print(json.dumps([vars(k) for k in listed]))
        return 0
    for key in listed:
        state = f"revoked {key.revoked_at}" if key.revoked_at else "active"
        print(f"{key.id}  {key.role:<6}  {state:<32}  created {key.created_at}  {key.name}")
    if not listed:
        print("no keys yet: matcher keys create --name NAME --role reader|editor|admin")
    return 0


def add_parsers(
    sub: Subparsers, data: argparse.ArgumentParser, as_json: argparse.ArgumentParser
) -> None:
    """keys create|list|revoke."""
    keys = sub.add_parser("keys", help="API keys: create, list, revoke")
    actions = keys.add_subparsers(dest="action", required=True)
    create = actions.add_parser(
        "create", parents=[data, as_json], help="create a key (its secret is shown once)"
    )
    create.add_argument("--name", required=True, help="who or what uses the key")
    create.add_argument("--role", required=True, choices=("reader", "editor", "admin"))
    actions.add_parser("list", parents=[data, as_json], help="every key with its role and state")
    revoke = actions.add_parser("revoke", parents=[data, as_json], help="revoke a key by id")
    revoke.add_argument("id", help="the key id shown by create and list")
    keys.set_defaults(func=cmd_keys)
