/*-------------------------------------------------------------------------
 *
 * msgraph_auth.c
 *		  OAuth 2.0 client credentials for Microsoft Graph, with a token
 *		  cache per backend and user mapping.
 *
 * POST {token_endpoint}/{tenant_id}/oauth2/v2.0/token with client_id,
 * client_secret, grant_type=client_credentials and scope = the origin of
 * the server option endpoint + "/.default".  The token is reused until
 * 300 s before expires_in runs out (half of it for lifetimes of 600 s or
 * less); a 401 from Graph drops it (cr_msgraph_forget_token) and the
 * engine retries that request once with a new one.
 *
 * The cache entry remembers a SHA-256 fingerprint of everything the token
 * was asked with, so ALTER USER MAPPING or ALTER SERVER takes effect at the
 * next request.  Neither the secret nor the token ever appears in a
 * message; token and request body are wiped when no longer needed.
 *
 * IDENTIFICATION
 *		  src/providers/msgraph_auth.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/jsonapi.h"
#include "miscadmin.h"
#include "storage/latch.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"
#include "utils/wait_event.h"

#include "http.h"
#include "provider.h"
#include "providers/msgraph_auth.h"

typedef struct GraphToken
{
	Oid			umid;			/* hash key */
	char		fingerprint[65];
	char	   *token;			/* in TopMemoryContext, or NULL */
	int64		obtained_us;
	int64		refresh_at_us;
} GraphToken;

static HTAB *token_hash = NULL;
static int	token_requests = 0;

/* Token requests sent by this backend (for tests and statistics). */
int
cr_msgraph_token_requests(void)
{
	return token_requests;
}

static GraphToken *
token_entry(Oid umid)
{
	bool		found;
	GraphToken *e;

	if (token_hash == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = sizeof(Oid);
		ctl.entrysize = sizeof(GraphToken);
		ctl.hcxt = TopMemoryContext;
		token_hash = hash_create("callrecord_fdw Graph tokens", 8, &ctl,
								 HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}
	e = hash_search(token_hash, &umid, HASH_ENTER, &found);
	if (!found)
	{
		e->fingerprint[0] = '\0';
		e->token = NULL;
		e->obtained_us = 0;
		e->refresh_at_us = 0;
	}
	return e;
}

static void
drop_token(GraphToken *e)
{
	if (e->token)
	{
		explicit_bzero(e->token, strlen(e->token));
		pfree(e->token);
	}
	e->token = NULL;
	e->refresh_at_us = 0;
}

/*
 * A tenant is a GUID or a domain name.  The multi-tenant aliases cannot be
 * used with client credentials (AADSTS9001023), and "organizations" would
 * leave the tenant to chance.
 */
static void
check_tenant(const char *tenant)
{
	const char *p;

	if (tenant[0] == '\0' || strlen(tenant) > 255)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
				 errmsg("invalid value for user mapping option \"tenant_id\""),
				 errhint("Give the directory (tenant) id as a GUID or a domain name such as contoso.onmicrosoft.com.")));
	for (p = tenant; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			  (*p >= '0' && *p <= '9') || *p == '-' || *p == '.'))
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
					 errmsg("invalid value for user mapping option \"tenant_id\""),
					 errhint("Give the directory (tenant) id as a GUID or a domain name such as contoso.onmicrosoft.com.")));
	if (pg_strcasecmp(tenant, "common") == 0 ||
		pg_strcasecmp(tenant, "consumers") == 0 ||
		pg_strcasecmp(tenant, "organizations") == 0)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
				 errmsg("user mapping option \"tenant_id\" cannot be \"%s\"", tenant),
				 errdetail("The client credentials flow needs the application's own tenant."),
				 errhint("Give the directory (tenant) id as a GUID or a domain name such as contoso.onmicrosoft.com.")));
}

static void
sleep_us(int64 us)
{
	int64		until = cr_now_us() + us;

	for (;;)
	{
		int64		left = until - cr_now_us();
		int			rc;

		CHECK_FOR_INTERRUPTS();
		if (left <= 0)
			return;
		rc = WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
					   (long) Min((left + 999) / 1000, 50), PG_WAIT_EXTENSION);
		if (rc & WL_LATCH_SET)
			ResetLatch(MyLatch);
	}
}

