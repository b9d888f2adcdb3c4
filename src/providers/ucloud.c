/*-------------------------------------------------------------------------
 *
 * ucloud.c
 *		  UCloud UVMS GetUVMSSendRecord: columns, requests, signing, envelope.
 *
 * Requests are form-encoded POSTs signed with SHA-1 over the byte-sorted
 * name+value concatenation plus the private key (vendor_sign.h).  Errors
 * come back as HTTP 200 with a non-zero RetCode; the request id is in the
 * X-UCLOUD-REQUEST-UUID header.
 *
 * IDENTIFICATION
 *		  src/providers/ucloud.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/jsonapi.h"
#include "utils/builtins.h"

#include "provider.h"
#include "vendor_sign.h"

#define FIELD(n, t, f) {n, t, f, NULL, CR_CONV_PLAIN, CR_SRC_FIELD, 0, NULL, NULL}
#define EQ(n, f, p) {n, "text", f, NULL, CR_CONV_PLAIN, CR_SRC_FIELD, CR_PUSH_EQ | CR_PUSH_IN, p, NULL}
#define EQ1(n, f, p) {n, "text", f, NULL, CR_CONV_PLAIN, CR_SRC_FIELD, CR_PUSH_EQ, p, NULL}
#define EPOCH(n, f) {n, "timestamptz", f, NULL, CR_CONV_EPOCH, CR_SRC_FIELD, 0, NULL, NULL}

static const CrColumnDef uvms_columns[] = {
	{"call_start_time", "timestamptz", "CallStartTime", NULL, CR_CONV_EPOCH, CR_SRC_FIELD, CR_PUSH_RANGE, NULL, NULL},
	EPOCH("call_end_time", "CallEndTime"),
	EQ("task_no", "TaskNo", "TaskNo"),
	EQ("phone", "Phone", "PhoneNumber"),
	FIELD("show_number", "text", "ShowNumber"),
	FIELD("pre_cost", "integer", "PreCost"),
	{"purpose", "integer", "Purpose", NULL, CR_CONV_PLAIN, CR_SRC_FIELD, CR_PUSH_EQ | CR_PUSH_IN, "Purpose", NULL},
	{"brevity_code", "text", "BrevityCode", NULL, CR_CONV_PLAIN, CR_SRC_FIELD, CR_PUSH_EQ | CR_PUSH_IN | CR_PUSH_NE, "BrevityCode", "ExcludeBrevityCode"},
	FIELD("country_code", "text", "CountryCode"),
	EQ("template_id", "TemplateId", "TemplateId"),
	FIELD("duration", "integer", "Duration"),
	FIELD("channel_id", "text", "ChannelId"),
	FIELD("receipt_result", "integer", "ReceiptResult"),
	FIELD("receipt_desc", "text", "ReceiptDesc"),
	EPOCH("receive_time", "ReceiveTime"),
	EQ1("calling_city_code", "CallingCityCode", "CallingCityCode"),
	EQ1("called_city_code", "CalledCityCode", "CalledCityCode"),
	{"called_operator_code", "text", "CalledOperatorCode", "CalledIspCode", CR_CONV_PLAIN, CR_SRC_FIELD, CR_PUSH_EQ, "CalledOperatorCode", NULL},
	EPOCH("submit_time", "SubmitTime"),
	FIELD("group_type", "integer", "GroupType"),
	FIELD("bill_second", "integer", "BillSecond"),
	FIELD("bill_period", "integer", "BillPeriod"),
};

static const CrResource ucloud_resources[] = {
	{"uvms_send_records", "GetUVMSSendRecord", uvms_columns, lengthof(uvms_columns), 0, true, "Data"},
};

static const CrCredential ucloud_credentials[] = {
	{"public_key", true},
	{"private_key", true},
	{"project_id", false},
	{NULL, false}
};

static void ucloud_build_request(const CrRequestSpec *spec, const CrAccount *acct,
								 CrHttpRequest *out);
static void ucloud_read_page(const CrHttpResponse *resp, const CrRequestSpec *spec,
							 const char *const *fields, int nfields,
							 bool want_raw, CrPage *page);

const CrProvider cr_provider_ucloud = {
	.name = "ucloud",
	.resources = ucloud_resources,
	.nresources = lengthof(ucloud_resources),
	.limits = {
		/* 604800 s between StartTime and EndTime, both inclusive */
		.max_window_us = 7 * CR_USEC_PER_DAY + CR_USEC_PER_SEC,
		.grain_us = CR_USEC_PER_SEC,
		.paged = true,
		.page_size_default = 100,
		.page_size_max = 100,
		.default_rps = 10,
		.default_history_days = 180,
		.est_rows_per_day = 2000,
		.default_endpoint = "https://api.ucloud.cn/",
		.request_id_header = "X-UCLOUD-REQUEST-UUID",
	},
	.credentials = ucloud_credentials,
	.can_scan = true,
	.build_request = ucloud_build_request,
	.read_page = ucloud_read_page,
};

