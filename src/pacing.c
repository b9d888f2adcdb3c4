/*-------------------------------------------------------------------------
 *
 * pacing.c
 *		  Request-rate ceiling per account, and retry backoff.
 *
 * The ceiling is a token bucket of depth one per vendor account (provider,
 * endpoint and credentials): requests to one account are spaced at least
 * 1/requests_per_second apart, counted from when each request actually
 * leaves (the vendor counts arrivals).  A request booked on a new
 * connection leaves only after the TCP and TLS set-up; so that no later
 * booking overtakes it, the account takes no booking while one is still on
 * its way out (a "pending" booking), and its departure, reported by the
 * transport, pushes the next free turn to departure + 1/rps.  A pending
 * booking whose departure was never reported (its backend died) lapses
 * after CR_PENDING_MAX_US.  With the library in
 * shared_preload_libraries the buckets are in shared memory and the
 * ceiling holds for all backends together; otherwise each backend keeps
 * its own buckets and its own ceiling.  Nothing here sleeps: callers get a
 * time and wait on their latch.
 *
 * IDENTIFICATION
 *		  src/pacing.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/pg_prng.h"
#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "callrecord_fdw.h"

/*
 * One account's bucket: the earliest start of its next request.  The key
 * is CrAccount.rate_key, a SHA-256 of (provider, endpoint, credentials).
 */
typedef struct CrPacerEntry
{
	uint8		key[32];		/* hash key */
	int64		next_free_us;
	int64		last_used_us;	/* shared table: for reuse when full */
	int			pending;		/* booked, not yet left */
	int64		pending_since_us;
	bool		used;
} CrPacerEntry;

/* A booking not reported as sent or dropped by then is forgotten. */
#define CR_PENDING_MAX_US	(2 * CR_USEC_PER_SEC)

/* How often a booking held back by a pending one looks again. */
#define CR_PENDING_POLL_US	2000

#define CR_SHARED_PACERS 1024

typedef struct CrSharedPacers
{
	LWLock	   *lock;
	CrPacerEntry entries[CR_SHARED_PACERS];
} CrSharedPacers;

static HTAB *local_pacers = NULL;
static CrSharedPacers *shared_pacers = NULL;
static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

/* Wall-clock time in microseconds since the Unix epoch. */
int64
cr_now_us(void)
{
	return GetCurrentTimestamp() +
		(int64) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * USECS_PER_DAY;
}

static void
pacing_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(MAXALIGN(sizeof(CrSharedPacers)));
	RequestNamedLWLockTranche("callrecord_fdw", 1);
}

static void
pacing_shmem_startup(void)
{
	bool		found;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	shared_pacers = ShmemInitStruct("callrecord_fdw pacers", sizeof(CrSharedPacers), &found);
	if (!found)
	{
		memset(shared_pacers, 0, sizeof(CrSharedPacers));
		shared_pacers->lock = &(GetNamedLWLockTranche("callrecord_fdw"))->lock;
	}
	LWLockRelease(AddinShmemInitLock);
}

/*
 * From _PG_init.  Loaded by shared_preload_libraries, the buckets live in
 * shared memory and hold for every backend together; loaded on demand,
 * each backend keeps its own.
 */
void
cr_pacing_init(void)
{
	if (!process_shared_preload_libraries_in_progress)
		return;
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = pacing_shmem_request;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = pacing_shmem_startup;
}

/* Are the rate ceilings shared by all backends? */
bool
cr_pacing_shared(void)
{
	return shared_pacers != NULL;
}

static CrPacerEntry *
shared_entry(const uint8 *key, int64 now_us)
{
	int			i;
	int			oldest = 0;
	uint32		h;

	memcpy(&h, key, sizeof(h));
	for (i = 0; i < CR_SHARED_PACERS; i++)
	{
		int			k = (h + i) % CR_SHARED_PACERS;
		CrPacerEntry *e = &shared_pacers->entries[k];

		if (e->used && memcmp(e->key, key, 32) == 0)
			return e;
		if (!e->used)
		{
			memcpy(e->key, key, 32);
			e->used = true;
			e->next_free_us = 0;
			e->pending = 0;
			return e;
		}
		if (e->last_used_us < shared_pacers->entries[oldest].last_used_us)
			oldest = k;
	}
	/* full: take over the bucket idle the longest */
	{
		CrPacerEntry *e = &shared_pacers->entries[oldest];

		memcpy(e->key, key, 32);
		e->next_free_us = 0;
		e->pending = 0;
		return e;
	}
}

static CrPacerEntry *
local_entry(const uint8 *key)
{
	CrPacerEntry *e;
	bool		found;

	if (local_pacers == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = 32;
		ctl.entrysize = sizeof(CrPacerEntry);
		ctl.hcxt = TopMemoryContext;
		local_pacers = hash_create("callrecord_fdw pacers", 8, &ctl,
								   HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}
	e = hash_search(local_pacers, key, HASH_ENTER, &found);
	if (!found)
	{
		e->next_free_us = 0;
		e->pending = 0;
	}
	return e;
}

/*
 * May a request to the account start now?  If so, book it: the next one
 * waits 1/rps, plus 2% so that jitter between our clock and the vendor's
 * arrival times never puts rps + 1 requests into one of its seconds.  If
 * not, *next_us is when one may.  Check and booking are one step under the
 * lock, so two backends never take the same turn.
 */
static int64
spacing_us(double rps)
{
	return (int64) (1020000.0 / rps);
}

static CrPacerEntry *
lock_entry(const CrAccount *acct, int64 now_us)
{
	if (shared_pacers)
	{
		LWLockAcquire(shared_pacers->lock, LW_EXCLUSIVE);
		return shared_entry(acct->rate_key, now_us);
	}
	return local_entry(acct->rate_key);
}

static void
unlock_entry(void)
{
	if (shared_pacers)
		LWLockRelease(shared_pacers->lock);
}

bool
cr_pacer_try_take(const CrAccount *acct, double rps, int64 now_us, int64 *next_us)
{
	CrPacerEntry *e = lock_entry(acct, now_us);
	bool		ok;

	if (e->pending > 0 && now_us - e->pending_since_us >= CR_PENDING_MAX_US)
		e->pending = 0;
	if (e->pending > 0)
	{
		ok = false;
		*next_us = Max(e->next_free_us, now_us + CR_PENDING_POLL_US);
	}
	else
	{
		ok = e->next_free_us <= now_us;
		if (ok)
		{
			e->next_free_us = Max(now_us, e->next_free_us) + spacing_us(rps);
			e->pending = 1;
			e->pending_since_us = now_us;
		}
		else
			*next_us = e->next_free_us;
	}
	e->last_used_us = now_us;
	unlock_entry();
	return ok;
}

/*
 * The transport reports that a booked request left at sent_us (sent) or
 * will never leave (!sent): the account may book again, and its next turn
 * is at least 1/rps after the departure.
 */
void
cr_pacer_done(const CrAccount *acct, double rps, bool sent, int64 sent_us)
{
	CrPacerEntry *e = lock_entry(acct, sent_us);

	if (e->pending > 0)
		e->pending--;
	if (sent)
		e->next_free_us = Max(e->next_free_us, sent_us + spacing_us(rps));
	unlock_entry();
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