/* The first line of an AAD error_description ("AADSTS7000215: ..."). */
static char *
first_line(const char *s)
{
	size_t		n = strcspn(s, "\r\n");

	return pnstrdup(s, n);
}

static const char *const token_paths[] = {
	"access_token", "expires_in", "token_type",
	"error", "error_description", "trace_id", "correlation_id"
};

/* Ask the token endpoint; store the token in e or raise an ERROR. */
static void
fetch_token(const CrOptions *opts, const CrAccount *acct, GraphToken *e,
			const char *url, const char *scope, const char *fingerprint)
{
	const char *client_id = cr_account_get(acct, "client_id");
	const char *secret = cr_account_get(acct, "client_secret");
	CrHttpConfig cfg;
	CrHttpRequest req;
	StringInfoData body;
	int			attempt;

	initStringInfo(&body);
	appendStringInfoString(&body, "client_id=");
	cr_append_form(&body, client_id);
	appendStringInfoString(&body, "&scope=");
	cr_append_form(&body, scope);
	appendStringInfoString(&body, "&client_secret=");
	cr_append_form(&body, secret);
	appendStringInfoString(&body, "&grant_type=client_credentials");

	memset(&cfg, 0, sizeof(cfg));
	cfg.ca_file = opts->ca_file;
	cfg.timeout_ms = opts->timeout_ms;
	cfg.connect_timeout_ms = opts->connect_timeout_ms;
	cfg.request_id_header = "x-ms-request-id";
	cfg.slots = 1;

	memset(&req, 0, sizeof(req));
	req.url = (char *) url;
	req.method = "POST";
	req.body = body.data;
	req.body_len = body.len;
	req.headers = list_make2(pstrdup("Content-Type: application/x-www-form-urlencoded"),
							 pstrdup("Accept: application/json"));

	for (attempt = 0;; attempt++)
	{
		CrHttpResponse resp;
		CrJsonSpec	js;
		CrJsonResult jr;
		bool		parsed;
		bool		retryable;

		memset(&resp, 0, sizeof(resp));
		token_requests++;
		PG_TRY();
		{
			cr_http_fetch(&cfg, &req, &resp);
		}
		PG_CATCH();
		{
			/* the body holds the secret */
			explicit_bzero(body.data, body.len);
			PG_RE_THROW();
		}
		PG_END_TRY();

		retryable = resp.transport_failed ? resp.retryable :
			(resp.status == 429 || resp.status >= 500);
		if (retryable && attempt < opts->max_retries)
		{
			sleep_us(cr_backoff_us(attempt + 1, resp.retry_after_s));
			continue;
		}
		explicit_bzero(body.data, body.len);

		if (resp.transport_failed)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_UNABLE_TO_ESTABLISH_CONNECTION),
					 errmsg_internal("msgraph could not get a token from the token endpoint: %s",
									 resp.error),
					 retryable ? errhint("Gave up after %d retries (server option \"max_retries\").",
										 attempt) : 0));

		memset(&js, 0, sizeof(js));
		js.records_path = NULL;
		js.env_paths = token_paths;
		js.nenv = lengthof(token_paths);
		parsed = resp.body_len > 0 &&
			cr_json_parse(resp.body, resp.body_len, &js, &jr);

		if (resp.status != 200)
		{
			const char *error = parsed ? jr.env[3].str : NULL;
			const char *desc = parsed ? jr.env[4].str : NULL;

			ereport(ERROR,
					(errcode(ERRCODE_FDW_ERROR),
					 errmsg_internal("msgraph token request failed: %s",
									 desc ? first_line(desc) :
									 error ? error :
									 psprintf("HTTP %ld", resp.status)),
					 errdetail_internal("OAuth error \"%s\", HTTP %ld; trace id %s; correlation id %s.",
										error ? error : "(none)", resp.status,
										parsed && jr.env[5].str ? jr.env[5].str : "(none)",
										parsed && jr.env[6].str ? jr.env[6].str : "(none)"),
					 retryable ?
					 errhint("Gave up after %d retries (server option \"max_retries\").", attempt) :
					 errhint("Check the user mapping options tenant_id, client_id and client_secret, and that the application has the CallRecords.Read.All application permission with admin consent.")));
		}
		if (!parsed)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_STRING_FORMAT),
					 errmsg("msgraph token endpoint returned a malformed response: %s",
							resp.body_len ? jr.error : "the response is empty")));
		if (jr.env[0].type != JSON_TOKEN_STRING || jr.env[0].str[0] == '\0' ||
			jr.env[1].type != JSON_TOKEN_NUMBER ||
			jr.env[2].type != JSON_TOKEN_STRING ||
			pg_strcasecmp(jr.env[2].str, "Bearer") != 0)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_STRING_FORMAT),
					 errmsg("msgraph token endpoint returned a malformed response: no Bearer access_token with a numeric expires_in")));
		{
			double		expires_in = strtod(jr.env[1].str, NULL);
			int64		now = cr_now_us();
			int64		keep_s;

			if (!(expires_in > 0 && expires_in < 86400.0 * 366))
				ereport(ERROR,
						(errcode(ERRCODE_FDW_INVALID_STRING_FORMAT),
						 errmsg("msgraph token endpoint returned a malformed response: expires_in is out of range")));
			keep_s = expires_in > 600 ? (int64) expires_in - 300 : (int64) (expires_in / 2);
			drop_token(e);
			e->token = MemoryContextStrdup(TopMemoryContext, jr.env[0].str);
			explicit_bzero(jr.env[0].str, strlen(jr.env[0].str));
			explicit_bzero(resp.body, resp.body_len);
			e->obtained_us = now;
			e->refresh_at_us = now + keep_s * CR_USEC_PER_SEC;
			strlcpy(e->fingerprint, fingerprint, sizeof(e->fingerprint));
		}
		return;
	}
}

