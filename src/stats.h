/*-------------------------------------------------------------------------
 *
 * stats.h
 *		  Per-server session statistics and progress reports (stats.c).
 *
 * IDENTIFICATION
 *		  src/stats.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CR_STATS_H
#define CR_STATS_H

typedef struct CrStats
{
	Oid			serverid;		/* hash key */
	char		provider[16];
	int64		scans;
	int64		requests;
	int64		retries;
	int64		throttle_waits;
	int64		throttle_wait_us;
	int64		bytes;
	int64		rows;
	int64		errors;
} CrStats;

extern bool cr_progress;

extern void cr_stats_define_gucs(void);
extern CrStats *cr_stats_entry(Oid serverid, const char *provider);

#endif							/* CR_STATS_H */
