"""msal-extensions' LibsecretPersistence pointed at printjob's item in the Secret Service
(crates/printjob-cli/tests/it/keyring.rs): it loads printjob's document, msal's token cache finds
its account and refresh token, and it saves the document back (so printjob then reads an item
written by libsecret). Prints one JSON line.

usage: extensions_libsecret.py MARKER SCHEMA CACHE_PATH
"""
import json
import sys

import msal
from msal_extensions import LibsecretPersistence, PersistedTokenCache

marker, schema, cache_path = sys.argv[1:4]
persistence = LibsecretPersistence(marker, schema_name=schema, attributes={"cache": cache_path})
document = json.loads(persistence.load())
cache = PersistedTokenCache(persistence)
refresh_tokens = cache.find(msal.TokenCache.CredentialType.REFRESH_TOKEN)
accounts = cache.find(msal.TokenCache.CredentialType.ACCOUNT)
persistence.save(json.dumps(document))
print(json.dumps({
    "accounts": [a.get("username") for a in accounts],
    "refresh_token_secrets": [r.get("secret") for r in refresh_tokens],
}))
