/*-------------------------------------------------------------------------
 *
 * option.c
 *		  Option table, validator and typed option readers.
 *
 * One table lists every option: where it may be set, its type and range,
 * which providers take it, whether it is a secret (valid only on a user
 * mapping) and whether only a superuser may set it.  The validator checks
 * what it can see at CREATE/ALTER time; checks that need the server's
 * provider (a table or user mapping option of another vendor) run when the
 * options are read at plan or scan time, in the same words.
 *
 * IDENTIFICATION
 *		  src/option.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/reloptions.h"
#include "catalog/pg_foreign_data_wrapper.h"
#include "catalog/pg_foreign_server.h"
#include "catalog/pg_foreign_table.h"
#include "catalog/pg_user_mapping.h"
#include "catalog/pg_attribute.h"
#include "commands/defrem.h"
#include "foreign/foreign.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "pgtime.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"

#include "callrecord_fdw.h"
#include "provider.h"

/* where an option may appear */
#define CTX_SERVER	0x01
#define CTX_UM		0x02
#define CTX_TABLE	0x04
#define CTX_COLUMN	0x08

/* which providers take it */
#define P_UCLOUD	0x01
#define P_MSGRAPH	0x02
#define P_ALIBABA	0x04
#define P_TENCENT	0x08
#define P_ALL		0x0F

typedef enum CrOptType
{
	OPT_STRING,
	OPT_URL,
	OPT_ENUM,
	OPT_INT,
	OPT_REAL,
	OPT_FILE,
	OPT_TIMEZONE,
	OPT_ID_LIST
} CrOptType;

typedef struct CrOptionDef
{
	const char *name;
	int			contexts;
	int			providers;
	CrOptType	type;
	bool		secret;			/* valid only on a user mapping */
	bool		superuser_only;
	const char *values;			/* OPT_ENUM: comma-separated accepted values */
	double		min;			/* OPT_INT / OPT_REAL */
	double		max;
} CrOptionDef;

static const CrOptionDef cr_options[] = {
	/* server */
	{"provider", CTX_SERVER, P_ALL, OPT_ENUM, false, false, "ucloud, msgraph, alibaba, tencent", 0, 0},
	{"endpoint", CTX_SERVER, P_ALL, OPT_URL, false, true, NULL, 0, 0},
	{"token_endpoint", CTX_SERVER, P_MSGRAPH, OPT_URL, false, true, NULL, 0, 0},
	{"region", CTX_SERVER, P_UCLOUD | P_ALIBABA | P_TENCENT, OPT_STRING, false, false, NULL, 0, 0},
	{"ca_file", CTX_SERVER, P_ALL, OPT_FILE, false, true, NULL, 0, 0},
	{"timeout_ms", CTX_SERVER, P_ALL, OPT_INT, false, false, NULL, 1, 3600000},
	{"connect_timeout_ms", CTX_SERVER, P_ALL, OPT_INT, false, false, NULL, 1, 600000},
	{"max_retries", CTX_SERVER, P_ALL, OPT_INT, false, false, NULL, 0, 100},
	{"requests_per_second", CTX_SERVER, P_ALL, OPT_REAL, false, false, NULL, 0.001, 100000},
	{"concurrency", CTX_SERVER, P_ALL, OPT_INT, false, false, NULL, 1, 64},
	{"history_days", CTX_SERVER, P_ALL, OPT_INT, false, false, NULL, 1, 36500},
	{"time_zone", CTX_SERVER, P_TENCENT, OPT_TIMEZONE, false, false, NULL, 0, 0},
	{"signature_version", CTX_SERVER, P_ALIBABA, OPT_ENUM, false, false, "v3, rpc", 0, 0},

	/* user mapping: every credential is valid only here */
	{"public_key", CTX_UM, P_UCLOUD, OPT_STRING, true, false, NULL, 0, 0},
	{"private_key", CTX_UM, P_UCLOUD, OPT_STRING, true, false, NULL, 0, 0},
	{"project_id", CTX_UM, P_UCLOUD, OPT_STRING, true, false, NULL, 0, 0},
	{"tenant_id", CTX_UM, P_MSGRAPH, OPT_STRING, true, false, NULL, 0, 0},
	{"client_id", CTX_UM, P_MSGRAPH, OPT_STRING, true, false, NULL, 0, 0},
	{"client_secret", CTX_UM, P_MSGRAPH, OPT_STRING, true, false, NULL, 0, 0},
	{"access_key_id", CTX_UM, P_ALIBABA, OPT_STRING, true, false, NULL, 0, 0},
	{"access_key_secret", CTX_UM, P_ALIBABA, OPT_STRING, true, false, NULL, 0, 0},
	{"security_token", CTX_UM, P_ALIBABA, OPT_STRING, true, false, NULL, 0, 0},
	{"secret_id", CTX_UM, P_TENCENT, OPT_STRING, true, false, NULL, 0, 0},
	{"secret_key", CTX_UM, P_TENCENT, OPT_STRING, true, false, NULL, 0, 0},
	{"token", CTX_UM, P_TENCENT, OPT_STRING, true, false, NULL, 0, 0},

	/* table */
	{"resource", CTX_TABLE, P_ALL, OPT_ENUM, false, false,
	"uvms_send_records, pstn_calls, chatapp_phone_number_metrics, tel_call_info", 0, 0},
	{"page_size", CTX_TABLE, P_UCLOUD, OPT_INT, false, false, NULL, 1, 1000},
	{"isv_code", CTX_TABLE, P_ALIBABA, OPT_STRING, false, false, NULL, 0, 0},
	{"cust_space_id", CTX_TABLE, P_ALIBABA, OPT_STRING, false, false, NULL, 0, 0},
	{"sdk_app_ids", CTX_TABLE, P_TENCENT, OPT_ID_LIST, false, false, NULL, 0, 0},

	/* column */
	{"field", CTX_COLUMN, P_ALL, OPT_STRING, false, false, NULL, 0, 0},

	{NULL}
};

