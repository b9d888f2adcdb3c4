/*-------------------------------------------------------------------------
 *
 * tencent.c
 *		  Tencent Cloud CCC DescribeTelCallInfo: resources and limits.
 *
 * The columns, options and IMPORT definition are complete; signing and
 * requests are not part of this version, so a scan says so (can_scan).
 *
 * IDENTIFICATION
 *		  src/providers/tencent.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "provider.h"

#define COUNT(n, f) {n, "integer", f, NULL, CR_CONV_PLAIN, CR_SRC_FIELD, 0, NULL, NULL}

static const CrColumnDef tel_columns[] = {
	{"day", "date", NULL, NULL, CR_CONV_PLAIN, CR_SRC_DAY, CR_PUSH_RANGE, NULL, NULL},
	{"sdk_app_id", "bigint", NULL, NULL, CR_CONV_PLAIN, CR_SRC_FANOUT, CR_PUSH_EQ | CR_PUSH_IN, "SdkAppIdList", NULL},
	COUNT("tel_call_out_count", "TelCallOutCount"),
	COUNT("tel_call_in_count", "TelCallInCount"),
	COUNT("seat_used_count", "SeatUsedCount"),
	{"voip_call_in_count", "integer", "VOIPCallInCount", "VoipCallInCount", CR_CONV_PLAIN, CR_SRC_FIELD, 0, NULL, NULL},
	COUNT("asr_offline_count", "AsrOfflineCount"),
	COUNT("asr_realtime_count", "AsrRealtimeCount"),
};

static const CrResource tencent_resources[] = {
	{"tel_call_info", "DescribeTelCallInfo", tel_columns, lengthof(tel_columns), 0, false, "Response"},
};

static const CrCredential tencent_credentials[] = {
	{"secret_id", true},
	{"secret_key", true},
	{"token", false},
	{NULL, false}
};

const CrProvider cr_provider_tencent = {
	.name = "tencent",
	.resources = tencent_resources,
	.nresources = lengthof(tencent_resources),
	.limits = {
		.max_window_us = CR_USEC_PER_DAY,
		.grain_us = CR_USEC_PER_DAY,
		.paged = false,
		.page_size_default = 0,
		.page_size_max = 0,
		.default_rps = 20,
		.default_history_days = 365,
		.default_endpoint = "https://ccc.tencentcloudapi.com",
		.request_id_header = NULL,
	},
	.credentials = tencent_credentials,
	.can_scan = false,
};
