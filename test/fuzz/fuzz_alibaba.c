/*-------------------------------------------------------------------------
 *
 * fuzz_alibaba.c
 *		  libFuzzer target for the Alibaba Cloud CAMS response decoder.
 *
 * The column table, the records path, the envelope paths and read_page
 * are those of src/providers/alibaba.c, taken from it at build time; the
 * driver (fuzz_vendor.c) feeds them the input in arbitrary chunks.  Own
 * checks: an accepted page answered a 2xx status with Code "OK" and had a
 * Data member.
 *
 * IDENTIFICATION
 *		  test/fuzz/fuzz_alibaba.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include "common/jsonapi.h"

#include "fuzz_vendor.h"
#include "http.h"
#include "provider.h"

#include "gen/alibaba_fe.inc"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const endpoints[] = {
	"https://cams.ap-southeast-1.aliyuncs.com/",
	"https://127.0.0.1:8443/alibaba/", NULL
};

static void
alibaba_check(const FzRun *run)
{
	const CrJsonValue *code = &run->jr->env[0];

	if (run->page->outcome != CR_OUTCOME_OK)
		return;
	FZ_CHECK(run->resp->status >= 200 && run->resp->status <= 299);
	FZ_CHECK(code->type == JSON_TOKEN_STRING && strcmp(code->str, "OK") == 0);
	FZ_CHECK(run->jr->records_found);
}

static const FzVendor alibaba = {
	.name = "alibaba",
	.resource = &alibaba_resources[0],
	.env_paths = envelope_paths,
	.nenv = lengthof(envelope_paths),
	.read_page = alibaba_read_page,
	.header_request_id = false,
	.endpoints = endpoints,
	.check = alibaba_check,
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fz_vendor_run(&alibaba, data, size);
}