static const char *const provider_names[] = {"ucloud", "msgraph", "alibaba", "tencent"};

static int
context_of(Oid catalog)
{
	switch (catalog)
	{
		case ForeignServerRelationId:
			return CTX_SERVER;
		case UserMappingRelationId:
			return CTX_UM;
		case ForeignTableRelationId:
			return CTX_TABLE;
		case AttributeRelationId:
			return CTX_COLUMN;
		default:
			return 0;
	}
}

static const char *
context_name(int ctx)
{
	switch (ctx)
	{
		case CTX_SERVER:
			return "a server";
		case CTX_UM:
			return "a user mapping";
		case CTX_TABLE:
			return "a foreign table";
		case CTX_COLUMN:
			return "a column";
	}
	return "this object";
}

static const CrOptionDef *
find_option(const char *name)
{
	const CrOptionDef *opt;

	for (opt = cr_options; opt->name; opt++)
		if (strcmp(opt->name, name) == 0)
			return opt;
	return NULL;
}

static int
provider_bit(const char *name)
{
	int			i;

	for (i = 0; i < lengthof(provider_names); i++)
		if (strcmp(provider_names[i], name) == 0)
			return 1 << i;
	return 0;
}

/* List the options valid in a context, for the HINT of an unknown name. */
static char *
valid_options_list(int ctx)
{
	StringInfoData buf;
	const CrOptionDef *opt;

	initStringInfo(&buf);
	for (opt = cr_options; opt->name; opt++)
	{
		if (!(opt->contexts & ctx))
			continue;
		appendStringInfo(&buf, "%s%s", buf.len > 0 ? ", " : "", opt->name);
	}
	return buf.data;
}

static bool
enum_accepts(const char *values, const char *v)
{
	const char *p = values;
	size_t		vlen = strlen(v);

	while (*p)
	{
		const char *end = strchr(p, ',');
		size_t		len = end ? (size_t) (end - p) : strlen(p);

		if (len == vlen && strncmp(p, v, len) == 0)
			return true;
		if (!end)
			break;
		p = end + 1;
		while (*p == ' ')
			p++;
	}
	return false;
}

/*
 * Check a comma-separated list of positive integer ids ("1400000001, 42").
 */
bool
cr_parse_id_list(const char *s, List **ids)
{
	const char *p = s;
	bool		any = false;

	if (ids)
		*ids = NIL;
	for (;;)
	{
		const char *start;
		char	   *item;
		int64		v;

		while (*p == ' ')
			p++;
		start = p;
		while (*p >= '0' && *p <= '9')
			p++;
		if (p == start || p - start > 18)
			return false;
		item = pnstrdup(start, p - start);
		v = strtoi64(item, NULL, 10);
		if (v <= 0)
			return false;
		if (ids)
			*ids = lappend(*ids, item);
		any = true;
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		if (*p != ',')
			return false;
		p++;
	}
	return any;
}

/*
 * Validate one option value; errors name the option and the accepted values.
 */
