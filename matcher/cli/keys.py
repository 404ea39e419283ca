"""`matcher keys create|list|revoke`: API keys with roles."""

import argparse
import json

from matcher.cli.common import CliError, load_settings


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
