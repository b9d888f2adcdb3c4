/*-------------------------------------------------------------------------
 *
 * fuzz_tencent.c
 *		  libFuzzer target for the Tencent Cloud CCC response decoder.
 *
 * The column table, the records path, the envelope paths and read_page
 * are those of src/providers/tencent.c, taken from it at build time; the
 * driver (fuzz_vendor.c) feeds them the input in arbitrary chunks.  Own
 * checks: an accepted page answered HTTP 200, is one record (the Response
 * object) with no Response.Error, and has a request id.
 *
 * IDENTIFICATION
 *		  test/fuzz/fuzz_tencent.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include "common/jsonapi.h"

#include "fuzz_vendor.h"
#include "http.h"
#include "provider.h"

#include "gen/tencent_fe.inc"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const endpoints[] = {
	"https://ccc.tencentcloudapi.com/", "https://127.0.0.1:8443/tencent/", NULL
};

static void
tencent_check(const FzRun *run)
{
	if (run->page->outcome == CR_OUTCOME_VENDOR_ERROR &&
		run->resp->status == 200)
	{
		/* classify() read the code: it was a string */
		FZ_CHECK(run->jr->env[0].type == JSON_TOKEN_STRING);
	}
	if (run->page->outcome != CR_OUTCOME_OK)
		return;
	FZ_CHECK(run->resp->status == 200);
	FZ_CHECK(run->page->nrows == 1);
	FZ_CHECK(run->page->request_id != NULL);
	FZ_CHECK(run->jr->env[0].type == CR_JSON_ABSENT);
}

static const FzVendor tencent = {
	.name = "tencent",
	.resource = &tencent_resources[0],
	.env_paths = envelope_paths,
	.nenv = lengthof(envelope_paths),
	.read_page = tencent_read_page,
	.header_request_id = false,
	.endpoints = endpoints,
	.check = tencent_check,
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fz_vendor_run(&tencent, data, size);
}