static void
check_value(const CrOptionDef *opt, DefElem *def)
{
	const char *value = defGetString(def);

	if (value[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"%s\" must not be empty", opt->name)));

	switch (opt->type)
	{
		case OPT_STRING:
		case OPT_FILE:
			break;
		case OPT_URL:
			if (pg_strncasecmp(value, "https://", 8) != 0 &&
				pg_strncasecmp(value, "http://", 7) != 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("invalid value for option \"%s\": \"%s\"",
								opt->name, value),
						 errhint("The value must be an http:// or https:// URL.")));
			if (strpbrk(value, " \t\r\n") != NULL)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("invalid value for option \"%s\": \"%s\"",
								opt->name, value),
						 errhint("A URL cannot contain white space.")));
			break;
		case OPT_ENUM:
			if (!enum_accepts(opt->values, value))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("invalid value for option \"%s\": \"%s\"",
								opt->name, value),
						 errhint("Valid values are: %s.", opt->values)));
			break;
		case OPT_INT:
			{
				int			ival;

				if (!parse_int(value, &ival, 0, NULL) ||
					ival < opt->min || ival > opt->max)
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("invalid value for option \"%s\": \"%s\"",
									opt->name, value),
							 errhint("Valid values are integers from %.0f to %.0f.",
									 opt->min, opt->max)));
				break;
			}
		case OPT_REAL:
			{
				double		rval;

				if (!parse_real(value, &rval, 0, NULL) || isnan(rval) ||
					rval < opt->min || rval > opt->max)
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("invalid value for option \"%s\": \"%s\"",
									opt->name, value),
							 errhint("Valid values are numbers from %g to %g.",
									 opt->min, opt->max)));
				break;
			}
		case OPT_TIMEZONE:
			/* the zones SET timezone takes: no leap-second ("right/") zones */
			if (pg_tzset(value) == NULL || !pg_tz_acceptable(pg_tzset(value)))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("invalid value for option \"%s\": \"%s\"",
								opt->name, value),
						 errhint("The value must be a time zone name known to PostgreSQL, such as \"Asia/Shanghai\" or \"UTC\".")));
			break;
		case OPT_ID_LIST:
			if (!cr_parse_id_list(value, NULL))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("invalid value for option \"%s\": \"%s\"",
								opt->name, value),
						 errhint("The value must be a comma-separated list of positive integers, such as \"1400000001,1400000002\".")));
			break;
	}
}

/*
 * Validate the options of one catalog object (CREATE/ALTER time).
 */
void
cr_validate_options(List *options, Oid catalog)
{
	int			ctx = context_of(catalog);
	ListCell   *lc;
	const char *provider = NULL;
	List	   *seen = NIL;

	foreach(lc, options)
	{
		DefElem    *def = (DefElem *) lfirst(lc);
		const CrOptionDef *opt = find_option(def->defname);

		if (opt == NULL || (!(opt->contexts & ctx) && !opt->secret))
		{
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
					 errmsg("invalid option \"%s\"", def->defname),
					 ctx ? errhint("Valid options in this context are: %s.",
								   valid_options_list(ctx))
					 : errhint("callrecord_fdw takes no options on %s.",
							   catalog == ForeignDataWrapperRelationId ?
							   "the foreign data wrapper" : "this object")));
		}
		if (opt->secret && ctx != CTX_UM)
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("option \"%s\" can only be set on a user mapping",
							def->defname),
					 errdetail("Options of %s are readable by every user; credentials belong in CREATE USER MAPPING.",
							   context_name(ctx))));
		if (list_member(seen, makeString(def->defname)))
			ereport(ERROR,
					(errcode(ERRCODE_SYNTAX_ERROR),
					 errmsg("option \"%s\" is given more than once",
							def->defname)));
		seen = lappend(seen, makeString(def->defname));

		if (opt->superuser_only && !superuser())
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("permission denied to set option \"%s\"",
							def->defname),
					 errdetail("Only a superuser can set \"%s\": it decides where requests and credentials go, or which server file is read.",
							   def->defname)));

		check_value(opt, def);

		if (strcmp(opt->name, "provider") == 0)
			provider = defGetString(def);
	}

	if (ctx == CTX_SERVER)
	{
		int			pbit;

		if (provider == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
					 errmsg("option \"provider\" is required for a callrecord_fdw server"),
					 errhint("Valid values are: ucloud, msgraph, alibaba, tencent.")));

		/* the validator sees the whole list of a server: check per provider */
		pbit = provider_bit(provider);
		foreach(lc, options)
		{
			DefElem    *def = (DefElem *) lfirst(lc);
			const CrOptionDef *opt = find_option(def->defname);

			if (!(opt->providers & pbit))
				ereport(ERROR,
						(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
						 errmsg("option \"%s\" is not valid for provider \"%s\"",
								def->defname, provider)));
		}
	}
}

