/*-------------------------------------------------------------------------
 *
 * import.c
 *		  IMPORT FOREIGN SCHEMA <provider> FROM SERVER s INTO local.
 *
 * The remote schema is the provider's name; each resource becomes a
 * foreign table with the canonical columns.  LIMIT TO and EXCEPT work on
 * resource names as usual (the core filters the statements we return).
 *
 * IDENTIFICATION
 *		  src/import.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "commands/defrem.h"
#include "foreign/foreign.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"

#include "callrecord_fdw.h"
#include "provider.h"

List *
cr_import_foreign_schema(ImportForeignSchemaStmt *stmt, Oid serverOid)
{
	ForeignServer *server = GetForeignServer(serverOid);
	const char *provider = NULL;
	const CrProvider *prov;
	List	   *commands = NIL;
	ListCell   *lc;
	int			r;

	foreach(lc, server->options)
	{
		DefElem    *def = (DefElem *) lfirst(lc);

		if (strcmp(def->defname, "provider") == 0)
			provider = defGetString(def);
	}
	prov = provider ? cr_provider_lookup(provider) : NULL;
	if (prov == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
				 errmsg("server \"%s\" has no valid \"provider\" option",
						server->servername)));
	if (strcmp(stmt->remote_schema, prov->name) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_SCHEMA_NOT_FOUND),
				 errmsg("remote schema \"%s\" does not exist on server \"%s\"",
						stmt->remote_schema, server->servername),
				 errhint("The server's provider is \"%s\": use IMPORT FOREIGN SCHEMA %s FROM SERVER %s INTO ...",
						 prov->name, prov->name,
						 quote_identifier(server->servername))));

	for (r = 0; r < prov->nresources; r++)
	{
		const CrResource *res = &prov->resources[r];
		StringInfoData buf;
		int			c;

		initStringInfo(&buf);
		appendStringInfo(&buf, "CREATE FOREIGN TABLE %s (\n",
						 quote_identifier(res->name));
		for (c = 0; c < res->ncolumns; c++)
			appendStringInfo(&buf, "  %s %s%s\n",
							 quote_identifier(res->columns[c].name),
							 res->columns[c].sqltype,
							 c < res->ncolumns - 1 ? "," : "");
		appendStringInfo(&buf, ") SERVER %s OPTIONS (resource %s)",
						 quote_identifier(server->servername),
						 quote_literal_cstr(res->name));
		commands = lappend(commands, buf.data);
	}
	return commands;
}