/* a microsecond time floored to whole seconds */
static int64
floor_sec(int64 us)
{
	return us >= 0 ? us / CR_USEC_PER_SEC : -((-us + CR_USEC_PER_SEC - 1) / CR_USEC_PER_SEC);
}

static void
ucloud_build_request(const CrRequestSpec *spec, const CrAccount *acct,
					 CrHttpRequest *out)
{
	CrParam    *params = palloc(sizeof(CrParam) * (spec->nparams + 12));
	int			n = 0;
	int			i;
	const char *project_id = cr_account_get(acct, "project_id");
	char	   *signature;
	StringInfoData body;

	params[n++] = (CrParam) {"Action", "GetUVMSSendRecord"};
	params[n++] = (CrParam) {"PublicKey", cr_account_get(acct, "public_key")};
	if (project_id)
		params[n++] = (CrParam) {"ProjectId", project_id};
	if (spec->opts->region)
		params[n++] = (CrParam) {"Region", spec->opts->region};

	/*
	 * The window [start, end) as whole seconds.  Both vendor bounds are
	 * inclusive at second resolution (vendor notes, decision 5), so the
	 * window covers the seconds from floor(start) to floor(end - 1us): a
	 * 7-day window is EndTime - StartTime = 604800 and holds 604801 whole
	 * seconds.  The engine keeps only rows whose own time falls in the
	 * window, so a row that two windows return comes out once.
	 */
	params[n++] = (CrParam) {"StartTime", psprintf(INT64_FORMAT, floor_sec(spec->start_us))};
	params[n++] = (CrParam) {"EndTime", psprintf(INT64_FORMAT, floor_sec(spec->end_us - 1))};
	params[n++] = (CrParam) {"Page", psprintf("%d", spec->page)};
	params[n++] = (CrParam) {"NumPerPage", psprintf("%d", spec->page_size)};
	/* always an explicit order, so that offset pages stay stable */
	params[n++] = (CrParam) {"OrderBy", "call_start_time"};
	params[n++] = (CrParam) {"OrderType", spec->order_desc ? "desc" : "asc"};
	for (i = 0; i < spec->nparams; i++)
		params[n++] = spec->params[i];

	signature = cr_ucloud_signature(params, n, cr_account_get(acct, "private_key"));

	initStringInfo(&body);
	for (i = 0; i < n; i++)
	{
		appendStringInfo(&body, "%s%s=", i > 0 ? "&" : "", params[i].name);
		cr_append_form(&body, params[i].value);
	}
	appendStringInfoString(&body, "&Signature=");
	appendStringInfoString(&body, signature);

	out->url = pstrdup(spec->opts->endpoint);
	out->method = "POST";
	out->body = body.data;
	out->body_len = body.len;
	out->headers = list_make1(pstrdup("Content-Type: application/x-www-form-urlencoded"));
	pfree(signature);
	pfree(params);
}

