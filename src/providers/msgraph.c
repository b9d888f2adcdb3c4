/*-------------------------------------------------------------------------
 *
 * msgraph.c
 *		  Microsoft Graph callRecords/getPstnCalls: columns, requests, paging
 *		  by @odata.nextLink, and the envelope.  The OAuth token comes from
 *		  msgraph_auth.c.
 *
 * A window [start, end) becomes fromDateTime=start, toDateTime=end, both
 * whole UTC seconds; the vendor includes both ends, and the engine keeps a
 * row only in the window its own start time falls in, so a row exactly on
 * a boundary comes out once, from the later window.  The range is widened
 * by one second at both outer ends (outer_pad_us): Graph sends 100 ns
 * digits, PostgreSQL rounds them to microseconds, so a row a few hundred
 * nanoseconds before the user's bound may compare equal to it; PostgreSQL
 * rechecks every pushed bound on the rounded values.
 *
 * A nextLink is followed exactly as given, and only when its scheme, host
 * and port are those of the server option endpoint: anything else is an
 * ERROR before a byte is sent, so the bearer token never leaves that host.
 *
 * IDENTIFICATION
 *		  src/providers/msgraph.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/jsonapi.h"

#include "convert.h"
#include "http.h"
#include "provider.h"
#include "providers/msgraph_auth.h"

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

static void msgraph_build_request(const CrRequestSpec *spec, const CrAccount *acct,
								  CrHttpRequest *out);
static void msgraph_read_page(const CrHttpResponse *resp, const CrRequestSpec *spec,
							  const char *const *fields, int nfields,
							  bool want_raw, CrPage *page);

const CrProvider cr_provider_msgraph = {
	.name = "msgraph",
	.resources = msgraph_resources,
	.nresources = lengthof(msgraph_resources),
	.limits = {
		/* "cannot be more than a date range of 90 days" */
		.max_window_us = 90 * CR_USEC_PER_DAY,
		.grain_us = CR_USEC_PER_SEC,
		.paged = true,
		.page_size_default = 1000,
		.page_size_max = 1000,
		.default_rps = 3,
		.default_history_days = 150,
		.est_rows_per_day = 2000,
		.default_endpoint = "https://graph.microsoft.com",
		.request_id_header = "request-id",
		.outer_pad_us = CR_USEC_PER_SEC,
	},
	.credentials = msgraph_credentials,
	.can_scan = true,
	.build_request = msgraph_build_request,
	.read_page = msgraph_read_page,
	.forget_auth = cr_msgraph_forget_token,
};

static int64
floor_sec_us(int64 us)
{
	int64		r = us % CR_USEC_PER_SEC;

	return r < 0 ? us - r - CR_USEC_PER_SEC : us - r;
}

static void
msgraph_build_request(const CrRequestSpec *spec, const CrAccount *acct,
					  CrHttpRequest *out)
{
	const char *token = cr_msgraph_token(spec->opts, acct);
	const char *endpoint = spec->opts->endpoint;
	size_t		len = strlen(endpoint);

	if (spec->page > 0 && spec->next_url)
	{
		/* checked when the page arrived; checked again before sending */
		if (!cr_url_same_origin(spec->next_url, endpoint))
			ereport(ERROR,
					(errcode(ERRCODE_FDW_ERROR),
					 errmsg("msgraph refuses to follow a link to another host")));
		out->url = pstrdup(spec->next_url);
	}
	else
	{
		int64		from = floor_sec_us(spec->start_us);
		int64		to = floor_sec_us(spec->end_us + CR_USEC_PER_SEC - 1);

		while (len > 0 && endpoint[len - 1] == '/')
			len--;
		out->url = psprintf("%.*s/v1.0/communications/callRecords/getPstnCalls(fromDateTime=%s,toDateTime=%s)",
							(int) len, endpoint, cr_utc_iso_seconds(from), cr_utc_iso_seconds(to));
	}
	out->method = "GET";
	out->headers = list_make2(psprintf("Authorization: Bearer %s", token),
							  pstrdup("Accept: application/json"));
}

static const char *const envelope_paths[] = {
	"@odata.nextLink", "error.code", "error.message", "error.innerError.request-id",
	"@odata.count"
};

static void
msgraph_read_page(const CrHttpResponse *resp, const CrRequestSpec *spec,
				  const char *const *fields, int nfields, bool want_raw,
				  CrPage *page)
{
	CrJsonResult jr;
	bool		parsed;

	cr_page_init(page, resp);

	parsed = cr_parse_body(resp, spec, envelope_paths, lengthof(envelope_paths),
						   fields, nfields, want_raw, &jr);

	if (resp->status != 200)
	{
		const char *code = parsed ? jr.env[1].str : NULL;
		const char *message = parsed ? jr.env[2].str : NULL;

		page->outcome = CR_OUTCOME_VENDOR_ERROR;
		page->error_code = code ? psprintf("HTTP %ld %s", resp->status, code) :
			psprintf("HTTP %ld", resp->status);
		page->error_message = message ? pstrdup(message) :
			pstrdup(resp->status >= 500 ? "server error" : "request refused");
		if (page->request_id == NULL && parsed && jr.env[3].str)
			page->request_id = jr.env[3].str;
		if (resp->status == 401)
			page->retry = CR_RETRY_REAUTH;
		else if (resp->status == 429)
			page->retry = CR_RETRY_THROTTLE;
		else if (resp->status >= 500)
			page->retry = CR_RETRY_YES;
		else
			page->retry = CR_RETRY_NO;
		return;
	}

	if (!parsed)
	{
		page->outcome = CR_OUTCOME_MALFORMED;
		page->error_message = jr.error ? jr.error : pstrdup("the response is empty");
		return;
	}
	if (jr.env[1].str)
	{
		/* an error document with status 200 is still an error */
		page->outcome = CR_OUTCOME_VENDOR_ERROR;
		page->retry = CR_RETRY_NO;
		page->error_code = jr.env[1].str;
		page->error_message = jr.env[2].str ? jr.env[2].str : pstrdup("(no message)");
		return;
	}
	if (!jr.records_found)
	{
		page->outcome = CR_OUTCOME_MALFORMED;
		page->error_message = pstrdup("the response has no \"value\" array");
		return;
	}
	if (jr.env[0].type != CR_JSON_ABSENT && jr.env[0].type != JSON_TOKEN_NULL)
	{
		if (jr.env[0].type != JSON_TOKEN_STRING || jr.env[0].str[0] == '\0')
		{
			page->outcome = CR_OUTCOME_MALFORMED;
			page->error_message = pstrdup("@odata.nextLink is not a URL string");
			return;
		}
		if (!cr_url_same_origin(jr.env[0].str, spec->opts->endpoint))
		{
			CrUrl		u;

			page->outcome = CR_OUTCOME_MALFORMED;
			page->error_message =
				cr_url_split(jr.env[0].str, &u) ?
				psprintf("@odata.nextLink points to %s://%s, not to the scheme, host and port of the server option \"endpoint\"; it was not followed",
						 u.scheme, u.host_header) :
				pstrdup("@odata.nextLink is not an http or https URL; it was not followed");
			return;
		}
		page->next_url = jr.env[0].str;
	}

	/* @odata.count is the number of rows in this page: a page short of it is cut */
	if (jr.env[4].type == JSON_TOKEN_NUMBER && atol(jr.env[4].str) != jr.nrows)
	{
		page->outcome = CR_OUTCOME_MALFORMED;
		page->error_message = psprintf("the page holds %d rows, but its @odata.count promised %s",
									   jr.nrows, jr.env[4].str);
		return;
	}
	cr_page_take_rows(page, &jr, nfields);
}