/*
 * Checks that need the provider, run when a table's options are read.
 */
static void
check_for_provider(List *options, int ctx, const char *provider)
{
	int			pbit = provider_bit(provider);
	ListCell   *lc;

	foreach(lc, options)
	{
		DefElem    *def = (DefElem *) lfirst(lc);
		const CrOptionDef *opt = find_option(def->defname);

		if (opt && !(opt->providers & pbit))
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
					 errmsg("option \"%s\" is not valid for provider \"%s\"",
							def->defname, provider),
					 errhint("The option is set on %s of server provider \"%s\".",
							 context_name(ctx), provider)));
	}
}

static int
int_option(DefElem *def)
{
	int			v = 0;

	(void) parse_int(defGetString(def), &v, 0, NULL);
	return v;
}

/*
 * Read the effective options of a foreign table: table over server over
 * provider defaults.  Errors name the table.
 */
CrOptions *
cr_get_options(Oid foreigntableid)
{
	ForeignTable *table = GetForeignTable(foreigntableid);
	ForeignServer *server = GetForeignServer(table->serverid);
	CrOptions  *o = palloc0(sizeof(CrOptions));
	const char *provider = NULL;
	const char *resource = NULL;
	ListCell   *lc;

	foreach(lc, server->options)
	{
		DefElem    *def = (DefElem *) lfirst(lc);

		if (strcmp(def->defname, "provider") == 0)
			provider = defGetString(def);
	}
	if (provider == NULL || (o->provider = cr_provider_lookup(provider)) == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
				 errmsg("server \"%s\" has no valid \"provider\" option",
						server->servername)));
	check_for_provider(table->options, CTX_TABLE, provider);

	/* provider defaults */
	o->timeout_ms = 30000;
	o->connect_timeout_ms = 10000;
	o->max_retries = 5;
	o->requests_per_second = o->provider->limits.default_rps;
	o->concurrency = 4;
	o->history_days = o->provider->limits.default_history_days;
	o->page_size = o->provider->limits.page_size_default;
	o->time_zone = "Asia/Shanghai";
	o->signature_version = "v3";

	foreach(lc, server->options)
	{
		DefElem    *def = (DefElem *) lfirst(lc);
		const char *n = def->defname;

		if (strcmp(n, "endpoint") == 0)
			o->endpoint = defGetString(def);
		else if (strcmp(n, "token_endpoint") == 0)
			o->token_endpoint = defGetString(def);
		else if (strcmp(n, "region") == 0)
			o->region = defGetString(def);
		else if (strcmp(n, "ca_file") == 0)
			o->ca_file = defGetString(def);
		else if (strcmp(n, "time_zone") == 0)
			o->time_zone = defGetString(def);
		else if (strcmp(n, "signature_version") == 0)
			o->signature_version = defGetString(def);
		else if (strcmp(n, "timeout_ms") == 0)
			o->timeout_ms = int_option(def);
		else if (strcmp(n, "connect_timeout_ms") == 0)
			o->connect_timeout_ms = int_option(def);
		else if (strcmp(n, "max_retries") == 0)
			o->max_retries = int_option(def);
		else if (strcmp(n, "concurrency") == 0)
			o->concurrency = int_option(def);
		else if (strcmp(n, "history_days") == 0)
			o->history_days = int_option(def);
		else if (strcmp(n, "requests_per_second") == 0)
			(void) parse_real(defGetString(def), &o->requests_per_second, 0, NULL);
	}

	foreach(lc, table->options)
	{
		DefElem    *def = (DefElem *) lfirst(lc);
		const char *n = def->defname;

		if (strcmp(n, "resource") == 0)
			resource = defGetString(def);
		else if (strcmp(n, "page_size") == 0)
			o->page_size = int_option(def);
		else if (strcmp(n, "isv_code") == 0)
			o->isv_code = defGetString(def);
		else if (strcmp(n, "cust_space_id") == 0)
			o->cust_space_id = defGetString(def);
		else if (strcmp(n, "sdk_app_ids") == 0)
			o->sdk_app_ids = defGetString(def);
	}

	if (o->endpoint == NULL && strcmp(provider, "alibaba") == 0)
		o->endpoint = psprintf("https://cams.%s.aliyuncs.com/",
							   o->region ? o->region : "ap-southeast-1");
	if (o->endpoint == NULL)
		o->endpoint = (char *) o->provider->limits.default_endpoint;
	if (o->token_endpoint == NULL)
		o->token_endpoint = "https://login.microsoftonline.com";

	if (resource == NULL)
	{
		if (o->provider->nresources == 1)
			resource = o->provider->resources[0].name;
		else
			ereport(ERROR,
					(errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
					 errmsg("foreign table \"%s\" has no \"resource\" option",
							get_rel_name(foreigntableid))));
	}
	o->resource = cr_resource_lookup(o->provider, resource);
	if (o->resource == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_TABLE_NOT_FOUND),
				 errmsg("resource \"%s\" does not exist for provider \"%s\"",
						resource, provider),
				 errhint("Provider \"%s\" has resource \"%s\".",
						 provider, o->provider->resources[0].name)));

	if (o->provider->limits.paged &&
		o->page_size > o->provider->limits.page_size_max)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for option \"page_size\": \"%d\"",
						o->page_size),
				 errhint("Valid values for provider \"%s\" are integers from 1 to %d.",
						 provider, o->provider->limits.page_size_max)));
	return o;
}

