"""The Python contenders of the peers bench (benches/peers/peers.py runs them).

Each subcommand is one whole process, as a user's script would be:

  msal-single   CACHE AUTHORITY CLIENT_ID GRAPH PRINTER JOB     msal + requests, one cancel
  msal-token    CACHE AUTHORITY CLIENT_ID                       msal acquire_token_silent only
  msal-bulk     CACHE AUTHORITY CLIENT_ID GRAPH PRINTER         list + cancel every job, one request each
  sdk-single    CACHE AUTHORITY CLIENT_ID GRAPH PRINTER JOB     msgraph-sdk, one cancel
  sdk-bulk      CACHE AUTHORITY CLIENT_ID GRAPH PRINTER         msgraph-sdk: list, then $batch of 20

Tokens come from printjob's MSAL-layout cache (acquire_token_silent, no sign-in): the same
account, client id and authority. TLS trust comes from REQUESTS_CA_BUNDLE / SSL_CERT_FILE, set by
the driver to the emulator's CA. Each prints one JSON line: {"canceled": n}.
"""
import json
import sys

SCOPES = ["PrintJob.ReadWriteBasic"]


def msal_token(cache_path, authority, client_id):
    import msal

    cache = msal.SerializableTokenCache()
    with open(cache_path, encoding="utf-8") as f:
        cache.deserialize(f.read())
    app = msal.PublicClientApplication(
        client_id, authority=authority, token_cache=cache, instance_discovery=False
    )
    accounts = app.get_accounts()
    if not accounts:
        sys.exit("msal found no account in the cache")
    result = app.acquire_token_silent(SCOPES, account=accounts[0])
    if not result or "access_token" not in result:
        sys.exit(f"msal acquire_token_silent failed: {result and result.get('error')}")
    return result["access_token"]


def msal_single(cache, authority, client_id, graph, printer, job):
    import requests

    token = msal_token(cache, authority, client_id)
    r = requests.post(
        f"{graph}/print/printers/{printer}/jobs/{job}/cancel",
        headers={"Authorization": f"Bearer {token}"},
    )
    if r.status_code != 204:
        sys.exit(f"cancel answered {r.status_code}: {r.text[:200]}")
    return 1


def msal_bulk(cache, authority, client_id, graph, printer):
    import requests

    token = msal_token(cache, authority, client_id)
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    ids, url = [], f"{graph}/print/printers/{printer}/jobs"
    while url:
        page = session.get(url)
        page.raise_for_status()
        body = page.json()
        ids += [j["id"] for j in body["value"] if j["status"]["state"] in ("pending", "processing", "paused")]
        url = body.get("@odata.nextLink")
    for job in ids:
        r = session.post(f"{graph}/print/printers/{printer}/jobs/{job}/cancel")
        if r.status_code != 204:
            sys.exit(f"cancel {job} answered {r.status_code}: {r.text[:200]}")
    return len(ids)


class MsalCredential:
    """azure-core's TokenCredential protocol over msal's silent call (what a script would write)."""

    def __init__(self, cache, authority, client_id):
        self.args = (cache, authority, client_id)

    def get_token(self, *scopes, **kwargs):
        from azure.core.credentials import AccessToken
        import time

        return AccessToken(msal_token(*self.args), int(time.time()) + 3000)


def sdk_client(cache, authority, client_id, graph):
    from kiota_authentication_azure.azure_identity_authentication_provider import (
        AzureIdentityAuthenticationProvider,
    )
    from msgraph import GraphRequestAdapter, GraphServiceClient
    from urllib.parse import urlparse

    auth = AzureIdentityAuthenticationProvider(
        MsalCredential(cache, authority, client_id),
        scopes=SCOPES,
        allowed_hosts=[urlparse(graph).hostname],
    )
    adapter = GraphRequestAdapter(auth)
    adapter.base_url = graph
    return GraphServiceClient(request_adapter=adapter), adapter


async def sdk_single(cache, authority, client_id, graph, printer, job):
    client, _ = sdk_client(cache, authority, client_id, graph)
    await client.print.printers.by_printer_id(printer).jobs.by_print_job_id(job).cancel.post()
    return 1


def documented_write_item():
    """msgraph-sdk 1.65's BatchRequestItem serializes a body of `{}` as the base64 string "e30="
    (it writes an object only when the JSON is a non-empty object), while Graph's json-batching
    page asks a write request for headers and a JSON body, `{}` when the call takes none. This
    subclass writes `"body": {}` itself."""
    from msgraph_core.requests.batch_request_item import BatchRequestItem

    class DocumentedWrite(BatchRequestItem):
        def serialize(self, writer):
            super().serialize(writer)
            writer.write_additional_data_value({"body": {}})

    return DocumentedWrite


async def sdk_bulk(cache, authority, client_id, graph, printer):
    from msgraph_core.requests.batch_request_builder import BatchRequestBuilder
    from msgraph_core.requests.batch_request_content import BatchRequestContent

    DocumentedWrite = documented_write_item()

    client, adapter = sdk_client(cache, authority, client_id, graph)
    jobs_builder = client.print.printers.by_printer_id(printer).jobs
    ids = []
    page = await jobs_builder.get()
    while page:
        ids += [j.id for j in page.value if j.status.state.value in ("pending", "processing", "paused")]
        if not page.odata_next_link:
            break
        page = await jobs_builder.with_url(page.odata_next_link).get()
    canceled = 0
    for start in range(0, len(ids), 20):
        content = BatchRequestContent()
        for job in ids[start : start + 20]:
            info = jobs_builder.by_print_job_id(job).cancel.to_post_request_information()
            item = DocumentedWrite(request_information=info)
            item.id = job  # the SDK otherwise numbers requests with its own UUIDs
            # msgraph-sdk 1.65 keeps the request's absolute URL, and its set_url leaves
            # "/v1.0" in front of a URL that is not on graph.microsoft.com; json-batching.md
            # wants the URL relative to the version root.
            item.url = item.url.replace(graph, "", 1)
            item.headers = {"Content-Type": "application/json"}
            content.add_request(job, item)
        response = await BatchRequestBuilder(adapter).post(content)
        for job in ids[start : start + 20]:
            answer = response.get_response_by_id(job)
            if answer is None:
                sys.exit(f"batch answered without {job}: {response.responses!r:.600}")
            status = answer.status
            if status != 204:
                sys.exit(f"batch cancel {job} answered {status}: {answer.body!r:.300}")
            canceled += 1
    return canceled


def main():
    command, args = sys.argv[1], sys.argv[2:]
    if command == "msal-token":
        msal_token(*args)
        n = 0
    elif command == "msal-single":
        n = msal_single(*args)
    elif command == "msal-bulk":
        n = msal_bulk(*args)
    elif command in ("sdk-single", "sdk-bulk"):
        import asyncio

        n = asyncio.run((sdk_single if command == "sdk-single" else sdk_bulk)(*args))
    else:
        sys.exit(f"unknown contender {command}")
    print(json.dumps({"canceled": n}))


if __name__ == "__main__":
    main()
