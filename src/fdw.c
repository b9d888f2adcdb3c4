/*-------------------------------------------------------------------------
 *
 * fdw.c
 *		  Module magic, the handler and validator functions, and the
 *		  FdwRoutine: every callback is a thin dispatcher.
 *
 * IDENTIFICATION
 *		  src/fdw.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/reloptions.h"
#include "fmgr.h"
#include "foreign/fdwapi.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "callrecord_fdw.h"
#include "http.h"
#include "plan.h"
#include "scan.h"
#include "stats.h"

PG_MODULE_MAGIC;

PG_FUNCTION_INFO_V1(callrecord_fdw_handler);
PG_FUNCTION_INFO_V1(callrecord_fdw_validator);
PG_FUNCTION_INFO_V1(callrecord_fdw_version);

void		_PG_init(void);

void
_PG_init(void)
{
	cr_http_global_init();
	cr_stats_define_gucs();
	cr_pacing_init();
}

static List *
crImportForeignSchema(ImportForeignSchemaStmt *stmt, Oid serverOid)
{
	return cr_import_foreign_schema(stmt, serverOid);
}

Datum
callrecord_fdw_handler(PG_FUNCTION_ARGS)
{
	FdwRoutine *routine = makeNode(FdwRoutine);

	routine->GetForeignRelSize = cr_get_foreign_rel_size;
	routine->GetForeignPaths = cr_get_foreign_paths;
	routine->GetForeignPlan = cr_get_foreign_plan;
	routine->BeginForeignScan = cr_begin_foreign_scan;
	routine->IterateForeignScan = cr_iterate_foreign_scan;
	routine->ReScanForeignScan = cr_rescan_foreign_scan;
	routine->EndForeignScan = cr_end_foreign_scan;
	routine->ExplainForeignScan = cr_explain_foreign_scan;
	routine->ImportForeignSchema = crImportForeignSchema;

	PG_RETURN_POINTER(routine);
}

Datum
callrecord_fdw_validator(PG_FUNCTION_ARGS)
{
	List	   *options = untransformRelOptions(PG_GETARG_DATUM(0));
	Oid			catalog = PG_GETARG_OID(1);

	cr_validate_options(options, catalog);
	PG_RETURN_VOID();
}

Datum
callrecord_fdw_version(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(CALLRECORD_FDW_VERSION));
}
