#!/usr/bin/env python3
"""msgraph-sdk's batching under a throttle: the `msgraph_sdk` contender of the throttle bench
(crates/printjob-cli/benches/throttle.rs runs it; docs/benchmarks.md, "Under a throttle").

  sdk_throttled.py GRAPH_URL PRINTER        every active job of one printer
  sdk_throttled.py GRAPH_URL --all-printers every active job of every printer of the tenant

What a user of msgraph-sdk would write: list the jobs with the SDK's request builders (paging
through `@odata.nextLink`), then cancel them 20 per `$batch` with the SDK's batch API
(`BatchRequestContent`, `BatchRequestBuilder`), one batch after the other. Across printers:
list the printers (`GET /print/printers`), then each printer's jobs, then its batches.

Nothing is added to what the SDK does under throttling. Its retry middleware retries a plain
request answered 429 (the listings) after its `Retry-After`; a `$batch` holding a throttled
request is answered `424` as a whole (concepts/throttling.md, "Throttling and batching"), which
the SDK raises as an `APIError` and does not retry, and "throttled requests that were part of a
batch are not retried automatically" (the same page). The script catches that error, counts the
batch's jobs as failed and goes on with the next batch, as a script that must not stop at the
first error would. The bench counts the jobs really left from the emulator's counters.

The access token comes from the environment (PRINTJOB_BENCH_TOKEN, acquired by the bench with
`printjob token` before the timed run): msal refuses an authority that is not https, and the
bench's emulator speaks plain http, as it does for printjob. The SDK's own Graph traffic is plain
http to 127.0.0.1, which kiota's authentication provider allows for localhost. The token is
never printed.

Prints one JSON line: {"listed", "canceled", "failed", "batches_refused", "listings_failed"}.
"""
import asyncio
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

ACTIVE = ("pending", "processing", "paused", "stopped")


class StaticCredential:
    """azure-core's TokenCredential protocol over a token handed in by the caller."""

    def __init__(self, token):
        self.token = token

    def get_token(self, *scopes, **kwargs):
        from azure.core.credentials import AccessToken

        return AccessToken(self.token, int(time.time()) + 3000)


def client_for(graph):
    from kiota_authentication_azure.azure_identity_authentication_provider import (
        AzureIdentityAuthenticationProvider,
    )
    from msgraph import GraphRequestAdapter, GraphServiceClient
    from urllib.parse import urlparse

    token = os.environ.pop("PRINTJOB_BENCH_TOKEN", None)
    if not token:
        sys.exit("PRINTJOB_BENCH_TOKEN is not set")
    auth = AzureIdentityAuthenticationProvider(
        StaticCredential(token),
        scopes=["https://graph.microsoft.com/.default"],
        allowed_hosts=[urlparse(graph).hostname],
    )
    adapter = GraphRequestAdapter(auth)
    adapter.base_url = graph
    return GraphServiceClient(request_adapter=adapter), adapter


async def active_jobs(jobs_builder):
    ids = []
    page = await jobs_builder.get()
    while page:
        ids += [j.id for j in page.value if j.status.state.value in ACTIVE]
        if not page.odata_next_link:
            break
        page = await jobs_builder.with_url(page.odata_next_link).get()
    return ids


async def cancel_printer(client, adapter, graph, printer, tally):
    from kiota_abstractions.api_error import APIError
    from msgraph_core.requests.batch_request_builder import BatchRequestBuilder
    from msgraph_core.requests.batch_request_content import BatchRequestContent
    from contenders import documented_write_item

    DocumentedWrite = documented_write_item()
    jobs_builder = client.print.printers.by_printer_id(printer).jobs
    try:
        ids = await active_jobs(jobs_builder)
    except APIError:
        tally["listings_failed"] += 1
        return
    tally["listed"] += len(ids)
    for start in range(0, len(ids), 20):
        chunk = ids[start : start + 20]
        content = BatchRequestContent()
        for job in chunk:
            info = jobs_builder.by_print_job_id(job).cancel.to_post_request_information()
            item = DocumentedWrite(request_information=info)
            item.id = job
            # As in contenders.py: the SDK keeps the absolute URL; json-batching.md wants it
            # relative to the version root.
            item.url = item.url.replace(graph, "", 1)
            item.headers = {"Content-Type": "application/json"}
            content.add_request(job, item)
        try:
            response = await BatchRequestBuilder(adapter).post(content)
        except APIError:
            tally["batches_refused"] += 1
            tally["failed"] += len(chunk)
            continue
        for job in chunk:
            answer = response.get_response_by_id(job)
            if answer is not None and answer.status == 204:
                tally["canceled"] += 1
            else:
                tally["failed"] += 1


async def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    graph, target = sys.argv[1], sys.argv[2]
    client, adapter = client_for(graph)
    tally = dict(listed=0, canceled=0, failed=0, batches_refused=0, listings_failed=0)
    if target == "--all-printers":
        printers = []
        page = await client.print.printers.get()
        while page:
            printers += [p.id for p in page.value]
            if not page.odata_next_link:
                break
            page = await client.print.printers.with_url(page.odata_next_link).get()
    else:
        printers = [target]
    for printer in printers:
        await cancel_printer(client, adapter, graph, printer, tally)
    print(json.dumps(tally))


if __name__ == "__main__":
    asyncio.run(main())
