/*-------------------------------------------------------------------------
 *
 * tencent.c
 *		  Tencent Cloud CCC DescribeTelCallInfo: columns, requests, TC3
 *		  signing and the envelope.
 *
 * The API sums its counters over the whole range and over every id in
 * SdkAppIdList, so one row per SdkAppId per day means one request per
 * (day, SdkAppId).  Days are cut in the server option time_zone: the
 * engine plans in naive days (day_windows), and a request asks for that
 * day's local midnight to the next local midnight minus one second, both
 * ends inclusive, so days of 23 or 25 hours come out right.
 *
 * Errors come back as HTTP 200 with Response.Error; every attempt is
 * signed anew with the current X-TC-Timestamp.
 *
 * IDENTIFICATION
 *		  src/providers/tencent.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/jsonapi.h"

#include "convert.h"
#include "http.h"
#include "provider.h"
#include "vendor_sign.h"

#define TENCENT_ACTION	"DescribeTelCallInfo"
#define TENCENT_VERSION "2020-02-10"
#define TENCENT_SERVICE "ccc"

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
	{"tel_call_info", TENCENT_ACTION, tel_columns, lengthof(tel_columns), 0, false, "Response"},
};

static const CrCredential tencent_credentials[] = {
	{"secret_id", true},
	{"secret_key", true},
	{"token", false},
	{NULL, false}
};

static List *tencent_default_values(const CrOptions *opts, const CrColumnDef *col);
static void tencent_build_request(const CrRequestSpec *spec, const CrAccount *acct,
								  CrHttpRequest *out);
static void tencent_read_page(const CrHttpResponse *resp, const CrRequestSpec *spec,
							  const char *const *fields, int nfields,
							  bool want_raw, CrPage *page);

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
		.est_rows_per_day = 1,
		.default_endpoint = "https://ccc.tencentcloudapi.com/",
		.request_id_header = NULL,	/* Response.RequestId */
		.day_windows = true,
	},
	.credentials = tencent_credentials,
	.can_scan = true,
	.build_request = tencent_build_request,
	.read_page = tencent_read_page,
	.default_values = tencent_default_values,
};

/* sdk_app_id not constrained by the query: the table option sdk_app_ids. */
static List *
tencent_default_values(const CrOptions *opts, const CrColumnDef *col)
{
	List	   *ids = NIL;

	if (opts->sdk_app_ids == NULL || !cr_parse_id_list(opts->sdk_app_ids, &ids) ||
		ids == NIL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
				 errmsg("tencent DescribeTelCallInfo needs at least one SdkAppId"),
				 errdetail("The query has no condition on sdk_app_id, and the foreign table has no option \"sdk_app_ids\"."),
				 errhint("Add WHERE sdk_app_id = ... (or IN (...)), or ALTER FOREIGN TABLE ... OPTIONS (ADD sdk_app_ids '1400000001,1400000002').")));
	return ids;
}

static void
tencent_build_request(const CrRequestSpec *spec, const CrAccount *acct,
					  CrHttpRequest *out)
{
	const CrOptions *opts = spec->opts;
	const char *app = NULL;
	const char *token = cr_account_get(acct, "token");
	int64		start_s,
				end_s,
				now_s;
	int			i;
	CrParam		h[2];
	CrUrl		ep;
	StringInfoData body;
	char	   *auth;

	for (i = 0; i < spec->nparams; i++)
		if (strcmp(spec->params[i].name, "SdkAppIdList") == 0)
			app = spec->params[i].value;
	if (app == NULL || app[0] == '\0' || strspn(app, "0123456789") != strlen(app) ||
		strlen(app) > 19)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("SdkAppId \"%s\" is not a positive integer", app ? app : ""),
				 errdetail("tencent DescribeTelCallInfo takes numeric SdkAppIds.")));
	if (!cr_url_split(opts->endpoint, &ep))
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
				 errmsg("server option \"endpoint\" is not an http or https URL")));

	/* the day [00:00:00, next midnight - 1 s] in the server's time zone */
	start_s = cr_naive_to_unix(spec->start_us, opts->time_zone) / CR_USEC_PER_SEC;
	end_s = cr_naive_to_unix(spec->start_us + CR_USEC_PER_DAY, opts->time_zone) /
		CR_USEC_PER_SEC - 1;

	initStringInfo(&body);
	appendStringInfo(&body,
					 "{\"StartTimeStamp\":" INT64_FORMAT ",\"EndTimeStamp\":" INT64_FORMAT ",\"SdkAppIdList\":[%s]}",
					 start_s, end_s, app);

	now_s = cr_now_us() / CR_USEC_PER_SEC;
	h[0] = (CrParam) {"content-type", "application/json"};
	h[1] = (CrParam) {"host", ep.host_header};
	auth = cr_tc3_authorization(cr_account_get(acct, "secret_id"),
								cr_account_get(acct, "secret_key"),
								TENCENT_SERVICE, now_s, "POST", ep.path, "",
								h, 2, body.data, body.len);

	out->url = pstrdup(opts->endpoint);
	out->method = "POST";
	out->body = body.data;
	out->body_len = body.len;
	out->headers = list_make5(pstrdup("Content-Type: application/json"),
							  pstrdup("X-TC-Action: " TENCENT_ACTION),
							  pstrdup("X-TC-Version: " TENCENT_VERSION),
							  psprintf("X-TC-Timestamp: " INT64_FORMAT, now_s),
							  psprintf("Authorization: %s", auth));
	if (opts->region)
		out->headers = lappend(out->headers, psprintf("X-TC-Region: %s", opts->region));
	if (token)
		out->headers = lappend(out->headers, psprintf("X-TC-Token: %s", token));
}