/* RetCodes worth another try (vendor file, section 5) */
static CrRetry
classify_retcode(int64 code)
{
	if (code == 153)
		return CR_RETRY_THROTTLE;
	if (code == 110 || code == 130 || code == 150 || code >= 2000)
		return CR_RETRY_YES;
	return CR_RETRY_NO;
}

static const char *const envelope_paths[] = {"RetCode", "Message", "Total", "Count"};

static bool
parse_int64_token(const CrJsonValue *v, int64 *out)
{
	char	   *end;

	if (v->str == NULL || v->type != JSON_TOKEN_NUMBER)
		return false;
	errno = 0;
	*out = strtoi64(v->str, &end, 10);
	if (errno != 0 || *end != '\0')
	{
		/* "153.0" is an integer written as a float */
		double		d = strtod(v->str, &end);

		if (*end != '\0' ||
			!(d >= (double) PG_INT64_MIN && d < -((double) PG_INT64_MIN)) ||
			d != (double) (int64) d)
			return false;
		*out = (int64) d;
	}
	return true;
}

static void
ucloud_read_page(const CrHttpResponse *resp, const CrRequestSpec *spec,
				 const char *const *fields, int nfields, bool want_raw,
				 CrPage *page)
{
	CrJsonResult jr;
	int64		retcode;

	cr_page_init(page, resp);

	if (resp->status == 429 || resp->status >= 500)
	{
		page->outcome = CR_OUTCOME_VENDOR_ERROR;
		page->retry = resp->status == 429 ? CR_RETRY_THROTTLE : CR_RETRY_YES;
		page->error_code = psprintf("HTTP %ld", resp->status);
		page->error_message = pstrdup(resp->status == 429 ? "Too Many Requests" : "server error");
		return;
	}
	if (resp->status != 200)
	{
		page->outcome = CR_OUTCOME_VENDOR_ERROR;
		page->retry = CR_RETRY_NO;
		page->error_code = psprintf("HTTP %ld", resp->status);
		page->error_message = pstrdup("unexpected HTTP status");
		return;
	}

	if (!cr_parse_body(resp, spec, envelope_paths, lengthof(envelope_paths),
					   fields, nfields, want_raw, &jr))
	{
		page->outcome = CR_OUTCOME_MALFORMED;
		page->error_message = jr.error ? jr.error : pstrdup("the response is empty");
		return;
	}
	if (!parse_int64_token(&jr.env[0], &retcode))
	{
		page->outcome = CR_OUTCOME_MALFORMED;
		page->error_message = pstrdup(jr.env[0].type == CR_JSON_ABSENT ?
									  "the response has no RetCode" :
									  "RetCode is not an integer");
		return;
	}
	if (retcode != 0)
	{
		page->outcome = CR_OUTCOME_VENDOR_ERROR;
		page->retry = classify_retcode(retcode);
		page->error_code = psprintf("RetCode " INT64_FORMAT, retcode);
		page->error_message = jr.env[1].str ? jr.env[1].str : pstrdup("(no message)");
		return;
	}

	/* Total, or Count in some responses */
	if (jr.env[2].type != CR_JSON_ABSENT)
	{
		if (!parse_int64_token(&jr.env[2], &page->total) || page->total < 0)
		{
			page->outcome = CR_OUTCOME_MALFORMED;
			page->error_message = pstrdup("Total is not a non-negative integer");
			return;
		}
	}
	else if (jr.env[3].type != CR_JSON_ABSENT)
	{
		if (!parse_int64_token(&jr.env[3], &page->total) || page->total < 0)
		{
			page->outcome = CR_OUTCOME_MALFORMED;
			page->error_message = pstrdup("Count is not a non-negative integer");
			return;
		}
	}
	else if (jr.records_found && jr.nrows > 0)
	{
		page->outcome = CR_OUTCOME_MALFORMED;
		page->error_message = pstrdup("the response has records but neither Total nor Count");
		return;
	}
	else
		page->total = 0;

	cr_page_take_rows(page, &jr, nfields);
}
