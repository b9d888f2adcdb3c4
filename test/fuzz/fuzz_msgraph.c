/*-------------------------------------------------------------------------
 *
 * fuzz_msgraph.c
 *		  libFuzzer target for the Microsoft Graph response decoder.
 *
 * The column table, the records path, the envelope paths and read_page
 * are those of src/providers/msgraph.c, taken from it at build time; the
 * driver (fuzz_vendor.c) feeds them the input in arbitrary chunks, and
 * the nextLink check runs the URL code of src/http.c.  Own checks: an
 * accepted page answered HTTP 200 without an error document and had a
 * value member; a nextLink it keeps leads where the server option
 * endpoint does, as libcurl would connect (the bearer token goes along).
 *
 * IDENTIFICATION
 *		  test/fuzz/fuzz_msgraph.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include "common/jsonapi.h"

#include "fuzz_vendor.h"
#include "http.h"
#include "provider.h"

#include "gen/msgraph_fe.inc"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const endpoints[] = {
	"https://graph.microsoft.com",
	"https://127.0.0.1:8443/graph",
	"http://localhost:8080/graph",
	"https://GRAPH.microsoft.com:443/v1.0/",
	NULL
};

static void
msgraph_check(const FzRun *run)
{
	const CrPage *page = run->page;

	if (page->next_url)
	{
		char	   *s1,
				   *h1,
				   *s2,
				   *h2;
		int			p1,
					p2;

		/* refused pages too: no page holds a link elsewhere */
		FZ_CHECK(cr_url_same_origin(page->next_url, run->opts->endpoint));
		FZ_CHECK(fz_transfer_origin(run->opts->endpoint, &s2, &h2, &p2));
		FZ_CHECK(fz_transfer_origin(page->next_url, &s1, &h1, &p1));
		FZ_CHECK(strcmp(s1, s2) == 0);
		FZ_CHECK(pg_strcasecmp(h1, h2) == 0);
		FZ_CHECK(p1 == p2);
	}
	if (page->outcome != CR_OUTCOME_OK)
		return;
	FZ_CHECK(run->resp->status == 200);
	FZ_CHECK(run->jr->records_found);
	FZ_CHECK(run->jr->env[1].str == NULL);
}

static const FzVendor msgraph = {
	.name = "msgraph",
	.resource = &msgraph_resources[0],
	.env_paths = envelope_paths,
	.nenv = lengthof(envelope_paths),
	.read_page = msgraph_read_page,
	.header_request_id = true,
	.endpoints = endpoints,
	.check = msgraph_check,
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fz_vendor_run(&msgraph, data, size);
}
