/*-------------------------------------------------------------------------
 *
 * reqplan.c
 *		  The request plan of one (re)scan: time range clamped to history,
 *		  contradictions, windows and fan-out combinations.
 *
 * Pure computation over values already evaluated by scan.c: no catalog,
 * no I/O.  Times are unix microseconds; a window is [start, end).
 *
 * IDENTIFICATION
 *		  src/reqplan.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"

#include "plan.h"
#include "provider.h"
#include "reqplan.h"

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/* Intersect two sorted, de-duplicated string arrays into the first. */
static int
intersect(char **a, int na, char **b, int nb)
{
	int			i = 0,
				j = 0,
				n = 0;

	while (i < na && j < nb)
	{
		int			c = strcmp(a[i], b[j]);

		if (c == 0)
		{
			a[n++] = a[i];
			i++;
			j++;
		}
		else if (c < 0)
			i++;
		else
			j++;
	}
	return n;
}

static int
sort_unique(char **v, int n)
{
	int			i,
				m = 0;

	if (n <= 1)
		return n;
	qsort(v, n, sizeof(char *), cmp_str);
	for (i = 0; i < n; i++)
		if (m == 0 || strcmp(v[m - 1], v[i]) != 0)
			v[m++] = v[i];
	return m;
}

static int64
floor_to(int64 v, int64 grain)
{
	int64		r = v % grain;

	return r < 0 ? v - r - grain : v - r;
}

static int64
ceil_to(int64 v, int64 grain)
{
	int64		f = floor_to(v, grain);

	return f == v ? v : f + grain;
}

