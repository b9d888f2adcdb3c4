/*-------------------------------------------------------------------------
 *
 * stats.c
 *		  Cumulative per-server statistics of this session, and the
 *		  progress NOTICEs of long scans.
 *
 * Each backend keeps one entry per foreign server it has scanned: scans,
 * requests, retries, throttle waits and their time, bytes, rows and
 * errors.  Scans add to their entry as they go, so a scan that fails still
 * counts what it sent.  callrecord_fdw_stats() shows the entries, in the
 * spirit of pg_stat_statements but for this session only;
 * callrecord_fdw_stats_reset() clears them.
 *
 * With callrecord_fdw.progress on, a scan that has run for a second
 * reports its progress at most once a second: windows done of total,
 * pages, rows, retries, throttle waits.
 *
 * IDENTIFICATION
 *		  src/stats.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "foreign/foreign.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"
#include "utils/tuplestore.h"

#include "stats.h"

bool		cr_progress = false;

static HTAB *stats_hash = NULL;

PG_FUNCTION_INFO_V1(callrecord_fdw_stats);
PG_FUNCTION_INFO_V1(callrecord_fdw_stats_reset);

void
cr_stats_define_gucs(void)
{
	DefineCustomBoolVariable("callrecord_fdw.progress",
							 "Report the progress of long callrecord_fdw scans as NOTICEs.",
							 "A scan running longer than a second reports windows done, pages, "
							 "rows and throttle waits at most once a second.",
							 &cr_progress,
							 false,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);
	MarkGUCPrefixReserved("callrecord_fdw");
}

/* The session's entry of a server, created on first use. */
CrStats *
cr_stats_entry(Oid serverid, const char *provider)
{
	CrStats    *e;
	bool		found;

	if (stats_hash == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = sizeof(Oid);
		ctl.entrysize = sizeof(CrStats);
		ctl.hcxt = TopMemoryContext;
		stats_hash = hash_create("callrecord_fdw statistics", 8, &ctl,
								 HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}
	e = hash_search(stats_hash, &serverid, HASH_ENTER, &found);
	if (!found)
	{
		memset(((char *) e) + sizeof(Oid), 0, sizeof(CrStats) - sizeof(Oid));
		strlcpy(e->provider, provider, sizeof(e->provider));
	}
	return e;
}

Datum
callrecord_fdw_stats(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	HASH_SEQ_STATUS seq;
	CrStats    *e;

	InitMaterializedSRF(fcinfo, 0);
	if (stats_hash == NULL)
		return (Datum) 0;
	hash_seq_init(&seq, stats_hash);
	while ((e = hash_seq_search(&seq)) != NULL)
	{
		Datum		values[11];
		bool		nulls[11] = {0};
		ForeignServer *server = GetForeignServerExtended(e->serverid, FSV_MISSING_OK);

		values[0] = ObjectIdGetDatum(e->serverid);
		if (server)
			values[1] = CStringGetTextDatum(server->servername);
		else
			nulls[1] = true;	/* dropped since */
		values[2] = CStringGetTextDatum(e->provider);
		values[3] = Int64GetDatum(e->scans);
		values[4] = Int64GetDatum(e->requests);
		values[5] = Int64GetDatum(e->retries);
		values[6] = Int64GetDatum(e->throttle_waits);
		values[7] = Float8GetDatum(e->throttle_wait_us / 1000.0);
		values[8] = Int64GetDatum(e->bytes);
		values[9] = Int64GetDatum(e->rows);
		values[10] = Int64GetDatum(e->errors);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/*
 * Zero every entry.  The entries stay: a scan running in the same query
 * holds a pointer to its own.
 */
Datum
callrecord_fdw_stats_reset(PG_FUNCTION_ARGS)
{
	HASH_SEQ_STATUS seq;
	CrStats    *e;

	if (stats_hash)
	{
		hash_seq_init(&seq, stats_hash);
		while ((e = hash_seq_search(&seq)) != NULL)
			memset(((char *) e) + offsetof(CrStats, scans), 0,
				   sizeof(CrStats) - offsetof(CrStats, scans));
	}
	PG_RETURN_VOID();
}