/*
 * Read the user mapping of (user, server) and check it for the provider.
 * Missing credentials fail here, at scan time.
 */
CrAccount *
cr_get_account(const CrOptions *opts, Oid userid, Oid serverid)
{
	UserMapping *um;
	CrAccount  *acct = palloc0(sizeof(CrAccount));
	const CrCredential *cred;
	ListCell   *lc;

	um = GetUserMapping(userid, serverid);	/* errors when there is none */
	acct->umid = um->umid;
	acct->options = um->options;

	foreach(lc, um->options)
	{
		DefElem    *def = (DefElem *) lfirst(lc);
		bool		known = false;

		for (cred = opts->provider->credentials; cred->name; cred++)
			if (strcmp(cred->name, def->defname) == 0)
				known = true;
		if (!known)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
					 errmsg("option \"%s\" is not valid for provider \"%s\"",
							def->defname, opts->provider->name),
					 errhint("The option is set on the user mapping for server \"%s\".",
							 GetForeignServer(serverid)->servername)));
	}
	for (cred = opts->provider->credentials; cred->name; cred++)
	{
		if (cred->required && cr_account_get(acct, cred->name) == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_DYNAMIC_PARAMETER_VALUE_NEEDED),
					 errmsg("user mapping for server \"%s\" lacks option \"%s\"",
							GetForeignServer(serverid)->servername, cred->name),
					 errhint("Provider \"%s\" needs %s in CREATE USER MAPPING ... OPTIONS.",
							 opts->provider->name, cr_credentials_list(opts->provider))));
	}

	/*
	 * The rate key: one vendor account is (provider, endpoint, credentials),
	 * whichever user mapping or server it is reached through.  A SHA-256,
	 * so the shared table never holds a credential.
	 */
	{
		StringInfoData k;

		initStringInfo(&k);
		appendStringInfo(&k, "%s%c%s%c", opts->provider->name, 0, opts->endpoint, 0);
		for (cred = opts->provider->credentials; cred->name; cred++)
		{
			const char *v = cr_account_get(acct, cred->name);

			appendStringInfo(&k, "%s=%s%c", cred->name, v ? v : "", 0);
		}
		cr_sha256(k.data, k.len, acct->rate_key);
		explicit_bzero(k.data, k.len);
		pfree(k.data);
	}
	return acct;
}

/* "public_key, private_key" for hints */
char *
cr_credentials_list(const CrProvider *prov)
{
	StringInfoData buf;
	const CrCredential *cred;

	initStringInfo(&buf);
	for (cred = prov->credentials; cred->name; cred++)
		if (cred->required)
			appendStringInfo(&buf, "%s%s", buf.len ? ", " : "", cred->name);
	return buf.data;
}

/* The "field" option of a column, or NULL. */
char *
cr_column_field(Oid relid, AttrNumber attnum)
{
	List	   *options = GetForeignColumnOptions(relid, attnum);
	ListCell   *lc;

	foreach(lc, options)
	{
		DefElem    *def = (DefElem *) lfirst(lc);

		if (strcmp(def->defname, "field") == 0)
			return defGetString(def);
	}
	return NULL;
}