static CrRetry
classify(const char *code)
{
	if (strncmp(code, "RequestLimitExceeded", 20) == 0)
		return CR_RETRY_THROTTLE;
	if (strncmp(code, "InternalError", 13) == 0)
		return CR_RETRY_YES;
	return CR_RETRY_NO;
}

static const char *const envelope_paths[] = {
	"Response.Error.Code", "Response.Error.Message", "Response.RequestId"
};

static void
tencent_read_page(const CrHttpResponse *resp, const CrRequestSpec *spec,
				  const char *const *fields, int nfields, bool want_raw,
				  CrPage *page)
{
	CrJsonResult jr;

	cr_page_init(page, resp);

	if (resp->status != 200)
	{
		/* the API answers 200 even for its errors: anything else is transport */
		page->outcome = CR_OUTCOME_VENDOR_ERROR;
		page->retry = (resp->status == 429 || resp->status >= 500) ?
			(resp->status == 429 ? CR_RETRY_THROTTLE : CR_RETRY_YES) : CR_RETRY_NO;
		page->error_code = psprintf("HTTP %ld", resp->status);
		page->error_message = pstrdup(resp->status >= 500 ? "server error" : "unexpected HTTP status");
		return;
	}

	if (!cr_parse_body(resp, spec, envelope_paths, lengthof(envelope_paths),
					   fields, nfields, want_raw, &jr))
	{
		page->outcome = CR_OUTCOME_MALFORMED;
		page->error_message = jr.error ? jr.error : pstrdup("the response is empty");
		return;
	}
	if (jr.env[2].type == JSON_TOKEN_STRING)
		page->request_id = jr.env[2].str;
	if (jr.env[0].type != CR_JSON_ABSENT)
	{
		page->outcome = CR_OUTCOME_VENDOR_ERROR;
		if (jr.env[0].type != JSON_TOKEN_STRING)
		{
			page->outcome = CR_OUTCOME_MALFORMED;
			page->error_message = pstrdup("Response.Error.Code is not a string");
			return;
		}
		page->retry = classify(jr.env[0].str);
		page->error_code = jr.env[0].str;
		page->error_message = jr.env[1].type == JSON_TOKEN_STRING ?
			jr.env[1].str : pstrdup("(no message)");
		return;
	}
	if (!jr.records_found || jr.nrows != 1)
	{
		page->outcome = CR_OUTCOME_MALFORMED;
		page->error_message = pstrdup("the response has no Response object");
		return;
	}
	if (page->request_id == NULL)
	{
		page->outcome = CR_OUTCOME_MALFORMED;
		page->error_message = pstrdup("the response has no Response.RequestId");
		return;
	}
	/*
	 * A success carries every counter: one missing is a malformed answer,
	 * not a NULL (VOIPCallInCount may come as the deprecated
	 * VoipCallInCount, which the engine reads as its fallback).
	 */
	{
		int			i;

		for (i = 0; i < nfields; i++)
		{
			const char *f = fields[i];

			if (jr.values[i].type != CR_JSON_ABSENT)
				continue;
			if (strcmp(f, "VOIPCallInCount") == 0 || strcmp(f, "VoipCallInCount") == 0)
			{
				int			k;
				bool		other = false;

				for (k = 0; k < nfields; k++)
					if (k != i && jr.values[k].type != CR_JSON_ABSENT &&
						(strcmp(fields[k], "VOIPCallInCount") == 0 ||
						 strcmp(fields[k], "VoipCallInCount") == 0))
						other = true;
				if (other)
					continue;
			}
			page->outcome = CR_OUTCOME_MALFORMED;
			page->error_message = psprintf("the response has no %s", f);
			return;
		}
	}
	cr_page_take_rows(page, &jr, nfields);
}