CrReqPlan *
cr_build_reqplan(const CrOptions *opts, const CrPushedValue *vals, int nvals,
				 int order, int64 now_us)
{
	const CrResource *res = opts->resource;
	const CrLimits *lim = &opts->provider->limits;
	CrReqPlan  *rp = palloc0(sizeof(CrReqPlan));
	int64		lo = PG_INT64_MIN,
				hi = PG_INT64_MAX;
	int64		hist_lo;
	char	  **sets[64];
	int			nset[64];
	const char *ne_value[64];
	int			c,
				i;
	int64		ncombos = 1;

	Assert(res->ncolumns <= 64);
	for (c = 0; c < res->ncolumns; c++)
	{
		sets[c] = NULL;
		nset[c] = -1;			/* no condition */
		ne_value[c] = NULL;
	}

	for (i = 0; i < nvals; i++)
	{
		const CrPushedValue *v = &vals[i];

		if (v->isnull)
		{
			/* a comparison with NULL is never true */
			rp->empty = true;
			rp->empty_reason = "a condition compares with NULL";
			return rp;
		}
		switch (v->op)
		{
			case CR_OP_GT:
				lo = Max(lo, v->us + 1);
				break;
			case CR_OP_GE:
				lo = Max(lo, v->us);
				break;
			case CR_OP_LT:
				hi = Min(hi, v->us);
				break;
			case CR_OP_LE:
				hi = Min(hi, v->us + 1);
				break;
			case CR_OP_EQ:
			case CR_OP_IN:
				if (res->columns[v->colidx].push & CR_PUSH_RANGE)
				{
					lo = Max(lo, v->us);
					hi = Min(hi, v->us + 1);
				}
				else
				{
					int			n = v->ntexts;
					char	  **copy = palloc(sizeof(char *) * Max(n, 1));

					memcpy(copy, v->texts, sizeof(char *) * n);
					n = sort_unique(copy, n);
					if (nset[v->colidx] < 0)
					{
						sets[v->colidx] = copy;
						nset[v->colidx] = n;
					}
					else
						nset[v->colidx] = intersect(sets[v->colidx], nset[v->colidx],
													copy, n);
				}
				break;
			case CR_OP_NE:
				/* the vendor takes one exclusion; more are checked locally */
				if (ne_value[v->colidx] == NULL)
					ne_value[v->colidx] = v->texts[0];
				break;
		}
	}

	for (c = 0; c < res->ncolumns; c++)
		if (nset[c] == 0)
		{
			rp->empty = true;
			rp->empty_reason = "the equality conditions select no value";
			return rp;
		}

	/* fan-out columns the query leaves open take the provider's defaults */
	for (c = 0; c < res->ncolumns; c++)
	{
		List	   *defaults;
		ListCell   *lc;
		int			n = 0;

		if (nset[c] >= 0 || res->columns[c].source != CR_SRC_FANOUT ||
			opts->provider->default_values == NULL)
			continue;
		defaults = opts->provider->default_values(opts, &res->columns[c]);
		if (defaults == NIL)
			continue;
		sets[c] = palloc(sizeof(char *) * list_length(defaults));
		foreach(lc, defaults)
			sets[c][n++] = (char *) lfirst(lc);
		nset[c] = sort_unique(sets[c], n);
	}

	/* history and now */
	if (lim->day_windows)
	{
		/*
		 * Naive days: now_us is the local wall-clock time in the server's
		 * time zone.  History is the last history_days days ending today;
		 * a bound between midnights moves to the next midnight, because a
		 * date compares with it as its own midnight.
		 */
		int64		today = floor_to(now_us, CR_USEC_PER_DAY);

		hist_lo = today - (int64) (opts->history_days - 1) * CR_USEC_PER_DAY;
		if (lo < hist_lo)
		{
			rp->clamped_history = true;
			rp->had_lower_bound = (lo != PG_INT64_MIN);
			lo = hist_lo;
		}
		lo = ceil_to(lo, CR_USEC_PER_DAY);
		hi = Min(hi, today + CR_USEC_PER_DAY);
		hi = ceil_to(hi, CR_USEC_PER_DAY);
	}
	else
	{
		hist_lo = now_us - (int64) opts->history_days * CR_USEC_PER_DAY;
		if (lo < hist_lo)
		{
			rp->clamped_history = true;
			rp->had_lower_bound = (lo != PG_INT64_MIN);
			lo = hist_lo;
		}
		if (hi > now_us + 1)
			hi = now_us + 1;
	}
	rp->start_us = lo;
	rp->end_us = hi;
	if (lo >= hi)
	{
		rp->empty = true;
		rp->empty_reason = "the time conditions select an empty range";
		return rp;
	}
	if (lim->outer_pad_us > 0)
	{
		int64		grain = Max(lim->grain_us, 1);

		lo = floor_to(lo, grain) - lim->outer_pad_us;
		hi = ceil_to(hi, grain) + lim->outer_pad_us;
	}

	/* fan-out: the cartesian product of the equality value sets */
	rp->nparams = 0;
	for (c = 0; c < res->ncolumns; c++)
	{
		if (nset[c] > 0)
		{
			ncombos *= nset[c];
			rp->nparams++;
			if (ncombos > 100000)
				ereport(ERROR,
						(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
						 errmsg("the IN lists of this query need more than 100000 request series")));
		}
		if (ne_value[c])
			rp->nparams++;
	}
	rp->ncombos = (int) ncombos;
	rp->params = palloc(sizeof(CrParam) * Max(rp->nparams * ncombos, 1));
	for (i = 0; i < ncombos; i++)
	{
		int64		rest = i;
		int			p = 0;

		for (c = 0; c < res->ncolumns; c++)
		{
			CrParam    *cp = &rp->params[i * rp->nparams];

			if (nset[c] > 0)
			{
				cp[p].name = res->columns[c].eq_param;
				cp[p].value = sets[c][rest % nset[c]];
				rest /= nset[c];
				p++;
			}
			if (ne_value[c])
			{
				cp[p].name = res->columns[c].ne_param;
				cp[p].value = ne_value[c];
				p++;
			}
		}
	}

	/* windows: boundaries on the grain, each at most max_window long */
	{
		int64		span = opts->provider->max_window ?
			opts->provider->max_window(opts, rp->params, rp->nparams) :
			lim->max_window_us;
		int64		grain = Max(lim->grain_us, 1);
		int64		first_cut = floor_to(lo, grain) + span;
		int64		n = 1;
		int64		k;

		if (first_cut < hi)
			n += (hi - first_cut + span - 1) / span;
		if (n > 1000000)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("the time range needs more than a million requests")));
		rp->nwindows = (int) n;
		rp->wstart = palloc(sizeof(int64) * n);
		rp->wend = palloc(sizeof(int64) * n);
		for (k = 0; k < n; k++)
		{
			int64		ws = (k == 0) ? lo : first_cut + (k - 1) * span;
			int64		we = Min(first_cut + k * span, hi);
			int64		pos = (order == CR_ORDER_DESC) ? n - 1 - k : k;

			rp->wstart[pos] = ws;
			rp->wend[pos] = we;
		}
	}

	return rp;
}
