/*-------------------------------------------------------------------------
 *
 * alibaba.c
 *		  Alibaba Cloud CAMS GetChatappPhoneNumberMetric: columns, requests,
 *		  signing (ACS3-HMAC-SHA256 or RPC HMAC-SHA1) and the envelope.
 *
 * Every request is POST {endpoint}?{canonical query} with an empty body;
 * the query on the wire is exactly the canonical form that was signed.
 * Each attempt, retries included, gets a fresh nonce and timestamp.
 *
 * The API has no paging and documents no longest range, so windows are
 * the FDW's choice, one per granularity: DAILY 31 days (at most 32
 * buckets a response), HALF_HOUR 7 days (at most 337).  A window [start,
 * end) is sent as Start = start and End = end in milliseconds; the engine
 * keeps a bucket only in the window its own Start falls in, so a bucket
 * that two windows both return comes out once.
 *
 * IDENTIFICATION
 *		  src/providers/alibaba.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/jsonapi.h"

#include "convert.h"
#include "http.h"
#include "provider.h"
#include "vendor_sign.h"

#define ALIBABA_ACTION	"GetChatappPhoneNumberMetric"
#define ALIBABA_VERSION "2020-06-06"
#define EMPTY_SHA256	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

static const CrColumnDef metric_columns[] = {
	{"start_time", "timestamptz", "Start", NULL, CR_CONV_EPOCH, CR_SRC_FIELD, CR_PUSH_RANGE, NULL, NULL},
	{"end_time", "timestamptz", "End", NULL, CR_CONV_EPOCH, CR_SRC_FIELD, 0, NULL, NULL},
	{"phone_number", "text", "PhoneNumber", NULL, CR_CONV_PLAIN, CR_SRC_FIELD, CR_PUSH_EQ | CR_PUSH_IN, "PhoneNumber", NULL},
	{"granularity", "text", "Granularity", NULL, CR_CONV_PLAIN, CR_SRC_FIELD, CR_PUSH_EQ, "Granularity", NULL},
	{"sent_count", "integer", "SentCount", NULL, CR_CONV_PLAIN, CR_SRC_FIELD, 0, NULL, NULL},
	{"delivered_count", "integer", "DeliveredCount", NULL, CR_CONV_PLAIN, CR_SRC_FIELD, 0, NULL, NULL},
};

static const CrResource alibaba_resources[] = {
	{"chatapp_phone_number_metrics", ALIBABA_ACTION,
	metric_columns, lengthof(metric_columns), 0, false, "Data"},
};

static const CrCredential alibaba_credentials[] = {
	{"access_key_id", true},
	{"access_key_secret", true},
	{"security_token", false},
	{NULL, false}
};

#define DAILY_WINDOW_US		(31 * CR_USEC_PER_DAY)
#define HALF_HOUR_WINDOW_US (7 * CR_USEC_PER_DAY)

static int64 alibaba_max_window(const CrOptions *opts, const CrParam *params,
								int nparams);
static void alibaba_build_request(const CrRequestSpec *spec, const CrAccount *acct,
								  CrHttpRequest *out);
static void alibaba_read_page(const CrHttpResponse *resp, const CrRequestSpec *spec,
							  const char *const *fields, int nfields,
							  bool want_raw, CrPage *page);

const CrProvider cr_provider_alibaba = {
	.name = "alibaba",
	.resources = alibaba_resources,
	.nresources = lengthof(alibaba_resources),
	.limits = {
		.max_window_us = DAILY_WINDOW_US,
		.grain_us = 1000,
		.paged = false,
		.page_size_default = 0,
		.page_size_max = 0,
		.default_rps = 50,
		.default_history_days = 90,
		.est_rows_per_day = 1,
		.default_endpoint = NULL,	/* from the region: option.c */
		.request_id_header = NULL,	/* RequestId is in the body */
	},
	.credentials = alibaba_credentials,
	.can_scan = true,
	.build_request = alibaba_build_request,
	.read_page = alibaba_read_page,
	.max_window = alibaba_max_window,
};

