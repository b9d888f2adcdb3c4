/*-------------------------------------------------------------------------
 *
 * alibaba.c
 *		  Alibaba Cloud CAMS GetChatappPhoneNumberMetric: resources and limits.
 *
 * The columns, options and IMPORT definition are complete; signing and
 * requests are not part of this version, so a scan says so (can_scan).
 *
 * IDENTIFICATION
 *		  src/providers/alibaba.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "provider.h"

static const CrColumnDef metric_columns[] = {
	{"start_time", "timestamptz", "Start", NULL, CR_CONV_EPOCH, CR_SRC_FIELD, CR_PUSH_RANGE, NULL, NULL},
	{"end_time", "timestamptz", "End", NULL, CR_CONV_EPOCH, CR_SRC_FIELD, 0, NULL, NULL},
	{"phone_number", "text", "PhoneNumber", NULL, CR_CONV_PLAIN, CR_SRC_FIELD, CR_PUSH_EQ | CR_PUSH_IN, "PhoneNumber", NULL},
	{"granularity", "text", "Granularity", NULL, CR_CONV_PLAIN, CR_SRC_FIELD, CR_PUSH_EQ, "Granularity", NULL},
	{"sent_count", "integer", "SentCount", NULL, CR_CONV_PLAIN, CR_SRC_FIELD, 0, NULL, NULL},
	{"delivered_count", "integer", "DeliveredCount", NULL, CR_CONV_PLAIN, CR_SRC_FIELD, 0, NULL, NULL},
};

static const CrResource alibaba_resources[] = {
	{"chatapp_phone_number_metrics", "GetChatappPhoneNumberMetric",
	metric_columns, lengthof(metric_columns), 0, false, "Data"},
};

static const CrCredential alibaba_credentials[] = {
	{"access_key_id", true},
	{"access_key_secret", true},
	{"security_token", false},
	{NULL, false}
};

const CrProvider cr_provider_alibaba = {
	.name = "alibaba",
	.resources = alibaba_resources,
	.nresources = lengthof(alibaba_resources),
	.limits = {
		.max_window_us = 30 * CR_USEC_PER_DAY,
		.grain_us = 1000,
		.paged = false,
		.page_size_default = 0,
		.page_size_max = 0,
		.default_rps = 50,
		.default_history_days = 90,
		.default_endpoint = NULL,
		.request_id_header = NULL,
	},
	.credentials = alibaba_credentials,
	.can_scan = false,
};
