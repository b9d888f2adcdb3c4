/*-------------------------------------------------------------------------
 *
 * msgraph.c
 *		  Microsoft Graph callRecords/getPstnCalls: resources and limits.
 *
 * The columns, options and IMPORT definition are complete; requests and
 * OAuth are not part of this version, so a scan says so (can_scan).
 *
 * IDENTIFICATION
 *		  src/providers/msgraph.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "provider.h"

#define COL(n, t, f) {n, t, f, NULL, CR_CONV_PLAIN, CR_SRC_FIELD, 0, NULL, NULL}

static const CrColumnDef pstn_columns[] = {
	COL("id", "text", "id"),
	COL("call_id", "text", "callId"),
	COL("user_id", "text", "userId"),
	COL("user_principal_name", "text", "userPrincipalName"),
	COL("user_display_name", "text", "userDisplayName"),
	{"start_date_time", "timestamptz", "startDateTime", NULL, CR_CONV_ISO, CR_SRC_FIELD, CR_PUSH_RANGE, NULL, NULL},
	{"end_date_time", "timestamptz", "endDateTime", NULL, CR_CONV_ISO, CR_SRC_FIELD, 0, NULL, NULL},
	COL("duration", "integer", "duration"),
	COL("charge", "numeric", "charge"),
	COL("call_type", "text", "callType"),
	COL("currency", "text", "currency"),
	COL("callee_number", "text", "calleeNumber"),
	COL("usage_country_code", "text", "usageCountryCode"),
	COL("tenant_country_code", "text", "tenantCountryCode"),
	COL("connection_charge", "numeric", "connectionCharge"),
	COL("caller_number", "text", "callerNumber"),
	COL("destination_context", "text", "destinationContext"),
	COL("destination_name", "text", "destinationName"),
	COL("conference_id", "text", "conferenceId"),
	COL("license_capability", "text", "licenseCapability"),
	COL("inventory_type", "text", "inventoryType"),
	COL("operator", "text", "operator"),
	COL("call_duration_source", "text", "callDurationSource"),
};

static const CrResource msgraph_resources[] = {
	{"pstn_calls", "getPstnCalls", pstn_columns, lengthof(pstn_columns), 5, false, "value"},
};

static const CrCredential msgraph_credentials[] = {
	{"tenant_id", true},
	{"client_id", true},
	{"client_secret", true},
	{NULL, false}
};

const CrProvider cr_provider_msgraph = {
	.name = "msgraph",
	.resources = msgraph_resources,
	.nresources = lengthof(msgraph_resources),
	.limits = {
		.max_window_us = 90 * CR_USEC_PER_DAY,
		.grain_us = CR_USEC_PER_SEC,
		.paged = true,
		.page_size_default = 1000,
		.page_size_max = 1000,
		.default_rps = 3,
		.default_history_days = 150,
		.default_endpoint = "https://graph.microsoft.com",
		.request_id_header = "request-id",
	},
	.credentials = msgraph_credentials,
	.can_scan = false,
};
