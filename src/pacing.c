/*-------------------------------------------------------------------------
 *
 * pacing.c
 *		  Request-rate ceiling per account, and retry backoff.
 *
 * The ceiling is a token bucket of depth one per user mapping, kept for the
 * life of the backend: requests to one account are spaced at least
 * 1/requests_per_second apart, across all scans of this backend.  Nothing
 * here sleeps: callers get a time and wait on their latch.
 *
 * IDENTIFICATION
 *		  src/pacing.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/pg_prng.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "callrecord_fdw.h"

typedef struct CrPacerEntry
{
	Oid			umid;			/* hash key */
	int64		next_free_us;	/* earliest start of the next request */
} CrPacerEntry;

static HTAB *pacer_hash = NULL;

/* Wall-clock time in microseconds since the Unix epoch. */
int64
cr_now_us(void)
{
	return GetCurrentTimestamp() +
		(int64) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * USECS_PER_DAY;
}

static CrPacerEntry *
pacer_entry(Oid umid)
{
	CrPacerEntry *entry;
	bool		found;

	if (pacer_hash == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = sizeof(Oid);
		ctl.entrysize = sizeof(CrPacerEntry);
		ctl.hcxt = CacheMemoryContext;
		pacer_hash = hash_create("callrecord_fdw pacers", 8, &ctl,
								 HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}
	entry = hash_search(pacer_hash, &umid, HASH_ENTER, &found);
	if (!found)
		entry->next_free_us = 0;
	return entry;
}

/* The earliest time the next request to an account may start. */
int64
cr_pacer_next_us(Oid umid)
{
	return pacer_entry(umid)->next_free_us;
}

/*
 * A request to the account starts now: the next one waits 1/rps, plus 2%
 * so that the jitter between our clock and the vendor's arrival times
 * never puts rps + 1 requests into one of the vendor's seconds.
 */
void
cr_pacer_take(Oid umid, double rps, int64 now_us)
{
	CrPacerEntry *entry = pacer_entry(umid);

	entry->next_free_us = Max(now_us, entry->next_free_us) +
		(int64) (1020000.0 / rps);
}

/*
 * How long to wait before retry number attempt (1-based).  A Retry-After
 * the vendor sent wins, capped at five minutes; otherwise exponential
 * backoff from 250 ms, capped at 20 s, with +-25% jitter so that backends
 * hitting the same limit do not retry in step.
 */
int64
cr_backoff_us(int attempt, double retry_after_s)
{
	double		base_us;
	double		jitter;

	if (retry_after_s >= 0)
		return (int64) (Min(retry_after_s, 300.0) * 1000000.0);

	base_us = 250000.0 * (double) (1 << Min(attempt - 1, 10));
	if (base_us > 20000000.0)
		base_us = 20000000.0;
	jitter = 0.75 + 0.5 * pg_prng_double(&pg_global_prng_state);
	return (int64) (base_us * jitter);
}
