/*-------------------------------------------------------------------------
 *
 * provider.h
 *		  The interface between the scan engine and one vendor.
 *
 * A provider is a static table plus functions: its resources (columns,
 * pushdown capabilities), its limits and defaults, and the functions that
 * turn a CrRequestSpec into an HTTP request and an HTTP response into a
 * CrPage.  Providers never touch curl, executor state or windows; the
 * engine never knows a vendor's field names or signing rules.
 *
 * IDENTIFICATION
 *		  src/provider.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CR_PROVIDER_H
#define CR_PROVIDER_H

#include "callrecord_fdw.h"

/* Limits and defaults of one vendor API. */
typedef struct CrLimits
{
	int64		max_window_us;	/* longest window one request may cover */
	int64		grain_us;		/* window boundaries fall on multiples of this */
	bool		paged;			/* the API pages its results */
	int			page_size_default;
	int			page_size_max;
	double		default_rps;
	int			default_history_days;
	const char *default_endpoint;
	const char *request_id_header;	/* response header with the request id */

	/*
	 * Widen the clamped range by this much at both ends before cutting
	 * windows (whole-grain ends, for vendors whose bounds are coarser than
	 * the values they return; PostgreSQL rechecks the exact bounds).
	 */
	int64		outer_pad_us;

	/*
	 * The time column is a date: windows are whole days of the server
	 * option time_zone, one request each.  Times in the request plan are
	 * then "naive" days: a date's midnight read as if it were UTC.
	 */
	bool		day_windows;

	/*
	 * The planner's guess of the rows the API holds a day, in the absence
	 * of statistics from the vendor.  For an API that does not page, each
	 * fan-out value gets its own answer (one row per SdkAppId a day, one
	 * bucket per number a day): the guess is per value, and the values
	 * multiply it rather than filter it.
	 */
	double		est_rows_per_day;
} CrLimits;

/* A credential option of a user mapping. */
typedef struct CrCredential
{
	const char *name;
	bool		required;
} CrCredential;

typedef struct CrProvider
{
	const char *name;			/* "ucloud" */
	const CrResource *resources;
	int			nresources;
	CrLimits	limits;
	const CrCredential *credentials;	/* NULL-name terminated */

	/*
	 * Can this version scan the provider?  When false, the options and
	 * IMPORT definitions exist but a scan fails with a clear message.
	 */
	bool		can_scan;

	/*
	 * Build the HTTP request for one page.  Called for every attempt, so a
	 * retry carries a fresh timestamp, nonce and signature.
	 */
	void		(*build_request) (const CrRequestSpec *spec,
								  const CrAccount *acct,
								  CrHttpRequest *out);

	/*
	 * Decode one complete response: the envelope (errors, total, next link,
	 * retry class) and the wanted record fields.  fields/nfields name the
	 * JSON fields the scan needs; want_raw asks for each record's raw text.
	 */
	void		(*read_page) (const CrHttpResponse *resp,
							  const CrRequestSpec *spec,
							  const char *const *fields, int nfields,
							  bool want_raw, CrPage *page);

	/* Optional hooks (NULL when the vendor needs none). */

	/*
	 * The longest window for the scan's parameters (the parameters of the
	 * first fan-out combination), when it depends on them.
	 */
	int64		(*max_window) (const CrOptions *opts, const CrParam *params,
							   int nparams);

	/*
	 * The values of a fan-out column the query does not constrain (from a
	 * table option), as a List of char *.  Raise an ERROR when the vendor
	 * needs values and there are none; NIL means "send no parameter".
	 */
	List	   *(*default_values) (const CrOptions *opts, const CrColumnDef *col);

	/*
	 * A request sent at sent_us was refused as unauthenticated: forget a
	 * cached credential obtained before then, so the retry gets a new one.
	 */
	void		(*forget_auth) (const CrOptions *opts, const CrAccount *acct,
								int64 sent_us);
} CrProvider;

/* in provider.c */
extern const CrProvider *cr_provider_lookup(const char *name);
extern const CrProvider *const *cr_provider_all(int *n);
extern const CrResource *cr_resource_lookup(const CrProvider *prov,
											const char *name);
extern int	cr_resource_column(const CrResource *res, const char *colname);
extern const char *cr_account_get(const CrAccount *acct, const char *name);
extern void cr_page_init(CrPage *page, const CrHttpResponse *resp);
extern bool cr_parse_body(const CrHttpResponse *resp, const CrRequestSpec *spec,
						  const char *const *env_paths, int nenv,
						  const char *const *fields, int nfields, bool want_raw,
						  CrJsonResult *jr);
extern void cr_page_take_rows(CrPage *page, const CrJsonResult *jr, int nfields);

/* the providers */
extern const CrProvider cr_provider_ucloud;
extern const CrProvider cr_provider_msgraph;
extern const CrProvider cr_provider_alibaba;
extern const CrProvider cr_provider_tencent;

#endif							/* CR_PROVIDER_H */