static const char *
param_value(const CrParam *params, int nparams, const char *name)
{
	int			i;

	for (i = 0; i < nparams; i++)
		if (strcmp(params[i].name, name) == 0)
			return params[i].value;
	return NULL;
}

static int64
alibaba_max_window(const CrOptions *opts, const CrParam *params, int nparams)
{
	const char *g = param_value(params, nparams, "Granularity");

	if (g && strcmp(g, "HALF_HOUR") == 0)
		return HALF_HOUR_WINDOW_US;
	return DAILY_WINDOW_US;
}

/* 32 hex characters from the strong random source. */
static char *
new_nonce(void)
{
	uint8		raw[16];
	char	   *hex = palloc(33);

	if (!pg_strong_random(raw, sizeof(raw)))
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not generate a random nonce")));
	cr_hex(raw, sizeof(raw), hex);
	return hex;
}

static int64
floor_ms(int64 us)
{
	return us >= 0 ? us / 1000 : -((-us + 999) / 1000);
}

static void
alibaba_build_request(const CrRequestSpec *spec, const CrAccount *acct,
					  CrHttpRequest *out)
{
	const CrOptions *opts = spec->opts;
	const char *key_id = cr_account_get(acct, "access_key_id");
	const char *secret = cr_account_get(acct, "access_key_secret");
	const char *sts = cr_account_get(acct, "security_token");
	CrParam    *q = palloc(sizeof(CrParam) * (spec->nparams + 20));
	int			n = 0;
	int			i;
	char	   *nonce = new_nonce();
	char	   *now = cr_utc_iso_seconds(cr_now_us());
	char	   *base;
	CrUrl		ep;

	if (!cr_url_split(opts->endpoint, &ep))
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
				 errmsg("server option \"endpoint\" is not an http or https URL")));

	/* business parameters: never an empty value */
	if (opts->cust_space_id && opts->cust_space_id[0])
		q[n++] = (CrParam) {"CustSpaceId", opts->cust_space_id};
	if (opts->isv_code && opts->isv_code[0])
		q[n++] = (CrParam) {"IsvCode", opts->isv_code};
	q[n++] = (CrParam) {"Start", psprintf(INT64_FORMAT, floor_ms(spec->start_us))};
	q[n++] = (CrParam) {"End", psprintf(INT64_FORMAT, floor_ms(spec->end_us + 999))};
	if (param_value(spec->params, spec->nparams, "Granularity") == NULL)
		q[n++] = (CrParam) {"Granularity", "DAILY"};
	for (i = 0; i < spec->nparams; i++)
		if (spec->params[i].value[0] != '\0')
			q[n++] = spec->params[i];

	/* the URL without its query: the endpoint as written */
	base = pstrdup(opts->endpoint);
	base[strcspn(base, "?#")] = '\0';

	out->method = "POST";
	out->body = NULL;
	out->body_len = 0;
	/* an empty body: no Content-Type (curl would add a form type) */
	out->headers = list_make1(pstrdup("Content-Type:"));

	if (strcmp(opts->signature_version, "rpc") == 0)
	{
		q[n++] = (CrParam) {"Action", ALIBABA_ACTION};
		q[n++] = (CrParam) {"Version", ALIBABA_VERSION};
		q[n++] = (CrParam) {"Format", "JSON"};
		q[n++] = (CrParam) {"AccessKeyId", key_id};
		q[n++] = (CrParam) {"SignatureMethod", "HMAC-SHA1"};
		q[n++] = (CrParam) {"SignatureVersion", "1.0"};
		q[n++] = (CrParam) {"SignatureNonce", nonce};
		q[n++] = (CrParam) {"Timestamp", now};
		if (sts)
			q[n++] = (CrParam) {"SecurityToken", sts};
		out->url = psprintf("%s?%s", base,
							cr_alibaba_rpc_query("POST", q, n, secret));
	}
	else
	{
		CrParam		h[8];
		int			nh = 0;
		char	   *auth;

		h[nh++] = (CrParam) {"host", ep.host_header};
		h[nh++] = (CrParam) {"x-acs-action", ALIBABA_ACTION};
		h[nh++] = (CrParam) {"x-acs-version", ALIBABA_VERSION};
		h[nh++] = (CrParam) {"x-acs-date", now};
		h[nh++] = (CrParam) {"x-acs-signature-nonce", nonce};
		h[nh++] = (CrParam) {"x-acs-content-sha256", EMPTY_SHA256};
		if (sts)
		{
			h[nh++] = (CrParam) {"x-acs-security-token", sts};
			h[nh++] = (CrParam) {"x-acs-accesskey-id", key_id};
		}
		auth = cr_acs3_authorization("POST", ep.path, q, n, h, nh, EMPTY_SHA256,
									 key_id, secret);
		out->url = psprintf("%s?%s", base, cr_acs3_canonical_query(q, n));
		/* host is sent by curl from the URL, exactly as signed */
		for (i = 1; i < nh; i++)
			out->headers = lappend(out->headers,
								   psprintf("%s: %s", h[i].name, h[i].value));
		out->headers = lappend(out->headers, psprintf("Authorization: %s", auth));
	}
}

