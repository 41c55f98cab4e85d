"""msal-python against printjob's token cache, for tests/it/signin.rs (msal_interop tests).

msal-python refuses a non-https authority, and the emulator serves plain http on 127.0.0.1, so
msal is given an `http_client` (msal's documented injection point) that sends each https request
for the emulator's host to its http URL and rewrites the emulator's own URLs in the answers back
to https. Nothing else is changed: msal reads and writes the cache file itself.

usage:
  interop.py silent EMULATOR_HTTP_BASE TENANT CLIENT_ID CACHE_FILE SCOPE...
      acquire_token_silent from the cache; prints {"access_token", "token_source", "token_calls"}
  interop.py write  EMULATOR_HTTP_BASE TENANT CLIENT_ID CACHE_FILE REFRESH_TOKEN SCOPE...
      acquire_token_by_refresh_token into an empty cache, saved to CACHE_FILE; prints the same
"""
import json
import sys

import msal
import requests


class EmulatorHttp:
    """A requests-like client mapping https://127.0.0.1:PORT to the emulator's http URL."""

    def __init__(self, http_base):
        self.http_base = http_base.rstrip("/")
        self.https_base = "https://" + self.http_base.split("://", 1)[1]
        self.session = requests.Session()
        self.token_calls = 0

    def _url(self, url):
        if url.startswith(self.https_base):
            return self.http_base + url[len(self.https_base):]
        raise RuntimeError("unexpected request to " + url)

    def _wrap(self, response):
        response._content = response.content.replace(
            self.http_base.encode(), self.https_base.encode())
        return response

    def get(self, url, params=None, headers=None, **kwargs):
        return self._wrap(self.session.get(
            self._url(url), params=params, headers=headers, timeout=kwargs.get("timeout", 30)))

    def post(self, url, params=None, data=None, headers=None, **kwargs):
        if "/token" in url:
            self.token_calls += 1
        return self._wrap(self.session.post(
            self._url(url), params=params, data=data, headers=headers,
            timeout=kwargs.get("timeout", 30)))

    def close(self):
        self.session.close()


def main():
    mode, http_base, tenant, client_id, cache_file = sys.argv[1:6]
    rest = sys.argv[6:]
    http = EmulatorHttp(http_base)
    cache = msal.SerializableTokenCache()
    if mode == "silent":
        with open(cache_file) as f:
            cache.deserialize(f.read())
    app = msal.PublicClientApplication(
        client_id,
        authority=http.https_base + "/" + tenant,
        token_cache=cache,
        http_client=http,
        instance_discovery=False,
    )
    if mode == "silent":
        scopes = rest
        accounts = app.get_accounts()
        if not accounts:
            print(json.dumps({"error": "msal found no account in the cache"}))
            return 1
        result = app.acquire_token_silent(scopes, account=accounts[0])
    else:
        refresh_token, scopes = rest[0], rest[1:]
        result = app.acquire_token_by_refresh_token(refresh_token, scopes)
        with open(cache_file, "w") as f:
            f.write(cache.serialize())
    if not result or "access_token" not in result:
        print(json.dumps({"error": (result or {}).get("error", "no result")}))
        return 1
    print(json.dumps({
        "access_token": result["access_token"],
        "token_source": result.get("token_source"),
        "token_calls": http.token_calls,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