/*
 * The bearer token for a user mapping: the cached one while it is fresh
 * and was asked with the same options, else a new one.
 */
const char *
cr_msgraph_token(const CrOptions *opts, const CrAccount *acct)
{
	const char *tenant = cr_account_get(acct, "tenant_id");
	const char *client_id = cr_account_get(acct, "client_id");
	const char *secret = cr_account_get(acct, "client_secret");
	const char *te = opts->token_endpoint;
	size_t		telen = strlen(te);
	CrUrl		ep;
	char	   *url;
	char	   *scope;
	StringInfoData fp;
	char		fingerprint[65];
	GraphToken *e;

	check_tenant(tenant);
	if (!cr_url_split(opts->endpoint, &ep))
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
				 errmsg("server option \"endpoint\" is not an http or https URL")));
	while (telen > 0 && te[telen - 1] == '/')
		telen--;
	url = psprintf("%.*s/%s/oauth2/v2.0/token", (int) telen, te, tenant);
	scope = psprintf("%s://%s/.default", ep.scheme, ep.host_header);

	initStringInfo(&fp);
	appendStringInfo(&fp, "%s%c%s%c%s%c", url, 0, scope, 0, client_id, 0);
	appendStringInfoString(&fp, secret);
	cr_sha256_hex(fp.data, fp.len, fingerprint);
	explicit_bzero(fp.data, fp.len);
	pfree(fp.data);

	e = token_entry(acct->umid);
	if (e->token == NULL || strcmp(e->fingerprint, fingerprint) != 0 ||
		cr_now_us() >= e->refresh_at_us)
		fetch_token(opts, acct, e, url, scope, fingerprint);
	return e->token;
}

/* Graph refused a token sent at sent_us: drop it unless it is newer. */
void
cr_msgraph_forget_token(const CrOptions *opts, const CrAccount *acct,
						int64 sent_us)
{
	GraphToken *e = token_entry(acct->umid);

	if (e->token && e->obtained_us <= sent_us)
		drop_token(e);
}
