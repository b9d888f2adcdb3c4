/*-------------------------------------------------------------------------
 *
 * fuzz_ucloud.c
 *		  libFuzzer target for the UCloud response decoder.
 *
 * The column table, the records path, the envelope paths and read_page
 * are those of src/providers/ucloud.c, taken from it at build time; the
 * driver (fuzz_vendor.c) feeds them the input in arbitrary chunks.  Own
 * checks: an accepted page answered HTTP 200 with RetCode 0 and a total.
 *
 * IDENTIFICATION
 *		  test/fuzz/fuzz_ucloud.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include "common/jsonapi.h"

#include "fuzz_vendor.h"
#include "provider.h"

#include "gen/ucloud_fe.inc"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const endpoints[] = {
	"https://api.ucloud.cn/", "https://127.0.0.1:8443/ucloud", NULL
};

static void
ucloud_check(const FzRun *run)
{
	int64		code;

	if (run->page->outcome != CR_OUTCOME_OK)
		return;
	FZ_CHECK(run->resp->status == 200);
	FZ_CHECK(run->page->total >= 0);
	FZ_CHECK(parse_int64_token(&run->jr->env[0], &code) && code == 0);
}

static const FzVendor ucloud = {
	.name = "ucloud",
	.resource = &ucloud_resources[0],
	.env_paths = envelope_paths,
	.nenv = lengthof(envelope_paths),
	.read_page = ucloud_read_page,
	.header_request_id = true,
	.endpoints = endpoints,
	.check = ucloud_check,
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fz_vendor_run(&ucloud, data, size);
}