/* Codes worth another try (vendor notes, section 5). */
static CrRetry
classify(const char *code, long status)
{
	if (code && (strncmp(code, "Throttling", 10) == 0 ||
				 strcmp(code, "System.LimitControl") == 0))
		return CR_RETRY_THROTTLE;
	if (code && (strcmp(code, "ServiceUnavailable") == 0 ||
				 strcmp(code, "InternalError") == 0))
		return CR_RETRY_YES;
	if (status == 429)
		return CR_RETRY_THROTTLE;
	if (status >= 500)
		return CR_RETRY_YES;
	return CR_RETRY_NO;
}

static const char *const envelope_paths[] = {"Code", "Message", "RequestId"};

static void
alibaba_read_page(const CrHttpResponse *resp, const CrRequestSpec *spec,
				  const char *const *fields, int nfields, bool want_raw,
				  CrPage *page)
{
	CrJsonResult jr;
	bool		parsed;
	const char *code;

	cr_page_init(page, resp);

	parsed = cr_parse_body(resp, spec, envelope_paths, lengthof(envelope_paths),
						   fields, nfields, want_raw, &jr);
	code = parsed && jr.env[0].type == JSON_TOKEN_STRING ? jr.env[0].str : NULL;
	if (parsed && jr.env[2].type == JSON_TOKEN_STRING)
		page->request_id = jr.env[2].str;

	if (resp->status < 200 || resp->status > 299 || (code && strcmp(code, "OK") != 0))
	{
		page->outcome = CR_OUTCOME_VENDOR_ERROR;
		page->retry = classify(code, resp->status);
		page->error_code = code ? psprintf("%s (HTTP %ld)", code, resp->status) :
			psprintf("HTTP %ld", resp->status);
		page->error_message = parsed && jr.env[1].type == JSON_TOKEN_STRING ?
			jr.env[1].str : pstrdup("(no message)");
		return;
	}
	if (!parsed)
	{
		page->outcome = CR_OUTCOME_MALFORMED;
		page->error_message = jr.error ? jr.error : pstrdup("the response is empty");
		return;
	}
	if (code == NULL)
	{
		page->outcome = CR_OUTCOME_MALFORMED;
		page->error_message = pstrdup("the response has no Code");
		return;
	}
	if (!jr.records_found)
	{
		page->outcome = CR_OUTCOME_MALFORMED;
		page->error_message = pstrdup("the response has no Data array");
		return;
	}
	cr_page_take_rows(page, &jr, nfields);
}
