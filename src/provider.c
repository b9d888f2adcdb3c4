/*-------------------------------------------------------------------------
 *
 * provider.c
 *		  The name -> provider registry: the engine's only door to vendors.
 *
 * IDENTIFICATION
 *		  src/provider.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "commands/defrem.h"

#include "provider.h"

static const CrProvider *const all_providers[] = {
	&cr_provider_ucloud,
	&cr_provider_msgraph,
	&cr_provider_alibaba,
	&cr_provider_tencent,
};

const CrProvider *
cr_provider_lookup(const char *name)
{
	int			i;

	for (i = 0; i < lengthof(all_providers); i++)
		if (strcmp(all_providers[i]->name, name) == 0)
			return all_providers[i];
	return NULL;
}

const CrProvider *const *
cr_provider_all(int *n)
{
	*n = lengthof(all_providers);
	return all_providers;
}

const CrResource *
cr_resource_lookup(const CrProvider *prov, const char *name)
{
	int			i;

	for (i = 0; i < prov->nresources; i++)
		if (strcmp(prov->resources[i].name, name) == 0)
			return &prov->resources[i];
	return NULL;
}

/* Index of a canonical column in a resource, or -1. */
int
cr_resource_column(const CrResource *res, const char *colname)
{
	int			i;

	for (i = 0; i < res->ncolumns; i++)
		if (strcmp(res->columns[i].name, colname) == 0)
			return i;
	return -1;
}

/* A user mapping option's value, or NULL. */
const char *
cr_account_get(const CrAccount *acct, const char *name)
{
	ListCell   *lc;

	foreach(lc, acct->options)
	{
		DefElem    *def = (DefElem *) lfirst(lc);

		if (strcmp(def->defname, name) == 0)
			return defGetString(def);
	}
	return NULL;
}

/* ------------------------------------------------------------------------
 * Helpers for read_page
 * ------------------------------------------------------------------------
 */

/* An empty page: no rows, no total, the transport's request id. */
void
cr_page_init(CrPage *page, const CrHttpResponse *resp)
{
	memset(page, 0, sizeof(CrPage));
	page->total = -1;
	page->request_id = resp->request_id;
}

/*
 * Walk a response body for the resource's records and the envelope paths.
 * False when the body is empty (jr->error NULL) or not the JSON expected
 * (jr->error says why).
 */
bool
cr_parse_body(const CrHttpResponse *resp, const CrRequestSpec *spec,
			  const char *const *env_paths, int nenv,
			  const char *const *fields, int nfields, bool want_raw,
			  CrJsonResult *jr)
{
	CrJsonSpec	js;

	memset(jr, 0, sizeof(CrJsonResult));
	if (resp->body_len == 0)
		return false;
	memset(&js, 0, sizeof(js));
	js.records_path = spec->opts->resource->records_path;
	js.env_paths = env_paths;
	js.nenv = nenv;
	js.fields = fields;
	js.nfields = nfields;
	js.want_raw = want_raw;
	return cr_json_parse(resp->body, resp->body_len, &js, jr);
}

/* The page is good: hand it the decoded records. */
void
cr_page_take_rows(CrPage *page, const CrJsonResult *jr, int nfields)
{
	page->outcome = CR_OUTCOME_OK;
	page->nrows = jr->nrows;
	page->nfields = nfields;
	page->values = jr->values;
	page->raw = jr->raw;
}
