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
